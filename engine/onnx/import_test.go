package onnx

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nntest"
	"saliencyexplorer/engine/onnx/onnxpb"
)

func ftensor(rng *rand.Rand, name string, dims ...int64) *onnxpb.Tensor {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	return &onnxpb.Tensor{Name: name, Dims: dims, DataType: onnxpb.Float, Float: nntest.Rand(rng, n)}
}

func itensor(name string, v ...int64) *onnxpb.Tensor {
	return &onnxpb.Tensor{Name: name, Dims: []int64{int64(len(v))}, DataType: onnxpb.Int64, Int64: v}
}

func ints(name string, v ...int64) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrInts, Ints: v}
}

func iattr(name string, v int64) *onnxpb.Attribute {
	return &onnxpb.Attribute{Name: name, Type: onnxpb.AttrInt, I: v}
}

func node(op, name string, in []string, out string, attrs ...*onnxpb.Attribute) *onnxpb.Node {
	return &onnxpb.Node{OpType: op, Name: name, Inputs: in, Outputs: []string{out}, Attributes: attrs}
}

// torchLike is a model shaped like a PyTorch export at opset 13: Conv,
// BatchNormalization, ReLU6 as Clip with Constant bounds, MaxPool with its
// unused indices output, x.view(x.size(0), -1) as a Shape → Gather →
// Unsqueeze → Concat → Reshape chain, Gemm and a final Softmax.
func torchLike(rng *rand.Rand) *onnxpb.Model {
	bnVar := ftensor(rng, "bn.var", 4)
	for i, v := range bnVar.Float {
		bnVar.Float[i] = 0.5 + v*v
	}
	pool := node("MaxPool", "pool", []string{"relu"}, "pooled", ints("kernel_shape", 2, 2), ints("strides", 2, 2))
	pool.Outputs = append(pool.Outputs, "indices")
	return &onnxpb.Model{
		OpsetImport: []onnxpb.OperatorSet{{Version: 13}},
		Graph: &onnxpb.Graph{
			Name: "torch-like",
			Inputs: []*onnxpb.ValueInfo{{Name: "input", ElemType: onnxpb.Float, HasShape: true,
				Shape: []onnxpb.Dim{{Param: "batch"}, {Value: 2, HasValue: true}, {Value: 6, HasValue: true}, {Value: 6, HasValue: true}}}},
			Outputs: []*onnxpb.ValueInfo{{Name: "probs"}},
			Initializers: []*onnxpb.Tensor{
				ftensor(rng, "conv.w", 4, 2, 3, 3), ftensor(rng, "conv.b", 4),
				ftensor(rng, "bn.scale", 4), ftensor(rng, "bn.bias", 4), ftensor(rng, "bn.mean", 4), bnVar,
				ftensor(rng, "fc.w", 3, 36), ftensor(rng, "fc.b", 3),
				itensor("zero", 0), itensor("minus1", -1),
				{Name: "scalar0", DataType: onnxpb.Int64, Int64: []int64{0}},
			},
			Nodes: []*onnxpb.Node{
				node("Conv", "conv", []string{"input", "conv.w", "conv.b"}, "conv", ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)),
				node("BatchNormalization", "bn", []string{"conv", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, "bn",
					&onnxpb.Attribute{Name: "epsilon", Type: onnxpb.AttrFloat, F: 1e-5}),
				{OpType: "Constant", Outputs: []string{"lo"}, Attributes: []*onnxpb.Attribute{{Name: "value", Type: onnxpb.AttrTensor,
					T: &onnxpb.Tensor{DataType: onnxpb.Float, Float: []float32{0}}}}},
				{OpType: "Constant", Outputs: []string{"hi"}, Attributes: []*onnxpb.Attribute{{Name: "value_float", Type: onnxpb.AttrFloat, F: 6}}},
				node("Clip", "relu6", []string{"bn", "lo", "hi"}, "relu"),
				pool,
				node("Shape", "", []string{"pooled"}, "shape"),
				node("Gather", "", []string{"shape", "scalar0"}, "n", iattr("axis", 0)),
				node("Unsqueeze", "", []string{"n", "zero"}, "n1"),
				node("Concat", "", []string{"n1", "minus1"}, "target", iattr("axis", 0)),
				node("Reshape", "flat", []string{"pooled", "target"}, "flat"),
				node("Gemm", "fc", []string{"flat", "fc.w", "fc.b"}, "logits", iattr("transB", 1)),
				node("Softmax", "softmax", []string{"logits"}, "probs", iattr("axis", 1)),
			},
		},
	}
}

// TestImportTorchLike checks that the PyTorch-style model imports to the
// graph one would build by hand (constant chains folded into attributes,
// the final Softmax removed), computing the same logits, with the
// running statistics as state.
func TestImportTorchLike(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := torchLike(rng)
	res, err := Import(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Head != "Softmax" || res.Opset != 13 || res.Graph.OutputName() != "logits" {
		t.Fatalf("head %q, opset %d, output %q", res.Head, res.Opset, res.Graph.OutputName())
	}
	var types []string
	for _, nd := range res.Graph.Nodes() {
		types = append(types, nd.Op.Type())
	}
	if got := strings.Join(types, " "); got != "Conv BatchNormalization Clip MaxPool Reshape Gemm" {
		t.Fatalf("nodes %s", got)
	}
	if len(res.Graph.State) != 8 || len(res.Graph.Params) != 4*18+4+8+3*36+3 {
		t.Fatalf("%d params, %d state", len(res.Graph.Params), len(res.Graph.State))
	}

	// The same graph by hand.
	init := func(name string) graph.Initializer {
		for _, it := range m.Graph.Initializers {
			if it.Name == name {
				return graph.Initializer{Name: name, Shape: dims(it.Dims), Data: it.Float}
			}
		}
		t.Fatalf("no initializer %s", name)
		return graph.Initializer{}
	}
	op := func(typ string, a graph.Attrs) graph.Op {
		o, err := graph.New(typ, a)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	want, err := graph.Build(graph.Def{
		Input: "x", InputShape: []int{2, 6, 6}, Output: "y",
		Initializers: []graph.Initializer{init("conv.w"), init("conv.b"), init("bn.scale"), init("bn.bias"), init("bn.mean"), init("bn.var"), init("fc.w"), init("fc.b")},
		Nodes: []graph.Node{
			{Op: op("Conv", graph.Attrs{"pads": graph.IntsAttr([]int{1, 1, 1, 1})}), Inputs: []string{"x", "conv.w", "conv.b"}, Outputs: []string{"c"}},
			{Op: op("BatchNormalization", nil), Inputs: []string{"c", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, Outputs: []string{"b"}},
			{Op: op("Clip", graph.Attrs{"min": graph.FloatAttr(0), "max": graph.FloatAttr(6)}), Inputs: []string{"b"}, Outputs: []string{"r"}},
			{Op: op("MaxPool", graph.Attrs{"kernel_shape": graph.IntsAttr([]int{2, 2}), "strides": graph.IntsAttr([]int{2, 2})}), Inputs: []string{"r"}, Outputs: []string{"p"}},
			{Op: op("Flatten", nil), Inputs: []string{"p"}, Outputs: []string{"f"}},
			{Op: op("Gemm", graph.Attrs{"transB": graph.IntAttr(1)}), Inputs: []string{"f", "fc.w", "fc.b"}, Outputs: []string{"y"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := nntest.Rand(rng, 3*72)
	for i := range x {
		x[i] *= 3 // some values beyond ReLU6's bounds
	}
	got := res.Graph.Forward(x, 3, false)
	exp := want.Forward(x, 3, false)
	for i := range exp {
		if got[i] != exp[i] {
			t.Fatalf("logits[%d] = %v, want %v", i, got[i], exp[i])
		}
	}
	if ks := res.Graph.Clone(); ks == nil {
		t.Fatal("no clone")
	}

	// A constant computed in the model (here a Constant node scaling the
	// logits) is not a trainable parameter; the weights are.
	m = torchLike(rand.New(rand.NewPCG(1, 2)))
	g := m.Graph
	g.Nodes = append(g.Nodes[:len(g.Nodes)-1],
		&onnxpb.Node{OpType: "Constant", Outputs: []string{"half"}, Attributes: []*onnxpb.Attribute{{Name: "value_float", Type: onnxpb.AttrFloat, F: 0.5}}},
		node("Mul", "scale", []string{"logits", "half"}, "probs"))
	res, err = Import(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Graph.NamedParams() {
		if p.Trainable != (p.Name != "half" && p.Name != "bn.mean" && p.Name != "bn.var") {
			t.Errorf("%s: trainable %v", p.Name, p.Trainable)
		}
	}

	// With KeepSoftmax the output is the probabilities.
	res, err = Import(torchLike(rand.New(rand.NewPCG(1, 2))), Options{KeepSoftmax: true})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Graph.Forward(x, 3, false)
	var sum float32
	for _, v := range p[:3] {
		sum += v
	}
	if res.Head != "" || sum < 0.999 || sum > 1.001 {
		t.Fatalf("head %q, probabilities sum to %v", res.Head, sum)
	}
}

func dims(d []int64) []int {
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}

// TestImportRefusals checks that what the engine cannot run is refused
// with a message naming the node, the op and the reason.
func TestImportRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(m *onnxpb.Model)
		want []string
	}{
		{"unknown op", func(m *onnxpb.Model) { m.Graph.Nodes[4].OpType = "Einsum" },
			[]string{`node #4 "relu6" (Einsum)`, "op Einsum is not supported", "supported:", "Conv", "MaxPool"}},
		{"old opset", func(m *onnxpb.Model) { m.OpsetImport[0].Version = 10 }, []string{"opset 10 is not supported", "11 to 17"}},
		{"new opset", func(m *onnxpb.Model) { m.OpsetImport[0].Version = 18 }, []string{"opset 18 is not supported"}},
		{"other domain", func(m *onnxpb.Model) { m.Graph.Nodes[0].Domain = "com.microsoft" }, []string{`(Conv): op domain "com.microsoft"`}},
		{"two inputs", func(m *onnxpb.Model) {
			m.Graph.Inputs = append(m.Graph.Inputs, &onnxpb.ValueInfo{Name: "mask", ElemType: onnxpb.Float})
		}, []string{"2 inputs [input mask]"}},
		{"symbolic size", func(m *onnxpb.Model) { m.Graph.Inputs[0].Shape[2] = onnxpb.Dim{Param: "height"} },
			[]string{`input "input" axis 2 is height`}},
		{"training batchnorm", func(m *onnxpb.Model) {
			m.Graph.Nodes[1].Attributes = append(m.Graph.Nodes[1].Attributes, iattr("training_mode", 1))
		},
			[]string{`node #1 "bn" (BatchNormalization)`, "training mode"}},
		{"indices read", func(m *onnxpb.Model) { m.Graph.Nodes[10].Inputs[0] = "indices" },
			[]string{`(Reshape): reads "indices", an optional output of #5 "pool" (MaxPool)`}},
		{"batch moved", func(m *onnxpb.Model) { m.Graph.Nodes[9].Inputs = []string{"minus1", "n1"} },
			[]string{`"flat" (Reshape)`, "batch axis"}},
		{"activation weight", func(m *onnxpb.Model) { m.Graph.Nodes[0].Inputs[1] = "input" },
			[]string{`"conv" (Conv)`, "must be a constant weight"}},
		{"conv attribute", func(m *onnxpb.Model) {
			m.Graph.Nodes[0].Attributes = append(m.Graph.Nodes[0].Attributes, ints("kernel_shape", 5, 5))
		},
			[]string{`"conv" (Conv)`, "kernel_shape"}},
		{"3-D conv", func(m *onnxpb.Model) {
			m.Graph.Inputs[0].Shape = append(m.Graph.Inputs[0].Shape, onnxpb.Dim{Value: 3, HasValue: true})
		}, []string{`"conv" (Conv)`, "only 2-D convolutions"}},
		{"output missing", func(m *onnxpb.Model) { m.Graph.Outputs[0].Name = "nowhere" }, []string{`the output "nowhere" does not depend on the input`}},
		{"int cast", func(m *onnxpb.Model) {
			m.Graph.Nodes[4] = &onnxpb.Node{OpType: "Cast", Inputs: []string{"bn"}, Outputs: []string{"relu"}, Attributes: []*onnxpb.Attribute{iattr("to", int64(onnxpb.Int64))}}
		}, []string{"(Cast)", "other than float"}},
		{"shape without input", func(m *onnxpb.Model) { m.Graph.Nodes[6].Inputs = nil }, []string{"(Shape)", "Shape needs one input"}},
		{"gather out of range", func(m *onnxpb.Model) { m.Graph.Initializers[10].Int64[0] = 9 }, []string{"(Gather)", "index 9 out of range"}},
		{"output twice", func(m *onnxpb.Model) { m.Graph.Nodes[0].Outputs[0] = "input" }, []string{`"conv" (Conv)`, `output "input" defined twice`}},
		{"slice without data", func(m *onnxpb.Model) {
			m.Graph.Nodes[7] = &onnxpb.Node{OpType: "Slice", Inputs: []string{"", "zero", "zero"}, Outputs: []string{"n"}}
		}, []string{"(Slice)"}},
		{"fold unsupported", func(m *onnxpb.Model) { m.Graph.Nodes[7].OpType = "ReduceProd" }, []string{"(ReduceProd)", "not folded"}},
	}
	cases = append(cases, struct {
		name string
		edit func(m *onnxpb.Model)
		want []string
	}{"over budget", nil, []string{`"conv" (Conv)`, "216 values per example, more than the budget of 200"}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := torchLike(rand.New(rand.NewPCG(1, 2)))
			opt := Options{}
			if tc.edit == nil {
				opt.MaxValues = 200 // the input's 72 values fit, the convolution's 144 more do not
			} else {
				tc.edit(m)
			}
			res, err := Import(m, opt)
			var ie *ImportError
			if !errors.As(err, &ie) || res != nil {
				t.Fatalf("Import: %v, %v; want an *ImportError and no result", res, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestImportOpset11 checks the older forms: Unsqueeze's axes as an
// attribute, and Softmax's axis flattening the axes after it, which equals
// one axis only when they have length 1.
func TestImportOpset11(t *testing.T) {
	m := torchLike(rand.New(rand.NewPCG(1, 2)))
	m.OpsetImport[0].Version = 11
	un := m.Graph.Nodes[8]
	un.Inputs = un.Inputs[:1]
	un.Attributes = []*onnxpb.Attribute{ints("axes", 0)}
	res, err := Import(m, Options{KeepSoftmax: true})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Graph.Nodes()[len(res.Graph.Nodes())-1]
	if last.Op.Type() != "Softmax" {
		t.Fatalf("last node %s", last.Op.Type())
	}
	if ax, _ := last.Op.Attrs().Int("axis", 0); ax != 1 {
		t.Fatalf("Softmax axis %d, want 1", ax)
	}

	// A Softmax over the channels of a C×H×W map at opset 11 normalizes
	// over C·H·W together: refused.
	m = torchLike(rand.New(rand.NewPCG(1, 2)))
	m.OpsetImport[0].Version = 12
	m.Graph.Nodes[4].OpType = "Softmax"
	m.Graph.Nodes[4].Inputs = m.Graph.Nodes[4].Inputs[:1]
	m.Graph.Nodes[4].Attributes = []*onnxpb.Attribute{iattr("axis", 1)}
	_, err = Import(m, Options{})
	if err == nil || !strings.Contains(err.Error(), "before opset 13, axis 1 normalizes over the flattened axes [4 6 6]") {
		t.Fatalf("Import: %v", err)
	}
}
