package saliency

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// TestPartsAddUp checks what a split across workers relies on: the parts of
// SmoothGrad, Integrated Gradients and occlusion, each run on its own copy
// of the network and with a batch size that does not divide the part, add
// up to the whole call's attribution, MapOf of the sum is the whole call's
// Map, and the parts' progress totals add up to the whole's.
func TestPartsAddUp(t *testing.T) {
	in := nn.Shape{C: 2, H: 9, W: 7}
	net, err := nn.New(reluSpec(in), 4)
	if err != nil {
		t.Fatal(err)
	}
	x := nntest.Rand(rand.New(rand.NewPCG(41, 42)), in.Size())
	for _, m := range []Method{SmoothGrad, IntegratedGradients, Occlusion} {
		base := Options{Class: 1, Samples: 11, Steps: 11, Seed: 7, Batch: 4, Blur: 1, Window: 3, Stride: 2, Fill: 0.3}
		info, _ := m.Info()
		// Occlusion: 4×3 windows + the image.
		if want := map[Method]int{SmoothGrad: 11, IntegratedGradients: 11, Occlusion: 13}[m]; info.Examples(in, base) != want {
			t.Errorf("%s: Examples %d, want %d", m, info.Examples(in, base), want)
		}
		want, err := Attribute(context.Background(), net, x, m, base)
		if err != nil {
			t.Fatal(err)
		}
		wantMap, err := Map(context.Background(), net, x, m, base)
		if err != nil {
			t.Fatal(err)
		}
		for _, parts := range []int{1, 2, 3, 13} {
			sum := make([]float32, len(want))
			totals := 0
			for p := 0; p < parts; p++ {
				opt := base
				opt.Part, opt.Parts = p, parts
				opt.Batch = 3
				opt.Progress = func(done, total int) {
					if done == total {
						totals += total
					}
				}
				a, err := Attribute(context.Background(), net.Clone(), x, m, opt)
				if err != nil {
					t.Fatalf("%s part %d of %d: %v", m, p, parts, err)
				}
				for i, v := range a {
					sum[i] += v
				}
			}
			if totals != info.Examples(in, base) {
				t.Errorf("%s in %d parts: the parts' progress totals add up to %d, want %d", m, parts, totals, info.Examples(in, base))
			}
			var scale float64
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i := range want {
				if d := math.Abs(float64(sum[i] - want[i])); d > 1e-5*scale {
					t.Fatalf("%s in %d parts: [%d] adds up to %v, want %v (first bad index)", m, parts, i, sum[i], want[i])
				}
			}
			got, err := MapOf(in, sum, m, base.Blur)
			if err != nil {
				t.Fatal(err)
			}
			for i := range wantMap {
				if d := math.Abs(float64(got[i] - wantMap[i])); d > 1e-5*scale {
					t.Fatalf("%s in %d parts: MapOf(sum)[%d] = %v, Map %v", m, parts, i, got[i], wantMap[i])
				}
			}
		}
	}
}

func TestPartsArgErrors(t *testing.T) {
	in := nn.Shape{C: 1, H: 6, W: 6}
	net, _ := nn.New(reluSpec(in), 4)
	x := make([]float32, in.Size())
	for _, c := range []struct {
		m    Method
		opt  Options
		what string
	}{
		{IntegratedGradients, Options{Parts: -1}, "Parts"},
		{IntegratedGradients, Options{Parts: MaxExamples + 1}, "Parts"},
		{IntegratedGradients, Options{Part: 2, Parts: 2}, "Part"},
		{SmoothGrad, Options{Part: -1, Parts: 2}, "Part"},
		{IntegratedGradients, Options{Part: 1}, "Part"},
		{Gradient, Options{Parts: 2}, "Parts"},
		{GradCAM, Options{Parts: 3}, "Parts"},
	} {
		_, err := Attribute(context.Background(), net, x, c.m, c.opt)
		var ae *ArgError
		if !errors.As(err, &ae) || ae.Arg != c.what {
			t.Errorf("%s %+v: error %v, want an ArgError for %s", c.m, c.opt, err, c.what)
		}
	}
	if _, err := MapOf(in, make([]float32, 5), Gradient, 0); err == nil {
		t.Error("MapOf accepted an attribution of the wrong size")
	}
	if _, err := MapOf(in, make([]float32, in.Size()), Gradient, -1); err == nil {
		t.Error("MapOf accepted a negative blur")
	}
}
