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
)

func TestMethodsAndLabels(t *testing.T) {
	ms := Methods()
	if len(ms) != 6 || ms[0] != Gradient {
		t.Fatalf("Methods() = %v", ms)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		l := m.Label()
		if l == "" || l == string(m) || seen[l] {
			t.Errorf("%q: label %q is empty, raw or repeated", m, l)
		}
		seen[l] = true
	}
	if Method("x").Label() != "x" {
		t.Errorf("unknown method label %q", Method("x").Label())
	}
}

// TestShapesAndSideEffects runs every method and checks the result's size,
// that Map reduces Attribute as documented, and that neither the image,
// the weights nor the parameter gradients change.
func TestShapesAndSideEffects(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	rng := rand.New(rand.NewPCG(50, 51))
	net := mustNet(t, reluSpec(in), 52)
	x := randImage(rng, in)
	xOrig, params := slices.Clone(x), slices.Clone(net.Params)
	hw := in.H * in.W
	for _, m := range Methods() {
		nonzero := false
		for c := 0; c < 2; c++ {
			opt := Options{Class: c, Samples: 5, Steps: 5, Batch: 4}
			a, err := Attribute(ctx, net, x, m, opt)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			mp, err := Map(ctx, net, x, m, opt)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			want := a
			if m == GradCAM || m == Occlusion {
				if len(a) != hw {
					t.Errorf("%s: Attribute gives %d values, want H×W = %d", m, len(a), hw)
				}
			} else {
				if len(a) != in.Size() {
					t.Errorf("%s: Attribute gives %d values, want C×H×W = %d", m, len(a), in.Size())
				}
				want = make([]float32, hw)
				for p := range want {
					for c := 0; c < in.C; c++ {
						want[p] = max(want[p], float32(math.Abs(float64(a[c*hw+p]))))
					}
				}
			}
			closeTo(t, string(m)+" map", mp, want, 1e-6)
			nonzero = nonzero || maxAbs(mp) > 0

			opt.Blur = 1
			blurred, err := Map(ctx, net, x, m, opt)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			wantBlur := make([]float32, hw)
			Blur(wantBlur, mp, in.H, in.W, 1)
			closeTo(t, string(m)+" blurred map", blurred, wantBlur, 1e-6)

			if !slices.Equal(x, xOrig) {
				t.Fatalf("%s modified the image", m)
			}
			if !slices.Equal(net.Params, params) {
				t.Fatalf("%s modified the weights", m)
			}
			if i := slices.IndexFunc(net.Grads, func(v float32) bool { return v != 0 }); i >= 0 {
				t.Fatalf("%s wrote parameter gradient %d", m, i)
			}
		}
		if !nonzero {
			t.Errorf("%s: both classes' maps are all zeros", m)
		}
	}
}

func TestErrors(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	net := mustNet(t, reluSpec(in), 53)
	good := randImage(rand.New(rand.NewPCG(54, 55)), in)
	nan := slices.Clone(good)
	nan[17] = float32(math.NaN())
	inf := slices.Clone(good)
	inf[3] = float32(math.Inf(-1))
	for _, tc := range []struct {
		name string
		net  *nn.Network
		x    []float32
		m    Method
		opt  Options
		arg  string
	}{
		{"class −1", net, good, Gradient, Options{Class: -1}, "class"},
		{"class 2", net, good, Gradient, Options{Class: 2}, "class"},
		{"short x", net, good[:143], Gradient, Options{}, "x"},
		{"long x", net, append(slices.Clone(good), 0), IntegratedGradients, Options{}, "x"},
		{"NaN", net, nan, Gradient, Options{}, "x"},
		{"−Inf", net, inf, Occlusion, Options{}, "x"},
		{"unknown method", net, good, Method("lrp"), Options{}, "method"},
		{"empty method", net, good, Method(""), Options{}, "method"},
		{"nil network", nil, good, Gradient, Options{}, "network"},
		{"steps", net, good, IntegratedGradients, Options{Steps: MaxExamples + 1}, "Steps"},
		{"negative steps", net, good, IntegratedGradients, Options{Steps: -3}, "Steps"},
		{"samples", net, good, SmoothGrad, Options{Samples: 5000}, "Samples"},
		{"noise", net, good, SmoothGrad, Options{Noise: math.NaN()}, "Noise"},
		{"big noise", net, good, SmoothGrad, Options{Noise: 1e6}, "Noise"},
		{"baseline", net, good, IntegratedGradients, Options{Baseline: "mean"}, "Baseline"},
		{"window", net, good, Occlusion, Options{Window: 13}, "Window"},
		{"negative window", net, good, Occlusion, Options{Window: -1}, "Window"},
		{"stride", net, good, Occlusion, Options{Window: 3, Stride: 4}, "Stride"},
		{"fill", net, good, Occlusion, Options{Fill: float32(math.Inf(1))}, "Fill"},
		{"batch", net, good, Gradient, Options{Batch: -1}, "Batch"},
		{"huge batch", net, good, Gradient, Options{Batch: MaxExamples + 1}, "Batch"},
		{"blur", net, good, Gradient, Options{Blur: -1}, "Blur"},
		{"layer", net, good, GradCAM, Options{Layer: "layers.99"}, "Layer"},
	} {
		for _, f := range []func(context.Context, nn.Model, []float32, Method, Options) ([]float32, error){Attribute, Map} {
			called := false
			tc.opt.Progress = func(int, int) { called = true }
			out, err := f(context.Background(), tc.net, tc.x, tc.m, tc.opt)
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tc.arg {
				t.Errorf("%s: error %v, want an *ArgError for %s", tc.name, err, tc.arg)
				continue
			}
			if out != nil {
				t.Errorf("%s: %d values came back with the error", tc.name, len(out))
			}
			if called {
				t.Errorf("%s: Progress called before validation failed", tc.name)
			}
			if msg := err.Error(); len(msg) < 10 || msg[:10] != "saliency: " {
				t.Errorf("%s: message %q lacks the package prefix", tc.name, msg)
			}
		}
	}
}

// TestCancellation cancels from Progress after the first batch: the call
// must stop before the next batch, report context.Canceled, and return no
// map.
func TestCancellation(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	net := mustNet(t, reluSpec(in), 56)
	x := randImage(rand.New(rand.NewPCG(57, 58)), in)
	for _, m := range []Method{IntegratedGradients, SmoothGrad, Occlusion} {
		ctx, cancel := context.WithCancel(context.Background())
		var calls [][2]int
		opt := Options{Steps: 64, Samples: 64, Window: 2, Stride: 1, Batch: 8, Progress: func(done, total int) {
			calls = append(calls, [2]int{done, total})
			cancel()
		}}
		out, err := Attribute(ctx, net, x, m, opt)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want context.Canceled", m, err)
		}
		if out != nil {
			t.Errorf("%s: cancelled call returned %d values", m, len(out))
		}
		total := 64
		if m == Occlusion {
			total = 11*11 + 1
		}
		if want := [][2]int{{8, total}}; !slices.Equal(calls, want) {
			t.Errorf("%s: Progress calls %v, want %v", m, calls, want)
		}
	}

	// A context cancelled beforehand stops the call before any work.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	_, err := Map(ctx, net, x, Gradient, Options{Progress: func(int, int) { called = true }})
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("pre-cancelled: error %v, Progress called %v; want context.Canceled and no call", err, called)
	}
}

func TestProgressTotals(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	net := mustNet(t, reluSpec(in), 59)
	x := randImage(rand.New(rand.NewPCG(60, 61)), in)
	for _, tc := range []struct {
		m    Method
		opt  Options
		want [][2]int
	}{
		{Gradient, Options{}, [][2]int{{1, 1}}},
		{GradientXInput, Options{Batch: 5}, [][2]int{{1, 1}}},
		{GradCAM, Options{}, [][2]int{{1, 1}}},
		{SmoothGrad, Options{Samples: 10, Batch: 4}, [][2]int{{4, 10}, {8, 10}, {10, 10}}},
		{SmoothGrad, Options{Batch: 20}, [][2]int{{20, 25}, {25, 25}}},
		{IntegratedGradients, Options{Steps: 20, Batch: 8}, [][2]int{{8, 20}, {16, 20}, {20, 20}}},
		{IntegratedGradients, Options{}, [][2]int{{32, 32}}},
		// Default window round(12/7) → 2, stride 1: 11×11 windows + the image.
		{Occlusion, Options{Batch: 100}, [][2]int{{100, 122}, {122, 122}}},
		{Occlusion, Options{Window: 4}, [][2]int{{26, 26}}}, // stride 2: 5×5 + 1
	} {
		var calls [][2]int
		tc.opt.Progress = func(done, total int) { calls = append(calls, [2]int{done, total}) }
		if _, err := Map(context.Background(), net, x, tc.m, tc.opt); err != nil {
			t.Fatalf("%s: %v", tc.m, err)
		}
		if !slices.Equal(calls, tc.want) {
			t.Errorf("%s %s: Progress calls %v, want %v", tc.m, fmt.Sprint(tc.opt.Batch), calls, tc.want)
		}
	}
}

// TestBatchSizeInvariance checks that splitting the examples into batches
// does not change the result.
func TestBatchSizeInvariance(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	net := mustNet(t, reluSpec(in), 62)
	x := randImage(rand.New(rand.NewPCG(63, 64)), in)
	for _, m := range []Method{SmoothGrad, IntegratedGradients, Occlusion} {
		one, err := Attribute(ctx, net, x, m, Options{Class: 1, Samples: 9, Steps: 9, Window: 3, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		all, err := Attribute(ctx, net, x, m, Options{Class: 1, Samples: 9, Steps: 9, Window: 3, Batch: 64})
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, string(m), all, one, 1e-5)
	}
}

// TestMethodInfos checks the list the menus and the worker pool read: each
// method once, with help, and Split true exactly for the methods whose
// parts add up to the whole attribution (Attribute accepts Parts = 2) with
// Examples counting what they sum.
func TestMethodInfos(t *testing.T) {
	in := nn.Shape{C: 1, H: 6, W: 6}
	net := mustNet(t, reluSpec(in), 3)
	x := randImage(rand.New(rand.NewPCG(1, 2)), in)
	for _, info := range MethodInfos() {
		if info.Help == "" {
			t.Errorf("%s: no help", info.Method)
		}
		_, err := Attribute(context.Background(), net, x, info.Method, Options{Part: 1, Parts: 2, Samples: 4, Steps: 4})
		if splits := err == nil; splits != info.Split {
			t.Errorf("%s: Split is %v, yet Attribute in two parts gives %v", info.Method, info.Split, err)
		}
		switch {
		case info.Method == Occlusion:
			// Default window 2 on 6×6, stride 1: 5×5 windows + the image;
			// window 4 stride 2: 2×2 + 1.
			if n := info.Examples(in, Options{}); n != 26 {
				t.Errorf("occlusion: Examples gives %d by default, want 26", n)
			}
			if n := info.Examples(in, Options{Window: 4}); n != 5 {
				t.Errorf("occlusion: Examples gives %d for window 4, want 5", n)
			}
			if n := info.Examples(in, Options{Window: 7}); n != 0 {
				t.Errorf("occlusion: Examples gives %d for a window larger than the image", n)
			}
		case info.Split:
			if info.Examples(in, Options{}) != info.Default || info.Default < 1 || info.Examples(in, Options{Samples: 7, Steps: 7}) != 7 {
				t.Errorf("%s: Examples gives %d by default (Default %d), %d for 7", info.Method, info.Examples(in, Options{}), info.Default, info.Examples(in, Options{Samples: 7, Steps: 7}))
			}
		case info.Examples(in, Options{Samples: 7, Steps: 7}) != 0:
			t.Errorf("%s: Examples of a method that is not split", info.Method)
		}
	}
	if _, ok := Method("x").Info(); ok {
		t.Error("an unknown method has an Info")
	}
}
