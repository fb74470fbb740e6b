package graph

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// poolOp is a 2-D max or average pool (ONNX MaxPool, AveragePool) with
// strides, padding (zeros that a max never selects), ceil_mode, and for the
// average count_include_pad. Shapes, per example: x C×H×W, y C×OH×OW.
//
// Both are linear in x once the max's selection is fixed, so the tangent
// and both reverse streams reuse the forward's selection (arg) or divisors
// (div), and BackwardDual has no cross term.
type poolOp struct {
	typ        string
	attrs      Attrs
	wa         windowAttrs
	includePad bool

	g    window
	fast *kernels.ConvGeom // the window as the kernels describe it, if they can
	n    int
	arg  []int32   // max: input index (within the example) of each output, −1 if none
	div  []float32 // average: 1/(values counted) of each output position
}

func newPool(typ string) Constructor {
	return func(a Attrs) (Op, error) {
		names := []string{"kernel_shape", "strides", "pads", "auto_pad", "ceil_mode"}
		if typ == "MaxPool" {
			names = append(names, "dilations", "storage_order")
		} else {
			names = append(names, "count_include_pad")
		}
		if err := a.only(names...); err != nil {
			return nil, err
		}
		wa, err := readWindowAttrs(a)
		if err != nil {
			return nil, err
		}
		if len(wa.kernel) != 2 {
			return nil, fmt.Errorf("kernel_shape %v: want two values", wa.kernel)
		}
		if so, err := a.Int("storage_order", 0); err != nil || so != 0 {
			return nil, fmt.Errorf("storage_order other than 0 (row major) is not supported")
		}
		cip, err := a.Int("count_include_pad", 0)
		if err != nil {
			return nil, err
		}
		return &poolOp{typ: typ, attrs: a, wa: wa, includePad: cip != 0}, nil
	}
}

func (l *poolOp) Type() string { return l.typ }
func (l *poolOp) Attrs() Attrs { return l.attrs }

func (l *poolOp) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched || len(in[0].Shape) != 3 {
		return nil, fmt.Errorf("want one batched C×H×W input, got %v", in)
	}
	s := in[0].Shape
	g, err := l.wa.geometry(s[0], s[1], s[2], l.wa.kernel[0], l.wa.kernel[1])
	if err != nil {
		return nil, err
	}
	l.g = g
	l.fast = nil
	if g.SH == g.SW && g.DH == 1 && g.DW == 1 && g.PT == g.PB && g.PL == g.PR && g.PT == g.PL {
		fg := kernels.NewConvGeom(g.C, g.H, g.W, g.KH, g.KW, g.SH, g.PT)
		if fg.OH == g.OH && fg.OW == g.OW {
			l.fast = &fg
		}
	}
	if l.typ == "AveragePool" {
		// The divisor of each output position: the window clipped to the
		// input (and, with count_include_pad, to the padded input).
		l.div = make([]float32, g.OH*g.OW)
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				h0, w0 := oi*g.SH-g.PT, oj*g.SW-g.PL
				h1, w1 := h0+g.KH, w0+g.KW
				var cnt int
				if l.includePad {
					cnt = (min(h1, g.H+g.PB) - h0) * (min(w1, g.W+g.PR) - w0)
				} else {
					cnt = (min(h1, g.H) - max(h0, 0)) * (min(w1, g.W) - max(w0, 0))
				}
				if cnt > 0 {
					l.div[oi*g.OW+oj] = 1 / float32(cnt)
				}
			}
		}
	}
	return []Info{{Shape: []int{g.C, g.OH, g.OW}, Batched: true}}, nil
}

// taps calls f(o, i) for every output position o of one example and input
// position i inside its window (both within the example).
func (l *poolOp) taps(c int, f func(o, i int)) {
	g := l.g
	for oi := 0; oi < g.OH; oi++ {
		for oj := 0; oj < g.OW; oj++ {
			o := (c*g.OH+oi)*g.OW + oj
			for ki := 0; ki < g.KH; ki++ {
				ii := oi*g.SH - g.PT + ki*g.DH
				if ii < 0 || ii >= g.H {
					continue
				}
				for kj := 0; kj < g.KW; kj++ {
					jj := oj*g.SW - g.PL + kj*g.DW
					if jj >= 0 && jj < g.W {
						f(o, (c*g.H+ii)*g.W+jj)
					}
				}
			}
		}
	}
}

func (l *poolOp) Forward(x, y [][]float32, n int, train bool) {
	l.n = n
	g := l.g
	in, out := g.C*g.H*g.W, g.C*g.OH*g.OW
	if l.typ == "MaxPool" {
		l.arg = make32(l.arg, n*out)
		for e := 0; e < n; e++ {
			if l.fast != nil {
				kernels.MaxPool(y[0][e*out:(e+1)*out], l.arg[e*out:(e+1)*out], x[0][e*in:(e+1)*in], *l.fast)
				continue
			}
			l.maxForward(y[0][e*out:(e+1)*out], l.arg[e*out:(e+1)*out], x[0][e*in:(e+1)*in])
		}
		return
	}
	l.apply(y[0], x[0], false)
}

// maxForward writes one example's maxima y and their input indices arg
// (−1 and a 0 output for a window entirely in the padding). The taps are
// scanned as taps orders them, the first of equal values winning; the loops
// are written out rather than run through taps, whose call per tap cost
// more than the comparisons.
func (l *poolOp) maxForward(y []float32, arg []int32, x []float32) {
	g := l.g
	o := 0
	for c := 0; c < g.C; c++ {
		plane := c * g.H * g.W
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				best, at := float32(0), int32(-1)
				for ki := 0; ki < g.KH; ki++ {
					ii := oi*g.SH - g.PT + ki*g.DH
					if ii < 0 || ii >= g.H {
						continue
					}
					row := plane + ii*g.W
					for kj := 0; kj < g.KW; kj++ {
						jj := oj*g.SW - g.PL + kj*g.DW
						if jj < 0 || jj >= g.W {
							continue
						}
						if v := x[row+jj]; at < 0 || v > best {
							best, at = v, int32(row+jj)
						}
					}
				}
				y[o], arg[o] = best, at
				o++
			}
		}
	}
}

// apply computes the linear map of the last Forward: y = P·x (pool), or
// with adjoint x += Pᵀ·y.
func (l *poolOp) apply(y, x []float32, adjoint bool) {
	g := l.g
	in, out := g.C*g.H*g.W, g.C*g.OH*g.OW
	hw := g.OH * g.OW
	for e := 0; e < l.n; e++ {
		xe, ye := x[e*in:(e+1)*in], y[e*out:(e+1)*out]
		if l.typ == "MaxPool" {
			ae := l.arg[e*out : (e+1)*out]
			for o, i := range ae {
				switch {
				case i < 0 && !adjoint:
					ye[o] = 0
				case i < 0:
				case adjoint:
					xe[i] += ye[o]
				default:
					ye[o] = xe[i]
				}
			}
			continue
		}
		if l.fast != nil {
			// The kernels' loops, without a call per tap.
			if adjoint {
				kernels.AvgPoolBack(xe, ye, l.div, *l.fast)
			} else {
				kernels.AvgPool(ye, xe, l.div, *l.fast)
			}
			continue
		}
		if !adjoint {
			clear(ye)
		}
		for c := 0; c < g.C; c++ {
			l.taps(c, func(o, i int) {
				d := l.div[o%hw]
				if adjoint {
					xe[i] += ye[o] * d
				} else {
					ye[o] += xe[i] * d
				}
			})
		}
	}
}

func make32(buf []int32, n int) []int32 {
	if cap(buf) < n {
		return make([]int32, n)
	}
	return buf[:n]
}

func (l *poolOp) Backward(dy, dx [][]float32) { l.apply(dy[0], dx[0], true) }
func (l *poolOp) Tangent(xt, yt [][]float32)  { l.apply(yt[0], xt[0], false) }
func (l *poolOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.apply(dy[0], dx[0], true)
	l.apply(dyt[0], dxt[0], true)
}

var _ Op = (*poolOp)(nil)

// reduceOp is ReduceMean or ReduceSum over some per-example axes, and
// GlobalAveragePool (the mean over every axis after the channels, kept as
// 1s). It is linear: y[o] = scale·Σ x[i] over the inputs i that map to o.
// Shapes: x N×S, y N×S′ where S′ is S with the reduced axes set to 1 (or
// dropped, with keepdims = 0).
type reduceOp struct {
	typ   string
	attrs Attrs
	axes  []int // ONNX axes (full rank); nil: all (ReduceX) or spatial (GlobalAveragePool); empty: none (noop_with_empty_axes)
	keep  bool

	inSize, outSize int
	to              []int32 // output position of each input position, per example
	scale           float32
	n               int
}

func newReduce(typ string) Constructor {
	return func(a Attrs) (Op, error) {
		if typ == "GlobalAveragePool" {
			return &reduceOp{typ: typ, attrs: a, keep: true}, a.only()
		}
		// The axes are an input of ReduceSum since opset 13 (of ReduceMean
		// since 18); the importer folds them into the attribute axes.
		if err := a.only("axes", "keepdims", "noop_with_empty_axes"); err != nil {
			return nil, err
		}
		axes, err := a.Ints("axes", nil)
		if err != nil {
			return nil, err
		}
		keep, err := a.Int("keepdims", 1)
		if err != nil {
			return nil, err
		}
		noop, err := a.Int("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		if len(axes) == 0 && noop == 0 {
			axes = nil // every axis
		}
		return &reduceOp{typ: typ, attrs: a, axes: axes, keep: keep != 0}, nil
	}
}

func (l *reduceOp) Type() string { return l.typ }
func (l *reduceOp) Attrs() Attrs { return l.attrs }

func (l *reduceOp) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched {
		return nil, fmt.Errorf("want one batched input, got %v", in)
	}
	s := in[0].Shape
	red := make([]bool, len(s))
	switch {
	case l.typ == "GlobalAveragePool":
		if len(s) < 2 {
			return nil, fmt.Errorf("input %v has no spatial axes", in[0])
		}
		for i := 1; i < len(s); i++ {
			red[i] = true
		}
	case l.axes == nil:
		return nil, fmt.Errorf("reducing every axis would mix the batch axis in")
	default:
		for _, ax := range l.axes {
			p, err := fullAxis(ax, len(s))
			if err != nil {
				return nil, err
			}
			red[p] = true
		}
	}
	var out, kept []int
	for i, d := range s {
		if red[i] {
			kept = append(kept, 1)
			if l.keep {
				out = append(out, 1)
			}
		} else {
			kept = append(kept, d)
			out = append(out, d)
		}
	}
	// Map each input position to its output position: the broadcast index
	// of the kept shape over the input's, inverted.
	idx := broadcastIndex(s, kept)
	l.inSize, l.outSize = shapeSize(s), shapeSize(kept)
	l.to = make([]int32, l.inSize)
	for i := range l.to {
		if idx == nil {
			l.to[i] = int32(i)
		} else {
			l.to[i] = idx[i]
		}
	}
	l.scale = 1
	if l.typ != "ReduceSum" {
		l.scale = float32(l.outSize) / float32(l.inSize)
	}
	return []Info{{Shape: out, Batched: true}}, nil
}

func (l *reduceOp) Forward(x, y [][]float32, n int, train bool) {
	l.n = n
	l.apply(y[0], x[0], false)
}

// apply computes y = R·x, or with adjoint x += Rᵀ·y.
func (l *reduceOp) apply(y, x []float32, adjoint bool) {
	for e := 0; e < l.n; e++ {
		xe, ye := x[e*l.inSize:(e+1)*l.inSize], y[e*l.outSize:(e+1)*l.outSize]
		if adjoint {
			for i, o := range l.to {
				xe[i] += l.scale * ye[o]
			}
			continue
		}
		clear(ye)
		for i, o := range l.to {
			ye[o] += xe[i]
		}
		for o := range ye {
			ye[o] *= l.scale
		}
	}
}

func (l *reduceOp) Backward(dy, dx [][]float32) { l.apply(dy[0], dx[0], true) }
func (l *reduceOp) Tangent(xt, yt [][]float32)  { l.apply(yt[0], xt[0], false) }
func (l *reduceOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.apply(dy[0], dx[0], true)
	l.apply(dyt[0], dxt[0], true)
}

var _ Op = (*reduceOp)(nil)

func init() {
	register("MaxPool", newPool("MaxPool"))
	register("AveragePool", newPool("AveragePool"))
	register("GlobalAveragePool", newReduce("GlobalAveragePool"))
	register("ReduceMean", newReduce("ReduceMean"))
	register("ReduceSum", newReduce("ReduceSum"))
}
