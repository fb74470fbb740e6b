package host

import (
	"errors"
	"fmt"
	"slices"

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
	if net.Input() != orig.Input() || !slices.Equal(net.Spec.Classes, orig.Spec.Classes) || len(net.Params) != len(orig.Params) {
		return fmt.Errorf("restoring the fine-tuned copy: it does not fit %s (input %v, %d classes, %d parameters; the copy has %v, %d, %d)",
			h.cur.info.Name, orig.Input(), len(orig.Spec.Classes), len(orig.Params), net.Input(), len(net.Spec.Classes), len(net.Params))
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
