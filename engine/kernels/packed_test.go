package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// packedProducts are MatMulPacked with A packed plainly (NN) and
// transposed (TN), with the default tile and with every tile of the build,
// as products checkProduct compares with the naive references.
var packedProducts = func() []product {
	packed := func(t *tile, trans bool) func(c, a, b []float32, m, k, n int) {
		return func(c, a, b []float32, m, k, n int) {
			var p PackedA
			if t == nil {
				p.Pack(a, m, k, trans)
			} else {
				p.pack(a, m, k, trans, *t)
			}
			MatMulPacked(c, &p, b, m, k, n)
		}
	}
	ps := []product{
		{"packed NN", packed(nil, false), MatMulNaive},
		{"packed TN", packed(nil, true), MatMulTNNaive},
	}
	for _, t := range append(append([]tile(nil), scalarTiles...), simdTiles...) {
		ps = append(ps,
			product{"packed NN/" + t.name, packed(&t, false), MatMulNaive},
			product{"packed TN/" + t.name, packed(&t, true), MatMulTNNaive})
	}
	return ps
}()

// TestMatMulPackedConformance checks the packed-A products against the
// naive ones on every small shape (full and edge tiles) and on shapes of
// several blocks of the shared dimension, with NaN guards around the
// operands (checkProduct).
func TestMatMulPackedConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 13, 16}
	for _, p := range packedProducts {
		for _, m := range sizes {
			for _, k := range sizes {
				for _, n := range sizes {
					checkProduct(t, rng, p, m, k, n)
				}
			}
		}
	}
	shapes := []struct{ m, k, n int }{
		{133, kcBlock + 3, 11}, {3, 2*kcBlock + 1, 4}, {64, 576, 49}, {147, 64, 37}, {9, 2 * kcBlock, 100},
	}
	for _, p := range packedProducts {
		for _, s := range shapes {
			checkProduct(t, rng, p, s.m, s.k, s.n)
		}
	}
}

// TestPackedAReuse packs one A and multiplies it by several B, then packs
// a smaller and a larger A into the same PackedA: each product must match
// the naive one for the A packed last, so stale panels left in reused
// storage, or a product that packs nothing, show up.
func TestPackedAReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var p PackedA
	for _, s := range []struct {
		m, k  int
		trans bool
	}{{37, kcBlock + 5, false}, {6, 9, true}, {70, 2*kcBlock + 3, true}, {5, 7, false}} {
		a := randSlice(rng, s.m*s.k)
		p.Pack(a, s.m, s.k, s.trans)
		if m, k := p.Dims(); m != s.m || k != s.k {
			t.Fatalf("Dims() = %d×%d, want %d×%d", m, k, s.m, s.k)
		}
		for _, n := range []int{1, 19, 2*ncBlock + 5} {
			b := randSlice(rng, s.k*n)
			got := randSlice(rng, s.m*n)
			want := append([]float32(nil), got...)
			if s.trans {
				MatMulTNNaive(want, a, b, s.m, s.k, n)
			} else {
				MatMulNaive(want, a, b, s.m, s.k, n)
			}
			MatMulPacked(got, &p, b, s.m, s.k, n)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i])))*math.Sqrt(float64(s.k)) {
					t.Fatalf("m=%d k=%d n=%d trans=%v: C[%d] = %v, want %v", s.m, s.k, n, s.trans, i, got[i], want[i])
				}
			}
		}
	}
}

// TestMatMulPackedPanics checks that a product whose dimensions differ
// from the packed A's, or with a short B, panics before any work.
func TestMatMulPackedPanics(t *testing.T) {
	var p PackedA
	p.Pack(make([]float32, 12), 3, 4, false)
	for _, tc := range []struct {
		name    string
		m, k, n int
		b       []float32
		want    string
	}{
		{"rows", 4, 3, 2, make([]float32, 8), errPackedDims},
		{"short B", 3, 4, 2, make([]float32, 7), errShortB},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("%s: recover() = %v, want %q", tc.name, r, tc.want)
				}
			}()
			MatMulPacked(make([]float32, tc.m*tc.n), &p, tc.b, tc.m, tc.k, tc.n)
		}()
	}
}

// BenchmarkPackedConv compares a convolution layer's products over a batch
// of images packing the filters for each image (MatMul) with packing them
// once (PackedA): ResNet-18's last 3×3 stage, 512 filters of 512×3×3 on
// 7×7 outputs, where packing costs most next to the product.
func BenchmarkPackedConv(b *testing.B) {
	const m, k, n, images = 512, 512 * 9, 49, 4
	rng := rand.New(rand.NewPCG(15, 16))
	w, col := randSlice(rng, m*k), randSlice(rng, k*n)
	c := make([]float32, m*n)
	b.Run("repack", func(b *testing.B) {
		for b.Loop() {
			for range images {
				MatMul(c, w, col, m, k, n)
			}
		}
	})
	b.Run("packed", func(b *testing.B) {
		var p PackedA
		for b.Loop() {
			p.Pack(w, m, k, false)
			for range images {
				MatMulPacked(c, &p, col, m, k, n)
			}
		}
	})
}
