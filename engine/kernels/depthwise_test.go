package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// closeTo fails t unless got matches want within tol·max|want| at every
// index and got's NaN guard past len(want) is untouched.
func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i, v := range want {
		if d := math.Abs(float64(got[i] - v)); !(d <= tol*scale) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], v)
		}
	}
	for i := len(want); i < len(got); i++ {
		if !math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: wrote past the buffer at %d", what, i)
		}
	}
}

// TestDepthwiseConformance compares the three depthwise kernels with their
// naive references on every geometry of convGeoms and MobileNet's and
// EfficientNet's own (3×3 and 5×5, strides 1 and 2), accumulating into
// non-zero buffers with NaN guards past them. Dot's and the SIMD Axpy's
// sums round differently from the naive loops', hence the tolerance.
func TestDepthwiseConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	gs := append(convGeoms(),
		NewConvGeom(4, 28, 28, 3, 3, 2, 1), NewConvGeom(3, 14, 14, 5, 5, 1, 2),
		NewConvGeom(3, 15, 15, 5, 5, 2, 2), NewConvGeom(2, 7, 7, 3, 3, 1, 1),
		NewConvGeom(3, 2, 5, 3, 3, 1, 1), NewConvGeom(2, 3, 13, 3, 3, 1, 1), NewConvGeom(2, 9, 3, 3, 3, 1, 1),
		NewConvGeom(3, 9, 13, 3, 3, 2, 1), NewConvGeom(2, 14, 14, 3, 3, 2, 1), NewConvGeom(2, 15, 15, 3, 3, 2, 1),
		NewConvGeom(2, 2, 2, 3, 3, 2, 1), NewConvGeom(2, 1, 9, 3, 3, 2, 1))
	for _, g := range gs {
		name := fmt.Sprintf("%+v", g)
		x := randSlice(rng, g.C*g.H*g.W)
		w := randSlice(rng, g.C*g.KH*g.KW)
		dy := randSlice(rng, g.C*g.OH*g.OW)
		y0 := randSlice(rng, len(dy))
		dx0 := randSlice(rng, len(x))
		dw0 := randSlice(rng, len(w))

		want := append([]float32(nil), y0...)
		DepthwiseConvNaive(want, x, w, g)
		got := withGuard(y0, 3)
		DepthwiseConv(got, x, w, g)
		closeTo(t, "DepthwiseConv "+name, got, want, 1e-5)

		bias := randSlice(rng, g.C)
		want = make([]float32, len(dy))
		for c := 0; c < g.C; c++ {
			for i := range g.OH * g.OW {
				want[c*g.OH*g.OW+i] = bias[c]
			}
		}
		DepthwiseConvNaive(want, x, w, g)
		got = withGuard(y0, 3)
		DepthwiseConvBias(got, x, w, bias, g, Activation{})
		closeTo(t, "DepthwiseConvBias "+name, got, want, 1e-5)
		want = make([]float32, len(dy))
		DepthwiseConvNaive(want, x, w, g)
		got = withGuard(y0, 3)
		DepthwiseConvBias(got, x, w, nil, g, Activation{})
		closeTo(t, "DepthwiseConvBias without bias "+name, got, want, 1e-5)

		want = append([]float32(nil), dx0...)
		DepthwiseConvBackInputNaive(want, dy, w, g)
		got = withGuard(dx0, 3)
		DepthwiseConvBackInput(got, dy, w, g)
		closeTo(t, "DepthwiseConvBackInput "+name, got, want, 1e-5)

		want = append([]float32(nil), dw0...)
		DepthwiseConvBackWeightNaive(want, dy, x, g)
		got = withGuard(dw0, 3)
		DepthwiseConvBackWeight(got, dy, x, g)
		closeTo(t, "DepthwiseConvBackWeight "+name, got, want, 1e-5)
	}
	for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 100} {
		a, b := randSlice(rng, n), randSlice(rng, n)
		if got, want := Dot(a, b), DotNaive(a, b); math.Abs(float64(got-want)) > 1e-5*float64(n+1) {
			t.Fatalf("Dot n=%d = %v, want %v", n, got, want)
		}
	}
}

// TestMaxPoolConformance compares MaxPool with its reference on every
// geometry of convGeoms, ResNet's 3×3 stride-2 pool and 2×2 stride-2 pools
// (MaxPool2x2's loops, with and without a scalar tail), with ties, NaN and
// infinities in x and NaN guards past y and arg.
func TestMaxPoolConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, g := range append(convGeoms(), NewConvGeom(4, 112, 112, 3, 3, 2, 1), NewConvGeom(2, 9, 8, 2, 2, 2, 0),
		NewConvGeom(3, 18, 23, 2, 2, 2, 0), NewConvGeom(3, 8, 16, 2, 2, 2, 0)) {
		x := specialValues(rng, g.C*g.H*g.W)
		for i := range x { // ties
			if rng.IntN(4) == 0 {
				x[i] = 0.5
			}
		}
		n := g.C * g.OH * g.OW
		wantY, wantA := make([]float32, n), make([]int32, n)
		MaxPoolNaive(wantY, wantA, x, g)
		gotY, gotA := withGuard(nil, n+3), make([]int32, n+3)
		MaxPool(gotY, gotA, x, g)
		for i := 0; i < n; i++ {
			if !sameBits(gotY[i], wantY[i]) || gotA[i] != wantA[i] {
				t.Fatalf("MaxPool %+v: [%d] = %v at %d, want %v at %d", g, i, gotY[i], gotA[i], wantY[i], wantA[i])
			}
		}
		for i := n; i < len(gotY); i++ {
			if !math.IsNaN(float64(gotY[i])) || gotA[i] != 0 {
				t.Fatalf("MaxPool %+v: wrote past y or arg at %d", g, i)
			}
		}
	}
}
