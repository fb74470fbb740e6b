package graph

import "saliencyexplorer/engine/kernels"

// DerivedValues returns how many float32 values the graph's convolutions
// keep derived from their filters once every kind of pass has run
// (convpack.go): the copy of the filters they compare with, the filters
// packed for the forward (unless it runs as kernels.ConvStride1) and the
// input-gradient products, and Winograd's transformed filters where that
// branch runs (at some batch of up to 64 images), for each tile size some
// batch takes, averaged forwards (SetAveragedForwards) included unless
// they are not allowed (SetAveragedForwardsAllowed; AveragedValues is
// their share), and both, for a convolution that takes Winograd only at
// larger batches. Each copy of a model that runs keeps its own, beside
// its weights (for ResNet-18, about three times the weights), so memory
// estimates count them.
func (g *Graph) DerivedValues() int64 {
	var n int64
	for _, nd := range g.nodes {
		if l, ok := nd.Op.(*convOp); ok {
			n += l.derivedValues()
			if !g.noAveraged {
				n += l.averagedValues()
			}
		}
	}
	return n
}

// AveragedValues returns the share of DerivedValues that averaged
// forwards add when allowed: the F(4×4, 3×3) forms of the filters that
// their forwards take (36 packed OC×C matrices per such 3×3
// convolution), whether or not they are allowed now.
func (g *Graph) AveragedValues() int64 {
	var n int64
	for _, nd := range g.nodes {
		if l, ok := nd.Op.(*convOp); ok {
			n += l.averagedValues()
		}
	}
	return n
}

// derivedValues is DerivedValues for one convolution, from its geometry,
// without averagedValues.
func (l *convOp) derivedValues() int64 {
	if l.oc == 0 { // not yet shaped
		return 0
	}
	k := l.g.Rows()
	n := int64(l.oc) * int64(k) // the copy checkWeights compares with
	if l.winograd != nil {
		from := 1 // the first batch Winograd runs at (the rule asks for enough tiles)
		for from < 64 && !winogradRule(*l.winograd, from) {
			from++
		}
		if winogradRule(*l.winograd, from) { // else it never runs: no transforms
			n += int64(kernels.WinogradValues(*l.winograd, from))
			if winogradRule(*l.winograd, 1) {
				return n // every batch takes Winograd: the products' packings are never made
			}
		}
	}
	if l.depthwise == nil {
		n += int64(l.group) * int64(kernels.PackedValues(k, l.ocg)) // the input gradient's
		if !l.stride1() {
			n += int64(l.group) * int64(kernels.PackedValues(l.ocg, k)) // the forward's
		}
	}
	return n
}

// averagedValues returns the values the forward's F(4×4, 3×3) form of
// the filters adds (36 packed OC×C matrices) when averaged forwards
// (Graph.SetAveragedForwards) take it: at some batch of up to 64 images
// that runs as Winograd and for which kernels.WinogradTile picks 4×4
// tiles. kernels.WinogradValues counts the rest. For a stride-2
// convolution the phases run (stride2.go) it is their filters, both forms
// (stride2Values).
func (l *convOp) averagedValues() int64 {
	if l.oc == 0 || l.winograd == nil {
		return l.stride2Values()
	}
	g := *l.winograd
	if g.M != 0 {
		return 0 // a tile size of its own, which WinogradValues counts
	}
	for n := 1; n <= 64; n++ {
		if winogradRule(g, n) && kernels.WinogradTile(g.OH, g.OW, n) == 4 {
			return 36 * int64(kernels.PackedValues(g.OC, g.C))
		}
	}
	return 0
}

// keptValues returns the values the convolution holds now, for tests of
// derivedValues.
func (l *convOp) keptValues() int64 {
	n := int64(len(l.seen))
	for _, f := range []*packedFilters{&l.fwd, &l.bwd} {
		for i := range f.groups {
			n += int64(f.groups[i].Values())
		}
	}
	if l.wino != nil {
		n += int64(l.wino.Values())
	}
	if l.s2w != nil {
		n += int64(l.s2w.Values())
	}
	return n
}
