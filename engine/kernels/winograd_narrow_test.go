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

// TestWinogradConvNarrow checks WinogradConvNarrow against WinogradConv
// after FillRows (the same operations in the same order, so equal values)
// and against a float64 direct convolution (the error TestWinograd allows),
// on one and several images, paddings 0 to 2, chunks of one row of tiles,
// of several that cross images and of everything, with and without a bias;
// that it writes nothing past y, leaves x and the filters unchanged, and
// that a NaN in the input spreads only to the outputs whose window reads it.
func TestWinogradConvNarrow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	defer func(c int) { winoNarrowChunk = c }(winoNarrowChunk)
	for _, s := range []struct{ n, c, oc, h, w, pad int }{
		{1, 16, 32, 32, 32, 1}, {1, 32, 32, 16, 16, 1}, {3, 16, 16, 10, 16, 1}, {2, 17, 20, 18, 18, 0},
		{1, 3, 4, 12, 30, 2}, {2, 5, 8, 8, 32, 1},
	} {
		g := NewWinogradGeom(s.c, s.oc, s.h, s.w, s.pad)
		for _, chunk := range []int{1, 40, 1 << 20} {
			winoNarrowChunk = chunk
			name := fmt.Sprintf("n%d_%dto%d_%dx%d_p%d_chunk%d", s.n, s.c, s.oc, s.h, s.w, s.pad, chunk)
			const guard = 7
			in, out := s.c*s.h*s.w, s.oc*g.OH*g.OW
			x := withGuard(randSlice(rng, s.n*in), guard)
			w := withGuard(randSlice(rng, s.oc*s.c*9), guard)
			bias := randSlice(rng, s.oc)
			xCopy, wCopy := slices.Clone(x), slices.Clone(w)
			u := NewWinogradWeights(s.oc, s.c)
			u.Set(w)
			for _, withBias := range []bool{false, true} {
				var b []float32
				if withBias {
					b = bias
				}
				want := make([]float32, s.n*out)
				FillRows(want, b, s.n*s.oc, g.OH*g.OW)
				WinogradConv(want, x, s.n, u, g)
				got := withGuard(randSlice(rng, s.n*out), guard)
				WinogradConvNarrow(got, x[:s.n*in], b, s.n, u, g)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s bias=%v: y[%d] = %v, WinogradConv gives %v", name, withBias, i, got[i], want[i])
					}
				}
				for i := len(want); i < len(got); i++ {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("%s: wrote past y at %d", name, i)
					}
				}
				// Against a float64 direct convolution.
				var worst, scale float64
				for i, r := range nntest.Conv3x3(x, w, s.n, s.c, s.oc, s.h, s.w, 1, s.pad) {
					if withBias {
						r += float64(bias[i%out/(g.OH*g.OW)])
					}
					worst = max(worst, math.Abs(float64(got[i])-r))
					scale = max(scale, math.Abs(r))
				}
				if !(worst <= 2e-5*scale) {
					t.Fatalf("%s: error %.3g of the output's scale %.3g", name, worst, scale)
				}
			}
			checkUnchanged(t, name+": x", x, xCopy)
			checkUnchanged(t, name+": w", w, wCopy)
		}
	}

	// A NaN at input (channel 0, row 5, column 6) of one image reaches the
	// outputs whose 3×3 window holds it, and no other: the transforms'
	// coefficients that are zero keep it out of the other outputs of the
	// tiles that read it.
	g := NewWinogradGeom(16, 16, 16, 16, 1)
	x := randSlice(rng, 2*16*16*16)
	x[16*16*16+5*16+6] = float32(math.NaN())
	u := NewWinogradWeights(16, 16)
	u.Set(randSlice(rng, 16*16*9))
	y := make([]float32, 2*16*g.OH*g.OW)
	WinogradConvNarrow(y, x, nil, 2, u, g)
	for i, v := range y {
		e, oi, oj := i/(16*g.OH*g.OW), i/g.OW%g.OH, i%g.OW
		in := e == 1 && oi >= 4 && oi <= 6 && oj >= 5 && oj <= 7
		if math.IsNaN(float64(v)) != in {
			t.Fatalf("NaN at y[%d] (image %d, %d, %d): %v", i, e, oi, oj, v)
		}
	}
}

// TestWinogradConvNarrowBackInput checks WinogradConvNarrowBackInput
// against WinogradConvBackInput on tiles of 2×2 into a cleared dx (the same
// operations in the same order, so equal values) and against a float64
// input gradient, on geometries whose gradient WinogradNarrowBackApplies
// takes (paddings 0 to 2, one and several images, chunks of one row of
// tiles and of everything); that it writes nothing past dx and leaves dy
// and the filters unchanged.
func TestWinogradConvNarrowBackInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	defer func(c int) { winoNarrowChunk = c }(winoNarrowChunk)
	for _, s := range []struct{ n, c, oc, h, w, pad int }{
		{1, 16, 32, 32, 32, 1}, {1, 32, 32, 16, 16, 1}, {3, 16, 16, 10, 16, 1}, {2, 8, 20, 16, 32, 0},
		{1, 4, 8, 8, 16, 2},
	} {
		g := NewWinogradGeomTile(s.c, s.oc, s.h, s.w, s.pad, 2)
		if !WinogradNarrowBackApplies(NewConvGeom(s.c, s.h, s.w, 3, 3, 1, s.pad), s.oc) && winoStride != nil && s.c >= 16 {
			t.Fatalf("%+v: WinogradNarrowBackApplies is false", s)
		}
		for _, chunk := range []int{1, 1 << 20} {
			winoNarrowChunk = chunk
			name := fmt.Sprintf("n%d_%dto%d_%dx%d_p%d_chunk%d", s.n, s.c, s.oc, s.h, s.w, s.pad, chunk)
			const guard = 7
			in, out := s.c*s.h*s.w, s.oc*g.OH*g.OW
			dy := withGuard(randSlice(rng, s.n*out), guard)
			w := withGuard(randSlice(rng, s.oc*s.c*9), guard)
			dyCopy, wCopy := slices.Clone(dy), slices.Clone(w)
			u := NewWinogradWeights(s.oc, s.c)
			u.Set(w)
			want := make([]float32, s.n*in)
			WinogradConvBackInput(want, dy, s.n, u, g)
			got := withGuard(randSlice(rng, s.n*in), guard)
			WinogradConvNarrowBackInput(got, dy[:s.n*out], s.n, u, g)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: dx[%d] = %v, WinogradConvBackInput gives %v", name, i, got[i], want[i])
				}
			}
			for i := len(want); i < len(got); i++ {
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("%s: wrote past dx at %d", name, i)
				}
			}
			if _, rel := maxErr(got[:len(want)], nntest.Conv3x3BackInput(dy, w, s.n, s.c, s.oc, s.h, s.w, 1, s.pad)); !(rel <= 2e-5) {
				t.Fatalf("%s: error %.3g of the gradient's scale", name, rel)
			}
			checkUnchanged(t, name+": dy", dy, dyCopy)
			checkUnchanged(t, name+": w", w, wCopy)
		}
	}
}

// BenchmarkWinogradNarrow puts WinogradConvNarrow beside ConvStride1 (what
// the narrow stride-1 convolutions of the built-in networks ran before) on
// the 3×3 'same' convolutions of the 64×64 networks, interleaved call by
// call, and reports the fastest call of each in µs and their ratio: the
// numbers behind WinogradNarrowApplies. Only a GOEXPERIMENT=simd wasm build
// has either kernel; elsewhere it is skipped.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench WinogradNarrow -benchtime 300x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinogradNarrow(b *testing.B) {
	if winoStride == nil || convRuns3 == nil {
		b.Skip("no SIMD kernels in this build (GOOS=js GOARCH=wasm GOEXPERIMENT=simd has them)")
	}
	for _, s := range []struct{ c, hw, oc int }{
		{16, 32, 32}, {32, 16, 32}, {16, 32, 16}, {16, 64, 16}, {8, 64, 8}, {8, 32, 16}, {16, 16, 32}, {32, 32, 32}, {32, 32, 64}, {64, 16, 64},
	} {
		g := NewConvGeom(s.c, s.hw, s.hw, 3, 3, 1, 1)
		wg := NewWinogradGeom(s.c, s.oc, s.hw, s.hw, 1)
		b.Run(fmt.Sprintf("%dto%d@%d", s.c, s.oc, s.hw), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randSlice(rng, s.c*s.hw*s.hw)
			w := randSlice(rng, s.oc*g.Rows())
			bias := randSlice(rng, s.oc)
			y := make([]float32, s.oc*g.Cols())
			u := NewWinogradWeights(s.oc, s.c)
			var direct, wino []time.Duration
			for b.Loop() {
				t0 := time.Now()
				ConvStride1(y, x, w, bias, s.oc, g)
				t1 := time.Now()
				u.Set(w)
				WinogradConvNarrow(y, x, bias, 1, u, wg)
				direct = append(direct, t1.Sub(t0))
				wino = append(wino, time.Since(t1))
			}
			td, tw := slices.Min(direct), slices.Min(wino)
			b.ReportMetric(float64(td.Nanoseconds())/1e3, "stride1-µs")
			b.ReportMetric(float64(tw.Nanoseconds())/1e3, "narrow-µs")
			b.ReportMetric(float64(tw)/float64(td), "narrow/stride1")
		})
	}
}

// TestWinogradConvNarrowPanics checks that WinogradConvNarrow and
// WinogradConvNarrowBackInput refuse, with errNarrowGeom, the geometries
// outside their contract, among them OW = 15 (eight tiles a row, as for
// OW = 16, but a row one column short), with buffers long enough for the
// geometry so that only the guard can stop them.
func TestWinogradConvNarrowPanics(t *testing.T) {
	for _, s := range []struct {
		name             string
		back             bool
		c, oc, h, w, pad int
	}{
		{"forward OW 15", false, 8, 16, 16, 15, 1},
		{"forward OH odd", false, 8, 16, 15, 16, 1},
		{"forward OC 6", false, 8, 6, 16, 16, 1},
		{"forward C 260", false, 260, 16, 16, 16, 1},
		{"input gradient W 15", true, 8, 16, 16, 15, 1},
		{"input gradient H odd", true, 8, 16, 15, 16, 1},
		{"input gradient C 6", true, 6, 16, 16, 16, 1},
	} {
		g := NewWinogradGeom(s.c, s.oc, s.h, s.w, s.pad)
		u := NewWinogradWeights(s.oc, s.c)
		u.Set(make([]float32, s.oc*s.c*9))
		x := make([]float32, s.c*s.h*s.w)
		y := make([]float32, s.oc*g.OH*g.OW)
		func() {
			defer func() {
				if r := recover(); r != errNarrowGeom {
					t.Errorf("%s: recover() = %v, want %q", s.name, r, errNarrowGeom)
				}
			}()
			if s.back {
				WinogradConvNarrowBackInput(x, y, 1, u, g)
			} else {
				WinogradConvNarrow(y, x, nil, 1, u, g)
			}
		}()
	}
}
