package ui

import "strconv"

// PredictionPanel shows the class probabilities of the original model and,
// after fine-tuning, of the fine-tuned one.
type PredictionPanel struct {
	View    *View
	Session *Session
	Library *Library // the user's images, which the user labels here
	Do      PredictionActions
}

// Warning says how the picture differs from the model's training data,
// or is "".
func (c *PredictionPanel) Warning() string {
	return CaveatText(Caveats(c.View.Pic, c.Session.Model, c.Library.SampleStats(), c.Session.DatasetTitle(c.Session.Model.Dataset)), c.Session.Model.Name)
}

// Predicted is the class the main model predicts, or -1.
func (c *PredictionPanel) Predicted() int { return c.View.PredictedClass(c.Session.HasTuned) }

// P returns p[i], or 0.
func (c *PredictionPanel) P(p []float64, i int) float64 {
	if i < len(p) {
		return p[i]
	}
	return 0
}

// ModelShort names the k-th probability row.
func (c *PredictionPanel) ModelShort(k int) string {
	if k == 0 {
		return "before"
	}
	return "after"
}

// RowClass marks the predicted class.
func (c *PredictionPanel) RowClass(i int) string {
	if c.Predicted() == i {
		return "prob-row predicted"
	}
	return "prob-row"
}

// Atoi parses a select's value, -1 if invalid.
func (c *PredictionPanel) Atoi(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return v
}
