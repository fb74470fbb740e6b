package saliency

import "math/rand/v2"

// smoothGrad returns the mean of ∂f_c/∂x over Samples copies of x with
// independent Gaussian noise of σ = Noise·(max(x) − min(x)) added to every
// value (Smilkov et al., 2017, "SmoothGrad: removing noise by adding
// noise", arXiv:1706.03825). The noise is drawn sample by sample from Seed,
// so the result does not depend on the batch size or on the split into
// parts (Options.Parts). With an affine prefix (nn.AffinePrefix) the
// prefix's backward runs once for all samples (sumGradientsPrefix).
func (r *run) smoothGrad() ([]float32, error) {
	lo, hi := r.x[0], r.x[0]
	for _, v := range r.x {
		lo, hi = min(lo, v), max(hi, v)
	}
	sigma := r.opt.Noise * float64(hi-lo)
	rng := rand.New(rand.NewPCG(r.opt.Seed, 0x736d6f6f7468))
	first, last := r.part(r.opt.Samples)
	fill := r.copyX
	if sigma > 0 {
		// A part skips the draws of the samples before it, so every sample
		// gets the noise it gets in the whole call.
		for range first * r.size {
			rng.NormFloat64()
		}
		fill = func(_ int, xi []float32) {
			for i, v := range r.x {
				xi[i] = v + float32(sigma*rng.NormFloat64())
			}
		}
	}
	var sum []float64
	var err error
	if p := r.affinePrefix(); p != nil {
		sum, err = r.sumGradientsPrefix(p, last-first, fill)
	} else {
		sum, err = r.sumGradients(r.whole(), last-first, fill)
	}
	if err != nil {
		return nil, err
	}
	out := make([]float32, r.size)
	inv := 1 / float64(r.opt.Samples)
	for i, s := range sum {
		out[i] = float32(s * inv)
	}
	return out, nil
}
