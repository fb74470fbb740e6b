package ui

import (
	"fmt"

	"saliencyexplorer/wasm/protocol"
)

// modelMemo is what the page remembers of a model while another one is in
// use: its fine-tuning charts and status. The worker keeps the fine-tuned
// weights themselves.
type modelMemo struct {
	History    []protocol.EpochReport
	TrainState string
	TrainMsg   string
	TrainUpd   protocol.TrainUpdate
	Compare    string // the comparison mode in use with it
}

// SelectModel switches to the model with the given key (ModelInfo.Key).
func (a *App) SelectModel(key string) {
	a.PickerOpen = false
	if key == a.Model.Key {
		return
	}
	name := key
	for _, m := range a.Models {
		if m.Key == key {
			name = m.Name
		}
	}
	a.switchTo(&protocol.SelectRequest{Model: key}, name)
}

// SelectDataset switches to a data set: its baseline model, its samples.
func (a *App) SelectDataset(name string) {
	a.PickerOpen = false
	if name == a.Model.Dataset {
		return
	}
	a.switchTo(&protocol.SelectRequest{Dataset: name}, DatasetTitle(name))
}

// switchTo asks the engine for another model and, once it is there,
// restores what the page remembers of it and shows an image it can read.
func (a *App) switchTo(req *protocol.SelectRequest, what string) {
	if a.EngineState != "ready" || a.Switching != "" {
		return
	}
	if a.Training() {
		a.Error = "Stop fine-tuning before switching: the run belongs to " + a.Model.Name + "."
		return
	}
	a.remember()
	a.CancelMaps()
	a.Switching = "Loading " + what + "…"
	prev := a.Model
	a.eng.Send(&protocol.Header{Kind: protocol.Select, Select: req}, nil, func(r Reply) {
		switch r.Kind {
		case protocol.Log:
			a.Switching = r.Text
		case protocol.Failed:
			a.Switching = ""
			a.Error = "Could not switch to " + what + ": " + r.Error
		case protocol.Ready:
			a.Switching = ""
			a.modelReady(r)
			a.afterSwitch(prev)
		}
	})
}

// remember keeps the current model's charts and comparison for when the
// user comes back to it.
func (a *App) remember() {
	a.memos[a.Model.Key] = &modelMemo{History: a.History, TrainState: a.TrainState, TrainMsg: a.TrainMsg, TrainUpd: a.TrainUpd, Compare: a.CompareMode}
}

// afterSwitch restores the new model's charts, resets what belonged to the
// previous one, and keeps the current image if the new model can read it.
func (a *App) afterSwitch(prev protocol.ModelInfo) {
	m := a.Model
	a.History, a.TrainState, a.TrainMsg, a.TrainUpd = nil, "", "", protocol.TrainUpdate{}
	if memo, ok := a.memos[m.Key]; ok && a.HasTuned {
		a.History, a.TrainState, a.TrainMsg, a.TrainUpd = memo.History, memo.TrainState, memo.TrainMsg, memo.TrainUpd
		if memo.Compare == CompareBeforeAfter {
			a.CompareMode = CompareBeforeAfter
		}
	}
	if !a.HasTuned && a.CompareMode == CompareBeforeAfter {
		a.CompareMode = CompareOff
	}
	if m.Dataset != prev.Dataset {
		a.useDatasetSettings()
	}
	a.Notice = fmt.Sprintf("Now using %s (%s).", m.Name, a.ModelMeta())
	a.reopenFor(prev)
}

// reopenFor shows an image the current model can read after a switch from
// prev: the same picture if its input still fits, the same file decoded
// again at the new input size, or else the data set's last or first sample.
func (a *App) reopenFor(prev protocol.ModelInfo) {
	pic, m := a.Pic, a.Model
	switch {
	case pic == nil:
		a.restoreLast()
	case pic.Sample && pic.Dataset != m.Dataset:
		a.restoreLast()
	case pic.C == m.C && pic.H == m.H && pic.W == m.W:
		if pic.Sample {
			pic.Dataset = m.Dataset
		} else if u := a.CurrentUserImage(); u != nil {
			pic.Label = u.Label(m.Classes)
		}
		a.reanalyze()
	case a.userBytes[pic.Key] != nil:
		label := -1
		if u := a.CurrentUserImage(); u != nil {
			label = u.Label(m.Classes)
		}
		a.openBytes(&Picture{Key: pic.Key, Name: pic.Name, Real: pic.Real, Label: label}, a.userBytes[pic.Key])
	default:
		if u := a.CurrentUserImage(); u != nil {
			if _, ok := u.Input(m.C, m.H, m.W); ok {
				a.OpenUserImage(u)
				return
			}
		}
		a.restoreLast()
	}
}

// reanalyze recomputes the prediction, the maps and the mask at the model's
// resolution for the picture on screen (after a model switch).
func (a *App) reanalyze() {
	a.Main, a.Cmp = heatState{}, heatState{}
	a.Probs = nil
	a.surf.ClearHeat(false)
	a.surf.ClearHeat(true)
	a.maskChanged()
	a.updateLabels()
	a.analyze()
}

// DatasetTitle names a data set for people.
func DatasetTitle(name string) string {
	switch name {
	case "crosses":
		return "Crosses"
	case "phantom":
		return "Phantom chest films"
	case "decoy-mnist", "mnist":
		return "Decoy MNIST"
	case "decoy-fashion", "fashion":
		return "Decoy Fashion-MNIST"
	case "":
		return "other"
	}
	return name
}

// Datasets lists the data sets of the models the picker offers, in order.
func (a *App) Datasets() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range a.Models {
		if m.Dataset != "" && !seen[m.Dataset] && m.Source == "shipped" {
			seen[m.Dataset] = true
			out = append(out, m.Dataset)
		}
	}
	return out
}

// MethodName names a training objective in a few words.
func MethodName(m string) string {
	for _, x := range TrainMethods {
		if x.ID == m {
			return x.Label
		}
	}
	if m == "" {
		return "unknown training"
	}
	return m
}

// ModelBlurb says in plain words what a model is.
func ModelBlurb(m protocol.ModelInfo) string {
	switch {
	case m.Source == "file":
		return "The model you loaded from your files."
	case m.Source == "starter":
		return "Trained in this browser when the page started."
	case m.Method == "baseline":
		return "Trained on the images as they are: it may have learned the shortcut."
	default:
		return "Trained with " + MethodName(m.Method) + " to look inside the masks."
	}
}
