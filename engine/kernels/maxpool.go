package kernels

import "math"

// MaxPool writes the maximum of each KH×KW window of the C×H×W image x, moved
// by Stride over the image padded by Pad (padding is never selected), into y
// (C×OH×OW), and into arg, for each, the index into x of the value it copied.
// A window's taps are scanned row by row from its first tap inside the image,
// a later tap winning only when strictly greater (so the first of equal
// values wins, and a NaN first tap stays); a window entirely in the padding
// gives 0 and index −1. The windows whose taps all lie inside the image —
// all but a border one window wide — are scanned without bounds tests, and
// 2×2 windows at stride 2 without padding run as MaxPool2x2's loops, and
// the inner windows of 3×3 ones at stride 2 four at a time in wasm SIMD
// (maxPool3x3s2RowVec).
func MaxPool(y []float32, arg []int32, x []float32, g ConvGeom) {
	if len(x) < g.C*g.H*g.W || len(y) < g.C*g.OH*g.OW || len(arg) < g.C*g.OH*g.OW {
		panic("kernels: MaxPool buffer too short")
	}
	if g.KH == 2 && g.KW == 2 && g.Stride == 2 && g.Pad == 0 {
		maxPool2x2(y, arg, x, g.C, g.H, g.W, 0, true)
		return
	}
	// Output rows and columns whose window is inside the image.
	rlo, _ := span(g.H, g.OH, g.Stride, g.Pad, 0)
	_, rhi := span(g.H, g.OH, g.Stride, g.Pad, g.KH-1)
	clo, _ := span(g.W, g.OW, g.Stride, g.Pad, 0)
	_, chi := span(g.W, g.OW, g.Stride, g.Pad, g.KW-1)
	for c := 0; c < g.C; c++ {
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for oi := 0; oi < g.OH; oi++ {
			o := (c*g.OH + oi) * g.OW
			yrow, arow := y[o:o+g.OW], arg[o:o+g.OW]
			if oi < rlo || oi >= rhi || clo >= chi {
				for oj := range yrow {
					yrow[oj], arow[oj] = maxPoolWindow(plane, g, oi, oj, c*g.H*g.W)
				}
				continue
			}
			for oj := 0; oj < clo; oj++ {
				yrow[oj], arow[oj] = maxPoolWindow(plane, g, oi, oj, c*g.H*g.W)
			}
			i0 := oi*g.Stride - g.Pad
			from := clo
			if g.KH == 3 && g.KW == 3 && g.Stride == 2 {
				// Four windows at a time in wasm SIMD.
				j0 := clo*2 - g.Pad
				r := plane[i0*g.W+j0:]
				from += maxPool3x3s2RowVec(yrow[clo:chi], arow[clo:chi], r[:g.W-j0], r[g.W:2*g.W-j0], r[2*g.W:3*g.W-j0],
					int32(c*g.H*g.W+i0*g.W+j0), int32(g.W))
			}
			for oj := from; oj < chi; oj++ {
				j0 := oj*g.Stride - g.Pad
				// Integer selects on the float bits, computed before each
				// bare if, which Go's wasm backend makes branch-free (see
				// elementwise.go): the comparisons of real activations are
				// close to coin flips.
				at := int32(i0*g.W + j0)
				best := math.Float32bits(plane[at])
				for ki := 0; ki < g.KH; ki++ {
					start := (i0+ki)*g.W + j0
					row := plane[start : start+g.KW]
					for kj, v := range row {
						vb, idx := math.Float32bits(v), int32(start+kj)
						if v > math.Float32frombits(best) {
							best, at = vb, idx
						}
					}
				}
				yrow[oj], arow[oj] = math.Float32frombits(best), int32(c*g.H*g.W)+at
			}
			for oj := chi; oj < g.OW; oj++ {
				yrow[oj], arow[oj] = maxPoolWindow(plane, g, oi, oj, c*g.H*g.W)
			}
		}
	}
}

// maxPoolWindow is one window of MaxPool with a bounds test per tap; base
// is the plane's offset in the image, added to the index.
func maxPoolWindow(plane []float32, g ConvGeom, oi, oj, base int) (float32, int32) {
	best, at := float32(0), -1
	for ki := 0; ki < g.KH; ki++ {
		ii := oi*g.Stride - g.Pad + ki
		if ii < 0 || ii >= g.H {
			continue
		}
		for kj := 0; kj < g.KW; kj++ {
			jj := oj*g.Stride - g.Pad + kj
			if jj < 0 || jj >= g.W {
				continue
			}
			if v := plane[ii*g.W+jj]; at < 0 || v > best {
				best, at = v, ii*g.W+jj
			}
		}
	}
	if at < 0 {
		return 0, -1
	}
	return best, int32(base + at)
}

// MaxPoolNaive is the reference for MaxPool: every window through
// maxPoolWindow.
func MaxPoolNaive(y []float32, arg []int32, x []float32, g ConvGeom) {
	for c := 0; c < g.C; c++ {
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				o := (c*g.OH+oi)*g.OW + oj
				y[o], arg[o] = maxPoolWindow(plane, g, oi, oj, c*g.H*g.W)
			}
		}
	}
}
