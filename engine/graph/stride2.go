package graph

import "saliencyexplorer/engine/kernels"

// The stride-2 branch of convOp: a group-1, 3×3, stride-2, undilated
// convolution with the same padding p ≤ 2 on every side (ResNet's
// downsampling convolutions) runs its forward and its input gradient by
// its input's phases with Winograd F(4, 2) (kernels.Stride2Conv: 0.56 of
// im2col + GEMM's multiplies) during averaged passes
// (Graph.SetAveragedForwards: Integrated Gradients and SmoothGrad, which
// average many gradients), whenever the kernels' rule
// (Stride2Geom.Pays) says it is faster. Other passes keep im2col + GEMM:
// the transforms' rounding (2–4e-6 of a layer's scale against im2col's
// 4e-7) would, in a forward, flip ReLU and max-pool near-ties that a
// single gradient inherits, as F(4×4, 3×3)'s does; and a training step,
// whose filters change at every step, would pay the filters' transform
// each time. The weight gradient stays im2col + MatMulNT. The transformed,
// packed filters are kept per op and redone only in a new weights
// generation (convpack.go).

// stride2Rule decides per call whether an eligible stride-2 convolution
// runs by phases; tests replace it to force either path.
var stride2Rule = kernels.Stride2Geom.Pays

// stride2Geom returns the phase geometry of a convolution of the given
// per-group window, or nil if the phases do not apply to it.
func stride2Geom(group, oc int, g window) *kernels.Stride2Geom {
	if group != 1 || g.KH != 3 || g.KW != 3 || g.SH != 2 || g.SW != 2 || g.DH != 1 || g.DW != 1 {
		return nil
	}
	p := g.PT
	if g.PB != p || g.PL != p || g.PR != p || p > 2 || g.H+2*p < 3 || g.W+2*p < 3 {
		return nil
	}
	sg := kernels.NewStride2Geom(g.C, oc, g.H, g.W, p)
	if sg.OH != g.OH || sg.OW != g.OW {
		return nil
	}
	return &sg
}

// useStride2 reports whether a pass over n images runs by phases: an
// averaged pass the rule says pays.
func (l *convOp) useStride2(n int, averaged bool) bool {
	return averaged && l.s2 != nil && stride2Rule(*l.s2, n)
}

// stride2Weights returns the phases' transform of the filters, made or
// redone as needed.
func (l *convOp) stride2Weights() *kernels.Stride2Weights {
	if l.s2w == nil {
		l.s2w = kernels.NewStride2Weights(l.oc, l.s2.C)
	}
	if l.s2Gen != l.gen || l.gen == 0 {
		l.s2w.Transform(l.seen) // the filters' copy, unchanged until the next generation
		l.s2Gen = l.gen
	}
	return l.s2w
}

// forwardStride2 writes y = W * x (+ bias if non-nil) with Stride2Conv.
func (l *convOp) forwardStride2(y, x, bias []float32, n int) {
	kernels.FillRows(y, bias, n*l.oc, l.g.Cols())
	kernels.Stride2Conv(y, x, n, l.stride2Weights(), *l.s2)
}

// backInputStride2 adds dx += Wᵀ * dy with Stride2ConvBackInput.
func (l *convOp) backInputStride2(dx, dy []float32) {
	kernels.Stride2ConvBackInput(dx, dy, l.n, l.stride2Weights(), *l.s2)
}

// stride2Values returns the values the phases' filters add (36 packed
// OC×C matrices and their transposes) when averaged passes take them: at
// some batch of up to 64 images the rule says pays.
func (l *convOp) stride2Values() int64 {
	if l.oc == 0 || l.s2 == nil {
		return 0
	}
	for n := 1; n <= 64; n++ {
		if stride2Rule(*l.s2, n) {
			return int64(kernels.Stride2Values(*l.s2))
		}
	}
	return 0
}
