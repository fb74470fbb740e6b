package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nntest"
)

// prefixDef is a 3×6×6 → 2 graph made of body (nodes over x and the
// initializers below, the last one named "body") and a head of
// GlobalAveragePool, Flatten and Gemm.
func prefixDef(t *testing.T, rng *rand.Rand, body ...Node) Def {
	init := func(name string, shape ...int) Initializer {
		return Initializer{Name: name, Shape: shape, Data: nntest.Rand(rng, shapeSize(shape))}
	}
	n := func(name, typ string, a Attrs, in ...string) Node {
		return Node{Name: name, Op: mustOp(t, typ, a), Inputs: in, Outputs: []string{name}}
	}
	return Def{
		Name: "prefix", Input: "x", InputShape: []int{3, 6, 6}, Output: "logits",
		Initializers: []Initializer{
			init("w1", 3, 3, 3, 3), init("b1", 3), init("w2", 3, 3, 3, 3),
			init("bn.scale", 3), init("bn.bias", 3), init("bn.mean", 3),
			{Name: "bn.var", Shape: []int{3}, Data: []float32{1, 0.5, 2}},
			init("shift", 3, 1, 1), init("fc.w", 2, 3), init("fc.b", 2),
		},
		Nodes: append(body,
			n("pool", "GlobalAveragePool", nil, "body"),
			n("flat", "Flatten", nil, "pool"),
			n("logits", "Gemm", Attrs{"transB": IntAttr(1)}, "flat", "fc.w", "fc.b")),
	}
}

// prefixCases are graphs whose affine prefix is known: its nodes, or none.
func prefixCases(t *testing.T, rng *rand.Rand) []struct {
	name  string
	def   Def
	nodes []string
} {
	n := func(name, typ string, a Attrs, in ...string) Node {
		return Node{Name: name, Op: mustOp(t, typ, a), Inputs: in, Outputs: []string{name}}
	}
	pad := Attrs{"pads": IntsAttr([]int{1, 1, 1, 1})}
	conv := func(name, in string) Node { return n(name, "Conv", pad, in, "w1", "b1") }
	bn := func(name, in string) Node {
		return n(name, "BatchNormalization", nil, in, "bn.scale", "bn.bias", "bn.mean", "bn.var")
	}
	type c = struct {
		name  string
		def   Def
		nodes []string
	}
	return []c{
		{"conv, BN and a constant added, then ReLU", prefixDef(t, rng,
			conv("a", "x"), bn("b", "a"), n("s", "Add", nil, "b", "shift"), n("r", "Relu", nil, "s"),
			n("body", "Mul", nil, "r", "shift")),
			[]string{"a", "b", "s"}},
		{"two convolutions of the input summed", prefixDef(t, rng,
			conv("a", "x"), n("c", "Conv", pad, "x", "w2"), n("s", "Add", nil, "a", "c"), n("p", "Pad", Attrs{"pads": IntsAttr([]int{0, 0, 1, 1, 0, 0, 1, 1})}, "s"),
			n("body", "Tanh", nil, "p")),
			[]string{"a", "c", "s", "p"}},
		{"a residual of the input", prefixDef(t, rng,
			conv("a", "x"), n("s", "Add", nil, "a", "x"), n("d", "Div", nil, "s", "shift"), n("body", "Relu", nil, "d")),
			[]string{"a", "s", "d"}},
		{"a ReLU first", prefixDef(t, rng,
			n("r", "Relu", nil, "x"), conv("body", "r")),
			nil},
		{"the input read after the ReLU", prefixDef(t, rng,
			conv("a", "x"), n("r", "Relu", nil, "a"), n("body", "Add", nil, "r", "x")),
			nil},
		{"a product of two activations", prefixDef(t, rng,
			conv("a", "x"), n("c", "Conv", pad, "x", "w2"), n("m", "Mul", nil, "a", "c"), n("body", "Relu", nil, "m")),
			nil},
		{"a tensor of the prefix read after it", prefixDef(t, rng,
			conv("a", "x"), bn("b", "a"), n("r", "Relu", nil, "b"), n("body", "Add", nil, "r", "a")),
			[]string{"a"}},
		{"the output affine", prefixDef(t, rng,
			conv("a", "x"), n("body", "Identity", nil, "a")),
			[]string{"a", "body", "pool", "flat"}},
	}
}

// TestAffinePrefix checks which nodes make the affine prefix of graphs
// with and without one, and that its passes (prefix, then the rest) give
// the whole graph's logits and input gradient.
func TestAffinePrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, tc := range prefixCases(t, rng) {
		g, err := Build(tc.def)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		nodes, out := g.Prefix()
		if !slices.Equal(nodes, tc.nodes) {
			t.Errorf("%s: prefix %v, want %v", tc.name, nodes, tc.nodes)
			continue
		}
		if len(nodes) == 0 {
			if out != "" || g.PrefixSize() != 0 {
				t.Errorf("%s: no prefix nodes, but output %q of size %d", tc.name, out, g.PrefixSize())
			}
			continue
		}
		if info, _ := g.Info(out); out != nodes[len(nodes)-1] || g.PrefixSize() != info.Size() {
			t.Errorf("%s: prefix output %q of size %d, want the last prefix node's", tc.name, out, g.PrefixSize())
		}
		const n = 2
		x := nntest.Rand(rng, n*g.Input().Size())
		dy := nntest.Rand(rng, n*g.Classes())
		wantY := slices.Clone(g.Forward(x, n, false))
		wantDx := slices.Clone(g.Backward(dy, false))

		tx := slices.Clone(g.ForwardPrefix(x, n))
		y := g.ForwardRest(tx, n)
		sameWithin(t, tc.name+": logits through the prefix", y, wantY)
		dt := g.BackwardRest(dy)
		dx := g.BackwardPrefix(dt) // dt is the graph's own buffer
		sameWithin(t, tc.name+": input gradient through the prefix", dx, wantDx)
	}
}

// sameWithin fails t if got and want differ by more than 1e-6 of want's
// largest magnitude.
func sameWithin(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	var scale, worst float32
	for i := range want {
		scale = max(scale, abs32(want[i]))
		worst = max(worst, abs32(got[i]-want[i]))
	}
	if scale == 0 || worst > 1e-6*scale {
		t.Errorf("%s: max |diff| %g against max |want| %g", what, worst, scale)
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// TestAffinePrefixPanics checks that the prefix passes refuse a graph
// without a prefix and a gradient of the wrong batch.
func TestAffinePrefixPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	cases := prefixCases(t, rng)
	with, _ := Build(cases[0].def)
	without, _ := Build(cases[3].def)
	x := make([]float32, 2*with.Input().Size())
	for _, c := range []struct {
		what string
		f    func()
	}{
		{"ForwardPrefix without a prefix", func() { without.ForwardPrefix(x, 2) }},
		{"BackwardPrefix of the wrong batch", func() {
			with.ForwardPrefix(x, 2)
			with.BackwardPrefix(make([]float32, with.PrefixSize()))
		}},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || fmt.Sprint(r)[:6] != "graph:" {
					t.Errorf("%s: panic %v, want a graph: panic", c.what, r)
				}
			}()
			c.f()
		}()
	}
}
