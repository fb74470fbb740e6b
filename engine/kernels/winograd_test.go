package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"saliencyexplorer/engine/nntest"
)

// maxErr returns the largest |got − want| and that divided by max |want|.
func maxErr(got []float32, want []float64) (abs, rel float64) {
	var scale float64
	for i, v := range want {
		abs = math.Max(abs, math.Abs(float64(got[i])-v))
		scale = math.Max(scale, math.Abs(v))
	}
	return abs, abs / scale
}

// reportMinRatio reports the fastest of each of two interleaved timings in
// milliseconds, as num-ms and den-ms, and their ratio num/den as ratio.
func reportMinRatio(b *testing.B, num string, tnum []time.Duration, den string, tden []time.Duration, ratio string) {
	mn, md := slices.Min(tnum).Seconds()*1e3, slices.Min(tden).Seconds()*1e3
	b.ReportMetric(mn, num+"-ms")
	b.ReportMetric(md, den+"-ms")
	b.ReportMetric(mn/md, ratio)
}

// im2colConv is the im2col + MatMul path of a 3×3 convolution with stride s
// (per image), adding into y.
func im2colConv(y, x, w []float32, n, c, oc, h, wd, s, p int) {
	g := NewConvGeom(c, h, wd, 3, 3, s, p)
	col := make([]float32, g.Rows()*g.Cols())
	for e := 0; e < n; e++ {
		Im2Col(col, x[e*c*h*wd:(e+1)*c*h*wd], g)
		MatMul(y[e*oc*g.Cols():(e+1)*oc*g.Cols()], w, col, oc, g.Rows(), g.Cols())
	}
}

// im2colConvBackInput is the im2col path's input gradient: Wᵀ·dy, col2im.
func im2colConvBackInput(dx, dy, w []float32, n, c, oc, h, wd, s, p int) {
	g := NewConvGeom(c, h, wd, 3, 3, s, p)
	dcol := make([]float32, g.Rows()*g.Cols())
	for e := 0; e < n; e++ {
		clear(dcol)
		MatMulTN(dcol, w, dy[e*oc*g.Cols():(e+1)*oc*g.Cols()], g.Rows(), oc, g.Cols())
		Col2Im(dx[e*c*h*wd:(e+1)*c*h*wd], dcol, g)
	}
}

// TestWinograd checks WinogradConv and WinogradConvBackInput against the
// float64 direct convolution and its input gradient, on odd and even maps,
// channel counts that are not multiples of the GEMM's tiles, one and three
// images, and paddings 0, 1 and 2. Outputs carry NaN guards, a second run
// from a non-zero start must add exactly, and inputs must come back
// unchanged. It logs the error
// of both Winograd and im2col + GEMM against the reference: Winograd's
// bound here is about 10× what im2col reaches, generous for rounding but far
// below what a wrong transform entry or a lost tile gives (≥ 1e-2).
func TestWinograd(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	cases := []struct{ n, c, oc, h, w, p int }{
		{1, 1, 1, 3, 3, 0}, {1, 3, 5, 7, 7, 1}, {3, 5, 7, 7, 7, 1}, {1, 6, 3, 15, 9, 0},
		{3, 3, 2, 15, 9, 1}, {2, 4, 4, 8, 8, 1}, {1, 2, 3, 6, 5, 2}, {1, 1, 2, 1, 1, 1},
		{2, 33, 17, 10, 11, 1}, {1, 64, 64, 14, 14, 1}, {2, 256, 64, 8, 7, 1},
		{1, 128, 128, 9, 9, 1}, {1, 256, 256, 6, 6, 1}, {1, 512, 512, 4, 4, 1}, // ResNet-18's channels
	}
	for _, tc := range cases {
		for _, m := range []int{2, 4} {
			testWinograd(t, rng, tc.n, tc.c, tc.oc, tc.h, tc.w, tc.p, m)
		}
	}
}

// testWinograd is one case of TestWinograd, with output tiles of m×m.
func testWinograd(t *testing.T, rng *rand.Rand, n, c, oc, h, w, p, m int) {
	tc := struct{ n, c, oc, h, w, p int }{n, c, oc, h, w, p}
	{
		name := fmt.Sprintf("F(%d,3) n%d c%d oc%d %dx%d p%d", m, tc.n, tc.c, tc.oc, tc.h, tc.w, tc.p)
		g := NewWinogradGeomTile(tc.c, tc.oc, tc.h, tc.w, tc.p, m)
		x := randSlice(rng, tc.n*tc.c*tc.h*tc.w)
		w := randSlice(rng, tc.oc*tc.c*9)
		dy := randSlice(rng, tc.n*tc.oc*g.OH*g.OW)
		y0 := randSlice(rng, len(dy))
		dx0 := randSlice(rng, len(x))
		xs, ws, dys := slices.Clone(x), slices.Clone(w), slices.Clone(dy)

		u := NewWinogradWeights(tc.oc, tc.c)
		if !u.Set(w) {
			t.Fatalf("%s: first Set did not transform", name)
		}

		// Forward from zero, measured against the reference; then from y0,
		// which must give y0 + that result exactly (the kernels add once).
		want := nntest.Conv3x3(x, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 1, tc.p)
		got := withGuard(make([]float32, len(y0)), 5)
		WinogradConv(got, x, tc.n, u, g)
		ref := withGuard(make([]float32, len(y0)), 5)
		im2colConv(ref, x, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 1, tc.p)
		checkWinograd(t, name+" forward", got, ref, want)
		checkAdds(t, name+" forward", y0, got, func(y []float32) { WinogradConv(y, x, tc.n, u, g) })

		// Input gradient, likewise.
		want = nntest.Conv3x3BackInput(dy, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 1, tc.p)
		got = withGuard(make([]float32, len(dx0)), 5)
		WinogradConvBackInput(got, dy, tc.n, u, g)
		ref = withGuard(make([]float32, len(dx0)), 5)
		im2colConvBackInput(ref, dy, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 1, tc.p)
		checkWinograd(t, name+" input gradient", got, ref, want)
		checkAdds(t, name+" input gradient", dx0, got, func(dx []float32) { WinogradConvBackInput(dx, dy, tc.n, u, g) })

		if !slices.Equal(x, xs) || !slices.Equal(w, ws) || !slices.Equal(dy, dys) {
			t.Fatalf("%s: an input changed", name)
		}
	}
}

// checkAdds fails t unless run, on a copy of y0, leaves y0 + got exactly:
// the kernels add their result into what is there.
func checkAdds(t *testing.T, name string, y0, got []float32, run func([]float32)) {
	t.Helper()
	y := slices.Clone(y0)
	run(y)
	for i := range y {
		if y[i] != y0[i]+got[i] {
			t.Fatalf("%s from a non-zero start: [%d] = %v, want %v + %v", name, i, y[i], y0[i], got[i])
		}
	}
}

// checkWinograd fails t unless the Winograd result got (and the im2col one,
// ref) are within 2e-5 of max |want| of want, and the NaN guards past them
// are untouched. F(2×2, 3×3) stays below 1e-6 and F(4×4, 3×3) below 6e-6
// on these cases; a wrong transform entry gives 1e-3 or more.
func checkWinograd(t *testing.T, name string, got, ref []float32, want []float64) {
	t.Helper()
	wa, wr := maxErr(got, want)
	ia, ir := maxErr(ref, want)
	t.Logf("%-40s Winograd abs %.2e rel %.2e   im2col abs %.2e rel %.2e", name, wa, wr, ia, ir)
	if !(wr <= 2e-5) || !(ir <= 2e-5) {
		t.Errorf("%s: relative error Winograd %.2e, im2col %.2e, want ≤ 2e-5", name, wr, ir)
	}
	for i := len(want); i < len(got); i++ {
		if !math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: wrote past the output at %d", name, i)
		}
	}
}

// TestWinogradWeightsSet checks that Set transforms and packs again when
// the filters change (even a zero's sign), not when they are the same, and
// that its packed matrices are, for either tile size, the forward's U_ξ
// and, once an input gradient has asked for them, the input gradient's
// (U_σ(ξ)ᵀ of WinogradWeightsTo for F(2×2, 3×3), the rotated filters'
// transform for F(4×4, 3×3)), for the filters of the last Set (both had
// been packed for the ones before).
func TestWinogradWeightsSet(t *testing.T) {
	for _, m := range []int{2, 4} {
		rng := rand.New(rand.NewPCG(33, 34))
		const oc, c = 5, 3
		g := NewWinogradGeomTile(c, oc, 4, 5, 1, m)
		dx, dy := make([]float32, c*4*5), randSlice(rng, oc*4*5)
		y := make([]float32, oc*4*5)
		w := randSlice(rng, oc*c*9)
		u := NewWinogradWeights(oc, c)
		u.Set(w)
		WinogradConv(y, dx, 1, u, g)
		WinogradConvBackInput(dx, dy, 1, u, g)
		if u.Set(slices.Clone(w)) {
			t.Errorf("F(%d,3): Set transformed equal filters again", m)
		}
		w[50] += 1
		if !u.Set(w) {
			t.Fatalf("F(%d,3): Set kept the transform of changed filters", m)
		}
		w[7] = 0
		u.Set(w)
		w[7] = float32(math.Copysign(0, -1))
		if !u.Set(w) {
			t.Fatalf("F(%d,3): Set kept the transform of filters whose zero changed sign", m)
		}
		if u.fwdOK != [2]bool{} || u.bwdOK != [2]bool{} {
			t.Fatalf("F(%d,3): packed U marked current after a new Set", m)
		}
		WinogradConv(y, dx, 1, u, g)
		WinogradConvBackInput(dx, dy, 1, u, g)
		a := m + 2
		S := oc * c
		want, rot := make([]float32, a*a*S), make([]float32, a*a*S)
		if m == 2 {
			WinogradWeightsTo(want, w, oc, c)
			for xi := 0; xi < 16; xi++ {
				p := 4*sigma[xi/4] + sigma[xi%4]
				copy(rot[xi*S:(xi+1)*S], want[p*S:(p+1)*S])
			}
		} else {
			for i := 0; i < a; i++ {
				winograd4RowTo(want[a*i*S:], w, oc, c, i, false)
				winograd4RowTo(rot[a*i*S:], w, oc, c, i, true)
			}
		}
		for xi := 0; xi < a*a; xi++ {
			var fwd, bwd PackedA
			fwd.Pack(want[xi*S:(xi+1)*S], oc, c, false)
			bwd.Pack(rot[xi*S:(xi+1)*S], c, oc, true)
			if !slices.Equal(u.fwd[m/2-1][xi].data, fwd.data) {
				t.Errorf("F(%d,3) position %d: Set's packed U differs from the transform's", m, xi)
			}
			if !slices.Equal(u.bwd[m/2-1][xi].data, bwd.data) {
				t.Errorf("F(%d,3) position %d: the input gradient's packed U differs from the transform's", m, xi)
			}
		}
	}
}

// TestWinogradTileByBatch runs a geometry that leaves the tile size to each
// call (NewWinogradGeom) on a 7×7 map at batch 1, 2 and 1 again, forward
// (always F(2×2, 3×3)) and input gradient (F(2×2, 3×3), F(4×4, 3×3) by
// WinogradTile, then F(2×2, 3×3)), against the float64 reference: each call
// must use the forms of U for its own tile size, and the weights keep the
// input gradient's for both.
func TestWinogradTileByBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	const c, oc, hw = 6, 5, 7
	g := NewWinogradGeom(c, oc, hw, hw, 1)
	if WinogradTile(g.OH, g.OW, 1) != 2 || WinogradTile(g.OH, g.OW, 2) != 4 {
		t.Fatalf("WinogradTile at 7×7: %d at batch 1, %d at 2; the test needs 2 and 4",
			WinogradTile(g.OH, g.OW, 1), WinogradTile(g.OH, g.OW, 2))
	}
	w := randSlice(rng, oc*c*9)
	u := NewWinogradWeights(oc, c)
	u.Set(w)
	for _, n := range []int{1, 2, 1} {
		x, dy := randSlice(rng, n*c*hw*hw), randSlice(rng, n*oc*hw*hw)
		y, dx := make([]float32, len(dy)), make([]float32, len(x))
		WinogradConv(y, x, n, u, g)
		WinogradConvBackInput(dx, dy, n, u, g)
		for _, r := range []struct {
			what string
			got  []float32
			want []float64
		}{
			{"forward", y, nntest.Conv3x3(x, w, n, c, oc, hw, hw, 1, 1)},
			{"input gradient", dx, nntest.Conv3x3BackInput(dy, w, n, c, oc, hw, hw, 1, 1)},
		} {
			if _, rel := maxErr(r.got, r.want); !(rel <= 2e-5) {
				t.Errorf("n = %d, %s: relative error %.2e", n, r.what, rel)
			}
		}
	}
	if u.fwdOK != [2]bool{true, false} || u.bwdOK != [2]bool{true, true} {
		t.Errorf("forms kept (2×2, 4×4): forward %v, input gradient %v; want [true false] and [true true]", u.fwdOK, u.bwdOK)
	}
}

// TestWinogradFirstBackInput: new filters' first input gradient runs
// F(2×2, 3×3) even where WinogradTile chooses F(4×4, 3×3), whose filter
// transform pays only over several passes; the next one runs F(4×4, 3×3);
// new filters start over. Each result matches the float64 reference.
func TestWinogradFirstBackInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	const c, oc, hw, n = 6, 5, 7, 2
	g := NewWinogradGeom(c, oc, hw, hw, 1)
	if WinogradTile(g.OH, g.OW, n) != 4 {
		t.Fatalf("WinogradTile at 7×7, batch %d: %d; the test needs 4", n, WinogradTile(g.OH, g.OW, n))
	}
	u := NewWinogradWeights(oc, c)
	for _, round := range []string{"first filters", "changed filters"} {
		w := randSlice(rng, oc*c*9)
		u.Set(w)
		for call, want := range [][2]bool{{true, false}, {true, true}} {
			dy := randSlice(rng, n*oc*hw*hw)
			dx := make([]float32, n*c*hw*hw)
			WinogradConvBackInput(dx, dy, n, u, g)
			if u.bwdOK != want {
				t.Errorf("%s, input gradient %d: forms made (2×2, 4×4) %v, want %v", round, call+1, u.bwdOK, want)
			}
			if _, rel := maxErr(dx, nntest.Conv3x3BackInput(dy, w, n, c, oc, hw, hw, 1, 1)); !(rel <= 2e-5) {
				t.Errorf("%s, input gradient %d: relative error %.2e", round, call+1, rel)
			}
		}
	}
}

// TestSameBits checks the comparison Set (and the graph's convolutions)
// rely on at every alignment and length, against a value-by-value one.
func TestSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	base := randSlice(rng, 40)
	base[3] = float32(math.NaN())
	for oa := 0; oa < 2; oa++ {
		for ob := 0; ob < 2; ob++ {
			for n := 0; n <= 17; n++ {
				a := slices.Clone(base)[oa : oa+n]
				b := slices.Clone(base)[ob : ob+n]
				copy(b, a)
				if !SameBits(a, b) {
					t.Fatalf("offsets %d, %d, length %d: equal slices differ", oa, ob, n)
				}
				for i := 0; i < n; i++ {
					old := b[i]
					for _, flip := range []uint32{1 << 31, 1} { // the sign, the last bit
						b[i] = math.Float32frombits(math.Float32bits(old) ^ flip)
						if SameBits(a, b) {
							t.Fatalf("offsets %d, %d, length %d: bit flip %#x at %d not seen", oa, ob, n, flip, i)
						}
					}
					b[i] = old
				}
			}
		}
	}
}

// BenchmarkWinograd puts WinogradConv (and its input gradient) beside
// im2col + MatMulPacked (and MatMulPacked with the filters packed
// transposed + Col2Im), both with their filters packed once, as the graph
// engine keeps them, on ResNet-18's 3×3 stride-1
// layer shapes, batch 1 and 8, interleaved in one run: each iteration runs
// both paths once and times each call; it reports the fastest call of each
// in ms and im2col's time over Winograd's (see BenchmarkMatMulSIMD for why
// the fastest call). The Winograd time includes no weight transform (Set
// skips unchanged filters).
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench Winograd \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinograd(b *testing.B) {
	shapes := []struct{ c, oc, hw int }{
		{64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7}, // ResNet-18
		{1, 8, 28}, {8, 8, 28}, {8, 16, 64}, {16, 16, 32}, {32, 32, 16}, // the built-in models
	}
	for _, s := range shapes {
		for _, n := range []int{1, 8} {
			for _, pass := range []string{"fwd", "dx"} {
				b.Run(fmt.Sprintf("%s/%dx%dx%d²/n%d", pass, s.c, s.oc, s.hw, n), func(b *testing.B) {
					benchmarkWinograd(b, s.c, s.oc, s.hw, n, pass == "dx")
				})
			}
		}
	}
}

func benchmarkWinograd(b *testing.B, c, oc, hw, n int, dx bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	g := NewWinogradGeom(c, oc, hw, hw, 1)
	x := randSlice(rng, n*c*hw*hw)
	w := randSlice(rng, oc*c*9)
	y := randSlice(rng, n*oc*hw*hw)
	if dx { // the input gradient reads OC channels and writes C
		x, y = y, x
	}
	u := NewWinogradWeights(oc, c)
	u.Set(w)
	cg := NewConvGeom(c, hw, hw, 3, 3, 1, 1)
	col := make([]float32, cg.Rows()*cg.Cols())
	P := cg.Cols()
	var pw PackedA
	if dx {
		pw.Pack(w, cg.Rows(), oc, true)
	} else {
		pw.Pack(w, oc, cg.Rows(), false)
	}
	var tw, ti []time.Duration
	for b.Loop() {
		t0 := time.Now()
		u.Set(w)
		if dx {
			WinogradConvBackInput(y, x, n, u, g)
		} else {
			WinogradConv(y, x, n, u, g)
		}
		t1 := time.Now()
		for e := 0; e < n; e++ {
			if dx {
				clear(col)
				MatMulPacked(col, &pw, x[e*oc*P:(e+1)*oc*P], cg.Rows(), oc, P)
				Col2Im(y[e*c*P:(e+1)*c*P], col, cg)
			} else {
				Im2Col(col, x[e*c*P:(e+1)*c*P], cg)
				MatMulPacked(y[e*oc*P:(e+1)*oc*P], &pw, col, oc, cg.Rows(), P)
			}
		}
		tw = append(tw, t1.Sub(t0))
		ti = append(ti, time.Since(t1))
	}
	reportMinRatio(b, "im2col", ti, "winograd", tw, "speedup")
}

// TestWinogradAllocs checks that a warm WinogradConv, input gradient and
// unchanged Set allocate nothing (the scratch comes from a free list).
func TestWinogradAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	g := NewWinogradGeom(8, 6, 9, 7, 1)
	x := randSlice(rng, 2*8*9*7)
	w := randSlice(rng, 6*8*9)
	y := make([]float32, 2*6*g.OH*g.OW)
	u := NewWinogradWeights(6, 8)
	pass := func() {
		u.Set(w)
		WinogradConv(y, x, 2, u, g)
		WinogradConvBackInput(x, y, 2, u, g)
	}
	pass() // new filters' first input gradient runs F(2×2, 3×3), the later ones F(4×4, 3×3)
	allocs := testing.AllocsPerRun(5, pass)
	if allocs != 0 {
		t.Errorf("a warm Winograd pass allocates %v times, want 0", allocs)
	}
}

// BenchmarkWinograd4 puts F(4×4, 3×3) beside F(2×2, 3×3) on ResNet-18's 3×3
// stride-1 layer shapes, batch 1 and 2 (Integrated Gradients' batch),
// forward and input gradient, interleaved in one run as BenchmarkWinograd
// does: it reports the fastest call of each in ms and F(2×2)'s time over
// F(4×4)'s.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench Winograd4 \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinograd4(b *testing.B) {
	shapes := []struct{ c, oc, hw int }{
		{64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7}, // ResNet-18
		{256, 256, 12}, {256, 256, 10}, {256, 256, 8}, // 9, 9 and 4 tiles of 4×4 per image
	}
	for _, s := range shapes {
		for _, n := range []int{1, 2} {
			for _, pass := range []string{"fwd", "dx"} {
				b.Run(fmt.Sprintf("%s/%dx%dx%d²/n%d", pass, s.c, s.oc, s.hw, n), func(b *testing.B) {
					benchmarkWinograd4(b, s.c, s.oc, s.hw, n, pass == "dx")
				})
			}
		}
	}
}

func benchmarkWinograd4(b *testing.B, c, oc, hw, n int, dx bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	g2 := NewWinogradGeomTile(c, oc, hw, hw, 1, 2)
	g4 := NewWinogradGeomTile(c, oc, hw, hw, 1, 4)
	x := randSlice(rng, n*c*hw*hw)
	w := randSlice(rng, oc*c*9)
	y := randSlice(rng, n*oc*hw*hw)
	if dx { // the input gradient reads OC channels and writes C
		x, y = y, x
	}
	u2, u4 := NewWinogradWeights(oc, c), NewWinogradWeights(oc, c)
	u2.Set(w)
	u4.Set(w)
	run := func(u *WinogradWeights, g WinogradGeom) time.Duration {
		t0 := time.Now()
		if dx {
			WinogradConvBackInput(y, x, n, u, g)
		} else {
			WinogradConv(y, x, n, u, g)
		}
		return time.Since(t0)
	}
	run(u2, g2) // pack U outside the timing
	run(u4, g4)
	var t2, t4 []time.Duration
	for b.Loop() {
		t2 = append(t2, run(u2, g2))
		t4 = append(t4, run(u4, g4))
	}
	reportMinRatio(b, "f2", t2, "f4", t4, "speedup")
}
