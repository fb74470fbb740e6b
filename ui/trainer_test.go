package ui

import (
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func TestTrainSettingsFollowDataset(t *testing.T) {
	tr := &Trainer{Method: "rrr", Lambda: 10}
	ds := protocol.DatasetInfo{LR: 3e-3, Lambda: map[string]float64{"rrr": 1, "gradmask": 1}}
	tr.UseDataset(ds)
	if tr.LR != 3e-3 || tr.Lambda != 1 {
		t.Errorf("after a data set change: LR %v, λ %v; want the data set's 0.003 and 1", tr.LR, tr.Lambda)
	}
	tr.SetMethod("actdiff", ds) // not suggested by this data set: λ stays
	if tr.Lambda != 1 {
		t.Errorf("ActDiff λ %v, want the 1 it had", tr.Lambda)
	}
	tr.SetMethod("gradmask", ds)
	if tr.Lambda != 1 {
		t.Errorf("GradMask λ %v, want the data set's 1", tr.Lambda)
	}
	tr.SetMethod("baseline", ds) // no penalty: λ stays
	if tr.Lambda != 1 || tr.Method != "baseline" {
		t.Errorf("baseline: method %q, λ %v", tr.Method, tr.Lambda)
	}
	// With the engine's registry: every penalized objective has a λ on
	// every data set, and the trainer takes it.
	s := engineSession()
	for _, d := range s.Registry.Datasets {
		for _, o := range s.Objectives() {
			if !o.Penalty {
				continue
			}
			tr.SetMethod(o.ID, d)
			if tr.Lambda != d.Lambda[o.ID] || tr.Lambda <= 0 {
				t.Errorf("%s on %s: λ %v, the engine suggests %v", o.ID, d.Name, tr.Lambda, d.Lambda[o.ID])
			}
		}
	}
	if s.ObjectiveHelp(tr.Method) == "" {
		t.Errorf("no help for %q", tr.Method)
	}
}

// TestTrainerRun follows a run's updates: notices, batches, epoch ends,
// a pause and the end, and what each means for the page.
func TestTrainerRun(t *testing.T) {
	tr := NewTrainer()
	tr.History = []protocol.EpochReport{{Epoch: 1}}
	tr.Begin(7, false, 2)
	if tr.ID != 7 || !tr.Active() || tr.History != nil || !strings.Contains(tr.Status(), "2 of your images") {
		t.Fatalf("after Begin: %+v", tr)
	}
	if step := tr.Apply(&protocol.TrainUpdate{State: protocol.StateRunning, Message: "Fetching the training images…"}); step.Tuned || tr.Msg != "Fetching the training images…" {
		t.Errorf("a notice: step %+v, message %q", step, tr.Msg)
	}
	step := tr.Apply(&protocol.TrainUpdate{State: protocol.StateRunning, Epoch: 1, Epochs: 2, Batch: 5, Batches: 10, Loss: 0.5})
	if !step.Tuned || step.Epoch || step.Finished || tr.Progress() != 0.25 {
		t.Errorf("a batch: step %+v, progress %v", step, tr.Progress())
	}
	if step := tr.Apply(&protocol.TrainUpdate{State: protocol.StatePaused}); step.Tuned || tr.Status() != "Paused at epoch 1 of 2 · batch 5 of 10 · loss 0.500" || !tr.Active() {
		t.Errorf("paused: step %+v, status %q", step, tr.Status())
	}
	step = tr.Apply(&protocol.TrainUpdate{State: protocol.StateRunning, Epoch: 1, Epochs: 2, Batch: 10, Batches: 10, EpochEnd: &protocol.EpochReport{TestAUC: 0.75}})
	if !step.Epoch || len(tr.History) != 1 || tr.History[0].Epoch != 1 {
		t.Errorf("an epoch end: step %+v, history %+v", step, tr.History)
	}
	step = tr.Apply(&protocol.TrainUpdate{State: protocol.StateDone, Epoch: 2, Epochs: 2, Batch: 10, Batches: 10, EpochEnd: &protocol.EpochReport{TestAUC: 0.9}})
	if !step.Finished || tr.Active() || len(tr.History) != 2 || tr.History[1].Epoch != 2 || tr.Progress() != 1 {
		t.Errorf("done: step %+v, active %v, history %d, progress %v", step, tr.Active(), len(tr.History), tr.Progress())
	}
	if got := tr.ChartSeries("auc"); len(got) != 2 || got[1].Values[0] != 0.75 || got[1].Values[1] != 0.9 {
		t.Errorf("AUC series %+v", got)
	}
	for _, k := range []string{"loss", "accuracy", "iou"} {
		if s := tr.ChartSeries(k); len(s) != 2 || len(s[0].Values) != 2 {
			t.Errorf("%s series %+v", k, s)
		}
	}
	// A second run that continues keeps the charts; a memo restores them.
	memo := tr.memo()
	tr.Begin(8, true, 0)
	if len(tr.History) != 2 || tr.Msg != "Starting…" {
		t.Errorf("continuing run: history %d, message %q", len(tr.History), tr.Msg)
	}
	tr.Fail("out of memory")
	if tr.State != protocol.StateFailed || !strings.Contains(tr.Status(), "out of memory") {
		t.Errorf("failed: %q %q", tr.State, tr.Status())
	}
	tr.restore(trainMemo{})
	if tr.History != nil || tr.Status() != "Not started." {
		t.Errorf("restored to nothing: %+v", tr)
	}
	tr.restore(memo)
	if len(tr.History) != 2 || tr.State != protocol.StateDone {
		t.Errorf("restored memo: %+v", tr)
	}
}

// TestInterrupt: a run the engine's crash ended is reported as
// interrupted, with the epoch and batch reached and what the fine-tuned
// model now holds, never as running; a new run can start.
func TestInterrupt(t *testing.T) {
	tr := NewTrainer()
	tr.Epochs = 5
	tr.Begin(7, false, 0)
	tr.Apply(&protocol.TrainUpdate{State: protocol.StateRunning, Epoch: 2, Epochs: 5, Batch: 14, Batches: 16, Loss: 0.5})
	tr.Interrupt(1, false)
	if tr.State != StateInterrupted || tr.Active() {
		t.Errorf("state %q, active %v", tr.State, tr.Active())
	}
	for _, want := range []string{"Interrupted at epoch 2 of 5, batch 14 of 16", "engine stopped", "end of epoch 1"} {
		if !strings.Contains(tr.Status(), want) {
			t.Errorf("status %q does not say %q", tr.Status(), want)
		}
	}
	if strings.Contains(strings.ToLower(tr.Status()), "running") {
		t.Errorf("status %q says running", tr.Status())
	}
	tr.Begin(8, false, 0)
	tr.Interrupt(0, false)
	if !strings.Contains(tr.Status(), "before its first batch") || !strings.Contains(tr.Status(), "no fine-tuned model") {
		t.Errorf("status %q", tr.Status())
	}
	tr.Interrupt(0, true)
	if !strings.Contains(tr.Status(), "from before the run") {
		t.Errorf("status %q", tr.Status())
	}
}
