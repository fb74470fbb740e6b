package ui

import (
	"github.com/vugu/vugu"

	"saliencyexplorer/wasm/protocol"
)

// ModelPicker is the header's model chip: it names the current model and
// opens a menu of every shipped model (grouped by data set, with their test
// AUC and saliency IoU) and the model the user loaded, if any.
type ModelPicker struct {
	Session *Session
	Do      ModelActions
}

// ModelGroup is one data set's models in the menu.
type ModelGroup struct {
	Dataset, Title string
	Models         []protocol.ModelInfo
}

// ScoreTargetNote names what model m's saliency scores explain, e.g.
// " (logit)": the shipped models were scored on the logit's gradient,
// whatever the maps on screen explain.
func (c *ModelPicker) ScoreTargetNote(m protocol.ModelInfo) string {
	if m.ScoreTarget == "" {
		return ""
	}
	return " (" + m.ScoreTarget + ")"
}

// Toggle opens or closes the menu.
func (c *ModelPicker) Toggle() {
	if c.Session.EngineState != EngineReady {
		return
	}
	c.Session.PickerOpen = !c.Session.PickerOpen
}

// Groups returns the models by data set: shipped models in manifest order,
// then the user's own under "Your models".
func (c *ModelPicker) Groups() []ModelGroup {
	return groupModels(c.Session.Models, c.Session.DatasetTitle)
}

// groupModels groups models by data set, titled by title, keeping their
// order; models not shipped with the site go last, in their own group.
func groupModels(models []protocol.ModelInfo, title func(dataset string) string) []ModelGroup {
	var groups []ModelGroup
	idx := map[string]int{}
	var own []protocol.ModelInfo
	for _, m := range models {
		if m.Source != "shipped" {
			own = append(own, m)
			continue
		}
		i, ok := idx[m.Dataset]
		if !ok {
			i = len(groups)
			idx[m.Dataset] = i
			groups = append(groups, ModelGroup{Dataset: m.Dataset, Title: title(m.Dataset)})
		}
		groups[i].Models = append(groups[i].Models, m)
	}
	if len(own) > 0 {
		groups = append(groups, ModelGroup{Dataset: "~own", Title: "Your loaded model", Models: own})
	}
	return groups
}

// RowClass marks the current model.
func (c *ModelPicker) RowClass(m protocol.ModelInfo) string {
	if m.Key == c.Session.Model.Key {
		return "picker-opt current"
	}
	return "picker-opt"
}

// ScoreSet says what a model's scores were measured on.
func (c *ModelPicker) ScoreSet(m protocol.ModelInfo) string {
	if m.ScoreSet == "" {
		return "nothing yet (no test data in the browser)"
	}
	return m.ScoreSet
}

// OnFiles loads the model files chosen in the menu.
func (c *ModelPicker) OnFiles(e vugu.DOMEvent) { withFiles(e, c.Do.OpenFiles) }

// TunedRows returns the models of a group that have a fine-tuned copy
// with measured scores, for a row each under the group.
func (c *ModelPicker) TunedRows(g ModelGroup) []protocol.ModelInfo {
	var out []protocol.ModelInfo
	for _, m := range g.Models {
		if _, ok := c.Session.Tuned(m.Key); ok {
			out = append(out, m)
		}
	}
	return out
}
