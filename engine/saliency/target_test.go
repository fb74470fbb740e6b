package saliency

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// targetRef computes target t of class c from logits in float64, written
// out independently of Target.Value.
func targetRef(logits []float32, c int, t Target) float64 {
	if t == TargetLogit {
		return float64(logits[c])
	}
	var z float64
	for _, f := range logits {
		z += math.Exp(float64(f))
	}
	p := math.Exp(float64(logits[c])) / z
	if t == TargetProb {
		return p
	}
	return math.Log(p)
}

// targetOf returns target t of class c for one image.
func targetOf(net *nn.Network, x []float32, c int, t Target) float64 {
	return targetRef(net.Forward(x, 1, false), c, t)
}

// threeClass returns spec with three classes, so that a class's
// log-probability depends on more than one logit difference.
func threeClass(spec nn.Spec) nn.Spec {
	spec.Classes = []string{"a", "b", "c"}
	spec.Layers = slices.Clone(spec.Layers)
	spec.Layers[len(spec.Layers)-1].Out = 3
	return spec
}

var allTargets = []Target{TargetLogit, TargetLogProb, TargetProb}

// TestTargetGradientsMatchFiniteDifferences checks the input gradient of
// every target against central differences of that target.
func TestTargetGradientsMatchFiniteDifferences(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 2, H: 8, W: 8}
	rng := rand.New(rand.NewPCG(41, 42))
	net := mustNet(t, threeClass(smoothSpec(in)), 43)
	randomizeBiases(net, rng)
	for _, p := range net.NamedParams() { // logits of a few units, so p is not uniform
		for i := range p.Value {
			p.Value[i] *= 3
		}
	}
	x := randImage(rng, in)
	grads := map[Target][]float32{}
	for _, tg := range allTargets {
		for c := 0; c < net.Classes(); c++ {
			name := fmt.Sprintf("%s class %d", tg, c)
			got, err := Attribute(ctx, net, x, Gradient, Options{Class: c, Target: tg})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := nntest.NumGrad(func() float64 { return targetOf(net, x, c, tg) }, x, 1e-2)
			nntest.Check(t, name, got, want, 1e-2)
			if c == 0 {
				grads[tg] = got
			}
		}
	}
	// The targets must differ, or the checks above could not tell them apart.
	for _, tg := range []Target{TargetLogProb, TargetProb} {
		if d, _ := maxAbsDiff(grads[tg], grads[TargetLogit]); d < 1e-3*maxAbs(grads[TargetLogit]) {
			t.Errorf("%s gradient equals the logit's (max |diff| %g)", tg, d)
		}
	}
}

// TestIntegratedGradientsCompletenessLogProb checks Σ attribution =
// log p_c(x) − log p_c(x′) for the log-probability target.
func TestIntegratedGradientsCompletenessLogProb(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 1, H: 12, W: 12}
	rng := rand.New(rand.NewPCG(44, 45))
	net := mustNet(t, threeClass(reluSpec(in)), 46)
	randomizeBiases(net, rng)
	zeros := make([]float32, in.Size())
	large := 0
	for trial := 0; trial < 3; trial++ {
		x := randImage(rng, in)
		for c := 0; c < net.Classes(); c++ {
			name := fmt.Sprintf("trial %d class %d", trial, c)
			a, err := Attribute(ctx, net, x, IntegratedGradients, Options{Class: c, Steps: 256, Target: TargetLogProb})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			delta := targetOf(net, x, c, TargetLogProb) - targetOf(net, zeros, c, TargetLogProb)
			logitDelta := targetOf(net, x, c, TargetLogit) - targetOf(net, zeros, c, TargetLogit)
			if math.Abs(delta) >= 0.05 && math.Abs(delta-logitDelta) >= 0.05 {
				large++
			}
			if got := sum(a); math.Abs(got-delta) > 0.01*max(math.Abs(delta), 0.05) {
				t.Errorf("%s: Σ attribution = %.6g, log p_c(x) − log p_c(x′) = %.6g (logit's Δ %.6g)", name, got, delta, logitDelta)
			}
		}
	}
	if large < 4 {
		t.Errorf("only %d of 9 cases have a log-probability change ≥ 0.05 that differs from the logit's", large)
	}
}

// TestOcclusionTarget checks that occlusion measures the change of the
// chosen target, by brute force over the windows.
func TestOcclusionTarget(t *testing.T) {
	in := nn.Shape{C: 1, H: 6, W: 6}
	spec := nn.Spec{
		Name: "tiny", Input: in, Classes: []string{"a", "b", "c"},
		Layers: []nn.LayerSpec{{Type: "conv", Out: 3, Kernel: 3, Pad: 1}, {Type: "relu"}, {Type: "gap"}, {Type: "linear", Out: 3}},
	}
	rng := rand.New(rand.NewPCG(47, 48))
	net := mustNet(t, spec, 49)
	randomizeBiases(net, rng)
	x := randImage(rng, in)
	const win, stride, fill = 3, 3, float32(0)
	for _, tg := range allTargets {
		for c := 0; c < 3; c++ {
			got, err := Attribute(context.Background(), net, x, Occlusion, Options{Class: c, Window: win, Stride: stride, Fill: fill, Target: tg})
			if err != nil {
				t.Fatal(err)
			}
			base := targetOf(net, x, c, tg)
			want := make([]float32, in.H*in.W)
			for _, y0 := range []int{0, 3} {
				for _, x0 := range []int{0, 3} {
					occ := slices.Clone(x)
					for y := y0; y < y0+win; y++ {
						for xx := x0; xx < x0+win; xx++ {
							occ[y*in.W+xx] = fill
						}
					}
					drop := float32(base - targetOf(net, occ, c, tg))
					for y := y0; y < y0+win; y++ {
						for xx := x0; xx < x0+win; xx++ {
							want[y*in.W+xx] = drop
						}
					}
				}
			}
			closeTo(t, fmt.Sprintf("%s class %d", tg, c), got, want, 1e-5)
		}
	}
}

// TestGradCAMTarget recomputes Grad-CAM's weights from the chosen target's
// gradient: after the last spatial layer come gap and linear, so
// ∂t/∂A^k_ij = Σ_j (∂t/∂f_j) W_jk / hw.
func TestGradCAMTarget(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	rng := rand.New(rand.NewPCG(50, 51))
	net := mustNet(t, threeClass(reluSpec(in)), 52)
	randomizeBiases(net, rng)
	layer := net.LastSpatialLayer()
	fs := net.Layers()[layer].OutShape()
	hw := fs.H * fs.W
	w := param(t, net, "layers.6.weight").Value // 3×8
	x := randImage(rng, in)
	for _, tg := range allTargets {
		for c := 0; c < 3; c++ {
			got, err := Attribute(context.Background(), net, x, GradCAM, Options{Class: c, Target: tg})
			if err != nil {
				t.Fatal(err)
			}
			logits := slices.Clone(net.Forward(x, 1, false))
			// ∂t/∂f_j by central differences of targetRef on the logits.
			dt := make([]float64, 3)
			for j := range dt {
				lp, lm := slices.Clone(logits), slices.Clone(logits)
				lp[j] += 1e-2
				lm[j] -= 1e-2
				dt[j] = (targetRef(lp, c, tg) - targetRef(lm, c, tg)) / 2e-2
			}
			a := net.Output(layer)
			cam := make([]float64, hw)
			for p := range cam {
				var s float64
				for k := 0; k < fs.C; k++ {
					var alpha float64
					for j := 0; j < 3; j++ {
						alpha += dt[j] * float64(w[j*fs.C+k]) / float64(hw)
					}
					s += alpha * float64(a[k*hw+p])
				}
				cam[p] = math.Max(s, 0)
			}
			want := make([]float32, in.H*in.W)
			for i := 0; i < in.H; i++ {
				for j := 0; j < in.W; j++ {
					want[i*in.W+j] = float32(bilinearAt(cam, fs.H, fs.W, float64(i)*float64(fs.H)/float64(in.H), float64(j)*float64(fs.W)/float64(in.W), float64(fs.H)/float64(in.H)))
				}
			}
			closeTo(t, fmt.Sprintf("%s class %d", tg, c), got, want, 1e-3)
		}
	}
}

// TestTargetInfos checks the registry and that an unknown target is an
// argument error.
func TestTargetInfos(t *testing.T) {
	seen := map[Target]bool{}
	for _, i := range TargetInfos() {
		if seen[i.Target] || i.Label == "" || i.Help == "" || i.Symbol == "" {
			t.Errorf("bad or repeated entry %+v", i)
		}
		seen[i.Target] = true
	}
	for _, tg := range allTargets {
		if !seen[tg] {
			t.Errorf("TargetInfos lacks %q", tg)
		}
	}
	if got := Target("").Of("cat"); got != "logit(cat)" {
		t.Errorf(`Target("").Of("cat") = %q, want the logit's "logit(cat)"`, got)
	}
	if got := TargetLogProb.Of("cat"); got != "log p(cat)" {
		t.Errorf(`TargetLogProb.Of("cat") = %q`, got)
	}
	net := mustNet(t, linearSpec(nn.Shape{C: 1, H: 2, W: 2}), 1)
	_, err := Attribute(context.Background(), net, make([]float32, 4), Gradient, Options{Target: "margin"})
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Arg != "Target" {
		t.Errorf("unknown target: err = %v, want an *ArgError for Target", err)
	}
}
