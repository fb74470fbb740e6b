package host

import (
	"context"
	"fmt"
	"math"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/wasm/protocol"
)

// Splittable reports whether a saliency method's work can be split across
// engine workers (saliency.MethodInfo.Split).
func Splittable(method string) bool {
	info, _ := saliency.Method(method).Info()
	return info.Split
}

// Units returns how many examples (steps, samples, or occlusion windows
// plus the image) a splittable request of the current model runs in all,
// whatever its split, or 0 for other methods.
func (h *Host) Units(req protocol.SaliencyRequest) int {
	info, _ := saliency.Method(req.Method).Info()
	m, err := h.network(req.Model)
	if err != nil {
		return 0
	}
	return info.Examples(m.Input(), saliency.Options{Samples: req.Samples, Steps: req.Steps, Window: req.Window})
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
	info := protocol.MapInfo{H: in.H, W: in.W, Class: req.Class, Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range m {
		info.Min = math.Min(info.Min, float64(v))
		info.Max = math.Max(info.Max, float64(v))
	}
	return m, info, nil
}

// Formats of the model files HelperModel returns and LoadHelper takes.
const (
	// HelperNetwork is a built-in network: its architecture JSON and
	// safetensors weights (model.Save).
	HelperNetwork = "network"
	// HelperGraph is a graph (a model imported from ONNX): graph.Encode's
	// structure and values, which decode to the same graph bit for bit.
	HelperGraph = "graph"
)

// HelperModel returns what a helper engine worker needs to hold the named
// model (Original or Tuned) of the current slot exactly as this Host does:
// the files' format (HelperNetwork or HelperGraph) and the two files, for
// LoadHelper. Version says when they change.
func (h *Host) HelperModel(which string) (format string, a, b []byte, err error) {
	m, err := h.network(which)
	if err != nil {
		return "", nil, nil, err
	}
	switch m := m.(type) {
	case *nn.Network:
		a, b, err = model.Save(m, nil)
		return HelperNetwork, a, b, err
	case *graph.Graph:
		a, b, err = m.Encode()
		return HelperGraph, a, b, err
	}
	return "", nil, nil, fmt.Errorf("host: cannot hand a %T to a helper", m)
}

// LoadHelper makes the model in files a and b of format (HelperModel's)
// current, as a helper engine worker holds it: without test scores or a
// catalog entry. An imported graph explains with its last spatial feature
// map for Grad-CAM.
func (h *Host) LoadHelper(format string, a, b []byte) error {
	switch format {
	case HelperNetwork, "":
		net, err := model.Load(a, b)
		if err != nil {
			return err
		}
		h.install("helper", net, model.ManifestEntry{Name: net.Spec.Name}, "helper")
		return nil
	case HelperGraph:
		g, err := graph.Decode(a, b)
		if err != nil {
			return err
		}
		im := &imported{train: protocol.TrainHead}
		if layers := g.SpatialTensors(); len(layers) > 0 {
			im.layer = layers[len(layers)-1]
		}
		names, _ := classNames(nil, g.Classes())
		h.installSlot("helper", &slot{orig: g, imp: im}, model.ManifestEntry{Name: g.Name(), Classes: names}, "helper")
		return nil
	}
	return fmt.Errorf("host: unknown helper model format %q", format)
}
