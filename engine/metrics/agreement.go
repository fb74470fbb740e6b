package metrics

import (
	"cmp"
	"math"
	"slices"
)

// Agreement holds the agreement scores between one saliency map S and one
// mask M (METHODS.md). B is the top-k binarisation of S with k = |M|, the
// mask area:
//
//	IoU           = |B∩M| / |B∪M|
//	IoP           = |B∩M| / |B|     (intersection over prediction)
//	IoT           = |B∩M| / |M|     (intersection over target)
//	RelevanceMass = Σ_{p∈M} |S_p| / Σ_p |S_p|
//	Pointing      = argmax_p S_p ∈ M
//
// Because |B| = |M| = k, IoP and IoT are always equal and
// IoU = i/(2k−i) with i = |B∩M|; all three are kept for readability.
type Agreement struct {
	IoU, IoP, IoT, RelevanceMass float64
	Pointing                     bool
}

// AgreementMean is the mean of Agreement over N images. Pointing is the
// fraction of images whose argmax lies inside the mask. With N == 0 every
// field is zero.
type AgreementMean struct {
	IoU, IoP, IoT, RelevanceMass, Pointing float64
	N                                      int
}

// inside reports whether a mask value counts as inside the region of interest.
func inside(m float32) bool { return m > 0.5 }

// salientFirst orders pixel indices by decreasing saliency, NaN last, ties by
// increasing index: a strict total order, so sorting is deterministic.
func salientFirst(s []float32) func(a, b int) int {
	return func(a, b int) int {
		va, vb := s[a], s[b]
		na, nb := va != va, vb != vb
		switch {
		case na && !nb:
			return 1
		case nb && !na:
			return -1
		case !na && va > vb:
			return -1
		case !na && va < vb:
			return 1
		}
		return cmp.Compare(a, b)
	}
}

// rankPixels fills idx[:len(s)] with the pixel indices of s sorted most
// salient first and returns that prefix. It allocates only when
// len(idx) < len(s).
func rankPixels(s []float32, idx []int) []int {
	if len(idx) < len(s) {
		idx = make([]int, len(s))
	}
	idx = idx[:len(s)]
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, salientFirst(s))
	return idx
}

// TopKMask sets dst[p] to true for the k most salient pixels of s and to
// false for the others. Saliency is ranked by value (pass |S| for signed
// maps); ties are broken by lower index first and NaN values rank last.
// scratch is workspace; if len(scratch) >= len(s) TopKMask does not allocate.
// k is clamped to [0, len(s)].
//
// TopKMask panics if len(dst) != len(s).
func TopKMask(dst []bool, s []float32, k int, scratch []int) {
	if len(dst) != len(s) {
		panic("metrics: TopKMask: len(dst) != len(s)")
	}
	k = max(0, min(k, len(s)))
	idx := rankPixels(s, scratch)
	clear(dst)
	for _, p := range idx[:k] {
		dst[p] = true
	}
}

// Agree computes the Agreement between saliency map s and mask m, both H×W
// flat, with k = |M| = the number of mask values > 0.5 (see Agreement).
// Binarisation and pointing use the raw values of s (ties by lower index, NaN
// last; the pointing pixel is the first pixel of the top-k ranking); the
// relevance mass uses |s|. When Σ|s| = 0 the relevance mass is 0.
//
// ok is false, and the Agreement zero, when the mask is empty: the scores are
// undefined there and METHODS.md excludes such images from averages.
//
// Agree allocates one index buffer of len(s); MeanAgreement reuses it across
// images. It panics if len(s) != len(m).
func Agree(s, m []float32) (a Agreement, ok bool) {
	if len(s) != len(m) {
		panic("metrics: Agree: len(s) != len(mask)")
	}
	return agree(s, m, nil)
}

func agree(s, m []float32, scratch []int) (Agreement, bool) {
	k := 0
	var in, total float64
	for p, v := range m {
		a := math.Abs(float64(s[p]))
		total += a
		if inside(v) {
			k++
			in += a
		}
	}
	if k == 0 {
		return Agreement{}, false
	}
	idx := rankPixels(s, scratch)
	inter := 0
	for _, p := range idx[:k] {
		if inside(m[p]) {
			inter++
		}
	}
	var a Agreement
	i, kf := float64(inter), float64(k)
	a.IoU = i / (2*kf - i) // |B∪M| = |B| + |M| − |B∩M| with |B| = |M| = k
	a.IoP = i / kf
	a.IoT = i / kf
	if total > 0 {
		a.RelevanceMass = in / total
	} else if total != total {
		a.RelevanceMass = math.NaN()
	}
	a.Pointing = inside(m[idx[0]])
	return a, true
}

// MeanAgreement averages Agree over n images. s and masks hold n maps of hw
// pixels each. Following METHODS.md, averages are over images whose class is
// positive and whose mask is non-empty: images with an empty mask are always
// skipped, and if include is non-nil, image i is skipped unless include(i)
// is true (use it to keep only positive-class images). The result's N says
// how many images were averaged.
//
// MeanAgreement panics if len(s) or len(masks) != n*hw.
func MeanAgreement(s, masks []float32, n, hw int, include func(i int) bool) AgreementMean {
	if n < 0 || hw < 0 || len(s) != n*hw || len(masks) != n*hw {
		panic("metrics: MeanAgreement: len(s) or len(masks) != n*hw")
	}
	var r AgreementMean
	scratch := make([]int, hw)
	for i := range n {
		if include != nil && !include(i) {
			continue
		}
		a, ok := agree(s[i*hw:(i+1)*hw], masks[i*hw:(i+1)*hw], scratch)
		if !ok {
			continue
		}
		r.N++
		r.IoU += a.IoU
		r.IoP += a.IoP
		r.IoT += a.IoT
		r.RelevanceMass += a.RelevanceMass
		if a.Pointing {
			r.Pointing++
		}
	}
	if r.N > 0 {
		f := float64(r.N)
		r.IoU /= f
		r.IoP /= f
		r.IoT /= f
		r.RelevanceMass /= f
		r.Pointing /= f
	}
	return r
}
