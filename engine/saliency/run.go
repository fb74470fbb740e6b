package saliency

import (
	"context"
	"fmt"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nn"
)

// run is one validated Attribute call: its arguments and the batch buffers
// its passes share. Shapes, with S = C·H·W the size of one image and K the
// number of classes:
//
//	x        S        the image being explained (the caller's; read only)
//	xs       B×S      the inputs of one batch, B ≤ Options.Batch
//	dlogits  B×K      the target's gradient ∂t/∂f in every row (Target.Seed)
type run struct {
	ctx     context.Context
	net     nn.Model
	x       []float32
	m       Method
	opt     Options
	in      nn.Shape
	size, k int

	xs, dlogits []float32
}

func newRun(ctx context.Context, net nn.Model, x []float32, m Method, opt Options) *run {
	in := net.Input()
	return &run{ctx: ctx, net: net, x: x, m: m, opt: opt, in: in, size: in.Size(), k: net.Classes()}
}

// stage is what a sweep runs on each batch: the whole network from its
// input (whole), or with an affine prefix, the part of it after the prefix
// (prefix.go). Its examples have size values; forward returns the logits of
// a batch of n, and backward, given their gradient, the gradient of each
// example's grad values (at the input, or at the prefix's output).
type stage struct {
	size, grad int
	forward    func(xs []float32, n int) []float32
	backward   func(dlogits []float32) []float32
}

// whole is the stage of the whole network in inference mode.
func (r *run) whole() stage {
	return stage{
		size: r.size, grad: r.size,
		forward:  func(xs []float32, n int) []float32 { return r.net.Forward(xs, n, false) },
		backward: func(d []float32) []float32 { return r.net.Backward(d, false) },
	}
}

// sweep evaluates total examples in batches through the whole network.
// fill(i, xi) writes example i's input into xi (S values); after the
// batch's forward pass (and, if backward, its backward pass seeded with the
// target's gradient with respect to each row's logits), use(i, logits, dx)
// receives example i's K logits and its input gradient ∂t_c/∂x (nil
// without backward), both owned by the network and valid only during the
// call. Examples reach use in order. The context is checked before each
// batch, and Progress is called after it.
func (r *run) sweep(total int, backward bool, fill func(i int, xi []float32), use func(i int, logits, dx []float32)) error {
	return r.sweepStage(r.whole(), total, backward, fill, use)
}

// sweepStage is sweep through stage st: fill writes st.size values, and
// use receives st.grad values of gradient.
func (r *run) sweepStage(st stage, total int, backward bool, fill func(i int, xi []float32), use func(i int, logits, dx []float32)) error {
	b := min(r.opt.Batch, total, max(1, maxBatchValues/st.size), max(1, maxBatchActivations/(2*r.net.ValuesPerExample())))
	if len(r.xs) < b*st.size {
		r.xs = make([]float32, b*st.size)
	}
	if backward && len(r.dlogits) < b*r.k {
		r.dlogits = make([]float32, b*r.k)
	}
	S, G, K := st.size, st.grad, r.k
	for start := 0; start < total; start += b {
		if err := r.ctx.Err(); err != nil {
			return fmt.Errorf("saliency: %s stopped after %d of %d examples: %w", r.m.Label(), start, total, err)
		}
		n := min(b, total-start)
		xs := r.xs[:n*S]
		for j := 0; j < n; j++ {
			fill(start+j, xs[j*S:(j+1)*S])
		}
		logits := st.forward(xs, n)
		var dx []float32
		if backward {
			for j := 0; j < n; j++ {
				r.opt.Target.Seed(r.dlogits[j*K:(j+1)*K], logits[j*K:(j+1)*K], r.opt.Class)
			}
			dx = st.backward(r.dlogits[:n*K])
		}
		for j := 0; j < n; j++ {
			var g []float32
			if dx != nil {
				g = dx[j*G : (j+1)*G]
			}
			use(start+j, logits[j*K:(j+1)*K], g)
		}
		if r.opt.Progress != nil {
			r.opt.Progress(start+n, total)
		}
	}
	return nil
}

// part returns the range [first, last) of the total examples that the call's
// part (Options.Part of Options.Parts) computes.
func (r *run) part(total int) (first, last int) {
	return r.opt.Part * total / r.opt.Parts, (r.opt.Part + 1) * total / r.opt.Parts
}

// averagedForwards sets net's averaged forwards (nn.AveragedForwards), if
// it has them, for one call: on for a method that averages the gradients
// of many passes (Integrated Gradients, SmoothGrad with noise), off for
// the others, whose one gradient inherits every near-tie the forward's
// rounding flips (SmoothGrad without noise averages copies of the plain
// gradient, and stays equal to it; occlusion's forward passes are its
// result). It returns what puts the previous setting back.
func averagedForwards(net nn.Model, on bool) (restore func()) {
	a, ok := net.(nn.AveragedForwards)
	if !ok {
		return func() {}
	}
	was := a.SetAveragedForwards(on)
	return func() { a.SetAveragedForwards(was) }
}

// copyX is a fill function that feeds the image itself.
func (r *run) copyX(_ int, xi []float32) { copy(xi, r.x) }

// gradient returns ∂f_c/∂x, or x ⊙ ∂f_c/∂x with times.
func (r *run) gradient(times bool) ([]float32, error) {
	out := make([]float32, r.size)
	err := r.sweep(1, true, r.copyX, func(_ int, _, dx []float32) {
		copy(out, dx)
	})
	if err != nil {
		return nil, err
	}
	if times {
		for i, v := range r.x {
			out[i] *= v
		}
	}
	return out, nil
}

// sumGradients sweeps total examples made by fill through stage st and
// returns the sum of their gradients (st.grad values: ∂f_c/∂x through the
// whole network), accumulated in float64 (Integrated Gradients and
// SmoothGrad average it).
func (r *run) sumGradients(st stage, total int, fill func(i int, xi []float32)) ([]float64, error) {
	sum := make([]float64, st.grad)
	err := r.sweepStage(st, total, true, fill, func(_ int, _, dx []float32) {
		kernels.AddToFloat64(sum, dx)
	})
	return sum, err
}
