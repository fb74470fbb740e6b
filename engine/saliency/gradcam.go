package saliency

import "math"

// gradCAM returns Grad-CAM for the class (Selvaraju et al., 2017,
// "Grad-CAM: visual explanations from deep networks via gradient-based
// localization", arXiv:1610.02391) on the feature map Options.Layer (by
// default the network's last spatial one), A of K′×h×w:
//
//	α_k = (1/hw) Σ_ij ∂f_c/∂A^k_ij
//	L   = ReLU(Σ_k α_k A^k)        h×w
//
// upsampled bilinearly to the input's H×W.
func (r *run) gradCAM() ([]float32, error) {
	layer := r.opt.Layer
	fs, _ := r.net.TensorShape(layer)
	hw := fs.H * fs.W
	cam := make([]float32, hw)
	err := r.sweep(1, true, r.copyX, func(_ int, _, _ []float32) {
		a, da := r.net.Value(layer), r.net.Grad(layer)
		acc := make([]float64, hw)
		for k := 0; k < fs.C; k++ {
			var alpha float64
			for _, g := range da[k*hw : (k+1)*hw] {
				alpha += float64(g)
			}
			alpha /= float64(hw)
			if alpha == 0 {
				continue
			}
			for p, v := range a[k*hw : (k+1)*hw] {
				acc[p] += alpha * float64(v)
			}
		}
		for p, v := range acc {
			cam[p] = float32(max(v, 0))
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]float32, r.in.H*r.in.W)
	upsampleBilinear(out, r.in.H, r.in.W, cam, fs.H, fs.W)
	return out, nil
}

// upsampleBilinear resizes src (h×w) to dst (H×W) by bilinear interpolation
// with pixel centres aligned (the convention of OpenCV's resize and
// PyTorch's align_corners=False, which Grad-CAM implementations use): output
// pixel i samples the source at (i + ½)·h/H − ½, clamped to [0, h−1].
func upsampleBilinear(dst []float32, H, W int, src []float32, h, w int) {
	if len(dst) != H*W || len(src) != h*w {
		panic("saliency: upsampleBilinear buffers do not match their sizes")
	}
	x0, x1, fx := bilinearTaps(W, w)
	y0, y1, fy := bilinearTaps(H, h)
	for i := 0; i < H; i++ {
		top, bot := src[y0[i]*w:(y0[i]+1)*w], src[y1[i]*w:(y1[i]+1)*w]
		b := fy[i]
		out := dst[i*W : (i+1)*W]
		for j := range out {
			a := fx[j]
			t := top[x0[j]] + a*(top[x1[j]]-top[x0[j]])
			u := bot[x0[j]] + a*(bot[x1[j]]-bot[x0[j]])
			out[j] = t + b*(u-t)
		}
	}
}

// bilinearTaps returns, for each of n output positions sampling a line of m
// source pixels, the two source indices and the weight of the second.
func bilinearTaps(n, m int) (lo, hi []int, frac []float32) {
	lo, hi, frac = make([]int, n), make([]int, n), make([]float32, n)
	scale := float64(m) / float64(n)
	for i := range lo {
		s := (float64(i)+0.5)*scale - 0.5
		s = min(max(s, 0), float64(m-1))
		f := math.Floor(s)
		lo[i] = int(f)
		hi[i] = min(lo[i]+1, m-1)
		frac[i] = float32(s - f)
	}
	return lo, hi, frac
}
