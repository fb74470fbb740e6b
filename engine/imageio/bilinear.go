package imageio

import "fmt"

// Frame places the output of ResizeBilinear in the resized image: the
// source is scaled to H×W (the output's own size when H or W is 0) and the
// output is the window of that scaled image whose top-left pixel is
// (Top, Left). Output pixels that fall outside the scaled image are 0, as
// torchvision's CenterCrop pads with zeros a crop larger than its image.
type Frame struct{ H, W, Top, Left int }

// ResizeBilinear writes src, planar values (sc×sh×sw, sc = 1 or 3), into
// dst (c×h×w), resampled as torchvision's transforms.Resize does by default
// (bilinear, antialias=True): for a PIL image that is Image.resize with
// PIL's BILINEAR filter, and torchvision's antialiased bilinear resize of
// tensors computes the same weights. The scaled image and the window of it
// that dst receives are given by f, so that Resize(S) followed by
// CenterCrop is one call (see engine/preproc). Channels convert as in
// ResizePlanes. It returns an *UnsupportedError for channel counts other
// than 1 and 3 and panics if a slice length does not match its dimensions
// or f's size is negative.
//
// The filter is separable: a horizontal pass, then a vertical one, each
// output pixel the normalized weighted sum of the source pixels under a
// triangle ("tent") centred on it. Following PIL (libImaging/Resample.c),
// output pixel o of a resize from n to m pixels has its centre at
// (o + 0.5)·n/m in source coordinates (pixel i covering [i, i+1)); when
// downscaling (n > m) the triangle is stretched by the factor n/m, so every
// source pixel contributes and fine detail does not alias, which is the
// "antialias" of torchvision; when upscaling it has a half-width of one
// pixel, plain bilinear interpolation. Weights near the image border are
// renormalized to sum to 1, which is PIL's edge handling.
//
// PIL resizes 8-bit images in fixed point and rounds to 8 bits after each
// pass; this works in float, so it agrees with PIL within 1/255 and with
// torchvision's float tensors to float32 rounding.
func ResizeBilinear(dst []float32, c, h, w int, src []float32, sc, sh, sw int, f Frame) error {
	if (c != 1 && c != 3) || (sc != 1 && sc != 3) {
		return &UnsupportedError{Msg: fmt.Sprintf("%d source channels into %d (want 1 or 3)", sc, c)}
	}
	if h <= 0 || w <= 0 || sh <= 0 || sw <= 0 || len(dst) != c*h*w || len(src) != sc*sh*sw || f.H < 0 || f.W < 0 {
		panic("imageio: ResizeBilinear: slice lengths do not match the dimensions")
	}
	if f.H == 0 {
		f.H = h
	}
	if f.W == 0 {
		f.W = w
	}
	n := sh * sw
	planes, pc := src, sc
	if sc == 3 && c == 1 {
		planes, pc = convertPlanes(src, 3, 1, n), 1
	}
	xs := tentTaps(sw, f.W, f.Left, w)
	ys := tentTaps(sh, f.H, f.Top, h)
	// The horizontal pass runs over the source rows the vertical pass reads.
	y0, y1 := sh, 0
	for _, t := range ys {
		if len(t.w) > 0 {
			y0, y1 = min(y0, t.i), max(y1, t.i+len(t.w))
		}
	}
	tmp := make([]float32, max(0, y1-y0)*w)
	acc := make([]float64, w)
	for ch := range pc {
		plane := planes[ch*n : (ch+1)*n]
		for y := y0; y < y1; y++ {
			row := plane[y*sw : (y+1)*sw]
			trow := tmp[(y-y0)*w : (y-y0+1)*w]
			for ox, t := range xs {
				var s float64
				for k, wt := range t.w {
					s += wt * float64(row[t.i+k])
				}
				trow[ox] = float32(s)
			}
		}
		out := dst[ch*h*w : (ch+1)*h*w]
		for oy, t := range ys {
			clear(acc)
			for k, wt := range t.w {
				trow := tmp[(t.i+k-y0)*w : (t.i+k-y0+1)*w]
				for ox, v := range trow {
					acc[ox] += wt * float64(v)
				}
			}
			orow := out[oy*w : (oy+1)*w]
			for ox, v := range acc {
				orow[ox] = float32(v)
			}
		}
	}
	if pc == 1 && c == 3 { // grey repeated
		copy(dst[h*w:2*h*w], dst[:h*w])
		copy(dst[2*h*w:], dst[:h*w])
	}
	return nil
}

// taps are the weights of consecutive source pixels from index i on.
type taps struct {
	i int
	w []float64
}

// tentTaps returns, for the k output pixels off, off+1, …, off+k−1 of a
// resize from n to m pixels, the source pixels under the triangle filter
// and their normalized weights (none for an output pixel outside [0, m)).
// The support and the rounding of its ends follow PIL's precompute_coeffs,
// so that the same source pixels are read.
func tentTaps(n, m, off, k int) []taps {
	out := make([]taps, k)
	scale := float64(n) / float64(m)
	fs := max(scale, 1) // the filter's stretch: the downscale factor, or 1
	support := fs       // the tent's half-width is 1 pixel, stretched
	for j := range out {
		o := off + j
		if o < 0 || o >= m {
			continue
		}
		centre := (float64(o) + 0.5) * scale
		lo := max(int(centre-support+0.5), 0)
		hi := min(int(centre+support+0.5), n)
		w := make([]float64, hi-lo)
		var sum float64
		for i := range w {
			d := (float64(lo+i) + 0.5 - centre) / fs
			if d < 0 {
				d = -d
			}
			if d < 1 {
				w[i] = 1 - d
			}
			sum += w[i]
		}
		if sum != 0 {
			for i := range w {
				w[i] /= sum
			}
		}
		out[j] = taps{i: lo, w: w}
	}
	return out
}
