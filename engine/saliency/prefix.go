package saliency

import (
	"slices"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nn"
)

// affinePrefix returns the network's affine prefix (nn.AffinePrefix), or
// nil if it offers none. Integrated Gradients and SmoothGrad use it: the
// prefix's backward, whose Jacobian is constant, runs once on the sum of
// the gradients at its output T instead of once per step or sample, and
// Integrated Gradients' steps, whose T lie on the line between T(x′) and
// T(x), start after the prefix.
func (r *run) affinePrefix() nn.AffinePrefix {
	if p, ok := r.net.(nn.AffinePrefix); ok && p.PrefixSize() > 0 {
		return p
	}
	return nil
}

// rest is the stage after the prefix: examples are values of T, and their
// gradients are at T.
func rest(p nn.AffinePrefix) stage {
	return stage{size: p.PrefixSize(), grad: p.PrefixSize(), forward: p.ForwardRest, backward: p.BackwardRest}
}

// through is the stage of the whole network run as its prefix and the rest:
// examples are inputs, and their gradients are at T.
func (r *run) through(p nn.AffinePrefix) stage {
	return stage{
		size: r.size, grad: p.PrefixSize(),
		forward:  func(xs []float32, n int) []float32 { return p.ForwardRest(p.ForwardPrefix(xs, n), n) },
		backward: p.BackwardRest,
	}
}

// prefixBackward returns Jᵀ dt, the input gradient of the sum dt of
// gradients at T, after a ForwardPrefix of one example.
func prefixBackward(p nn.AffinePrefix, dt []float64) []float64 {
	d := make([]float32, len(dt))
	for i, v := range dt {
		d[i] = float32(v)
	}
	dx := p.BackwardPrefix(d)
	out := make([]float64, len(dx))
	for i, v := range dx {
		out[i] = float64(v)
	}
	return out
}

// pathGradientsPrefix returns what sumGradients returns for Integrated
// Gradients' steps first..last−1 from base along diff (= x − base), using
// the prefix: T at step k is T(x′) + α_k (T(x) − T(x′)), and the sum of the
// steps' gradients at T goes back through the prefix once.
func (r *run) pathGradientsPrefix(p nn.AffinePrefix, base []float32, first, last int) ([]float64, error) {
	t0 := slices.Clone(p.ForwardPrefix(base, 1))
	t1 := p.ForwardPrefix(r.x, 1) // the prefix's last forward: one example, as BackwardPrefix needs
	dt := make([]float32, len(t0))
	for i, v := range t1 {
		dt[i] = v - t0[i]
	}
	fill := func(k int, ti []float32) {
		kernels.AddScaledTo(ti, t0, dt, r.alpha(first+k))
	}
	sum, err := r.sumGradients(rest(p), last-first, fill)
	if err != nil {
		return nil, err
	}
	return prefixBackward(p, sum), nil
}

// sumGradientsPrefix is sumGradients through the whole network for inputs
// made by fill, with the prefix's backward run once for them all.
func (r *run) sumGradientsPrefix(p nn.AffinePrefix, total int, fill func(i int, xi []float32)) ([]float64, error) {
	sum, err := r.sumGradients(r.through(p), total, fill)
	if err != nil {
		return nil, err
	}
	p.ForwardPrefix(r.x, 1) // any one example: the Jacobian is the same everywhere
	return prefixBackward(p, sum), nil
}
