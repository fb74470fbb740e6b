package saliency

import "math"

// Blur writes into dst (H×W) the image src (H×W) convolved with a Gaussian
// of standard deviation sigma pixels, truncated at 3σ and applied as a row
// pass then a column pass. Near the edges the taps that fall outside the
// image are dropped and the remaining weights renormalized to sum to one, so
// a constant image stays constant and the border does not darken. dst may be
// src. sigma ≤ 0 (or NaN) copies src. Blur allocates one H×W scratch image
// and the kernel per call; it panics if a buffer is not h·w long.
func Blur(dst, src []float32, h, w int, sigma float64) {
	if h < 0 || w < 0 || len(src) != h*w || len(dst) != h*w {
		panic("saliency: Blur buffers do not match h×w")
	}
	if !(sigma > 0) {
		copy(dst, src)
		return
	}
	newBlurScratch(h, w, sigma).blur(dst, src)
}

// blurScratch holds what blurring many H×W images with one σ shares: the
// half kernel k[d] = exp(−d²/2σ²), d = 0..R, the per-column and per-row sums
// of the weights that fall inside the image, and the row-pass image.
type blurScratch struct {
	h, w         int
	kern         []float32 // R+1
	normW, normH []float32 // W and H reciprocals of the in-image weight sums
	tmp          []float32 // H×W
}

func newBlurScratch(h, w int, sigma float64) *blurScratch {
	// Taps further than the image's longest side never land inside it.
	r := max(h, w, 1) - 1
	if t := 3 * sigma; t < float64(r) {
		r = int(math.Ceil(t))
	}
	s := &blurScratch{h: h, w: w, kern: make([]float32, r+1), tmp: make([]float32, h*w)}
	for d := range s.kern {
		s.kern[d] = float32(math.Exp(-float64(d*d) / (2 * sigma * sigma)))
	}
	s.normW = s.norms(w)
	s.normH = s.norms(h)
	return s
}

// norms returns, for each position of a line of n pixels, 1 / Σ of the
// kernel weights whose taps fall on the line.
func (s *blurScratch) norms(n int) []float32 {
	r := len(s.kern) - 1
	out := make([]float32, n)
	for i := range out {
		var sum float64
		for d := max(-r, -i); d <= min(r, n-1-i); d++ {
			sum += float64(s.kern[abs(d)])
		}
		out[i] = float32(1 / sum)
	}
	return out
}

func abs(d int) int {
	if d < 0 {
		return -d
	}
	return d
}

// blur writes the blurred src into dst (both H×W; dst may be src).
func (s *blurScratch) blur(dst, src []float32) {
	h, w, r := s.h, s.w, len(s.kern)-1
	k := s.kern
	// Row pass: tmp[i][j] = Σ_d k[|d|] src[i][j+d] / normW[j].
	for i := 0; i < h; i++ {
		row, out := src[i*w:(i+1)*w], s.tmp[i*w:(i+1)*w]
		for j := range out {
			acc := k[0] * row[j]
			for d := 1; d <= r; d++ {
				if j-d >= 0 {
					acc += k[d] * row[j-d]
				}
				if j+d < w {
					acc += k[d] * row[j+d]
				}
			}
			out[j] = acc * s.normW[j]
		}
	}
	// Column pass, row by row so the inner loop runs along memory:
	// dst[i][j] = Σ_d k[|d|] tmp[i+d][j] / normH[i].
	for i := 0; i < h; i++ {
		out := dst[i*w : (i+1)*w]
		copy(out, s.tmp[i*w:(i+1)*w])
		for j := range out {
			out[j] *= k[0]
		}
		for d := 1; d <= r; d++ {
			kd := k[d]
			if i-d >= 0 {
				for j, v := range s.tmp[(i-d)*w : (i-d+1)*w] {
					out[j] += kd * v
				}
			}
			if i+d < h {
				for j, v := range s.tmp[(i+d)*w : (i+d+1)*w] {
					out[j] += kd * v
				}
			}
		}
		n := s.normH[i]
		for j := range out {
			out[j] *= n
		}
	}
}
