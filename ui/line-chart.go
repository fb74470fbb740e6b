package ui

import (
	"fmt"
	"math"
)

// LineChart draws the values of a training measure per epoch as inline SVG.
type LineChart struct {
	Train *Trainer
	Title string
	Kind  string // "loss", "accuracy", "auc" or "iou" (see Trainer.ChartSeries)
	Unit  bool   // values lie in [0, 1]
}

// Series returns the chart's lines.
func (c *LineChart) Series() []Series { return c.Train.ChartSeries(c.Kind) }

func (c *LineChart) geom() chartGeom {
	lo, hi := yRange(c.Series(), c.Unit)
	return chartGeom{W: 240, H: 100, Left: 30, Right: 4, Top: 8, Bottom: 16, XMax: float64(max(2, len(c.Train.History))), YMin: lo, YMax: hi}
}

// Path returns the SVG path of a series.
func (c *LineChart) Path(s Series) string { return c.geom().linePath(s.Values) }

// YLabel labels the fraction f of the vertical axis.
func (c *LineChart) YLabel(f float64) string {
	g := c.geom()
	return fmt.Sprintf("%.3g", g.YMin+f*(g.YMax-g.YMin))
}

// XLabel labels the horizontal axis.
func (c *LineChart) XLabel() string {
	n := len(c.Train.History)
	if n == 0 {
		return "epoch"
	}
	return fmt.Sprintf("epoch %d", n)
}

// Point is a marker of one value; Title is shown on hover.
type Point struct {
	Key, Class string
	X, Y       string
	Title      string
}

// Points returns a marker per finite value, so that a single epoch shows.
func (c *LineChart) Points() []Point {
	g := c.geom()
	var out []Point
	for _, s := range c.Series() {
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				continue
			}
			out = append(out, Point{Key: s.Name + itoa(i), Class: s.Class, X: fmtF(g.x(i + 1)), Y: fmtF(g.y(v)),
				Title: fmt.Sprintf("epoch %d · %s %s", i+1, s.Name, c.Value(v))})
		}
	}
	return out
}

// Value formats a value of the chart: a fraction as a percentage for
// accuracy, else three significant digits.
func (c *LineChart) Value(v float64) string {
	if c.Kind == "accuracy" {
		return Pct(v)
	}
	return fmt.Sprintf("%.3g", v)
}

// Last is a series' last measured value as text, or "".
func (c *LineChart) Last(s Series) string {
	for i := len(s.Values) - 1; i >= 0; i-- {
		if v := s.Values[i]; known(v) {
			return c.Value(v)
		}
	}
	return ""
}
