package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Network is a sequence of layers ending in a linear classifier, with all
// trainable parameters in one flat slice (and their gradients in another of
// the same layout), so an optimizer update is a single loop.
type Network struct {
	Spec   Spec
	Params []float32 // every trainable value, in NamedParams order
	Grads  []float32 // gradients, same layout as Params
	State  []float32 // non-trainable state (BatchNorm running statistics)

	seq        sequence
	named      []*Param
	n          int
	injectBuf  []float32
	injectList [][]float32

	tensorNames []string       // LayerTensor(i) for each top-level layer
	tensorIdx   map[string]int // and back
}

// New builds the network described by spec with freshly initialized weights
// drawn from seed (He-normal for convolutions, uniform ±1/√fan-in for linear
// layers, zero biases, BatchNorm γ = 1). It returns an error if spec is
// invalid.
func New(spec Spec, seed uint64) (*Network, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	layers, _ := buildLayers(spec.Layers, spec.Input, seed)
	net := &Network{Spec: spec, seq: newSequence(layers)}
	for i, l := range layers {
		for _, p := range l.Params() {
			p.Name = fmt.Sprintf("layers.%d.%s", i, p.Name)
			net.named = append(net.named, p)
		}
	}
	var nTrain, nState int
	for _, p := range net.named {
		if p.Trainable {
			nTrain += shapeSize(p.Shape)
		} else {
			nState += shapeSize(p.Shape)
		}
	}
	net.Params = make([]float32, nTrain)
	net.Grads = make([]float32, nTrain)
	net.State = make([]float32, nState)
	var offT, offS int
	for _, p := range net.named {
		size := shapeSize(p.Shape)
		if p.Trainable {
			p.Value = net.Params[offT : offT+size : offT+size]
			p.Grad = net.Grads[offT : offT+size : offT+size]
			offT += size
		} else {
			p.Value = net.State[offS : offS+size : offS+size]
			offS += size
		}
	}
	net.initialize(seed)
	net.injectList = make([][]float32, len(layers))
	net.tensorIdx = make(map[string]int, len(layers))
	for i := range layers {
		net.tensorNames = append(net.tensorNames, LayerTensor(i))
		net.tensorIdx[LayerTensor(i)] = i
	}
	return net, nil
}

func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (net *Network) initialize(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x696e6974))
	for _, p := range net.named {
		fanIn := 1
		for _, d := range p.Shape[1:] {
			fanIn *= d
		}
		switch p.init {
		case initZero:
			clear(p.Value)
		case initOne:
			for i := range p.Value {
				p.Value[i] = 1
			}
		case initHe:
			std := math.Sqrt(2 / float64(fanIn))
			for i := range p.Value {
				p.Value[i] = float32(rng.NormFloat64() * std)
			}
		case initFanIn:
			bound := 1 / math.Sqrt(float64(fanIn))
			for i := range p.Value {
				p.Value[i] = float32((2*rng.Float64() - 1) * bound)
			}
		}
	}
}

// NamedParams returns every parameter tensor (trainable and state) in a fixed
// order, with names such as "layers.0.weight". Their Value slices are views
// into Params or State.
func (net *Network) NamedParams() []*Param { return net.named }

// Layers returns the network's top-level layers.
func (net *Network) Layers() []Layer { return net.seq.layers }

// Input returns the per-example input shape.
func (net *Network) Input() Shape { return net.Spec.Input }

// Classes returns the number of classes (outputs).
func (net *Network) Classes() int { return len(net.Spec.Classes) }

// Batch returns the batch size of the last Forward.
func (net *Network) Batch() int { return net.n }

// ZeroGrad clears the parameter gradients.
func (net *Network) ZeroGrad() { clear(net.Grads) }

// Forward returns the logits, N×K, for a batch of n inputs of shape Input().
// The returned slice is owned by the network.
func (net *Network) Forward(x []float32, n int, train bool) []float32 {
	if len(x) != n*net.Spec.Input.Size() {
		panic(fmt.Sprintf("nn: network input has %d values, want %d×%v", len(x), n, net.Spec.Input))
	}
	net.n = n
	return net.seq.forward(x, n, train)
}

// Backward propagates dlogits (N×K) back to the input and returns the input
// gradient (owned by the network). With paramGrads it also adds the
// parameter gradients to Grads.
func (net *Network) Backward(dlogits []float32, paramGrads bool) []float32 {
	return net.seq.backward(dlogits, paramGrads, nil, &net.injectBuf)
}

// BackwardInject is Backward with an extra gradient added to the tensor
// named at, the output of a top-level layer (for penalties on intermediate
// features such as ActDiff's). extra must have that tensor's size for the
// batch.
func (net *Network) BackwardInject(dlogits []float32, name string, extra []float32, paramGrads bool) []float32 {
	at := net.tensorIndex(name)
	if at < 0 {
		panic("nn: cannot inject a gradient at the network's input")
	}
	checkLen(extra, len(net.seq.outs[at]), "injected gradient")
	clear(net.injectList)
	net.injectList[at] = extra
	dx := net.seq.backward(dlogits, paramGrads, net.injectList, &net.injectBuf)
	net.injectList[at] = nil
	return dx
}

// Tangent returns the logits' directional derivative along the input
// direction dx, at the last Forward's input.
func (net *Network) Tangent(dx []float32) []float32 {
	checkLen(dx, net.n*net.Spec.Input.Size(), "network input tangent")
	return net.seq.tangent(dx)
}

// BackwardDual is the reverse of the last Forward and Tangent: given the
// gradients of a scalar with respect to the logits (dlogits) and to their
// tangent (dlogitsT), it adds the parameter gradient to Grads and returns the
// gradients with respect to the input and the input tangent.
func (net *Network) BackwardDual(dlogits, dlogitsT []float32) (dx, dxt []float32) {
	return net.seq.backwardDual(dlogits, dlogitsT)
}

// Output returns the output of top-level layer i from the last Forward.
func (net *Network) Output(i int) []float32 { return net.seq.outs[i] }

// OutGrad returns the gradient that reached top-level layer i's output in the
// last backward pass.
func (net *Network) OutGrad(i int) []float32 { return net.seq.grads[i] }

// FeatureLayer returns the index of the layer whose output feeds the final
// classifier: the pooled feature vector that ActDiff compares.
func (net *Network) FeatureLayer() int { return len(net.seq.layers) - 2 }

// LastSpatialLayer returns the index of the last top-level layer whose output
// still has a spatial extent larger than 1×1 (the feature maps Grad-CAM
// weighs), or -1 if there is none.
func (net *Network) LastSpatialLayer() int {
	for i := len(net.seq.layers) - 1; i >= 0; i-- {
		s := net.seq.layers[i].OutShape()
		if s.H*s.W > 1 {
			return i
		}
	}
	return -1
}

// Clone returns an independent copy of the network with the same weights and
// state (for before/after comparisons and parallel workers).
func (net *Network) Clone() *Network {
	c, err := New(net.Spec, 0)
	if err != nil {
		panic("nn: Clone of a network whose spec no longer validates: " + err.Error())
	}
	copy(c.Params, net.Params)
	copy(c.State, net.State)
	return c
}

// CheckFinite returns an error naming the first parameter that holds a NaN
// or an infinity.
func (net *Network) CheckFinite() error {
	for _, p := range net.named {
		for i, v := range p.Value {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("nn: parameter %s has %v at index %d", p.Name, v, i)
			}
		}
	}
	return nil
}
