package graph

import "fmt"

// concatOp joins its batched inputs along one axis (not the batch axis).
// Shapes, per example: input i is O×Ai×I (O the product of the axes before
// the joined one, I of those after), y is O×(ΣAi)×I. Every pass copies
// blocks (the reverse passes add them back into each input's gradient).
type concatOp struct {
	attrs Attrs
	axis  int

	outer int
	inner []int // Ai·I per input
	total int   // ΣAi·I
	n     int
}

func newConcat(a Attrs) (Op, error) {
	if err := a.only("axis"); err != nil {
		return nil, err
	}
	axis, err := a.Int("axis", 1<<30)
	if err != nil {
		return nil, err
	}
	if axis == 1<<30 {
		return nil, fmt.Errorf("attribute axis is required")
	}
	return &concatOp{attrs: a, axis: axis}, nil
}

func (l *concatOp) Type() string { return "Concat" }
func (l *concatOp) Attrs() Attrs { return l.attrs }

func (l *concatOp) Infer(in []Info) ([]Info, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	r := len(in[0].Shape)
	ax, err := fullAxis(l.axis, r)
	if err != nil {
		return nil, err
	}
	out := append([]int(nil), in[0].Shape...)
	out[ax] = 0
	l.inner = l.inner[:0]
	for _, x := range in {
		if !x.Batched {
			return nil, fmt.Errorf("input %v is a constant; only batched inputs are joined", x)
		}
		if len(x.Shape) != r {
			return nil, fmt.Errorf("inputs of ranks %d and %d", r+1, len(x.Shape)+1)
		}
		for i, d := range x.Shape {
			if i != ax && d != in[0].Shape[i] {
				return nil, fmt.Errorf("input shapes %v and %v differ off the axis %d", in[0].Shape, x.Shape, l.axis)
			}
		}
		out[ax] += x.Shape[ax]
		l.inner = append(l.inner, shapeSize(x.Shape[ax:]))
	}
	l.outer = shapeSize(out[:ax])
	l.total = shapeSize(out[ax:])
	return []Info{{Shape: out, Batched: true}}, nil
}

// blocks calls f(i, src, dst) for each block of input i: src its offset in
// the input, dst in the output.
func (l *concatOp) blocks(f func(i, src, dst, size int)) {
	for e := 0; e < l.n*l.outer; e++ {
		off := e * l.total
		for i, size := range l.inner {
			f(i, e*size, off, size)
			off += size
		}
	}
}

func (l *concatOp) Forward(x, y [][]float32, n int, train bool) {
	l.n = n
	l.blocks(func(i, src, dst, size int) { copy(y[0][dst:dst+size], x[i][src:src+size]) })
}

func (l *concatOp) Backward(dy, dx [][]float32) {
	l.blocks(func(i, src, dst, size int) {
		d := dx[i][src : src+size]
		for k, v := range dy[0][dst : dst+size] {
			d[k] += v
		}
	})
}

func (l *concatOp) Tangent(xt, yt [][]float32) {
	l.blocks(func(i, src, dst, size int) { copy(yt[0][dst:dst+size], xt[i][src:src+size]) })
}

func (l *concatOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.Backward(dy, dx)
	l.Backward(dyt, dxt)
}

var _ Op = (*concatOp)(nil)

// padOp pads its batched input (ONNX Pad) in mode constant (with value),
// reflect or edge. The pads are an input since opset 11; the importer folds
// them into the attribute pads, over the full rank (batch axis first, its
// pads 0): [x1_begin, x2_begin, …, x1_end, x2_end, …]. The op is linear
// apart from the constant: src maps each output position to the input
// position it copies (several outputs may copy one input in reflect and
// edge modes), or −1 for the constant.
type padOp struct {
	attrs Attrs
	mode  string
	value float32
	pads  []int

	src             []int32
	inSize, outSize int
	n               int
}

func newPad(a Attrs) (Op, error) {
	if err := a.only("mode", "pads", "value"); err != nil {
		return nil, err
	}
	mode, err := a.Str("mode", "constant")
	if err != nil {
		return nil, err
	}
	if mode != "constant" && mode != "reflect" && mode != "edge" {
		return nil, fmt.Errorf("mode %q is not constant, reflect or edge", mode)
	}
	pads, err := a.Ints("pads", nil)
	if err != nil {
		return nil, err
	}
	value, err := a.Float("value", 0)
	if err != nil {
		return nil, err
	}
	return &padOp{attrs: a, mode: mode, pads: pads, value: value}, nil
}

func (l *padOp) Type() string { return "Pad" }
func (l *padOp) Attrs() Attrs { return l.attrs }

func (l *padOp) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched {
		return nil, fmt.Errorf("want one batched input, got %v", in)
	}
	s := in[0].Shape
	r := len(s) + 1
	if len(l.pads) != 2*r {
		return nil, fmt.Errorf("pads %v: want %d values for rank %d", l.pads, 2*r, r)
	}
	if l.pads[0] != 0 || l.pads[r] != 0 {
		return nil, fmt.Errorf("pads %v pad the batch axis", l.pads)
	}
	out := make([]int, len(s))
	for i, d := range s {
		b, e := l.pads[i+1], l.pads[r+i+1]
		if b < 0 || e < 0 {
			return nil, fmt.Errorf("negative pads %v (cropping) are not supported", l.pads)
		}
		if l.mode == "reflect" && (b >= d || e >= d) {
			return nil, fmt.Errorf("reflect pads %v not smaller than the input %v", l.pads, s)
		}
		out[i] = d + b + e
	}
	if err := checkShape(out); err != nil {
		return nil, err
	}
	l.inSize, l.outSize = shapeSize(s), shapeSize(out)
	l.src = make([]int32, l.outSize)
	pos := make([]int, len(out))
	for k := range l.src {
		off, ok := 0, true
		for i, p := range pos {
			j := p - l.pads[i+1]
			switch {
			case j >= 0 && j < s[i]:
			case l.mode == "constant":
				ok = false
			case l.mode == "edge":
				j = min(max(j, 0), s[i]-1)
			case j < 0: // reflect
				j = -j
			default:
				j = 2*(s[i]-1) - j
			}
			off = off*s[i] + j
		}
		l.src[k] = -1
		if ok {
			l.src[k] = int32(off)
		}
		for i := len(pos) - 1; i >= 0; i-- {
			pos[i]++
			if pos[i] < out[i] {
				break
			}
			pos[i] = 0
		}
	}
	return []Info{{Shape: out, Batched: true}}, nil
}

// apply writes y = P·x + c (with constant) or, with adjoint, adds x += Pᵀ·y.
func (l *padOp) apply(y, x []float32, adjoint bool, c float32) {
	for e := 0; e < l.n; e++ {
		xe, ye := x[e*l.inSize:(e+1)*l.inSize], y[e*l.outSize:(e+1)*l.outSize]
		for k, i := range l.src {
			switch {
			case i < 0 && !adjoint:
				ye[k] = c
			case i < 0:
			case adjoint:
				xe[i] += ye[k]
			default:
				ye[k] = xe[i]
			}
		}
	}
}

func (l *padOp) Forward(x, y [][]float32, n int, train bool) {
	l.n = n
	l.apply(y[0], x[0], false, l.value)
}
func (l *padOp) Backward(dy, dx [][]float32) { l.apply(dy[0], dx[0], true, 0) }
func (l *padOp) Tangent(xt, yt [][]float32)  { l.apply(yt[0], xt[0], false, 0) }
func (l *padOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.apply(dy[0], dx[0], true, 0)
	l.apply(dyt[0], dxt[0], true, 0)
}

var _ Op = (*padOp)(nil)

func init() {
	register("Concat", newConcat)
	register("Pad", newPad)
}
