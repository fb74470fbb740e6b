package graph

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// linearOp is ONNX Gemm (y = α·A·B + β·C) and MatMul (y = A·B) with a batched
// A and a constant B: a fully connected layer. Shapes: A is R×K (R = N for
// Gemm; N times the product of A's leading per-example axes for MatMul), B
// is K×M or, with transB, M×K; C is M values or one (broadcast); y R×M.
// transA, which would transpose the batch axis away, is refused.
type linearOp struct {
	typ         string
	attrs       Attrs
	alpha, beta float32
	transB      bool

	k, m, rowsPer int // rowsPer: rows of A per example
	rows          int
	a, at         []float32 // last A and its tangent (not owned)
	b, c          []float32 // last B and C (not owned; C may be nil)
	scratch       []float32
}

func newLinear(typ string) Constructor {
	return func(a Attrs) (Op, error) {
		l := &linearOp{typ: typ, attrs: a, alpha: 1, beta: 1}
		if typ == "MatMul" {
			return l, a.only()
		}
		if err := a.only("alpha", "beta", "transA", "transB"); err != nil {
			return nil, err
		}
		var err error
		if l.alpha, err = a.Float("alpha", 1); err != nil {
			return nil, err
		}
		if l.beta, err = a.Float("beta", 1); err != nil {
			return nil, err
		}
		ta, err := a.Int("transA", 0)
		if err != nil {
			return nil, err
		}
		if ta != 0 {
			return nil, fmt.Errorf("transA = 1 would transpose the batch axis, which is not supported")
		}
		tb, err := a.Int("transB", 0)
		if err != nil {
			return nil, err
		}
		l.transB = tb != 0
		return l, nil
	}
}

func (l *linearOp) Type() string { return l.typ }
func (l *linearOp) Attrs() Attrs { return l.attrs }

func (l *linearOp) Infer(in []Info) ([]Info, error) {
	want := "2"
	if l.typ == "Gemm" {
		want = "2 or 3"
	}
	if len(in) < 2 || len(in) > 3 || (l.typ == "MatMul" && len(in) != 2) {
		return nil, fmt.Errorf("want %s inputs, got %d", want, len(in))
	}
	a, b := in[0], in[1]
	if !a.Batched || len(a.Shape) < 1 || (l.typ == "Gemm" && len(a.Shape) != 1) {
		return nil, fmt.Errorf("A %v: want a batched N×K matrix (N×…×K for MatMul)", a)
	}
	if b.Batched || len(b.Shape) != 2 {
		return nil, fmt.Errorf("B %v: want a constant matrix (a product of two activations is not supported)", b)
	}
	l.k = a.Shape[len(a.Shape)-1]
	l.rowsPer = shapeSize(a.Shape[:len(a.Shape)-1])
	bk, bm := b.Shape[0], b.Shape[1]
	if l.transB {
		bk, bm = bm, bk
	}
	if bk != l.k {
		return nil, fmt.Errorf("A %v and B %v (transB %v) do not multiply", a.Shape, b.Shape, l.transB)
	}
	l.m = bm
	if len(in) == 3 {
		c := in[2]
		if c.Batched || (c.Size() != l.m && c.Size() != 1) || len(c.Shape) > 2 || (len(c.Shape) == 2 && c.Shape[0] != 1) {
			return nil, fmt.Errorf("C %v: want a constant of %d values or one", c, l.m)
		}
	}
	out := append(append([]int(nil), a.Shape[:len(a.Shape)-1]...), l.m)
	return []Info{{Shape: out, Batched: true}}, nil
}

// product adds y += α·A·B for the last batch's rows.
func (l *linearOp) product(y, a []float32) {
	if l.alpha != 1 {
		l.scratch = grow(l.scratch, len(y))
		clear(l.scratch)
		l.mul(l.scratch, a)
		for i, v := range l.scratch {
			y[i] += l.alpha * v
		}
		return
	}
	l.mul(y, a)
}

func (l *linearOp) mul(y, a []float32) {
	if l.transB {
		kernels.MatMulNT(y, a, l.b, l.rows, l.k, l.m)
	} else {
		kernels.MatMul(y, a, l.b, l.rows, l.k, l.m)
	}
}

func (l *linearOp) Forward(x, y [][]float32, n int, train bool) {
	l.rows, l.a, l.b, l.c = n*l.rowsPer, x[0], x[1], nil
	if len(x) > 2 {
		l.c = x[2]
	}
	out := y[0]
	clear(out)
	if l.c != nil && l.beta != 0 {
		for r := 0; r < l.rows; r++ {
			row := out[r*l.m : (r+1)*l.m]
			for j := range row {
				row[j] = l.beta * l.c[j%len(l.c)]
			}
		}
	}
	l.product(out, l.a)
}

// backward adds dA += α·dy·Bᵀ (if dA != nil), dB += α·Aᵀ·dy (if dB != nil)
// and dC += β·Σ dy (if dC != nil), for the A given.
func (l *linearOp) backward(dA, dB, dC, dy, a []float32) {
	s := dy
	if l.alpha != 1 && (dA != nil || dB != nil) {
		l.scratch = grow(l.scratch, len(dy))
		for i, v := range dy {
			l.scratch[i] = l.alpha * v
		}
		s = l.scratch
	}
	if dA != nil {
		if l.transB {
			kernels.MatMul(dA, s, l.b, l.rows, l.m, l.k)
		} else {
			kernels.MatMulNT(dA, s, l.b, l.rows, l.m, l.k)
		}
	}
	if dB != nil {
		if l.transB {
			kernels.MatMulTN(dB, s, a, l.m, l.rows, l.k)
		} else {
			kernels.MatMulTN(dB, a, s, l.k, l.rows, l.m)
		}
	}
	if dC != nil {
		for r := 0; r < l.rows; r++ {
			for j, v := range dy[r*l.m : (r+1)*l.m] {
				dC[j%len(dC)] += l.beta * v
			}
		}
	}
}

func third(x [][]float32) []float32 {
	if len(x) > 2 {
		return x[2]
	}
	return nil
}

func (l *linearOp) Backward(dy, dx [][]float32) {
	l.backward(dx[0], dx[1], third(dx), dy[0], l.a)
}

func (l *linearOp) Tangent(xt, yt [][]float32) {
	l.at = xt[0]
	clear(yt[0])
	l.product(yt[0], l.at)
}

// BackwardDual: Ā += α·ȳ·Bᵀ, Ǡ += α·ẏ̄·Bᵀ, B̄ += α·(Aᵀ·ȳ + Ȧᵀ·ẏ̄), C̄ += β·Σȳ.
func (l *linearOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.backward(dx[0], dx[1], third(dx), dy[0], l.a)
	l.backward(dxt[0], dx[1], nil, dyt[0], l.at)
}

var _ Op = (*linearOp)(nil)

func init() {
	register("Gemm", newLinear("Gemm"))
	register("MatMul", newLinear("MatMul"))
}
