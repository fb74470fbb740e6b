package graph

import (
	"unsafe"

	"saliencyexplorer/engine/kernels"
)

// A convolution on the im2col path multiplies its filters by every image's
// column matrix: the products' packing of the filters (kernels.PackedA) is
// done once per pass for all n images instead of once per image, and, while
// the graph's weights are held (HoldWeights), once for as many passes as
// the hold lasts: an Integrated Gradients map's 32 steps, in batches, then
// pack each convolution's filters once forward and once backward.

// packedFilters are a convolution's filters packed per group for one
// direction of its products: W (OC/G × C/G·KH·KW) for y = W·col, or Wᵀ for
// dcol = Wᵀ·dy.
type packedFilters struct {
	groups []kernels.PackedA
	// valid says groups hold the weights the last packing read, which
	// stay current while the graph's weights are held; from points to
	// their first value, so that other weights are packed afresh.
	valid bool
	from  *float32
}

// packed returns the filters w packed for the forward products (trans
// false) or the input-gradient products (trans true), packing them unless
// they were packed from w during the current hold.
func (l *convOp) packed(f *packedFilters, w []float32, trans bool) []kernels.PackedA {
	from := unsafe.SliceData(w)
	if f.valid && f.from == from {
		return f.groups
	}
	if len(f.groups) != l.group {
		f.groups = make([]kernels.PackedA, l.group)
	}
	K := l.g.Rows()
	for gi := range f.groups {
		if trans {
			f.groups[gi].Pack(l.groupW(w, gi), K, l.ocg, true)
		} else {
			f.groups[gi].Pack(l.groupW(w, gi), l.ocg, K, false)
		}
	}
	f.valid, f.from = l.held, from
	return f.groups
}

// holdWeights implements weightHolder: while held, packed filters stay
// valid from one pass to the next; released, they are packed again at the
// next pass (into the same storage).
func (l *convOp) holdWeights(held bool) {
	l.held = held
	l.fwd.valid, l.bwd.valid = false, false
}

// weightHolder is an op that keeps work derived from its constant inputs
// across passes while the graph's weights are held.
type weightHolder interface {
	holdWeights(held bool)
}

var _ weightHolder = (*convOp)(nil)

// HoldWeights promises that the graph's parameters and state (Params,
// State, and every initializer's values) stay unchanged until release is
// called, so that ops may reuse work derived from them from one pass to the
// next: the convolutions then pack their filters once for all the passes
// in between rather than once per pass. Changing a weight during a hold
// leaves passes computing with the old value of some weights and the new
// of others; after release, every pass reads the weights afresh. Holds do
// not nest: release ends the hold whichever call made it.
func (g *Graph) HoldWeights() (release func()) {
	g.setHeld(true)
	return func() { g.setHeld(false) }
}

func (g *Graph) setHeld(held bool) {
	for _, nd := range g.nodes {
		if h, ok := nd.Op.(weightHolder); ok {
			h.holdWeights(held)
		}
	}
}
