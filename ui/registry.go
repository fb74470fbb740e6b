package ui

import (
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// The page has no list of its own of saliency methods, training objectives
// or data sets: it reads them from the registry the engine sends with every
// Ready reply (protocol.Registry, from engine/saliency, engine/train and
// engine/datasets), kept in the Session. Before the first reply the menus
// are empty and names are shown as their IDs.

// UseRegistry takes the registry of a Ready reply (nil: keep the one held).
func (s *Session) UseRegistry(r *protocol.Registry) {
	if r != nil {
		s.Registry = *r
	}
}

// Methods lists the saliency methods, in menu order.
func (s *Session) Methods() []protocol.MethodInfo { return s.Registry.Methods }

// Objectives lists the training objectives, in menu order.
func (s *Session) Objectives() []protocol.ObjectiveInfo { return s.Registry.Objectives }

// method returns the saliency method id.
func (s *Session) method(id string) (protocol.MethodInfo, bool) {
	for _, m := range s.Registry.Methods {
		if m.ID == id {
			return m, true
		}
	}
	return protocol.MethodInfo{}, false
}

// KnownMethod reports whether the engine offers saliency method id.
func (s *Session) KnownMethod(id string) bool {
	_, ok := s.method(id)
	return ok
}

// MethodLabel names a saliency method (its ID if unknown).
func (s *Session) MethodLabel(id string) string {
	if m, ok := s.method(id); ok {
		return m.Label
	}
	return id
}

// MethodHelp explains a saliency method in a line.
func (s *Session) MethodHelp(id string) string {
	m, _ := s.method(id)
	return m.Help
}

// Targets lists what a map can explain (logit, log-probability, ...), in
// menu order: the first is the default.
func (s *Session) Targets() []protocol.TargetInfo { return s.Registry.Targets }

// target returns the saliency target id ("" is the logit).
func (s *Session) target(id string) (protocol.TargetInfo, bool) {
	if id == "" {
		id = "logit"
	}
	for _, t := range s.Registry.Targets {
		if t.ID == id {
			return t, true
		}
	}
	return protocol.TargetInfo{}, false
}

// KnownTarget reports whether the engine offers saliency target id.
func (s *Session) KnownTarget(id string) bool {
	_, ok := s.target(id)
	return ok
}

// TargetHelp explains a saliency target in a line.
func (s *Session) TargetHelp(id string) string {
	t, _ := s.target(id)
	return t.Help
}

// TargetOf names target id of the class called class, e.g. "log
// p(cardiomegaly)" (the ID and the class if the target is unknown).
func (s *Session) TargetOf(id, class string) string {
	if t, ok := s.target(id); ok && strings.Count(t.Symbol, "%s") == 1 {
		return strings.Replace(t.Symbol, "%s", class, 1)
	}
	return id + "(" + class + ")"
}

// objective returns the training objective id.
func (s *Session) objective(id string) (protocol.ObjectiveInfo, bool) {
	for _, o := range s.Registry.Objectives {
		if o.ID == id {
			return o, true
		}
	}
	return protocol.ObjectiveInfo{}, false
}

// ObjectiveLabel names a training objective in a few words.
func (s *Session) ObjectiveLabel(id string) string {
	if o, ok := s.objective(id); ok {
		return o.Label
	}
	if id == "" {
		return "unknown training"
	}
	return id
}

// Penalty reports whether objective id weighs a penalty with λ (an
// unknown objective is taken to).
func (s *Session) Penalty(id string) bool {
	o, ok := s.objective(id)
	return !ok || o.Penalty
}

// ObjectiveHelp explains a training objective in a line.
func (s *Session) ObjectiveHelp(id string) string {
	o, _ := s.objective(id)
	return o.Help
}

// DatasetTitle names a data set for people.
func (s *Session) DatasetTitle(name string) string {
	for _, d := range s.Registry.Datasets {
		if d.Name == name {
			return d.Title
		}
	}
	if name == "" {
		return "other"
	}
	return name
}

// ModelBlurb says in plain words what a model is.
func (s *Session) ModelBlurb(m protocol.ModelInfo) string {
	switch {
	case m.Source == "file":
		return "The model you loaded from your files."
	case m.Source == "onnx":
		if m.File != "" {
			return "Imported from your ONNX file " + m.File + "."
		}
		return "Imported from your ONNX file."
	case m.Source == "starter":
		return "Trained in this browser when the page started."
	case m.Method == "baseline":
		return "Trained on the images as they are: it may have learned the shortcut."
	default:
		return "Trained with " + s.ObjectiveLabel(m.Method) + " to look inside the masks."
	}
}
