package nn

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// Linear is a fully connected layer. Shapes, for a batch of N:
//
//	x  N×I   weight O×I   bias O
//	y  N×O   y = x·weightᵀ + bias
type Linear struct {
	in, out int
	weight  Param
	bias    Param

	n       int
	x, xt   []float32
	y, yt   []float32
	dx, dxt []float32
}

// NewLinear returns a fully connected layer from in.Size() inputs to out
// outputs.
func NewLinear(in Shape, out int) *Linear {
	i := in.Size()
	return &Linear{
		in: i, out: out,
		weight: Param{Name: "weight", Shape: []int{out, i}, Trainable: true, init: initFanIn},
		bias:   Param{Name: "bias", Shape: []int{out}, Trainable: true, init: initZero},
	}
}

// Kind implements Layer.
func (l *Linear) Kind() string { return "linear" }

// OutShape implements Layer.
func (l *Linear) OutShape() Shape { return Shape{l.out, 1, 1} }

// Params implements Layer.
func (l *Linear) Params() []*Param { return []*Param{&l.weight, &l.bias} }

// Forward implements Layer.
func (l *Linear) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.in, "linear input")
	l.n, l.x = n, x
	l.y = grow(l.y, n*l.out)
	for b := 0; b < n; b++ {
		copy(l.y[b*l.out:(b+1)*l.out], l.bias.Value)
	}
	kernels.MatMulNT(l.y, x, l.weight.Value, n, l.in, l.out)
	return l.y
}

// linearBackward writes dx = dy·W and adds dw += dyᵀ·x when dw != nil.
func (l *Linear) linearBackward(dx, dw, dy, x []float32) {
	clear(dx)
	kernels.MatMul(dx, dy, l.weight.Value, l.n, l.out, l.in)
	if dw != nil {
		kernels.MatMulTN(dw, dy, x, l.out, l.n, l.in)
	}
}

// Backward implements Layer.
func (l *Linear) Backward(dy []float32, paramGrads bool) []float32 {
	checkLen(dy, l.n*l.out, "linear output gradient")
	l.dx = grow(l.dx, l.n*l.in)
	if !paramGrads {
		l.linearBackward(l.dx, nil, dy, l.x)
		return l.dx
	}
	l.linearBackward(l.dx, l.weight.Grad, dy, l.x)
	for b := 0; b < l.n; b++ {
		for o, v := range dy[b*l.out : (b+1)*l.out] {
			l.bias.Grad[o] += v
		}
	}
	return l.dx
}

// Tangent implements Layer: ẏ = ẋ·Wᵀ.
func (l *Linear) Tangent(dx []float32) []float32 {
	checkLen(dx, l.n*l.in, "linear input tangent")
	l.xt = dx
	l.yt = grow(l.yt, l.n*l.out)
	clear(l.yt)
	kernels.MatMulNT(l.yt, dx, l.weight.Value, l.n, l.in, l.out)
	return l.yt
}

// BackwardDual implements Layer.
func (l *Linear) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, l.n*l.in)
	l.linearBackward(l.dxt, l.weight.Grad, dyt, l.xt)
	return dx, l.dxt
}

func init() {
	registerLayer("linear", layerType{
		check: func(_ *validator, s LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			if in.H != 1 || in.W != 1 {
				return in, 0, fmt.Errorf("linear needs a vector input (add gap or flatten first), got %v", in)
			}
			if s.Out <= 0 || s.Out > maxChannels {
				return in, 0, fmt.Errorf("linear with %d outputs", s.Out)
			}
			return Shape{s.Out, 1, 1}, s.Out*in.C + s.Out, nil
		},
		build: func(s LayerSpec, in Shape, _ uint64, _ int) Layer { return NewLinear(in, s.Out) },
	})
}

var _ Layer = (*Linear)(nil)
