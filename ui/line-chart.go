package ui

import "fmt"

// ChartData is what a LineChart draws: lines of values at the points
// 1, 2, …, ChartLen() along x.
type ChartData interface {
	// ChartSeries returns the lines of the chart of the given kind.
	ChartSeries(kind string) []Series
	// ChartLen is the number of points along x.
	ChartLen(kind string) int
	// ChartX names point i (from 1) for its hover title, as "epoch 3".
	ChartX(kind string, i int) string
	// ChartXLabel labels the x axis' right end, ChartEmpty is the text
	// shown when there is no point.
	ChartXLabel(kind string) string
	ChartEmpty(kind string) string
}

// LineChart draws series of values, such as a training measure per epoch
// or a similarity per layer, as inline SVG.
type LineChart struct {
	Data  ChartData
	Title string
	Kind  string // which of Data's charts: "loss", "accuracy", "auc" or "iou" of a Trainer, …
	Unit  bool   // values lie in [0, 1]
	// Signed values lie in [-1, 1] (a correlation).
	Signed bool
	// NoLast leaves the last value out of the legend (the series' names
	// say what matters).
	NoLast bool
}

// Series returns the chart's lines.
func (c *LineChart) Series() []Series { return c.Data.ChartSeries(c.Kind) }

// Len is the number of points along x.
func (c *LineChart) Len() int { return c.Data.ChartLen(c.Kind) }

func (c *LineChart) geom() chartGeom {
	lo, hi := yRange(c.Series(), c.Unit)
	if c.Signed {
		lo, hi = -1, 1
	}
	return chartGeom{W: 240, H: 100, Left: 30, Right: 4, Top: 8, Bottom: 16, XMax: float64(max(2, c.Len())), YMin: lo, YMax: hi, Signed: c.Signed}
}

// Path returns the SVG path of a series.
func (c *LineChart) Path(s Series) string { return c.geom().linePath(s.Values) }

// YLabel labels the fraction f of the vertical axis (0 is the bottom).
func (c *LineChart) YLabel(f float64) string {
	g := c.geom()
	return fmt.Sprintf("%.3g", g.YMin+f*(g.YMax-g.YMin))
}

// XLabel labels the horizontal axis.
func (c *LineChart) XLabel() string { return c.Data.ChartXLabel(c.Kind) }

// Empty is the text shown when the chart has no point.
func (c *LineChart) Empty() string { return c.Data.ChartEmpty(c.Kind) }

// Point is a marker of one value; Title is shown on hover.
type Point struct {
	Key, Class string
	X, Y       string
	Title      string
}

// Points returns a marker per drawn value, so that a single point shows.
func (c *LineChart) Points() []Point {
	g := c.geom()
	var out []Point
	for _, s := range c.Series() {
		for i, v := range s.Values {
			if !g.drawn(v) {
				continue
			}
			out = append(out, Point{Key: s.Name + itoa(i), Class: s.Class, X: fmtF(g.x(i + 1)), Y: fmtF(g.y(v)),
				Title: fmt.Sprintf("%s · %s %s", c.Data.ChartX(c.Kind, i+1), s.Name, c.Value(v))})
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

// Last is a series' last measured value as text, or "" (always with
// NoLast).
func (c *LineChart) Last(s Series) string {
	if c.NoLast {
		return ""
	}
	g := c.geom()
	for i := len(s.Values) - 1; i >= 0; i-- {
		if v := s.Values[i]; g.drawn(v) {
			return c.Value(v)
		}
	}
	return ""
}
