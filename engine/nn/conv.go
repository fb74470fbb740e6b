package nn

import "saliencyexplorer/engine/kernels"

// Conv2D is a 2-D convolution with OC filters of C×KH×KW, a stride and zero
// padding. Shapes, for a batch of N:
//
//	x  N×C×H×W      weight  OC×C×KH×KW   bias OC
//	y  N×OC×OH×OW
//
// Each image is unrolled with im2col into a (C·KH·KW)×(OH·OW) matrix, so the
// forward is one matrix product per image. The column buffer is rebuilt in
// the backward rather than stored for the whole batch, trading a cheap copy
// for N times less memory. Buffers are allocated on first use.
type Conv2D struct {
	g      kernels.ConvGeom
	oc     int
	weight Param
	bias   Param

	n         int
	x, xt     []float32 // last input and input tangent (not owned)
	y, yt     []float32
	dx, dxt   []float32
	col, dcol []float32
}

// NewConv2D returns a convolution of in by oc filters of k×k.
func NewConv2D(in Shape, oc, k, stride, pad int) *Conv2D {
	g := kernels.NewConvGeom(in.C, in.H, in.W, k, k, stride, pad)
	return &Conv2D{
		g:      g,
		oc:     oc,
		weight: Param{Name: "weight", Shape: []int{oc, in.C, k, k}, Trainable: true, init: initHe},
		bias:   Param{Name: "bias", Shape: []int{oc}, Trainable: true, init: initZero},
	}
}

// Kind implements Layer.
func (l *Conv2D) Kind() string { return "conv" }

// OutShape implements Layer.
func (l *Conv2D) OutShape() Shape { return Shape{l.oc, l.g.OH, l.g.OW} }

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{&l.weight, &l.bias} }

func (l *Conv2D) inSize() int  { return l.g.C * l.g.H * l.g.W }
func (l *Conv2D) outSize() int { return l.oc * l.g.OH * l.g.OW }

// convForward computes y = W * x (+ bias if bias != nil) for n images.
func (l *Conv2D) convForward(y, x, bias []float32, n int) {
	in, out, P := l.inSize(), l.outSize(), l.g.Cols()
	l.col = grow(l.col, l.g.Rows()*P)
	for b := 0; b < n; b++ {
		yb := y[b*out : (b+1)*out]
		if bias != nil {
			for o := 0; o < l.oc; o++ {
				v := bias[o]
				row := yb[o*P : (o+1)*P]
				for p := range row {
					row[p] = v
				}
			}
		} else {
			clear(yb)
		}
		kernels.Im2Col(l.col, x[b*in:(b+1)*in], l.g)
		kernels.MatMul(yb, l.weight.Value, l.col, l.oc, l.g.Rows(), P)
	}
}

// convBackward writes dx = Wᵀ * dy and, if dw != nil, adds dw += dy ⊗ x and
// (if db != nil) db += Σ dy.
func (l *Conv2D) convBackward(dx, dw, db, dy, x []float32, n int) {
	in, out, P := l.inSize(), l.outSize(), l.g.Cols()
	l.col = grow(l.col, l.g.Rows()*P)
	l.dcol = grow(l.dcol, l.g.Rows()*P)
	for b := 0; b < n; b++ {
		dyb := dy[b*out : (b+1)*out]
		if db != nil {
			for o := 0; o < l.oc; o++ {
				var s float32
				for _, v := range dyb[o*P : (o+1)*P] {
					s += v
				}
				db[o] += s
			}
		}
		if dw != nil {
			kernels.Im2Col(l.col, x[b*in:(b+1)*in], l.g)
			kernels.MatMulNT(dw, dyb, l.col, l.oc, P, l.g.Rows())
		}
		clear(l.dcol)
		kernels.MatMulTN(l.dcol, l.weight.Value, dyb, l.g.Rows(), l.oc, P)
		dxb := dx[b*in : (b+1)*in]
		clear(dxb)
		kernels.Col2Im(dxb, l.dcol, l.g)
	}
}

// Forward implements Layer.
func (l *Conv2D) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.inSize(), "conv input")
	l.n, l.x = n, x
	l.y = grow(l.y, n*l.outSize())
	l.convForward(l.y, x, l.bias.Value, n)
	return l.y
}

// Backward implements Layer.
func (l *Conv2D) Backward(dy []float32, paramGrads bool) []float32 {
	checkLen(dy, l.n*l.outSize(), "conv output gradient")
	l.dx = grow(l.dx, l.n*l.inSize())
	if paramGrads {
		l.convBackward(l.dx, l.weight.Grad, l.bias.Grad, dy, l.x, l.n)
	} else {
		l.convBackward(l.dx, nil, nil, dy, l.x, l.n)
	}
	return l.dx
}

// Tangent implements Layer: ẏ = W * ẋ (the bias does not depend on x).
func (l *Conv2D) Tangent(dx []float32) []float32 {
	checkLen(dx, l.n*l.inSize(), "conv input tangent")
	l.xt = dx
	l.yt = grow(l.yt, l.n*l.outSize())
	l.convForward(l.yt, dx, nil, l.n)
	return l.yt
}

// BackwardDual implements Layer: x̄ = Wᵀȳ, ẋ̄ = Wᵀẏ̄, W̄ += ȳ⊗x + ẏ̄⊗ẋ, b̄ += Σȳ.
func (l *Conv2D) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, l.n*l.inSize())
	l.convBackward(l.dxt, l.weight.Grad, nil, dyt, l.xt, l.n)
	return dx, l.dxt
}
