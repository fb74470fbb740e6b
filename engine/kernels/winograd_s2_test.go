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

// TestStride2Conv checks Stride2Conv and Stride2ConvBackInput, and their
// naive references, against the float64 direct stride-2 convolution and
// its input gradient: maps from the smallest a 3×3 filter fits (with each
// padding) to partial tiles on either side, odd and even sizes, channel
// counts that are not multiples of the products' panels and more than one
// block of the shared dimension (260), one to three images, paddings 0, 1
// and 2, each in chunks of one row of tiles, of three (chunks that start
// and end mid-image, so the input gradient carries a row between chunks)
// and of stride2Chunk's size. Outputs carry NaN guards, a second run from a
// non-zero start must add exactly, and the inputs must come back
// unchanged. It logs the error of the phases and of im2col + GEMM against
// the reference; the bound, 2e-5 of the output's scale, is far below what
// a wrong transform entry or a lost tile gives (≥ 1e-2).
func TestStride2Conv(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	defer func(r int) { winoS2Rows = r }(winoS2Rows)
	cases := []struct{ n, c, oc, h, w, p int }{
		{1, 1, 1, 3, 3, 0}, {1, 1, 1, 1, 1, 1}, {1, 2, 3, 2, 2, 1}, {1, 1, 2, 1, 2, 2},
		{1, 3, 5, 7, 7, 1}, {3, 5, 7, 9, 8, 1}, {2, 4, 6, 16, 17, 0}, {1, 6, 3, 18, 9, 2},
		{2, 33, 17, 10, 11, 1}, {1, 260, 7, 9, 9, 1}, {1, 5, 260, 6, 7, 1},
		{2, 64, 128, 20, 20, 1}, {2, 128, 256, 14, 14, 1}, {2, 256, 512, 14, 14, 1}, // ResNet-18's channels, 14² → 7²
	}
	for _, tc := range cases {
		name := fmt.Sprintf("n%d c%d oc%d %dx%d p%d", tc.n, tc.c, tc.oc, tc.h, tc.w, tc.p)
		g := NewStride2Geom(tc.c, tc.oc, tc.h, tc.w, tc.p)
		x := randSlice(rng, tc.n*tc.c*tc.h*tc.w)
		w := randSlice(rng, tc.oc*tc.c*9)
		dy := randSlice(rng, tc.n*tc.oc*g.OH*g.OW)
		y0 := randSlice(rng, len(dy))
		dx0 := randSlice(rng, len(x))
		xs, ws, dys := slices.Clone(x), slices.Clone(w), slices.Clone(dy)

		u := NewStride2Weights(tc.oc, tc.c)
		if !u.Set(w) {
			t.Fatalf("%s: first Set did not transform", name)
		}
		// The kernels' im2col wants the image at least as large as the
		// filter; on smaller ones the naive kernel stands in for it.
		small := tc.h < 3 || tc.w < 3
		want := nntest.Conv3x3(x, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 2, tc.p)
		ref := withGuard(make([]float32, len(y0)), 5)
		naive := withGuard(make([]float32, len(y0)), 5)
		Stride2ConvNaive(naive, x, w, tc.n, g)
		checkWinograd(t, name+" forward, naive", naive, naive, want)
		if small {
			copy(ref, naive)
		} else {
			im2colConv(ref, x, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 2, tc.p)
		}
		wantDx := nntest.Conv3x3BackInput(dy, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 2, tc.p)
		refDx := withGuard(make([]float32, len(dx0)), 5)
		naive = withGuard(make([]float32, len(dx0)), 5)
		Stride2ConvBackInputNaive(naive, dy, w, tc.n, g)
		checkWinograd(t, name+" input gradient, naive", naive, naive, wantDx)
		if small {
			copy(refDx, naive)
		} else {
			im2colConvBackInput(refDx, dy, w, tc.n, tc.c, tc.oc, tc.h, tc.w, 2, tc.p)
		}

		// Chunks of one and of three rows of tiles (which start and end
		// mid-image where an image has more than one), and the default.
		for _, rows := range []int{1, 3, 0} {
			winoS2Rows = rows
			cname := fmt.Sprintf("%s rows%d", name, rows)
			got := withGuard(make([]float32, len(y0)), 5)
			Stride2Conv(got, x, tc.n, u, g)
			checkWinograd(t, cname+" forward", got, ref, want)
			checkAdds(t, cname+" forward", y0, got, func(y []float32) { Stride2Conv(y, x, tc.n, u, g) })

			got = withGuard(make([]float32, len(dx0)), 5)
			Stride2ConvBackInput(got, dy, tc.n, u, g)
			checkWinograd(t, cname+" input gradient", got, refDx, wantDx)
			checkAdds(t, cname+" input gradient", dx0, got, func(dx []float32) { Stride2ConvBackInput(dx, dy, tc.n, u, g) })
		}
		winoS2Rows = 0

		if !slices.Equal(x, xs) || !slices.Equal(w, ws) || !slices.Equal(dy, dys) {
			t.Fatalf("%s: an input changed", name)
		}
	}
}

// TestStride2ChunkScratch checks that stride2Chunk keeps the scratch V
// and M of ResNet-18's stride-2 layers, at 224² and 448² and batches up to
// 64, within 2^21 values (8 MiB) together, in whole rows of tiles, at
// least one, and no more than there are.
func TestStride2ChunkScratch(t *testing.T) {
	for _, s := range []struct{ c, oc, hw int }{
		{64, 128, 56}, {128, 256, 28}, {256, 512, 14}, {64, 128, 112}, {128, 256, 56}, {256, 512, 28},
	} {
		g := NewStride2Geom(s.c, s.oc, s.hw, s.hw, 1)
		for _, n := range []int{1, 2, 8, 64} {
			R := n * g.TH
			rb := stride2Chunk(g, R)
			if vals := 81 * (g.C + g.OC) * rb * g.TW; rb < 1 || rb > R || vals > 1<<21 {
				t.Errorf("%d→%d at %d², n %d: %d rows of %d tiles of %d, V and M %d values, want ≤ %d",
					s.c, s.oc, s.hw, n, rb, g.TW, R, vals, 1<<21)
			}
		}
	}
}

// TestStride2NaN checks that a NaN in the input reaches every output whose
// window holds it, as the direct convolution's, and (the transforms mix a
// tile's values) no output outside the tiles of 4×4 outputs whose 9×9
// input tile holds it; and likewise a NaN in dy for the input gradient.
func TestStride2NaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	const n, c, oc, h, wd, p = 2, 3, 4, 19, 18, 1
	g := NewStride2Geom(c, oc, h, wd, p)
	w := randSlice(rng, oc*c*9)
	u := NewStride2Weights(oc, c)
	u.Set(w)
	// covers reports whether tile index k's span of padded positions, from
	// step·k to step·k + span, holds position at.
	covers := func(k, step, span, at int) bool { return step*k <= at && at <= step*k+span }

	x := randSlice(rng, n*c*h*wd)
	const xr, xc = 9, 16 // image 1, channel 1: padded row 10 is tile row 1's first (8·1 + 2), column 17 tile 2's first
	x[((1*c+1)*h+xr)*wd+xc] = float32(math.NaN())
	y := make([]float32, n*oc*g.OH*g.OW)
	Stride2Conv(y, x, n, u, g)
	want := nntest.Conv3x3(x, w, n, c, oc, h, wd, 2, p)
	for i := range y {
		e, i2, j := i/(oc*g.OH*g.OW), i/g.OW%g.OH, i%g.OW
		inTile := e == 1 && covers(i2/4, 8, 8, xr+p) && covers(j/4, 8, 8, xc+p)
		if nan := math.IsNaN(float64(y[i])); (math.IsNaN(want[i]) && !nan) || (nan && !inTile) {
			t.Fatalf("forward [%d] = %v, want %v", i, y[i], want[i])
		}
	}

	dy := randSlice(rng, n*oc*g.OH*g.OW)
	const dr, dc = 4, 7 // image 0, channel 2
	dy[(2*g.OH+dr)*g.OW+dc] = float32(math.NaN())
	dx := make([]float32, n*c*h*wd)
	Stride2ConvBackInput(dx, dy, n, u, g)
	wantDx := nntest.Conv3x3BackInput(dy, w, n, c, oc, h, wd, 2, p)
	for i := range dx {
		e, r, col := i/(c*h*wd), i/wd%h, i%wd
		inTile := e == 0 && covers(dr/4, 8, 8, r+p) && covers(dc/4, 8, 8, col+p)
		if nan := math.IsNaN(float64(dx[i])); (math.IsNaN(wantDx[i]) && !nan) || (nan && !inTile) {
			t.Fatalf("input gradient [%d] = %v, want %v", i, dx[i], wantDx[i])
		}
	}
}

// TestStride2WeightsSet checks that Set transforms again when the filters
// change and not when they are the same, and that the results follow the
// filters of the last Set, forward and input gradient, after both forms had
// been packed for the filters before.
func TestStride2WeightsSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	const oc, c, h, wd = 5, 3, 9, 9
	g := NewStride2Geom(c, oc, h, wd, 1)
	x, dy := randSlice(rng, c*h*wd), randSlice(rng, oc*g.OH*g.OW)
	w := randSlice(rng, oc*c*9)
	u := NewStride2Weights(oc, c)
	u.Set(w)
	Stride2Conv(make([]float32, len(dy)), x, 1, u, g)
	Stride2ConvBackInput(make([]float32, len(x)), dy, 1, u, g)
	if u.Set(slices.Clone(w)) {
		t.Fatal("Set transformed the same filters again")
	}
	w[7] = -w[7]
	if !u.Set(w) {
		t.Fatal("Set did not see changed filters")
	}
	y := make([]float32, len(dy))
	Stride2Conv(y, x, 1, u, g)
	if _, rel := maxErr(y, nntest.Conv3x3(x, w, 1, c, oc, h, wd, 2, 1)); rel > 2e-5 {
		t.Fatalf("forward after Set: relative error %.2e", rel)
	}
	dx := make([]float32, len(x))
	Stride2ConvBackInput(dx, dy, 1, u, g)
	if _, rel := maxErr(dx, nntest.Conv3x3BackInput(dy, w, 1, c, oc, h, wd, 2, 1)); rel > 2e-5 {
		t.Fatalf("input gradient after Set: relative error %.2e", rel)
	}
	if got, want := u.Values(), Stride2Values(g)+oc*c*9; got != want {
		t.Fatalf("Values %d, want %d", got, want)
	}
}

// BenchmarkStride2 times the phases' forward and input gradient against
// im2col + MatMulPacked (filters packed once, per image as the graph runs
// them) on ResNet-18's three stride-2 3×3 layers at Integrated Gradients'
// batch of 2 (and at 1), interleaved call by call; it reports the fastest
// call of each and their ratio.
func BenchmarkStride2(b *testing.B) {
	for _, s := range []struct{ c, oc, hw, n int }{
		{64, 128, 56, 2}, {128, 256, 28, 2}, {256, 512, 14, 2},
		{64, 128, 56, 1}, {128, 256, 28, 1}, {256, 512, 14, 1},
	} {
		b.Run(fmt.Sprintf("%dx%d_%d_n%d", s.c, s.oc, s.hw, s.n), func(b *testing.B) {
			n := s.n
			rng := rand.New(rand.NewPCG(1, 2))
			g := NewStride2Geom(s.c, s.oc, s.hw, s.hw, 1)
			cg := NewConvGeom(s.c, s.hw, s.hw, 3, 3, 2, 1)
			x := randSlice(rng, n*s.c*s.hw*s.hw)
			w := randSlice(rng, s.oc*s.c*9)
			dy := randSlice(rng, n*s.oc*g.OH*g.OW)
			y, dx := make([]float32, len(dy)), make([]float32, len(x))
			u := NewStride2Weights(s.oc, s.c)
			u.Set(w)
			var pf, pb PackedA
			pf.Pack(w, s.oc, cg.Rows(), false)
			pb.Pack(w, cg.Rows(), s.oc, true)
			col := make([]float32, cg.Rows()*cg.Cols())
			P := cg.Cols()
			best := [4]time.Duration{1 << 62, 1 << 62, 1 << 62, 1 << 62}
			timed := func(k int, f func()) {
				t0 := time.Now()
				f()
				best[k] = min(best[k], time.Since(t0))
			}
			for i := 0; i < b.N; i++ {
				timed(0, func() {
					for e := 0; e < n; e++ {
						Im2Col(col, x[e*s.c*s.hw*s.hw:], cg)
						MatMulPacked(y[e*s.oc*P:], &pf, col, s.oc, cg.Rows(), P)
					}
				})
				timed(1, func() { Stride2Conv(y, x, n, u, g) })
				timed(2, func() {
					for e := 0; e < n; e++ {
						clear(col)
						MatMulPacked(col, &pb, dy[e*s.oc*P:], cg.Rows(), s.oc, P)
						Col2Im(dx[e*s.c*s.hw*s.hw:(e+1)*s.c*s.hw*s.hw], col, cg)
					}
				})
				timed(3, func() { Stride2ConvBackInput(dx, dy, n, u, g) })
			}
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			b.ReportMetric(ms(best[0]), "im2col-fwd-ms")
			b.ReportMetric(ms(best[1]), "phases-fwd-ms")
			b.ReportMetric(ms(best[2]), "im2col-dx-ms")
			b.ReportMetric(ms(best[3]), "phases-dx-ms")
			b.ReportMetric(ms(best[1]+best[3])/ms(best[0]+best[2]), "ratio")
		})
	}
}
