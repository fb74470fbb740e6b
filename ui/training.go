package ui

import (
	"fmt"
	"strings"

	js "github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// TrainMethods lists the fine-tuning objectives with a one-line
// explanation each (METHODS.md).
var TrainMethods = []struct{ ID, Label, Help string }{
	{"baseline", "Baseline", "Cross-entropy only: the mask is ignored."},
	{"masked", "Masked input", "Trains on the image with everything outside the mask blacked out."},
	{"shuffle", "Shuffle outside", "Trains on images whose pixels outside the mask are shuffled."},
	{"actdiff", "ActDiff", "Penalises features that change when the outside of the mask is shuffled (λ)."},
	{"gradmask", "GradMask", "Penalises input gradient outside the mask (absolute value, λ)."},
	{"rrr", "Right for the Right Reasons", "Penalises squared input gradient outside the mask (λ)."},
}

// defaultLambda is a starting λ per method for a data set whose engine
// suggests none (the lab's defaults on Crosses, engine/lab); methods
// without a penalty ignore it.
var defaultLambda = map[string]float64{"actdiff": 1, "gradmask": 0.003, "rrr": 10}

// SetTrainMethod selects a fine-tuning method and its usual λ on the
// current data set.
func (a *App) SetTrainMethod(m string) {
	a.TrainMethod = m
	if l, ok := a.Dataset.Lambda[m]; ok {
		a.Lambda = l
	} else if l, ok := defaultLambda[m]; ok {
		a.Lambda = l
	}
}

// useDatasetSettings takes the current data set's suggested learning rate
// and the selected method's λ (after a change of data set).
func (a *App) useDatasetSettings() {
	if a.Dataset.LR > 0 {
		a.LR = a.Dataset.LR
	}
	a.SetTrainMethod(a.TrainMethod)
}

// TrainHelp returns the explanation of the selected method.
func (a *App) TrainHelp() string {
	for _, m := range TrainMethods {
		if m.ID == a.TrainMethod {
			return m.Help
		}
	}
	return ""
}

// Training reports whether a run is active (running or paused).
func (a *App) Training() bool {
	return a.TrainState == protocol.StateRunning || a.TrainState == protocol.StatePaused
}

// StartTraining starts fine-tuning with the panel's settings.
func (a *App) StartTraining() {
	if a.EngineState != "ready" || a.Training() {
		return
	}
	labels, images, masks := a.TrainingExamples()
	req := &protocol.TrainRequest{Method: a.TrainMethod, Lambda: a.Lambda, LR: a.LR, Epochs: a.Epochs, Restart: a.Restart, Labels: labels}
	var bufs [][]byte
	if len(labels) > 0 {
		bufs = [][]byte{protocol.FloatBytes(images), protocol.FloatBytes(masks)}
	}
	if a.Restart || !a.HasTuned {
		a.History = nil
	}
	a.TrainState = protocol.StateRunning
	a.TrainUpd = protocol.TrainUpdate{Epochs: a.Epochs}
	a.TrainMsg = "Starting…"
	if len(labels) > 0 {
		a.TrainMsg = fmt.Sprintf("Starting with %d of your images…", len(labels))
	}
	var id int
	id = a.eng.Send(&protocol.Header{Kind: protocol.Train, Train: req}, bufs, func(r Reply) {
		if id != a.TrainID {
			return
		}
		a.onTrain(r)
	})
	a.TrainID = id
}

func (a *App) onTrain(r Reply) {
	switch r.Kind {
	case protocol.Failed:
		a.TrainState = protocol.StateFailed
		a.TrainMsg = "Fine-tuning failed: " + r.Error
		return
	case protocol.Update:
	default:
		return
	}
	if r.Dataset != nil && r.Dataset.Name == a.Dataset.Name {
		a.Dataset = *r.Dataset
	}
	u := r.Update
	if u == nil {
		return
	}
	switch u.State {
	case protocol.StatePaused:
		a.TrainState = u.State
		a.TrainMsg = "Paused"
		return
	case protocol.StateRunning:
		a.TrainState = u.State
		if u.Batches == 0 { // start, resume or preparation notice
			if u.Message != "" {
				a.TrainMsg = u.Message
			}
			return
		}
	}
	if u.Batches > 0 {
		a.TrainUpd = *u
	}
	a.HasTuned = true
	if e := u.EpochEnd; e != nil {
		rep := *e
		rep.Epoch = len(a.History) + 1
		a.History = append(a.History, rep)
	}
	switch u.State {
	case protocol.StateRunning:
		a.TrainMsg = fmt.Sprintf("Epoch %d of %d · batch %d of %d · loss %.3f", u.Epoch, u.Epochs, u.Batch, u.Batches, u.Loss)
		if u.EpochEnd != nil {
			a.analyze()
		}
	case protocol.StateDone, protocol.StateStopped, protocol.StateFailed:
		a.TrainState = u.State
		switch u.State {
		case protocol.StateDone:
			a.TrainMsg = "Finished: the fine-tuned model (best validation loss) is now in use."
		case protocol.StateStopped:
			a.TrainMsg = "Stopped: the fine-tuned model keeps the best weights so far."
		default:
			a.TrainMsg = "Fine-tuning failed: " + u.Message
		}
		if a.CompareMode == CompareOff {
			a.CompareMode = CompareBeforeAfter
		}
		a.analyze()
	}
}

// PauseTraining pauses or resumes the run.
func (a *App) PauseTraining() {
	switch a.TrainState {
	case protocol.StateRunning:
		a.eng.Control(protocol.Pause, a.TrainID)
	case protocol.StatePaused:
		a.eng.Control(protocol.Resume, a.TrainID)
	}
}

// StopTraining stops the run, keeping the best weights so far.
func (a *App) StopTraining() {
	if a.Training() {
		a.eng.post(&protocol.Header{Kind: protocol.Cancel, Target: a.TrainID}, nil)
	}
}

// TrainProgress is the run's progress in [0, 1].
func (a *App) TrainProgress() float64 {
	u := a.TrainUpd
	if u.Batches == 0 || u.Epochs == 0 {
		return 0
	}
	return min(1, (float64(u.Epoch-1)+float64(u.Batch)/float64(u.Batches))/float64(u.Epochs))
}

// ChartSeries returns the series of one training chart.
func (a *App) ChartSeries(kind string) []Series {
	col := func(f func(e protocol.EpochReport) float64) []float64 {
		v := make([]float64, len(a.History))
		for i, e := range a.History {
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

// --- Model files ---

// ExportModel downloads the fine-tuned model (or the original, if there is
// none) as an architecture JSON and safetensors weights.
func (a *App) ExportModel() {
	if a.EngineState != "ready" {
		return
	}
	which := protocol.Original
	name := baseName(a.Model.Name)
	if a.HasTuned {
		which = protocol.Tuned
		name += "-finetuned"
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
	if a.Training() {
		a.Error = "Stop fine-tuning before loading another model."
		return
	}
	if a.Switching != "" {
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
			a.remember()
			delete(a.memos, protocol.UserModelKey)
			a.CancelMaps()
			a.Switching = "Loading your model…"
			prev := a.Model
			a.eng.Send(&protocol.Header{Kind: protocol.LoadModel}, [][]byte{ab, wb}, func(r Reply) {
				switch r.Kind {
				case protocol.Log:
					a.Switching = r.Text
				case protocol.Failed:
					a.Switching = ""
					a.Error = "Could not load the model: " + strings.TrimSuffix(r.Error, ".")
				case protocol.Ready:
					a.Switching = ""
					a.modelReady(r)
					a.afterSwitch(prev)
					a.Notice = "Loaded your model “" + a.Model.Name + "” (" + a.ModelMeta() + ")."
				}
			})
		})
	}()
}

// MethodLabel names a saliency method.
func MethodLabel(m string) string {
	for _, x := range SaliencyMethods {
		if x.ID == m {
			return x.Label
		}
	}
	return m
}

// SaliencyMethods lists the saliency methods with their speed.
var SaliencyMethods = []struct{ ID, Label, Help string }{
	{"gradient", "Input gradient", "How much each pixel changes the score (fast)."},
	{"gradxinput", "Gradient × input", "Gradient weighted by pixel brightness (fast)."},
	{"smoothgrad", "SmoothGrad", "Gradient averaged over noisy copies (slower)."},
	{"integrated", "Integrated Gradients", "Gradient integrated from a black image (slower)."},
	{"gradcam", "Grad-CAM", "Which regions of the last feature map support the class (fast, coarse)."},
	{"occlusion", "Occlusion", "Score drop when a patch is covered (slow)."},
}

func knownMethod(m string) bool {
	for _, x := range SaliencyMethods {
		if x.ID == m {
			return true
		}
	}
	return false
}

// MethodHelp explains the main method.
func (a *App) MethodHelp() string {
	for _, x := range SaliencyMethods {
		if x.ID == a.Method {
			return x.Help
		}
	}
	return ""
}
