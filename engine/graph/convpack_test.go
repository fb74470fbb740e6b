package graph

import (
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nntest"
)

// packDef chains a grouped, padded 3×3 convolution (im2col path), a 1×1
// convolution (identity path) and a 3×3 stride-1 one (Winograd when the
// rule is forced): all three keep work derived from their filters.
func packDef(t *testing.T, rng *rand.Rand) Def {
	init := func(name string, shape ...int) Initializer {
		return Initializer{Name: name, Shape: shape, Data: nntest.Rand(rng, shapeSize(shape))}
	}
	pad1 := IntsAttr([]int{1, 1, 1, 1})
	return Def{
		Name: "pack", Input: "x", InputShape: []int{4, 5, 6}, Output: "c",
		Initializers: []Initializer{init("c1.w", 6, 2, 3, 3), init("c1.b", 6), init("c2.w", 3, 6, 1, 1),
			init("c3.w", 2, 3, 3, 3)},
		Nodes: []Node{
			{Name: "a", Op: mustOp(t, "Conv", Attrs{"group": IntAttr(2), "pads": pad1}),
				Inputs: []string{"x", "c1.w", "c1.b"}, Outputs: []string{"a"}},
			{Name: "b", Op: mustOp(t, "Conv", nil), Inputs: []string{"a", "c2.w"}, Outputs: []string{"b"}},
			{Name: "c", Op: mustOp(t, "Conv", Attrs{"pads": pad1}), Inputs: []string{"b", "c3.w"}, Outputs: []string{"c"}},
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

// TestChangedWeightsSeen checks the filters the convolutions keep packed
// (and transformed, on the Winograd path) against a graph built afresh
// from the same weights: after the filters change in place, all of them or
// a single value, the next pass uses the new ones, forward and backward,
// on both paths; and each change does change the output, so the check is
// not vacuous. Unchanged filters are not packed again. The Winograd path
// runs with tiles of 2×2 and of 4×4 (the reference graph is built with the
// same).
func TestChangedWeightsSeen(t *testing.T) {
	for _, tile := range []int{0, 2, 4} { // 0: im2col
		wino := tile != 0
		forceWinograd(t, wino)
		forceTile(t, max(tile, 2))
		rng := rand.New(rand.NewPCG(21, 22))
		g, err := Build(packDef(t, rng))
		if err != nil {
			t.Fatal(err)
		}
		if got := g.nodes[2].Op.(*convOp).useWinograd(2); got != wino {
			t.Fatalf("winograd %v: the 3×3 convolution takes Winograd: %v", wino, got)
		}
		if wg := g.nodes[2].Op.(*convOp).winograd; wino && wg.M != tile {
			t.Fatalf("the 3×3 convolution has tiles of %d, want %d", wg.M, tile)
		}
		const n = 2
		x := nntest.Rand(rng, n*4*5*6)
		dy := nntest.Rand(rng, n*2*5*6)
		reference := func() (y, dx []float32) {
			fresh, err := Build(g.Def())
			if err != nil {
				t.Fatal(err)
			}
			return passes(fresh, x, dy, n)
		}
		params := map[string][]float32{}
		for _, p := range g.NamedParams() {
			params[p.Name] = p.Value
		}
		changes := []struct {
			name   string
			change func()
		}{
			{"all filters", func() {
				for _, name := range []string{"c1.w", "c2.w", "c3.w"} {
					for i, v := range params[name] {
						params[name][i] = v*1.5 - 0.25
					}
				}
			}},
			{"one value of c1.w", func() { params["c1.w"][40] += 0.5 }},
			{"one value of c2.w", func() { params["c2.w"][17] -= 0.5 }},
			{"one value of c3.w", func() { params["c3.w"][53] += 0.5 }},
		}
		lastY, _ := passes(g, x, dy, n)
		gen := g.nodes[0].Op.(*convOp).gen
		passes(g, x, dy, n)
		if got := g.nodes[0].Op.(*convOp).gen; got != gen {
			t.Errorf("winograd %v: unchanged filters started a new weights generation", wino)
		}
		for _, c := range changes {
			c.change()
			y, dx := passes(g, x, dy, n)
			wantY, wantDX := reference()
			sameValues(t, c.name+": y", y, wantY)
			sameValues(t, c.name+": dx", dx, wantDX)
			if slices.Equal(y, lastY) {
				t.Fatalf("winograd %v, %s: the output did not change; the test needs it to", wino, c.name)
			}
			lastY = y
		}
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
