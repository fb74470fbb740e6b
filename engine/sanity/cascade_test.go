package sanity

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
)

func gradientOf(ctx context.Context, m nn.Model, x []float32, c int) ([]float32, error) {
	return saliency.Map(ctx, m, x, saliency.Gradient, saliency.Options{Class: c})
}

// TestGraphCascade runs the cascade on an imported graph (the CNN of
// cnnSpec converted): a map that is the input itself reports no change at
// any step, the steps go over the nodes with trainable tensors from the
// output down, every step's map is kept, the original graph is left as it
// was, and progress counts every map.
func TestGraphCascade(t *testing.T) {
	net, err := nn.New(cnnSpec(), 1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	params, _, state := g.Weights()
	before := slices.Clone(params)
	beforeState := slices.Clone(state)
	x := randImage(rand.New(rand.NewPCG(1, 1)), 144)
	input := func(_ context.Context, _ nn.Model, x []float32, _ int) ([]float32, error) {
		return slices.Clone(x), nil
	}
	work := g.Clone()
	units := GraphUnits(work, 5)
	var kinds []string
	for _, u := range units {
		kinds = append(kinds, u.Kind)
	}
	// linear → Gemm, batchnorm → BatchNormalization, two convs.
	if want := []string{"Gemm", "BatchNormalization", "Conv", "Conv"}; !slices.Equal(kinds, want) {
		t.Fatalf("units %v, want %v", kinds, want)
	}
	var calls []int
	c, err := RunCascade(context.Background(), g, work, units, x, 1, input, func(done, total int) {
		if total != 5 {
			t.Errorf("progress total %d, want 5 maps", total)
		}
		calls = append(calls, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{1, 2, 3, 4, 5}) {
		t.Errorf("progress %v", calls)
	}
	for i, s := range c.Steps {
		if math.Abs(s.Spearman-1) > 1e-12 || math.Abs(s.SSIM-1) > 1e-12 || len(s.Map) != 144 {
			t.Errorf("step %d (%s): Spearman %v, SSIM %v, map of %d; the input map cannot change", i, s.Name, s.Spearman, s.SSIM, len(s.Map))
		}
	}
	// The same graph under the input gradient: destroying it must move the map.
	work = g.Clone()
	gc, err := RunCascade(context.Background(), g, work, GraphUnits(work, 5), x, 1, gradientOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if last := gc.Steps[len(gc.Steps)-1]; !(last.Spearman < 0.9) {
		t.Errorf("gradient map with every layer redrawn: Spearman %v with the original; want the map to change", last.Spearman)
	}
	if !slices.Equal(params, before) || !slices.Equal(state, beforeState) {
		t.Error("the cascade modified the original graph")
	}
}

// TestGraphCascadeLinear: the input gradient of a linear graph is its
// weight row; redrawing the weights makes it an independent draw, so the
// rank correlation falls to about zero (784 pixels).
func TestGraphCascadeLinear(t *testing.T) {
	net, err := nn.New(linearSpec(28, 28), 1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	x := randImage(rand.New(rand.NewPCG(2, 2)), 784)
	work := g.Clone()
	c, err := RunCascade(context.Background(), g, work, GraphUnits(work, 7), x, 0, gradientOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Steps) != 1 {
		t.Fatalf("%d steps, want 1 (the Gemm)", len(c.Steps))
	}
	if s := c.Steps[0]; math.Abs(s.Spearman) > 0.15 {
		t.Errorf("after redrawing the weights the gradient map has Spearman %v with the original; want ≈ 0", s.Spearman)
	}
}

// TestGroup merges 5 units into 2 steps (2 and 3 units) whose Reset runs
// every unit merged, named after the first and last.
func TestGroup(t *testing.T) {
	var ran []int
	var units []Unit
	for i := range 5 {
		units = append(units, Unit{Layer: 10 - i, Name: string(rune('a' + i)), Reset: func() { ran = append(ran, i) }})
	}
	g := Group(units, 2)
	if len(g) != 2 || g[0].Name != "a … b" || g[1].Name != "c … e" || g[1].Layer != 8 {
		t.Fatalf("groups %+v", g)
	}
	g[0].Reset()
	g[1].Reset()
	if !slices.Equal(ran, []int{0, 1, 2, 3, 4}) {
		t.Errorf("resets ran %v", ran)
	}
	if len(Group(units, 8)) != 5 {
		t.Error("grouping into more steps than units changed them")
	}
}
