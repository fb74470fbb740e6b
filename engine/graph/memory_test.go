package graph

import (
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nntest"
)

// TestDerivedValues runs every kind of pass on the convolutions' paths
// (im2col with grouped and identity products, Winograd, the direct
// depthwise kernel) and checks that DerivedValues, computed from the
// geometry before any pass, equals what the convolutions then hold, and
// that it counts something: the host's memory estimates rely on it. Under
// a Winograd rule that pays at every batch the 3×3 convolution keeps only
// its transform; under one that pays from two images on, passes at one
// and two images make both the transform and the packings. Passes at three
// images and at two again too: the 3×3 convolution's input gradient runs
// F(4×4, 3×3) at two images and F(2×2, 3×3) at one and three
// (kernels.WinogradTile), and F(2×2, 3×3) for new filters' first input
// gradient whatever the batch, and its forward F(4×4, 3×3) at two images
// when averaged (SetAveragedForwards, on for the last pass);
// DerivedValues counts every tile size some call takes.
func TestDerivedValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	depthwise := Def{
		Name: "dw", Input: "x", InputShape: []int{4, 6, 6}, Output: "y",
		Initializers: []Initializer{{Name: "w", Shape: []int{4, 1, 3, 3}, Data: nntest.Rand(rng, 36)}},
		Nodes: []Node{{Name: "d", Op: mustOp(t, "Conv", Attrs{"group": IntAttr(4), "pads": IntsAttr([]int{1, 1, 1, 1})}),
			Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
	}
	rules := map[string]func(kernels.WinogradGeom, int) bool{
		"always":          func(kernels.WinogradGeom, int) bool { return true },
		"from two images": func(_ kernels.WinogradGeom, n int) bool { return n >= 2 },
	}
	for name, rule := range rules {
		saved := winogradRule
		winogradRule = rule
		for _, d := range []Def{packDef(t, rng), depthwise} {
			g, err := Build(d)
			if err != nil {
				t.Fatal(err)
			}
			want := g.DerivedValues()
			if want <= 0 {
				t.Fatalf("%s, %s: DerivedValues = %d before any pass", name, d.Name, want)
			}
			in, out := g.Input(), g.Classes()
			for i, n := range []int{1, 2, 3, 2} {
				g.SetAveragedForwards(i == 3)
				x := nntest.Rand(rng, n*in.C*in.H*in.W)
				dy := nntest.Rand(rng, n*out)
				g.Forward(x, n, false)
				g.Backward(dy, true)
			}
			var kept int64
			for _, nd := range g.nodes {
				if l, ok := nd.Op.(*convOp); ok {
					kept += l.keptValues()
				}
			}
			if kept != want {
				t.Errorf("%s, %s: the convolutions hold %d values after every pass, DerivedValues said %d", name, d.Name, kept, want)
			}
		}
		winogradRule = saved
	}
}
