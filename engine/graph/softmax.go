package graph

import (
	"fmt"
	"math"
)

// softmaxOp is ONNX Softmax or LogSoftmax along one per-example axis (the
// opset-13 meaning; the importer refuses older models whose axis would
// flatten several axes). Shapes: x, y O×L×I per example, normalized along L.
// With p = softmax(x) and, for a row, J·v = p⊙(v − ⟨p, v⟩):
//
//	Softmax     y = p        ẏ = J·ẋ           x̄ += J·ȳ
//	LogSoftmax  y = log p    ẏ = ẋ − ⟨p, ẋ⟩    x̄ += ȳ − p·Σȳ
//
// and BackwardDual adds the Hessian terms (see there).
type softmaxOp struct {
	typ   string
	attrs Attrs
	axis  int

	outer, length, inner int
	n                    int
	p                    []float32 // softmax of the last Forward
	xt                   []float32
	tmp                  []float32 // one row
}

func newSoftmax(typ string) Constructor {
	return func(a Attrs) (Op, error) {
		if err := a.only("axis"); err != nil {
			return nil, err
		}
		axis, err := a.Int("axis", -1)
		if err != nil {
			return nil, err
		}
		return &softmaxOp{typ: typ, attrs: a, axis: axis}, nil
	}
}

func (l *softmaxOp) Type() string { return l.typ }
func (l *softmaxOp) Attrs() Attrs { return l.attrs }

func (l *softmaxOp) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched {
		return nil, fmt.Errorf("want one batched input, got %v", in)
	}
	s := in[0].Shape
	ax, err := fullAxis(l.axis, len(s))
	if err != nil {
		return nil, err
	}
	l.outer, l.length, l.inner = shapeSize(s[:ax]), s[ax], shapeSize(s[ax+1:])
	l.tmp = make([]float32, l.length)
	return []Info{in[0]}, nil
}

// rows calls f for every row (base offset and stride of its L values).
func (l *softmaxOp) rows(f func(base, stride int)) {
	for o := 0; o < l.n*l.outer; o++ {
		for i := 0; i < l.inner; i++ {
			f(o*l.length*l.inner+i, l.inner)
		}
	}
}

// dot returns ⟨p, v⟩ and Σv over a row.
func (l *softmaxOp) dot(v []float32, base, stride int) (pv, sum float32) {
	for j := 0; j < l.length; j++ {
		k := base + j*stride
		pv += l.p[k] * v[k]
		sum += v[k]
	}
	return pv, sum
}

func (l *softmaxOp) Forward(x, y [][]float32, n int, train bool) {
	l.n = n
	l.p = grow(l.p, len(x[0]))
	l.rows(func(base, stride int) {
		mx := float32(math.Inf(-1))
		for j := 0; j < l.length; j++ {
			mx = max(mx, x[0][base+j*stride])
		}
		var sum float64
		for j := 0; j < l.length; j++ {
			k := base + j*stride
			e := math.Exp(float64(x[0][k] - mx))
			l.p[k] = float32(e)
			sum += e
		}
		lse := float32(math.Log(sum)) + mx
		for j := 0; j < l.length; j++ {
			k := base + j*stride
			l.p[k] = float32(float64(l.p[k]) / sum)
			if l.typ == "Softmax" {
				y[0][k] = l.p[k]
			} else {
				y[0][k] = x[0][k] - lse
			}
		}
	})
}

// backwardRow adds the reverse of the row's Jacobian applied to g into d.
func (l *softmaxOp) backwardRow(d, g []float32, base, stride int) {
	pg, sum := l.dot(g, base, stride)
	for j := 0; j < l.length; j++ {
		k := base + j*stride
		if l.typ == "Softmax" {
			d[k] += l.p[k] * (g[k] - pg)
		} else {
			d[k] += g[k] - l.p[k]*sum
		}
	}
}

func (l *softmaxOp) Backward(dy, dx [][]float32) {
	l.rows(func(base, stride int) { l.backwardRow(dx[0], dy[0], base, stride) })
}

func (l *softmaxOp) Tangent(xt, yt [][]float32) {
	l.xt = xt[0]
	l.rows(func(base, stride int) {
		m, _ := l.dot(l.xt, base, stride)
		for j := 0; j < l.length; j++ {
			k := base + j*stride
			if l.typ == "Softmax" {
				yt[0][k] = l.p[k] * (l.xt[k] - m)
			} else {
				yt[0][k] = l.xt[k] - m
			}
		}
	})
}

// BackwardDual adds, besides the backward of ȳ and of u = ẏ̄ (into ẋ̄), the
// gradient of F = ⟨u, ẏ⟩ with respect to x, with m = ⟨p, ẋ⟩:
//
//	Softmax     F = Σ u·p·(ẋ − m); ∂F/∂p = u⊙(ẋ − m) − ẋ·⟨u, p⟩, then J·∂F/∂p
//	LogSoftmax  F = ⟨u, ẋ⟩ − Σu·m;  ∂F/∂x = −Σu · p⊙(ẋ − m)
func (l *softmaxOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	u := dyt[0]
	l.rows(func(base, stride int) {
		l.backwardRow(dx[0], dy[0], base, stride)
		l.backwardRow(dxt[0], u, base, stride)
		m, _ := l.dot(l.xt, base, stride)
		up, usum := l.dot(u, base, stride)
		if l.typ == "LogSoftmax" {
			for j := 0; j < l.length; j++ {
				k := base + j*stride
				dx[0][k] -= usum * l.p[k] * (l.xt[k] - m)
			}
			return
		}
		// ∂F/∂p into tmp, then J·tmp.
		var pt float32
		for j := 0; j < l.length; j++ {
			k := base + j*stride
			l.tmp[j] = u[k]*(l.xt[k]-m) - l.xt[k]*up
			pt += l.p[k] * l.tmp[j]
		}
		for j := 0; j < l.length; j++ {
			k := base + j*stride
			dx[0][k] += l.p[k] * (l.tmp[j] - pt)
		}
	})
}

var _ Op = (*softmaxOp)(nil)

func init() {
	register("Softmax", newSoftmax("Softmax"))
	register("LogSoftmax", newSoftmax("LogSoftmax"))
}
