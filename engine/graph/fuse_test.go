package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// ints returns n integers in [-r, r] as float32: with them every
// convolution's sum is exact, so many pre-activations land exactly on
// ReLU6's bounds 0 and 6.
func ints(rng *rand.Rand, n, r int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.IntN(2*r+1) - r)
	}
	return s
}

// fuseDef has every path of Conv followed by an activation: a 3×3 stride-2
// convolution (im2col; it ends the affine prefix), a 1×1 one (the image is
// its column matrix), 3×3 depthwise ones at strides 1 and 2, a 3×3 stride-1
// one (kernels.ConvStride1, or Winograd when forced) and a 1×1 one whose
// output is read by a Clip and a Relu, neither of which may fuse; all
// integers, 4×16×16 → 3.
func fuseDef(t *testing.T, rng *rand.Rand) Def {
	init := func(name string, r int, shape ...int) Initializer {
		return Initializer{Name: name, Shape: shape, Data: ints(rng, shapeSize(shape), r)}
	}
	n := func(name, typ string, a Attrs, in ...string) Node {
		return Node{Name: name, Op: mustOp(t, typ, a), Inputs: in, Outputs: []string{name}}
	}
	pad1 := IntsAttr([]int{1, 1, 1, 1})
	s2 := IntsAttr([]int{2, 2})
	relu6 := Attrs{"min": FloatAttr(0), "max": FloatAttr(6)}
	return Def{
		Name: "fuse", Input: "x", InputShape: []int{4, 16, 16}, Output: "logits",
		Initializers: []Initializer{
			init("c0.w", 1, 8, 4, 3, 3), init("c0.b", 3, 8),
			init("c1.w", 1, 16, 8, 1, 1), init("c1.b", 3, 16),
			init("c2.w", 1, 16, 1, 3, 3), init("c2.b", 3, 16),
			init("c3.w", 1, 16, 1, 3, 3),
			init("c4.w", 1, 8, 16, 3, 3), init("c4.b", 2, 8),
			init("c5.w", 1, 8, 8, 1, 1),
			init("fc.w", 2, 3, 8), init("fc.b", 2, 3),
		},
		Nodes: []Node{
			n("c0", "Conv", Attrs{"pads": pad1, "strides": s2}, "x", "c0.w", "c0.b"),
			n("r0", "Clip", relu6, "c0"),
			n("c1", "Conv", nil, "r0", "c1.w", "c1.b"),
			n("r1", "Clip", relu6, "c1"),
			n("c2", "Conv", Attrs{"pads": pad1, "group": IntAttr(16)}, "r1", "c2.w", "c2.b"),
			n("r2", "Clip", relu6, "c2"),
			n("c3", "Conv", Attrs{"pads": pad1, "group": IntAttr(16), "strides": s2}, "r2", "c3.w"),
			n("r3", "Relu", nil, "c3"),
			n("c4", "Conv", Attrs{"pads": pad1}, "r3", "c4.w", "c4.b"),
			n("r4", "Relu", nil, "c4"),
			n("c5", "Conv", nil, "r4", "c5.w"),
			n("r5", "Clip", relu6, "c5"),
			n("r5b", "Relu", nil, "c5"),
			n("s", "Add", nil, "r5", "r5b"),
			n("pool", "GlobalAveragePool", nil, "s"),
			n("flat", "Flatten", nil, "pool"),
			n("logits", "Gemm", Attrs{"transB": IntAttr(1)}, "flat", "fc.w", "fc.b"),
		},
	}
}

// buildFused builds d with activation fusion on or off.
func buildFused(t *testing.T, d Def, on bool) *Graph {
	t.Helper()
	saved := fuseActivations
	fuseActivations = on
	defer func() { fuseActivations = saved }()
	g, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// sameBits fails unless got and want are equal value for value (NaN-free).
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	sameValues(t, what, got, want)
}

// TestFusedActivations checks the fused graph against the same graph with
// fusion off, bit for bit, on all four passes and on every tensor's value,
// gradient and tangent (the pre-activations the fused forward leaves to
// Value included), with and without Winograd; that the pairs fuse that
// should, and the one whose convolution has a second reader does not; that
// the test reaches ReLU6's bounds, where the gates must agree; and that the
// prefix passes still give Forward's logits.
func TestFusedActivations(t *testing.T) {
	for _, wino := range []bool{false, true} {
		t.Run(fmt.Sprintf("winograd=%v", wino), func(t *testing.T) {
			forceWinograd(t, wino)
			testFusedActivations(t)
		})
	}
}

func testFusedActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	d := fuseDef(t, rng)
	fused, plain := buildFused(t, d, true), buildFused(t, d, false)
	want := map[string]string{"c0": "r0", "c1": "r1", "c2": "r2", "c3": "r3", "c4": "r4"}
	if got := fused.Fused(); !mapsEqual(got, want) {
		t.Fatalf("Fused() = %v, want %v", got, want)
	}
	if got := plain.Fused(); len(got) != 0 {
		t.Fatalf("with fusion off, Fused() = %v", got)
	}
	const n = 2
	x := ints(rng, n*4*16*16, 2)
	xt, dy, dyt := ints(rng, len(x), 2), ints(rng, n*3, 2), ints(rng, n*3, 2)

	// Forward, then Backward with parameter gradients.
	for _, g := range []*Graph{fused, plain} {
		g.ZeroGrad()
		g.Forward(x, n, false)
		g.Backward(dy, true)
	}
	sameBits(t, "logits", fused.Value("logits"), plain.Value("logits"))
	sameBits(t, "parameter gradients", fused.Grads, plain.Grads)
	var zeros, sixes int
	for _, name := range plain.Tensors() {
		sameBits(t, "value of "+name, fused.Value(name), plain.Value(name))
		sameBits(t, "gradient of "+name, fused.Grad(name), plain.Grad(name))
		if name == "c0" || name == "c1" || name == "c2" {
			for _, v := range plain.Value(name) {
				switch v {
				case 0:
					zeros++
				case 6:
					sixes++
				}
			}
		}
	}
	if zeros == 0 || sixes == 0 {
		t.Fatalf("ReLU6 inputs on the bounds: %d zeros, %d sixes; the test does not reach them", zeros, sixes)
	}

	// Tangent and BackwardDual, after a forward pass on a new input whose
	// values nobody reads back (so the fused graph's pre-activations stay
	// unset).
	x3 := ints(rng, len(x), 2)
	for _, g := range []*Graph{fused, plain} {
		g.ZeroGrad()
		g.Forward(x3, n, true)
		g.Tangent(xt)
		g.BackwardDual(dy, dyt)
	}
	sameBits(t, "dual parameter gradients", fused.Grads, plain.Grads)
	for _, name := range plain.Tensors() {
		sameBits(t, "tangent of "+name, fused.TangentOf(name), plain.TangentOf(name))
		sameBits(t, "dual gradient of "+name, fused.Grad(name), plain.Grad(name))
	}

	// The prefix (c0 alone: its Clip is not affine) runs apart from the
	// rest, its pair unfused, and gives Forward's logits and values: on a
	// new input, so that no buffer holds the answer from before.
	if nodes, out := fused.Prefix(); !slices.Equal(nodes, []string{"c0"}) || out != "c0" {
		t.Fatalf("Prefix() = %v, %q; want [c0], c0", nodes, out)
	}
	x2 := ints(rng, len(x), 2)
	plain.Forward(x2, n, false)
	plain.Backward(dy, false)
	tv := slices.Clone(fused.ForwardPrefix(x2, n))
	sameBits(t, "prefix output", tv, plain.Value("c0"))
	sameBits(t, "logits after the prefix", fused.ForwardRest(tv, n), plain.Value("logits"))
	for _, name := range []string{"c0", "r0", "c1", "r1"} {
		sameBits(t, name+" after the prefix", fused.Value(name), plain.Value(name))
	}
	dt := slices.Clone(fused.BackwardRest(dy))
	sameBits(t, "gradient at the prefix", dt, plain.Grad("c0"))
	sameBits(t, "input gradient through the prefix", fused.BackwardPrefix(dt), plain.Grad("x"))
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestNoFusionIntoOutput checks that a convolution whose output is the
// graph's output keeps it, even when an activation reads it too.
func TestNoFusionIntoOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	d := Def{
		Name: "out", Input: "x", InputShape: []int{2, 4, 4}, Output: "c",
		Initializers: []Initializer{{Name: "w", Shape: []int{3, 2, 1, 1}, Data: ints(rng, 6, 1)}},
		Nodes: []Node{
			{Name: "c", Op: mustOp(t, "Conv", nil), Inputs: []string{"x", "w"}, Outputs: []string{"c"}},
			{Name: "r", Op: mustOp(t, "Relu", nil), Inputs: []string{"c"}, Outputs: []string{"r"}},
		},
	}
	g := buildFused(t, d, true)
	if f := g.Fused(); len(f) != 0 {
		t.Fatalf("Fused() = %v, want none", f)
	}
	x := ints(rng, 32, 2)
	y := g.Forward(x, 1, false)
	plain := buildFused(t, d, false)
	sameBits(t, "output", y, plain.Forward(x, 1, false))
}
