package nn

import (
	"fmt"
	"strconv"
)

// Model is what the saliency methods and the training objectives need of a
// network, whichever engine runs it: a Network (a sequence of layers) or a
// graph.Graph (a DAG of ops imported from ONNX or converted from a Spec).
// Intermediate tensors are addressed by name, never by position.
//
// The passes are those of Layer, for the whole network from its input to
// its logits (n×Classes()); returned slices are owned by the model and stay
// valid until the same pass runs again.
type Model interface {
	// Input returns the per-example input shape.
	Input() Shape
	// Classes returns the number of logits per example.
	Classes() int
	// Forward returns the logits for a batch of n inputs.
	Forward(x []float32, n int, train bool) []float32
	// Backward returns the input gradient given the logits' gradient,
	// adding the parameter gradients when paramGrads is true.
	Backward(dlogits []float32, paramGrads bool) []float32
	// BackwardInject is Backward with extra added to the gradient of the
	// tensor named at.
	BackwardInject(dlogits []float32, at string, extra []float32, paramGrads bool) []float32
	// Tangent returns the logits' directional derivative along dx.
	Tangent(dx []float32) []float32
	// BackwardDual is the reverse of Forward and Tangent together; it adds
	// the parameter gradients and returns the input's and its tangent's.
	BackwardDual(dlogits, dlogitsT []float32) (dx, dxt []float32)

	// Value returns the named tensor's values from the last Forward, and
	// Grad the gradient that reached it in the last backward pass.
	Value(name string) []float32
	Grad(name string) []float32
	// TensorShape returns the named tensor's per-example shape as C×H×W.
	TensorShape(name string) (Shape, bool)
	// SpatialTensors returns, in execution order, the tensors whose
	// per-example shape is C×H×W with H·W > 1 and that depend on the input:
	// Grad-CAM's candidate feature maps (the last is its default).
	SpatialTensors() []string
	// FeatureTensor returns the name of the tensor that feeds the
	// classifier head (ActDiff's features).
	FeatureTensor() string
	// ValuesPerExample returns the number of activation values Forward
	// keeps per example (the input's included); Backward keeps about as
	// many again. Callers size batches with it.
	ValuesPerExample() int
}

// AffinePrefix is implemented by a model whose first layers, from the
// input up to one tensor T that is all the rest of the model reads of them,
// are affine in the input in inference (a convolution with its bias, a
// BatchNormalization with running statistics, an addition of a constant...).
// For such a prefix P two identities are exact up to float rounding:
//
//	P(x′ + α(x − x′)) = P(x′) + α(P(x) − P(x′))
//	Σ_k ∂f/∂x(x_k)    = Jᵀ Σ_k ∂f/∂T(x_k)    (J = ∂T/∂x is constant)
//
// so Integrated Gradients runs P on two inputs instead of every step, and
// Integrated Gradients and SmoothGrad run P's backward once for all their
// steps or samples (engine/saliency). Every pass is in inference mode, takes
// no parameter gradients, and returns a slice owned by the model, valid
// until the same pass runs again. These passes leave the whole-model passes
// (Forward, Backward...) to be run again from Forward.
type AffinePrefix interface {
	// PrefixSize returns the number of values of T per example, or 0 if
	// the model has no affine prefix (then the other methods panic).
	PrefixSize() int
	// ForwardPrefix runs the prefix on n inputs (n × the input's size) and
	// returns T, n × PrefixSize().
	ForwardPrefix(x []float32, n int) []float32
	// ForwardRest runs the rest of the model on n examples of T and
	// returns their logits; t is copied.
	ForwardRest(t []float32, n int) []float32
	// BackwardRest is the reverse of the last ForwardRest: it returns the
	// gradient at T (n × PrefixSize()) given the logits' gradient.
	BackwardRest(dlogits []float32) []float32
	// BackwardPrefix returns the input gradient Jᵀ dt for dt, a gradient
	// at T of as many examples as the last ForwardPrefix ran.
	BackwardPrefix(dt []float32) []float32
}

// AveragedForwards is implemented by a model that can run its forward
// passes faster, at a larger float32 rounding per layer, for a caller that
// averages the gradients of many passes (Integrated Gradients' steps,
// SmoothGrad's samples): graph.Graph runs its 3×3 convolutions' forwards
// as Winograd F(4×4, 3×3) instead of F(2×2, 3×3) where that is faster,
// and its 3×3 stride-2 convolutions (forward and input gradient) by their
// input's phases with Winograd F(4, 2) instead of im2col + GEMM.
// A single gradient keeps the accurate forwards: the forward's rounding
// decides which units near a ReLU's or a max-pool's tie pass, and the
// gradient inherits every such flip, while an average over many passes
// dilutes them below its own discretisation error (docs/performance.md,
// "Averaged forwards on F(4×4, 3×3)"). The setting holds for every pass
// until changed; a caller sets it for the duration of one call and puts
// the previous setting back.
type AveragedForwards interface {
	// SetAveragedForwards turns averaged forwards on or off and returns
	// the previous setting.
	SetAveragedForwards(on bool) (was bool)
}

// Trainable is a Model whose parameters an optimizer updates in place.
type Trainable interface {
	Model
	// Weights returns the flat slices of every trainable value, of their
	// gradients (same layout) and of the non-trainable state. They are the
	// model's own storage, valid for its lifetime.
	Weights() (params, grads, state []float32)
	// ZeroGrad clears the gradients.
	ZeroGrad()
	// CheckFinite returns an error naming a parameter that holds a NaN or
	// an infinity.
	CheckFinite() error
}

var (
	_ Model     = (*Network)(nil)
	_ Trainable = (*Network)(nil)
)

// Weights implements Trainable.
func (net *Network) Weights() (params, grads, state []float32) {
	return net.Params, net.Grads, net.State
}

// InputName is the name of a Network's input tensor; the output of
// top-level layer i is named LayerTensor(i).
const InputName = "input"

// LayerTensor returns the name of the output of top-level layer i of a
// Network: "layers.i".
func LayerTensor(i int) string { return "layers." + strconv.Itoa(i) }

// tensorIndex returns the layer index of a tensor name, -1 for the input.
// It panics if there is no such tensor.
func (net *Network) tensorIndex(name string) int {
	if name == InputName {
		return -1
	}
	i, ok := net.tensorIdx[name]
	if !ok {
		panic(fmt.Sprintf("nn: network has no tensor %q", name))
	}
	return i
}

// Value implements Model.
func (net *Network) Value(name string) []float32 {
	i := net.tensorIndex(name)
	if i < 0 {
		return net.seq.in
	}
	return net.seq.outs[i]
}

// Grad implements Model.
func (net *Network) Grad(name string) []float32 {
	i := net.tensorIndex(name)
	if i < 0 {
		return net.seq.dx
	}
	return net.seq.grads[i]
}

// TensorShape implements Model.
func (net *Network) TensorShape(name string) (s Shape, ok bool) {
	if name == InputName {
		return net.Spec.Input, true
	}
	i, ok := net.tensorIdx[name]
	if !ok {
		return Shape{}, false
	}
	return net.seq.layers[i].OutShape(), true
}

// SpatialTensors implements Model.
func (net *Network) SpatialTensors() []string {
	var names []string
	for i, l := range net.seq.layers {
		if s := l.OutShape(); s.H*s.W > 1 {
			names = append(names, net.tensorNames[i])
		}
	}
	return names
}

// FeatureTensor implements Model: the output of the layer before the final
// classifier.
func (net *Network) FeatureTensor() string { return net.tensorNames[net.FeatureLayer()] }

// ValuesPerExample implements Model: the input and every top-level layer's
// output (a residual block's inner activations are not counted).
func (net *Network) ValuesPerExample() int {
	n := net.Spec.Input.Size()
	for _, l := range net.seq.layers {
		n += l.OutShape().Size()
	}
	return n
}
