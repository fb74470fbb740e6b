package ui

import (
	"math"
	"slices"
	"strconv"

	"saliencyexplorer/wasm/protocol"
)

// TrainPanel sets up, starts, pauses and stops fine-tuning.
type TrainPanel struct {
	Train   *Trainer
	Session *Session
	Library *Library    // the user's labelled images
	Masks   *MaskEditor // their masks
	Do      TrainActions
}

// SetMethod selects a method and its usual λ on the current data set.
func (c *TrainPanel) SetMethod(m string) { c.Train.SetMethod(m, c.Session.Dataset) }

// Usable counts the user's images fine-tuning will use.
func (c *TrainPanel) Usable() int { return c.Library.Usable(c.Session.Model, c.Masks) }

// Rates lists the learning rates offered.
// The current rate (a data set's default, such as 0.002 for Phantom) is
// added if it is not one of them.
func (c *TrainPanel) Rates() []string {
	rates := []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2}
	if !slices.ContainsFunc(rates, func(r float64) bool { return math.Abs(r-c.Train.LR) < 1e-12 }) {
		rates = append(rates, c.Train.LR)
		slices.Sort(rates)
	}
	out := make([]string, len(rates))
	for i, r := range rates {
		out[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	return out
}

// IsLR reports whether s is the current learning rate.
func (c *TrainPanel) IsLR(s string) bool {
	v, _ := strconv.ParseFloat(s, 64)
	return math.Abs(v-c.Train.LR) < 1e-12
}

// SetLR sets the learning rate.
func (c *TrainPanel) SetLR(s string) {
	if v, err := strconv.ParseFloat(s, 64); err == nil && v > 0 && v <= 1 {
		c.Train.LR = v
	}
}

// SetLambda sets λ from its field; an invalid value blocks training.
func (c *TrainPanel) SetLambda(s string) { c.Train.SetLambda(s) }

// SetEpochs sets the number of epochs from its field.
func (c *TrainPanel) SetEpochs(s string) { c.Train.SetEpochs(s) }

// CanStart reports whether Start is enabled.
func (c *TrainPanel) CanStart() bool {
	return !c.Train.Active() && c.Session.EngineState == EngineReady && c.Problem() == ""
}

// Problem says why Start is disabled by a field, or is "".
func (c *TrainPanel) Problem() string { return c.Train.Problem(c.Penalty()) }

// Penalty reports whether the selected objective uses λ.
func (c *TrainPanel) Penalty() bool { return c.Session.Penalty(c.Train.Method) }

// FieldClass marks an invalid field.
func (c *TrainPanel) FieldClass(field string) string {
	if c.Train.Invalid[field] != "" {
		return "invalid"
	}
	return ""
}

// PauseLabel is the pause button's text.
func (c *TrainPanel) PauseLabel() string {
	if c.Train.State == protocol.StatePaused {
		return "▶ Resume"
	}
	return "❚❚ Pause"
}

// Status is the status line.
func (c *TrainPanel) Status() string {
	return c.Train.Status()
}

// TrainData says what fine-tuning trains on.
func (c *TrainPanel) TrainData() string {
	if t := c.Session.Dataset.Train; t != "" {
		return t
	}
	return "the built-in training set"
}

// ScoreSet says where the before and after scores were measured.
func (c *TrainPanel) ScoreSet() string {
	if s := c.Session.Model.ScoreSet; s != "" {
		return s
	}
	return "the held-out test images"
}

// Suggestion says which method is suggested on this data set and why, and
// that another may not work here, or is "".
func (c *TrainPanel) Suggestion() string {
	s := c.Session
	m, ok := s.Suggested()
	if !ok {
		return ""
	}
	label := s.ObjectiveLabel(m.Method)
	ds := s.DatasetTitle(m.Dataset)
	if c.Train.Method == m.Method {
		return "Suggested on " + ds + ": the shipped " + m.Name + " was trained with " + label + " and reaches test AUC " + Num(m.TestAUC) + "."
	}
	return "On " + ds + " the method shown to work is " + label + " (the shipped " + m.Name + ": test AUC " + Num(m.TestAUC) + "); " +
		s.ObjectiveLabel(c.Train.Method) + " may not carry over here. A method that fixes one data set can leave another's test AUC near 0: the scores after the run tell."
}

// LambdaTitle explains the λ field, or why it is off.
func (c *TrainPanel) LambdaTitle() string {
	if !c.Penalty() {
		return c.Session.ObjectiveLabel(c.Train.Method) + " has no penalty to weigh: λ is not used"
	}
	return "Weight of the mask penalty"
}
