package ui

import (
	"sort"
	"strconv"
)

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
	return CaveatText(Caveats(c.View.Pic, c.Session.Model, c.Library.SampleStats, c.Session.DatasetTitle(c.Session.Model.Dataset)), c.Session.Model.Name)
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

// maxRows is how many classes the panel lists when a model has more (an
// ImageNet model's 1000): the most probable ones.
const maxRows = 5

// Rows returns the classes to list: every class of a model with up to
// 2·maxRows of them, else the maxRows most probable by the first model,
// plus the picture's label if it is not among them.
func (c *PredictionPanel) Rows() []int {
	k := len(c.Session.Model.Classes)
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	if k <= 2*maxRows || len(c.View.Probs) == 0 {
		return idx
	}
	p := c.View.Probs[0]
	sort.SliceStable(idx, func(a, b int) bool { return c.P(p, idx[a]) > c.P(p, idx[b]) })
	rows := idx[:maxRows]
	if pic := c.View.Pic; pic != nil && pic.Label >= 0 && pic.Label < k {
		found := false
		for _, i := range rows {
			found = found || i == pic.Label
		}
		if !found {
			rows = append(rows, pic.Label)
		}
	}
	return rows
}
