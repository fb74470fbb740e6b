package kernels

// A stride-1 convolution reads, for kernel tap (c, ki, kj), the input plane c
// shifted by (ki − Pad, kj − Pad). With the image padded by Pad zeros on
// every side into planes of Hp×Wp (Wp = W + 2·Pad), that shift is a
// constant offset c·Hp·Wp + ki·Wp + kj, and output (oi, oj) is at column
// oi·Wp + oj of every tap's run: the im2col matrix, row by row, is the
// padded image itself read at K offsets. ConvStride1 multiplies the filters
// by it where it lies, so that neither the column matrix nor B's packed
// panels are written (on the 8-filter convolutions of the 64×64 networks
// those two copies were half the time of im2col + MatMul). When OW is a
// multiple of the tile's 8 columns and the filters fill whole row panels
// (every built-in network), the micro-kernel runs output row by output row
// and stores straight into y. Otherwise it computes the product over all
// OH·Wp columns, including the Wp − OW of each row that are not outputs
// (they straddle two rows), and copies the outputs out.

// convStride1Block is the number of columns one micro-kernel call sweeps
// before the next row panel: the image rows the block reads stay in L1
// while every row panel of the filters passes over them.
const convStride1Block = 256

// convStride1MaxOC is the most filters ConvStride1Applies accepts: beyond
// 32, im2col + MatMul measured faster (BenchmarkConvStride1), since the
// packed B panels then serve enough row panels to pay for their copies.
const convStride1MaxOC = 32

// convWorkspace holds ConvStride1's buffers.
type convWorkspace struct {
	xp, t, a []float32 // the padded image, the product (rows rounded up to the tile's), the packed filters
	offs     []int     // each kernel row's offset in xp
	bias     []float32 // the bias, rounded up to whole row panels by zeros
}

var convWorkspaces freeList[convWorkspace]

// ConvStride1Applies reports whether ConvStride1 runs g with oc filters and
// is expected to be faster there than im2col and MatMul: a stride-1
// convolution with 3 columns of taps and at most 32 filters, in a build with
// the micro-kernel it needs (wasm with SIMD).
func ConvStride1Applies(g ConvGeom, oc int) bool {
	return convRuns3 != nil && g.Stride == 1 && g.KW == 3 && oc <= convStride1MaxOC
}

// ConvStride1 writes y (OC×OH×OW) = the filters w (OC×C·KH·KW, row-major as
// a Conv2D's weight) convolved with the image x (C×H×W), plus bias[o] on
// channel o when bias is not nil. It panics unless ConvStride1Applies(g, oc)
// or when a buffer is too short.
func ConvStride1(y, x, w, bias []float32, oc int, g ConvGeom) {
	if convRuns3 == nil || g.Stride != 1 || g.KW != 3 {
		panic("kernels: ConvStride1 on a geometry it does not run")
	}
	K, P := g.Rows(), g.Cols()
	if len(x) < g.C*g.H*g.W || len(w) < oc*K || len(y) < oc*P || (bias != nil && len(bias) < oc) {
		panic("kernels: ConvStride1 buffer too short")
	}
	const mr, nr = 4, 8 // convRuns3's tile
	ws := convWorkspaces.get()
	defer convWorkspaces.put(ws)
	hp, wp := g.H+2*g.Pad, g.W+2*g.Pad
	plane := hp * wp
	// Columns of the product: OH rows of Wp, rounded up to whole strips.
	n := (g.OH*wp + nr - 1) / nr * nr
	// The last kernel row starts at (C−1)·plane + (KH−1)·Wp and its strips
	// read n + 2 values from there.
	ws.xp = grow32(ws.xp, max((g.C-1)*plane+(g.KH-1)*wp+n+2, g.C*plane))
	xp := ws.xp
	clear(xp)
	for c := 0; c < g.C; c++ {
		for i := 0; i < g.H; i++ {
			o := c*plane + (i+g.Pad)*wp + g.Pad
			copy(xp[o:o+g.W], x[(c*g.H+i)*g.W:])
		}
	}
	runs := g.C * g.KH
	if cap(ws.offs) < runs {
		ws.offs = make([]int, runs)
	}
	offs := ws.offs[:runs]
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.KH; ki++ {
			offs[c*g.KH+ki] = c*plane + ki*wp
		}
	}
	panels := (oc + mr - 1) / mr
	ws.a = grow32(ws.a, panels*mr*K)
	ap := ws.a
	packA(ap, w, false, oc, K, 0, oc, 0, K, mr)
	ws.bias = grow32(ws.bias, panels*mr)
	clear(ws.bias)
	if bias != nil {
		copy(ws.bias, bias[:oc])
	}
	if g.OW%nr == 0 && oc%mr == 0 {
		// Every strip lies in one output row and every row panel is whole:
		// the micro-kernel writes y itself, row by row of the output.
		for i := 0; i < g.OH; i++ {
			for p := 0; p < panels; p++ {
				convRuns3(y[p*mr*P+i*g.OW:], P, ap[p*mr*K:(p+1)*mr*K], xp[i*wp:], offs, g.OW/nr, (*[mr]float32)(ws.bias[p*mr:]))
			}
		}
		return
	}
	ws.t = grow32(ws.t, panels*mr*n)
	tt := ws.t
	for j0 := 0; j0 < n; j0 += convStride1Block {
		strips := min(convStride1Block, n-j0) / nr
		for p := 0; p < panels; p++ {
			convRuns3(tt[p*mr*n+j0:], n, ap[p*mr*K:(p+1)*mr*K], xp[j0:], offs, strips, (*[mr]float32)(ws.bias[p*mr:]))
		}
	}
	for o := 0; o < oc; o++ {
		for i := 0; i < g.OH; i++ {
			copy(y[(o*g.OH+i)*g.OW:(o*g.OH+i+1)*g.OW], tt[o*n+i*wp:])
		}
	}
}
