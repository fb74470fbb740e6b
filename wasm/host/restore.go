package host

import (
	"errors"
	"fmt"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// RestoreTuned installs a fine-tuned copy the page kept (the files Export
// wrote for it) as the current model's fine-tuned copy, as it was before
// the engine restarted. The copy must have the current model's input,
// classes and number of parameters. A training run in progress is stopped.
func (h *Host) RestoreTuned(arch, weights []byte) error {
	if h.cur == nil {
		return errors.New("the model is not loaded yet")
	}
	net, err := model.Load(arch, weights)
	if err != nil {
		return fmt.Errorf("restoring the fine-tuned copy: %w", err)
	}
	orig := h.cur.orig
	origParams, _, _ := orig.Weights()
	if net.Input() != orig.Input() || net.Classes() != orig.Classes() || len(net.Params) != len(origParams) {
		return fmt.Errorf("restoring the fine-tuned copy: it does not fit %s (input %v, %d classes, %d parameters; the copy has %v, %d, %d)",
			h.cur.info.Name, orig.Input(), orig.Classes(), len(origParams), net.Input(), net.Classes(), len(net.Params))
	}
	h.StopTraining()
	h.cur.tuned = net
	h.cur.tunedVersion = h.tick()
	h.cur.tunedWith = ""
	if a, err := model.ParseArch(arch); err == nil && a.Meta != nil {
		h.cur.tunedWith = a.Meta["method"]
	}
	return nil
}

// RestoreTunedONNX installs a fine-tuned copy of the current model, one
// imported from ONNX, that the page kept as ExportONNX wrote it: its
// weights, by parameter name, go into a fresh fine-tuning copy of the
// model as loaded (so that what fine-tuning trains stays as the model
// card says). The copy must have the model's input, classes and
// parameters. A training run in progress is stopped.
func (h *Host) RestoreTunedONNX(file []byte) error {
	if h.cur == nil {
		return errors.New("the model is not loaded yet")
	}
	s := h.cur
	if s.imp == nil {
		return errors.New("restoring the fine-tuned copy: an ONNX copy fits only a model loaded from ONNX")
	}
	pb, err := onnxpb.Decode(file, onnxpb.DefaultLimits())
	if err != nil {
		return fmt.Errorf("restoring the fine-tuned copy: %w", err)
	}
	imp, err := onnx.Import(pb, onnx.Options{})
	if err != nil {
		return fmt.Errorf("restoring the fine-tuned copy: %w", err)
	}
	kept := imp.Graph
	tuned := s.trainCopy().(*graph.Graph)
	if kept.Input() != tuned.Input() || kept.Classes() != tuned.Classes() || len(kept.NamedParams()) != len(tuned.NamedParams()) {
		return fmt.Errorf("restoring the fine-tuned copy: it does not fit %s (input %v, %d classes, %d parameter tensors; the copy has %v, %d, %d)",
			s.info.Name, tuned.Input(), tuned.Classes(), len(tuned.NamedParams()), kept.Input(), kept.Classes(), len(kept.NamedParams()))
	}
	values := map[string][]float32{}
	for _, p := range kept.NamedParams() {
		values[p.Name] = p.Value
	}
	for _, p := range tuned.NamedParams() {
		v, ok := values[p.Name]
		if !ok || len(v) != len(p.Value) {
			return fmt.Errorf("restoring the fine-tuned copy: its parameter %s is missing or of another size", p.Name)
		}
		copy(p.Value, v)
	}
	if err := tuned.CheckFinite(); err != nil {
		return fmt.Errorf("restoring the fine-tuned copy: %w", err)
	}
	h.StopTraining()
	s.tuned = tuned
	s.tunedVersion = h.tick()
	s.tunedWith, _ = pb.Metadata("method")
	return nil
}
