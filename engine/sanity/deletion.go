package sanity

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
)

// InsertionBlur is the σ, in pixels, of the blurred image insertion starts
// from (RISE's blur kernel has σ = 5).
const InsertionBlur = 5.0

// Curves are the deletion and insertion curves of one input: p_c at the
// fractions 0, 1/n, …, 1 of pixels deleted or inserted, and their areas.
type Curves struct {
	Deletion, Insertion       []float64
	DeletionAUC, InsertionAUC float64
}

// Order returns the pixel indices of an H×W map, most salient first (ties
// by index).
func Order(attr []float32) []int {
	idx := make([]int, len(attr))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case attr[a] > attr[b]:
			return -1
		case attr[a] < attr[b]:
			return 1
		}
		return 0
	})
	return idx
}

// RandomOrder returns a random order of hw pixels drawn from seed: the
// reference a map's order must beat.
func RandomOrder(hw int, seed uint64) []int {
	return rand.New(rand.NewPCG(seed, 0x72616e64)).Perm(hw)
}

// DeletionInsertion computes the deletion and insertion curves of input x
// for class c under net, removing or adding pixels (every channel) in the
// given order in steps equal fractions (at least 1). Deletion sets pixels
// to 0; insertion starts from x blurred with σ = InsertionBlur per channel.
// The n+1 images of each curve run in batches in inference mode; net may be
// any model (a built-in network or an imported graph).
func DeletionInsertion(net nn.Model, x []float32, class int, order []int, steps int) (Curves, error) {
	in := net.Input()
	hw, sz := in.H*in.W, in.Size()
	switch {
	case len(x) != sz:
		return Curves{}, fmt.Errorf("sanity: input of %d values, want %v", len(x), in)
	case len(order) != hw:
		return Curves{}, fmt.Errorf("sanity: pixel order of %d, want %d", len(order), hw)
	case class < 0 || class >= net.Classes():
		return Curves{}, fmt.Errorf("sanity: class %d of %d", class, net.Classes())
	case steps < 1:
		return Curves{}, fmt.Errorf("sanity: %d steps", steps)
	}
	blurred := make([]float32, sz)
	for ch := 0; ch < in.C; ch++ {
		saliency.Blur(blurred[ch*hw:(ch+1)*hw], x[ch*hw:(ch+1)*hw], in.H, in.W, InsertionBlur)
	}
	n := steps + 1
	del := make([]float32, n*sz)
	ins := make([]float32, n*sz)
	for i := 0; i < n; i++ {
		k := (i*hw + steps/2) / steps // pixels changed at point i, rounded
		d, s := del[i*sz:(i+1)*sz], ins[i*sz:(i+1)*sz]
		copy(d, x)
		copy(s, blurred)
		for _, p := range order[:k] {
			for ch := 0; ch < in.C; ch++ {
				d[ch*hw+p] = 0
				s[ch*hw+p] = x[ch*hw+p]
			}
		}
	}
	c := Curves{Deletion: probs(net, del, n, class), Insertion: probs(net, ins, n, class)}
	c.DeletionAUC = metrics.CurveAUC(c.Deletion)
	c.InsertionAUC = metrics.CurveAUC(c.Insertion)
	return c, nil
}

// maxBatchValues bounds the activation values one forward batch of probs
// keeps (64 MB of float32), so that a large imported model runs a few
// images at a time.
const maxBatchValues = 1 << 24

// probs returns p_class of each of the n images in batch.
func probs(net nn.Model, batch []float32, n, class int) []float64 {
	k := net.Classes()
	out := make([]float64, n)
	chunk := min(32, max(1, maxBatchValues/max(1, net.ValuesPerExample())))
	sz := net.Input().Size()
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		f := net.Forward(batch[lo*sz:hi*sz], hi-lo, false)
		for b := 0; b < hi-lo; b++ {
			row := f[b*k : (b+1)*k]
			out[lo+b] = softmaxAt(row, class)
		}
	}
	return out
}
