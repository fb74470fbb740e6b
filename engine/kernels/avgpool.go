package kernels

// AvgPool writes to y (C×OH×OW) the average pool of the C×H×W image x:
// output o of each channel is Σ x·div[o] over its window's taps inside the
// image (KH×KW, moved by Stride over the image padded by Pad), the taps
// taken row by row, each multiplied by the output's divisor before it is
// added (div holds OH·OW values, one per output position: the caller's
// count of the window, with or without the padding). The loops run over
// each kernel tap's span of outputs (see span), so no tap is bounds-tested.
func AvgPool(y, x, div []float32, g ConvGeom) {
	checkAvgPool(y, x, div, g)
	P := g.OH * g.OW
	clear(y[:g.C*P])
	for c := 0; c < g.C; c++ {
		plane := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for oi := 0; oi < g.OH; oi++ {
			yrow := y[c*P+oi*g.OW : c*P+(oi+1)*g.OW]
			drow := div[oi*g.OW : (oi+1)*g.OW]
			for ki := 0; ki < g.KH; ki++ {
				ii := oi*g.Stride - g.Pad + ki
				if ii < 0 || ii >= g.H {
					continue
				}
				xrow := plane[ii*g.W : (ii+1)*g.W]
				for kj := 0; kj < g.KW; kj++ {
					lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
					off := kj - g.Pad
					for oj := lo; oj < hi; oj++ {
						yrow[oj] += xrow[oj*g.Stride+off] * drow[oj]
					}
				}
			}
		}
	}
}

// AvgPoolBack adds to dx the adjoint of AvgPool: each output gradient dy[o]
// times div[o] lands on every tap of window o inside the image.
func AvgPoolBack(dx, dy, div []float32, g ConvGeom) {
	checkAvgPool(dy, dx, div, g)
	P := g.OH * g.OW
	for c := 0; c < g.C; c++ {
		plane := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for oi := 0; oi < g.OH; oi++ {
			dyrow := dy[c*P+oi*g.OW : c*P+(oi+1)*g.OW]
			drow := div[oi*g.OW : (oi+1)*g.OW]
			for ki := 0; ki < g.KH; ki++ {
				ii := oi*g.Stride - g.Pad + ki
				if ii < 0 || ii >= g.H {
					continue
				}
				dxrow := plane[ii*g.W : (ii+1)*g.W]
				for kj := 0; kj < g.KW; kj++ {
					lo, hi := span(g.W, g.OW, g.Stride, g.Pad, kj)
					off := kj - g.Pad
					for oj := lo; oj < hi; oj++ {
						dxrow[oj*g.Stride+off] += dyrow[oj] * drow[oj]
					}
				}
			}
		}
	}
}

func checkAvgPool(y, x, div []float32, g ConvGeom) {
	if len(x) < g.C*g.H*g.W || len(y) < g.C*g.OH*g.OW || len(div) < g.OH*g.OW {
		panic("kernels: AvgPool buffer too short")
	}
}

// AvgPoolNaive is the reference for AvgPool: one loop per output value and
// tap with a bounds test.
func AvgPoolNaive(y, x, div []float32, g ConvGeom) {
	clear(y[:g.C*g.OH*g.OW])
	avgPoolNaive(g, func(o, p, i int) { y[o] += x[i] * div[p] })
}

// AvgPoolBackNaive is the reference for AvgPoolBack.
func AvgPoolBackNaive(dx, dy, div []float32, g ConvGeom) {
	avgPoolNaive(g, func(o, p, i int) { dx[i] += dy[o] * div[p] })
}

// avgPoolNaive calls f with the output index, output position (within the
// channel) and input index of every tap inside the image: the taps of a
// depthwise convolution of the same geometry (depthwiseNaive).
func avgPoolNaive(g ConvGeom, f func(o, p, i int)) {
	depthwiseNaive(g, func(c, o, i, _ int) { f(o, o-c*g.OH*g.OW, i) })
}
