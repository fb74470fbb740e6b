package nn

import "saliencyexplorer/engine/kernels"

// The Winograd branch of Conv2D: a 3×3, stride-1 convolution with padding
// p ≤ 2 runs its forward, its tangent and its input gradient as
// kernels.WinogradConv (F(2×2, 3×3), or F(4×4, 3×3) where the map and the
// batch have enough 4×4 tiles: 2.25× or 4× fewer multiplies than im2col +
// GEMM) whenever the kernels' rule (WinogradGeom.Pays: at least 64 channels
// in and out, at least 16 tiles of 2×2 over the batch) says it is faster;
// the weight gradient stays im2col + MatMulNT. The built-in models' convolutions have at
// most 32 input channels, so the rule keeps them off WinogradConv; their
// forward and tangent run as kernels.WinogradConvNarrow (F(2×2, 3×3) laid
// out for narrow layers, in the wasm SIMD build) where it applies (at
// least 8 channels in and 16 out, whole tiles in rows of a multiple of 8),
// and their input gradients as kernels.WinogradConvNarrowBackInput where
// that holds of the gradient's convolution (OC channels in, C out). The
// transformed filters
// are redone only when the filters change (kernels.WinogradWeights.Set
// compares them, so an optimizer step is seen).

// winogradGeom returns the Winograd geometry of g with oc filters, whose
// tile size kernels.WinogradTile chooses per call, or nil if Winograd does
// not apply to it.
func winogradGeom(g kernels.ConvGeom, oc int) *kernels.WinogradGeom {
	if g.KH != 3 || g.KW != 3 || g.Stride != 1 || g.Pad > 2 {
		return nil
	}
	wg := kernels.NewWinogradGeom(g.C, oc, g.H, g.W, g.Pad)
	return &wg
}

// useWinograd reports whether a pass over n images runs as Winograd.
func (l *Conv2D) useWinograd(n int) bool {
	return l.winograd != nil && (l.forceWinograd || l.winograd.Pays(n))
}

// winogradWeights returns the transform of the current filters, made or
// redone as needed.
func (l *Conv2D) winogradWeights() *kernels.WinogradWeights {
	if l.wino == nil {
		l.wino = kernels.NewWinogradWeights(l.oc, l.g.C)
	}
	l.wino.Set(l.weight.Value)
	return l.wino
}

// forwardWinograd computes y = W * x (+ bias if bias != nil) for n images.
func (l *Conv2D) forwardWinograd(y, x, bias []float32, n int) {
	kernels.FillRows(y, bias, n*l.oc, l.g.Cols())
	kernels.WinogradConv(y, x, n, l.winogradWeights(), *l.winograd)
}

// backInputWinograd writes dx = Wᵀ * dy for n images.
func (l *Conv2D) backInputWinograd(dx, dy []float32, n int) {
	clear(dx[:n*l.inSize()])
	kernels.WinogradConvBackInput(dx, dy, n, l.winogradWeights(), *l.winograd)
}
