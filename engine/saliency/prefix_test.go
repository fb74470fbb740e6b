package saliency

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// plain hides a model's affine prefix (it offers only nn.Model), so the
// methods take the path that runs the whole network at every step.
type plain struct{ nn.Model }

// prefixGraphs returns small ResNet-like graphs on 3×10×10 images with 3
// classes: "stem", whose first convolution, BatchNormalization and added
// constant make an affine prefix before a ReLU, and two without one:
// "relu-first", and "reads-input", whose residual Add reads the input
// after the first ReLU.
func prefixGraphs(t *testing.T, rng *rand.Rand) map[string]*graph.Graph {
	op := func(typ string, a graph.Attrs) graph.Op {
		o, err := graph.New(typ, a)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	n := func(name, typ string, a graph.Attrs, in ...string) graph.Node {
		return graph.Node{Name: name, Op: op(typ, a), Inputs: in, Outputs: []string{name}}
	}
	init := func(name string, scale float32, shape ...int) graph.Initializer {
		size := 1
		for _, d := range shape {
			size *= d
		}
		v := nntest.Rand(rng, size)
		for i := range v {
			v[i] *= scale
		}
		return graph.Initializer{Name: name, Shape: shape, Data: v}
	}
	pad := graph.Attrs{"pads": graph.IntsAttr([]int{1, 1, 1, 1})}
	head := func(from string) []graph.Node {
		return []graph.Node{
			n("c2", "Conv", pad, from, "w2", "b2"), n("r2", "Relu", nil, "c2"),
			n("c3", "Conv", pad, "r2", "w3"), n("s", "Add", nil, "c3", from), n("r3", "Relu", nil, "s"),
			n("pool", "GlobalAveragePool", nil, "r3"), n("flat", "Flatten", nil, "pool"),
			n("logits", "Gemm", graph.Attrs{"transB": graph.IntAttr(1)}, "flat", "fc.w", "fc.b"),
		}
	}
	def := func(name string, body ...graph.Node) graph.Def {
		return graph.Def{
			Name: name, Input: "x", InputShape: []int{3, 10, 10}, Output: "logits",
			Initializers: []graph.Initializer{
				init("w1", 0.5, 3, 3, 3, 3), init("b1", 0.3, 3), init("w2", 0.5, 3, 3, 3, 3), init("b2", 0.3, 3),
				init("w3", 0.5, 3, 3, 3, 3),
				init("bn.scale", 1, 3), init("bn.bias", 0.3, 3), init("bn.mean", 0.3, 3),
				{Name: "bn.var", Shape: []int{3}, Data: []float32{1, 0.5, 2}},
				init("shift", 0.3, 3, 1, 1), init("fc.w", 1, 3, 3), init("fc.b", 0.3, 3),
			},
			Nodes: append(body, head("r1")...),
		}
	}
	defs := []graph.Def{
		def("stem",
			n("c1", "Conv", pad, "x", "w1", "b1"),
			n("bn", "BatchNormalization", nil, "c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"),
			n("shifted", "Add", nil, "bn", "shift"),
			n("r1", "Relu", nil, "shifted")),
		def("relu-first",
			n("r0", "Relu", nil, "x"),
			n("r1", "Conv", pad, "r0", "w1", "b1")),
		def("reads-input",
			n("c1", "Conv", pad, "x", "w1", "b1"),
			n("r0", "Relu", nil, "c1"),
			n("r1", "Add", nil, "r0", "x")),
	}
	out := map[string]*graph.Graph{}
	for _, d := range defs {
		g, err := graph.Build(d)
		if err != nil {
			t.Fatal(err)
		}
		out[d.Name] = g
	}
	return out
}

// relClose fails t unless got and want differ by at most tol of want's
// largest magnitude, which must not be 0.
func relClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	scale := maxAbs(want)
	d, at := maxAbsDiff(got, want)
	if len(got) != len(want) || scale == 0 || d > tol*scale || math.IsNaN(d) {
		t.Errorf("%s: max |diff| %.3g at %d against max |want| %.3g (%d and %d values)", what, d, at, scale, len(got), len(want))
	}
}

// TestPrefixMatchesPlain checks that Integrated Gradients (both baselines)
// and SmoothGrad give the same attribution, within 1e-5 of its largest
// magnitude, through a graph's affine prefix as along the plain path; with
// several batch sizes, targets, and splits into parts (each part run on
// its own copy, the parts summed). The graphs without a prefix take the
// plain path and give the same results too.
func TestPrefixMatchesPlain(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 22))
	graphs := prefixGraphs(t, rng)
	for name, want := range map[string]int{"stem": 300, "relu-first": 0, "reads-input": 0} {
		if got := graphs[name].PrefixSize(); got != want {
			t.Fatalf("%s: prefix of %d values, want %d", name, got, want)
		}
	}
	x := nntest.Rand(rng, 300)
	for name, g := range graphs {
		for _, c := range []struct {
			m   Method
			opt Options
		}{
			{IntegratedGradients, Options{Class: 1, Steps: 7, Batch: 3}},
			{IntegratedGradients, Options{Class: 2, Steps: 5, Batch: 1, Baseline: BaselineBlurred, Target: TargetLogProb}},
			{IntegratedGradients, Options{Class: 0, Steps: 32}},
			{SmoothGrad, Options{Class: 1, Samples: 6, Batch: 4, Seed: 3}},
			{SmoothGrad, Options{Class: 0, Samples: 3, Batch: 1, Seed: 4, Target: TargetProb}},
		} {
			what := fmt.Sprintf("%s %s %+v", name, c.m, c.opt)
			want, err := Attribute(ctx, plain{g}, x, c.m, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Attribute(ctx, g, x, c.m, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			relClose(t, what, got, want, 1e-5)
			for _, parts := range []int{2, 3} {
				sum := make([]float32, len(want))
				for p := 0; p < parts; p++ {
					opt := c.opt
					opt.Part, opt.Parts, opt.Batch = p, parts, 2
					a, err := Attribute(ctx, g.Clone(), x, c.m, opt)
					if err != nil {
						t.Fatal(err)
					}
					for i, v := range a {
						sum[i] += v
					}
				}
				relClose(t, fmt.Sprintf("%s in %d parts", what, parts), sum, want, 1e-5)
			}
		}
	}
}

// TestIntegratedGradientsCompletenessPrefix checks Σ attribution ≈ f_c(x)
// − f_c(x′) through the affine prefix, as TestIntegratedGradientsCompleteness
// does on the plain path (256 steps, 1% of max(|Δ|, 0.1)).
func TestIntegratedGradientsCompletenessPrefix(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(23, 24))
	g := prefixGraphs(t, rng)["stem"]
	in := g.Input()
	hw := in.H * in.W
	for trial := 0; trial < 3; trial++ {
		x := nntest.Rand(rng, in.Size())
		blurred := make([]float32, len(x))
		for ch := 0; ch < in.C; ch++ {
			Blur(blurred[ch*hw:(ch+1)*hw], x[ch*hw:(ch+1)*hw], in.H, in.W, BlurredBaselineSigma)
		}
		for _, bl := range []struct {
			name string
			x    []float32
		}{{BaselineZeros, make([]float32, len(x))}, {BaselineBlurred, blurred}} {
			for c := 0; c < g.Classes(); c++ {
				a, err := Attribute(ctx, g, x, IntegratedGradients, Options{Class: c, Steps: 256, Baseline: bl.name})
				if err != nil {
					t.Fatal(err)
				}
				fx := float64(g.Forward(x, 1, false)[c]) // before the next pass overwrites the logits
				delta := fx - float64(g.Forward(bl.x, 1, false)[c])
				if got := sum(a); math.Abs(got-delta) > 0.01*max(math.Abs(delta), 0.1) {
					t.Errorf("trial %d baseline %s class %d: Σ attribution = %.6g, f_c(x) − f_c(x′) = %.6g",
						trial, bl.name, c, got, delta)
				}
			}
		}
	}
}
