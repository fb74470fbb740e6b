package metrics

import (
	"fmt"
	"math"
	"slices"
)

// The similarity of two saliency maps, for the model-parameter
// randomisation check (METHODS.md, "Does a map mean anything?"). Both follow
// the functions Quantus (Hedström et al. 2023) uses for
// ModelParameterRandomisation: quantus.similarity_func.correlation_spearman
// (scipy.stats.spearmanr) and quantus.similarity_func.ssim
// (skimage.metrics.structural_similarity with its defaults). Quantus'
// versions differ in SSIM's data range L: 0.5's ssim takes max − min over
// both maps, as here; the newest takes 1 when every value lies in [−1, 1]
// (else 255). For maps taken in absolute value and divided by their maximum
// (as the randomisation check compares them) the two agree whenever either
// map has a zero pixel.

// Spearman returns Spearman's rank correlation of a and b: the Pearson
// correlation of their ranks, tied values sharing their average rank (as
// scipy.stats.spearmanr). It returns NaN if either has fewer than two
// values or is constant, and panics if the lengths differ.
func Spearman(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: Spearman of %d and %d values", len(a), len(b)))
	}
	if len(a) < 2 {
		return math.NaN()
	}
	return pearson(averageRanks(a), averageRanks(b))
}

// averageRanks returns the 1-based ranks of x, ties averaged.
func averageRanks(x []float32) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		switch {
		case x[i] < x[j]:
			return -1
		case x[i] > x[j]:
			return 1
		}
		return i - j
	})
	r := make([]float64, len(x))
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && x[idx[hi]] == x[idx[lo]] {
			hi++
		}
		avg := float64(lo+hi+1) / 2 // mean of the ranks lo+1 .. hi
		for _, i := range idx[lo:hi] {
			r[i] = avg
		}
		lo = hi
	}
	return r
}

func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

// SSIMWindow is the side of the square window of SSIM (skimage's default).
const SSIMWindow = 7

// SSIM returns the mean structural similarity (Wang et al. 2004) of two h×w
// maps as skimage.metrics.structural_similarity computes it by default and
// Quantus calls it: a uniform 7×7 window, K1 = 0.01, K2 = 0.03, sample
// (co)variances (normalized by 48, not 49), C1 = (K1·L)², C2 = (K2·L)² with
// L = max − min over both maps, and the mean of the per-window index over
// every window that lies wholly inside the map (skimage computes it
// everywhere and then crops the 3-pixel border, which leaves the same
// windows). When L = 0 (both maps one and the same constant) it returns 1.
// It panics if the lengths differ from h·w or a side is below 7.
func SSIM(a, b []float32, h, w int) float64 {
	if len(a) != h*w || len(b) != h*w {
		panic(fmt.Sprintf("metrics: SSIM of %d and %d values for %d×%d", len(a), len(b), h, w))
	}
	if h < SSIMWindow || w < SSIMWindow {
		panic(fmt.Sprintf("metrics: SSIM of %d×%d maps, smaller than its %d×%d window", h, w, SSIMWindow, SSIMWindow))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range a {
		lo = min(lo, float64(a[i]), float64(b[i]))
		hi = max(hi, float64(a[i]), float64(b[i]))
	}
	L := hi - lo
	if L == 0 {
		return 1
	}
	const k1, k2 = 0.01, 0.03
	c1, c2 := (k1*L)*(k1*L), (k2*L)*(k2*L)
	const np = SSIMWindow * SSIMWindow
	covNorm := float64(np) / float64(np-1)
	var sum float64
	var count int
	for y0 := 0; y0+SSIMWindow <= h; y0++ {
		for x0 := 0; x0+SSIMWindow <= w; x0++ {
			var sa, sb, saa, sbb, sab float64
			for y := y0; y < y0+SSIMWindow; y++ {
				for x := x0; x < x0+SSIMWindow; x++ {
					va, vb := float64(a[y*w+x]), float64(b[y*w+x])
					sa += va
					sb += vb
					saa += va * va
					sbb += vb * vb
					sab += va * vb
				}
			}
			ua, ub := sa/np, sb/np
			va := covNorm * (saa/np - ua*ua)
			vb := covNorm * (sbb/np - ub*ub)
			vab := covNorm * (sab/np - ua*ub)
			sum += ((2*ua*ub + c1) * (2*vab + c2)) / ((ua*ua + ub*ub + c1) * (va + vb + c2))
			count++
		}
	}
	return sum / float64(count)
}

// CurveAUC returns the area under a curve sampled at n+1 evenly spaced
// points of [0, 1] (y[0] at 0, y[n] at 1) by the trapezoid rule: the mean
// height of the curve, in y's units. It returns NaN for fewer than two
// points.
func CurveAUC(y []float64) float64 {
	if len(y) < 2 {
		return math.NaN()
	}
	var s float64
	for i := 1; i < len(y); i++ {
		s += (y[i-1] + y[i]) / 2
	}
	return s / float64(len(y)-1)
}
