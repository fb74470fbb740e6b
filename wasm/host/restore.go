package host

import (
	"errors"
	"fmt"

	"saliencyexplorer/engine/model"
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
