package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// Trainer is the fine-tuning part of the page: the panel's settings, the
// run in progress and its history of epochs (the charts).
type Trainer struct {
	Method  string // objective, an ID of the registry's Objectives
	Lambda  float64
	LR      float64
	Epochs  int
	Restart bool // start again from the original model
	// Invalid says why a field holds a value training cannot use, by
	// field ("lambda", "epochs"); training waits until it is corrected.
	Invalid map[string]string
	// Typed holds what the user typed into a field that is invalid.
	Typed map[string]string

	ID      int // request ID of the run
	State   string
	Msg     string
	Summary string // how the last run changed the test scores
	Upd     protocol.TrainUpdate
	History []protocol.EpochReport
}

// trainMemo is what a model keeps of its runs while another model is in
// use.
type trainMemo struct {
	History []protocol.EpochReport
	State   string
	Msg     string
	Summary string
	Upd     protocol.TrainUpdate
}

// NewTrainer returns the panel's defaults.
func NewTrainer() *Trainer {
	return &Trainer{Method: "masked", Lambda: 10, LR: 3e-3, Epochs: 3}
}

// SetMethod selects a fine-tuning method and the λ the engine suggests for
// it on data set ds (a method without a penalty keeps λ).
func (t *Trainer) SetMethod(m string, ds protocol.DatasetInfo) {
	t.Method = m
	if l, ok := ds.Lambda[m]; ok {
		t.Lambda = l
		t.valid("lambda")
	}
}

// UseDataset takes a data set's suggested learning rate and the selected
// method's λ (after a change of data set).
func (t *Trainer) UseDataset(ds protocol.DatasetInfo) {
	if ds.LR > 0 {
		t.LR = ds.LR
	}
	t.SetMethod(t.Method, ds)
}

// SetLambda sets λ from the text of its field: a number from 0 to 10⁶.
// Anything else is kept as typed and blocks training.
func (t *Trainer) SetLambda(s string) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) || v > 1e6 {
		t.invalid("lambda", s, "λ must be a number from 0 to 1 000 000.")
		return
	}
	t.valid("lambda")
	t.Lambda = v
}

// SetEpochs sets the number of epochs from its field: 1 to 200.
func (t *Trainer) SetEpochs(s string) {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 1 || v > 200 {
		t.invalid("epochs", s, "Epochs must be a whole number from 1 to 200.")
		return
	}
	t.valid("epochs")
	t.Epochs = v
}

func (t *Trainer) invalid(field, typed, why string) {
	if t.Invalid == nil {
		t.Invalid, t.Typed = map[string]string{}, map[string]string{}
	}
	t.Invalid[field], t.Typed[field] = why, typed
}

func (t *Trainer) valid(field string) {
	delete(t.Invalid, field)
	delete(t.Typed, field)
}

// Problem says why training cannot start with the fields as they are, or
// returns "". An invalid λ counts only for an objective with a penalty
// (penalty), since the others ignore it.
func (t *Trainer) Problem(penalty bool) string {
	for _, f := range []string{"lambda", "epochs"} {
		if f == "lambda" && !penalty {
			continue
		}
		if why := t.Invalid[f]; why != "" {
			return why
		}
	}
	return ""
}

// FieldText is what a field shows: what the user typed if it is invalid,
// else the value in use.
func (t *Trainer) FieldText(field string) string {
	if s, ok := t.Typed[field]; ok {
		return s
	}
	switch field {
	case "lambda":
		return strconv.FormatFloat(t.Lambda, 'g', -1, 64)
	case "epochs":
		return strconv.Itoa(t.Epochs)
	}
	return ""
}

// Active reports whether a run is running or paused.
func (t *Trainer) Active() bool {
	return t.State == protocol.StateRunning || t.State == protocol.StatePaused
}

// Begin resets the status for a new run of request id; keep says whether
// the charts continue (fine-tuning the fine-tuned copy further).
func (t *Trainer) Begin(id int, keep bool, own int) {
	if !keep {
		t.History = nil
	}
	t.ID = id
	t.Summary = ""
	t.State = protocol.StateRunning
	t.Upd = protocol.TrainUpdate{Epochs: t.Epochs}
	t.Msg = "Starting…"
	if own > 0 {
		t.Msg = fmt.Sprintf("Starting with %d of your images…", own)
	}
}

// Fail records that the run failed to start or broke off.
func (t *Trainer) Fail(msg string) {
	t.State = protocol.StateFailed
	t.Msg = "Fine-tuning failed: " + msg
}

// StateInterrupted is the state of a run the engine's crash ended (the
// page's own state; the engine never reports it).
const StateInterrupted = "interrupted"

// Interrupt records that the engine stopped during the run. keptEpoch is
// the epoch of this run whose weights the page kept for the fine-tuned
// copy (0: none of this run; older says whether a copy from earlier runs
// was kept instead).
func (t *Trainer) Interrupt(keptEpoch int, older bool) {
	t.State = StateInterrupted
	at := "before its first batch"
	if u := t.Upd; u.Batches > 0 {
		at = fmt.Sprintf("at epoch %d of %d, batch %d of %d", u.Epoch, u.Epochs, u.Batch, u.Batches)
	}
	t.Msg = "Interrupted " + at + ": the engine stopped. "
	switch {
	case keptEpoch > 0:
		t.Msg += fmt.Sprintf("The fine-tuned model has the weights from the end of epoch %d.", keptEpoch)
	case older:
		t.Msg += "No epoch of this run had ended; the fine-tuned model is the one from before the run."
	default:
		t.Msg += "No epoch had ended, so there is no fine-tuned model."
	}
}

// trainStep says what a training update means for the rest of the page.
type trainStep struct {
	Tuned    bool // the model now has a fine-tuned copy
	Epoch    bool // an epoch ended: predictions and maps are out of date
	Finished bool // the run ended (done, stopped or failed)
}

// Apply records a training update and says what it means for the page.
func (t *Trainer) Apply(u *protocol.TrainUpdate) trainStep {
	var step trainStep
	if u == nil {
		return step
	}
	switch u.State {
	case protocol.StatePaused:
		t.State = u.State
		t.Msg = "Paused"
		if p := t.Upd; p.Batches > 0 {
			t.Msg = fmt.Sprintf("Paused at epoch %d of %d · batch %d of %d · loss %.3f", p.Epoch, p.Epochs, p.Batch, p.Batches, p.Loss)
		}
		return step
	case protocol.StateRunning:
		t.State = u.State
		if u.Batches == 0 { // start, resume or preparation notice
			if u.Message != "" {
				t.Msg = u.Message
			}
			return step
		}
	}
	if u.Batches > 0 {
		t.Upd = *u
	}
	step.Tuned = true
	if e := u.EpochEnd; e != nil {
		rep := *e
		rep.Epoch = len(t.History) + 1
		t.History = append(t.History, rep)
	}
	switch u.State {
	case protocol.StateRunning:
		t.Msg = fmt.Sprintf("Epoch %d of %d · batch %d of %d · loss %.3f", u.Epoch, u.Epochs, u.Batch, u.Batches, u.Loss)
		step.Epoch = u.EpochEnd != nil
	case protocol.StateDone, protocol.StateStopped, protocol.StateFailed:
		t.State = u.State
		switch u.State {
		case protocol.StateDone:
			t.Msg = "Finished: the fine-tuned model (best validation loss) is now in use."
		case protocol.StateStopped:
			t.Msg = "Stopped: the fine-tuned model keeps the best weights so far."
		default:
			t.Msg = "Fine-tuning failed: " + u.Message
		}
		step.Finished = true
	}
	return step
}

// After returns the scores of the fine-tuned copy from this model's runs.
func (t *Trainer) After() (protocol.EpochReport, bool) { return tunedScores(t.History) }

// Status is the status line.
func (t *Trainer) Status() string {
	if t.State == "" {
		return "Not started."
	}
	return t.Msg
}

// Progress is the run's progress in [0, 1].
func (t *Trainer) Progress() float64 {
	u := t.Upd
	if u.Batches == 0 || u.Epochs == 0 {
		return 0
	}
	return min(1, (float64(u.Epoch-1)+float64(u.Batch)/float64(u.Batches))/float64(u.Epochs))
}

// memo returns what the model keeps of its runs.
func (t *Trainer) memo() trainMemo {
	return trainMemo{History: t.History, State: t.State, Msg: t.Msg, Summary: t.Summary, Upd: t.Upd}
}

// restore shows a model's runs again (or none).
func (t *Trainer) restore(m trainMemo) {
	t.History, t.State, t.Msg, t.Summary, t.Upd = m.History, m.State, m.Msg, m.Summary, m.Upd
}

var _ ChartData = (*Trainer)(nil)

// ChartLen implements ChartData: one point per evaluated epoch.
func (t *Trainer) ChartLen(string) int { return len(t.History) }

// ChartX implements ChartData.
func (t *Trainer) ChartX(_ string, i int) string { return fmt.Sprintf("epoch %d", i) }

// ChartXLabel implements ChartData.
func (t *Trainer) ChartXLabel(string) string {
	if n := len(t.History); n > 0 {
		return fmt.Sprintf("epoch %d", n)
	}
	return "epoch"
}

// ChartEmpty implements ChartData.
func (t *Trainer) ChartEmpty(string) string { return "no epochs yet" }

// ChartSeries returns the series of one training chart (ChartData).
func (t *Trainer) ChartSeries(kind string) []Series {
	col := func(f func(e protocol.EpochReport) float64) []float64 {
		v := make([]float64, len(t.History))
		for i, e := range t.History {
			v[i] = f(e)
		}
		return v
	}
	switch kind {
	case "loss":
		return []Series{
			{"training", "s1", col(func(e protocol.EpochReport) float64 { return e.TrainLoss })},
			{"validation", "s2", col(func(e protocol.EpochReport) float64 { return e.ValidLoss })},
		}
	case "accuracy":
		return []Series{
			{"validation", "s2", col(func(e protocol.EpochReport) float64 { return e.ValidAcc })},
			{"test", "s3", col(func(e protocol.EpochReport) float64 { return e.TestAcc })},
		}
	case "auc":
		return []Series{
			{"validation", "s2", col(func(e protocol.EpochReport) float64 { return e.ValidAUC })},
			{"test", "s3", col(func(e protocol.EpochReport) float64 { return e.TestAUC })},
		}
	case "iou":
		return []Series{
			{"IoU", "s4", col(func(e protocol.EpochReport) float64 { return e.MeanIoU })},
			{"in mask", "s5", col(func(e protocol.EpochReport) float64 { return e.MeanMass })},
		}
	}
	return nil
}
