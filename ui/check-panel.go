package ui

import "fmt"

// CheckPanel asks whether the map on screen means anything ("Check this
// map"): the strip of maps as the model's layers are re-initialised from
// the output down, their similarity to the trained model's map, and the
// deletion and insertion curves against a random pixel order.
type CheckPanel struct {
	Check   *MapCheck
	View    *View
	Session *Session
	Do      CheckActions
}

// CanRun reports whether a check can start: a picture and a ready model.
func (c *CheckPanel) CanRun() bool { return c.View.Pic != nil && c.Session.Ready() }

// RunLabel is the run button's text.
func (c *CheckPanel) RunLabel() string {
	if c.Check.Report != nil {
		return "Check again"
	}
	return "Check this map"
}

// RunTitle is the run button's tooltip.
func (c *CheckPanel) RunTitle() string {
	if !c.CanRun() {
		return "Open an image first"
	}
	s := SubjectOf(c.View, c.Session)
	return fmt.Sprintf("Check the %s map of %s for class %s: randomise the model's layers (on a copy) and delete or insert pixels in the map's order", s.MethodLabel, s.ModelName, s.ClassName)
}

// Stale reports whether the report is about another map than the one on
// screen.
func (c *CheckPanel) Stale() bool {
	return c.Check.Report != nil && !c.Check.Of.Same(SubjectOf(c.View, c.Session))
}

// About says which map the report checks.
func (c *CheckPanel) About() string {
	s, r := c.Check.Of, c.Check.Report
	if r == nil {
		return ""
	}
	merged := ""
	if r.Units > len(r.Layers) {
		merged = fmt.Sprintf(" (%d layers with parameters, merged into %d steps)", r.Units, len(r.Layers))
	}
	return fmt.Sprintf("%s map of %s, class %s; %d layers re-initialised one by one from the output down%s, on a copy: the model in use is unchanged. Took %.1f s.",
		s.MethodLabel, s.ModelName, s.ClassName, len(r.Layers), merged, r.Millis/1000)
}

// ProgressText says how far the running check is.
func (c *CheckPanel) ProgressText() string {
	if c.Check.Total == 0 {
		return "Checking…"
	}
	return "Checking… " + Pct(c.Check.Progress())
}
