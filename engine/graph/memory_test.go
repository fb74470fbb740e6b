package graph

import (
	"math/rand/v2"
	"slices"
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
// DerivedValues counts every tile size some call takes. Under a rule that
// never pays the 3×3 convolution keeps only packings (no transform). Each
// case runs once more on a graph whose averaged forwards are not allowed,
// where DerivedValues leaves out AveragedValues and the forward's
// F(4×4, 3×3) filters are never made. A 3×3 stride-2 convolution of 64
// channels takes its phases (stride2.go) in the last, averaged, pass of
// two images, and DerivedValues counts their filters, both directions'.
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
		"never":           func(kernels.WinogradGeom, int) bool { return false },
	}
	for name, rule := range rules {
		saved := winogradRule
		winogradRule = rule
		for _, d := range []Def{packDef(t, rng), depthwise, conv3x3Def(t, rng, 64, 64, 14, 2)} {
			for _, allowed := range []bool{true, false} {
				g, err := Build(d)
				if err != nil {
					t.Fatal(err)
				}
				all := g.DerivedValues()
				g.SetAveragedForwardsAllowed(allowed)
				want := g.DerivedValues()
				if want <= 0 {
					t.Fatalf("%s, %s: DerivedValues = %d before any pass", name, d.Name, want)
				}
				if avg := g.AveragedValues(); want != all-map[bool]int64{true: 0, false: avg}[allowed] {
					t.Fatalf("%s, %s, allowed %v: DerivedValues %d, %d when allowed, AveragedValues %d", name, d.Name, allowed, want, all, avg)
				}
				if d.Name == "pack" && name != "never" && g.AveragedValues() == 0 {
					t.Fatalf("%s: the 3×3 convolution's averaged forwards count nothing", name)
				}
				if d.Name == "conv3x3s2" && g.AveragedValues() == 0 {
					t.Fatalf("%s: the stride-2 convolution's phases count nothing", name)
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
					t.Errorf("%s, %s, averaged forwards allowed %v: the convolutions hold %d values after every pass, DerivedValues said %d", name, d.Name, allowed, kept, want)
				}
			}
		}
		winogradRule = saved
	}
}

// TestAveragedForwardsNotAllowed: a graph whose averaged forwards are not
// allowed, and its Clone, Freeze and Encode–Decode copies, run their
// forwards on F(2×2, 3×3) even while SetAveragedForwards asks for them
// (the same outputs, bit for bit, as plain forwards; an allowed graph's
// averaged forward differs), and report them off; the graph drops the
// F(4×4, 3×3) forward filters it made while they were allowed.
func TestAveragedForwardsNotAllowed(t *testing.T) {
	saved := winogradRule
	winogradRule = func(kernels.WinogradGeom, int) bool { return true }
	defer func() { winogradRule = saved }()
	rng := rand.New(rand.NewPCG(7, 8))
	g, err := Build(packDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	in := g.Input()
	const n = 2 // the 3×3 convolution's averaged forward takes F(4×4, 3×3) at two images
	x := nntest.Rand(rng, n*in.C*in.H*in.W)
	plain := slices.Clone(g.Forward(x, n, false))
	g.SetAveragedForwards(true)
	if averaged := g.Forward(x, n, false); slices.Equal(averaged, plain) {
		t.Fatal("an allowed graph's averaged forward equals its plain one: the test cannot tell them apart")
	}
	g.SetAveragedForwardsAllowed(false)
	if g.AveragedForwardsAllowed() || g.SetAveragedForwards(true) {
		t.Fatal("disallowing averaged forwards leaves them allowed or on")
	}
	sameValues(t, "the forward once disallowed", g.Forward(x, n, false), plain)
	// The F(4×4, 3×3) forward filters the averaged forward made are gone.
	out := g.Classes()
	for _, n := range []int{1, 2, 3, 2} {
		g.Forward(nntest.Rand(rng, n*in.C*in.H*in.W), n, false)
		g.Backward(nntest.Rand(rng, n*out), true)
	}
	var kept int64
	for _, nd := range g.nodes {
		if l, ok := nd.Op.(*convOp); ok {
			kept += l.keptValues()
		}
	}
	if want := g.DerivedValues(); kept != want {
		t.Errorf("once disallowed, the convolutions hold %d values after every pass, DerivedValues says %d", kept, want)
	}
	structure, values, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := Decode(structure, values)
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string]*Graph{"the graph": g, "Clone": g.Clone(), "Freeze": g.Freeze(func(string) bool { return false }), "Decode": decoded}
	for name, c := range copies {
		if c.AveragedForwardsAllowed() {
			t.Errorf("%s allows averaged forwards", name)
		}
		c.SetAveragedForwards(true)
		if c.SetAveragedForwards(true) {
			t.Errorf("%s: SetAveragedForwards(true) turned them on", name)
		}
		sameValues(t, name+"'s forward", c.Forward(x, n, false), plain)
	}
}
