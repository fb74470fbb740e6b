package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The filter transform as it was before winograd4Pack, kept as the
// reference its packed U must equal bit for bit: F(4×4, 3×3)'s row by row
// in float64 with the full matrix G, each row packed by Pack.

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

// winograd4PackRef is winograd4Pack by the reference: winograd4RowTo one
// row of positions at a time, each position packed.
func winograd4PackRef(p []PackedA, w []float32, oc, c int, back bool) []PackedA {
	S := oc * c
	if len(p) != 36 {
		p = make([]PackedA, 36)
	}
	u := make([]float32, 6*S)
	for r := 0; r < 6; r++ {
		winograd4RowTo(u, w, oc, c, r, back)
		for j := 0; j < 6; j++ {
			if back {
				p[6*r+j].Pack(u[j*S:(j+1)*S], c, oc, true)
			} else {
				p[6*r+j].Pack(u[j*S:(j+1)*S], oc, c, false)
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

// TestWinograd4PackSameBits checks that winograd4Pack's packed U, forward
// and input gradient, has the same bits as the reference transform's, over
// random filters with zeros of both signs, infinities, NaNs and denormals,
// at channel counts that leave partial register panels and kc blocks, into
// fresh and reused storage.
func TestWinograd4PackSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 4))
	for _, d := range []struct{ oc, c int }{{1, 1}, {3, 5}, {4, 4}, {7, 2}, {2, 9}, {13, 300}, {300, 6}, {261, 259}} {
		w := specialFilters(rng, d.oc*d.c*9)
		for _, back := range []bool{false, true} {
			want := winograd4PackRef(nil, w, d.oc, d.c, back)
			got := winograd4Pack(nil, w, d.oc, d.c, back)
			reused := winograd4Pack(winograd4Pack(nil, specialFilters(rng, len(w)), d.oc, d.c, !back), w, d.oc, d.c, back)
			for xi := range want {
				for _, g := range []*PackedA{&got[xi], &reused[xi]} {
					if g.m != want[xi].m || g.k != want[xi].k || g.t.name != want[xi].t.name {
						t.Fatalf("%d×%d back=%v position %d: shape %d×%d, want %d×%d", d.oc, d.c, back, xi, g.m, g.k, want[xi].m, want[xi].k)
					}
					if i := firstBitsDiff(g.data, want[xi].data); i >= 0 {
						t.Fatalf("%d×%d back=%v position %d: value %d is %#x, want %#x", d.oc, d.c, back, xi, i,
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
// layer, the reference's against winograd4Pack's for F(4×4, 3×3), forward
// and input gradient, interleaved in one run: the fastest call of each in
// ms and the reference's time over the new one's.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench WinogradFilters \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinogradFilters(b *testing.B) {
	for _, ch := range []int{64, 256, 512} {
		for _, pass := range []string{"fwd", "dx"} {
			b.Run(fmt.Sprintf("f4/%s/%dx%d", pass, ch, ch), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				w := randSlice(rng, ch*ch*9)
				back := pass == "dx"
				pr := winograd4PackRef(nil, w, ch, ch, back)
				pn := winograd4Pack(nil, w, ch, ch, back)
				var tr, tn []time.Duration
				for b.Loop() {
					t0 := time.Now()
					pr = winograd4PackRef(pr, w, ch, ch, back)
					tr = append(tr, time.Since(t0))
					t0 = time.Now()
					pn = winograd4Pack(pn, w, ch, ch, back)
					tn = append(tn, time.Since(t0))
				}
				mr, mn := slices.Min(tr).Seconds()*1e3, slices.Min(tn).Seconds()*1e3
				b.ReportMetric(mr, "ref-ms")
				b.ReportMetric(mn, "new-ms")
				b.ReportMetric(mr/mn, "speedup")
			})
		}
	}
}
