package ui

import (
	"fmt"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"
	"strconv"
	"strings"

	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/wasm/protocol"
)

// ModelCard shows a model imported from ONNX: its input, how images are
// preprocessed for it, its labels, Grad-CAM's layer and what fine-tuning
// trains, all editable (the edits are kept per model in the browser).
type ModelCard struct {
	Session *Session
	Do      CardActions
}

// CardActions are the model card's.
type CardActions interface {
	ConfigureModel(req protocol.ConfigureRequest)
	CardError(msg string)
}

// Origin says where the model came from.
func (c *ModelCard) Origin() string {
	m := c.Session.Model
	if m.File != "" {
		return "Imported from your ONNX file " + m.File + "."
	}
	return "Imported from your ONNX file."
}

// InputText is the model's input shape.
func (c *ModelCard) InputText() string {
	m := c.Session.Model
	kind := "colour"
	if m.C == 1 {
		kind = "grey"
	}
	return fmt.Sprintf("%d×%d×%d (%s), %d classes", m.C, m.H, m.W, kind, len(m.Classes))
}

// TrainText says how much fine-tuning trains and the activations of one
// image.
func (c *ModelCard) TrainText() string {
	m := c.Session.Model
	return fmt.Sprintf("Trains %s of %s parameters; one image takes about %d MB of activations.",
		strconv.Itoa(m.Trained), strconv.Itoa(m.Params), (m.ValuesPerExample*4+(1<<20)-1)>>20)
}

func floatsText(v []float32) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(float64(f), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

// MeanText and StdText show a custom normalization.
func (c *ModelCard) MeanText() string { return floatsText(c.Session.Model.Preproc.Mean) }
func (c *ModelCard) StdText() string  { return floatsText(c.Session.Model.Preproc.Std) }

// maxEditLabels is the most class names the card edits in place; a
// model of more (an ImageNet model's 1000) takes a labels file instead,
// as its names would not fit the page's render buffer in one text area.
const maxEditLabels = 100

// EditLabels reports whether the card edits the labels in place.
func (c *ModelCard) EditLabels() bool { return len(c.Session.Model.Classes) <= maxEditLabels }

// LabelsSummary names the first few labels of many.
func (c *ModelCard) LabelsSummary() string { return classList(c.Session.Model.Classes) }

// OnLabelsFile replaces the labels with those of a file (one per line, or
// a JSON array or object).
func (c *ModelCard) OnLabelsFile(e vugu.DOMEvent) {
	withFiles(e, func(files js.Value) {
		f := files.Index(0)
		go func() {
			b, err := readFile(f)
			e.EventEnv().Lock()
			defer e.EventEnv().UnlockRender()
			if err != nil {
				c.Do.CardError("Could not read the labels file.")
				return
			}
			labels, err := preproc.ParseLabels(b)
			if err != nil || labels == nil {
				c.Do.CardError(fmt.Sprintf("The labels file: %v", cmpErr(err, "it is empty")))
				return
			}
			c.Do.ConfigureModel(protocol.ConfigureRequest{Labels: labels})
		}()
	})
}

func cmpErr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// LabelsText is the class names, one per line.
func (c *ModelCard) LabelsText() string { return strings.Join(c.Session.Model.Classes, "\n") }

func (c *ModelCard) preproc() protocol.Preproc { return *c.Session.Model.Preproc }

// SetResize chooses stretch or crop.
func (c *ModelCard) SetResize(v string) {
	p := c.preproc()
	p.Resize = v
	c.Do.ConfigureModel(protocol.ConfigureRequest{Preproc: &p})
}

// SetPreset chooses a normalization preset, or custom ("").
func (c *ModelCard) SetPreset(v string) {
	p := c.preproc()
	p.Preset = v
	if v == "" {
		// Start the custom values from the preset's.
		for _, q := range c.Session.Model.Presets {
			if q.Name == c.Session.Model.Preproc.Preset {
				p.Mean, p.Std = q.Mean, q.Std
			}
		}
		if len(p.Mean) == 0 {
			p.Mean, p.Std = []float32{0}, []float32{1}
		}
	} else {
		p.Mean, p.Std = nil, nil
	}
	c.Do.ConfigureModel(protocol.ConfigureRequest{Preproc: &p})
}

// SetMean and SetStd edit a custom normalization.
func (c *ModelCard) SetMean(v string) { c.setFloats(v, true) }
func (c *ModelCard) SetStd(v string)  { c.setFloats(v, false) }

func (c *ModelCard) setFloats(v string, mean bool) {
	f, err := preproc.ParseFloats(v)
	if err != nil {
		c.Do.CardError(fmt.Sprintf("The model card: %q is not a list of numbers such as 0.485,0.456,0.406.", v))
		return
	}
	p := c.preproc()
	p.Preset = ""
	if mean {
		p.Mean = f
	} else {
		p.Std = f
	}
	c.Do.ConfigureModel(protocol.ConfigureRequest{Preproc: &p})
}

// SetLayer chooses Grad-CAM's feature map.
func (c *ModelCard) SetLayer(v string) { c.Do.ConfigureModel(protocol.ConfigureRequest{Layer: v}) }

// SetTrain chooses what fine-tuning trains.
func (c *ModelCard) SetTrain(v string) { c.Do.ConfigureModel(protocol.ConfigureRequest{Train: v}) }

// SetLabels edits the class names.
func (c *ModelCard) SetLabels(v string) {
	labels, err := preproc.ParseLabels([]byte(v))
	if err != nil || labels == nil {
		labels = []string{}
	}
	c.Do.ConfigureModel(protocol.ConfigureRequest{Labels: labels})
}
