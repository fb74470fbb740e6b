package host

import (
	"context"

	"saliencyexplorer/wasm/protocol"
)

// WarmUpSteps is how many steps WarmUp takes.
const WarmUpSteps = 3

// WarmUp does one step of the work of a first map's requests on the current
// data set's first sample, and throws the results away: decoding its PNG
// from the sample pack (step 0, as the page's Decode request does), a
// prediction (1), and the page's default map, the input gradient of the
// log-probability of the predicted class (2). V8 compiles each function of
// the module on its first call, and the first Decode, Predict and Saliency
// of a cold load spent 60–250 ms of the engine worker's time on that
// (issue #12); the engine worker runs these steps after its first Ready,
// while it waits for the page's first request, so that the page's own
// requests find the code compiled. A step with nothing to do (no model,
// no gallery, no pack) does nothing.
func (h *Host) WarmUp(step int) error {
	ds := h.current()
	if ds == nil || ds.gallery == nil || ds.gallery.Len() == 0 {
		return nil
	}
	x := ds.gallery.Image(0)
	switch step {
	case 0:
		if ds.pack != nil {
			_, _, _, err := h.Decode(ds.pack.bufs[0], protocol.DecodeRequest{})
			return err
		}
	case 1:
		_, err := h.Predict(x, nil)
		return err
	case 2:
		_, _, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{
			Method: "gradient", Model: protocol.Original, Class: protocol.PredictedClass, Target: "logprob"}, nil)
		return err
	}
	return nil
}
