package graph

import "saliencyexplorer/engine/kernels"

// Fusing an activation into the op that makes its input. A Relu or a Clip
// (ReLU6 in MobileNetV2, 35 of them) whose input has no other reader runs
// in the forward pass as part of the op before it: that op (an actFuser,
// the convolution) writes the activation's output straight into the
// activation's tensor, applying it to its values as its kernels finish
// them (kernels.Activation), and the activation node is skipped. Nothing in
// the reverse passes changes but what the activation gates on: a Relu or
// Clip passes the gradient where its input was strictly inside its band
// (0 < x, or lo < x < hi), which holds exactly where its output is
// (0 < y, lo < y < hi: y = x there, and y sits on the bound elsewhere), so
// a fused one gates on its output.
//
// The pairs are found once by Build (findFusions): the activation must be
// the only reader of the producer's output, and that output not the
// graph's output. A pair whose producer ends the affine prefix (MobileNetV2's
// first convolution) runs fused in Forward only: ForwardPrefix and
// ForwardRest run the two apart. The producer's own output tensor is not
// computed by a fused forward pass; Value computes it on request from the
// producer's inputs, so every tensor stays readable by name (Grad-CAM on
// any layer, ActDiff's features). Its gradient and tangent are computed as
// before.

// actFuser is an op that can apply an element-wise activation to its one
// output as it writes it.
type actFuser interface {
	// ForwardAct is Forward with act applied to every value of y[0].
	ForwardAct(x, y [][]float32, n int, train bool, act kernels.Activation)
}

// fusableAct is an activation op that can run inside its input's producer.
type fusableAct interface {
	// activation returns the function as a kernel's epilogue, or false.
	activation() (kernels.Activation, bool)
	// forwardFused records y, which the producer wrote, as the output of
	// the last forward pass, instead of running Forward.
	forwardFused(y []float32)
}

// fuseActivations turns the pass on; tests turn it off to compare the
// fused graph with the unfused one.
var fuseActivations = true

// fusion is a producer node's fused activation.
type fusion struct {
	act       *node // the activation node, skipped by the forward pass
	fn        kernels.Activation
	straddles bool // the producer is in the affine prefix, the activation not
	n         int  // the batch of the last fused forward
	train     bool
}

// fusedIn reports whether nd, run forward as part of a pass over all the
// graph's nodes (whole) or over the prefix or the rest, runs inside its
// producer and is skipped.
func (nd *node) fusedIn(whole bool) bool {
	return nd.actOf != nil && (whole || !nd.actOf.fuse.straddles)
}

// fusesAct reports whether producer nd, run as part of such a pass, runs
// its activation with it.
func (nd *node) fusesAct(whole bool) bool {
	return nd.fuse != nil && (whole || !nd.fuse.straddles)
}

// findFusions marks every producer → activation pair the forward pass runs
// as one (see above).
func (g *Graph) findFusions() {
	if !fuseActivations {
		return
	}
	readers := make([]int, len(g.tensors))
	reader := make([]*node, len(g.tensors))
	index := map[*node]int{}
	for k, nd := range g.nodes {
		index[nd] = k
		for _, t := range nd.in {
			readers[t]++
			reader[t] = nd
		}
	}
	for k, nd := range g.nodes {
		if _, ok := nd.Op.(actFuser); !ok || len(nd.out) != 1 {
			continue
		}
		t := nd.out[0]
		if readers[t] != 1 || t == g.output {
			continue
		}
		a := reader[t]
		fa, ok := a.Op.(fusableAct)
		if !ok || len(a.in) != 1 || len(a.out) != 1 || a.actOf != nil {
			continue
		}
		fn, ok := fa.activation()
		if !ok {
			continue
		}
		nd.fuse = &fusion{act: a, fn: fn, straddles: (k < g.pre.nodes) != (index[a] < g.pre.nodes)}
		a.actOf = nd
		g.tensors[t].madeBy = nd
	}
}

// runFused runs producer nd and its fused activation forward (nd.x set).
func (g *Graph) runFused(nd *node, n int, train bool) {
	f := nd.fuse
	o := g.tensors[f.act.out[0]]
	o.val = grow(o.val, n*o.info.Size())
	nd.y[0] = o.val
	nd.Op.(actFuser).ForwardAct(nd.x, nd.y, n, train, f.fn)
	f.act.Op.(fusableAct).forwardFused(o.val)
	f.n, f.train = n, train
	g.tensors[nd.out[0]].stale = true
}

// materialize computes t, the output of a producer whose activation ran
// fused, from the producer's inputs as the last forward pass left them.
func (g *Graph) materialize(t *tensor) {
	nd := t.madeBy
	for i, in := range nd.in {
		nd.x[i] = g.tensors[in].val
	}
	t.val = grow(t.val, nd.fuse.n*t.info.Size())
	nd.y[0] = t.val
	nd.Op.Forward(nd.x, nd.y, nd.fuse.n, nd.fuse.train)
	t.stale = false
}

// Fused returns the names of the nodes whose activation runs inside them
// in the forward pass, each with that activation node's name.
func (g *Graph) Fused() map[string]string {
	m := map[string]string{}
	for _, nd := range g.nodes {
		if nd.fuse != nil {
			m[nd.Name] = nd.fuse.act.Name
		}
	}
	return m
}
