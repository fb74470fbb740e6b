package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// Opsets the importer accepts (the default ONNX domain).
const (
	MinOpset = 11
	MaxOpset = 17
)

// Options adjusts Import.
type Options struct {
	// KeepSoftmax keeps a final Softmax or LogSoftmax as the graph's output.
	// By default it is removed, so the graph's output is the logits that
	// saliency methods explain and training objectives take, and
	// Imported.Head names the removed op.
	KeepSoftmax bool
	// MaxValues bounds the values of all activations of one example
	// together (Graph.ValuesPerExample); 0 means graph.MaxActivations. A
	// model over it is refused before its buffers are made.
	MaxValues int
}

// Imported is a model converted to a graph.
type Imported struct {
	Graph *graph.Graph
	// Head is "Softmax" or "LogSoftmax" if the model ended in one and it was
	// removed, else "".
	Head  string
	Opset int64
	// InputShape is the input's shape as the file declares it, batch axis
	// first (that axis as 1 when symbolic).
	InputShape []int
}

// ImportError reports a model the engine cannot run: an unsupported op or
// attribute, or an invalid graph. Node names the node ("" for the model as a
// whole) and Op its type.
type ImportError struct {
	Node string
	Op   string
	Msg  string
}

func (e *ImportError) Error() string {
	if e.Node == "" && e.Op == "" {
		return "onnx: " + e.Msg
	}
	return fmt.Sprintf("onnx: node %s (%s): %s", e.Node, e.Op, e.Msg)
}

// foldOps are the ops the importer evaluates on constants instead of
// running them (shape arithmetic, casts, Constant nodes).
var foldOps = []string{"Cast", "Concat", "Constant", "Gather", "Identity", "Reshape", "Shape", "Slice", "Squeeze", "Unsqueeze", "Add", "Sub", "Mul", "Div"}

// SupportedOps returns the op types Import accepts: those the graph runs
// and those folded when their inputs are constants.
func SupportedOps() []string {
	ops := append(graph.Supported(), foldOps...)
	slices.Sort(ops)
	return slices.Compact(ops)
}

// batchDim stands for the batch size in a folded Shape value.
const batchDim = math.MinInt64 / 2

// constant is a tensor known at import time: float values (F) or integer
// values (I, which may hold batchDim), with its shape.
type constant struct {
	dims  []int
	f     []float32
	i     []int64
	isInt bool
}

func (c *constant) size() int {
	n := 1
	for _, d := range c.dims {
		n *= d
	}
	return n
}

func (c *constant) ints() []int64 {
	if c.isInt {
		return c.i
	}
	out := make([]int64, len(c.f))
	for k, v := range c.f {
		out[k] = int64(v)
	}
	return out
}

func (c *constant) floats() []float32 {
	if !c.isInt {
		return c.f
	}
	out := make([]float32, len(c.i))
	for k, v := range c.i {
		out[k] = float32(v)
	}
	return out
}

func fromTensor(t *onnxpb.Tensor) (*constant, error) {
	c := &constant{}
	for _, d := range t.Dims {
		if d < 0 || d > 1<<31 {
			return nil, fmt.Errorf("tensor %q has dimension %d", t.Name, d)
		}
		c.dims = append(c.dims, int(d))
	}
	switch t.DataType {
	case onnxpb.Float, onnxpb.Double:
		c.f = t.Float32s()
	case onnxpb.Int64, onnxpb.Int32:
		c.i, c.isInt = t.Int64s(), true
	default:
		return nil, fmt.Errorf("tensor %q has data type %v; only FLOAT, DOUBLE, INT32 and INT64 are supported", t.Name, t.DataType)
	}
	if len(c.f)+len(c.i) != c.size() {
		return nil, fmt.Errorf("tensor %q has %d values for shape %v", t.Name, len(c.f)+len(c.i), c.dims)
	}
	return c, nil
}

// importer holds the state of one Import.
type importer struct {
	opset  int64
	consts map[string]*constant
	infos  map[string]graph.Info // batched tensors
	inits  map[string]bool       // constants already added as initializers
	// dropped are the outputs the engine does not compute (MaxPool's
	// indices, Dropout's mask, BatchNormalization's training outputs), with
	// the node that names them.
	dropped map[string]string
	// folded are the constants computed by Constant nodes and folding: the
	// model's arithmetic, not its weights, so they are never trained.
	folded map[string]bool
	// values counts the activations per example so far, up to maxValues.
	values, maxValues int
	def               graph.Def
}

// Import converts a decoded ONNX model into a graph: constants folded,
// every other node mapped to a graph op. The model must have one float
// input whose first axis is the batch (its other axes fixed), and one
// output. It returns an *ImportError naming the first node it cannot
// convert, with what is supported.
func Import(m *onnxpb.Model, opt Options) (*Imported, error) {
	if m.Graph == nil {
		return nil, &ImportError{Msg: "the file has no graph"}
	}
	opset := m.Opset()
	if opset < MinOpset || opset > MaxOpset {
		return nil, &ImportError{Msg: fmt.Sprintf("opset %d is not supported (supported: %d to %d; re-export with torch.onnx.export(..., opset_version=13))", opset, MinOpset, MaxOpset)}
	}
	if m.Functions > 0 {
		return nil, &ImportError{Msg: "model-local functions are not supported"}
	}
	im := &importer{opset: opset, consts: map[string]*constant{}, infos: map[string]graph.Info{}, inits: map[string]bool{}, dropped: map[string]string{}, folded: map[string]bool{}}
	g := m.Graph
	im.def.Name = g.Name
	for _, t := range g.Initializers {
		c, err := fromTensor(t)
		if err != nil {
			return nil, &ImportError{Msg: "initializer: " + err.Error()}
		}
		im.consts[t.Name] = c
	}
	var inputs []*onnxpb.ValueInfo
	for _, v := range g.Inputs {
		if _, isConst := im.consts[v.Name]; !isConst {
			inputs = append(inputs, v)
		}
	}
	if len(inputs) != 1 {
		names := make([]string, len(inputs))
		for i, v := range inputs {
			names[i] = v.Name
		}
		return nil, &ImportError{Msg: fmt.Sprintf("the model has %d inputs %v; the engine runs models with one input (an image batch)", len(inputs), names)}
	}
	in := inputs[0]
	shape, err := inputShape(in)
	if err != nil {
		return nil, &ImportError{Msg: err.Error()}
	}
	im.maxValues = opt.MaxValues
	if im.maxValues <= 0 {
		im.maxValues = graph.MaxActivations
	}
	im.values = graph.Info{Shape: shape[1:]}.Size()
	if im.values > im.maxValues {
		return nil, &ImportError{Msg: fmt.Sprintf("the input %v holds %d values per example, more than the budget of %d", shape, im.values, im.maxValues)}
	}
	im.def.Input, im.def.InputShape = in.Name, shape[1:]
	im.infos[in.Name] = graph.Info{Shape: shape[1:], Batched: true}
	if len(g.Outputs) != 1 {
		return nil, &ImportError{Msg: fmt.Sprintf("the model has %d outputs; the engine runs models with one output (the class scores)", len(g.Outputs))}
	}
	for k, nd := range g.Nodes {
		if err := im.node(k, nd); err != nil {
			return nil, err
		}
	}
	out := g.Outputs[0].Name
	if by, ok := im.dropped[out]; ok {
		return nil, &ImportError{Msg: fmt.Sprintf("the output %q is an optional output of %s that the engine does not compute", out, by)}
	}
	if _, ok := im.infos[out]; !ok {
		return nil, &ImportError{Msg: fmt.Sprintf("the output %q does not depend on the input", out)}
	}
	res := &Imported{Opset: opset, InputShape: shape}
	nodes := im.def.Nodes
	if last := len(nodes) - 1; !opt.KeepSoftmax && last > 0 && nodes[last].Outputs[0] == out {
		if t := nodes[last].Op.Type(); t == "Softmax" || t == "LogSoftmax" {
			res.Head = t
			out = nodes[last].Inputs[0]
			im.def.Nodes = nodes[:last]
		}
	}
	im.def.Output = out
	res.Graph, err = graph.Build(im.def)
	if err != nil {
		return nil, &ImportError{Msg: err.Error()}
	}
	return res, nil
}

// inputShape returns the input's dimensions, the batch axis as 1 when it
// is symbolic or unknown.
func inputShape(v *onnxpb.ValueInfo) ([]int, error) {
	if v.NotTensor || (v.ElemType != onnxpb.Float && v.ElemType != onnxpb.Undefined) {
		return nil, fmt.Errorf("input %q is not a float tensor (type %v)", v.Name, v.ElemType)
	}
	if !v.HasShape || len(v.Shape) < 2 {
		return nil, fmt.Errorf("input %q has no shape of rank ≥ 2 (batch first); re-export with a fixed input size", v.Name)
	}
	shape := []int{1}
	if d := v.Shape[0]; d.HasValue && d.Value > 0 {
		shape[0] = int(d.Value)
	}
	for i, d := range v.Shape[1:] {
		if !d.HasValue || d.Value <= 0 || d.Value > graph.MaxTensor {
			return nil, fmt.Errorf("input %q axis %d is %v; every axis but the batch must have a fixed size (re-export with dynamic_axes only on the batch)", v.Name, i+1, d)
		}
		shape = append(shape, int(d.Value))
	}
	return shape, nil
}

// nodeErr returns an ImportError for node k.
func nodeErr(k int, nd *onnxpb.Node, format string, a ...any) error {
	name := nd.Name
	if name == "" {
		name = fmt.Sprintf("#%d", k)
	} else {
		name = fmt.Sprintf("#%d %q", k, name)
	}
	return &ImportError{Node: name, Op: nd.OpType, Msg: fmt.Sprintf(format, a...)}
}

// attrs converts a node's attributes, skipping names in drop.
func attrs(nd *onnxpb.Node, drop ...string) (graph.Attrs, error) {
	a := graph.Attrs{}
	for _, at := range nd.Attributes {
		if slices.Contains(drop, at.Name) {
			continue
		}
		if at.RefAttrName != "" {
			return nil, fmt.Errorf("attribute %s refers to a function attribute", at.Name)
		}
		switch at.Type {
		case onnxpb.AttrInt:
			a[at.Name] = graph.Attr{Kind: graph.AttrInt, Int: at.I}
		case onnxpb.AttrFloat:
			a[at.Name] = graph.FloatAttr(at.F)
		case onnxpb.AttrString:
			a[at.Name] = graph.StringAttr(string(at.S))
		case onnxpb.AttrInts:
			a[at.Name] = graph.Attr{Kind: graph.AttrInts, Ints: at.Ints}
		case onnxpb.AttrFloats:
			a[at.Name] = graph.FloatsAttr(at.Floats)
		default:
			return nil, fmt.Errorf("attribute %s of type %v is not supported", at.Name, at.Type)
		}
	}
	return a, nil
}

// present returns the node's inputs with trailing omitted ("") ones dropped.
func present(in []string) []string {
	for len(in) > 0 && in[len(in)-1] == "" {
		in = in[:len(in)-1]
	}
	return in
}

func (im *importer) node(k int, nd *onnxpb.Node) error {
	if nd.Domain != "" && nd.Domain != "ai.onnx" {
		return nodeErr(k, nd, "op domain %q is not supported (only the default ONNX domain)", nd.Domain)
	}
	ins := present(nd.Inputs)
	allConst := true
	for _, name := range ins {
		if name == "" {
			continue
		}
		_, c := im.consts[name]
		_, b := im.infos[name]
		if by, ok := im.dropped[name]; ok {
			return nodeErr(k, nd, "reads %q, an optional output of %s that the engine does not compute", name, by)
		}
		if !c && !b {
			return nodeErr(k, nd, "input %q is not defined before this node", name)
		}
		allConst = allConst && c
	}
	if nd.OpType == "Shape" || nd.OpType == "Constant" || allConst {
		c, err := im.fold(nd, ins)
		if err != nil {
			return nodeErr(k, nd, "%v", err)
		}
		if len(nd.Outputs) < 1 || nd.Outputs[0] == "" {
			return nodeErr(k, nd, "no output")
		}
		if err := im.fresh(nd.Outputs[0]); err != nil {
			return nodeErr(k, nd, "%v", err)
		}
		im.consts[nd.Outputs[0]] = c
		im.folded[nd.Outputs[0]] = true
		return nil
	}
	if _, ok := graph.Lookup(nd.OpType); !ok {
		if nd.OpType == "Cast" {
			return im.cast(k, nd, ins)
		}
		return nodeErr(k, nd, "op %s is not supported (supported: %s)", nd.OpType, strings.Join(SupportedOps(), ", "))
	}
	return im.op(k, nd, ins)
}

// outputs returns the node's outputs that the engine computes, the first,
// and records the others (BatchNormalization's training outputs, MaxPool's
// indices, Dropout's mask) as dropped, so that reading them is refused.
func (im *importer) outputs(k int, nd *onnxpb.Node) []string {
	if len(nd.Outputs) == 0 {
		return nil
	}
	for _, o := range nd.Outputs[1:] {
		if o != "" {
			im.dropped[o] = nodeErr(k, nd, "").(*ImportError).Node + " (" + nd.OpType + ")"
		}
	}
	return nd.Outputs[:1]
}

// fresh returns an error if name is already defined.
func (im *importer) fresh(name string) error {
	_, c := im.consts[name]
	_, b := im.infos[name]
	if c || b || name == "" {
		return fmt.Errorf("output %q defined twice (or empty)", name)
	}
	return nil
}

// constInput returns input i of the node as a constant, or an error naming
// what it is for.
func (im *importer) constInput(ins []string, i int, what string) (*constant, error) {
	if i >= len(ins) || ins[i] == "" {
		return nil, nil
	}
	c, ok := im.consts[ins[i]]
	if !ok {
		return nil, fmt.Errorf("%s (input %d) must be a constant, not computed from the model's input", what, i)
	}
	return c, nil
}

func scalarF(c *constant, what string) (float32, error) {
	if c.size() != 1 {
		return 0, fmt.Errorf("%s has %d values, want one", what, c.size())
	}
	if c.isInt && c.i[0] == batchDim {
		return 0, fmt.Errorf("%s depends on the batch size", what)
	}
	return c.floats()[0], nil
}

func intsAttr(v []int64) graph.Attr { return graph.Attr{Kind: graph.AttrInts, Ints: v} }

// op maps a node the graph runs, folding its constant-valued inputs into
// attributes where the graph op takes them so.
func (im *importer) op(k int, nd *onnxpb.Node, ins []string) error {
	a, err := attrs(nd)
	if err != nil {
		return nodeErr(k, nd, "%v", err)
	}
	fail := func(err error) error { return nodeErr(k, nd, "%v", err) }
	keep := ins // the inputs that stay tensors
	switch nd.OpType {
	case "Clip":
		if im.opset >= 11 {
			for i, name := range []string{"min", "max"} {
				c, err := im.constInput(ins, i+1, name)
				if err != nil {
					return fail(err)
				}
				if c != nil {
					v, err := scalarF(c, name)
					if err != nil {
						return fail(err)
					}
					a[name] = graph.FloatAttr(v)
				}
			}
			keep = ins[:1]
		}
	case "Reshape":
		c, err := im.constInput(ins, 1, "the target shape")
		if err != nil {
			return fail(err)
		}
		if c == nil {
			return fail(fmt.Errorf("no target shape"))
		}
		shape := slices.Clone(c.ints())
		for i, d := range shape {
			if d == batchDim {
				if i != 0 {
					return fail(fmt.Errorf("target shape moves the batch axis to position %d", i))
				}
				shape[i] = 0
			}
		}
		a["shape"] = intsAttr(shape)
		keep = ins[:1]
	case "Pad":
		if im.opset >= 11 {
			c, err := im.constInput(ins, 1, "pads")
			if err != nil {
				return fail(err)
			}
			if c == nil {
				return fail(fmt.Errorf("no pads"))
			}
			a["pads"] = intsAttr(c.ints())
			if v, err := im.constInput(ins, 2, "constant_value"); err != nil {
				return fail(err)
			} else if v != nil {
				f, err := scalarF(v, "constant_value")
				if err != nil {
					return fail(err)
				}
				a["value"] = graph.FloatAttr(f)
			}
			if len(ins) > 3 {
				return fail(fmt.Errorf("the axes input is not supported"))
			}
			keep = ins[:1]
		}
	case "Squeeze", "Unsqueeze", "ReduceSum":
		if im.opset >= 13 && len(ins) > 1 {
			c, err := im.constInput(ins, 1, "axes")
			if err != nil {
				return fail(err)
			}
			if c != nil {
				a["axes"] = intsAttr(c.ints())
			}
			keep = ins[:1]
		}
	case "Dropout":
		if len(ins) > 1 {
			c, err := im.constInput(ins, 1, "ratio")
			if err != nil {
				return fail(err)
			}
			if c != nil {
				v, err := scalarF(c, "ratio")
				if err != nil {
					return fail(err)
				}
				a["ratio"] = graph.FloatAttr(v)
			}
			if t, err := im.constInput(ins, 2, "training_mode"); err != nil {
				return fail(err)
			} else if t != nil && (t.size() != 1 || t.floats()[0] != 0) {
				return fail(fmt.Errorf("training_mode = true: the model was exported in training mode; export it after model.eval()"))
			}
			keep = ins[:1]
		}
	case "BatchNormalization":
		if tm, _ := a.Int("training_mode", 0); tm != 0 {
			return fail(fmt.Errorf("training_mode = 1: the model was exported in training mode; export it after model.eval()"))
		}
		delete(a, "training_mode")
	case "Softmax", "LogSoftmax":
		if err := im.softmaxAxis(a, ins[0]); err != nil {
			return fail(err)
		}
	case "Conv", "Gemm", "MatMul":
		for _, name := range ins[1:] {
			if _, ok := im.consts[name]; !ok && name != "" {
				return fail(fmt.Errorf("input %q must be a constant weight; products of two activations are not supported", name))
			}
		}
	}
	if slices.Contains(keep, "") {
		return fail(fmt.Errorf("an omitted input in the middle is not supported"))
	}
	op, err := graph.New(nd.OpType, a)
	if err != nil {
		return fail(err)
	}
	infos := make([]graph.Info, len(keep))
	for i, name := range keep {
		if info, ok := im.infos[name]; ok {
			infos[i] = info
			continue
		}
		c := im.consts[name]
		if c.isInt {
			return fail(fmt.Errorf("input %q is an integer tensor where a float one is needed", name))
		}
		infos[i] = graph.Info{Shape: c.dims}
		if !im.inits[name] {
			im.inits[name] = true
			im.def.Initializers = append(im.def.Initializers, graph.Initializer{Name: name, Shape: c.dims, Data: c.f, Frozen: im.folded[name]})
		}
	}
	outs, err := op.Infer(infos)
	if err != nil {
		return fail(err)
	}
	names := im.outputs(k, nd)
	if len(outs) != len(names) {
		return fail(fmt.Errorf("gives %d outputs, the node names %d", len(outs), len(names)))
	}
	for j, name := range names {
		if err := im.fresh(name); err != nil {
			return fail(err)
		}
		im.values += outs[j].Size()
		if im.values > im.maxValues {
			return fail(fmt.Errorf("the activations up to this node hold %d values per example, more than the budget of %d", im.values, im.maxValues))
		}
		im.infos[name] = outs[j]
	}
	// Build calls Infer again on its own: the op is stateless until then.
	im.def.Nodes = append(im.def.Nodes, graph.Node{Name: nd.Name, Op: op, Inputs: keep, Outputs: names})
	return nil
}

// softmaxAxis sets the axis of a Softmax or LogSoftmax: before opset 13
// the op normalizes over all axes from axis on (default 1), which equals
// one axis only when the axes after it have length 1.
func (im *importer) softmaxAxis(a graph.Attrs, x string) error {
	info := im.infos[x]
	r := len(info.Shape) + 1
	if im.opset >= 13 {
		return nil
	}
	axis, err := a.Int("axis", 1)
	if err != nil {
		return err
	}
	if axis < 0 {
		axis += r
	}
	if axis < 1 || axis >= r {
		return fmt.Errorf("axis %d out of range", axis)
	}
	for _, d := range info.Shape[axis:] {
		if d != 1 {
			return fmt.Errorf("before opset 13, axis %d normalizes over the flattened axes %v, which the engine does not do", axis, info.Shape[axis-1:])
		}
	}
	a["axis"] = graph.IntAttr(axis)
	return nil
}

// cast maps a Cast of a batched float tensor to float (an Identity), and
// refuses any other.
func (im *importer) cast(k int, nd *onnxpb.Node, ins []string) error {
	to := nd.Attr("to")
	if to == nil || (onnxpb.DataType(to.I) != onnxpb.Float && onnxpb.DataType(to.I) != onnxpb.Double) {
		return nodeErr(k, nd, "a Cast of an activation to a type other than float is not supported")
	}
	op, err := graph.New("Identity", nil)
	if err != nil {
		return nodeErr(k, nd, "%v", err)
	}
	if len(ins) != 1 || len(nd.Outputs) < 1 {
		return nodeErr(k, nd, "want one input and one output")
	}
	if err := im.fresh(nd.Outputs[0]); err != nil {
		return nodeErr(k, nd, "%v", err)
	}
	im.infos[nd.Outputs[0]] = im.infos[ins[0]]
	im.def.Nodes = append(im.def.Nodes, graph.Node{Name: nd.Name, Op: op, Inputs: ins[:1], Outputs: nd.Outputs[:1]})
	return nil
}
