package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// The filter transforms as they were before winogradPack, kept as the
// reference its packed U must equal bit for bit: F(4×4, 3×3)'s row by row
// in float64 with the full matrix G (F(2×2, 3×3)'s is winogradRowTo,
// which WinogradWeightsTo still uses), each row packed by Pack.

// winoG4 is G for F(4×4, 3×3).
var winoG4 = [6][3]float64{
	{1, 0, 0},
	{1.0 / 3, 1.0 / 3, 1.0 / 3},
	{-1.0 / 3, 1.0 / 3, -1.0 / 3},
	{-16.0 / 15, -8.0 / 15, -4.0 / 15},
	{1.0 / 15, -2.0 / 15, 4.0 / 15},
	{0, 0, 1},
}

// winograd4RowTo writes row i of the transforms G g Gᵀ (6×6) of the filters
// w (OC×C×3×3), positions 6i … 6i+5, into u: u[j·OC·C + p] is position 6i+j
// of filter p. With rot it transforms each filter rotated by 180° (the
// input gradient's).
func winograd4RowTo(u, w []float32, oc, c, i int, rot bool) {
	S := oc * c
	u = u[:6*S]
	w = w[:9*S]
	gi := &winoG4[i]
	for p := 0; p < S; p++ {
		var g [9]float64
		for k, v := range w[p*9 : p*9+9] {
			if rot {
				k = 8 - k
			}
			g[k] = float64(v)
		}
		// Row i of t = G g (6×3), then row i of U = t Gᵀ.
		var t [3]float64
		for col := 0; col < 3; col++ {
			t[col] = gi[0]*g[col] + gi[1]*g[3+col] + gi[2]*g[6+col]
		}
		for j := 0; j < 6; j++ {
			gj := &winoG4[j]
			u[j*S+p] = float32(t[0]*gj[0] + t[1]*gj[1] + t[2]*gj[2])
		}
	}
}

// winogradPackRef is winogradPack by the reference, as
// WinogradWeights.pack was: winogradRowTo or winograd4RowTo one row of
// positions at a time into a scratch matrix, each position packed.
func winogradPackRef(p []PackedA, w []float32, oc, c, m int, back bool) []PackedA {
	S := oc * c
	a := m + 2
	if len(p) != a*a {
		p = make([]PackedA, a*a)
	}
	u := make([]float32, a*S)
	for r := 0; r < a; r++ {
		if m == 4 {
			winograd4RowTo(u, w, oc, c, r, back)
		} else {
			winogradRowTo(u, w, oc, c, r)
		}
		for j := 0; j < a; j++ {
			uj := u[j*S : (j+1)*S]
			switch {
			case back && m == 2: // position (r, j) is the rotated filters' (σ(r), σ(j))
				p[4*sigma[r]+sigma[j]].Pack(uj, c, oc, true)
			case back: // the rotated filters' own transform
				p[a*r+j].Pack(uj, c, oc, true)
			default:
				p[a*r+j].Pack(uj, oc, c, false)
			}
		}
	}
	return p
}

// specialFilters returns oc·c·9 filter values, random normals mixed with
// the values a transform could mishandle: ±0, ±Inf, NaN, denormals, the
// largest and smallest normals and values whose products overflow.
func specialFilters(rng *rand.Rand, n int) []float32 {
	special := []float32{
		0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(0x7fc12345), math.Float32frombits(0xffa00001),
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-40, -3e-39,
		math.MaxFloat32, -math.MaxFloat32, 1.1754944e-38, 1, -1, 3, 1.0 / 3,
	}
	w := make([]float32, n)
	for i := range w {
		switch rng.IntN(4) {
		case 0:
			w[i] = special[rng.IntN(len(special))]
		case 1: // filters of zeros of either sign, with the odd special value
			w[i] = float32(math.Copysign(0, float64(rng.IntN(2)*2-1)))
		default:
			w[i] = float32(rng.NormFloat64())
		}
	}
	return w
}

// TestWinogradPackSameBits checks that winogradPack's packed U, both tile
// sizes, forward and input gradient, has the same bits as the reference
// transform's, over
// random filters with zeros of both signs, infinities, NaNs and denormals,
// at channel counts that leave partial register panels and kc blocks, into
// fresh and reused storage.
func TestWinogradPackSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 4))
	for _, d := range []struct{ oc, c, m int }{
		{1, 1, 4}, {3, 5, 4}, {4, 4, 4}, {7, 2, 4}, {2, 9, 4}, {13, 300, 4}, {300, 6, 4}, {261, 259, 4},
		{1, 1, 2}, {3, 5, 2}, {4, 4, 2}, {7, 2, 2}, {13, 300, 2}, {261, 259, 2},
	} {
		w := specialFilters(rng, d.oc*d.c*9)
		for _, back := range []bool{false, true} {
			want := winogradPackRef(nil, w, d.oc, d.c, d.m, back)
			got := winogradPack(nil, w, d.oc, d.c, d.m, back)
			reused := winogradPack(winogradPack(nil, specialFilters(rng, len(w)), d.oc, d.c, d.m, !back), w, d.oc, d.c, d.m, back)
			for xi := range want {
				for _, g := range []*PackedA{&got[xi], &reused[xi]} {
					if g.m != want[xi].m || g.k != want[xi].k || g.t.name != want[xi].t.name {
						t.Fatalf("F(%d) %d×%d back=%v position %d: shape %d×%d, want %d×%d", d.m, d.oc, d.c, back, xi, g.m, g.k, want[xi].m, want[xi].k)
					}
					if i := firstBitsDiff(g.data, want[xi].data); i >= 0 {
						t.Fatalf("F(%d) %d×%d back=%v position %d: value %d is %#x, want %#x", d.m, d.oc, d.c, back, xi, i,
							math.Float32bits(g.data[i]), math.Float32bits(want[xi].data[i]))
					}
				}
			}
		}
	}
}

// firstBitsDiff returns the first index where a and b differ in their bits,
// taking any two NaNs as equal (Go does not say which NaN an operation on
// two of them returns, and its compiler may swap a sum's operands), or −1.
func firstBitsDiff(a, b []float32) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

// BenchmarkWinogradFilters times the filter transform and packing of one
// layer, the reference's against winogradPack's, both tile sizes, forward
// and input gradient, interleaved in one run: the fastest call of each in
// ms and the reference's time over the new one's.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench WinogradFilters \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinogradFilters(b *testing.B) {
	for _, m := range []int{2, 4} {
		for _, ch := range []int{64, 256, 512} {
			for _, pass := range []string{"fwd", "dx"} {
				b.Run(fmt.Sprintf("f%d/%s/%dx%d", m, pass, ch, ch), func(b *testing.B) {
					rng := rand.New(rand.NewPCG(1, 1))
					w := randSlice(rng, ch*ch*9)
					back := pass == "dx"
					pr := winogradPackRef(nil, w, ch, ch, m, back)
					pn := winogradPack(nil, w, ch, ch, m, back)
					var tr, tn []time.Duration
					for b.Loop() {
						t0 := time.Now()
						pr = winogradPackRef(pr, w, ch, ch, m, back)
						tr = append(tr, time.Since(t0))
						t0 = time.Now()
						pn = winogradPack(pn, w, ch, ch, m, back)
						tn = append(tn, time.Since(t0))
					}
					reportMinRatio(b, "ref", tr, "new", tn, "speedup")
				})
			}
		}
	}
}
