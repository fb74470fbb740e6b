package host

import (
	"context"
	"math"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/wasm/protocol"
)

// Splittable reports whether a saliency method's work can be split across
// engine workers (saliency.MethodInfo.Split).
func Splittable(method string) bool {
	info, _ := saliency.Method(method).Info()
	return info.Split
}

// Units returns how many examples (steps or samples) a splittable request
// runs in all, whatever its split, or 0 for other methods.
func Units(req protocol.SaliencyRequest) int {
	info, _ := saliency.Method(req.Method).Info()
	return info.Examples(saliency.Options{Samples: req.Samples, Steps: req.Steps})
}

// Attribution computes the raw attribution of x (C×H×W, or H×W for
// Grad-CAM and occlusion) for part req.Part of req.Parts (Parts 0 means 1):
// the parts' attributions summed element-wise are the whole one, which
// MapOf turns into the map. progress is as for Saliency.
func (h *Host) Attribution(ctx context.Context, x []float32, req protocol.SaliencyRequest, progress func(done, total int)) ([]float32, error) {
	if err := h.checkInput(x); err != nil {
		return nil, err
	}
	net, err := h.network(req.Model)
	if err != nil {
		return nil, err
	}
	if h.cur.imp != nil {
		if err := h.checkSaliencyMemory(net); err != nil {
			return nil, err
		}
	}
	if h.Training() && net == h.run.net {
		// The trainer's network holds a batch's buffers; explain a copy.
		net = clone(net)
	}
	opt := saliency.Options{Class: req.Class, Blur: req.Blur, Samples: req.Samples, Steps: req.Steps, Window: req.Window,
		Target: saliency.Target(req.Target), Seed: 1, Part: req.Part, Parts: req.Parts, Progress: progress}
	if h.cur.imp != nil {
		opt.Layer = h.cur.imp.layer
	}
	return saliency.Attribute(ctx, net, x, saliency.Method(req.Method), opt)
}

// MapOf turns an attribution of the current model (Attribution's, or the
// sum of a split request's parts) into the heat map of req and its
// description, as Saliency returns them.
func (h *Host) MapOf(a []float32, req protocol.SaliencyRequest) ([]float32, protocol.MapInfo, error) {
	net, err := h.network(req.Model)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	in := net.Input()
	m, err := saliency.MapOf(in, a, saliency.Method(req.Method), req.Blur)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	info := protocol.MapInfo{H: in.H, W: in.W, Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range m {
		info.Min = math.Min(info.Min, float64(v))
		info.Max = math.Max(info.Max, float64(v))
	}
	return m, info, nil
}

// LoadHelper makes the model in arch and weights current, as a helper
// engine worker holds it: without test scores or a catalog entry.
func (h *Host) LoadHelper(arch, weights []byte) error {
	net, err := model.Load(arch, weights)
	if err != nil {
		return err
	}
	h.install("helper", net, model.ManifestEntry{Name: net.Spec.Name}, "helper")
	return nil
}
