package ui

import "fmt"

// LineChart draws the values of a training measure per epoch as inline SVG.
type LineChart struct {
	App   *App
	Title string
	Kind  string // "loss", "accuracy", "auc" or "iou" (see App.ChartSeries)
	Unit  bool   // values lie in [0, 1]
}

// Series returns the chart's lines.
func (c *LineChart) Series() []Series { return c.App.ChartSeries(c.Kind) }

func (c *LineChart) geom() chartGeom {
	lo, hi := yRange(c.Series(), c.Unit)
	return chartGeom{W: 240, H: 100, Left: 30, Right: 4, Top: 8, Bottom: 16, XMax: float64(max(2, len(c.App.History))), YMin: lo, YMax: hi}
}

// Path returns the SVG path of a series.
func (c *LineChart) Path(s Series) string { return c.geom().linePath(s.Values) }

// YLabel labels the fraction f of the vertical axis.
func (c *LineChart) YLabel(f float64) string {
	g := c.geom()
	return fmt.Sprintf("%.2g", g.YMin+f*(g.YMax-g.YMin))
}

// XLabel labels the horizontal axis.
func (c *LineChart) XLabel() string {
	n := len(c.App.History)
	if n == 0 {
		return "epoch"
	}
	return fmt.Sprintf("epoch %d", n)
}
