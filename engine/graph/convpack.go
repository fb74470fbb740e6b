package graph

import "saliencyexplorer/engine/kernels"

// A convolution keeps work derived from its filters across passes: packed
// for the im2col path's products (kernels.PackedA, forward and transposed
// for the input gradient) and transformed for the Winograd path
// (kernels.WinogradWeights). The graph's weights are plain exported slices
// (Params, State, nn.Param.Value) that an optimizer or any other code may
// write in place between passes, so no counter sees every write: each
// Forward compares the filters, bit by bit, with a copy of those the kept
// work came from (a sequential read of twice the filters, much cheaper
// than packing them), and a difference bumps the op's weights generation,
// which makes every derived form stale. A fine-tuning step is so seen at
// the next pass whoever wrote it; the cost is one copy of the filters per
// convolution.

// packedFilters are a convolution's filters packed per group for one
// direction of its products: W (OC/G × C/G·KH·KW) for y = W·col, or Wᵀ for
// dcol = Wᵀ·dy.
type packedFilters struct {
	groups []kernels.PackedA
	gen    uint64 // the weights generation they were packed from; 0: none
}

// checkWeights compares w with the filters the op's derived work came
// from and starts a new weights generation if they differ. Forward calls
// it; the tangent and backward passes use the generation of the forward
// they follow.
func (l *convOp) checkWeights(w []float32) {
	if l.gen != 0 && len(l.seen) == len(w) && kernels.SameBits(l.seen, w) {
		return
	}
	if len(l.seen) != len(w) {
		l.seen = make([]float32, len(w))
	}
	copy(l.seen, w)
	l.gen++
}

// packed returns the filters w packed for the forward products (trans
// false) or the input-gradient products (trans true), packing them unless
// they were packed in the current weights generation.
func (l *convOp) packed(f *packedFilters, w []float32, trans bool) []kernels.PackedA {
	if f.gen == l.gen && f.gen != 0 {
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
	f.gen = l.gen
	return f.groups
}
