package saliency

import (
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// reluSpec is the small ReLU/max-pool CNN most tests use:
// conv(4, 3×3, pad 1) → relu → maxpool 2 → conv(8) → relu → gap → linear(2).
func reluSpec(in nn.Shape) nn.Spec {
	return nn.Spec{
		Name:    "relu-test",
		Input:   in,
		Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "relu"},
			{Type: "maxpool", Kernel: 2},
			{Type: "conv", Out: 8, Kernel: 3, Pad: 1},
			{Type: "relu"},
			{Type: "gap"},
			{Type: "linear", Out: 2},
		},
	}
}

// smoothSpec has no kinks (conv → avgpool → conv → gap → linear), so finite
// differences are exact up to rounding.
func smoothSpec(in nn.Shape) nn.Spec {
	return nn.Spec{
		Name:    "smooth-test",
		Input:   in,
		Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "avgpool", Kernel: 2},
			{Type: "conv", Out: 3, Kernel: 3, Pad: 1},
			{Type: "gap"},
			{Type: "linear", Out: 2},
		},
	}
}

// linearSpec is flatten → linear: f(x) = W·x + b.
func linearSpec(in nn.Shape) nn.Spec {
	return nn.Spec{
		Name:    "linear-test",
		Input:   in,
		Classes: []string{"a", "b"},
		Layers:  []nn.LayerSpec{{Type: "flatten"}, {Type: "linear", Out: 2}},
	}
}

func mustNet(t testing.TB, spec nn.Spec, seed uint64) *nn.Network {
	t.Helper()
	net, err := nn.New(spec, seed)
	if err != nil {
		t.Fatalf("nn.New(%s): %v", spec.Name, err)
	}
	return net
}

// randomizeBiases gives every bias a random value, so tests do not rely on
// the zero initialization.
func randomizeBiases(net *nn.Network, rng *rand.Rand) {
	for _, p := range net.NamedParams() {
		if len(p.Shape) == 1 && p.Trainable {
			for i := range p.Value {
				p.Value[i] = float32(0.3 * rng.NormFloat64())
			}
		}
	}
}

// param returns the network's parameter with the given name.
func param(t testing.TB, net *nn.Network, name string) *nn.Param {
	t.Helper()
	for _, p := range net.NamedParams() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("network has no parameter %q", name)
	return nil
}

// logit returns f_c(x) for one image, in float64.
func logit(net *nn.Network, x []float32, c int) float64 {
	return float64(net.Forward(x, 1, false)[c])
}

func randImage(rng *rand.Rand, in nn.Shape) []float32 { return nntest.Rand(rng, in.Size()) }

// maxAbsDiff returns max |a−b| and its index (−1 if equal or the lengths
// differ, which callers check first).
func maxAbsDiff(a, b []float32) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		if d := math.Abs(float64(a[i]) - float64(b[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	return worst, at
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

func sum(a []float32) float64 {
	var s float64
	for _, v := range a {
		s += float64(v)
	}
	return s
}

// closeTo fails t when got and want differ anywhere by more than
// tol·max(1, max|want|), reporting the worst element.
func closeTo(t testing.TB, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	d, at := maxAbsDiff(got, want)
	if lim := tol * max(1, maxAbs(want)); d > lim || math.IsNaN(d) {
		t.Errorf("%s: max |diff| %.3g > %.3g at %d: got %.7g want %.7g", name, d, lim, at, got[at], want[at])
	}
}
