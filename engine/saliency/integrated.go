package saliency

// integratedGradients returns (x − x′) ⊙ (1/m) Σ_k ∂f_c/∂x(x′ + α_k(x − x′))
// with α_k = (k + ½)/m, k = 0..m−1 (Sundararajan et al., 2017, "Axiomatic
// attribution for deep networks", arXiv:1703.01365). The midpoint rule is
// exact for an integrand that is linear along the path and its error is
// O(1/m²) for a smooth one, against O(1/m) for the left or right sums, so
// completeness, Σ attribution = f_c(x) − f_c(x′), holds tightly with few
// steps.
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
	fill := func(k int, xi []float32) {
		alpha := float32((float64(first+k) + 0.5) / float64(m))
		for i, b := range base {
			xi[i] = b + alpha*diff[i]
		}
	}
	sum, err := r.sumGradients(last-first, fill)
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
