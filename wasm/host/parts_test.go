package host

import (
	"context"
	"math"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// checkPrefix fails t unless h's model which has an affine prefix
// (nn.AffinePrefix), so that its Integrated Gradients and SmoothGrad,
// whole and split, take engine/saliency's prefix path.
func checkPrefix(t *testing.T, h *Host, which string) {
	t.Helper()
	net, err := h.network(which)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := net.(nn.AffinePrefix); !ok || p.PrefixSize() == 0 {
		t.Errorf("the %s model (%T) has no affine prefix", which, net)
	}
}

// checkSplit checks the worker pool's arithmetic on the current model of
// h: for each request, the raw attributions of Parts = 3 (parts 1 and 2
// computed by helper Hosts holding the model that HelperModel hands over)
// summed and turned into a map by MapOf equal the single call's map, and
// the parts together run every example once.
func checkSplit(t *testing.T, h *Host, x []float32, reqs []protocol.SaliencyRequest) {
	t.Helper()
	ctx := context.Background()
	for _, req := range reqs {
		if !Splittable(req.Method) {
			t.Fatalf("%s is not splittable", req.Method)
		}
		format, a, b, err := h.HelperModel(req.Model)
		if err != nil {
			t.Fatal(err)
		}
		hosts := []*Host{h}
		for range 2 {
			helper := New(nil)
			if err := helper.LoadHelper(format, a, b); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			// A helper holds one model, the one it was handed; it answers
			// for whichever model the request names.
			hosts = append(hosts, helper)
		}
		whole, wholeInfo, err := h.Saliency(ctx, x, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sum []float32
		done := 0
		for part, host := range hosts {
			r := req
			r.Part, r.Parts = part, len(hosts)
			if part > 0 {
				r.Model = protocol.Original
			}
			a, err := host.Attribution(ctx, x, r, func(d, total int) {
				if d == total {
					done += total
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum == nil {
				sum = make([]float32, len(a))
			}
			for i, v := range a {
				sum[i] += v
			}
		}
		if done != h.Units(req) {
			t.Errorf("%s %s: the parts ran %d examples, want %d", format, req.Method, done, h.Units(req))
		}
		m, info, err := h.MapOf(sum, req)
		if err != nil {
			t.Fatal(err)
		}
		var diff float64
		for i := range m {
			diff = math.Max(diff, math.Abs(float64(m[i]-whole[i])))
		}
		if wholeInfo.Max <= 0 || diff > 1e-5*wholeInfo.Max || math.Abs(info.Max-wholeInfo.Max) > 1e-5*wholeInfo.Max {
			t.Errorf("%s %s of %s: split map differs by %g (max %g, split max %g)", format, req.Method, req.Model, diff, wholeInfo.Max, info.Max)
		}
		t.Logf("%s %s of %s: split map within %.2g of max %.4g", format, req.Method, req.Model, diff, wholeInfo.Max)
	}
}

// TestSplitSaliency checks the split on a built-in network.
func TestSplitSaliency(t *testing.T) {
	h := starter(t)
	sp, err := h.splits()
	if err != nil || sp == nil {
		t.Fatalf("splits: %v", err)
	}
	x := sp.Test.Image(0)
	checkSplit(t, h, x, []protocol.SaliencyRequest{
		{Method: "integrated", Model: protocol.Original, Class: 1, Steps: 32},
		{Method: "smoothgrad", Model: protocol.Original, Class: 1, Samples: 9, Blur: 1},
		{Method: "occlusion", Model: protocol.Original, Class: 1, Window: 5},
	})
	if _, err := h.Attribution(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Parts: 2, Part: 1}, nil); err == nil {
		t.Error("the input gradient was split without an error")
	}
}

// TestSplitSaliencyONNX checks the split on a model imported from ONNX
// (the helpers get its graph, not the ONNX file), before and after a
// fine-tuning step (the helpers get the fine-tuned copy, with its frozen
// layers). Its first convolution is an affine prefix, so Integrated
// Gradients and SmoothGrad run through it.
func TestSplitSaliencyONNX(t *testing.T) {
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 3, nil), nil, protocol.ModelFile{Format: "onnx", Name: "small.onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	_, x, _, err := h.Open("pic", pngOf(t, 40, 30, true), protocol.DecodeRequest{Name: "p.png"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := []protocol.SaliencyRequest{
		{Method: "integrated", Model: protocol.Original, Class: 2, Steps: 10},
		{Method: "smoothgrad", Model: protocol.Original, Class: 1, Samples: 7},
		{Method: "occlusion", Model: protocol.Original, Class: 0},
	}
	checkPrefix(t, h, protocol.Original)
	checkSplit(t, h, x, reqs)
	if format, _, _, _ := h.HelperModel(protocol.Original); format != HelperGraph {
		t.Errorf("an imported model is handed over as %q, want %q", format, HelperGraph)
	}
	v0, _ := h.Version(protocol.Tuned)
	mask := make([]float32, 24*20)
	for i := range 24 * 10 {
		mask[i] = 1
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.05, Epochs: 1, MaxSteps: 1, Labels: []int{2}}, x, mask, Status{}); err != nil {
		t.Fatal(err)
	}
	for h.Training() {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if v1, _ := h.Version(protocol.Tuned); v1 == v0 {
		t.Error("training did not change the tuned model's version")
	}
	for i := range reqs {
		reqs[i].Model = protocol.Tuned
	}
	checkPrefix(t, h, protocol.Tuned)
	checkSplit(t, h, x, reqs)
	if err := New(nil).LoadHelper("nonsense", nil, nil); err == nil {
		t.Error("an unknown helper format loaded")
	}
}
