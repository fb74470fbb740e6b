package graph

import (
	"fmt"
	"math"
)

// batchNormOp is ONNX BatchNormalization over the channels (axis 1) of x.
// Shapes, per example: x, y C×S (any spatial shape S); scale γ, bias β,
// mean and var C. Per channel, over its M = N·|S| values:
//
//	inference: μ, σ² are the running statistics (inputs 3 and 4, state)
//	training:  μ = mean(x), σ² = mean((x−μ)²), and the running statistics
//	           move towards them with momentum
//	x̂ = (x−μ)·r,  r = 1/√(σ²+ε),  y = γ·x̂ + β
//
// Training statistics are used only when the op's training_mode attribute
// is 1 and Forward runs in training mode (the built-in networks' BatchNorm);
// an imported model normalizes with its running statistics in training too,
// so fine-tuning trains γ and β of a fixed normalization. With batch
// statistics the tangent is ẋ̂ = r·(ẋ − mean(ẋ) − x̂·mean(x̂·ẋ)) and
// BackwardDual carries the second-order terms through r and μ (the same
// derivation as nn.BatchNorm2D's).
type batchNormOp struct {
	attrs    Attrs
	eps      float32
	momentum float32
	trainAll bool // training_mode = 1

	c, hw   int
	n       int
	train   bool // the last Forward used batch statistics
	xhat    []float32
	r       []float32
	gamma   []float32 // last scale (not owned)
	xt      []float32
	xhatT   []float32
	scratch []float32
}

func newBatchNorm(a Attrs) (Op, error) {
	if err := a.only("epsilon", "momentum", "training_mode", "spatial"); err != nil {
		return nil, err
	}
	eps, err := a.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	mom, err := a.Float("momentum", 0.9)
	if err != nil {
		return nil, err
	}
	tm, err := a.Int("training_mode", 0)
	if err != nil {
		return nil, err
	}
	if sp, err := a.Int("spatial", 1); err != nil || sp != 1 {
		return nil, fmt.Errorf("spatial = 0 is not supported")
	}
	if !(eps > 0) || !(mom >= 0 && mom <= 1) {
		return nil, fmt.Errorf("epsilon %v or momentum %v out of range", eps, mom)
	}
	return &batchNormOp{attrs: a, eps: eps, momentum: mom, trainAll: tm != 0}, nil
}

func (l *batchNormOp) Type() string { return "BatchNormalization" }
func (l *batchNormOp) Attrs() Attrs { return l.attrs }

// StateInputs implements StateReader: the running mean and variance.
func (l *batchNormOp) StateInputs() []int { return []int{3, 4} }

func (l *batchNormOp) Infer(in []Info) ([]Info, error) {
	if len(in) != 5 {
		return nil, fmt.Errorf("want 5 inputs (x, scale, bias, mean, var), got %d", len(in))
	}
	x := in[0]
	if !x.Batched || len(x.Shape) < 1 {
		return nil, fmt.Errorf("input %v: want a batched C×… tensor", x)
	}
	l.c, l.hw = x.Shape[0], shapeSize(x.Shape[1:])
	for i, p := range in[1:] {
		if p.Batched || p.Size() != l.c || len(p.Shape) != 1 {
			return nil, fmt.Errorf("input %d %v: want a constant of %d values", i+1, p, l.c)
		}
	}
	l.r = make([]float32, l.c)
	return []Info{x}, nil
}

// plane returns channel c of example b.
func (l *batchNormOp) plane(buf []float32, b, c int) []float32 {
	off := (b*l.c + c) * l.hw
	return buf[off : off+l.hw]
}

func (l *batchNormOp) Forward(x, y [][]float32, n int, train bool) {
	in, gamma, beta, runMean, runVar := x[0], x[1], x[2], x[3], x[4]
	l.n, l.train, l.gamma = n, train && l.trainAll, gamma
	l.xhat = grow(l.xhat, len(in))
	m := float64(n * l.hw)
	for c := 0; c < l.c; c++ {
		var mean, variance float64
		if l.train {
			for b := 0; b < n; b++ {
				for _, v := range l.plane(in, b, c) {
					mean += float64(v)
				}
			}
			mean /= m
			for b := 0; b < n; b++ {
				for _, v := range l.plane(in, b, c) {
					d := float64(v) - mean
					variance += d * d
				}
			}
			variance /= m
			// ONNX's momentum weighs the old value (PyTorch's is 1 − it).
			mom := float64(l.momentum)
			runMean[c] = float32(mom*float64(runMean[c]) + (1-mom)*mean)
			unbiased := variance
			if m > 1 {
				unbiased = variance * m / (m - 1)
			}
			runVar[c] = float32(mom*float64(runVar[c]) + (1-mom)*unbiased)
		} else {
			mean, variance = float64(runMean[c]), float64(runVar[c])
		}
		r := float32(1 / math.Sqrt(variance+float64(l.eps)))
		l.r[c] = r
		g, bt, mu := gamma[c], beta[c], float32(mean)
		for b := 0; b < n; b++ {
			xs, hs, ys := l.plane(in, b, c), l.plane(l.xhat, b, c), l.plane(y[0], b, c)
			for i, v := range xs {
				h := (v - mu) * r
				hs[i] = h
				ys[i] = g*h + bt
			}
		}
	}
}

// channelSums returns Σ a and Σ a·x̂ over channel c.
func (l *batchNormOp) channelSums(a []float32, c int) (sum, dot float64) {
	for b := 0; b < l.n; b++ {
		as, hs := l.plane(a, b, c), l.plane(l.xhat, b, c)
		for i, v := range as {
			sum += float64(v)
			dot += float64(v) * float64(hs[i])
		}
	}
	return sum, dot
}

// project adds (or with set, writes) scale·J·a for channel c into dst,
// where J = ∂x̂/∂x: r·(a − mean(a) − x̂·mean(x̂·a)) with batch statistics,
// r·a without. J is symmetric, so it serves the tangent and the backward.
func (l *batchNormOp) project(dst, a []float32, c int, scale float32, set bool) {
	k := scale * l.r[c]
	var mean, meanDot float32
	if l.train {
		m := float64(l.n * l.hw)
		sum, dot := l.channelSums(a, c)
		mean, meanDot = float32(sum/m), float32(dot/m)
	}
	for b := 0; b < l.n; b++ {
		ds, as, hs := l.plane(dst, b, c), l.plane(a, b, c), l.plane(l.xhat, b, c)
		for i, v := range as {
			u := k * (v - mean - hs[i]*meanDot)
			if set {
				ds[i] = u
			} else {
				ds[i] += u
			}
		}
	}
}

// Backward: x̄ += γ·J ȳ, γ̄ += Σ ȳ·x̂, β̄ += Σ ȳ.
func (l *batchNormOp) Backward(dy, dx [][]float32) {
	for c := 0; c < l.c; c++ {
		if dx[1] != nil || dx[2] != nil {
			sum, dot := l.channelSums(dy[0], c)
			if dx[2] != nil {
				dx[2][c] += float32(sum)
			}
			if dx[1] != nil {
				dx[1][c] += float32(dot)
			}
		}
		l.project(dx[0], dy[0], c, l.gamma[c], false)
	}
}

// Tangent: ẏ = γ·ẋ̂ with ẋ̂ = J ẋ.
func (l *batchNormOp) Tangent(xt, yt [][]float32) {
	l.xt = xt[0]
	l.xhatT = grow(l.xhatT, len(xt[0]))
	for c := 0; c < l.c; c++ {
		l.project(l.xhatT, xt[0], c, 1, true)
		g := l.gamma[c]
		for b := 0; b < l.n; b++ {
			ys, hs := l.plane(yt[0], b, c), l.plane(l.xhatT, b, c)
			for i, v := range hs {
				ys[i] = g * v
			}
		}
	}
}

// BackwardDual: with u = γ·ẏ̄, ẋ̄ += J u and γ̄ += Σ ẏ̄·ẋ̂. With batch
// statistics ẋ̂ also depends on x: writing xc = x−μ, ẋc = ẋ−mean(ẋ),
// uc = u−mean(u), A = Σ u·ẋc, B = mean(xc·ẋ), C = Σ u·xc, the term
// F(x) = ⟨u, ẋ̂⟩ = r·A − r³·B·C has gradient
//
//	∂F/∂x = −(A − 3r²·B·C)·r³·xc/M − r³·C·ẋc/M − r³·B·uc,
//
// which is added to the ordinary backward of ȳ.
func (l *batchNormOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.Backward(dy, dx)
	m := float64(l.n * l.hw)
	u := dyt[0]
	for c := 0; c < l.c; c++ {
		g := l.gamma[c]
		if dx[1] != nil {
			var gammaDot float64
			for b := 0; b < l.n; b++ {
				us, hs := l.plane(u, b, c), l.plane(l.xhatT, b, c)
				for i, v := range us {
					gammaDot += float64(v) * float64(hs[i])
				}
			}
			dx[1][c] += float32(gammaDot)
		}
		l.project(dxt[0], u, c, g, false)
		if !l.train {
			continue
		}
		r := float64(l.r[c])
		var sumU, sumXt float64
		for b := 0; b < l.n; b++ {
			xts := l.plane(l.xt, b, c)
			for i, v := range l.plane(u, b, c) {
				sumU += float64(g * v)
				sumXt += float64(xts[i])
			}
		}
		meanU, meanXt := sumU/m, sumXt/m
		var A, B, C float64
		for b := 0; b < l.n; b++ {
			us, hs, xts := l.plane(u, b, c), l.plane(l.xhat, b, c), l.plane(l.xt, b, c)
			for i, v := range us {
				uu := float64(g * v)
				xc := float64(hs[i]) / r
				A += uu * (float64(xts[i]) - meanXt)
				B += xc * float64(xts[i])
				C += uu * xc
			}
		}
		B /= m
		r3 := r * r * r
		kx := -(A - 3*r*r*B*C) * r3 / m
		kxt := -r3 * C / m
		ku := -r3 * B
		for b := 0; b < l.n; b++ {
			ds, us, hs, xts := l.plane(dx[0], b, c), l.plane(u, b, c), l.plane(l.xhat, b, c), l.plane(l.xt, b, c)
			for i, v := range us {
				xc := float64(hs[i]) / r
				uc := float64(g*v) - meanU
				ds[i] += float32(kx*xc + kxt*(float64(xts[i])-meanXt) + ku*uc)
			}
		}
	}
}

var _ Op = (*batchNormOp)(nil)
var _ StateReader = (*batchNormOp)(nil)

func init() { register("BatchNormalization", newBatchNorm) }
