// Package nntest holds helpers shared by the engine's gradient tests: central
// finite differences, tensor comparisons that report the worst element
// (in the spirit of llm.c's check_tensor), and float64 reference 3×3
// convolutions for the fast kernels' tests.
package nntest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// NumGrad returns the central finite-difference gradient of f with respect to
// every element of x: (f(x+εeᵢ) − f(x−εeᵢ)) / 2ε. x is restored afterwards.
func NumGrad(f func() float64, x []float32, eps float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		orig := x[i]
		x[i] = orig + float32(eps)
		plus := f()
		x[i] = orig - float32(eps)
		minus := f()
		x[i] = orig
		// Divide by the step actually taken in float32.
		step := float64(orig+float32(eps)) - float64(orig-float32(eps))
		g[i] = (plus - minus) / step
	}
	return g
}

// Rand returns n standard normal values from rng.
func Rand(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// RelErr returns ‖got − want‖ / max(‖want‖, floor), the largest absolute
// difference and its index.
func RelErr(got []float32, want []float64, floor float64) (rel, maxAbs float64, at int) {
	var diff, norm float64
	at = -1
	for i := range want {
		d := float64(got[i]) - want[i]
		diff += d * d
		norm += want[i] * want[i]
		if a := math.Abs(d); a > maxAbs || math.IsNaN(d) {
			maxAbs, at = a, i
		}
	}
	return math.Sqrt(diff) / math.Max(math.Sqrt(norm), floor), maxAbs, at
}

// Check fails t when got and want differ by more than tol in relative norm
// (‖got−want‖/‖want‖, with ‖want‖ floored at 0.1 so that a gradient that is
// truly zero is compared in absolute terms, where float32 finite differences
// leave noise of about 1e-4), reporting the worst element. It also fails on a length mismatch or when want is all zeros while
// got is not (a vanished gradient must not pass by accident).
func Check(t testing.TB, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	rel, maxAbs, at := RelErr(got, want, 0.1)
	if rel > tol || math.IsNaN(rel) {
		t.Errorf("%s: relative error %.3g > %.3g; worst at %d: got %.6g want %.6g (|diff| %.3g)",
			name, rel, tol, at, got[at], want[at], maxAbs)
	}
}

// Dot returns Σ a·b in float64.
func Dot(a []float32, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// NumGradSmooth is NumGrad for piecewise-smooth functions (ReLU, max pool,
// |·|). Besides the central difference it compares the forward and backward
// one-sided differences; where they disagree by more than tol (relative to
// the larger, with an absolute floor of atol) the function has a kink within
// ε of x and ok[i] is false, so the caller can leave that element out of the
// comparison rather than compare against a meaningless value.
func NumGradSmooth(f func() float64, x []float32, eps, tol, atol float64) (g []float64, ok []bool) {
	g = make([]float64, len(x))
	ok = make([]bool, len(x))
	f0 := f()
	for i := range x {
		orig := x[i]
		x[i] = orig + float32(eps)
		plus := f()
		x[i] = orig - float32(eps)
		minus := f()
		x[i] = orig
		hp := float64(orig+float32(eps)) - float64(orig)
		hm := float64(orig) - float64(orig-float32(eps))
		fwd, bwd := (plus-f0)/hp, (f0-minus)/hm
		g[i] = (plus - minus) / (hp + hm)
		ok[i] = math.Abs(fwd-bwd) <= tol*math.Max(math.Abs(fwd), math.Abs(bwd))+atol
	}
	return g, ok
}

// CheckWhere is Check restricted to the elements where ok is true. It fails
// if fewer than minFrac of the elements are kept, so a check cannot pass by
// leaving everything out.
func CheckWhere(t testing.TB, name string, got []float32, want []float64, ok []bool, tol, minFrac float64) {
	t.Helper()
	var g []float32
	var w []float64
	for i, keep := range ok {
		if keep {
			g = append(g, got[i])
			w = append(w, want[i])
		}
	}
	if float64(len(g)) < minFrac*float64(len(ok)) {
		t.Errorf("%s: only %d of %d elements are away from kinks; want at least %.0f%%", name, len(g), len(ok), 100*minFrac)
		return
	}
	Check(t, name, g, w, tol)
}

// Conv3x3 returns the float64 direct convolution of n images x (n×C×H×W)
// with w (OC×C×3×3), stride st, padding p on every side: the reference the
// fast convolution kernels are measured against.
func Conv3x3(x, w []float32, n, c, oc, h, wd, st, p int) []float64 {
	oh, ow := (h+2*p-3)/st+1, (wd+2*p-3)/st+1
	y := make([]float64, n*oc*oh*ow)
	for e := 0; e < n; e++ {
		for o := 0; o < oc; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var s float64
					for ci := 0; ci < c; ci++ {
						for ki := 0; ki < 3; ki++ {
							for kj := 0; kj < 3; kj++ {
								ii, jj := st*i-p+ki, st*j-p+kj
								if ii >= 0 && ii < h && jj >= 0 && jj < wd {
									s += float64(w[((o*c+ci)*3+ki)*3+kj]) * float64(x[((e*c+ci)*h+ii)*wd+jj])
								}
							}
						}
					}
					y[((e*oc+o)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y
}

// Conv3x3BackInput returns Conv3x3's float64 input gradient from dy
// (n×OC×OH×OW): dx[e,c,ii,jj] = Σ dy[e,o,i,j]·w[o,c,ki,kj] over
// ii = st·i−p+ki, jj = st·j−p+kj.
func Conv3x3BackInput(dy, w []float32, n, c, oc, h, wd, st, p int) []float64 {
	oh, ow := (h+2*p-3)/st+1, (wd+2*p-3)/st+1
	dx := make([]float64, n*c*h*wd)
	for e := 0; e < n; e++ {
		for o := 0; o < oc; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					d := float64(dy[((e*oc+o)*oh+i)*ow+j])
					for ci := 0; ci < c; ci++ {
						for ki := 0; ki < 3; ki++ {
							for kj := 0; kj < 3; kj++ {
								ii, jj := st*i-p+ki, st*j-p+kj
								if ii >= 0 && ii < h && jj >= 0 && jj < wd {
									dx[((e*c+ci)*h+ii)*wd+jj] += d * float64(w[((o*c+ci)*3+ki)*3+kj])
								}
							}
						}
					}
				}
			}
		}
	}
	return dx
}
