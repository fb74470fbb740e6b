package ui

import (
	"strings"

	js "github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// --- Fine-tuning ---

// StartTraining starts fine-tuning with the panel's settings.
func (a *App) StartTraining() {
	t := a.Train
	if a.Session.EngineState != EngineReady || t.Active() {
		return
	}
	if why := t.Problem(a.Session.Penalty(t.Method)); why != "" {
		a.Error = why
		return
	}
	labels, images, masks := a.Library.TrainingExamples(a.Session.Model, a.Mask)
	req := &protocol.TrainRequest{Method: t.Method, Lambda: t.Lambda, LR: t.LR, Epochs: t.Epochs, Restart: t.Restart, Labels: labels, Target: a.View.Target}
	var bufs [][]byte
	if len(labels) > 0 {
		bufs = [][]byte{protocol.FloatBytes(images), protocol.FloatBytes(masks)}
	}
	keep := !t.Restart && a.Session.HasTuned
	if !keep {
		a.Session.ForgetTuned(a.Session.Model.Key)
		delete(a.kept, a.Session.Model.Key)
		a.dropKept(keptTunedPrefix + a.Session.Model.Key)
	}
	var id int
	id = a.eng.Send(&protocol.Header{Kind: protocol.Train, Train: req}, bufs, func(r Reply) {
		if id != t.ID {
			return
		}
		a.onTrain(r)
	})
	t.Begin(id, keep, len(labels))
}

func (a *App) onTrain(r Reply) {
	switch r.Kind {
	case protocol.Failed:
		a.Train.Fail(r.Error)
		return
	case protocol.Update:
	default:
		return
	}
	if r.Dataset != nil && r.Dataset.Name == a.Session.Dataset.Name {
		a.Session.Dataset = *r.Dataset
	}
	step := a.Train.Apply(r.Update)
	if u := r.Update; u != nil { // for the end-to-end tests and benchmarks
		ds := document().Get("body").Get("dataset")
		if u.Workers > 0 {
			setJS(ds, "trainWorkers", u.Workers)
		}
		if u.EpochEnd != nil {
			setJS(ds, "trainEpochLoss", u.EpochEnd.TrainLoss)
		}
	}
	if step.Tuned {
		a.Session.HasTuned = true
	}
	if after, ok := a.Train.After(); ok && r.Update != nil && r.Update.EpochEnd != nil {
		a.Session.SetTuned(a.Session.Model.Key, after)
	}
	if step.Finished {
		a.Train.Summary = a.Session.TunedComparison(a.Session.Model)
	}
	// Keep the fine-tuned copy in the page at every epoch's end and at
	// the run's end, for a restarted engine.
	if a.Session.HasTuned && (step.Epoch || step.Finished) {
		epoch := 0
		if !step.Finished && r.Update != nil {
			epoch = r.Update.Epoch
		}
		a.keepTuned(a.Train.ID, epoch)
	}
	switch {
	case step.Epoch:
		a.analyze()
	case step.Finished:
		if a.View.CompareMode == CompareOff {
			a.View.CompareMode = CompareBeforeAfter
		}
		a.analyze()
	}
}

// useDataset sets fine-tuning up for the current data set: the method of
// its best shipped mask-trained model, if there is one, and the data set's
// suggested learning rate and λ.
func (a *App) useDataset() {
	if m, ok := a.Session.Suggested(); ok {
		a.Train.Method = m.Method
	}
	a.Train.UseDataset(a.Session.Dataset)
}

// PauseTraining pauses or resumes the run.
func (a *App) PauseTraining() {
	switch a.Train.State {
	case protocol.StateRunning:
		a.eng.Control(protocol.Pause, a.Train.ID)
	case protocol.StatePaused:
		a.eng.Control(protocol.Resume, a.Train.ID)
	}
}

// StopTraining stops the run, keeping the best weights so far.
func (a *App) StopTraining() {
	if a.Train.Active() {
		a.eng.post(&protocol.Header{Kind: protocol.Cancel, Target: a.Train.ID}, nil)
	}
}

// --- Model files ---

// ExportModel downloads the fine-tuned model (or the original, if there is
// none) as an architecture JSON and safetensors weights.
func (a *App) ExportModel() {
	if a.Session.EngineState != EngineReady {
		return
	}
	which := protocol.Original
	name := baseName(a.Session.Model.Name)
	if a.Session.HasTuned {
		which = protocol.Tuned
		name += "-finetuned"
	}
	if a.Session.Model.Source == "onnx" {
		a.exportONNX(which, name)
		return
	}
	a.eng.Send(&protocol.Header{Kind: protocol.Export, Export: &protocol.ExportRequest{Model: which}}, nil, func(r Reply) {
		if r.Kind == protocol.Failed {
			a.Error = "Could not export the model: " + r.Error
			return
		}
		if r.Kind != protocol.Result || len(r.Bufs) != 2 {
			return
		}
		download(r.Bufs[0], name+".json", "application/json")
		download(r.Bufs[1], name+".safetensors", "application/octet-stream")
		a.Notice = "Exported " + name + ".json and " + name + ".safetensors (load both files together to use the model again)."
	})
}

// LoadModelFiles loads a model from its two files.
func (a *App) LoadModelFiles(arch, weights js.Value) {
	if !arch.Truthy() || !weights.Truthy() {
		a.Error = "To load a model, choose both its files together: the architecture (.json) and the weights (.safetensors)."
		return
	}
	if a.Train.Active() {
		a.Error = "Stop fine-tuning before loading another model."
		return
	}
	if a.Session.Switching != "" {
		return
	}
	go func() {
		ab, err1 := readFile(arch)
		wb, err2 := readFile(weights)
		a.locked(func() {
			if err1 != nil || err2 != nil {
				a.Error = "Could not read the model files."
				return
			}
			s := a.Session
			name := loadedModelName(arch.Get("name").String())
			a.replaceModel(&protocol.Header{Kind: protocol.LoadModel}, [][]byte{ab, wb}, "Loading your model…",
				func(err string) string { return "Could not load the model: " + strings.TrimSuffix(err, ".") },
				func() {
					s.Forget(protocol.UserModelKey) // the model loaded before, if any, is replaced
					s.FileModelName = name
					a.keepUserModel(name, arch.Get("name").String(), nil, [][]byte{ab, wb})
				},
				func() { a.Notice = "Loaded your model “" + s.Model.Name + "” (" + s.ModelMeta() + ")." })
		})
	}()
}
