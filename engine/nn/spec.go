package nn

import (
	"errors"
	"fmt"
)

// Spec is a network's architecture, stored as JSON beside the weights. The
// layers run in order; the last must be a linear layer with one output per
// class.
type Spec struct {
	Name    string      `json:"name"`
	Input   Shape       `json:"input"`
	Classes []string    `json:"classes"`
	Layers  []LayerSpec `json:"layers"`
}

// LayerSpec describes one layer. Type is one of conv, relu, maxpool, avgpool,
// gap, flatten, linear, batchnorm, dropout or residual; the other fields
// apply to the types named beside them.
type LayerSpec struct {
	Type     string      `json:"type"`
	Out      int         `json:"out,omitempty"`      // conv: filters; linear: outputs
	Kernel   int         `json:"kernel,omitempty"`   // conv, maxpool, avgpool
	Stride   int         `json:"stride,omitempty"`   // conv, maxpool, avgpool (default 1 for conv, Kernel for pools)
	Pad      int         `json:"pad,omitempty"`      // conv
	P        float32     `json:"p,omitempty"`        // dropout probability
	Body     []LayerSpec `json:"body,omitempty"`     // residual
	Shortcut []LayerSpec `json:"shortcut,omitempty"` // residual (empty: identity)
}

// Limits on architectures read from files, so that a hostile description
// cannot make the engine allocate without bound.
const (
	maxLayers      = 256
	maxDepth       = 4
	maxChannels    = 4096
	maxSide        = 4096
	maxKernel      = 15
	maxClasses     = 1000
	maxParams      = 16 << 20 // 64 MB of float32 weights
	maxActivations = 16 << 20 // values in one layer's output or im2col buffer, per example
	maxTotalActs   = 64 << 20 // values in all layers' outputs together, per example
)

// SpecError reports an invalid architecture description.
type SpecError struct {
	Path string // e.g. "layers[3].body[1]"
	Msg  string
}

func (e *SpecError) Error() string {
	if e.Path == "" {
		return "nn: invalid architecture: " + e.Msg
	}
	return fmt.Sprintf("nn: invalid architecture at %s: %s", e.Path, e.Msg)
}

// Validate checks the description without allocating the network: known
// layer types, sizes within limits, windows that fit, a final linear layer
// with one output per class.
func (s *Spec) Validate() error {
	in := s.Input
	if in.C <= 0 || in.H <= 0 || in.W <= 0 || in.C > maxChannels || in.H > maxSide || in.W > maxSide {
		return &SpecError{Msg: fmt.Sprintf("input shape %v out of range", in)}
	}
	if len(s.Classes) < 2 || len(s.Classes) > maxClasses {
		return &SpecError{Msg: fmt.Sprintf("%d classes; want 2 to %d", len(s.Classes), maxClasses)}
	}
	if len(s.Layers) == 0 {
		return &SpecError{Msg: "no layers"}
	}
	if in.Size() > maxActivations {
		return &SpecError{Msg: fmt.Sprintf("input shape %v too large", in)}
	}
	var v validator
	out, err := v.layers(s.Layers, in, "layers", 0)
	if err != nil {
		return err
	}
	last := s.Layers[len(s.Layers)-1]
	if last.Type != "linear" || out.Size() != len(s.Classes) {
		return &SpecError{Msg: fmt.Sprintf("the last layer must be linear with %d outputs (one per class), got %s with output %v", len(s.Classes), last.Type, out)}
	}
	return nil
}

// layerType is one layer type of a Spec: how to check its description and
// how to build it. Each layer's file registers its type once, with its
// shape inference and parameter count beside its passes.
type layerType struct {
	// check validates s over an input of shape in and returns the output
	// shape and the number of parameter values (nested layers, as in a
	// residual block, are validated through v and count themselves).
	check func(v *validator, s LayerSpec, in Shape, path string, depth int) (Shape, int, error)
	// build returns the layer of a validated s; i is its index among its
	// siblings, which seeds its randomness.
	build func(s LayerSpec, in Shape, seed uint64, i int) Layer
}

var layerTypes = map[string]layerType{}

// registerLayer records a layer type; it panics on a second registration.
func registerLayer(name string, t layerType) {
	if _, dup := layerTypes[name]; dup {
		panic("nn: layer type " + name + " registered twice")
	}
	layerTypes[name] = t
}

// validator counts layers, parameters and activations across a Spec.
type validator struct{ count, params, acts int }

func (v *validator) layers(ls []LayerSpec, in Shape, path string, depth int) (Shape, error) {
	if depth > maxDepth {
		return in, &SpecError{Path: path, Msg: "residual blocks nested too deeply"}
	}
	for i, ls := range ls {
		p := fmt.Sprintf("%s[%d]", path, i)
		v.count++
		if v.count > maxLayers {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("more than %d layers", maxLayers)}
		}
		out, n, err := v.layer(ls, in, p, depth)
		if err != nil {
			return in, err
		}
		v.params += n
		if v.params > maxParams {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("more than %d parameters", maxParams)}
		}
		if out.Size() > maxActivations {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("activation %v too large", out)}
		}
		v.acts += out.Size()
		if v.acts > maxTotalActs {
			return in, &SpecError{Path: p, Msg: "activations of all layers together too large"}
		}
		in = out
	}
	return in, nil
}

func (v *validator) layer(s LayerSpec, in Shape, path string, depth int) (Shape, int, error) {
	if s.Type == "" {
		return in, 0, &SpecError{Path: path, Msg: "layer without a type"}
	}
	t, ok := layerTypes[s.Type]
	if !ok {
		return in, 0, &SpecError{Path: path, Msg: fmt.Sprintf("unknown layer type %q", s.Type)}
	}
	out, n, err := t.check(v, s, in, path, depth)
	if err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			return in, 0, err
		}
		return in, 0, &SpecError{Path: path, Msg: err.Error()}
	}
	return out, n, nil
}

// window validates a kernel/stride/pad triple over in and returns the output
// side lengths.
func window(in Shape, k, stride, pad int) (oh, ow int, err error) {
	if k <= 0 || k > maxKernel {
		return 0, 0, fmt.Errorf("kernel %d out of range 1..%d", k, maxKernel)
	}
	if stride <= 0 || stride > maxKernel {
		return 0, 0, fmt.Errorf("stride %d out of range 1..%d", stride, maxKernel)
	}
	if pad < 0 || pad >= k {
		return 0, 0, fmt.Errorf("padding %d out of range 0..%d", pad, k-1)
	}
	if in.H+2*pad < k || in.W+2*pad < k {
		return 0, 0, fmt.Errorf("kernel %d larger than the padded input %v", k, in)
	}
	return (in.H+2*pad-k)/stride + 1, (in.W+2*pad-k)/stride + 1, nil
}

func strideOr(s, def int) int {
	if s == 0 {
		return def
	}
	return s
}

// buildLayers turns validated specs into layers.
func buildLayers(specs []LayerSpec, in Shape, seed uint64) ([]Layer, Shape) {
	layers := make([]Layer, 0, len(specs))
	for i, s := range specs {
		t, ok := layerTypes[s.Type]
		if !ok {
			panic(errors.New("nn: buildLayers called on an unvalidated spec"))
		}
		l := t.build(s, in, seed, i)
		layers = append(layers, l)
		in = l.OutShape()
	}
	return layers, in
}
