package onnx

import (
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/npy"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// exCase is a graph to export with an input batch and the engine's logits.
type exCase struct {
	name string
	g    *graph.Graph
	x    []float32
	n    int
}

func exRand(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// exBuiltin returns graphs converted from the shipped architectures, with
// perturbed parameters and running statistics away from 0 and 1.
func exBuiltin(t *testing.T) []exCase {
	t.Helper()
	two := []string{"a", "b"}
	specs := []nn.Spec{
		model.CrossesCNN(),
		model.WithBatchNorm(model.SmallCNN("bn", nn.Shape{C: 3, H: 12, W: 12}, two, [3]int{4, 6, 8})),
		model.ResNet("resnet", nn.Shape{C: 1, H: 16, W: 16}, two, 4),
		model.PhantomCNN(two),
		model.DecoyCNN("decoy", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}),
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var cases []exCase
	for _, spec := range specs {
		net, err := nn.New(spec, 11)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range net.NamedParams() {
			for i := range p.Value {
				if p.Trainable {
					p.Value[i] += 0.05 * float32(rng.NormFloat64())
				} else {
					p.Value[i] = 0.5 + float32(rng.Float64())
				}
			}
		}
		g, err := graph.FromNetwork(net)
		if err != nil {
			t.Fatal(err)
		}
		const n = 3
		cases = append(cases, exCase{name: spec.Name, g: g, x: exRand(rng, n*spec.Input.Size()), n: n})
	}
	return cases
}

// exOpsGraph uses every op whose export needs a conversion to opset 13
// (Clip, Pad, Reshape, Squeeze, Unsqueeze, ReduceSum, Dropout, HardSwish,
// BatchNormalization) and most others.
func exOpsGraph(t *testing.T) exCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 9))
	op := func(typ string, a graph.Attrs) graph.Op {
		o, err := graph.New(typ, a)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		return o
	}
	init := func(name string, shape []int, lo float32) graph.Initializer {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := exRand(rng, n)
		for i := range v {
			v[i] = lo + 0.3*v[i]
		}
		return graph.Initializer{Name: name, Shape: shape, Data: v}
	}
	ints := graph.IntsAttr
	d := graph.Def{
		Name: "ops", Input: "x", InputShape: []int{2, 8, 8}, Output: "logits",
		Initializers: []graph.Initializer{
			init("w1", []int{4, 2, 3, 3}, 0), init("b1", []int{4}, 0),
			init("gamma", []int{4}, 1), init("beta", []int{4}, 0.2), init("mean", []int{4}, 0.3), init("var", []int{4}, 1.5),
			init("shift", []int{8, 1, 1}, 0.1),
			init("w2", []int{5, 48}, 0), init("b2", []int{5}, 0),
		},
		Nodes: []graph.Node{
			{Name: "conv", Op: op("Conv", graph.Attrs{"pads": ints([]int{1, 1, 1, 1}), "kernel_shape": ints([]int{3, 3})}), Inputs: []string{"x", "w1", "b1"}, Outputs: []string{"c1"}},
			{Name: "bn", Op: op("BatchNormalization", graph.Attrs{"epsilon": graph.FloatAttr(1e-3)}), Inputs: []string{"c1", "gamma", "beta", "mean", "var"}, Outputs: []string{"n1"}},
			{Name: "relu6", Op: op("Clip", graph.Attrs{"min": graph.FloatAttr(0), "max": graph.FloatAttr(6)}), Inputs: []string{"n1"}, Outputs: []string{"r1"}},
			{Name: "floor", Op: op("Clip", graph.Attrs{"min": graph.FloatAttr(-0.5)}), Inputs: []string{"r1"}, Outputs: []string{"r2"}},
			{Name: "hswish", Op: op("HardSwish", nil), Inputs: []string{"r2"}, Outputs: []string{"h1"}},
			{Name: "pad", Op: op("Pad", graph.Attrs{"pads": ints([]int{0, 0, 1, 1, 0, 0, 1, 1}), "value": graph.FloatAttr(0.5)}), Inputs: []string{"h1"}, Outputs: []string{"p1"}},
			{Name: "maxpool", Op: op("MaxPool", graph.Attrs{"kernel_shape": ints([]int{2, 2}), "strides": ints([]int{2, 2})}), Inputs: []string{"p1"}, Outputs: []string{"m1"}},
			{Name: "leaky", Op: op("LeakyRelu", graph.Attrs{"alpha": graph.FloatAttr(0.1)}), Inputs: []string{"m1"}, Outputs: []string{"l1"}},
			{Name: "hsig", Op: op("HardSigmoid", graph.Attrs{"alpha": graph.FloatAttr(0.3), "beta": graph.FloatAttr(0.4)}), Inputs: []string{"m1"}, Outputs: []string{"s1"}},
			{Name: "gate", Op: op("Mul", nil), Inputs: []string{"l1", "s1"}, Outputs: []string{"q1"}},
			{Name: "cat", Op: op("Concat", graph.Attrs{"axis": graph.IntAttr(1)}), Inputs: []string{"q1", "m1"}, Outputs: []string{"k1"}},
			{Name: "avgpool", Op: op("AveragePool", graph.Attrs{"kernel_shape": ints([]int{3, 3}), "pads": ints([]int{1, 1, 1, 1}), "count_include_pad": graph.IntAttr(1)}), Inputs: []string{"k1"}, Outputs: []string{"a1"}},
			{Name: "shift", Op: op("Add", nil), Inputs: []string{"a1", "shift"}, Outputs: []string{"a2"}},
			{Name: "rowsum", Op: op("ReduceSum", graph.Attrs{"axes": ints([]int{3}), "keepdims": graph.IntAttr(1)}), Inputs: []string{"a2"}, Outputs: []string{"rs"}},
			{Name: "squeeze", Op: op("Squeeze", graph.Attrs{"axes": ints([]int{3})}), Inputs: []string{"rs"}, Outputs: []string{"sq"}},
			{Name: "unsqueeze", Op: op("Unsqueeze", graph.Attrs{"axes": ints([]int{2})}), Inputs: []string{"sq"}, Outputs: []string{"uq"}},
			{Name: "reshape", Op: op("Reshape", graph.Attrs{"shape": ints([]int{0, -1})}), Inputs: []string{"uq"}, Outputs: []string{"flat1"}},
			{Name: "drop", Op: op("Dropout", graph.Attrs{"ratio": graph.FloatAttr(0.3)}), Inputs: []string{"flat1"}, Outputs: []string{"d1"}},
			{Name: "gap", Op: op("GlobalAveragePool", nil), Inputs: []string{"a2"}, Outputs: []string{"gp"}},
			{Name: "flatten", Op: op("Flatten", graph.Attrs{"axis": graph.IntAttr(1)}), Inputs: []string{"gp"}, Outputs: []string{"flat2"}},
			{Name: "sigmoid", Op: op("Sigmoid", nil), Inputs: []string{"flat2"}, Outputs: []string{"sg"}},
			{Name: "cat2", Op: op("Concat", graph.Attrs{"axis": graph.IntAttr(1)}), Inputs: []string{"d1", "sg"}, Outputs: []string{"features"}},
			{Name: "fc", Op: op("Gemm", graph.Attrs{"transB": graph.IntAttr(1)}), Inputs: []string{"features", "w2", "b2"}, Outputs: []string{"logits"}},
		},
	}
	g, err := graph.Build(d)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	return exCase{name: "ops", g: g, x: exRand(rng, n*2*8*8), n: n}
}

// exReimport exports g, encodes, decodes and imports it again.
func exReimport(t *testing.T, g *graph.Graph, opt ExportOptions) (*Imported, []byte) {
	t.Helper()
	b, err := ExportBytes(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.Decode(b, onnxpb.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Opset() != ExportOpset || m.IRVersion != ExportIRVersion {
		t.Errorf("opset %d, IR %d", m.Opset(), m.IRVersion)
	}
	imp, err := Import(m, Options{})
	if err != nil {
		t.Fatalf("import of the export: %v", err)
	}
	return imp, b
}

func exMaxRel(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	return d / m
}

// TestExportRoundTrip checks import(export(g)) against g: the same
// logits (the same ops on the same values: exactly), input gradient and
// parameter names and values, for the built-in architectures and a graph
// of every op that export converts.
func TestExportRoundTrip(t *testing.T) {
	for _, c := range append(exBuiltin(t), exOpsGraph(t)) {
		t.Run(c.name, func(t *testing.T) {
			imp, _ := exReimport(t, c.g, ExportOptions{Metadata: map[string]string{"se.test": "1"}})
			g2 := imp.Graph
			want := append([]float32(nil), c.g.Forward(c.x, c.n, false)...)
			got := g2.Forward(c.x, c.n, false)
			if len(got) != len(want) {
				t.Fatalf("%d logits, want %d", len(got), len(want))
			}
			if r := exMaxRel(got, want); r > 1e-6 {
				t.Errorf("logits differ by %.3g relative", r)
			}
			dy := make([]float32, len(want))
			for i := range dy {
				dy[i] = float32(i%3) - 1
			}
			wantDx := append([]float32(nil), c.g.Backward(dy, false)...)
			if r := exMaxRel(g2.Backward(dy, false), wantDx); r > 1e-6 {
				t.Errorf("input gradients differ by %.3g relative", r)
			}
			p1, p2 := c.g.NamedParams(), g2.NamedParams()
			byName := map[string]*nn.Param{}
			for _, p := range p2 {
				byName[p.Name] = p
			}
			for _, p := range p1 {
				q := byName[p.Name]
				if q == nil {
					t.Errorf("parameter %s lost", p.Name)
					continue
				}
				if q.Trainable != p.Trainable || exMaxRel(q.Value, p.Value) != 0 {
					t.Errorf("parameter %s: trainable %v, want %v, or values differ", p.Name, q.Trainable, p.Trainable)
				}
			}
		})
	}
}

// TestExportHeadAndErrors checks the Softmax head and the refusals.
func TestExportHeadAndErrors(t *testing.T) {
	c := exBuiltin(t)[0]
	m, err := Export(c.g, ExportOptions{Head: "Softmax", OutputName: "probs"})
	if err != nil {
		t.Fatal(err)
	}
	last := m.Graph.Nodes[len(m.Graph.Nodes)-1]
	if last.OpType != "Softmax" || m.Graph.Outputs[0].Name != "probs" {
		t.Errorf("last node %v, output %q", last, m.Graph.Outputs[0].Name)
	}
	imp, err := Import(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Head != "Softmax" {
		t.Errorf("re-import head %q", imp.Head)
	}
	if _, err := Export(c.g, ExportOptions{Head: "Sigmoid"}); err == nil || !strings.Contains(err.Error(), "Sigmoid") {
		t.Errorf("head Sigmoid: %v", err)
	}
}

// TestExportPyTorchModels exports the imported torchvision models again
// and checks the export against PyTorch's logits (1e-4 relative).
func TestExportPyTorchModels(t *testing.T) {
	if testing.Short() {
		t.Skip("a 224×224 ImageNet model: the native suite runs it")
	}
	dir := ptDir(t)
	// MobileNetV2 has Clip, whose bounds export writes back as inputs
	// (ResNet-18's export is checked in ONNX Runtime below).
	for _, arch := range []string{"mobilenet_v2"} {
		t.Run(arch, func(t *testing.T) {
			base := filepath.Join(dir, arch)
			imp := ptImport(t, base+".onnx")
			x := ptNpy(t, base+".input.npy").Float32s()
			imp2, _ := exReimport(t, imp.Graph, ExportOptions{})
			r, _ := ptRel(t, "logits of the export", imp2.Graph.Forward(x, 1, false), ptNpy(t, base+".logits.npy").Data)
			t.Logf("%s exported and imported again: logits within %.2g of PyTorch's", arch, r)
			if r > ptTol {
				t.Errorf("logits of the export differ from PyTorch's by %.3g", r)
			}
		})
	}
}

// TestExportONNXRuntime runs the engine's exports in ONNX Runtime Web (wasm
// backend, in Node: scripts/ort/run.mjs) and compares its outputs with the
// engine's within 1e-4 relative: the built-in architectures, the graph of
// converted ops, one with a Softmax head, and (with the fixtures) the
// torchvision ResNet-18 as the engine exports it.
func TestExportONNXRuntime(t *testing.T) {
	script, err := filepath.Abs("../../scripts/ort/run.mjs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "onnxruntime-web")); err != nil {
		msg := "run make onnx-ort: onnxruntime-web is not installed under scripts/ort"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir := t.TempDir()
	want := map[string][]float32{}
	add := func(name string, g *graph.Graph, x []float32, n int, opt ExportOptions) {
		b, err := ExportBytes(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		in := g.Input()
		shape := []int{n, in.C, in.H, in.W}
		if info := g.InputInfo(); len(info.Shape) != 3 {
			shape = append([]int{n}, info.Shape...)
		}
		y := append([]float32(nil), g.Forward(x, n, false)...)
		if opt.Head == "Softmax" {
			k := len(y) / n
			for r := 0; r < n; r++ {
				row := y[r*k : (r+1)*k]
				var s float64
				mx := row[0]
				for _, v := range row {
					mx = max(mx, v)
				}
				for i, v := range row {
					row[i] = float32(math.Exp(float64(v - mx)))
					s += float64(row[i])
				}
				for i := range row {
					row[i] = float32(float64(row[i]) / s)
				}
			}
		}
		want[name] = y
		if err := os.WriteFile(filepath.Join(dir, name+".onnx"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".input.npy"), npy.Encode(shape, x), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range append(exBuiltin(t), exOpsGraph(t)) {
		add(c.name, c.g, c.x, c.n, ExportOptions{})
	}
	c := exBuiltin(t)[2]
	add("resnet-softmax", c.g, c.x, c.n, ExportOptions{Head: "Softmax"})
	if _, err := os.Stat("../../.cache/onnx/node-summary.json"); err == nil && !testing.Short() {
		for _, arch := range []string{"resnet18"} {
			base := filepath.Join("../../.cache/onnx", arch)
			imp := ptImport(t, base+".onnx")
			add(arch, imp.Graph, ptNpy(t, base+".input.npy").Float32s(), 1, ExportOptions{})
		}
	}
	cmd := exec.Command(node, script, dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	t.Logf("ONNX Runtime Web:\n%s", out)
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join(dir, name+".ort.npy"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		a, err := npy.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		got := a.Float32s()
		if len(got) != len(w) {
			t.Errorf("%s: ONNX Runtime gave %d values, the engine %d", name, len(got), len(w))
			continue
		}
		r := exMaxRel(got, w)
		t.Logf("%s: ONNX Runtime and the engine within %.2g relative", name, r)
		if r > 1e-4 {
			t.Errorf("%s: ONNX Runtime's output differs from the engine's by %.3g relative", name, r)
		}
	}
}
