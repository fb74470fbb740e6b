package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The fused activations must give bit for bit what the unfused kernel
// followed by the activation's own pass gives. The operands below are small
// integers, so every sum is exact whatever order a kernel adds in, and many
// outputs land exactly on ReLU6's bounds 0 and 6, where an off-by-one
// comparison would show.

// smallInts returns n integers in [-r, r] as float32.
func smallInts(rng *rand.Rand, n, r int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.IntN(2*r+1) - r)
	}
	return s
}

// fusedActs are the activations the tests fuse: none, ReLU, ReLU6, and a
// clamp with bounds that are not integers.
var fusedActs = []Activation{{}, ReLU(), Clamp(0, 6), Clamp(-1.5, 2.5)}

// applyNaive returns act applied to a copy of y by the reference kernels.
func applyNaive(act Activation, y []float32) []float32 {
	out := append([]float32(nil), y...)
	switch act.Kind {
	case ActReLU:
		ReLUToNaive(out, y)
	case ActClamp:
		ClampToNaive(out, y, act.Lo, act.Hi)
	}
	return out
}

// sameAs fails unless got[:len(want)] equals want bit for bit and got's NaN
// guard past it is untouched; it returns how many values of want are 0 and 6.
func sameAs(t *testing.T, what string, got, want []float32) (zeros, sixes int) {
	t.Helper()
	for i, v := range want {
		if math.Float32bits(got[i]) != math.Float32bits(v) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], v)
		}
		switch v {
		case 0:
			zeros++
		case 6:
			sixes++
		}
	}
	for i := len(want); i < len(got); i++ {
		if !math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: wrote past the buffer at %d", what, i)
		}
	}
	return zeros, sixes
}

// TestMatMulPackedBias checks C = act(bias + A·B), C's old values (NaN)
// never read, against FillRows, MatMulNaive and the activation's reference
// on integers, bit for bit, for every tile of the build; and, on random
// values, against FillRows, MatMulPacked and Apply, bit for bit. The shapes have edge tiles in both
// directions, several column blocks, several blocks of the shared
// dimension (where the bias must go in the first and the activation wait
// for the last) and k = 0.
func TestMatMulPackedBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	shapes := []struct{ m, k, n int }{
		{1, 1, 1}, {4, 3, 8}, {5, 7, 13}, {13, 16, 2*ncBlock + 5}, {96, 24, 49}, {9, 2*kcBlock + 3, 37}, {6, 0, 5},
	}
	var zeros, sixes int
	for _, tl := range append(append([]tile(nil), scalarTiles...), simdTiles...) {
		for _, s := range shapes {
			a, b := smallInts(rng, s.m*s.k, 2), smallInts(rng, s.k*s.n, 2)
			ar, br := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n)
			var p, pr PackedA
			p.pack(a, s.m, s.k, false, tl)
			pr.pack(ar, s.m, s.k, false, tl)
			for _, act := range fusedActs {
				for _, withBias := range []bool{false, true} {
					var bias, biasR []float32
					if withBias {
						bias, biasR = smallInts(rng, s.m, 4), randSlice(rng, s.m)
					}
					name := fmt.Sprintf("MatMulPackedBias %s %+v %+v bias=%v", tl.name, s, act, withBias)
					sum := make([]float32, s.m*s.n)
					FillRows(sum, bias, s.m, s.n)
					MatMulNaive(sum, a, b, s.m, s.k, s.n)
					want := applyNaive(act, sum)
					got := withGuard(nil, s.m*s.n+3)
					MatMulPackedBias(got, &p, b, s.m, s.k, s.n, bias, act)
					z, six := sameAs(t, name, got, want)
					if act == Clamp(0, 6) {
						zeros, sixes = zeros+z, sixes+six
					}

					want = make([]float32, s.m*s.n)
					FillRows(want, biasR, s.m, s.n)
					MatMulPacked(want, &pr, br, s.m, s.k, s.n)
					act.Apply(want)
					got = withGuard(nil, s.m*s.n+3)
					MatMulPackedBias(got, &pr, br, s.m, s.k, s.n, biasR, act)
					sameAs(t, name+" (random, against the unfused path)", got, want)
				}
			}
		}
	}
	if zeros == 0 || sixes == 0 {
		t.Fatalf("ReLU6 outputs on the bounds: %d zeros, %d sixes; the test does not reach them", zeros, sixes)
	}
}

// TestDepthwiseConvBiasAct checks y = act(bias + depthwise taps) against
// the naive depthwise convolution and the activation's reference on
// integers, and against the kernel without act followed by Apply on random
// values, bit for bit, on the 3×3 stride-1 and stride-2 kernels (vector
// widths with and without an overlapping last group, and scalar ones) and
// the general path.
func TestDepthwiseConvBiasAct(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	gs := []ConvGeom{
		NewConvGeom(3, 9, 13, 3, 3, 1, 1), NewConvGeom(2, 3, 3, 3, 3, 1, 1), NewConvGeom(4, 14, 14, 3, 3, 2, 1),
		NewConvGeom(2, 9, 7, 3, 3, 2, 1), NewConvGeom(3, 15, 15, 5, 5, 2, 2), NewConvGeom(2, 7, 7, 3, 3, 1, 1),
	}
	var zeros, sixes int
	for _, g := range gs {
		x, w := smallInts(rng, g.C*g.H*g.W, 2), smallInts(rng, g.C*g.KH*g.KW, 1)
		bias := smallInts(rng, g.C, 3)
		for _, act := range fusedActs {
			sum := make([]float32, g.C*g.OH*g.OW)
			for c := 0; c < g.C; c++ {
				for i := range g.OH * g.OW {
					sum[c*g.OH*g.OW+i] = bias[c]
				}
			}
			DepthwiseConvNaive(sum, x, w, g)
			want := applyNaive(act, sum)
			got := withGuard(smallInts(rng, len(sum), 9), 3)
			DepthwiseConvBias(got, x, w, bias, g, act)
			name := fmt.Sprintf("DepthwiseConvBias %+v %+v", g, act)
			z, six := sameAs(t, name, got, want)
			if act == Clamp(0, 6) {
				zeros, sixes = zeros+z, sixes+six
			}

			xr, wr, br := randSlice(rng, len(x)), randSlice(rng, len(w)), randSlice(rng, len(bias))
			want = withGuard(nil, len(sum)+3)
			DepthwiseConvBias(want, xr, wr, br, g, Activation{})
			act.Apply(want[:len(sum)])
			got = withGuard(nil, len(sum)+3)
			DepthwiseConvBias(got, xr, wr, br, g, act)
			sameAs(t, name+" (random, against the unfused path)", got, want[:len(sum)])
		}
	}
	if zeros == 0 || sixes == 0 {
		t.Fatalf("ReLU6 outputs on the bounds: %d zeros, %d sixes; the test does not reach them", zeros, sixes)
	}
}

// TestActivationApply checks Apply against the references on special
// values (NaN, infinities, signed zeros, the bounds themselves).
func TestActivationApply(t *testing.T) {
	y := []float32{0, float32(math.Copysign(0, -1)), 6, -6, 5.5, 7, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e-30, -1e-30}
	for _, act := range fusedActs {
		got := append([]float32(nil), y...)
		act.Apply(got)
		want := applyNaive(act, y)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v.Apply: [%d] %v gives %v, want %v", act, i, y[i], got[i], want[i])
			}
		}
	}
}
