package host

import (
	"context"
	"math"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

// TestSplitSaliency checks the worker pool's arithmetic: the raw
// attributions of Parts = 2 (the second part computed by a helper Host
// holding the exported model) summed and turned into a map by MapOf equal
// the single call's map.
func TestSplitSaliency(t *testing.T) {
	h := starter(t)
	sp, err := h.splits()
	if err != nil || sp == nil {
		t.Fatalf("splits: %v", err)
	}
	x := sp.Test.Image(0)
	arch, weights, err := h.Export(protocol.Original)
	if err != nil {
		t.Fatal(err)
	}
	helper := New(nil)
	if err := helper.LoadHelper(arch, weights); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, req := range []protocol.SaliencyRequest{
		{Method: "integrated", Model: protocol.Original, Class: 1, Steps: 32},
		{Method: "smoothgrad", Model: protocol.Original, Class: 1, Samples: 9, Blur: 1},
	} {
		if !Splittable(req.Method) {
			t.Fatalf("%s is not splittable", req.Method)
		}
		whole, wholeInfo, err := h.Saliency(ctx, x, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sum []float32
		done := 0
		for part, host := range []*Host{h, helper} {
			r := req
			r.Part, r.Parts = part, 2
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
		if done != Units(req) {
			t.Errorf("%s: the parts ran %d examples, want %d", req.Method, done, Units(req))
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
			t.Errorf("%s: split map differs by %g (max %g, split max %g)", req.Method, diff, wholeInfo.Max, info.Max)
		}
	}
	if _, err := helper.Attribution(ctx, x, protocol.SaliencyRequest{Method: "gradient", Parts: 2, Part: 1}, nil); err == nil {
		t.Error("the input gradient was split without an error")
	}
}
