package graph

import (
	"fmt"

	"saliencyexplorer/engine/nn"
)

// FromNetwork returns the graph that computes what net computes, with a copy
// of its parameters under the same names ("layers.3.weight"). The output of
// top-level layer i is the tensor nn.LayerTensor(i) and the input is
// nn.InputName, as in the Network, so code that addresses tensors by name
// works on both. BatchNorm layers keep their training-mode batch statistics
// (training_mode = 1); Dropout draws other masks than the Network's.
func FromNetwork(net *nn.Network) (*Graph, error) {
	c := &converter{params: net.NamedParams()}
	d := Def{Name: net.Spec.Name, Input: nn.InputName, InputShape: []int{net.Spec.Input.C, net.Spec.Input.H, net.Spec.Input.W}}
	c.def = &d
	x, in := nn.InputName, net.Spec.Input
	for i, ls := range net.Spec.Layers {
		var err error
		x, in, err = c.layer(ls, x, in, nn.LayerTensor(i), fmt.Sprintf("layers.%d", i))
		if err != nil {
			return nil, err
		}
	}
	if c.next != len(c.params) {
		return nil, fmt.Errorf("graph: network %q has %d parameters its spec does not account for", net.Spec.Name, len(c.params)-c.next)
	}
	d.Output = x
	d.Features = net.FeatureTensor()
	return Build(d)
}

type converter struct {
	def    *Def
	params []*nn.Param
	next   int
}

// param adds the network's next parameter as an initializer, checking that
// it is the one expected.
func (c *converter) param(name string) (string, error) {
	if c.next >= len(c.params) {
		return "", fmt.Errorf("graph: network has no parameter %s", name)
	}
	p := c.params[c.next]
	c.next++
	if p.Name != name {
		return "", fmt.Errorf("graph: network parameter %s where %s was expected", p.Name, name)
	}
	c.def.Initializers = append(c.def.Initializers, Initializer{Name: p.Name, Shape: p.Shape, Data: p.Value})
	return p.Name, nil
}

func (c *converter) node(typ string, a Attrs, name string, inputs ...string) error {
	op, err := New(typ, a)
	if err != nil {
		return err
	}
	c.def.Nodes = append(c.def.Nodes, Node{Name: name, Op: op, Inputs: inputs, Outputs: []string{name}})
	return nil
}

// layer adds the nodes of layer s reading x (shape in) whose output is named
// out; prefix names its parameters. It returns the output's name and shape.
func (c *converter) layer(s nn.LayerSpec, x string, in nn.Shape, out, prefix string) (string, nn.Shape, error) {
	stride := func(def int) int {
		if s.Stride == 0 {
			return def
		}
		return s.Stride
	}
	var err error
	switch s.Type {
	case "conv":
		w, err1 := c.param(prefix + ".weight")
		b, err2 := c.param(prefix + ".bias")
		if err = firstErr(err1, err2); err != nil {
			return "", in, err
		}
		k, st, p := s.Kernel, stride(1), s.Pad
		err = c.node("Conv", Attrs{"kernel_shape": IntsAttr([]int{k, k}), "strides": IntsAttr([]int{st, st}), "pads": IntsAttr([]int{p, p, p, p})}, out, x, w, b)
		in = nn.Shape{C: s.Out, H: (in.H+2*p-k)/st + 1, W: (in.W+2*p-k)/st + 1}
	case "maxpool", "avgpool":
		typ := map[string]string{"maxpool": "MaxPool", "avgpool": "AveragePool"}[s.Type]
		k, st := s.Kernel, stride(s.Kernel)
		err = c.node(typ, Attrs{"kernel_shape": IntsAttr([]int{k, k}), "strides": IntsAttr([]int{st, st})}, out, x)
		in = nn.Shape{C: in.C, H: (in.H-k)/st + 1, W: (in.W-k)/st + 1}
	case "gap":
		err = c.node("GlobalAveragePool", nil, out, x)
		in = nn.Shape{C: in.C, H: 1, W: 1}
	case "flatten":
		err = c.node("Flatten", Attrs{"axis": IntAttr(1)}, out, x)
		in = nn.Shape{C: in.Size(), H: 1, W: 1}
	case "relu":
		err = c.node("Relu", nil, out, x)
	case "dropout":
		err = c.node("Dropout", Attrs{"ratio": FloatAttr(s.P)}, out, x)
	case "batchnorm":
		var names [4]string
		for i, n := range []string{"weight", "bias", "running_mean", "running_var"} {
			if names[i], err = c.param(prefix + "." + n); err != nil {
				return "", in, err
			}
		}
		err = c.node("BatchNormalization", Attrs{"epsilon": FloatAttr(1e-5), "momentum": FloatAttr(0.9), "training_mode": IntAttr(1)},
			out, x, names[0], names[1], names[2], names[3])
	case "linear":
		w, err1 := c.param(prefix + ".weight")
		b, err2 := c.param(prefix + ".bias")
		if err = firstErr(err1, err2); err != nil {
			return "", in, err
		}
		// The Network holds a vector as C×1×1; Gemm wants it flat.
		flat := x
		if in.H != 1 || in.W != 1 || c.rank(x) != 1 {
			flat = out + ".flat"
			if err = c.node("Flatten", Attrs{"axis": IntAttr(1)}, flat, x); err != nil {
				return "", in, err
			}
		}
		err = c.node("Gemm", Attrs{"transB": IntAttr(1)}, out, flat, w, b)
		in = nn.Shape{C: s.Out, H: 1, W: 1}
	case "residual":
		body, sc := x, x
		bs, ss := in, in
		for j, l := range s.Body {
			name := fmt.Sprintf("%s.body.%d", prefix, j)
			if body, bs, err = c.layer(l, body, bs, name, name); err != nil {
				return "", in, err
			}
		}
		for j, l := range s.Shortcut {
			name := fmt.Sprintf("%s.shortcut.%d", prefix, j)
			if sc, ss, err = c.layer(l, sc, ss, name, name); err != nil {
				return "", in, err
			}
		}
		if bs != ss {
			return "", in, fmt.Errorf("graph: residual %s branches give %v and %v", prefix, bs, ss)
		}
		err = c.node("Add", nil, out, body, sc)
		in = bs
	default:
		return "", in, fmt.Errorf("graph: layer type %q has no graph form", s.Type)
	}
	return out, in, err
}

// rank returns the per-example rank of tensor x so far: 1 after a Flatten
// or a Gemm, 3 otherwise.
func (c *converter) rank(x string) int {
	for _, nd := range c.def.Nodes {
		if nd.Outputs[0] == x {
			switch nd.Op.Type() {
			case "Flatten", "Gemm":
				return 1
			case "Relu", "Dropout", "BatchNormalization", "Add":
				return c.rank(nd.Inputs[0])
			}
			return 3
		}
	}
	return 3
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
