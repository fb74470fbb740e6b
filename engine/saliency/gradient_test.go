package saliency

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// TestGradientMatchesFiniteDifferences checks Attribute(Gradient) against
// central differences of f_c on a network without kinks, and Map against
// max over channels of their absolute value.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	rng := rand.New(rand.NewPCG(1, 2))
	net := mustNet(t, smoothSpec(in), 3)
	randomizeBiases(net, rng)
	for trial := 0; trial < 2; trial++ {
		x := randImage(rng, in)
		for c := 0; c < net.Classes(); c++ {
			name := fmt.Sprintf("trial %d class %d", trial, c)
			got, err := Attribute(ctx, net, x, Gradient, Options{Class: c})
			if err != nil {
				t.Fatalf("%s: Attribute: %v", name, err)
			}
			want := nntest.NumGrad(func() float64 { return logit(net, x, c) }, x, 1e-2)
			nntest.Check(t, name+" gradient", got, want, 1e-2)

			m, err := Map(ctx, net, x, Gradient, Options{Class: c})
			if err != nil {
				t.Fatalf("%s: Map: %v", name, err)
			}
			hw := in.H * in.W
			wantMap := make([]float64, hw)
			for ch := 0; ch < in.C; ch++ {
				for p := 0; p < hw; p++ {
					wantMap[p] = math.Max(wantMap[p], math.Abs(want[ch*hw+p]))
				}
			}
			nntest.Check(t, name+" map", m, wantMap, 1e-2)
		}
	}
}

// TestGradientMatchesTangent checks the input gradient of a ReLU/max-pool
// network, where finite differences would cross kinks, against the
// network's forward-mode derivative: ⟨∂f_c/∂x, v⟩ = (J v)_c.
func TestGradientMatchesTangent(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 1, H: 12, W: 12}
	rng := rand.New(rand.NewPCG(4, 5))
	net := mustNet(t, reluSpec(in), 6)
	for trial := 0; trial < 3; trial++ {
		x := randImage(rng, in)
		for c := 0; c < net.Classes(); c++ {
			g, err := Attribute(ctx, net, x, Gradient, Options{Class: c})
			if err != nil {
				t.Fatal(err)
			}
			if maxAbs(g) == 0 {
				t.Fatalf("trial %d class %d: gradient is all zeros", trial, c)
			}
			for dir := 0; dir < 3; dir++ {
				v := randImage(rng, in)
				net.Forward(x, 1, false)
				want := float64(net.Tangent(v)[c])
				got := nntest.Dot(g, v)
				if math.Abs(got-want) > 1e-4*max(1, math.Abs(want)) {
					t.Errorf("trial %d class %d direction %d: ⟨gradient, v⟩ = %.7g, tangent %.7g", trial, c, dir, got, want)
				}
			}
		}
	}
}

// TestGradientXInputCompleteness checks Σ x ⊙ ∂f_c/∂x = f_c(x) for linear
// networks without bias (Euler's theorem for a degree-1 homogeneous f).
func TestGradientXInputCompleteness(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, spec := range []nn.Spec{linearSpec(nn.Shape{C: 2, H: 6, W: 5}), smoothSpec(nn.Shape{C: 3, H: 10, W: 10})} {
		net := mustNet(t, spec, 9) // biases start at zero
		for trial := 0; trial < 3; trial++ {
			x := randImage(rng, spec.Input)
			for c := 0; c < net.Classes(); c++ {
				a, err := Attribute(ctx, net, x, GradientXInput, Options{Class: c})
				if err != nil {
					t.Fatal(err)
				}
				g, err := Attribute(ctx, net, x, Gradient, Options{Class: c})
				if err != nil {
					t.Fatal(err)
				}
				for i := range a {
					if a[i] != x[i]*g[i] {
						t.Fatalf("%s class %d: attribution[%d] = %g, want x·g = %g", spec.Name, c, i, a[i], x[i]*g[i])
					}
				}
				got, want := sum(a), logit(net, x, c)
				if math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
					t.Errorf("%s trial %d class %d: Σ x⊙∇f = %.7g, f_c(x) = %.7g", spec.Name, trial, c, got, want)
				}
			}
		}
	}
}

// TestIntegratedGradientsCompleteness checks Σ attribution ≈ f_c(x) −
// f_c(x′) within 1% at 256 steps on a ReLU/max-pool network, for both
// baselines, several images and both classes. The 1% is of |Δ| = |f_c(x) −
// f_c(x′)| floored at 0.1 (a quarter of these networks' typical logit): the
// integrand jumps at every ReLU and max-pool switch along the path, so the
// midpoint rule is only first order there, and for a small Δ the relative
// error is ill-conditioned. Over 400 random cases the median relative error
// is about 0.03%, and every absolute error stays below 6e-4.
func TestIntegratedGradientsCompleteness(t *testing.T) {
	ctx := context.Background()
	for _, in := range []nn.Shape{{C: 1, H: 12, W: 12}, {C: 3, H: 10, W: 10}} {
		rng := rand.New(rand.NewPCG(10, uint64(in.C)))
		net := mustNet(t, reluSpec(in), 11)
		randomizeBiases(net, rng)
		hw := in.H * in.W
		large := 0
		for trial := 0; trial < 4; trial++ {
			x := randImage(rng, in)
			blurred := make([]float32, len(x))
			for ch := 0; ch < in.C; ch++ {
				Blur(blurred[ch*hw:(ch+1)*hw], x[ch*hw:(ch+1)*hw], in.H, in.W, BlurredBaselineSigma)
			}
			for _, bl := range []struct {
				name string
				x    []float32
			}{{BaselineZeros, make([]float32, len(x))}, {BaselineBlurred, blurred}} {
				for c := 0; c < net.Classes(); c++ {
					name := fmt.Sprintf("%v trial %d baseline %s class %d", in, trial, bl.name, c)
					a, err := Attribute(ctx, net, x, IntegratedGradients, Options{Class: c, Steps: 256, Baseline: bl.name})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					delta := logit(net, x, c) - logit(net, bl.x, c)
					if math.Abs(delta) >= 0.1 {
						large++
					}
					if got := sum(a); math.Abs(got-delta) > 0.01*max(math.Abs(delta), 0.1) {
						t.Errorf("%s: Σ attribution = %.6g, f_c(x) − f_c(x′) = %.6g (relative error %.2g)",
							name, got, delta, math.Abs(got-delta)/math.Abs(delta))
					}
				}
			}
		}
		if large < 8 {
			t.Errorf("%v: only %d of 16 cases have |Δ| ≥ 0.1, where the check is purely relative", in, large)
		}
	}
}

// TestIntegratedGradientsBruteForce recomputes IG from input gradients
// taken one at a time at the midpoints x′ + (k+½)/m·(x − x′).
func TestIntegratedGradientsBruteForce(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	rng := rand.New(rand.NewPCG(65, 66))
	net := mustNet(t, reluSpec(in), 67)
	randomizeBiases(net, rng)
	x := randImage(rng, in)
	hw := in.H * in.W
	blurred := make([]float32, len(x))
	for ch := 0; ch < in.C; ch++ {
		Blur(blurred[ch*hw:(ch+1)*hw], x[ch*hw:(ch+1)*hw], in.H, in.W, BlurredBaselineSigma)
	}
	const m = 5
	for _, bl := range []struct {
		name string
		x    []float32
	}{{BaselineZeros, make([]float32, len(x))}, {BaselineBlurred, blurred}} {
		for c := 0; c < 2; c++ {
			got, err := Attribute(ctx, net, x, IntegratedGradients, Options{Class: c, Steps: m, Baseline: bl.name, Batch: 2})
			if err != nil {
				t.Fatal(err)
			}
			mean := make([]float64, len(x))
			p := make([]float32, len(x))
			for k := 0; k < m; k++ {
				alpha := (float64(k) + 0.5) / m
				for i := range p {
					p[i] = bl.x[i] + float32(alpha)*(x[i]-bl.x[i])
				}
				g, err := Attribute(ctx, net, p, Gradient, Options{Class: c})
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range g {
					mean[i] += float64(v) / m
				}
			}
			want := make([]float32, len(x))
			for i := range want {
				want[i] = float32(float64(x[i]-bl.x[i]) * mean[i])
			}
			closeTo(t, fmt.Sprintf("baseline %s class %d", bl.name, c), got, want, 1e-5)
		}
	}
}

// TestIntegratedGradientsLinear checks that on a linear network IG with
// the zero baseline is gradient × input for any number of steps (the
// integrand is constant along the path).
func TestIntegratedGradientsLinear(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 2, H: 6, W: 5}
	net := mustNet(t, linearSpec(in), 12)
	x := randImage(rand.New(rand.NewPCG(13, 14)), in)
	want, err := Attribute(ctx, net, x, GradientXInput, Options{Class: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, steps := range []int{1, 3, 32} {
		got, err := Attribute(ctx, net, x, IntegratedGradients, Options{Class: 1, Steps: steps, Batch: 2})
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("%d steps", steps), got, want, 1e-6)
	}
}

// TestSmoothGradNoNoiseEqualsGradient checks that SmoothGrad with σ = 0 is
// the plain gradient, whatever the batching.
func TestSmoothGradNoNoiseEqualsGradient(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	rng := rand.New(rand.NewPCG(15, 16))
	net := mustNet(t, reluSpec(in), 17)
	x := randImage(rng, in)
	for c := 0; c < 2; c++ {
		want, err := Attribute(ctx, net, x, Gradient, Options{Class: c})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Attribute(ctx, net, x, SmoothGrad, Options{Class: c, Noise: NoNoise, Samples: 7, Batch: 3})
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("class %d", c), got, want, 1e-6)
	}
}

// TestSmoothGradSeeded checks that the noise depends on the seed but not on
// the batch size, and that it changes the result.
func TestSmoothGradSeeded(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 1, H: 12, W: 12}
	net := mustNet(t, reluSpec(in), 18)
	x := randImage(rand.New(rand.NewPCG(19, 20)), in)
	run := func(seed uint64, batch int) []float32 {
		a, err := Attribute(ctx, net, x, SmoothGrad, Options{Class: 0, Samples: 10, Seed: seed, Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a1, a10 := run(1, 1), run(1, 10)
	closeTo(t, "batch 1 vs 10", a1, a10, 1e-5)
	b := run(2, 10)
	if d, _ := maxAbsDiff(a10, b); d < 1e-4 {
		t.Errorf("seeds 1 and 2 give the same map (max |diff| %g)", d)
	}
	g, err := Attribute(ctx, net, x, Gradient, Options{Class: 0})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := maxAbsDiff(a10, g); d < 1e-4 {
		t.Errorf("default noise leaves the gradient unchanged (max |diff| %g)", d)
	}
}

// TestSmoothGradNoiseLevel checks the noise σ = Noise·(max(x) − min(x)) on
// f = w·relu(x), whose gradient w_i·[x_i + ε_i > 0] averages to
// w_i·Φ(x_i/σ) over the noise.
func TestSmoothGradNoiseLevel(t *testing.T) {
	in := nn.Shape{C: 1, H: 8, W: 8}
	spec := nn.Spec{
		Name: "relu-linear", Input: in, Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{{Type: "relu"}, {Type: "flatten"}, {Type: "linear", Out: 2}},
	}
	net := mustNet(t, spec, 68)
	w := param(t, net, "layers.2.weight").Value
	x := make([]float32, in.Size())
	for i := range x {
		x[i] = 4*float32(i)/float32(len(x)-1) - 2 // −2..2: range 4
	}
	const samples, noise = 4096, 0.1 // σ = 0.4
	got, err := Attribute(context.Background(), net, x, SmoothGrad, Options{Class: 1, Samples: samples, Noise: noise, Batch: 512})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		p := 0.5 * math.Erfc(-float64(x[i])/(0.4*math.Sqrt2)) // Φ(x/σ)
		// The estimate of p has standard deviation ≤ 0.5/√samples ≈ 0.008.
		if est := float64(v / w[in.Size()+i]); math.Abs(est-p) > 0.04 {
			t.Errorf("pixel %d (x = %.3f): mean gradient / w = %.3f, want Φ(x/σ) = %.3f", i, x[i], est, p)
		}
	}
}
