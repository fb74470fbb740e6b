package graph

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// binary is an element-wise op of two inputs with NumPy broadcasting: Add,
// Sub, Mul, Div. Either input may be a constant (then it has no tangent, and
// its gradient, if it is a trainable parameter, sums over the batch and the
// broadcast axes).
//
// Shapes: the per-example output shape S is the broadcast of the inputs'
// per-example shapes (a constant of the full rank drops its leading 1). For
// each input, idx maps an output position within one example to the
// input's position (nil when the input already has shape S), and stride is
// the input's step from one example to the next (0 for a constant).
//
// With y = f(a, b) and partial derivatives fa, fb, faa, fab, fbb:
//
//	ẏ  = fa·ȧ + fb·ḃ
//	ā += fa·ȳ + (faa·ȧ + fab·ḃ)·ẏ̄,   ǡ += fa·ẏ̄   (and alike for b)
type binary struct {
	typ string

	size   int // per-example output size
	idx    [2][]int32
	stride [2]int

	// sameAdd is an Add of two batched inputs of the output's shape (a
	// residual connection): every pass is whole-slice copies and Axpy.
	sameAdd bool

	n      int
	a, b   []float32 // last inputs (not owned)
	at, bt []float32 // last input tangents (nil for constants)
}

func (o *binary) Type() string { return o.typ }
func (o *binary) Attrs() Attrs { return nil }

// broadcastShapes returns the per-example broadcast of in's shapes and each
// input's shape aligned to it (padded with leading 1s). A batched input
// keeps its rank; a constant of rank R+1 (R the batched inputs' rank) must
// have a leading 1, which is dropped.
func broadcastShapes(in []Info) (out []int, aligned [][]int, err error) {
	r := -1
	for _, x := range in {
		if x.Batched {
			if r >= 0 && len(x.Shape) != r {
				return nil, nil, fmt.Errorf("batched inputs of ranks %d and %d (per example) do not broadcast along the batch axis", r+1, len(x.Shape)+1)
			}
			r = len(x.Shape)
		}
	}
	if r < 0 {
		return nil, nil, fmt.Errorf("no batched input")
	}
	for _, x := range in {
		s := x.Shape
		if !x.Batched {
			if len(s) == r+1 {
				if s[0] != 1 {
					return nil, nil, fmt.Errorf("constant of shape %v does not broadcast over the batch axis", s)
				}
				s = s[1:]
			}
			if len(s) > r+1 {
				return nil, nil, fmt.Errorf("constant of shape %v has a higher rank than the activation (%d)", s, r+1)
			}
		}
		a := make([]int, r)
		for i := range a {
			a[i] = 1
		}
		copy(a[r-len(s):], s)
		aligned = append(aligned, a)
	}
	out = make([]int, r)
	for i := range out {
		out[i] = 1
		for _, a := range aligned {
			switch {
			case a[i] == out[i] || a[i] == 1:
			case out[i] == 1:
				out[i] = a[i]
			default:
				return nil, nil, fmt.Errorf("shapes %v do not broadcast (axis %d: %d and %d)", in, i+1, out[i], a[i])
			}
		}
	}
	return out, aligned, nil
}

// broadcastIndex returns, for each position of shape out, the position in a
// tensor of shape s (same rank, each axis equal or 1) that broadcasting
// reads, or nil if s equals out.
func broadcastIndex(out, s []int) []int32 {
	if fmt.Sprint(out) == fmt.Sprint(s) {
		return nil
	}
	r := len(out)
	strides := make([]int, r) // of s, 0 along broadcast axes
	st := 1
	for i := r - 1; i >= 0; i-- {
		if s[i] != 1 {
			strides[i] = st
		}
		st *= s[i]
	}
	idx := make([]int32, shapeSize(out))
	pos := make([]int, r)
	off := 0
	for k := range idx {
		idx[k] = int32(off)
		for i := r - 1; i >= 0; i-- {
			pos[i]++
			off += strides[i]
			if pos[i] < out[i] {
				break
			}
			off -= pos[i] * strides[i]
			pos[i] = 0
		}
	}
	return idx
}

func (o *binary) Infer(in []Info) ([]Info, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("want 2 inputs, got %d", len(in))
	}
	out, aligned, err := broadcastShapes(in)
	if err != nil {
		return nil, err
	}
	o.size = shapeSize(out)
	for i := range 2 {
		o.idx[i] = broadcastIndex(out, aligned[i])
		o.stride[i] = 0
		if in[i].Batched {
			o.stride[i] = shapeSize(aligned[i])
		}
	}
	o.sameAdd = o.typ == "Add" && o.idx[0] == nil && o.idx[1] == nil && o.stride[0] == o.size && o.stride[1] == o.size
	return []Info{{Shape: out, Batched: true}}, nil
}

// at returns the index into input i of output position k of example e.
func (o *binary) pos(i, e, k int) int {
	if o.idx[i] == nil {
		return e*o.stride[i] + k
	}
	return e*o.stride[i] + int(o.idx[i][k])
}

// derivs returns f and its first and second partial derivatives at (a, b).
func (o *binary) derivs(a, b float32) (f, fa, fb, faa, fab, fbb float32) {
	switch o.typ {
	case "Add":
		return a + b, 1, 1, 0, 0, 0
	case "Sub":
		return a - b, 1, -1, 0, 0, 0
	case "Mul":
		return a * b, b, a, 0, 1, 0
	default: // Div
		r := 1 / b
		return a * r, r, -a * r * r, 0, -r * r, 2 * a * r * r * r
	}
}

func (o *binary) Forward(x, y [][]float32, n int, train bool) {
	o.n, o.a, o.b = n, x[0], x[1]
	out := y[0]
	if o.sameAdd {
		copy(out, o.a)
		kernels.Axpy(out, o.b, 1)
		return
	}
	for e := 0; e < n; e++ {
		for k := 0; k < o.size; k++ {
			out[e*o.size+k], _, _, _, _, _ = o.derivs(o.a[o.pos(0, e, k)], o.b[o.pos(1, e, k)])
		}
	}
}

// addBoth adds g to whichever of dx is wanted (sameAdd's reverse pass).
func addBoth(dx [][]float32, g []float32) {
	for _, d := range dx {
		if d != nil {
			kernels.Axpy(d, g, 1)
		}
	}
}

func (o *binary) Backward(dy, dx [][]float32) {
	if o.sameAdd {
		addBoth(dx, dy[0])
		return
	}
	for e := 0; e < o.n; e++ {
		for k := 0; k < o.size; k++ {
			i, j := o.pos(0, e, k), o.pos(1, e, k)
			_, fa, fb, _, _, _ := o.derivs(o.a[i], o.b[j])
			g := dy[0][e*o.size+k]
			if dx[0] != nil {
				dx[0][i] += fa * g
			}
			if dx[1] != nil {
				dx[1][j] += fb * g
			}
		}
	}
}

func (o *binary) Tangent(xt, yt [][]float32) {
	o.at, o.bt = xt[0], xt[1]
	if o.sameAdd {
		copy(yt[0], o.at)
		kernels.Axpy(yt[0], o.bt, 1)
		return
	}
	for e := 0; e < o.n; e++ {
		for k := 0; k < o.size; k++ {
			i, j := o.pos(0, e, k), o.pos(1, e, k)
			_, fa, fb, _, _, _ := o.derivs(o.a[i], o.b[j])
			var v float32
			if o.at != nil {
				v += fa * o.at[i]
			}
			if o.bt != nil {
				v += fb * o.bt[j]
			}
			yt[0][e*o.size+k] = v
		}
	}
}

func (o *binary) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	if o.sameAdd { // no second derivatives
		addBoth(dx, dy[0])
		addBoth(dxt, dyt[0])
		return
	}
	for e := 0; e < o.n; e++ {
		for k := 0; k < o.size; k++ {
			i, j := o.pos(0, e, k), o.pos(1, e, k)
			_, fa, fb, faa, fab, fbb := o.derivs(o.a[i], o.b[j])
			g, gt := dy[0][e*o.size+k], dyt[0][e*o.size+k]
			var at, bt float32
			if o.at != nil {
				at = o.at[i]
			}
			if o.bt != nil {
				bt = o.bt[j]
			}
			if dx[0] != nil {
				dx[0][i] += fa*g + (faa*at+fab*bt)*gt
			}
			if dx[1] != nil {
				dx[1][j] += fb*g + (fab*at+fbb*bt)*gt
			}
			if dxt[0] != nil {
				dxt[0][i] += fa * gt
			}
			if dxt[1] != nil {
				dxt[1][j] += fb * gt
			}
		}
	}
}

var _ Op = (*binary)(nil)

func init() {
	for _, typ := range []string{"Add", "Sub", "Mul", "Div"} {
		register(typ, func(a Attrs) (Op, error) { return &binary{typ: typ}, a.only() })
	}
}
