package graph

import (
	"fmt"
	"math"

	"saliencyexplorer/engine/nn"
)

// Node is one operation of a graph: Op reads the tensors named Inputs and
// writes those named Outputs. Name is for messages (ONNX's node name, or the
// op type and index when that is empty).
type Node struct {
	Name    string
	Op      Op
	Inputs  []string
	Outputs []string
}

// Initializer is a named constant tensor: a parameter or a frozen statistic.
// Build copies Data.
type Initializer struct {
	Name  string
	Shape []int
	Data  []float32
	// Frozen keeps a parameter out of training: it lives in State and gets
	// no gradient, as running statistics do.
	Frozen bool
}

// Def describes a graph: one batched input of per-example shape InputShape,
// nodes in topological order (each node's inputs are the graph input,
// initializers, or outputs of earlier nodes), and one output, the logits,
// of per-example shape [K] (or any shape of K values).
type Def struct {
	Name         string
	Input        string
	InputShape   []int
	Output       string
	Nodes        []Node
	Initializers []Initializer
	// Features optionally names the tensor FeatureTensor returns (ActDiff's
	// features); empty, FeatureTensor finds the classifier head's input.
	Features string
}

// Limits on the graphs Build accepts, so that a hostile file cannot make the
// engine allocate without bound.
const (
	MaxNodes       = 1 << 14
	MaxParams      = 1 << 27 // values in all initializers together (512 MiB)
	MaxActivations = 1 << 27 // values in all batched tensors together, per example
	MaxTensor      = 1 << 24 // values in one tensor (or one op's scratch), per example
)

// BuildError reports an invalid Def; Node is the node's name or "" for
// errors about the graph as a whole.
type BuildError struct {
	Node string
	Msg  string
}

func (e *BuildError) Error() string {
	if e.Node == "" {
		return "graph: " + e.Msg
	}
	return fmt.Sprintf("graph: node %s: %s", e.Node, e.Msg)
}

// tensor is the executor's record of one named tensor.
type tensor struct {
	name     string
	info     Info
	init     bool // an initializer
	frozen   bool // Initializer.Frozen
	trainRef bool // some node reads it as a parameter (not as state), and it is not frozen
	val      []float32
	grad     []float32 // batched: gradient buffer; initializer: its Grad view (nil for state)
	tan      []float32 // batched: tangent buffer
	tgrad    []float32 // batched: gradient of the tangent
	// A producer's output whose only reader, an activation, runs fused
	// into it (fuse.go): the last forward pass left val unset (stale), and
	// madeBy computes it on request.
	stale  bool
	madeBy *node
}

type node struct {
	Node
	in, out []int // tensor indices
	// Argument slices reused by every pass.
	x, y, dy, dx, xt, yt, dyt, dxt [][]float32

	fuse  *fusion // the activation this node runs in its forward pass (fuse.go)
	actOf *node   // this activation's producer, if it runs inside it
}

// Graph is a built Def with its parameters and buffers. See the package
// documentation for the passes and for buffer ownership.
type Graph struct {
	Params []float32 // trainable values, in NamedParams order
	Grads  []float32 // their gradients, same layout
	State  []float32 // non-trainable constants

	def     Def
	tensors []*tensor
	byName  map[string]int
	nodes   []*node
	named   []*nn.Param
	input   int
	output  int
	n       int
	inShape nn.Shape
	pre     prefix // the affine prefix (prefix.go)
	// averaged is SetAveragedForwards' setting (winograd.go).
	averaged bool
	// noAveraged makes SetAveragedForwards a no-op
	// (SetAveragedForwardsAllowed).
	noAveraged bool
}

var _ nn.Trainable = (*Graph)(nil)

// Weights implements nn.Trainable.
func (g *Graph) Weights() (params, grads, state []float32) { return g.Params, g.Grads, g.State }

func shapeSize(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Build checks d and returns its graph, with the initializers' values
// copied into Params and State. The ops of d's nodes become the graph's: do
// not share them with another graph.
func Build(d Def) (*Graph, error) {
	g := &Graph{def: d, byName: map[string]int{}}
	if len(d.Nodes) == 0 {
		return nil, &BuildError{Msg: "no nodes"}
	}
	if len(d.Nodes) > MaxNodes {
		return nil, &BuildError{Msg: fmt.Sprintf("%d nodes, more than %d", len(d.Nodes), MaxNodes)}
	}
	add := func(name string, info Info) (int, error) {
		if name == "" {
			return 0, fmt.Errorf("a tensor without a name")
		}
		if _, dup := g.byName[name]; dup {
			return 0, fmt.Errorf("tensor %q defined twice", name)
		}
		g.byName[name] = len(g.tensors)
		g.tensors = append(g.tensors, &tensor{name: name, info: info})
		return len(g.tensors) - 1, nil
	}
	if err := checkShape(d.InputShape); err != nil {
		return nil, &BuildError{Msg: "input " + err.Error()}
	}
	in, err := add(d.Input, Info{Shape: append([]int(nil), d.InputShape...), Batched: true})
	if err != nil {
		return nil, &BuildError{Msg: "input: " + err.Error()}
	}
	g.input = in
	g.inShape = toNNShape(d.InputShape)
	var nParams int
	for _, it := range d.Initializers {
		if err := checkShape(it.Shape); err != nil {
			return nil, &BuildError{Msg: fmt.Sprintf("initializer %q %v", it.Name, err)}
		}
		if len(it.Data) != shapeSize(it.Shape) {
			return nil, &BuildError{Msg: fmt.Sprintf("initializer %q has %d values for shape %v", it.Name, len(it.Data), it.Shape)}
		}
		nParams += len(it.Data)
		if nParams > MaxParams {
			return nil, &BuildError{Msg: fmt.Sprintf("initializers hold more than %d values", MaxParams)}
		}
		i, err := add(it.Name, Info{Shape: append([]int(nil), it.Shape...)})
		if err != nil {
			return nil, &BuildError{Msg: "initializer: " + err.Error()}
		}
		g.tensors[i].init = true
		g.tensors[i].frozen = it.Frozen
	}
	acts := shapeSize(d.InputShape)
	for k, nd := range d.Nodes {
		name := nd.Name
		if name == "" {
			name = fmt.Sprintf("#%d", k)
			if nd.Op != nil {
				name = fmt.Sprintf("%s#%d", nd.Op.Type(), k)
			}
		}
		bad := func(format string, a ...any) error {
			return &BuildError{Node: name, Msg: fmt.Sprintf(format, a...)}
		}
		if nd.Op == nil {
			return nil, bad("no op")
		}
		x := &node{Node: nd}
		x.Name = name
		infos := make([]Info, len(nd.Inputs))
		batched := false
		for i, tn := range nd.Inputs {
			t, ok := g.byName[tn]
			if !ok {
				return nil, bad("%s input %q is not the graph input, an initializer or an earlier node's output", nd.Op.Type(), tn)
			}
			x.in = append(x.in, t)
			infos[i] = g.tensors[t].info
			batched = batched || infos[i].Batched
		}
		if !batched {
			return nil, bad("%s reads only constants (fold it before building)", nd.Op.Type())
		}
		outs, err := nd.Op.Infer(infos)
		if err != nil {
			return nil, bad("%s: %v", nd.Op.Type(), err)
		}
		if len(outs) != len(nd.Outputs) {
			return nil, bad("%s gives %d outputs, the node names %d", nd.Op.Type(), len(outs), len(nd.Outputs))
		}
		state := map[int]bool{}
		if s, ok := nd.Op.(StateReader); ok {
			for _, i := range s.StateInputs() {
				state[i] = true
			}
		}
		for i, t := range x.in {
			if tt := g.tensors[t]; tt.init && !state[i] && !tt.frozen {
				tt.trainRef = true
			}
		}
		for j, tn := range nd.Outputs {
			o := outs[j]
			if !o.Batched {
				return nil, bad("%s output %q is not batched", nd.Op.Type(), tn)
			}
			if err := checkShape(o.Shape); err != nil {
				return nil, bad("output %q %v", tn, err)
			}
			acts += o.Size()
			if acts > MaxActivations {
				return nil, bad("activations of all nodes together exceed %d values per example", MaxActivations)
			}
			t, err := add(tn, o)
			if err != nil {
				return nil, bad("%v", err)
			}
			x.out = append(x.out, t)
		}
		n := len(x.in)
		x.x, x.dx, x.xt, x.dxt = make([][]float32, n), make([][]float32, n), make([][]float32, n), make([][]float32, n)
		m := len(x.out)
		x.y, x.dy, x.yt, x.dyt = make([][]float32, m), make([][]float32, m), make([][]float32, m), make([][]float32, m)
		g.nodes = append(g.nodes, x)
	}
	out, ok := g.byName[d.Output]
	if !ok || !g.tensors[out].info.Batched {
		return nil, &BuildError{Msg: fmt.Sprintf("output %q is not a node's output", d.Output)}
	}
	g.output = out
	if d.Features != "" {
		if t, ok := g.byName[d.Features]; !ok || !g.tensors[t].info.Batched {
			return nil, &BuildError{Msg: fmt.Sprintf("features %q is not a node's output", d.Features)}
		}
	}
	g.bindParams(d)
	s := &scratch{}
	for _, nd := range g.nodes {
		if u, ok := nd.Op.(scratchUser); ok {
			u.useScratch(s)
		}
	}
	g.findPrefix()
	g.findFusions()
	return g, nil
}

func checkShape(s []int) error {
	size := 1
	for _, d := range s {
		if d <= 0 {
			return fmt.Errorf("shape %v has a dimension ≤ 0", s)
		}
		if size > MaxTensor/d {
			return fmt.Errorf("shape %v holds more than %d values", s, MaxTensor)
		}
		size *= d
	}
	return nil
}

// toNNShape maps a per-example shape to nn's C×H×W: [C,H,W], [C,W] as C×1×W,
// [C] as C×1×1; higher ranks fold into C.
func toNNShape(s []int) nn.Shape {
	switch len(s) {
	case 0:
		return nn.Shape{C: 1, H: 1, W: 1}
	case 1:
		return nn.Shape{C: s[0], H: 1, W: 1}
	case 2:
		return nn.Shape{C: s[0], H: 1, W: s[1]}
	}
	r := len(s)
	return nn.Shape{C: shapeSize(s[:r-2]), H: s[r-2], W: s[r-1]}
}

// bindParams lays the initializers out in Params (trainable) and State.
func (g *Graph) bindParams(d Def) {
	var nT, nS int
	for _, it := range d.Initializers {
		if g.tensors[g.byName[it.Name]].trainRef {
			nT += len(it.Data)
		} else {
			nS += len(it.Data)
		}
	}
	g.Params, g.Grads, g.State = make([]float32, nT), make([]float32, nT), make([]float32, nS)
	var oT, oS int
	for _, it := range d.Initializers {
		t := g.tensors[g.byName[it.Name]]
		size := len(it.Data)
		p := &nn.Param{Name: it.Name, Shape: append([]int(nil), it.Shape...), Trainable: t.trainRef}
		if t.trainRef {
			p.Value, p.Grad = g.Params[oT:oT+size:oT+size], g.Grads[oT:oT+size:oT+size]
			oT += size
		} else {
			p.Value = g.State[oS : oS+size : oS+size]
			oS += size
		}
		copy(p.Value, it.Data)
		t.val, t.grad = p.Value, p.Grad
		g.named = append(g.named, p)
	}
}

// Name returns the graph's name from its Def.
func (g *Graph) Name() string { return g.def.Name }

// Def returns the graph's description with the current parameter values
// (for export and Clone). Its ops are fresh, built from each op's Attrs.
func (g *Graph) Def() Def {
	d := g.def
	d.Nodes = make([]Node, len(g.nodes))
	for i, nd := range g.nodes {
		op, err := New(nd.Op.Type(), nd.Op.Attrs())
		if err != nil {
			panic("graph: op " + nd.Op.Type() + " does not rebuild from its own attributes: " + err.Error())
		}
		d.Nodes[i] = Node{Name: nd.Name, Op: op, Inputs: nd.Inputs, Outputs: nd.Outputs}
	}
	d.Initializers = make([]Initializer, len(g.named))
	for i, p := range g.named {
		d.Initializers[i] = Initializer{Name: p.Name, Shape: p.Shape, Data: append([]float32(nil), p.Value...),
			Frozen: g.tensors[g.byName[p.Name]].frozen}
	}
	return d
}

// Nodes returns the graph's nodes in execution order. Their Name is filled
// in where the Def left it empty.
func (g *Graph) Nodes() []Node {
	out := make([]Node, len(g.nodes))
	for i, nd := range g.nodes {
		out[i] = nd.Node
	}
	return out
}

// Clone returns an independent copy with the same parameters and state
// (and whether averaged forwards are allowed).
func (g *Graph) Clone() *Graph {
	c, err := Build(g.Def())
	if err != nil {
		panic("graph: Clone of a graph that no longer builds: " + err.Error())
	}
	c.noAveraged = g.noAveraged
	return c
}

// NamedParams returns every initializer as a parameter (trainable or state)
// in Def order; Value and Grad are views into Params, Grads and State.
func (g *Graph) NamedParams() []*nn.Param { return g.named }

// ZeroGrad clears the parameter gradients.
func (g *Graph) ZeroGrad() { clear(g.Grads) }

// CheckFinite returns an error naming the first parameter holding a NaN or
// an infinity.
func (g *Graph) CheckFinite() error {
	for _, p := range g.named {
		for i, v := range p.Value {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("graph: parameter %s has %v at index %d", p.Name, v, i)
			}
		}
	}
	return nil
}

// InputName and OutputName return the names of the graph's input and its
// output (the logits).
func (g *Graph) InputName() string  { return g.tensors[g.input].name }
func (g *Graph) OutputName() string { return g.tensors[g.output].name }

// Input returns the input's per-example shape as C×H×W (see toNNShape).
func (g *Graph) Input() nn.Shape { return g.inShape }

// InputInfo returns the input's per-example shape as the Def gave it.
func (g *Graph) InputInfo() Info { return g.tensors[g.input].info }

// Classes returns the number of output values per example.
func (g *Graph) Classes() int { return g.tensors[g.output].info.Size() }

// Batch returns the batch size of the last Forward.
func (g *Graph) Batch() int { return g.n }

// Info returns the tensor named name's Info.
func (g *Graph) Info(name string) (Info, bool) {
	i, ok := g.byName[name]
	if !ok {
		return Info{}, false
	}
	return g.tensors[i].info, true
}

// Tensors returns the names of the batched tensors in execution order: the
// input first, the output of every node after it.
func (g *Graph) Tensors() []string {
	names := []string{g.tensors[g.input].name}
	for _, nd := range g.nodes {
		for _, o := range nd.out {
			names = append(names, g.tensors[o].name)
		}
	}
	return names
}

func (g *Graph) lookup(name string) *tensor {
	i, ok := g.byName[name]
	if !ok {
		panic(fmt.Sprintf("graph: no tensor %q", name))
	}
	return g.tensors[i]
}

// Value returns the tensor's values from the last Forward (an initializer's
// values at any time). A tensor whose activation ran fused into its
// producer (fuse.go) is computed on the first request after the pass. It
// panics if there is no such tensor.
func (g *Graph) Value(name string) []float32 {
	t := g.lookup(name)
	if t.stale {
		g.materialize(t)
	}
	return t.val
}

// Grad returns the gradient that reached the tensor in the last backward
// pass (for an initializer, its accumulated parameter gradient).
func (g *Graph) Grad(name string) []float32 { return g.lookup(name).grad }

// TangentOf returns the tensor's tangent from the last Tangent.
func (g *Graph) TangentOf(name string) []float32 { return g.lookup(name).tan }

func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// Forward runs the graph on a batch of n inputs (n × the input's size, NCHW)
// and returns the logits, n×Classes(), owned by the graph. x is read again
// by the reverse passes: keep it unchanged until they are done.
func (g *Graph) Forward(x []float32, n int, train bool) []float32 {
	in := g.tensors[g.input]
	if len(x) != n*in.info.Size() {
		panic(fmt.Sprintf("graph: input has %d values, want %d×%v", len(x), n, in.info.Shape))
	}
	g.n = n
	in.val = x
	g.run(g.nodes, n, train, true)
	return g.tensors[g.output].val
}

// run runs nodes forward on a batch of n, each on its inputs' current
// values, sizing its outputs' buffers; an activation fused into its
// producer runs with it (fuse.go), except across the prefix's end when the
// pass is not the whole graph (the prefix or the rest alone).
func (g *Graph) run(nodes []*node, n int, train, whole bool) {
	for _, nd := range nodes {
		if nd.fusedIn(whole) {
			continue // its input's producer ran it
		}
		for i, t := range nd.in {
			nd.x[i] = g.tensors[t].val
		}
		if nd.fusesAct(whole) {
			g.runFused(nd, n, train)
			continue
		}
		for j, t := range nd.out {
			o := g.tensors[t]
			o.val = grow(o.val, n*o.info.Size())
			o.stale = false
			nd.y[j] = o.val
		}
		nd.Op.Forward(nd.x, nd.y, n, train)
	}
}

// clearGrads sizes and clears the gradient buffers of every batched tensor
// (and their tangent gradients with dual).
func (g *Graph) clearGrads(dual bool) {
	for _, t := range g.tensors {
		if !t.info.Batched {
			continue
		}
		size := g.n * t.info.Size()
		t.grad = grow(t.grad, size)
		clear(t.grad)
		if dual {
			t.tgrad = grow(t.tgrad, size)
			clear(t.tgrad)
		}
	}
}

// gradSlot returns the gradient buffer an op adds input t's gradient into:
// the batched tensor's buffer, a trainable parameter's Grad when params, or
// nil.
func (t *tensor) gradSlot(params bool) []float32 {
	if t.info.Batched || params {
		return t.grad
	}
	return nil
}

func (g *Graph) checkOut(v []float32, what string) {
	if want := g.n * g.Classes(); len(v) != want {
		panic(fmt.Sprintf("graph: %s has %d values, want %d", what, len(v), want))
	}
}

// Backward propagates dlogits (n×Classes()) to the input and returns the
// input gradient (owned by the graph). With paramGrads it also adds the
// parameter gradients into Grads.
func (g *Graph) Backward(dlogits []float32, paramGrads bool) []float32 {
	return g.BackwardInject(dlogits, "", nil, paramGrads)
}

// BackwardInject is Backward with extra added to the gradient of the
// tensor named at (for penalties on intermediate features, such as
// ActDiff's); extra must have that tensor's size for the batch. With at ""
// it is Backward.
func (g *Graph) BackwardInject(dlogits []float32, at string, extra []float32, paramGrads bool) []float32 {
	g.checkOut(dlogits, "logits gradient")
	g.clearGrads(false)
	copy(g.tensors[g.output].grad, dlogits)
	if at != "" {
		t := g.lookup(at)
		if !t.info.Batched || len(extra) != len(t.grad) {
			panic(fmt.Sprintf("graph: injected gradient for %q has %d values, want %d", at, len(extra), len(t.grad)))
		}
		for i, v := range extra {
			t.grad[i] += v
		}
	}
	g.runBack(g.nodes, paramGrads)
	return g.tensors[g.input].grad
}

// runBack runs nodes backward, in reverse, after the gradient buffers of
// their batched tensors are sized and cleared; params says whether the
// trainable parameters' gradients are accumulated too.
func (g *Graph) runBack(nodes []*node, params bool) {
	for k := len(nodes) - 1; k >= 0; k-- {
		nd := nodes[k]
		for j, t := range nd.out {
			nd.dy[j] = g.tensors[t].grad
		}
		for i, t := range nd.in {
			nd.dx[i] = g.tensors[t].gradSlot(params)
		}
		nd.Op.Backward(nd.dy, nd.dx)
	}
}

// Tangent returns the logits' directional derivative along the input
// direction dx at the last Forward's input (owned by the graph). dx is read
// again by BackwardDual.
func (g *Graph) Tangent(dx []float32) []float32 {
	in := g.tensors[g.input]
	if len(dx) != len(in.val) {
		panic(fmt.Sprintf("graph: input tangent has %d values, want %d", len(dx), len(in.val)))
	}
	in.tan = dx
	for _, nd := range g.nodes {
		for i, t := range nd.in {
			nd.xt[i] = g.tensors[t].tan // nil for constants
		}
		for j, t := range nd.out {
			o := g.tensors[t]
			o.tan = grow(o.tan, g.n*o.info.Size())
			nd.yt[j] = o.tan
		}
		nd.Op.Tangent(nd.xt, nd.yt)
	}
	return g.tensors[g.output].tan
}

// BackwardDual is the reverse of the last Forward and Tangent: given the
// gradients of a scalar with respect to the logits (dlogits) and to their
// tangent (dlogitsT), it adds the parameter gradients into Grads and
// returns the gradients with respect to the input and the input tangent.
func (g *Graph) BackwardDual(dlogits, dlogitsT []float32) (dx, dxt []float32) {
	g.checkOut(dlogits, "logits gradient")
	g.checkOut(dlogitsT, "logits tangent gradient")
	g.clearGrads(true)
	out := g.tensors[g.output]
	copy(out.grad, dlogits)
	copy(out.tgrad, dlogitsT)
	for k := len(g.nodes) - 1; k >= 0; k-- {
		nd := g.nodes[k]
		for j, t := range nd.out {
			nd.dy[j], nd.dyt[j] = g.tensors[t].grad, g.tensors[t].tgrad
		}
		for i, t := range nd.in {
			nd.dx[i], nd.dxt[i] = g.tensors[t].gradSlot(true), g.tensors[t].tgrad
		}
		nd.Op.BackwardDual(nd.dy, nd.dyt, nd.dx, nd.dxt)
	}
	in := g.tensors[g.input]
	return in.grad, in.tgrad
}

// TensorShape implements nn.Model: the tensor's per-example shape as C×H×W.
func (g *Graph) TensorShape(name string) (nn.Shape, bool) {
	i, ok := g.byName[name]
	if !ok {
		return nn.Shape{}, false
	}
	return toNNShape(g.tensors[i].info.Shape), true
}

// SpatialTensors implements nn.Model: the batched tensors of per-example
// rank 3 (C×H×W) with H·W > 1, in execution order.
func (g *Graph) SpatialTensors() []string {
	var names []string
	for _, nd := range g.nodes {
		for _, o := range nd.out {
			t := g.tensors[o]
			if s := t.info.Shape; len(s) == 3 && s[1]*s[2] > 1 {
				names = append(names, t.name)
			}
		}
	}
	return names
}

// headOps are the ops a classifier head ends with after its last linear
// layer; FeatureTensor looks through them.
var headOps = map[string]bool{"Softmax": true, "LogSoftmax": true, "Identity": true, "Dropout": true}

// FeatureTensor implements nn.Model: Def.Features if set, else the batched input of the last Gemm or
// MatMul on the way back from the output through Softmax, Identity and
// Dropout nodes (or else the first batched input of the node producing the
// output), followed back through Flatten, Reshape, Squeeze, Unsqueeze and
// Identity.
func (g *Graph) FeatureTensor() string {
	if g.def.Features != "" {
		return g.def.Features
	}
	producer := map[int]*node{}
	for _, nd := range g.nodes {
		for _, o := range nd.out {
			producer[o] = nd
		}
	}
	firstBatched := func(nd *node) int {
		for _, t := range nd.in {
			if g.tensors[t].info.Batched {
				return t
			}
		}
		return g.input
	}
	nd := producer[g.output]
	for headOps[nd.Op.Type()] {
		p, ok := producer[firstBatched(nd)]
		if !ok {
			break
		}
		nd = p
	}
	// The features are the same values before a Flatten or Reshape.
	t := firstBatched(nd)
	for {
		p, ok := producer[t]
		if !ok || !reshapeOps[p.Op.Type()] {
			return g.tensors[t].name
		}
		t = firstBatched(p)
	}
}

// reshapeOps change a tensor's shape, not its values.
var reshapeOps = map[string]bool{"Flatten": true, "Reshape": true, "Squeeze": true, "Unsqueeze": true, "Identity": true}

// ValuesPerExample returns the number of float32 values the batched
// tensors hold for one example (the input included). Forward keeps that
// many per example; Backward as many again for the gradients; Tangent and
// BackwardDual two more sets. The ops share scratch of about two tensors'
// size (the largest convolution's im2col matrix and its gradient),
// independent of the batch. Multiply by 4
// bytes and the batch size to budget memory before a large run.
func (g *Graph) ValuesPerExample() int {
	n := 0
	for _, t := range g.tensors {
		if t.info.Batched {
			n += t.info.Size()
		}
	}
	return n
}

// Freeze returns a copy of the graph in which the parameters for which
// frozen returns true are not trained (they move to State and get no
// gradient) and every other parameter is trained. Running statistics stay
// state either way. Whether averaged forwards are allowed carries over.
func (g *Graph) Freeze(frozen func(name string) bool) *Graph {
	d := g.Def()
	for i := range d.Initializers {
		d.Initializers[i].Frozen = frozen(d.Initializers[i].Name)
	}
	c, err := Build(d)
	if err != nil {
		panic("graph: Freeze of a graph that no longer builds: " + err.Error())
	}
	c.noAveraged = g.noAveraged
	return c
}

// ParamsAfter returns the names of the initializers read by the nodes that
// depend on tensor name (the layers after it): what fine-tuning trains when
// it trains "everything after this feature map". It panics if there is no
// such tensor.
func (g *Graph) ParamsAfter(name string) []string {
	after := map[int]bool{g.byName[g.lookup(name).name]: true}
	seen := map[string]bool{}
	var names []string
	for _, nd := range g.nodes {
		depends := false
		for _, t := range nd.in {
			depends = depends || after[t]
		}
		if !depends {
			continue
		}
		for _, t := range nd.out {
			after[t] = true
		}
		for _, t := range nd.in {
			if tt := g.tensors[t]; tt.init && !seen[tt.name] {
				seen[tt.name] = true
				names = append(names, tt.name)
			}
		}
	}
	return names
}
