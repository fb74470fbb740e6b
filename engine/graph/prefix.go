package graph

import (
	"fmt"

	"saliencyexplorer/engine/nn"
)

// affineOps are the op types whose outputs are affine in their batched
// inputs in inference mode, each with the test of which of its inputs may
// be batched for that to hold (a product of two activations is not
// affine). BatchNormalization normalizes with its running statistics
// outside training, and Dropout is the identity.
var affineOps = map[string]func(batched []bool) bool{
	"Conv":               firstBatched,
	"Gemm":               firstBatched,
	"MatMul":             firstBatched,
	"BatchNormalization": firstBatched,
	"Add":                anyBatched,
	"Sub":                anyBatched,
	"Concat":             anyBatched,
	"Mul":                oneBatched,
	"Div":                firstBatched,
	"Pad":                anyBatched, // any mode: a constant border, or copies of the input
	"Identity":           anyBatched,
	"Dropout":            anyBatched,
	"Flatten":            anyBatched,
	"Reshape":            anyBatched,
	"Squeeze":            anyBatched,
	"Unsqueeze":          anyBatched,
	"AveragePool":        anyBatched,
	"GlobalAveragePool":  anyBatched,
	"ReduceMean":         anyBatched,
	"ReduceSum":          anyBatched,
}

func anyBatched([]bool) bool { return true }

// firstBatched: only input 0 may be batched.
func firstBatched(b []bool) bool {
	for _, v := range b[1:] {
		if v {
			return false
		}
	}
	return true
}

// oneBatched: exactly one input is batched.
func oneBatched(b []bool) bool {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n == 1
}

// affine reports whether nd's outputs are affine in its batched inputs in
// inference mode.
func (g *Graph) affine(nd *node) bool {
	test, ok := affineOps[nd.Op.Type()]
	if !ok {
		return false
	}
	b := make([]bool, len(nd.in))
	for i, t := range nd.in {
		b[i] = g.tensors[t].info.Batched
	}
	return test(b)
}

// prefix is a graph's affine prefix (nn.AffinePrefix): its first nodes
// (in execution order), all affine, after which nothing reads the input or
// any tensor they make but one, out.
type prefix struct {
	nodes int   // the prefix is g.nodes[:nodes]; 0: none
	out   int   // T's tensor index
	mine  []int // the tensors whose gradients the prefix's backward clears: the input and its nodes' outputs but T
	rest  []int // the batched tensors of the rest: T and the other nodes' outputs
	n     int   // the batch of the last ForwardPrefix
}

// findPrefix sets g.pre to the longest affine prefix with a single output
// tensor, if any: after the first k nodes (all affine) the tensors still
// live are those made by them (or the input) that a later node or the
// graph's output reads; the prefix of k nodes qualifies when exactly one is
// live, it is not the input, and it is not the output itself (the rest
// must compute something). The live set is kept as k grows, so this is
// linear in the graph's size.
func (g *Graph) findPrefix() {
	lastUse := make([]int, len(g.tensors))
	for i := range lastUse {
		lastUse[i] = -1
	}
	for k, nd := range g.nodes {
		for _, t := range nd.in {
			lastUse[t] = k
		}
	}
	lastUse[g.output] = len(g.nodes)
	live := map[int]bool{}
	if lastUse[g.input] >= 0 {
		live[g.input] = true
	}
	best, out := 0, -1
	for k := 1; k < len(g.nodes) && g.affine(g.nodes[k-1]); k++ {
		nd := g.nodes[k-1]
		for _, t := range nd.in {
			if lastUse[t] == k-1 {
				delete(live, t)
			}
		}
		for _, t := range nd.out {
			if lastUse[t] >= k {
				live[t] = true
			}
		}
		if len(live) != 1 {
			continue
		}
		for t := range live {
			if t != g.input && t != g.output {
				best, out = k, t
			}
		}
	}
	g.pre = prefix{nodes: best, out: out}
	if best == 0 {
		return
	}
	g.pre.mine = []int{g.input}
	for _, nd := range g.nodes[:best] {
		for _, t := range nd.out {
			if t != out {
				g.pre.mine = append(g.pre.mine, t)
			}
		}
	}
	g.pre.rest = []int{out}
	for _, nd := range g.nodes[best:] {
		g.pre.rest = append(g.pre.rest, nd.out...)
	}
}

var _ nn.AffinePrefix = (*Graph)(nil)

// PrefixSize implements nn.AffinePrefix.
func (g *Graph) PrefixSize() int {
	if g.pre.nodes == 0 {
		return 0
	}
	return g.tensors[g.pre.out].info.Size()
}

// Prefix returns the names of the affine prefix's nodes and of its output
// T (see nn.AffinePrefix), or nothing if the graph has none.
func (g *Graph) Prefix() (nodes []string, out string) {
	if g.pre.nodes == 0 {
		return nil, ""
	}
	for _, nd := range g.nodes[:g.pre.nodes] {
		nodes = append(nodes, nd.Name)
	}
	return nodes, g.tensors[g.pre.out].name
}

func (g *Graph) checkPrefix() {
	if g.pre.nodes == 0 {
		panic("graph: " + g.def.Name + " has no affine prefix")
	}
}

// clearGradsOf sizes for n examples and clears the gradient buffers of the
// tensors ts.
func (g *Graph) clearGradsOf(ts []int, n int) {
	for _, i := range ts {
		t := g.tensors[i]
		t.grad = grow(t.grad, n*t.info.Size())
		clear(t.grad)
	}
}

// ForwardPrefix implements nn.AffinePrefix. x is read again by
// BackwardPrefix: keep it unchanged until then.
func (g *Graph) ForwardPrefix(x []float32, n int) []float32 {
	g.checkPrefix()
	in := g.tensors[g.input]
	if len(x) != n*in.info.Size() {
		panic(fmt.Sprintf("graph: input has %d values, want %d×%v", len(x), n, in.info.Shape))
	}
	in.val = x
	g.pre.n = n
	g.run(g.nodes[:g.pre.nodes], n, false, false)
	return g.tensors[g.pre.out].val
}

// ForwardRest implements nn.AffinePrefix. It copies t into T's buffer,
// which may be t itself (ForwardPrefix's result).
func (g *Graph) ForwardRest(t []float32, n int) []float32 {
	g.checkPrefix()
	o := g.tensors[g.pre.out]
	if len(t) != n*o.info.Size() {
		panic(fmt.Sprintf("graph: %s has %d values, want %d×%v", o.name, len(t), n, o.info.Shape))
	}
	g.n = n
	o.val = grow(o.val, len(t))
	o.stale = false
	copy(o.val, t)
	g.run(g.nodes[g.pre.nodes:], n, false, false)
	return g.tensors[g.output].val
}

// BackwardRest implements nn.AffinePrefix.
func (g *Graph) BackwardRest(dlogits []float32) []float32 {
	g.checkPrefix()
	g.checkOut(dlogits, "logits gradient")
	g.clearGradsOf(g.pre.rest, g.n)
	copy(g.tensors[g.output].grad, dlogits)
	g.runBack(g.nodes[g.pre.nodes:], false)
	return g.tensors[g.pre.out].grad
}

// BackwardPrefix implements nn.AffinePrefix.
func (g *Graph) BackwardPrefix(dt []float32) []float32 {
	g.checkPrefix()
	o := g.tensors[g.pre.out]
	if want := g.pre.n * o.info.Size(); len(dt) != want {
		panic(fmt.Sprintf("graph: gradient at %s has %d values, want %d×%v", o.name, len(dt), g.pre.n, o.info.Shape))
	}
	o.grad = grow(o.grad, len(dt))
	copy(o.grad, dt) // first: dt may be o.grad
	g.clearGradsOf(g.pre.mine, g.pre.n)
	g.runBack(g.nodes[:g.pre.nodes], false)
	return g.tensors[g.input].grad
}
