package graph

import (
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nntest"
)

// packDef chains a grouped, padded 3×3 convolution (im2col path) and a 1×1
// convolution (identity path): both pack their filters.
func packDef(t *testing.T, rng *rand.Rand) Def {
	init := func(name string, shape ...int) Initializer {
		return Initializer{Name: name, Shape: shape, Data: nntest.Rand(rng, shapeSize(shape))}
	}
	return Def{
		Name: "pack", Input: "x", InputShape: []int{4, 5, 6}, Output: "b",
		Initializers: []Initializer{init("c1.w", 6, 2, 3, 3), init("c1.b", 6), init("c2.w", 3, 6, 1, 1)},
		Nodes: []Node{
			{Name: "a", Op: mustOp(t, "Conv", Attrs{"group": IntAttr(2), "pads": IntsAttr([]int{1, 1, 1, 1})}),
				Inputs: []string{"x", "c1.w", "c1.b"}, Outputs: []string{"a"}},
			{Name: "b", Op: mustOp(t, "Conv", nil), Inputs: []string{"a", "c2.w"}, Outputs: []string{"b"}},
		},
	}
}

// passes returns a copy of g's output and input gradient for x and dy.
func passes(g *Graph, x, dy []float32, n int) (y, dx []float32) {
	y = slices.Clone(g.Forward(x, n, false))
	dx = slices.Clone(g.Backward(dy, false))
	return y, dx
}

func sameValues(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s[%d] = %v, want %v (first difference)", what, i, got[i], want[i])
		}
	}
}

// TestHoldWeights checks the packed filters of the convolutions against a
// graph built afresh from the same weights: changed filters are used at
// the next pass without a hold and after a hold's release, and during a
// hold the filters packed at its first pass are reused (so the release
// test is not vacuous).
func TestHoldWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	g, err := Build(packDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	x := nntest.Rand(rng, n*4*5*6)
	dy := nntest.Rand(rng, n*3*5*6)
	reference := func() (y, dx []float32) {
		fresh, err := Build(g.Def())
		if err != nil {
			t.Fatal(err)
		}
		return passes(fresh, x, dy, n)
	}
	change := func() {
		for _, p := range g.NamedParams() {
			if p.Name == "c1.w" || p.Name == "c2.w" {
				for i := range p.Value {
					p.Value[i] = p.Value[i]*1.5 - 0.25
				}
			}
		}
	}

	passes(g, x, dy, n)
	change()
	y, dx := passes(g, x, dy, n)
	wantY, wantDX := reference()
	sameValues(t, "no hold: y", y, wantY)
	sameValues(t, "no hold: dx", dx, wantDX)

	release := g.HoldWeights()
	heldY, heldDX := passes(g, x, dy, n)
	sameValues(t, "hold: y", heldY, wantY)
	sameValues(t, "hold: dx", heldDX, wantDX)
	change()
	y, dx = passes(g, x, dy, n)
	sameValues(t, "hold, weights changed: y", y, heldY)
	sameValues(t, "hold, weights changed: dx", dx, heldDX)
	release()

	y, dx = passes(g, x, dy, n)
	wantY, wantDX = reference()
	sameValues(t, "released: y", y, wantY)
	sameValues(t, "released: dx", dx, wantDX)
	if slices.Equal(y, heldY) {
		t.Fatal("the changed weights left the output as it was; the test needs them to change it")
	}
}

// TestConvsShareScratch checks that Build gives every convolution of a
// graph the same scratch, so the graph keeps one im2col matrix, not one
// per convolution.
func TestConvsShareScratch(t *testing.T) {
	g, err := Build(packDef(t, rand.New(rand.NewPCG(23, 24))))
	if err != nil {
		t.Fatal(err)
	}
	var shared *scratch
	for _, nd := range g.nodes {
		c, ok := nd.Op.(*convOp)
		if !ok {
			continue
		}
		if shared == nil {
			shared = c.s
		} else if c.s != shared {
			t.Fatalf("convolution %s has a scratch of its own", nd.Name)
		}
	}
	if shared == nil {
		t.Fatal("no convolution in the graph")
	}
}
