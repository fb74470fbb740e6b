package nn

import (
	"math"

	"saliencyexplorer/engine/kernels"
)

// BatchNorm2D normalizes each channel. Shapes: x, y N×C×H×W; weight γ, bias β,
// running mean and variance C. Per channel, over its M = N·H·W values:
//
//	training:  μ = mean(x), σ² = mean((x−μ)²), r = 1/√(σ²+ε)
//	inference: μ, σ² are the running statistics
//	x̂ = (x−μ)·r,  y = γ·x̂ + β
//
// In training mode the statistics depend on the whole batch, so the tangent
// is ẋ̂ = r·(ẋ − mean(ẋ) − x̂·mean(x̂·ẋ)), and the reverse of the dual pass
// carries second-order terms through r and μ (see BackwardDual).
type BatchNorm2D struct {
	shape    Shape
	eps      float32
	momentum float32
	weight   Param
	bias     Param
	runMean  Param
	runVar   Param

	n       int
	train   bool
	xhat    []float32 // N×C×H×W
	r       []float32 // C: 1/√(σ²+ε) used by the last forward
	xt      []float32 // last input tangent (not owned)
	xhatT   []float32 // ẋ̂
	y, yt   []float32
	dx, dxt []float32
}

// NewBatchNorm2D returns a batch normalization over the channels of in, with
// ε = 1e-5 and running-statistics momentum 0.1.
func NewBatchNorm2D(in Shape) *BatchNorm2D {
	c := in.C
	return &BatchNorm2D{
		shape: in, eps: 1e-5, momentum: 0.1,
		weight:  Param{Name: "weight", Shape: []int{c}, Trainable: true, init: initOne},
		bias:    Param{Name: "bias", Shape: []int{c}, Trainable: true, init: initZero},
		runMean: Param{Name: "running_mean", Shape: []int{c}, init: initZero},
		runVar:  Param{Name: "running_var", Shape: []int{c}, init: initOne},
		r:       make([]float32, c),
	}
}

// Kind implements Layer.
func (l *BatchNorm2D) Kind() string { return "batchnorm" }

// OutShape implements Layer.
func (l *BatchNorm2D) OutShape() Shape { return l.shape }

// Params implements Layer.
func (l *BatchNorm2D) Params() []*Param {
	return []*Param{&l.weight, &l.bias, &l.runMean, &l.runVar}
}

// plane returns the slice of channel c of batch item b.
func (l *BatchNorm2D) plane(buf []float32, b, c int) []float32 {
	hw := l.shape.H * l.shape.W
	off := (b*l.shape.C + c) * hw
	return buf[off : off+hw]
}

// Forward implements Layer.
func (l *BatchNorm2D) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.shape.Size(), "batchnorm input")
	l.n, l.train = n, train
	l.xhat = grow(l.xhat, len(x))
	l.y = grow(l.y, len(x))
	m := float64(n * l.shape.H * l.shape.W)
	for c := 0; c < l.shape.C; c++ {
		var mean, variance float64
		if train {
			for b := 0; b < n; b++ {
				for _, v := range l.plane(x, b, c) {
					mean += float64(v)
				}
			}
			mean /= m
			for b := 0; b < n; b++ {
				for _, v := range l.plane(x, b, c) {
					d := float64(v) - mean
					variance += d * d
				}
			}
			variance /= m
			mom := float64(l.momentum)
			l.runMean.Value[c] = float32((1-mom)*float64(l.runMean.Value[c]) + mom*mean)
			unbiased := variance
			if m > 1 {
				unbiased = variance * m / (m - 1)
			}
			l.runVar.Value[c] = float32((1-mom)*float64(l.runVar.Value[c]) + mom*unbiased)
		} else {
			mean, variance = float64(l.runMean.Value[c]), float64(l.runVar.Value[c])
		}
		r := float32(1 / math.Sqrt(variance+float64(l.eps)))
		l.r[c] = r
		g, beta, mu := l.weight.Value[c], l.bias.Value[c], float32(mean)
		for b := 0; b < n; b++ {
			kernels.NormalizeTo(l.plane(l.xhat, b, c), l.plane(l.y, b, c), l.plane(x, b, c), mu, r, g, beta)
		}
	}
	return l.y
}

// channelSums returns Σ a and Σ a·x̂ over channel c.
func (l *BatchNorm2D) channelSums(a []float32, c int) (sum, dot float64) {
	for b := 0; b < l.n; b++ {
		as, hs := l.plane(a, b, c), l.plane(l.xhat, b, c)
		for i, v := range as {
			sum += float64(v)
			dot += float64(v) * float64(hs[i])
		}
	}
	return sum, dot
}

// project writes dst = scale·r·(a − mean(a) − x̂·mean(x̂·a)) for channel c in
// training mode, or dst = scale·r·a in inference mode. This is the Jacobian
// of x̂ with respect to x applied to a (it is symmetric, so it serves the
// tangent and the backward alike).
func (l *BatchNorm2D) project(dst, a []float32, c int, scale float32) {
	r := l.r[c]
	if !l.train {
		k := scale * r
		for b := 0; b < l.n; b++ {
			kernels.ScaleTo(l.plane(dst, b, c), l.plane(a, b, c), k)
		}
		return
	}
	m := float64(l.n * l.shape.H * l.shape.W)
	sum, dot := l.channelSums(a, c)
	mean, meanDot := float32(sum/m), float32(dot/m)
	k := scale * r
	for b := 0; b < l.n; b++ {
		kernels.ProjectTo(l.plane(dst, b, c), l.plane(a, b, c), l.plane(l.xhat, b, c), k, mean, meanDot)
	}
}

// Backward implements Layer: x̄ = γ·J ȳ, γ̄ += Σ ȳ·x̂, β̄ += Σ ȳ.
func (l *BatchNorm2D) Backward(dy []float32, paramGrads bool) []float32 {
	checkLen(dy, len(l.xhat), "batchnorm gradient")
	l.dx = grow(l.dx, len(dy))
	for c := 0; c < l.shape.C; c++ {
		if paramGrads {
			sum, dot := l.channelSums(dy, c)
			l.bias.Grad[c] += float32(sum)
			l.weight.Grad[c] += float32(dot)
		}
		l.project(l.dx, dy, c, l.weight.Value[c])
	}
	return l.dx
}

// Tangent implements Layer: ẏ = γ·ẋ̂ with ẋ̂ = J ẋ.
func (l *BatchNorm2D) Tangent(dx []float32) []float32 {
	checkLen(dx, len(l.xhat), "batchnorm input tangent")
	l.xt = dx
	l.xhatT = grow(l.xhatT, len(dx))
	l.yt = grow(l.yt, len(dx))
	for c := 0; c < l.shape.C; c++ {
		l.project(l.xhatT, dx, c, 1)
		g := l.weight.Value[c]
		for b := 0; b < l.n; b++ {
			ys, hs := l.plane(l.yt, b, c), l.plane(l.xhatT, b, c)
			for i, v := range hs {
				ys[i] = g * v
			}
		}
	}
	return l.yt
}

// BackwardDual implements Layer.
//
// With u = γ·ẏ̄ (the gradient reaching ẋ̂), ẋ̄ = J u and γ̄ gains Σ ẏ̄·ẋ̂. In
// training mode ẋ̂ also depends on x: writing xc = x−μ, ẋc = ẋ−mean(ẋ),
// uc = u−mean(u), A = Σ u·ẋc, B = mean(xc·ẋ), C = Σ u·xc, the term
// F(x) = ⟨u, ẋ̂⟩ = r·A − r³·B·C has gradient
//
//	∂F/∂x = −(A − 3r²·B·C)·r³·xc/M − r³·C·ẋc/M − r³·B·uc,
//
// which is added to the ordinary backward of ȳ.
func (l *BatchNorm2D) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	checkLen(dyt, len(l.xhat), "batchnorm tangent gradient")
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, len(dyt))
	m := float64(l.n * l.shape.H * l.shape.W)
	for c := 0; c < l.shape.C; c++ {
		g := l.weight.Value[c]
		var gammaDot float64
		for b := 0; b < l.n; b++ {
			us, hs := l.plane(dyt, b, c), l.plane(l.xhatT, b, c)
			for i, v := range us {
				gammaDot += float64(v) * float64(hs[i])
			}
		}
		l.weight.Grad[c] += float32(gammaDot)
		l.project(l.dxt, dyt, c, g)
		if !l.train {
			continue
		}
		r := float64(l.r[c])
		var sumU, sumXt float64
		for b := 0; b < l.n; b++ {
			for i, v := range l.plane(dyt, b, c) {
				sumU += float64(g * v)
				sumXt += float64(l.plane(l.xt, b, c)[i])
			}
		}
		meanU, meanXt := sumU/m, sumXt/m
		var A, B, C float64
		for b := 0; b < l.n; b++ {
			us, hs, xts := l.plane(dyt, b, c), l.plane(l.xhat, b, c), l.plane(l.xt, b, c)
			for i, v := range us {
				u := float64(g * v)
				xc := float64(hs[i]) / r
				A += u * (float64(xts[i]) - meanXt)
				B += xc * float64(xts[i])
				C += u * xc
			}
		}
		B /= m
		r3 := r * r * r
		kx := -(A - 3*r*r*B*C) * r3 / m
		kxt := -r3 * C / m
		ku := -r3 * B
		for b := 0; b < l.n; b++ {
			ds, us, hs, xts := l.plane(dx, b, c), l.plane(dyt, b, c), l.plane(l.xhat, b, c), l.plane(l.xt, b, c)
			for i, v := range us {
				xc := float64(hs[i]) / r
				uc := float64(g*v) - meanU
				ds[i] += float32(kx*xc + kxt*(float64(xts[i])-meanXt) + ku*uc)
			}
		}
	}
	return dx, l.dxt
}

func init() {
	registerLayer("batchnorm", layerType{
		check: func(_ *validator, _ LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			return in, 4 * in.C, nil
		},
		build: func(_ LayerSpec, in Shape, _ uint64, _ int) Layer { return NewBatchNorm2D(in) },
	})
}

var _ Layer = (*BatchNorm2D)(nil)
