package nn

import "saliencyexplorer/engine/kernels"

// ReLU is y = max(x, 0), element-wise. Its tangent and both backward streams
// use the forward's selection (y > 0); the second derivative is zero almost
// everywhere, so BackwardDual has no cross term.
type ReLU struct {
	shape   Shape
	n       int
	y, yt   []float32
	dx, dxt []float32
}

// NewReLU returns a ReLU over activations of shape in.
func NewReLU(in Shape) *ReLU { return &ReLU{shape: in} }

// Kind implements Layer.
func (l *ReLU) Kind() string { return "relu" }

// OutShape implements Layer.
func (l *ReLU) OutShape() Shape { return l.shape }

// Params implements Layer.
func (l *ReLU) Params() []*Param { return nil }

// Forward implements Layer.
func (l *ReLU) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.shape.Size(), "relu input")
	l.n = n
	l.y = grow(l.y, len(x))
	kernels.ReLUTo(l.y, x)
	return l.y
}

// gate writes dst[i] = src[i] where the forward output was positive, else 0.
func (l *ReLU) gate(dst, src []float32) {
	checkLen(src, len(l.y), "relu gradient")
	kernels.GateTo(dst, src, l.y)
}

// Backward implements Layer.
func (l *ReLU) Backward(dy []float32, paramGrads bool) []float32 {
	l.dx = grow(l.dx, len(l.y))
	l.gate(l.dx, dy)
	return l.dx
}

// Tangent implements Layer.
func (l *ReLU) Tangent(dx []float32) []float32 {
	l.yt = grow(l.yt, len(l.y))
	l.gate(l.yt, dx)
	return l.yt
}

// BackwardDual implements Layer.
func (l *ReLU) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, len(l.y))
	l.gate(l.dxt, dyt)
	return dx, l.dxt
}

// Flatten reshapes C×H×W to a vector of C·H·W. NCHW data is already laid out
// as that vector, so every pass returns its argument.
type Flatten struct{ in Shape }

// NewFlatten returns a Flatten of activations of shape in.
func NewFlatten(in Shape) *Flatten { return &Flatten{in: in} }

// Kind implements Layer.
func (l *Flatten) Kind() string { return "flatten" }

// OutShape implements Layer.
func (l *Flatten) OutShape() Shape { return Shape{l.in.Size(), 1, 1} }

// Params implements Layer.
func (l *Flatten) Params() []*Param { return nil }

// Forward implements Layer.
func (l *Flatten) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.in.Size(), "flatten input")
	return x
}

// Backward implements Layer.
func (l *Flatten) Backward(dy []float32, paramGrads bool) []float32 { return dy }

// Tangent implements Layer.
func (l *Flatten) Tangent(dx []float32) []float32 { return dx }

// BackwardDual implements Layer.
func (l *Flatten) BackwardDual(dy, dyt []float32) ([]float32, []float32) { return dy, dyt }

func init() {
	registerLayer("relu", layerType{
		check: func(_ *validator, _ LayerSpec, in Shape, _ string, _ int) (Shape, int, error) { return in, 0, nil },
		build: func(_ LayerSpec, in Shape, _ uint64, _ int) Layer { return NewReLU(in) },
	})
	registerLayer("flatten", layerType{
		check: func(_ *validator, _ LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			return Shape{in.Size(), 1, 1}, 0, nil
		},
		build: func(_ LayerSpec, in Shape, _ uint64, _ int) Layer { return NewFlatten(in) },
	})
}

var (
	_ Layer = (*ReLU)(nil)
	_ Layer = (*Flatten)(nil)
)
