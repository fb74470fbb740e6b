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
	count, params, acts := 0, 0, 0
	out, err := validateLayers(s.Layers, in, "layers", 0, &count, &params, &acts)
	if err != nil {
		return err
	}
	last := s.Layers[len(s.Layers)-1]
	if last.Type != "linear" || out.Size() != len(s.Classes) {
		return &SpecError{Msg: fmt.Sprintf("the last layer must be linear with %d outputs (one per class), got %s with output %v", len(s.Classes), last.Type, out)}
	}
	return nil
}

func validateLayers(ls []LayerSpec, in Shape, path string, depth int, count, params, acts *int) (Shape, error) {
	if depth > maxDepth {
		return in, &SpecError{Path: path, Msg: "residual blocks nested too deeply"}
	}
	for i, ls := range ls {
		p := fmt.Sprintf("%s[%d]", path, i)
		*count++
		if *count > maxLayers {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("more than %d layers", maxLayers)}
		}
		out, n, err := validateLayer(ls, in, p, depth, count, params, acts)
		if err != nil {
			return in, err
		}
		*params += n
		if *params > maxParams {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("more than %d parameters", maxParams)}
		}
		if out.Size() > maxActivations {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("activation %v too large", out)}
		}
		if ls.Type == "conv" && in.C*ls.Kernel*ls.Kernel*out.H*out.W > maxActivations {
			return in, &SpecError{Path: p, Msg: fmt.Sprintf("convolution of %v by %d×%d needs too large an im2col buffer", in, ls.Kernel, ls.Kernel)}
		}
		*acts += out.Size()
		if *acts > maxTotalActs {
			return in, &SpecError{Path: p, Msg: "activations of all layers together too large"}
		}
		in = out
	}
	return in, nil
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

func validateLayer(s LayerSpec, in Shape, path string, depth int, count, params, acts *int) (Shape, int, error) {
	bad := func(format string, a ...any) (Shape, int, error) {
		return in, 0, &SpecError{Path: path, Msg: fmt.Sprintf(format, a...)}
	}
	switch s.Type {
	case "conv":
		if s.Out <= 0 || s.Out > maxChannels {
			return bad("conv with %d filters", s.Out)
		}
		oh, ow, err := window(in, s.Kernel, strideOr(s.Stride, 1), s.Pad)
		if err != nil {
			return bad("conv: %v", err)
		}
		return Shape{s.Out, oh, ow}, s.Out*in.C*s.Kernel*s.Kernel + s.Out, nil
	case "maxpool", "avgpool":
		oh, ow, err := window(in, s.Kernel, strideOr(s.Stride, s.Kernel), 0)
		if err != nil {
			return bad("%s: %v", s.Type, err)
		}
		return Shape{in.C, oh, ow}, 0, nil
	case "gap":
		return Shape{in.C, 1, 1}, 0, nil
	case "flatten":
		return Shape{in.Size(), 1, 1}, 0, nil
	case "relu":
		return in, 0, nil
	case "dropout":
		if !(s.P >= 0 && s.P < 1) {
			return bad("dropout probability %v not in [0, 1)", s.P)
		}
		return in, 0, nil
	case "batchnorm":
		return in, 4 * in.C, nil
	case "linear":
		if in.H != 1 || in.W != 1 {
			return bad("linear needs a vector input (add gap or flatten first), got %v", in)
		}
		if s.Out <= 0 || s.Out > maxChannels {
			return bad("linear with %d outputs", s.Out)
		}
		return Shape{s.Out, 1, 1}, s.Out*in.C + s.Out, nil
	case "residual":
		if len(s.Body) == 0 {
			return bad("residual block with an empty body")
		}
		body, err := validateLayers(s.Body, in, path+".body", depth+1, count, params, acts)
		if err != nil {
			return in, 0, err
		}
		sc, err := validateLayers(s.Shortcut, in, path+".shortcut", depth+1, count, params, acts)
		if err != nil {
			return in, 0, err
		}
		if body != sc {
			return bad("residual body gives %v but shortcut gives %v", body, sc)
		}
		// The nested layers have already counted their parameters.
		return body, 0, nil
	case "":
		return bad("layer without a type")
	default:
		return bad("unknown layer type %q", s.Type)
	}
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
		var l Layer
		switch s.Type {
		case "conv":
			l = NewConv2D(in, s.Out, s.Kernel, strideOr(s.Stride, 1), s.Pad)
		case "maxpool":
			l = NewMaxPool2D(in, s.Kernel, strideOr(s.Stride, s.Kernel))
		case "avgpool":
			l = NewAvgPool2D(in, s.Kernel, strideOr(s.Stride, s.Kernel))
		case "gap":
			l = NewGlobalAvgPool(in)
		case "flatten":
			l = NewFlatten(in)
		case "relu":
			l = NewReLU(in)
		case "dropout":
			l = NewDropout(in, s.P, seed+uint64(i)*7919)
		case "batchnorm":
			l = NewBatchNorm2D(in)
		case "linear":
			l = NewLinear(in, s.Out)
		case "residual":
			body, _ := buildLayers(s.Body, in, seed+uint64(i)*104729)
			sc, _ := buildLayers(s.Shortcut, in, seed+uint64(i)*15485863)
			l = NewResidual(in, body, sc)
		default:
			panic(errors.New("nn: buildLayers called on an unvalidated spec"))
		}
		layers = append(layers, l)
		in = l.OutShape()
	}
	return layers, in
}
