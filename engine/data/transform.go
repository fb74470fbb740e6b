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
	// maximum: a pass along the rows into rows, then one down the columns,
	// side+side comparisons per pixel instead of side² (the Phantom
	// generator dilates every training mask by a 13×13 square).
	r := side / 2
	rows := make([]float32, h*w)
	for y := range h {
		row := mask[y*w : (y+1)*w]
		for x := range w {
			x0, x1 := max(0, x-r), min(w-1, x+r)
			m := row[x0]
			for _, v := range row[x0+1 : x1+1] {
				m = max32(m, v)
			}
			rows[y*w+x] = m
		}
	}
	for y := range h {
		y0, y1 := max(0, y-r), min(h-1, y+r)
		out := dst[y*w : (y+1)*w]
		copy(out, rows[y0*w:(y0+1)*w])
		for yy := y0 + 1; yy <= y1; yy++ {
			for x, v := range rows[yy*w : (yy+1)*w] {
				out[x] = max32(out[x], v)
			}
		}
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
