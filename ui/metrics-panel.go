package ui

// MetricsPanel shows how well each saliency map agrees with the painted
// mask: top-k IoU, relevance mass and the pointing game (METHODS.md).
type MetricsPanel struct {
	View    *View
	Mask    *MaskEditor
	Session *Session
}

func (c *MetricsPanel) st(cmp bool) *heatState { return c.View.Pane(cmp) }

// Show reports whether a pane has a map.
func (c *MetricsPanel) Show(cmp bool) bool {
	if cmp && c.View.CompareMode == CompareOff {
		return false
	}
	return c.st(cmp).Map != nil
}

// Head names a pane's column.
func (c *MetricsPanel) Head(cmp bool) string {
	st := c.st(cmp)
	if c.View.CompareMode == CompareBeforeAfter {
		if st.Model == "original" {
			return "before"
		}
		return "after"
	}
	return c.Session.MethodLabel(st.Method)
}

func (c *MetricsPanel) ok(cmp bool) bool { st := c.st(cmp); return st.Map != nil && st.AgreeOK }

// IoU formats the top-k IoU.
func (c *MetricsPanel) IoU(cmp bool) string {
	if !c.ok(cmp) {
		return "–"
	}
	return Num(c.st(cmp).Agree.IoU)
}

// Mass formats the relevance mass.
func (c *MetricsPanel) Mass(cmp bool) string {
	if !c.ok(cmp) {
		return "–"
	}
	return Pct(c.st(cmp).Agree.RelevanceMass)
}

// Pointing formats the pointing game.
func (c *MetricsPanel) Pointing(cmp bool) string {
	if !c.ok(cmp) {
		return "–"
	}
	if c.st(cmp).Agree.Pointing {
		return "hit ✓"
	}
	return "miss ✗"
}
