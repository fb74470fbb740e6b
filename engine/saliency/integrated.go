package saliency

import "saliencyexplorer/engine/kernels"

// integratedGradients returns (x − x′) ⊙ (1/m) Σ_k ∂f_c/∂x(x′ + α_k(x − x′))
// with α_k = (k + ½)/m, k = 0..m−1 (Sundararajan et al., 2017, "Axiomatic
// attribution for deep networks", arXiv:1703.01365). The midpoint rule is
// exact for an integrand that is linear along the path and its error is
// O(1/m²) for a smooth one, against O(1/m) for the left or right sums, so
// completeness, Σ attribution = f_c(x) − f_c(x′), holds tightly with few
// steps. With an affine prefix (nn.AffinePrefix) the steps run only the
// network after it (pathGradientsPrefix), with the same result up to float
// rounding.
func (r *run) integratedGradients() ([]float32, error) {
	base := make([]float32, r.size)
	if r.opt.Baseline == BaselineBlurred {
		hw := r.in.H * r.in.W
		s := newBlurScratch(r.in.H, r.in.W, BlurredBaselineSigma)
		for c := 0; c < r.in.C; c++ {
			s.blur(base[c*hw:(c+1)*hw], r.x[c*hw:(c+1)*hw])
		}
	}
	diff := make([]float32, r.size)
	for i, v := range r.x {
		diff[i] = v - base[i]
	}
	m := r.opt.Steps
	first, last := r.part(m)
	var sum []float64
	var err error
	if p := r.affinePrefix(); p != nil {
		sum, err = r.pathGradientsPrefix(p, base, first, last)
	} else {
		sum, err = r.sumGradients(r.whole(), last-first, func(k int, xi []float32) {
			kernels.AddScaledTo(xi, base, diff, r.alpha(first+k))
		})
	}
	if err != nil {
		return nil, err
	}
	out := make([]float32, r.size)
	inv := 1 / float64(m)
	for i, s := range sum {
		out[i] = float32(float64(diff[i]) * s * inv)
	}
	return out, nil
}

// alpha returns Integrated Gradients' α_k = (k + ½)/m.
func (r *run) alpha(k int) float32 {
	return float32((float64(k) + 0.5) / float64(r.opt.Steps))
}
