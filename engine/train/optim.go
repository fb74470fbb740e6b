package train

import (
	"fmt"
	"math"
)

// Optimizer updates a flat parameter slice from its gradient.
type Optimizer interface {
	// Update applies one step to params using grads (same layout).
	Update(params, grads []float32)
}

// SGD is stochastic gradient descent with momentum and L2 weight decay:
// v ← μ·v + (g + wd·θ), θ ← θ − lr·v.
type SGD struct {
	LR, Momentum, WeightDecay float32
	v                         []float32
}

// Update implements Optimizer.
func (o *SGD) Update(params, grads []float32) {
	if len(o.v) != len(params) {
		o.v = make([]float32, len(params))
	}
	for i, g := range grads {
		g += o.WeightDecay * params[i]
		o.v[i] = o.Momentum*o.v[i] + g
		params[i] -= o.LR * o.v[i]
	}
}

// Adam is Kingma & Ba's optimizer with bias correction and L2 weight decay
// added to the gradient (β1 = 0.9, β2 = 0.999, ε = 1e-8).
type Adam struct {
	LR, WeightDecay float32
	m, v            []float32
	t               int
}

// Update implements Optimizer.
func (o *Adam) Update(params, grads []float32) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	if len(o.m) != len(params) {
		o.m = make([]float32, len(params))
		o.v = make([]float32, len(params))
		o.t = 0
	}
	o.t++
	c1 := float32(1 - math.Pow(b1, float64(o.t)))
	c2 := float32(1 - math.Pow(b2, float64(o.t)))
	for i, g := range grads {
		g += o.WeightDecay * params[i]
		o.m[i] = b1*o.m[i] + (1-b1)*g
		o.v[i] = b2*o.v[i] + (1-b2)*g*g
		mh := o.m[i] / c1
		vh := o.v[i] / c2
		params[i] -= o.LR * mh / (float32(math.Sqrt(float64(vh))) + eps)
	}
}

// NewOptimizer returns the optimizer named "adam" or "sgd".
func NewOptimizer(name string, lr, momentum, weightDecay float64) (Optimizer, error) {
	switch name {
	case "", "adam":
		return &Adam{LR: float32(lr), WeightDecay: float32(weightDecay)}, nil
	case "sgd":
		return &SGD{LR: float32(lr), Momentum: float32(momentum), WeightDecay: float32(weightDecay)}, nil
	}
	return nil, fmt.Errorf("train: unknown optimizer %q (want adam or sgd)", name)
}
