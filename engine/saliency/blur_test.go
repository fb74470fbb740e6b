package saliency

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nn"
)

// blurNaive is the direct 2-D reference for Blur: a truncated Gaussian over
// the in-image taps, renormalized by their total weight.
func blurNaive(src []float32, h, w int, sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	out := make([]float32, h*w)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			var acc, norm float64
			for y := max(0, i-r); y <= min(h-1, i+r); y++ {
				for x := max(0, j-r); x <= min(w-1, j+r); x++ {
					dy, dx := float64(y-i), float64(x-j)
					k := math.Exp(-dy*dy/(2*sigma*sigma)) * math.Exp(-dx*dx/(2*sigma*sigma))
					acc += k * float64(src[y*w+x])
					norm += k
				}
			}
			out[i*w+j] = float32(acc / norm)
		}
	}
	return out
}

func TestBlurMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(40, 41))
	for _, tc := range []struct {
		h, w  int
		sigma float64
	}{{7, 9, 1}, {12, 5, 0.6}, {10, 10, 2.5}, {6, 4, 5}, {1, 8, 1.3}} {
		src := randImage(rng, nn.Shape{C: 1, H: tc.h, W: tc.w})
		orig := slices.Clone(src)
		got := make([]float32, len(src))
		Blur(got, src, tc.h, tc.w, tc.sigma)
		closeTo(t, "blur", got, blurNaive(src, tc.h, tc.w, tc.sigma), 1e-5)
		if !slices.Equal(src, orig) {
			t.Errorf("%d×%d σ=%g: Blur modified src", tc.h, tc.w, tc.sigma)
		}
		// In place gives the same result.
		Blur(src, src, tc.h, tc.w, tc.sigma)
		if !slices.Equal(src, got) {
			t.Errorf("%d×%d σ=%g: in-place Blur differs", tc.h, tc.w, tc.sigma)
		}
	}
}

func TestBlurConstant(t *testing.T) {
	for _, sigma := range []float64{0.3, 1, 2, 5, 40} {
		const h, w, v = 9, 13, 3.7
		src := make([]float32, h*w)
		for i := range src {
			src[i] = v
		}
		dst := make([]float32, h*w)
		Blur(dst, src, h, w, sigma)
		for i, got := range dst {
			if math.Abs(float64(got)-v) > 1e-5 {
				t.Fatalf("σ=%g: constant %g became %g at %d", sigma, v, got, i)
			}
		}
		if s := sum(dst); math.Abs(s-v*h*w) > 1e-5*h*w {
			t.Errorf("σ=%g: sum %g, want %g", sigma, s, v*h*w)
		}
	}
}

func TestBlurIdentityAtZero(t *testing.T) {
	src := randImage(rand.New(rand.NewPCG(42, 43)), nn.Shape{C: 1, H: 5, W: 6})
	for _, sigma := range []float64{0, -1, math.NaN()} {
		dst := make([]float32, len(src))
		Blur(dst, src, 5, 6, sigma)
		if !slices.Equal(dst, src) {
			t.Errorf("σ=%g: Blur is not the identity", sigma)
		}
	}
}

// TestBlurDelta checks that a centred delta spreads with the symmetries of
// the square, keeps its mass, and peaks where it was.
func TestBlurDelta(t *testing.T) {
	const n, c = 15, 7
	src := make([]float32, n*n)
	src[c*n+c] = 1
	dst := make([]float32, n*n)
	Blur(dst, src, n, n, 1)
	at := func(i, j int) float32 { return dst[i*n+j] }
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := at(i, j)
			for _, m := range []float32{at(j, i), at(n-1-i, j), at(i, n-1-j), at(n-1-i, n-1-j)} {
				if math.Abs(float64(m-v)) > 1e-7 {
					t.Fatalf("delta blur not symmetric at (%d,%d): %g vs %g", i, j, v, m)
				}
			}
			if v > at(c, c) {
				t.Fatalf("delta blur peaks at (%d,%d), not the centre", i, j)
			}
		}
	}
	if at(c, c+1) <= 0 || at(c, c+1) >= at(c, c) {
		t.Errorf("delta did not spread: centre %g, neighbour %g", at(c, c), at(c, c+1))
	}
	// The kernel reaches ⌈3σ⌉ = 3 pixels, and every pixel the delta reaches
	// has its whole kernel inside the image (7 ± 6), so no weight is
	// renormalized and the mass stays 1.
	if s := sum(dst); math.Abs(s-1) > 1e-6 {
		t.Errorf("delta mass %g, want 1", s)
	}
	if at(c, c+4) != 0 || at(c+4, c) != 0 {
		t.Errorf("taps beyond the 3σ truncation: %g, %g", at(c, c+4), at(c+4, c))
	}
}

func TestBlurPanicsOnBadSizes(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Blur with a short dst did not panic")
		}
	}()
	Blur(make([]float32, 5), make([]float32, 6), 2, 3, 1)
}
