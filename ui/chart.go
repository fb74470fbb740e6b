package ui

import (
	"math"
	"strconv"
	"strings"
)

// Series is one line of a chart.
type Series struct {
	Name   string
	Class  string // CSS class of the line (its colour)
	Values []float64
}

// chartGeom maps data to SVG coordinates inside a W×H box with margins.
type chartGeom struct {
	W, H        float64
	Left, Right float64
	Top, Bottom float64
	XMax        float64 // x runs over 1..XMax
	YMin, YMax  float64
	// Signed charts draw negative values (a correlation); elsewhere a
	// negative value is the protocol's "not available" and breaks the line.
	Signed bool
}

func (g chartGeom) x(i int) float64 {
	if g.XMax <= 1 {
		return g.Left + (g.W-g.Left-g.Right)/2
	}
	return g.Left + (float64(i)-1)/(g.XMax-1)*(g.W-g.Left-g.Right)
}

func (g chartGeom) y(v float64) float64 {
	span := g.YMax - g.YMin
	if !(span > 0) {
		span = 1
	}
	return g.Top + (1-(v-g.YMin)/span)*(g.H-g.Top-g.Bottom)
}

// linePath returns an SVG path through the finite values, x = 1, 2, …;
// NaN and, unless the chart is Signed, negative placeholders (-1 means "not
// available" in the protocol) break the line.
func (g chartGeom) linePath(vals []float64) string {
	var b strings.Builder
	pen := false
	for i, v := range vals {
		if !g.drawn(v) {
			pen = false
			continue
		}
		if pen {
			b.WriteString(" L")
		} else {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("M")
		}
		b.WriteString(fmtF(g.x(i + 1)))
		b.WriteByte(' ')
		b.WriteString(fmtF(g.y(v)))
		pen = true
	}
	return b.String()
}

// drawn reports whether the chart draws value v.
func (g chartGeom) drawn(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (v >= 0 || g.Signed)
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// yRange returns a chart's vertical range: fixed [0, 1] for scores, or from
// 0 to a rounded-up maximum for losses.
func yRange(series []Series, unit bool) (lo, hi float64) {
	if unit {
		return 0, 1
	}
	hi = 0
	for _, s := range series {
		for _, v := range s.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > hi {
				hi = v
			}
		}
	}
	if hi <= 0 {
		return 0, 1
	}
	// Round up to 1, 2 or 5 times a power of ten.
	p := math.Pow(10, math.Floor(math.Log10(hi)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= hi {
			return 0, m * p
		}
	}
	return 0, 10 * p
}

func fmtF4(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
