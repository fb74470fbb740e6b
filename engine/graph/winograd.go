package graph

import (
	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nn"
)

// The Winograd branch of convOp: a group-1, 3×3, stride-1, undilated
// convolution with the same padding p ≤ 2 on every side runs its forward,
// its tangent and its input gradient as kernels.WinogradConv (F(2×2, 3×3)
// or F(4×4, 3×3): 2.25× or 4× fewer multiplies than im2col + GEMM)
// whenever the kernels' rule (WinogradGeom.Pays: at least 64 channels in
// and out, at least 16 tiles of 2×2 over the batch) says it is faster; the
// weight gradient stays im2col + MatMulNT. The input gradient takes F(4×4, 3×3) where the batch has
// enough 4×4 tiles (kernels.WinogradTile); the forward and the tangent take
// F(2×2, 3×3), whose smaller rounding flips fewer ReLU and max-pool
// near-ties for a single gradient to inherit, except that the forward too
// follows WinogradTile while Graph.SetAveragedForwards is on (Integrated
// Gradients and SmoothGrad, which average many gradients). The
// transformed, packed filters are kept per op, for each tile size used, and
// redone only in a new weights generation (convpack.go).

// winogradRule decides per call whether an eligible convolution runs as
// Winograd; tests replace it to force either path.
var winogradRule = kernels.WinogradGeom.Pays

// winogradTile is the tile size an eligible convolution is built with: 0
// leaves it to each call (kernels.WinogradTile, by the map and the batch);
// tests replace it to force 2 or 4.
var winogradTile = func() int { return 0 }

// winogradGeom returns the Winograd geometry of a convolution of the given
// per-group window, or nil if Winograd does not apply to it.
func winogradGeom(group, oc int, g window) *kernels.WinogradGeom {
	if group != 1 || g.KH != 3 || g.KW != 3 || g.SH != 1 || g.SW != 1 || g.DH != 1 || g.DW != 1 {
		return nil
	}
	p := g.PT
	if g.PB != p || g.PL != p || g.PR != p || p > 2 {
		return nil
	}
	wg := kernels.NewWinogradGeom(g.C, oc, g.H, g.W, p)
	if m := winogradTile(); m != 0 {
		wg = kernels.NewWinogradGeomTile(g.C, oc, g.H, g.W, p, m)
	}
	if wg.OH != g.OH || wg.OW != g.OW {
		return nil
	}
	return &wg
}

// useWinograd reports whether a pass over n images runs as Winograd.
func (l *convOp) useWinograd(n int) bool {
	return l.winograd != nil && winogradRule(*l.winograd, n)
}

// winogradWeights returns the transform of w, made or redone as needed.
func (l *convOp) winogradWeights(w []float32) *kernels.WinogradWeights {
	if l.wino == nil {
		l.wino = kernels.NewWinogradWeights(l.oc, l.winograd.C)
	}
	if l.winoGen != l.gen || l.gen == 0 {
		l.wino.Transform(l.seen) // w's copy, which stays as it is until the next generation
		l.winoGen = l.gen
	}
	return l.wino
}

// forwardGeom returns the geometry a forward pass over n images runs: the
// convolution's own, whose open tile size the kernels settle as F(2×2, 3×3)
// for a forward, or, for an averaged forward (Graph.SetAveragedForwards),
// the tile size kernels.WinogradTile picks for the batch, as input
// gradients take.
func (l *convOp) forwardGeom(n int, averaged bool) kernels.WinogradGeom {
	g := *l.winograd
	if averaged && g.M == 0 {
		g = kernels.NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, kernels.WinogradTile(g.OH, g.OW, n))
	}
	return g
}

// forwardWinograd writes y = W * x (+ bias if non-nil) with WinogradConv,
// averaged as forwardGeom says.
func (l *convOp) forwardWinograd(y, x, w, bias []float32, n int, averaged bool) {
	g := l.forwardGeom(n, averaged)
	kernels.FillRows(y, bias, n*l.oc, l.g.Cols())
	kernels.WinogradConv(y, x, n, l.winogradWeights(w), g)
}

// backInputWinograd adds dx += Wᵀ * dy with WinogradConvBackInput.
func (l *convOp) backInputWinograd(dx, dy, w []float32) {
	kernels.WinogradConvBackInput(dx, dy, l.n, l.winogradWeights(w), *l.winograd)
}

var _ nn.AveragedForwards = (*Graph)(nil)

// SetAveragedForwards implements nn.AveragedForwards: while on, Forward
// (and ForwardPrefix and ForwardRest) run each Winograd convolution on the
// tile size kernels.WinogradTile picks for the batch, as its input gradient
// does (F(4×4, 3×3) for ResNet-18's 3×3 convolutions in Integrated
// Gradients' batches of 2), instead of F(2×2, 3×3), and the forward and
// input gradient of each 3×3 stride-2 convolution by its input's phases
// where that pays (stride2.go). Tangents keep F(2×2, 3×3). A graph starts
// with it off, and so do its Clone and Freeze. On a graph whose averaged
// forwards are not allowed (SetAveragedForwardsAllowed), turning them on
// leaves them off.
func (g *Graph) SetAveragedForwards(on bool) (was bool) {
	on = on && !g.noAveraged
	was, g.averaged = g.averaged, on
	for _, nd := range g.nodes {
		if l, ok := nd.Op.(*convOp); ok {
			l.averaged = on
		}
	}
	return was
}

// SetAveragedForwardsAllowed says whether the graph may run averaged
// forwards (SetAveragedForwards) at all. A graph starts allowed; one that
// is not keeps every forward on F(2×2, 3×3) and every stride-2 3×3
// convolution on im2col, does not keep the forwards' F(4×4, 3×3) filters
// (36·OC·C values per 3×3 layer) nor the stride-2 phases' (72·OC·C), and
// DerivedValues leaves them out: a host that has the memory for the model
// but not for those filters turns them off. Disallowing turns averaged
// forwards off and drops the phases' filters and every transformed filter
// of each convolution that could make F(4×4, 3×3) forward ones, its other
// forms included (the next pass transforms again what it takes). Clone,
// Freeze, Encode and Decode keep the setting.
func (g *Graph) SetAveragedForwardsAllowed(ok bool) {
	if ok || g.noAveraged {
		g.noAveraged = !ok
		return
	}
	g.SetAveragedForwards(false)
	g.noAveraged = true
	for _, nd := range g.nodes {
		l, ok := nd.Op.(*convOp)
		if !ok {
			continue
		}
		if l.wino != nil && l.averagedValues() > 0 {
			l.wino, l.winoGen = nil, 0
		}
		l.s2w, l.s2Gen = nil, 0 // made only by averaged passes (stride2.go)
	}
}

// AveragedForwardsAllowed reports whether the graph may run averaged
// forwards (SetAveragedForwardsAllowed).
func (g *Graph) AveragedForwardsAllowed() bool { return !g.noAveraged }
