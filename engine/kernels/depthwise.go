package kernels

// A depthwise convolution filters each channel of a C×H×W image with its
// own KH×KW filter (ONNX Conv with group = C = OC). Run as im2col and a
// product per channel it is C products of one row, which the packed GEMM
// does at a fraction of its speed after copying every input value KH·KW
// times; the kernels below instead move along output rows, adding each tap's
// weight times the input row it sees (Axpy for stride 1, so SIMD in wasm),
// and keep the output row in L1 while its KH·KW taps are added.
//
// Shapes: x C×H×W, y and dy C×OH×OW, w and dw C×KH×KW, with g describing one
// channel's window (g.C is the number of channels).

func checkDepthwise(y, x, w []float32, g ConvGeom) {
	if len(x) < g.C*g.H*g.W || len(y) < g.C*g.OH*g.OW || len(w) < g.C*g.KH*g.KW {
		panic("kernels: depthwise convolution buffer too short")
	}
}

// DepthwiseConv adds to y the depthwise convolution of x with w:
// y[c][oi][oj] += Σ w[c][ki][kj]·x[c][oi·S−P+ki][oj·S−P+kj] over the taps
// inside the image.
func DepthwiseConv(y, x, w []float32, g ConvGeom) {
	checkDepthwise(y, x, w, g)
	if is3x3s1(g) {
		depthwise3x3s1(y, x, w, g.C, g.H, g.W, false, false, nil, Activation{})
		return
	}
	if is3x3s2(g) {
		depthwise3x3s2(y, x, w, g, false, nil, Activation{})
		return
	}
	for c := 0; c < g.C; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		wc := w[c*g.KH*g.KW : (c+1)*g.KH*g.KW]
		for oi := 0; oi < g.OH; oi++ {
			yrow := y[(c*g.OH+oi)*g.OW : (c*g.OH+oi+1)*g.OW]
			for ki := 0; ki < g.KH; ki++ {
				ii := oi*g.Stride - g.Pad + ki
				if ii < 0 || ii >= g.H {
					continue
				}
				xrow := xc[ii*g.W : (ii+1)*g.W]
				if g.KW == 3 && g.Pad == 1 {
					rowTaps3(yrow, xrow, wc[ki*3], wc[ki*3+1], wc[ki*3+2], g.Stride)
					continue
				}
				for kj := 0; kj < g.KW; kj++ {
					lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
					if lo >= hi {
						continue
					}
					wv := wc[ki*g.KW+kj]
					off := kj - g.Pad
					if g.Stride == 1 {
						Axpy(yrow[lo:hi], xrow[lo+off:hi+off], wv)
						continue
					}
					for oj := lo; oj < hi; oj++ {
						yrow[oj] += wv * xrow[oj*g.Stride+off]
					}
				}
			}
		}
	}
}

// DepthwiseConvBias writes to y the depthwise convolution of x with w plus
// each channel's bias (bias[c]; nil for none), passed through act,
// whatever y held: the 3×3 kernels at strides 1 and 2 start each output
// from its bias instead of reading y, so a layer's output is written once
// rather than filled and then read back, and apply act to each channel as
// soon as it is done, while it is in cache.
func DepthwiseConvBias(y, x, w, bias []float32, g ConvGeom, act Activation) {
	checkDepthwise(y, x, w, g)
	if bias != nil && len(bias) < g.C {
		panic("kernels: depthwise convolution bias too short")
	}
	if is3x3s1(g) {
		depthwise3x3s1(y, x, w, g.C, g.H, g.W, false, true, bias, act)
		return
	}
	if is3x3s2(g) {
		depthwise3x3s2(y, x, w, g, true, bias, act)
		return
	}
	FillRows(y, bias, g.C, g.OH*g.OW)
	DepthwiseConv(y, x, w, g)
	act.Apply(y[:g.C*g.OH*g.OW])
}

// DepthwiseConvBackInput adds to dx the gradient of Σ dy·y with respect to
// x (the adjoint of DepthwiseConv in x): each output gradient times each
// tap's weight lands on the input value the tap read.
func DepthwiseConvBackInput(dx, dy, w []float32, g ConvGeom) {
	checkDepthwise(dy, dx, w, g)
	if is3x3s1(g) {
		// Pixel (i, j) gets tap (ki, kj) of output (i+1−ki, j+1−kj): the
		// forward pass with the filter turned by half a turn.
		depthwise3x3s1(dx, dy, w, g.C, g.H, g.W, true, false, nil, Activation{})
		return
	}
	if is3x3s2(g) {
		depthwise3x3s2Back(dx, dy, w, g)
		return
	}
	for c := 0; c < g.C; c++ {
		dxc := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		wc := w[c*g.KH*g.KW : (c+1)*g.KH*g.KW]
		for oi := 0; oi < g.OH; oi++ {
			dyrow := dy[(c*g.OH+oi)*g.OW : (c*g.OH+oi+1)*g.OW]
			for ki := 0; ki < g.KH; ki++ {
				ii := oi*g.Stride - g.Pad + ki
				if ii < 0 || ii >= g.H {
					continue
				}
				dxrow := dxc[ii*g.W : (ii+1)*g.W]
				if g.KW == 3 && g.Pad == 1 && g.Stride == 1 && g.OW == g.W {
					// Pixel j gets tap kj of output j+1−kj: the forward's
					// row pass with the taps reversed.
					rowTaps3(dxrow, dyrow, wc[ki*3+2], wc[ki*3+1], wc[ki*3], 1)
					continue
				}
				for kj := 0; kj < g.KW; kj++ {
					lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
					if lo >= hi {
						continue
					}
					wv := wc[ki*g.KW+kj]
					off := kj - g.Pad
					if g.Stride == 1 {
						Axpy(dxrow[lo+off:hi+off], dyrow[lo:hi], wv)
						continue
					}
					for oj := lo; oj < hi; oj++ {
						dxrow[oj*g.Stride+off] += wv * dyrow[oj]
					}
				}
			}
		}
	}
}

// DepthwiseConvBackWeight adds to dw the gradient of Σ dy·y with respect to
// the filters: dw[c][ki][kj] += Σ dy[c][oi][oj]·x[c][oi·S−P+ki][oj·S−P+kj].
func DepthwiseConvBackWeight(dw, dy, x []float32, g ConvGeom) {
	checkDepthwise(dy, x, dw, g)
	for c := 0; c < g.C; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		dyc := dy[c*g.OH*g.OW : (c+1)*g.OH*g.OW]
		for ki := 0; ki < g.KH; ki++ {
			rlo, rhi := span(g.H, g.OH, g.Stride, g.Pad, ki)
			for kj := 0; kj < g.KW; kj++ {
				lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
				if lo >= hi {
					continue
				}
				off := kj - g.Pad
				var s float32
				for oi := rlo; oi < rhi; oi++ {
					ii := oi*g.Stride - g.Pad + ki
					xrow := xc[ii*g.W : (ii+1)*g.W]
					dyrow := dyc[oi*g.OW : (oi+1)*g.OW]
					if g.Stride == 1 {
						s += Dot(dyrow[lo:hi], xrow[lo+off:hi+off])
						continue
					}
					for oj := lo; oj < hi; oj++ {
						s += dyrow[oj] * xrow[oj*g.Stride+off]
					}
				}
				dw[(c*g.KH+ki)*g.KW+kj] += s
			}
		}
	}
}

// is3x3s1 reports whether g is a 3×3 window with padding 1 at stride 1,
// whose output has the input's size.
func is3x3s1(g ConvGeom) bool {
	return g.KH == 3 && g.KW == 3 && g.Pad == 1 && g.Stride == 1 && g.OH == g.H && g.OW == g.W
}

// is3x3s2 reports whether g is a 3×3 window with padding 1 at stride 2.
func is3x3s2(g ConvGeom) bool {
	return g.KH == 3 && g.KW == 3 && g.Pad == 1 && g.Stride == 2
}

// depthwise3x3s1 adds to y (c channels of h×wd) the 3×3 depthwise
// convolution with padding 1 at stride 1 of x by w (nine values per
// channel, row-major), the taps read from w turned by half a turn if flip;
// with set it writes bias[c] (zero if bias is nil) plus the taps instead.
// Each channel's outputs then go through act.
// Each channel is first copied into a zero-bordered (h+2)×(wd+2) scratch,
// so every output has its nine taps (the border's zeros standing for the
// padding): each output row is then one pass that adds all nine taps, with
// wasm SIMD four outputs at a time (depthwise3x3s1Vec), the scalar tap9
// doing what it leaves.
func depthwise3x3s1(y, x, w []float32, c, h, wd int, flip, set bool, bias []float32, act Activation) {
	n, pw := h*wd, wd+2
	sc := getScratch((h + 2) * pw)
	defer putScratch(sc)
	p := sc.buf
	clear(p)
	var f [9]float32
	for ch := 0; ch < c; ch++ {
		xc, yc := x[ch*n:(ch+1)*n], y[ch*n:(ch+1)*n]
		for i := 0; i < h; i++ {
			copy(p[(i+1)*pw+1:(i+1)*pw+1+wd], xc[i*wd:(i+1)*wd])
		}
		copy(f[:], w[ch*9:ch*9+9])
		if flip {
			for t := 0; t < 4; t++ {
				f[t], f[8-t] = f[8-t], f[t]
			}
		}
		var b float32
		if bias != nil {
			b = bias[ch]
		}
		if !depthwise3x3s1Vec(yc, p, &f, h, wd, set, b) {
			if set {
				Fill(yc, b)
			}
			for i := 0; i < h; i++ {
				yrow := yc[i*wd : (i+1)*wd]
				r0, r1, r2 := p[i*pw:(i+1)*pw], p[(i+1)*pw:(i+2)*pw], p[(i+2)*pw:(i+3)*pw]
				for j := range yrow {
					yrow[j] += tap9(r0[j:j+3], r1[j:j+3], r2[j:j+3], &f)
				}
			}
		}
		act.Apply(yc)
	}
}

// depthwise3x3s2 is DepthwiseConv for a 3×3 window with padding 1 at
// stride 2. Each channel's rows, with a zero row above and below, are first
// split into their even and odd columns: with e holding columns −1, 1, 3…
// (a zero for column −1) and o columns 0, 2, 4…, output column j of a row
// reads e[j], o[j] and e[j+1] of each of its three input rows, so every
// output has its nine taps at unit stride; with wasm SIMD four outputs at a
// time (depthwise3x3s2Vec), the scalar loop doing what it leaves, the
// products added in tap9's order. With set it writes bias[c] (zero if bias
// is nil) plus the taps instead of adding to y. Each channel's outputs then
// go through act.
func depthwise3x3s2(y, x, w []float32, g ConvGeom, set bool, bias []float32, act Activation) {
	pw := g.OW + 1
	rows := 2*g.OH + 1 // padded rows 0..2·OH; row r is input row r−1
	sc := getScratch(2 * rows * pw)
	defer putScratch(sc)
	e, o := sc.buf[:rows*pw], sc.buf[rows*pw:]
	clear(sc.buf)
	n, on := g.H*g.W, g.OH*g.OW
	for c := 0; c < g.C; c++ {
		xc, yc := x[c*n:(c+1)*n], y[c*on:(c+1)*on]
		for r := 1; r < rows && r <= g.H; r++ {
			splitColumns(e[r*pw+1:(r+1)*pw], o[r*pw:(r+1)*pw], xc[(r-1)*g.W:r*g.W])
		}
		wc := (*[9]float32)(w[c*9 : c*9+9])
		var b float32
		if bias != nil {
			b = bias[c]
		}
		if !depthwise3x3s2Vec(yc, e, o, wc, g.OH, g.OW, pw, set, b) {
			if set {
				Fill(yc, b)
			}
			for oi := 0; oi < g.OH; oi++ {
				yrow := yc[oi*g.OW : (oi+1)*g.OW]
				e0, e1, e2 := e[2*oi*pw:], e[(2*oi+1)*pw:], e[(2*oi+2)*pw:]
				o0, o1, o2 := o[2*oi*pw:], o[(2*oi+1)*pw:], o[(2*oi+2)*pw:]
				for j := range yrow {
					yrow[j] += wc[0]*e0[j] + wc[1]*o0[j] + wc[2]*e0[j+1] +
						wc[3]*e1[j] + wc[4]*o1[j] + wc[5]*e1[j+1] +
						wc[6]*e2[j] + wc[7]*o2[j] + wc[8]*e2[j+1]
				}
			}
		}
		act.Apply(yc)
	}
}

// splitColumns writes the odd values of x (x[1], x[3]…) to odd and the even
// ones (x[0], x[2]…) to even.
func splitColumns(odd, even, x []float32) {
	i := splitColumnsVec(odd, even, x)
	for ; i+1 < len(x); i += 2 {
		even[i/2], odd[i/2] = x[i], x[i+1]
	}
	if i < len(x) {
		even[i/2] = x[i]
	}
}

// depthwise3x3s2Back is DepthwiseConvBackInput for a 3×3 window with
// padding 1 at stride 2, gathering rather than scattering: input row ii
// gets kernel row 1 of output row ii/2 if ii is even, else kernel rows 0
// and 2 of output rows (ii+1)/2 and (ii−1)/2; within a row, column 2n gets
// tap 1 of output column n, and column 2n+1 taps 0 and 2 of output columns
// n+1 and n. Each channel's dy is first copied into a scratch with a zero
// row above and below and zero columns on the right, so every term exists;
// with wasm SIMD four n at a time (depthwise3x3s2BackVec), eight input
// values, in the scalar loop's order of operations.
func depthwise3x3s2Back(dx, dy, w []float32, g ConvGeom) {
	pw := (g.OW+3)&^3 + 1
	sc := getScratch((g.OH+2)*pw + 8)
	defer putScratch(sc)
	p := sc.buf
	clear(p)
	tmp := (*[8]float32)(p[len(p)-8:])
	n, on := g.H*g.W, g.OH*g.OW
	for c := 0; c < g.C; c++ {
		dyc, dxc := dy[c*on:(c+1)*on], dx[c*n:(c+1)*n]
		for oi := 0; oi < g.OH; oi++ {
			copy(p[(oi+1)*pw:(oi+1)*pw+g.OW], dyc[oi*g.OW:(oi+1)*g.OW])
		}
		wc := (*[9]float32)(w[c*9 : c*9+9])
		if depthwise3x3s2BackVec(dxc, p, wc, tmp, g.H, g.W, pw) {
			continue
		}
		for ii := 0; ii < g.H; ii++ {
			row := dxc[ii*g.W : (ii+1)*g.W]
			m := (ii + 1) / 2
			d0, d1 := p[(m+1)*pw:(m+2)*pw], p[m*pw:(m+1)*pw]
			for j := 0; j < g.W; j += 2 {
				k := j / 2
				if ii%2 == 0 {
					row[j] += wc[4] * d0[k]
					if j+1 < g.W {
						row[j+1] += wc[3]*d0[k+1] + wc[5]*d0[k]
					}
					continue
				}
				row[j] += wc[1]*d0[k] + wc[7]*d1[k]
				if j+1 < g.W {
					row[j+1] += wc[0]*d0[k+1] + wc[2]*d0[k] + wc[6]*d1[k+1] + wc[8]*d1[k]
				}
			}
		}
	}
}

// tap9 returns the nine products of w with the 3×3 window whose rows are
// r0, r1 and r2, added in row-major order.
func tap9(r0, r1, r2 []float32, w *[9]float32) float32 {
	a, b, c := (*[3]float32)(r0), (*[3]float32)(r1), (*[3]float32)(r2)
	return w[0]*a[0] + w[1]*a[1] + w[2]*a[2] +
		w[3]*b[0] + w[4]*b[1] + w[5]*b[2] +
		w[6]*c[0] + w[7]*c[1] + w[8]*c[2]
}

// scratch is a reusable buffer of the depthwise kernels, kept on a free
// list (as the products' workspaces are) so that a warm engine does not
// allocate.
type scratch struct{ buf []float32 }

var scratches freeList[scratch]

// getScratch returns a scratch buffer of n values (contents undefined).
func getScratch(n int) *scratch {
	s := scratches.get()
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	s.buf = s.buf[:n]
	return s
}

func putScratch(s *scratch) { scratches.put(s) }

// rowTaps3 adds to each output y[j] of a row the three taps of one kernel
// row of a window of width 3 with padding 1 over the input row x:
// y[j] += w0·x[j·s−1] + w1·x[j·s] + w2·x[j·s+1], taps outside x left out.
// One pass over y for the three taps; with wasm SIMD and stride 1 or 2 the
// inner outputs go four at a time (rowTaps3Vec, rowTaps3Stride2Vec) with the
// same operations in the same order.
func rowTaps3(y, x []float32, w0, w1, w2 float32, s int) {
	w := len(x)
	j := 0
	// Output 0 (and any other whose left tap is in the padding).
	for ; j < len(y) && j*s-1 < 0; j++ {
		v := w1 * x[j*s]
		if j*s+1 < w {
			v += w2 * x[j*s+1]
		}
		y[j] += v
	}
	// Inner outputs: all three taps inside x.
	inner := len(y)
	if last := (w - 2) / s; last+1 < inner { // j·s+1 ≤ w−1
		inner = last + 1
	}
	if s == 1 && j < inner {
		j += rowTaps3Vec(y[j:inner], x[j-1:inner+1], w0, w1, w2)
	}
	if s == 2 && j < inner {
		j += rowTaps3Stride2Vec(y[j:inner], x[2*j-1:2*inner], w0, w1, w2)
	}
	for ; j < inner; j++ {
		c := j*s - 1
		y[j] += w0*x[c] + w1*x[c+1] + w2*x[c+2]
	}
	// Outputs whose right tap (or middle) is in the padding.
	for ; j < len(y); j++ {
		c := j*s - 1
		var v float32
		if c < w {
			v = w0 * x[c]
		}
		if c+1 < w {
			v += w1 * x[c+1]
		}
		y[j] += v
	}
}

// DepthwiseConvNaive is the reference for DepthwiseConv: one loop per output
// value and tap with a bounds test.
func DepthwiseConvNaive(y, x, w []float32, g ConvGeom) {
	depthwiseNaive(g, func(c, o, i, t int) { y[o] += w[t] * x[i] })
}

// DepthwiseConvBackInputNaive is the reference for DepthwiseConvBackInput.
func DepthwiseConvBackInputNaive(dx, dy, w []float32, g ConvGeom) {
	depthwiseNaive(g, func(c, o, i, t int) { dx[i] += w[t] * dy[o] })
}

// DepthwiseConvBackWeightNaive is the reference for DepthwiseConvBackWeight.
func DepthwiseConvBackWeightNaive(dw, dy, x []float32, g ConvGeom) {
	depthwiseNaive(g, func(c, o, i, t int) { dw[t] += dy[o] * x[i] })
}

// depthwiseNaive calls f with the channel, output index, input index and
// weight index of every tap inside the image.
func depthwiseNaive(g ConvGeom, f func(c, o, i, t int)) {
	for c := 0; c < g.C; c++ {
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				for ki := 0; ki < g.KH; ki++ {
					for kj := 0; kj < g.KW; kj++ {
						ii, jj := oi*g.Stride-g.Pad+ki, oj*g.Stride-g.Pad+kj
						if ii >= 0 && ii < g.H && jj >= 0 && jj < g.W {
							f(c, (c*g.OH+oi)*g.OW+oj, (c*g.H+ii)*g.W+jj, (c*g.KH+ki)*g.KW+kj)
						}
					}
				}
			}
		}
	}
}
