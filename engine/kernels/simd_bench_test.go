package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkMatMulSIMD puts the SIMD product and the scalar one side by side
// in one run: each iteration runs the product once with the wasm build's
// scalar tile (tile4x3, the default of a wasm build without
// GOEXPERIMENT=simd) and once with the SIMD build's default tile, timing
// each call, and reports the GFLOP/s of each from its fastest call and
// their ratio. The fastest call rather than the mean or median: on a
// machine whose cores are shared, wall-clock time includes waiting for a
// core, and more of it the longer a call is, which would flatter the faster
// kernel; the fastest of many calls is the one that was not interrupted. Only a GOEXPERIMENT=simd wasm
// build has SIMD kernels; elsewhere it is skipped.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -run '^$' -bench MatMulSIMD \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkMatMulSIMD(b *testing.B) {
	if len(simdTiles) == 0 {
		b.Skip("no SIMD kernels in this build (GOOS=js GOARCH=wasm GOEXPERIMENT=simd has them)")
	}
	shapes := []struct{ m, k, n int }{{256, 256, 256}, {32, 144, 1024}, {64, 288, 256}}
	for _, tr := range []struct {
		name           string
		transA, transB bool
	}{{"NN", false, false}, {"TN", true, false}, {"NT", false, true}} {
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", tr.name, s.m, s.k, s.n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				x := randSlice(rng, s.m*s.k)
				y := randSlice(rng, s.k*s.n)
				c := make([]float32, s.m*s.n)
				var scalar, vector []time.Duration
				for b.Loop() {
					t0 := time.Now()
					gemm(c, x, y, s.m, s.k, s.n, tr.transA, tr.transB, tile4x3)
					t1 := time.Now()
					gemm(c, x, y, s.m, s.k, s.n, tr.transA, tr.transB, defaultTile)
					scalar = append(scalar, t1.Sub(t0))
					vector = append(vector, time.Since(t1))
				}
				flop := 2 * float64(s.m*s.k*s.n)
				gs := flop / slices.Min(scalar).Seconds() / 1e9
				gv := flop / slices.Min(vector).Seconds() / 1e9
				b.ReportMetric(gs, "scalar-GFLOP/s")
				b.ReportMetric(gv, "simd-GFLOP/s")
				b.ReportMetric(gv/gs, "simd/scalar")
			})
		}
	}
}
