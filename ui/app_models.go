package ui

import (
	"fmt"

	"saliencyexplorer/wasm/protocol"
)

// --- Switching models and data sets ---

// SelectModel switches to the model with the given key (ModelInfo.Key).
func (a *App) SelectModel(key string) {
	s := a.Session
	s.PickerOpen = false
	if key == s.Model.Key {
		return
	}
	a.switchTo(&protocol.SelectRequest{Model: key}, s.ModelName(key))
}

// SelectDataset switches to a data set: its baseline model, its samples.
func (a *App) SelectDataset(name string) {
	s := a.Session
	s.PickerOpen = false
	if name == s.Model.Dataset {
		return
	}
	a.switchTo(&protocol.SelectRequest{Dataset: name}, a.Session.DatasetTitle(name))
}

// switchTo asks the engine for another model and, once it is there,
// restores what the page remembers of it and shows an image it can read.
func (a *App) switchTo(req *protocol.SelectRequest, what string) {
	s := a.Session
	if !s.Ready() {
		return
	}
	if a.Train.Active() {
		a.Error = "Stop fine-tuning before switching: the run belongs to " + s.Model.Name + "."
		return
	}
	a.replaceModel(&protocol.Header{Kind: protocol.Select, Select: req}, nil, "Loading "+what+"…",
		func(err string) string { return "Could not switch to " + what + ": " + err }, nil, nil)
}

// replaceModel sends a request that replaces the current model (a switch
// or a load): it keeps the current model's charts, cancels the maps and
// shows the engine's progress. On failure the current model stays and
// failed words the error; on Ready, installing (if not nil) runs before the
// new model is installed and loaded (if not nil) after the picture is
// reopened for it.
func (a *App) replaceModel(h *protocol.Header, bufs [][]byte, progress string, failed func(err string) string, installing, loaded func()) {
	s := a.Session
	a.remember()
	a.CancelMaps()
	s.Switching = progress
	prev := s.Model
	a.eng.Send(h, bufs, func(r Reply) {
		switch r.Kind {
		case protocol.Log:
			s.Switching = r.Text
		case protocol.Failed:
			s.Switching = ""
			a.Error = failed(r.Error)
		case protocol.Ready:
			s.Switching = ""
			if installing != nil {
				installing()
			}
			a.modelReady(r)
			a.afterSwitch(prev)
			if loaded != nil {
				loaded()
			}
		}
	})
}

// remember keeps the current model's charts and comparison for when the
// user comes back to it.
func (a *App) remember() {
	a.Session.Remember(a.Session.Model.Key, &modelMemo{Train: a.Train.memo(), Compare: a.View.CompareMode})
}

// afterSwitch restores the new model's charts, resets what belonged to the
// previous one, and keeps the current image if the new model can read it.
func (a *App) afterSwitch(prev protocol.ModelInfo) {
	s, v := a.Session, a.View
	m := s.Model
	a.Train.restore(trainMemo{})
	if memo, ok := s.Recall(m.Key); ok && s.HasTuned {
		a.Train.restore(memo.Train)
		if memo.Compare == CompareBeforeAfter {
			v.CompareMode = CompareBeforeAfter
		}
	}
	if !s.HasTuned && v.CompareMode == CompareBeforeAfter {
		v.CompareMode = CompareOff
	}
	if m.Dataset != prev.Dataset {
		a.useDataset()
	}
	a.Notice = fmt.Sprintf("Now using %s (%s).", m.Name, s.ModelMeta())
	if v.Opening != "" && v.openingSample != "" && v.openingSample != m.Dataset {
		v.CancelOpen() // a sample of the data set left: it must not show now
	}
	if v.Opening != "" {
		// A picture opened during the switch is on its way (decoded for
		// this model, or again once it arrives): it replaces the one on
		// screen, and the switch reopens that only if it fails.
		a.reopenPending = &prev
		return
	}
	a.reopenFor(prev)
}

// reopenFor shows an image the current model can read after a switch from
// prev: the same picture if its input still fits, the same file decoded
// again at the new input size, or else the data set's last or first sample.
func (a *App) reopenFor(prev protocol.ModelInfo) {
	pic, m := a.View.Pic, a.Session.Model
	switch {
	case pic == nil:
		a.restoreLast()
	case pic.Sample && pic.Dataset != m.Dataset:
		a.restoreLast()
	case pic.Form == InputKey(m):
		if pic.Sample {
			pic.Dataset = m.Dataset
		} else if u := a.CurrentUserImage(); u != nil {
			pic.Label = u.Label(m.Classes)
		}
		a.reanalyze()
	default:
		if b, ok := a.Library.File(pic.Key); ok && b != nil {
			label := -1
			if u := a.CurrentUserImage(); u != nil {
				label = u.Label(m.Classes)
			}
			a.openBytes(&Picture{Key: pic.Key, Name: pic.Name, Real: pic.Real, Label: label}, b)
			return
		}
		if u := a.CurrentUserImage(); u != nil {
			if _, ok := u.Input(InputKey(m), m.C*m.H*m.W); ok {
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
	if pic := a.View.Pic; pic != nil && pic.FromInput {
		// The model's window may have moved (a new model, or its card's
		// resize changed): draw the input where it now lies.
		a.surf.ReplaceImage(a.inputPicture(pic), pic.Width, pic.Height)
	}
	a.View.Clear()
	a.surf.ClearHeat(false)
	a.surf.ClearHeat(true)
	a.maskChanged()
	a.updateLabels()
	a.analyze()
}
