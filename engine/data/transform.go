package data

import (
	"math"
	"math/rand/v2"
)

// The transforms below work on one image: img and dst are C×H×W, mask is
// H×W. A mask pixel is inside when its value is > 0.5.

// ApplyMask writes x ⊙ M into dst: dst[c,p] = img[c,p]·mask[p]. This is the
// "masked" training input of METHODS.md (inputs outside the mask zeroed; a
// soft mask acts as a weight). dst may be img.
//
// ApplyMask panics if len(img) or len(dst) != c*h*w or len(mask) != h*w.
func ApplyMask(dst, img, mask []float32, c, h, w int) {
	hw := h * w
	if c < 0 || h < 0 || w < 0 || len(mask) != hw || len(img) != c*hw || len(dst) != c*hw {
		panic("data: ApplyMask: bad dimensions")
	}
	for ch := range c {
		d, x := dst[ch*hw:(ch+1)*hw], img[ch*hw:(ch+1)*hw]
		for p, m := range mask {
			d[p] = x[p] * m
		}
	}
}

// ShuffleOutside writes S(x) into dst: the values of img at the outside
// pixels (mask <= 0.5) are randomly permuted among those pixels, and pixels
// inside the mask are copied unchanged (METHODS.md "shuffle" and ActDiff).
// The same pixel permutation is applied to every channel, so a pixel's
// channels move together and colours are preserved; each channel's outside
// values are still a permutation of the original ones. The permutation is a
// Fisher–Yates shuffle drawn from rng.
//
// scratch is workspace for the outside pixel indices; pass one with
// len >= h*w to avoid allocating. ShuffleOutside returns the scratch it used
// so the caller can keep it. dst may be img (in place); otherwise they must
// not overlap.
//
// ShuffleOutside panics if len(img) or len(dst) != c*h*w or
// len(mask) != h*w.
func ShuffleOutside(dst, img, mask []float32, c, h, w int, rng *rand.Rand, scratch []int) []int {
	hw := h * w
	if c < 0 || h < 0 || w < 0 || len(mask) != hw || len(img) != c*hw || len(dst) != c*hw {
		panic("data: ShuffleOutside: bad dimensions")
	}
	copy(dst, img)
	if len(scratch) < hw {
		scratch = make([]int, hw)
	}
	out := scratch[:0]
	for p, m := range mask {
		if !(m > 0.5) {
			out = append(out, p)
		}
	}
	for j := len(out) - 1; j > 0; j-- {
		k := rng.IntN(j + 1)
		if k == j {
			continue
		}
		a, b := out[j], out[k]
		for ch := range c {
			off := ch * hw
			dst[off+a], dst[off+b] = dst[off+b], dst[off+a]
		}
	}
	return scratch
}

// Dilate writes into dst the grey-scale dilation of mask (H×W) by a square
// of odd side: each output pixel is the maximum of mask over the side×side
// window centred on it, clipped at the borders. For a {0,1} mask this is
// binary dilation. side == 1 copies mask. dst and mask must not overlap.
//
// Dilate panics if side is not a positive odd number or the lengths are not
// h*w.
func Dilate(dst, mask []float32, h, w, side int) {
	if side < 1 || side%2 == 0 {
		panic("data: Dilate: side must be a positive odd number")
	}
	if h < 0 || w < 0 || len(mask) != h*w || len(dst) != h*w {
		panic("data: Dilate: bad dimensions")
	}
	// The square's maximum is the maximum over its rows of each row's
	// maximum: a pass along the rows, then one down the columns. Each pass
	// takes running maxima forwards and backwards within blocks of side
	// elements (van Herk, Gil and Werman), so that any window of side
	// elements is the maximum of a backward maximum where it starts and a
	// forward one where it ends: three comparisons per pixel whatever the
	// side (the Phantom generator dilates every training mask by a 13×13
	// square). The maximum does not depend on the order of comparisons, so
	// the result is that of the direct definition (TestDilateGrey).
	if side == 1 {
		copy(dst, mask)
		return
	}
	r := side / 2
	scratch := make([]float32, 3*h*w+2*w)
	rows, fwd, bwd := scratch[:h*w], scratch[h*w:2*h*w], scratch[2*h*w:3*h*w]
	rowFwd, rowBwd := scratch[3*h*w:3*h*w+w], scratch[3*h*w+w:]
	for y := range h {
		src, out := mask[y*w:(y+1)*w], rows[y*w:(y+1)*w]
		for x, v := range src {
			if x%side != 0 {
				v = max32(rowFwd[x-1], v)
			}
			rowFwd[x] = v
		}
		for x := w - 1; x >= 0; x-- {
			v := src[x]
			if x != w-1 && (x+1)%side != 0 {
				v = max32(rowBwd[x+1], v)
			}
			rowBwd[x] = v
		}
		for x := range out {
			out[x] = windowMax(rowFwd, rowBwd, max(0, x-r), min(w-1, x+r), side)
		}
	}
	// Down the columns, a whole row at a time.
	for y := range h {
		cur, f := rows[y*w:(y+1)*w], fwd[y*w:(y+1)*w]
		if y%side == 0 {
			copy(f, cur)
			continue
		}
		for x, prev := range fwd[(y-1)*w : y*w] {
			f[x] = max32(prev, cur[x])
		}
	}
	for y := h - 1; y >= 0; y-- {
		cur, b := rows[y*w:(y+1)*w], bwd[y*w:(y+1)*w]
		if y == h-1 || (y+1)%side == 0 {
			copy(b, cur)
			continue
		}
		for x, next := range bwd[(y+1)*w : (y+2)*w] {
			b[x] = max32(next, cur[x])
		}
	}
	for y := range h {
		y0, y1 := max(0, y-r), min(h-1, y+r)
		out, f, b := dst[y*w:(y+1)*w], fwd[y1*w:(y1+1)*w], bwd[y0*w:(y0+1)*w]
		switch {
		case y0/side != y1/side:
			for x := range out {
				out[x] = max32(b[x], f[x])
			}
		case y0%side == 0:
			copy(out, f)
		default:
			copy(out, b)
		}
	}
}

// windowMax returns the maximum of the elements a..b (a window of at most
// side elements, clipped only at the ends) from the running maxima fwd
// (from each block's start) and bwd (to each block's end, or the last
// element) over blocks of side elements. A window within one block either
// starts at the block's start or ends at the last element.
func windowMax(fwd, bwd []float32, a, b, side int) float32 {
	switch {
	case a/side != b/side:
		return max32(bwd[a], fwd[b])
	case a%side == 0:
		return fwd[b]
	default:
		return bwd[a]
	}
}

// DilationSide returns the side 2·round(4σ)+1 of the square used to dilate
// training masks (METHODS.md, Crosses): 7 for σ = 0.8, 1 (no dilation) for
// σ <= 0.
func DilationSide(sigma float64) int {
	if !(sigma > 0) {
		return 1
	}
	return 2*int(math.Round(4*sigma)) + 1
}
