package ui

import (
	"encoding/base64"
	"fmt"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// UserImage is an image the user opened, kept so it can be reopened after
// a reload and used for fine-tuning. Its model input is kept for every
// input form (InputKey: shape and preprocessing) it was opened with, and its
// label for every set of classes, so switching models or data sets loses
// neither.
type UserImage struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// Labels maps a class set (ClassKey) to the true class, an index into
	// it. An image without an entry is not labelled for those classes.
	Labels map[string]int `json:"labels,omitempty"`
	// Inputs maps an input form (InputKey) to the model input in that
	// form: base64 of little-endian float32, C×H×W.
	Inputs map[string]string `json:"inputs,omitempty"`

	// The first version stored one label and one input (Crosses, 28×28).
	OldLabel *int   `json:"label,omitempty"`
	OldInput string `json:"input,omitempty"`

	Thumb string `json:"-"` // data URL
}

// ShapeKey names a model input shape, e.g. "1x64x64".
func ShapeKey(c, h, w int) string { return fmt.Sprintf("%dx%dx%d", c, h, w) }

// InputKey names how model m makes its input from an image: its shape
// (ShapeKey), and for an imported model its preprocessing (resize mode,
// mean and standard deviation), so that an input made for one model is
// only reused by models that would make the same one. Built-in models,
// which have no preprocessing to edit, are named by their shape alone, as
// before imported models existed.
func InputKey(m protocol.ModelInfo) string {
	k := ShapeKey(m.C, m.H, m.W)
	if p := m.Preproc; p != nil {
		k += fmt.Sprintf(" %s mean%v std%v", p.Resize, p.Mean, p.Std)
	}
	return k
}

// ClassKey names a set of classes, so a label is only reused by models
// that mean the same thing by it.
func ClassKey(classes []string) string { return strings.Join(classes, "|") }

// crossesClassKey is the class set of the first version's labels.
var crossesClassKey = ClassKey([]string{"one cross", "two crosses"})

// migrate moves the first version's fields into the maps.
func (u *UserImage) migrate() {
	if u.OldInput != "" {
		if x, err := decodeFloats(u.OldInput); err == nil && len(x) == 28*28 {
			u.SetInput(ShapeKey(1, 28, 28), x)
			if u.OldLabel != nil && *u.OldLabel >= 0 {
				u.SetLabel([]string{"one cross", "two crosses"}, *u.OldLabel)
			}
		}
	}
	u.OldInput, u.OldLabel = "", nil
}

// Label returns the true class for a class set, or -1.
func (u *UserImage) Label(classes []string) int {
	if l, ok := u.Labels[ClassKey(classes)]; ok && l >= 0 && l < len(classes) {
		return l
	}
	return -1
}

// SetLabel sets the true class for a class set; -1 removes it.
func (u *UserImage) SetLabel(classes []string, l int) {
	k := ClassKey(classes)
	if l < 0 || l >= len(classes) {
		delete(u.Labels, k)
		return
	}
	if u.Labels == nil {
		u.Labels = map[string]int{}
	}
	u.Labels[k] = l
}

// Input returns the model input stored for an input form (InputKey) of
// size values, if any.
func (u *UserImage) Input(form string, size int) ([]float32, bool) {
	s, ok := u.Inputs[form]
	if !ok {
		return nil, false
	}
	x, err := decodeFloats(s)
	if err != nil || len(x) != size {
		return nil, false
	}
	return x, true
}

// SetInput stores the model input for an input form (InputKey).
func (u *UserImage) SetInput(form string, x []float32) {
	if u.Inputs == nil {
		u.Inputs = map[string]string{}
	}
	u.Inputs[form] = encodeFloats(x)
}

// AnyInput returns one stored input and its shape (for a thumbnail).
func (u *UserImage) AnyInput() (x []float32, c, h, w int, ok bool) {
	for k := range u.Inputs {
		if _, err := fmt.Sscanf(k, "%dx%dx%d", &c, &h, &w); err != nil {
			continue
		}
		if x, ok := u.Input(k, c*h*w); ok {
			return x, c, h, w, true
		}
	}
	return nil, 0, 0, 0, false
}

func encodeFloats(x []float32) string {
	return base64.StdEncoding.EncodeToString(protocol.FloatBytes(x))
}

func decodeFloats(s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return protocol.Floats(b, -1)
}
