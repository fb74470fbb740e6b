// Package cases is the engine's side of `make bench-peers` (issue #5): the
// five benchmark cases on one loaded network, written once in plain Go so
// the same code runs as a wasm module next to TensorFlow.js in Node
// (../enginewasm) and natively (../cmd/native).
//
// Cases, for an image x (the network's input shape) and class c:
//
//	forward      logits of x, batch 1
//	gradient     forward + backward: ∂f_c/∂x (saliency.Gradient)
//	ig32         Integrated Gradients, 32 steps, zero baseline, one batch of 32
//	train        one Adam step of the baseline objective on a batch of 32
//	rrr          one Adam step of RRR (λ = 1) on the same batch
package cases

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

// The cases, as named in the harness's table.
const (
	Forward  = "forward"
	Gradient = "gradient"
	IG32     = "ig32"
	Train    = "train"
	RRR      = "rrr"
)

// Names lists the cases in table order.
var Names = []string{Forward, Gradient, IG32, Train, RRR}

// Steps is the number of Integrated Gradients steps, and BatchSize the
// training batch.
const (
	Steps     = 32
	BatchSize = 32
)

// Bench is one network with its inputs. The inference copy is never
// trained, so its logits and gradients stay comparable with the peer's; the
// training steps run on a clone.
type Bench struct {
	Net   *nn.Network
	Class int

	trainNet *nn.Network
	x        []float32
	batch    train.Batch
	objs     map[string]*train.Objective
	opt      *train.Adam
	crosses  data.Splits
}

// Load builds a Bench from a model's architecture JSON and safetensors
// weights (model.Load).
func Load(arch, weights []byte) (*Bench, error) {
	net, err := model.Load(arch, weights)
	if err != nil {
		return nil, err
	}
	b := &Bench{Net: net, trainNet: net.Clone(), objs: map[string]*train.Objective{}, opt: &train.Adam{LR: 1e-4}}
	for _, m := range []train.Method{train.Baseline, train.RRR} {
		o, err := train.NewObjective(m, 1, 1)
		if err != nil {
			return nil, err
		}
		b.objs[string(m)] = o
	}
	b.objs[Train] = b.objs[string(train.Baseline)]
	b.objs[RRR] = b.objs[string(train.RRR)]
	return b, nil
}

// SetImage sets the image the saliency cases explain (copied).
func (b *Bench) SetImage(x []float32) error {
	if len(x) != b.Net.Input().Size() {
		return fmt.Errorf("cases: image has %d values, want %d", len(x), b.Net.Input().Size())
	}
	b.x = append(b.x[:0], x...)
	return nil
}

// SetBatch sets the training batch: n images, n H×W masks (1 inside the
// region of interest), n labels (copied).
func (b *Bench) SetBatch(x, masks []float32, labels []int) error {
	in := b.Net.Input()
	n := len(labels)
	if n == 0 || len(x) != n*in.Size() || len(masks) != n*in.H*in.W {
		return fmt.Errorf("cases: batch of %d labels with %d image and %d mask values", n, len(x), len(masks))
	}
	for _, y := range labels {
		if y < 0 || y >= b.Net.Classes() {
			return fmt.Errorf("cases: label %d out of range", y)
		}
	}
	b.batch = train.Batch{X: append([]float32(nil), x...), Masks: append([]float32(nil), masks...), Labels: append([]int(nil), labels...), N: n}
	return nil
}

// Run performs one repetition of the named case.
func (b *Bench) Run(name string) error {
	switch name {
	case Forward:
		if b.x == nil {
			return errors.New("cases: no image set")
		}
		b.Net.Forward(b.x, 1, false)
		return nil
	case Gradient:
		_, err := b.InputGradient()
		return err
	case IG32:
		_, err := b.IntegratedGradients()
		return err
	case Train, RRR:
		if b.batch.N == 0 {
			return errors.New("cases: no batch set")
		}
		b.trainNet.ZeroGrad()
		b.objs[name].Compute(b.trainNet, b.batch)
		b.opt.Update(b.trainNet.Params, b.trainNet.Grads)
		return nil
	}
	return fmt.Errorf("cases: unknown case %q", name)
}

// Slot is a network's input and logits in buffers that stay where they
// are, for a caller that writes the input and reads the logits in place:
// the wasm module's exported forward entry, which JavaScript calls without
// going through syscall/js (../enginewasm).
type Slot struct {
	In  []float32 // the input, batch 1 (the network's input size)
	Out []float32 // the logits of the last Forward
	net *nn.Network
}

// NewSlot returns a Slot for b's network with its input set to b's image,
// warm: it runs one forward, so that the network's buffers and packed
// filters exist before the exported entry calls Forward (an export must not
// need the scheduler, which a large allocation might).
func (b *Bench) NewSlot() *Slot {
	s := &Slot{In: append([]float32(nil), b.x...), Out: make([]float32, b.Net.Classes()), net: b.Net}
	s.Forward()
	return s
}

// Forward runs the network on In, batch 1, and copies the logits into Out.
// Once the network is warm it allocates nothing.
func (s *Slot) Forward() {
	copy(s.Out, s.net.Forward(s.In, 1, false))
}

// Logits returns the logits of the image (a copy).
func (b *Bench) Logits() []float32 {
	return append([]float32(nil), b.Net.Forward(b.x, 1, false)...)
}

// InputGradient returns ∂f_c/∂x for the image.
func (b *Bench) InputGradient() ([]float32, error) {
	return saliency.Attribute(context.Background(), b.Net, b.x, saliency.Gradient, saliency.Options{Class: b.Class})
}

// IntegratedGradients returns the Integrated Gradients attribution with
// Steps steps from a zero baseline, in one batch.
func (b *Bench) IntegratedGradients() ([]float32, error) {
	return saliency.Attribute(context.Background(), b.Net, b.x, saliency.IntegratedGradients, saliency.Options{Class: b.Class, Steps: Steps, Batch: Steps})
}

// MACs returns the multiply-adds of one forward pass of one example through
// the convolution and linear layers of spec (the cost the FLOP rates in the
// table are based on).
func MACs(spec nn.Spec) int64 {
	var count func(ls []nn.LayerSpec, in nn.Shape) (nn.Shape, int64)
	count = func(ls []nn.LayerSpec, in nn.Shape) (nn.Shape, int64) {
		var total int64
		for _, l := range ls {
			switch l.Type {
			case "conv":
				s := l.Stride
				if s == 0 {
					s = 1
				}
				oh := (in.H+2*l.Pad-l.Kernel)/s + 1
				ow := (in.W+2*l.Pad-l.Kernel)/s + 1
				total += int64(l.Out) * int64(in.C*l.Kernel*l.Kernel) * int64(oh*ow)
				in = nn.Shape{C: l.Out, H: oh, W: ow}
			case "maxpool", "avgpool":
				s := l.Stride
				if s == 0 {
					s = l.Kernel
				}
				in = nn.Shape{C: in.C, H: (in.H-l.Kernel)/s + 1, W: (in.W-l.Kernel)/s + 1}
			case "gap":
				in = nn.Shape{C: in.C, H: 1, W: 1}
			case "flatten":
				in = nn.Shape{C: in.Size(), H: 1, W: 1}
			case "linear":
				total += int64(l.Out) * int64(in.Size())
				in = nn.Shape{C: l.Out, H: 1, W: 1}
			case "residual":
				out, body := count(l.Body, in)
				_, sc := count(l.Shortcut, in)
				total += body + sc
				in = out
			}
		}
		return in, total
	}
	_, n := count(spec.Layers, spec.Input)
	return n
}

// FLOPs returns the nominal floating-point operations of one repetition of
// case name, from the forward cost F = 2·MACs of one example: forward F,
// gradient 2F (forward + input backward), ig32 32·2F, train 32·3F (forward,
// input backward, weight gradient), rrr 32·9F (forward, backward with
// weight gradients, input-gradient backward, tangent pass, and the reverse
// of the dual pass, which is two backward passes with weight gradients).
func FLOPs(spec nn.Spec, name string) float64 {
	f := 2 * float64(MACs(spec))
	switch name {
	case Forward:
		return f
	case Gradient:
		return 2 * f
	case IG32:
		return Steps * 2 * f
	case Train:
		return BatchSize * 3 * f
	case RRR:
		return BatchSize * 9 * f
	}
	return 0
}

// UseDefaultInputs sets the inputs every harness uses: an image of values
// drawn uniformly from [0, 1) with a fixed seed, and a batch of BatchSize
// such images with alternating labels and masks covering the top half.
func (b *Bench) UseDefaultInputs() {
	in := b.Net.Input()
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, in.Size())
	for i := range x {
		x[i] = rng.Float32()
	}
	xb := make([]float32, BatchSize*in.Size())
	for i := range xb {
		xb[i] = rng.Float32()
	}
	masks := make([]float32, BatchSize*in.H*in.W)
	for i := range masks {
		if (i/in.W)%in.H < in.H/2 {
			masks[i] = 1
		}
	}
	labels := make([]int, BatchSize)
	for i := range labels {
		labels[i] = i % b.Net.Classes()
	}
	if err := b.SetImage(x); err != nil {
		panic(err)
	}
	if err := b.SetBatch(xb, masks, labels); err != nil {
		panic(err)
	}
}

// Image returns the image the saliency cases explain.
func (b *Bench) Image() []float32 { return b.x }

// Batch returns the training batch.
func (b *Bench) Batch() train.Batch { return b.batch }

// BaselineGrads returns the gradient of the baseline objective (mean
// cross-entropy, network in training mode) on the first n examples of the
// batch, at the loaded weights, in the order of Net.Params, with the names
// and shapes of the trainable tensors. The harness compares it with the
// peer's gradient.
func (b *Bench) BaselineGrads(n int) (grads []float32, names []string, shapes [][]int) {
	net := b.Net.Clone()
	in := net.Input()
	n = min(n, b.batch.N)
	sub := train.Batch{X: b.batch.X[:n*in.Size()], Masks: b.batch.Masks[:n*in.H*in.W], Labels: b.batch.Labels[:n], N: n}
	obj, _ := train.NewObjective(train.Baseline, 0, 1)
	net.ZeroGrad()
	obj.Compute(net, sub)
	for _, p := range net.NamedParams() {
		if p.Trainable {
			names = append(names, p.Name)
			shapes = append(shapes, p.Shape)
		}
	}
	return append([]float32(nil), net.Grads...), names, shapes
}

// GEMMRate returns the best rate, in GFLOP/s, of kernels.MatMul on an
// M×K by K×N product over reps runs: the engine's own GEMM peak that the
// harness reports each case against.
func GEMMRate(m, k, n, reps int) float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	a := make([]float32, m*k)
	bb := make([]float32, k*n)
	c := make([]float32, m*n)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range bb {
		bb[i] = rng.Float32()
	}
	best := math.Inf(1)
	for r := 0; r < reps; r++ {
		t0 := time.Now()
		kernels.MatMul(c, a, bb, m, k, n)
		best = min(best, time.Since(t0).Seconds())
	}
	return 2 * float64(m) * float64(k) * float64(n) / best / 1e9
}

// GEMMShapes are the products GEMMRate is measured on: a square one and the
// forward products of the 64×64 CNN's second and third convolutions.
var GEMMShapes = [][3]int{{256, 256, 256}, {32, 144, 1024}, {64, 288, 256}}

// ---- data-parallel steps (several workers, see docs/performance.md) ----------

// IGPart returns part i of n of the Integrated Gradients attribution
// (saliency.Options.Parts): the parts of n workers add up to the whole.
func (b *Bench) IGPart(i, n int) ([]float32, error) {
	return saliency.Attribute(context.Background(), b.Net, b.x, saliency.IntegratedGradients,
		saliency.Options{Class: b.Class, Steps: Steps, Batch: Steps, Part: i, Parts: n})
}

// ShardGrads returns the gradient of case name's objective (Train or RRR)
// on shard i of n of the batch (train.Batch.Shard), at the training copy's
// weights, without updating them: the shards' gradients add up to the whole
// batch's.
func (b *Bench) ShardGrads(name string, i, n int) ([]float32, error) {
	obj, ok := b.objs[name]
	if !ok || (name != Train && name != RRR) {
		return nil, fmt.Errorf("cases: no training case %q", name)
	}
	if b.batch.N == 0 {
		return nil, errors.New("cases: no batch set")
	}
	b.trainNet.ZeroGrad()
	obj.Compute(b.trainNet, b.batch.Shard(i, n))
	return b.trainNet.Grads, nil
}

// ApplyGrads takes one Adam step on the training copy with the summed
// gradient g and returns the new weights (owned by the network).
func (b *Bench) ApplyGrads(g []float32) ([]float32, error) {
	if len(g) != len(b.trainNet.Params) {
		return nil, fmt.Errorf("cases: gradient of %d values for %d parameters", len(g), len(b.trainNet.Params))
	}
	b.opt.Update(b.trainNet.Params, g)
	return b.trainNet.Params, nil
}

// SetParams sets the training copy's weights (a worker receiving the
// coordinator's update).
func (b *Bench) SetParams(p []float32) error {
	if len(p) != len(b.trainNet.Params) {
		return fmt.Errorf("cases: %d values for %d parameters", len(p), len(b.trainNet.Params))
	}
	copy(b.trainNet.Params, p)
	return nil
}

// UseCrosses generates the Crosses splits (data.DefaultCrosses, seed 0) for
// the epoch cases and returns the number of batches of BatchSize in the
// training split. The network must take 1×28×28 images.
func (b *Bench) UseCrosses() (int, error) {
	splits, err := data.Crosses(data.DefaultCrosses(0))
	if err != nil {
		return 0, err
	}
	if in := b.Net.Input(); in.C != splits.Train.C || in.H != splits.Train.H || in.W != splits.Train.W {
		return 0, fmt.Errorf("cases: network takes %v, Crosses images are %d×%d×%d", in, splits.Train.C, splits.Train.H, splits.Train.W)
	}
	b.crosses = splits
	return (splits.Train.Len() + BatchSize - 1) / BatchSize, nil
}

// SelectEpochBatch makes batch k of the Crosses training split (in order,
// with its training masks) the current batch.
func (b *Bench) SelectEpochBatch(k int) error {
	s := b.crosses.Train
	if s == nil {
		return errors.New("cases: UseCrosses first")
	}
	lo, hi := k*BatchSize, min((k+1)*BatchSize, s.Len())
	if lo >= hi {
		return fmt.Errorf("cases: batch %d out of range", k)
	}
	var x, masks []float32
	var labels []int
	for i := lo; i < hi; i++ {
		x = append(x, s.Image(i)...)
		masks = append(masks, s.TrainMask(i)...)
		labels = append(labels, s.Labels[i])
	}
	return b.SetBatch(x, masks, labels)
}

// TrainerEpoch runs one epoch of train.Trainer with method RRR (λ = 10, as
// the lab uses on Crosses) over the Crosses training split, validation
// included, on a fresh copy of the network: what the app's fine-tuning
// does in one worker.
func (b *Bench) TrainerEpoch() error {
	if b.crosses.Train == nil {
		return errors.New("cases: UseCrosses first")
	}
	tr, err := train.NewTrainer(b.Net.Clone(), b.crosses.Train, b.crosses.Valid, train.Config{Method: train.RRR, Lambda: 10, Epochs: 1, Seed: 1})
	if err != nil {
		return err
	}
	for !tr.Done() {
		if _, err := tr.Step(); err != nil {
			return err
		}
	}
	return nil
}
