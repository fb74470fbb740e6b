package graph

import (
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nntest"
)

// TestWarmPassesAllocateNothing checks that once its buffers are sized, the
// executor runs all four passes without allocating.
func TestWarmPassesAllocateNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked natively")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range []Def{dagDef(t, rng), poolDef(t, rng), fuseDef(t, rng)} {
		checkWarm(t, d, rng)
	}
}

// poolDef covers the ops dagDef lacks: pools, Pad, Dropout, Clip, Flatten,
// MatMul, Softmax.
func poolDef(t *testing.T, rng *rand.Rand) Def {
	n := func(name, typ string, a Attrs, in ...string) Node {
		return Node{Name: name, Op: mustOp(t, typ, a), Inputs: in, Outputs: []string{name}}
	}
	k2 := IntsAttr([]int{2, 2})
	return Def{
		Input: "x", InputShape: []int{2, 6, 6}, Output: "p",
		Initializers: []Initializer{{Name: "w", Shape: []int{8, 4}, Data: nntest.Rand(rng, 32)}},
		Nodes: []Node{
			n("pad", "Pad", Attrs{"pads": IntsAttr([]int{0, 0, 1, 1, 0, 0, 1, 1})}, "x"),
			n("max", "MaxPool", Attrs{"kernel_shape": k2, "strides": k2}, "pad"),
			n("avg", "AveragePool", Attrs{"kernel_shape": k2, "strides": k2}, "max"),
			n("clip", "Clip", Attrs{"min": FloatAttr(0), "max": FloatAttr(6)}, "avg"),
			n("drop", "Dropout", Attrs{"ratio": FloatAttr(0.2)}, "clip"),
			n("flat", "Flatten", nil, "drop"),
			n("mm", "MatMul", nil, "flat", "w"),
			n("p", "Softmax", nil, "mm"),
		},
	}
}

func checkWarm(t *testing.T, d Def, rng *rand.Rand) {
	g, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	x := nntest.Rand(rng, 2*shapeSize(d.InputShape))
	xt := nntest.Rand(rng, len(x))
	dy := nntest.Rand(rng, 2*g.Classes())
	step := func() {
		g.Forward(x, 2, true)
		g.Backward(dy, true)
		g.Tangent(xt)
		g.BackwardDual(dy, dy)
	}
	step()
	if n := testing.AllocsPerRun(5, step); n != 0 {
		t.Errorf("%s: %v allocations per warm step, want 0", d.Output, n)
	}
}

// TestValuesPerExample checks the memory estimate against the buffers a
// forward and a backward pass actually hold.
func TestValuesPerExample(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g, err := Build(poolDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	// x 72, pad 128, max 32, avg 8, clip 8, drop 8, flat 8, mm 4, p 4.
	if got := g.ValuesPerExample(); got != 272 {
		t.Fatalf("ValuesPerExample = %d, want 272", got)
	}
	const n = 3
	x := nntest.Rand(rng, n*72)
	g.Forward(x, n, false)
	var held int
	for _, name := range g.Tensors() {
		held += len(g.Value(name))
	}
	if held != n*g.ValuesPerExample() {
		t.Fatalf("forward holds %d values, want %d", held, n*g.ValuesPerExample())
	}
}
