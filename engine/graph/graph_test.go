package graph

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

func mustOp(t testing.TB, typ string, a Attrs) Op {
	t.Helper()
	op, err := New(typ, a)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// dagDef is a small DAG with every kind of join: a tensor read by three
// nodes (x, a), a residual Add, a Concat, a squeeze-excite Mul gate, and a
// head of GlobalAveragePool, Flatten, Gemm and LogSoftmax. It uses smooth
// ops only, so finite differences hold everywhere.
func dagDef(t testing.TB, rng *rand.Rand) Def {
	init := func(name string, shape ...int) Initializer {
		return Initializer{Name: name, Shape: shape, Data: nntest.Rand(rng, shapeSize(shape))}
	}
	n := func(name, typ string, a Attrs, in ...string) Node {
		return Node{Name: name, Op: mustOp(t, typ, a), Inputs: in, Outputs: []string{name}}
	}
	pad1 := Attrs{"pads": IntsAttr([]int{1, 1, 1, 1})}
	return Def{
		Name: "dag", Input: "x", InputShape: []int{2, 6, 6}, Output: "logp",
		Initializers: []Initializer{
			init("c1.w", 3, 2, 3, 3), init("c1.b", 3),
			init("c2.w", 3, 2, 1, 1),
			init("bn.scale", 6), init("bn.bias", 6), init("bn.mean", 6),
			{Name: "bn.var", Shape: []int{6}, Data: []float32{1, 0.5, 2, 1.5, 0.8, 1.2}},
			init("fc.w", 4, 6), init("fc.b", 4),
		},
		Nodes: []Node{
			n("a", "Conv", pad1, "x", "c1.w", "c1.b"),
			n("ta", "Tanh", nil, "a"),
			n("b", "Conv", nil, "x", "c2.w"),
			n("s", "Add", nil, "ta", "b"),
			n("cat", "Concat", Attrs{"axis": IntAttr(1)}, "s", "a"),
			n("bn", "BatchNormalization", nil, "cat", "bn.scale", "bn.bias", "bn.mean", "bn.var"),
			n("pool", "GlobalAveragePool", nil, "bn"),
			n("gate", "Sigmoid", nil, "pool"),
			n("se", "Mul", nil, "bn", "gate"),
			n("feat", "ReduceMean", Attrs{"axes": IntsAttr([]int{2, 3}), "keepdims": IntAttr(0)}, "se"),
			n("logits", "Gemm", Attrs{"transB": IntAttr(1)}, "feat", "fc.w", "fc.b"),
			n("logp", "LogSoftmax", Attrs{"axis": IntAttr(1)}, "logits"),
		},
	}
}

// TestGraphGradients checks the executor's four passes over a DAG against
// finite differences: gradients of tensors with several consumers are
// summed, parameter gradients reach every initializer, and state gets none.
func TestGraphGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g, err := Build(dagDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.State) != 12 || len(g.Params) != 3*2*9+3+3*2+6+6+4*6+4 {
		t.Fatalf("params %d, state %d", len(g.Params), len(g.State))
	}
	const n = 2
	x := nntest.Rand(rng, n*72)
	xt := nntest.Rand(rng, len(x))
	wy, wyt := nntest.Rand(rng, n*4), nntest.Rand(rng, n*4)
	l1 := func() float64 { return nntest.Dot(g.Forward(x, n, false), wy) }
	l2 := func() float64 { return l1() + nntest.Dot(g.Tangent(xt), wyt) }
	const eps, tol = 1e-2, 5e-3

	g.ZeroGrad()
	g.Forward(x, n, false)
	dx := append([]float32(nil), g.Backward(wy, true)...)
	grads := append([]float32(nil), g.Grads...)
	nntest.Check(t, "dx", dx, nntest.NumGrad(l1, x, eps), tol)
	nntest.Check(t, "dθ", grads, nntest.NumGrad(l1, g.Params, eps), tol)

	g.Forward(x, n, false)
	yt := append([]float32(nil), g.Tangent(xt)...)
	num := make([]float64, len(yt))
	for i := range x {
		x[i] += eps * xt[i]
	}
	plus := append([]float32(nil), g.Forward(x, n, false)...)
	for i := range x {
		x[i] -= 2 * eps * xt[i]
	}
	minus := g.Forward(x, n, false)
	for i := range x {
		x[i] += eps * xt[i]
	}
	for i := range num {
		num[i] = (float64(plus[i]) - float64(minus[i])) / (2 * eps)
	}
	nntest.Check(t, "tangent", yt, num, tol)

	g.ZeroGrad()
	g.Forward(x, n, false)
	g.Tangent(xt)
	ddx, ddxt := g.BackwardDual(wy, wyt)
	ddx, ddxt = append([]float32(nil), ddx...), append([]float32(nil), ddxt...)
	dgrads := append([]float32(nil), g.Grads...)
	nntest.Check(t, "dual dx", ddx, nntest.NumGrad(l2, x, eps), tol)
	nntest.Check(t, "dual dxt", ddxt, nntest.NumGrad(l2, xt, eps), tol)
	nntest.Check(t, "dual dθ", dgrads, nntest.NumGrad(l2, g.Params, eps), tol)

	// A second Backward gives the same input gradient (the executor clears
	// its buffers) while parameter gradients keep adding up.
	g.Forward(x, n, false)
	g.ZeroGrad()
	g.Backward(wy, true)
	again := g.Backward(wy, true)
	for i := range dx {
		if d := again[i] - dx[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("second Backward: dx[%d] = %v, first %v", i, again[i], dx[i])
		}
	}
	for i := range grads {
		if d := g.Grads[i] - 2*grads[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("two Backward calls: grad[%d] = %v, want 2×%v", i, g.Grads[i], grads[i])
		}
	}
}

// TestBackwardInject checks that an injected gradient equals adding
// ⟨extra, tensor⟩ to the objective.
func TestBackwardInject(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	g, err := Build(dagDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	const n = 2
	x := nntest.Rand(rng, n*72)
	wy := nntest.Rand(rng, n*4)
	feat := g.FeatureTensor()
	if feat != "feat" {
		t.Fatalf("FeatureTensor = %q, want feat (the Gemm's input)", feat)
	}
	extra := nntest.Rand(rng, n*6)
	f := func() float64 {
		y := g.Forward(x, n, false)
		return nntest.Dot(y, wy) + nntest.Dot(g.Value(feat), extra)
	}
	g.Forward(x, n, false)
	dx := append([]float32(nil), g.BackwardInject(wy, feat, extra, false)...)
	nntest.Check(t, "dx", dx, nntest.NumGrad(f, x, 1e-2), 5e-3)
	if got := g.SpatialTensors(); strings.Join(got, ",") != "a,ta,b,s,cat,bn,se" {
		t.Errorf("SpatialTensors = %v", got)
	}
}

// TestCloneAndDef checks that Clone rebuilds every op from its attributes
// and copies the parameters.
func TestCloneAndDef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g, err := Build(dagDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	c := g.Clone()
	x := nntest.Rand(rng, 3*72)
	want := append([]float32(nil), g.Forward(x, 3, false)...)
	got := c.Forward(x, 3, false)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("clone logits[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	c.Params[0] += 1
	if g.Params[0] == c.Params[0] {
		t.Fatal("clone shares parameters")
	}
}

// TestBuildErrors checks that invalid graphs are refused with a message
// naming the node and the problem.
func TestBuildErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name, want string
		edit       func(d *Def)
	}{
		{"unknown input", `node b: Conv input "nope"`, func(d *Def) { d.Nodes[2].Inputs[0] = "nope" }},
		{"out of order", `node a: Conv input "s"`, func(d *Def) { d.Nodes[0].Inputs[0] = "s" }},
		{"duplicate output", `tensor "a" defined twice`, func(d *Def) { d.Nodes[1].Outputs[0] = "a" }},
		{"bad shape", "node s: Add: shapes", func(d *Def) { d.Nodes[3].Inputs[1] = "x" }},
		{"weight mismatch", "node b: Conv: weight", func(d *Def) { d.Initializers[2].Shape = []int{3, 3, 1, 1}; d.Initializers[2].Data = make([]float32, 9) }},
		{"constants only", "reads only constants", func(d *Def) { d.Nodes[1].Inputs[0] = "c1.b" }},
		{"no output", `output "zz"`, func(d *Def) { d.Output = "zz" }},
		{"short initializer", `initializer "fc.b" has 3 values`, func(d *Def) { d.Initializers[8].Data = d.Initializers[8].Data[:3] }},
		{"bad input shape", "input shape [2 0 6]", func(d *Def) { d.InputShape = []int{2, 0, 6} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dagDef(t, rng)
			tc.edit(&d)
			_, err := Build(d)
			var be *BuildError
			if !errors.As(err, &be) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build: %v; want a BuildError containing %q", err, tc.want)
			}
		})
	}
}

// TestUnsupportedOp checks the message for an op the engine lacks.
func TestUnsupportedOp(t *testing.T) {
	_, err := New("Einsum", nil)
	if err == nil || !strings.Contains(err.Error(), "Einsum is not supported") || !strings.Contains(err.Error(), "Conv") {
		t.Fatalf("New(Einsum): %v", err)
	}
	_, err = New("Conv", Attrs{"foo": IntAttr(1)})
	if err == nil || !strings.Contains(err.Error(), "attribute foo is not supported") {
		t.Fatalf("New(Conv, foo): %v", err)
	}
}

// TestFreeze checks that freezing everything before a feature map leaves
// the same function, trains only the parameters after it, and gives them
// the same gradients as before.
func TestFreeze(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	g, err := Build(dagDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	after := g.ParamsAfter("cat")
	if got := strings.Join(after, ","); got != "bn.scale,bn.bias,bn.mean,bn.var,fc.w,fc.b" {
		t.Fatalf("ParamsAfter(cat) = %s", got)
	}
	keep := map[string]bool{}
	for _, n := range after {
		keep[n] = true
	}
	f := g.Freeze(func(name string) bool { return !keep[name] })
	if len(f.Params) != 6+6+24+4 || len(f.State) != len(g.Params)+len(g.State)-len(f.Params) {
		t.Fatalf("frozen graph: %d params, %d state", len(f.Params), len(f.State))
	}
	x := nntest.Rand(rng, 2*72)
	dy := nntest.Rand(rng, 2*4)
	g.ZeroGrad()
	want := append([]float32(nil), g.Forward(x, 2, false)...)
	g.Backward(dy, true)
	got := f.Forward(x, 2, false)
	f.Backward(dy, true)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("logits[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	byName := map[string]*nn.Param{}
	for _, p := range g.NamedParams() {
		byName[p.Name] = p
	}
	for _, p := range f.NamedParams() {
		if p.Trainable != keep[p.Name] && p.Name != "bn.mean" && p.Name != "bn.var" {
			t.Errorf("%s trainable = %v", p.Name, p.Trainable)
		}
		if p.Trainable {
			for i, v := range p.Grad {
				if v != byName[p.Name].Grad[i] {
					t.Fatalf("%s grad[%d] = %v, want %v", p.Name, i, v, byName[p.Name].Grad[i])
				}
			}
		}
	}
	// Def keeps the flags: a clone is frozen alike.
	if c := f.Clone(); len(c.Params) != len(f.Params) {
		t.Fatalf("clone has %d params, want %d", len(c.Params), len(f.Params))
	}
}
