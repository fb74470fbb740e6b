package graph

import (
	"fmt"
	"math"

	"saliencyexplorer/engine/kernels"
)

// unary is an element-wise op y = f(x) with first and second derivatives,
// which is all four passes need:
//
//	ẏ = f′(x)·ẋ
//	x̄ += f′(x)·ȳ + f″(x)·ẋ·ẏ̄     (the second term only in BackwardDual)
//	ẋ̄ += f′(x)·ẏ̄
//
// Shapes: x, y N×S for any per-example shape S.
type unary struct {
	typ   string
	attrs Attrs
	// f returns f(x), f′(x) and f″(x).
	f func(x float32) (y, d1, d2 float32)
	// gated, if set, does the same passes on whole slices for a function
	// of slopes 0 and 1 only (Relu, Clip), where calling f per value costs
	// many times the arithmetic.
	gated *gated

	x, xt []float32 // last input and input tangent (not owned)
	// sel is what the gated passes gate on: the last input, or the last
	// output when the forward ran fused (equal gates: see fuse.go).
	sel []float32
}

func (u *unary) Type() string { return u.typ }
func (u *unary) Attrs() Attrs { return u.attrs }
func (u *unary) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched {
		return nil, fmt.Errorf("want one batched input, got %v", in)
	}
	return []Info{in[0]}, nil
}

// gated is a piecewise linear function of slopes 0 and 1 (f″ = 0) as
// slice kernels: forward writes y = f(x); gateTo writes dst = f′(x)·src and
// gateAdd adds it; act is f as a kernel's epilogue, for fusing it into the
// op before it (fuse.go), or ActNone. For Relu and Clip the gates read x or,
// with the same result, y = f(x).
type gated struct {
	forward         func(y, x []float32)
	gateTo, gateAdd func(dst, src, x []float32)
	act             kernels.Activation
}

func (u *unary) activation() (kernels.Activation, bool) {
	if u.gated == nil {
		return kernels.Activation{}, false
	}
	return u.gated.act, u.gated.act.Kind != kernels.ActNone
}

func (u *unary) forwardFused(y []float32) { u.x, u.sel = nil, y }

func (u *unary) Forward(x, y [][]float32, n int, train bool) {
	u.x, u.sel = x[0], x[0]
	if u.gated != nil {
		u.gated.forward(y[0], x[0])
		return
	}
	for i, v := range x[0] {
		y[0][i], _, _ = u.f(v)
	}
}

func (u *unary) Backward(dy, dx [][]float32) {
	d := dx[0]
	if u.gated != nil {
		u.gated.gateAdd(d, dy[0], u.sel)
		return
	}
	for i, v := range u.x {
		_, d1, _ := u.f(v)
		d[i] += d1 * dy[0][i]
	}
}

func (u *unary) Tangent(xt, yt [][]float32) {
	u.xt = xt[0]
	if u.gated != nil {
		u.gated.gateTo(yt[0], xt[0], u.sel)
		return
	}
	for i, v := range u.x {
		_, d1, _ := u.f(v)
		yt[0][i] = d1 * xt[0][i]
	}
}

func (u *unary) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	if u.gated != nil { // f″ = 0: no cross term
		u.gated.gateAdd(dx[0], dy[0], u.sel)
		u.gated.gateAdd(dxt[0], dyt[0], u.sel)
		return
	}
	for i, v := range u.x {
		_, d1, d2 := u.f(v)
		dx[0][i] += d1*dy[0][i] + d2*u.xt[i]*dyt[0][i]
		dxt[0][i] += d1 * dyt[0][i]
	}
}

var _ Op = (*unary)(nil)

// registerUnary registers an element-wise op whose function depends on its
// attributes: mk validates them and returns f.
func registerUnary(typ string, mk func(a Attrs) (func(float32) (float32, float32, float32), error)) {
	registerGated(typ, func(a Attrs) (func(float32) (float32, float32, float32), *gated, error) {
		f, err := mk(a)
		return f, nil, err
	})
}

// registerGated is registerUnary for a function that also has slice
// kernels (gated may be nil).
func registerGated(typ string, mk func(a Attrs) (func(float32) (float32, float32, float32), *gated, error)) {
	register(typ, func(a Attrs) (Op, error) {
		f, g, err := mk(a)
		if err != nil {
			return nil, err
		}
		return &unary{typ: typ, attrs: a, f: f, gated: g}, nil
	})
}

func noAttrs(f func(float32) (float32, float32, float32)) func(Attrs) (func(float32) (float32, float32, float32), error) {
	return func(a Attrs) (func(float32) (float32, float32, float32), error) {
		return f, a.only()
	}
}

func relu(x float32) (float32, float32, float32) {
	if x > 0 {
		return x, 1, 0
	}
	return 0, 0, 0
}

func sigmoid(x float32) (float32, float32, float32) {
	s := float32(1 / (1 + math.Exp(-float64(x))))
	d1 := s * (1 - s)
	return s, d1, d1 * (1 - 2*s)
}

func tanh(x float32) (float32, float32, float32) {
	t := float32(math.Tanh(float64(x)))
	d1 := 1 - t*t
	return t, d1, -2 * t * d1
}

// hardSigmoid is max(0, min(1, αx + β)).
func hardSigmoid(alpha, beta float32) func(float32) (float32, float32, float32) {
	return func(x float32) (float32, float32, float32) {
		v := alpha*x + beta
		switch {
		case v <= 0:
			return 0, 0, 0
		case v >= 1:
			return 1, 0, 0
		}
		return v, alpha, 0
	}
}

// hardSwish is x·max(0, min(1, x/6 + ½)).
func hardSwish(x float32) (float32, float32, float32) {
	switch {
	case x <= -3:
		return 0, 0, 0
	case x >= 3:
		return x, 1, 0
	}
	return x * (x/6 + 0.5), x/3 + 0.5, 1.0 / 3
}

// reluGated is relu's passes as kernels.
var reluGated = &gated{
	forward: kernels.ReLUTo,
	gateTo:  kernels.GateTo,
	gateAdd: kernels.GateAdd,
	act:     kernels.ReLU(),
}

// clipGated is clip(lo, hi)'s passes as kernels.
func clipGated(lo, hi float32) *gated {
	return &gated{
		forward: func(y, x []float32) { kernels.ClampTo(y, x, lo, hi) },
		gateTo:  func(dst, src, x []float32) { kernels.ClampGateTo(dst, src, x, lo, hi) },
		gateAdd: func(dst, src, x []float32) { kernels.ClampGateAdd(dst, src, x, lo, hi) },
		act:     kernels.Clamp(lo, hi),
	}
}

func init() {
	registerGated("Relu", func(a Attrs) (func(float32) (float32, float32, float32), *gated, error) {
		return relu, reluGated, a.only()
	})
	registerUnary("Sigmoid", noAttrs(sigmoid))
	registerUnary("Tanh", noAttrs(tanh))
	registerUnary("HardSwish", noAttrs(hardSwish))
	registerUnary("HardSigmoid", func(a Attrs) (func(float32) (float32, float32, float32), error) {
		if err := a.only("alpha", "beta"); err != nil {
			return nil, err
		}
		alpha, err := a.Float("alpha", 0.2)
		if err != nil {
			return nil, err
		}
		beta, err := a.Float("beta", 0.5)
		if err != nil {
			return nil, err
		}
		return hardSigmoid(alpha, beta), nil
	})
	registerUnary("LeakyRelu", func(a Attrs) (func(float32) (float32, float32, float32), error) {
		if err := a.only("alpha"); err != nil {
			return nil, err
		}
		alpha, err := a.Float("alpha", 0.01)
		if err != nil {
			return nil, err
		}
		return func(x float32) (float32, float32, float32) {
			if x >= 0 {
				return x, 1, 0
			}
			return alpha * x, alpha, 0
		}, nil
	})
	// Clip's bounds are inputs since opset 11; the importer folds them into
	// the attributes min and max (absent: unbounded).
	registerGated("Clip", func(a Attrs) (func(float32) (float32, float32, float32), *gated, error) {
		if err := a.only("min", "max"); err != nil {
			return nil, nil, err
		}
		lo, err := a.Float("min", float32(math.Inf(-1)))
		if err != nil {
			return nil, nil, err
		}
		hi, err := a.Float("max", float32(math.Inf(1)))
		if err != nil {
			return nil, nil, err
		}
		if !(lo <= hi) {
			return nil, nil, fmt.Errorf("min %v > max %v", lo, hi)
		}
		return func(x float32) (float32, float32, float32) {
			switch {
			case x <= lo:
				return lo, 0, 0
			case x >= hi:
				return hi, 0, 0
			}
			return x, 1, 0
		}, clipGated(lo, hi), nil
	})
}
