package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nntest"
)

// forceWinograd makes every eligible convolution run as Winograd (on) or as
// im2col (off) until the test ends.
func forceWinograd(t *testing.T, on bool) {
	saved := winogradRule
	winogradRule = func(kernels.WinogradGeom, int) bool { return on }
	t.Cleanup(func() { winogradRule = saved })
}

// forceTile makes every convolution built until the test ends that
// Winograd can run use tiles of m×m outputs (2 or 4).
func forceTile(t *testing.T, m int) {
	saved := winogradTile
	winogradTile = func() int { return m }
	t.Cleanup(func() { winogradTile = saved })
}

// winogradCases are convolutions the Winograd branch takes: odd and even
// maps, paddings 0, 1 and 2, with and without bias.
func winogradCases() []opCase {
	pads := func(p int) Attrs { return Attrs{"pads": IntsAttr([]int{p, p, p, p})} }
	return []opCase{
		{name: "wino-p1", typ: "Conv", attrs: pads(1), in: []Info{b(3, 5, 7), c(4, 3, 3, 3), c(4)}, n: 2},
		{name: "wino-p0", typ: "Conv", attrs: pads(0), in: []Info{b(2, 6, 5), c(3, 2, 3, 3)}, n: 1},
		{name: "wino-p2", typ: "Conv", attrs: pads(2), in: []Info{b(2, 3, 4), c(3, 2, 3, 3), c(3)}, n: 3},
	}
}

// TestOpGradientsWinograd checks the Winograd branch of Conv on all four
// passes against finite differences, as TestOpGradients does for the rest,
// with tiles of 2×2 and of 4×4.
func TestOpGradientsWinograd(t *testing.T) {
	forceWinograd(t, true)
	for _, m := range []int{2, 4} {
		for _, tc := range winogradCases() {
			t.Run(fmt.Sprintf("F(%d,3)/%s", m, tc.name), func(t *testing.T) {
				forceTile(t, m)
				op, _ := New(tc.typ, tc.attrs)
				if _, err := op.Infer(tc.in); err != nil {
					t.Fatal(err)
				}
				if wg := op.(*convOp).winograd; wg == nil || wg.M != m {
					t.Fatalf("%s does not take the Winograd branch with tiles of %d", tc.name, m)
				}
				checkOp(t, tc)
			})
		}
	}
}

// TestWinogradMatchesIm2Col runs one convolution of ResNet's kind (64
// channels, odd map, batch 2) through both branches, with tiles of 2×2 and
// of 4×4, forward, tangent and backward (input, weight and bias gradients),
// and compares them.
func TestWinogradMatchesIm2Col(t *testing.T) {
	for _, m := range []int{2, 4} {
		t.Run(fmt.Sprintf("F(%d,3)", m), func(t *testing.T) {
			forceTile(t, m)
			testWinogradMatchesIm2Col(t)
		})
	}
}

func testWinogradMatchesIm2Col(t *testing.T) {
	tc := opCase{typ: "Conv", attrs: Attrs{"pads": IntsAttr([]int{1, 1, 1, 1})},
		in: []Info{b(64, 9, 7), c(64, 64, 3, 3), c(64)}, n: 2}
	run := func(on bool) [][]float32 {
		forceWinograd(t, on)
		h := newHarness(t, tc, rand.New(rand.NewPCG(41, 42)))
		if on && !h.op.(*convOp).useWinograd(tc.n) {
			t.Fatal("the convolution does not take the Winograd branch")
		}
		h.forward()
		h.op.Tangent(h.xt, h.yt)
		dy := nntest.Rand(rand.New(rand.NewPCG(43, 44)), len(h.y[0]))
		dx := zeros(h.x, nil)
		h.op.Backward([][]float32{dy}, dx)
		return [][]float32{h.y[0], h.yt[0], dx[0], dx[1], dx[2]}
	}
	fast, ref := run(true), run(false)
	for i, what := range []string{"y", "tangent", "dx", "dw", "db"} {
		var scale, diff float64
		for k, v := range ref[i] {
			scale = math.Max(scale, math.Abs(float64(v)))
			diff = math.Max(diff, math.Abs(float64(fast[i][k]-v)))
		}
		if !(diff <= 1e-5*scale) {
			t.Errorf("%s: Winograd and im2col differ by %.3g (scale %.3g)", what, diff, scale)
		}
	}
}

// TestAveragedForwards checks Graph.SetAveragedForwards against graphs
// built with the tile size forced: while it is on, Forward gives bit for
// bit what F(4×4, 3×3) gives (the size kernels.WinogradTile picks here),
// which differs from F(2×2, 3×3)'s, so the check is not vacuous; Tangent
// and the input gradient stay as they are with it off; off again, and in a
// Clone, Forward gives F(2×2, 3×3)'s again.
func TestAveragedForwards(t *testing.T) {
	build := func() *Graph { // the same weights, new ops (a Def's ops become its graph's)
		// 64 channels to 64 on 16×16 maps, which the kernels' rule runs as
		// Winograd at any batch, and whose tile size kernels.WinogradTile
		// picks as 4×4 at batch 1 and 2.
		g, err := Build(conv3x3Def(t, rand.New(rand.NewPCG(31, 32)), 64, 64, 16, 1))
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	buildTile := func(m int) *Graph {
		saved := winogradTile
		defer func() { winogradTile = saved }()
		winogradTile = func() int { return m }
		return build()
	}
	g, g2, g4 := build(), buildTile(2), buildTile(4)
	rng := rand.New(rand.NewPCG(33, 34))
	if m := kernels.WinogradTile(16, 16, 1); m != 4 || !g.nodes[0].Op.(*convOp).useWinograd(1) {
		t.Fatalf("the convolution must run as Winograd with tiles of 4 when averaged (tile %d)", m)
	}
	// New filters' first input gradient runs F(2×2, 3×3) whatever the
	// batch (kernels.WinogradConvBackInput); the ones below compare later
	// ones.
	g.Forward(make([]float32, 64*16*16), 1, false)
	g.Backward(make([]float32, 64*16*16), false)
	if was := g.SetAveragedForwards(true); was {
		t.Fatal("a new graph has averaged forwards on")
	}
	for _, n := range []int{1, 2} {
		x := nntest.Rand(rng, n*64*16*16)
		xt := nntest.Rand(rng, len(x))
		dy := nntest.Rand(rng, len(x))
		y := slices.Clone(g.Forward(x, n, false))
		sameValues(t, fmt.Sprintf("n=%d: averaged forward against F(4×4)", n), y, g4.Forward(x, n, false))
		want := g2.Forward(x, n, false)
		if slices.Equal(y, want) {
			t.Fatalf("n=%d: F(4×4, 3×3) and F(2×2, 3×3) forwards agree bit for bit; the test needs them not to", n)
		}
		sameValues(t, fmt.Sprintf("n=%d: tangent", n), g.Tangent(xt), g2.Tangent(xt))
		dx := slices.Clone(g.Backward(dy, false))
		g.SetAveragedForwards(false)
		sameValues(t, fmt.Sprintf("n=%d: forward, off again", n), g.Forward(x, n, false), want)
		sameValues(t, fmt.Sprintf("n=%d: input gradient, averaged or not", n), dx, g.Backward(dy, false))
		if was := g.SetAveragedForwards(true); was {
			t.Fatal("SetAveragedForwards(false) left it on")
		}
		c := g.Clone()
		sameValues(t, fmt.Sprintf("n=%d: a Clone's forward", n), c.Forward(x, n, false), want)
	}
	if was := g.SetAveragedForwards(false); !was {
		t.Fatal("SetAveragedForwards(true) did not turn it on")
	}
}
