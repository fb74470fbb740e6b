package kernels

// ConvGeom describes one 2-D convolution or pooling window over a C×H×W image:
// a KH×KW window moved with Stride over the image padded by Pad zeros on each
// side, giving an OH×OW output.
type ConvGeom struct {
	C, H, W     int
	KH, KW      int
	Stride, Pad int
	OH, OW      int
}

// NewConvGeom returns the geometry of a KH×KW window with the given stride and
// padding over a C×H×W image. It panics if the window does not fit.
func NewConvGeom(c, h, w, kh, kw, stride, pad int) ConvGeom {
	if c <= 0 || h <= 0 || w <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0 {
		panic("kernels: invalid convolution geometry")
	}
	oh := (h+2*pad-kh)/stride + 1
	ow := (w+2*pad-kw)/stride + 1
	if oh <= 0 || ow <= 0 {
		panic("kernels: convolution window larger than the padded image")
	}
	return ConvGeom{C: c, H: h, W: w, KH: kh, KW: kw, Stride: stride, Pad: pad, OH: oh, OW: ow}
}

// Rows returns C·KH·KW, the number of rows of the im2col matrix.
func (g ConvGeom) Rows() int { return g.C * g.KH * g.KW }

// Cols returns OH·OW, the number of columns of the im2col matrix.
func (g ConvGeom) Cols() int { return g.OH * g.OW }

// span returns the range [lo, hi) of output positions o in 0..outN−1 whose
// input position o·stride − pad + tap lies inside 0..n−1 (the rest read
// padding), so the loops below run branch-free over it.
func span(n, outN, stride, pad, tap int) (lo, hi int) {
	// o·stride ≥ pad − tap and o·stride ≤ n − 1 + pad − tap.
	if d := pad - tap; d > 0 {
		lo = (d + stride - 1) / stride
	}
	if last := n - 1 + pad - tap; last < 0 {
		hi = 0
	} else {
		hi = min(outN, last/stride+1)
	}
	return min(lo, hi), hi
}

// Im2Col writes the patches of one C×H×W image into col, a (C·KH·KW)×(OH·OW)
// matrix: row (c, ki, kj) holds, for every output position, the input pixel
// under kernel tap (ki, kj) of channel c, or zero in the padding.
func Im2Col(col, img []float32, g ConvGeom) { Im2ColStrided(col, g.Cols(), img, g) }

// Im2ColStrided is Im2Col into the first OH·OW columns of a matrix whose rows
// are ld ≥ OH·OW apart, so that the patches of several images can sit side
// by side in one matrix (image b at column b·OH·OW) and one product serves
// them all. Columns past OH·OW are not touched.
func Im2ColStrided(col []float32, ld int, img []float32, g ConvGeom) {
	P := g.Cols()
	if ld < P || len(img) < g.C*g.H*g.W || len(col) < (g.Rows()-1)*ld+P {
		panic("kernels: Im2Col buffer too short")
	}
	same := g.Stride == 1 && g.OH == g.H && g.OW == g.W
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			rlo, rhi := span(g.H, g.OH, g.Stride, g.Pad, ki)
			for kj := 0; kj < g.KW; kj++ {
				lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
				dst := col[row*ld : row*ld+P]
				clear(dst[:rlo*g.OW])
				clear(dst[rhi*g.OW:])
				row++
				if same && rlo < rhi && lo < hi {
					// A stride-1 'same' convolution shifts the whole plane
					// by one offset per tap: one copy of the valid run,
					// then zeros over the few values it wrapped in from the
					// neighbouring rows, instead of one short copy per row.
					d := (ki-g.Pad)*g.W + kj - g.Pad
					first, last := rlo*g.W+lo, (rhi-1)*g.W+hi
					copy(dst[first:last], plane[first+d:last+d])
					for oi := rlo; oi < rhi; oi++ {
						out := dst[oi*g.W : (oi+1)*g.W]
						clear(out[:lo])
						clear(out[hi:])
					}
					continue
				}
				for oi := rlo; oi < rhi; oi++ {
					src := plane[(oi*g.Stride-g.Pad+ki)*g.W:]
					out := dst[oi*g.OW : (oi+1)*g.OW]
					clear(out[:lo])
					clear(out[hi:])
					if g.Stride == 1 {
						copy(out[lo:hi], src[lo-g.Pad+kj:])
						continue
					}
					if g.Stride == 2 {
						everyOther(out[lo:hi], src[2*lo-g.Pad+kj:(hi-1)*2-g.Pad+kj+1])
						continue
					}
					for oj := lo; oj < hi; oj++ {
						out[oj] = src[oj*g.Stride-g.Pad+kj]
					}
				}
			}
		}
	}
}

// Col2Im adds the columns of col, shaped as Im2Col writes them, back into the
// C×H×W image img (the adjoint of Im2Col). Padding positions are dropped.
func Col2Im(img, col []float32, g ConvGeom) { Col2ImStrided(img, col, g.Cols(), g) }

// Col2ImStrided is Col2Im from the first OH·OW columns of a matrix whose rows
// are ld ≥ OH·OW apart (the layout Im2ColStrided writes).
func Col2ImStrided(img, col []float32, ld int, g ConvGeom) {
	P := g.Cols()
	if ld < P || len(img) < g.C*g.H*g.W || len(col) < (g.Rows()-1)*ld+P {
		panic("kernels: Col2Im buffer too short")
	}
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			rlo, rhi := span(g.H, g.OH, g.Stride, g.Pad, ki)
			if g.Stride == 1 && g.KW == 3 && g.Pad == 1 && g.OW == g.W {
				// The common 3×3 'same' case: the three taps of a kernel row
				// are added in one pass, one read-modify-write of the image
				// row instead of three.
				s0, s1, s2 := col[row*ld:row*ld+P], col[(row+1)*ld:(row+1)*ld+P], col[(row+2)*ld:(row+2)*ld+P]
				for oi := rlo; oi < rhi; oi++ {
					dst := plane[(oi-1+ki)*g.W : (oi+ki)*g.W]
					a, b, e := s0[oi*g.W:(oi+1)*g.W], s1[oi*g.W:(oi+1)*g.W], s2[oi*g.W:(oi+1)*g.W]
					addTaps3(dst, a, b, e)
				}
				row += 3
				continue
			}
			for kj := 0; kj < g.KW; kj++ {
				lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
				src := col[row*ld : row*ld+P]
				for oi := rlo; oi < rhi; oi++ {
					dst := plane[(oi*g.Stride-g.Pad+ki)*g.W:]
					in := src[oi*g.OW : (oi+1)*g.OW]
					if g.Stride == 1 {
						d := dst[lo-g.Pad+kj : hi-g.Pad+kj]
						for oj, v := range in[lo:hi] {
							d[oj] += v
						}
						continue
					}
					if g.Stride == 2 && lo < hi {
						addEveryOther(dst[2*lo-g.Pad+kj:min(g.W, 2*hi-g.Pad+kj)], in[lo:hi])
						continue
					}
					for oj := lo; oj < hi; oj++ {
						dst[oj*g.Stride-g.Pad+kj] += in[oj]
					}
				}
				row++
			}
		}
	}
}

// everyOther writes dst[i] = src[2i] for i < len(dst); src holds
// 2·len(dst)−1 values. With wasm SIMD four values at a time
// (everyOtherVec), the even lanes of two vectors.
func everyOther(dst, src []float32) {
	src = src[:2*len(dst)-1]
	for i := everyOtherVec(dst, src); i < len(dst); i++ {
		dst[i] = src[2*i]
	}
}

// addEveryOther adds src[i] to dst[2i] for i < len(src); dst holds
// 2·len(src)−1 or 2·len(src) values. With wasm SIMD four values at a time
// (addEveryOtherVec), src's values spread over the even lanes of two
// vectors whose odd lanes are zeros.
func addEveryOther(dst, src []float32) {
	dst = dst[:min(len(dst), 2*len(src))]
	for i := addEveryOtherVec(dst, src); i < len(src); i++ {
		dst[2*i] += src[i]
	}
}

// addTaps3 adds to the image row dst (width W) the three column rows of one
// kernel row of a 3×3 stride-1 pad-1 convolution: tap kj of output j lands
// on pixel j−1+kj, so pixel x gets a[x+1] + b[x] + e[x−1] where those exist.
func addTaps3(dst, a, b, e []float32) {
	w := len(dst)
	a, b, e = a[:w], b[:w], e[:w]
	if w == 1 {
		dst[0] += b[0]
		return
	}
	dst[0] += a[1] + b[0]
	for x := 1 + addTaps3Vec(dst, a, b, e); x < w-1; x++ {
		dst[x] += a[x+1] + b[x] + e[x-1]
	}
	dst[w-1] += b[w-1] + e[w-2]
}

// Im2ColNaive is Im2Col written as one loop per output value with a bounds
// test per tap; it is the reference for Im2Col.
func Im2ColNaive(col, img []float32, g ConvGeom) {
	if len(img) < g.C*g.H*g.W || len(col) < g.Rows()*g.Cols() {
		panic("kernels: Im2Col buffer too short")
	}
	P := g.Cols()
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				row := (c*g.KH+ki)*g.KW + kj
				for oi := 0; oi < g.OH; oi++ {
					for oj := 0; oj < g.OW; oj++ {
						ii, jj := oi*g.Stride-g.Pad+ki, oj*g.Stride-g.Pad+kj
						var v float32
						if ii >= 0 && ii < g.H && jj >= 0 && jj < g.W {
							v = img[(c*g.H+ii)*g.W+jj]
						}
						col[row*P+oi*g.OW+oj] = v
					}
				}
			}
		}
	}
}

// Col2ImNaive is Col2Im written as one loop per column value with a bounds
// test per tap; it is the reference for Col2Im.
func Col2ImNaive(img, col []float32, g ConvGeom) {
	if len(img) < g.C*g.H*g.W || len(col) < g.Rows()*g.Cols() {
		panic("kernels: Col2Im buffer too short")
	}
	P := g.Cols()
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				row := (c*g.KH+ki)*g.KW + kj
				for oi := 0; oi < g.OH; oi++ {
					for oj := 0; oj < g.OW; oj++ {
						ii, jj := oi*g.Stride-g.Pad+ki, oj*g.Stride-g.Pad+kj
						if ii >= 0 && ii < g.H && jj >= 0 && jj < g.W {
							img[(c*g.H+ii)*g.W+jj] += col[row*P+oi*g.OW+oj]
						}
					}
				}
			}
		}
	}
}
