package onnx

import (
	"fmt"
	"sort"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// ExportOpset is the ONNX operator set Export writes, and ExportIRVersion
// the IR version that goes with it (onnx 1.8 onwards writes IR 7 for opset
// 13), so that PyTorch's onnx 1.12 and ONNX Runtime read the file.
const (
	ExportOpset     = 13
	ExportIRVersion = 7
)

// ExportOptions adjusts Export.
type ExportOptions struct {
	// Head appends "Softmax" or "LogSoftmax" over the last axis of the
	// logits (for instance Imported.Head, to give back the model as it
	// was loaded); "" exports the logits.
	Head string
	// OutputName names the exported output ("" keeps the graph's output
	// name, or "probabilities" after a Head).
	OutputName string
	// Metadata is written as the model's metadata_props, in key order.
	Metadata map[string]string
	// DocString describes the model.
	DocString string
}

// ExportError reports a graph that cannot be written as ONNX opset 13.
type ExportError struct {
	Node string
	Msg  string
}

func (e *ExportError) Error() string {
	if e.Node == "" {
		return "onnx: export: " + e.Msg
	}
	return fmt.Sprintf("onnx: export: node %s: %s", e.Node, e.Msg)
}

// Export returns g, with its current parameter values, as an ONNX opset 13
// model: one FLOAT input of shape [batch, InputShape...] (batch symbolic),
// one FLOAT output. The graph's attributes hold constant inputs folded at
// import (Clip's bounds, Reshape's shape, Pad's pads and value, the axes of
// Squeeze, Unsqueeze and ReduceSum, Dropout's ratio); Export writes them
// back as the int64 or float initializers opset 13 takes, named after the
// node. HardSwish, which opset 13 lacks, becomes x·HardSigmoid(x; 1/6, ½).
// BatchNormalization is written with its running statistics, as ONNX
// inference uses them (a built-in network's training_mode, which opset 13
// cannot express, is dropped).
func Export(g *graph.Graph, opt ExportOptions) (*onnxpb.Model, error) {
	d := g.Def()
	e := &exporter{names: map[string]bool{}}
	for _, it := range d.Initializers {
		e.names[it.Name] = true
	}
	for _, nd := range d.Nodes {
		for _, o := range nd.Outputs {
			e.names[o] = true
		}
	}
	e.names[d.Input] = true
	for _, it := range d.Initializers {
		e.g.Initializers = append(e.g.Initializers, &onnxpb.Tensor{
			Name: it.Name, Dims: dims64(it.Shape), DataType: onnxpb.Float, Float: append([]float32(nil), it.Data...),
		})
	}
	for _, nd := range d.Nodes {
		if err := e.node(nd); err != nil {
			return nil, err
		}
	}
	out := d.Output
	outInfo, ok := g.Info(out)
	if !ok {
		return nil, &ExportError{Msg: fmt.Sprintf("the graph has no output tensor %q", out)}
	}
	switch opt.Head {
	case "":
	case "Softmax", "LogSoftmax":
		name := opt.OutputName
		if name == "" {
			name = e.fresh("probabilities")
		}
		e.g.Nodes = append(e.g.Nodes, &onnxpb.Node{Name: e.fresh(opt.Head), OpType: opt.Head, Inputs: []string{out}, Outputs: []string{name},
			Attributes: []*onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttrInt, I: -1}}})
		out = name
	default:
		return nil, &ExportError{Msg: fmt.Sprintf("head %q is not Softmax or LogSoftmax", opt.Head)}
	}
	if opt.OutputName != "" && out != opt.OutputName {
		e.g.Nodes = append(e.g.Nodes, &onnxpb.Node{Name: e.fresh("output"), OpType: "Identity", Inputs: []string{out}, Outputs: []string{opt.OutputName}})
		out = opt.OutputName
	}
	e.g.Name = d.Name
	if e.g.Name == "" {
		e.g.Name = "saliency-explorer"
	}
	e.g.Inputs = []*onnxpb.ValueInfo{valueInfo(d.Input, d.InputShape)}
	e.g.Outputs = []*onnxpb.ValueInfo{valueInfo(out, outInfo.Shape)}
	m := &onnxpb.Model{
		IRVersion:    ExportIRVersion,
		OpsetImport:  []onnxpb.OperatorSet{{Domain: "", Version: ExportOpset}},
		ProducerName: "saliency-explorer",
		DocString:    opt.DocString,
		Graph:        &e.g,
	}
	keys := make([]string, 0, len(opt.Metadata))
	for k := range opt.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.MetadataProps = append(m.MetadataProps, onnxpb.StringPair{Key: k, Value: opt.Metadata[k]})
	}
	return m, nil
}

// ExportBytes is Export followed by onnxpb.Encode: the bytes of an .onnx
// file.
func ExportBytes(g *graph.Graph, opt ExportOptions) ([]byte, error) {
	m, err := Export(g, opt)
	if err != nil {
		return nil, err
	}
	return onnxpb.Encode(m), nil
}

type exporter struct {
	g     onnxpb.Graph
	names map[string]bool // every tensor name in use
}

// fresh returns a tensor or node name based on base that is not in use.
func (e *exporter) fresh(base string) string {
	name := base
	for i := 1; e.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	e.names[name] = true
	return name
}

// constInt64 and constFloat add an initializer for a folded constant input.
func (e *exporter) constInt64(base string, dims []int64, v []int64) string {
	name := e.fresh(base)
	e.g.Initializers = append(e.g.Initializers, &onnxpb.Tensor{Name: name, Dims: dims, DataType: onnxpb.Int64, Int64: v})
	return name
}

func (e *exporter) constFloat(base string, v float32) string {
	name := e.fresh(base)
	e.g.Initializers = append(e.g.Initializers, &onnxpb.Tensor{Name: name, DataType: onnxpb.Float, Float: []float32{v}})
	return name
}

func (e *exporter) node(nd graph.Node) error {
	typ := nd.Op.Type()
	a := nd.Op.Attrs()
	out := &onnxpb.Node{Name: nd.Name, OpType: typ, Inputs: append([]string(nil), nd.Inputs...), Outputs: append([]string(nil), nd.Outputs...)}
	fail := func(format string, args ...any) error {
		return &ExportError{Node: fmt.Sprintf("%q (%s)", nd.Name, typ), Msg: fmt.Sprintf(format, args...)}
	}
	// take removes attribute name from the ones copied as attributes.
	skip := map[string]bool{}
	take := func(name string) (graph.Attr, bool) {
		skip[name] = true
		v, ok := a[name]
		return v, ok
	}
	base := nd.Name
	if base == "" {
		base = typ
	}
	switch typ {
	case "Clip":
		lo, hasLo := take("min")
		hi, hasHi := take("max")
		ins := []string{out.Inputs[0], "", ""}
		if hasLo {
			ins[1] = e.constFloat(base+"_min", lo.Float)
		}
		if hasHi {
			ins[2] = e.constFloat(base+"_max", hi.Float)
		}
		out.Inputs = trimEmpty(ins)
	case "Reshape":
		s, _ := take("shape")
		if az, ok := take("allowzero"); ok && az.Int != 0 {
			return fail("allowzero = 1 needs opset 14")
		}
		out.Inputs = []string{out.Inputs[0], e.constInt64(base+"_shape", []int64{int64(len(s.Ints))}, s.Ints)}
	case "Pad":
		p, _ := take("pads")
		out.Inputs = []string{out.Inputs[0], e.constInt64(base+"_pads", []int64{int64(len(p.Ints))}, p.Ints)}
		if v, ok := take("value"); ok && v.Float != 0 {
			out.Inputs = append(out.Inputs, e.constFloat(base+"_value", v.Float))
		}
	case "Squeeze", "Unsqueeze", "ReduceSum":
		if ax, ok := take("axes"); ok && len(ax.Ints) > 0 {
			out.Inputs = []string{out.Inputs[0], e.constInt64(base+"_axes", []int64{int64(len(ax.Ints))}, ax.Ints)}
		}
	case "Dropout":
		if r, ok := take("ratio"); ok {
			out.Inputs = []string{out.Inputs[0], e.constFloat(base+"_ratio", r.Float)}
		}
	case "BatchNormalization":
		take("training_mode")
		if sp, ok := take("spatial"); ok && sp.Int != 1 {
			return fail("spatial = 0")
		}
	case "HardSwish":
		// opset 14's HardSwish(x) = x·max(0, min(1, x/6 + ½)).
		hs := e.fresh(base + "_hardsigmoid")
		e.g.Nodes = append(e.g.Nodes, &onnxpb.Node{Name: hs, OpType: "HardSigmoid", Inputs: out.Inputs[:1], Outputs: []string{hs},
			Attributes: []*onnxpb.Attribute{
				{Name: "alpha", Type: onnxpb.AttrFloat, F: 1.0 / 6},
				{Name: "beta", Type: onnxpb.AttrFloat, F: 0.5},
			}})
		out.OpType = "Mul"
		out.Inputs = []string{out.Inputs[0], hs}
	}
	names := make([]string, 0, len(a))
	for k := range a {
		if !skip[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		at, err := attribute(k, a[k])
		if err != nil {
			return fail("%v", err)
		}
		out.Attributes = append(out.Attributes, at)
	}
	e.g.Nodes = append(e.g.Nodes, out)
	return nil
}

// trimEmpty drops trailing omitted ("") optional inputs.
func trimEmpty(ins []string) []string {
	for len(ins) > 0 && ins[len(ins)-1] == "" {
		ins = ins[:len(ins)-1]
	}
	return ins
}

func attribute(name string, v graph.Attr) (*onnxpb.Attribute, error) {
	a := &onnxpb.Attribute{Name: name}
	switch v.Kind {
	case graph.AttrInt:
		a.Type, a.I = onnxpb.AttrInt, v.Int
	case graph.AttrFloat:
		a.Type, a.F = onnxpb.AttrFloat, v.Float
	case graph.AttrString:
		a.Type, a.S = onnxpb.AttrString, []byte(v.String)
	case graph.AttrInts:
		a.Type, a.Ints = onnxpb.AttrInts, append([]int64(nil), v.Ints...)
	case graph.AttrFloats:
		a.Type, a.Floats = onnxpb.AttrFloats, append([]float32(nil), v.Floats...)
	default:
		return nil, fmt.Errorf("attribute %s of kind %d", name, v.Kind)
	}
	return a, nil
}

// valueInfo describes a FLOAT tensor of per-example shape s with a
// symbolic batch axis first.
func valueInfo(name string, s []int) *onnxpb.ValueInfo {
	v := &onnxpb.ValueInfo{Name: name, ElemType: onnxpb.Float, HasShape: true, Shape: []onnxpb.Dim{{Param: "batch"}}}
	for _, d := range s {
		v.Shape = append(v.Shape, onnxpb.Dim{Value: int64(d), HasValue: true})
	}
	return v
}

func dims64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}
