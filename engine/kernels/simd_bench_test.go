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

// BenchmarkDepthwise puts the direct depthwise kernels beside what the graph
// ran before them, im2col and a one-row product per channel, on MobileNetV2's
// depthwise shapes, and reports the fastest call of each (see
// BenchmarkMatMulSIMD for why the fastest) in ms and their ratio.
func BenchmarkDepthwise(b *testing.B) {
	for _, s := range []struct{ c, hw, stride int }{{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {384, 14, 1}, {960, 7, 1}} {
		g := NewConvGeom(s.c, s.hw, s.hw, 3, 3, s.stride, 1)
		b.Run(fmt.Sprintf("%dx%d²-s%d", s.c, s.hw, s.stride), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randSlice(rng, g.C*g.H*g.W)
			w := randSlice(rng, g.C*9)
			y := make([]float32, g.C*g.OH*g.OW)
			one := g
			one.C = 1
			col := make([]float32, 9*g.OH*g.OW)
			P := g.OH * g.OW
			var im2col, direct []time.Duration
			for b.Loop() {
				t0 := time.Now()
				for c := 0; c < g.C; c++ {
					Im2Col(col, x[c*g.H*g.W:(c+1)*g.H*g.W], one)
					MatMul(y[c*P:(c+1)*P], w[c*9:(c+1)*9], col, 1, 9, P)
				}
				t1 := time.Now()
				DepthwiseConv(y, x, w, g)
				im2col = append(im2col, t1.Sub(t0))
				direct = append(direct, time.Since(t1))
			}
			ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Microseconds()) / 1000 }
			b.ReportMetric(ms(im2col), "im2col-ms")
			b.ReportMetric(ms(direct), "direct-ms")
			b.ReportMetric(ms(direct)/ms(im2col), "direct/im2col")
		})
	}
}

// BenchmarkDepthwisePasses times each depthwise kernel alone on
// MobileNetV2's depthwise shapes, reporting the fastest call of each in ms:
// the forward pass, the input gradient and the weight gradient.
func BenchmarkDepthwisePasses(b *testing.B) {
	for _, s := range []struct{ c, hw, stride int }{{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {384, 14, 1}, {960, 7, 1}} {
		g := NewConvGeom(s.c, s.hw, s.hw, 3, 3, s.stride, 1)
		b.Run(fmt.Sprintf("%dx%d²-s%d", s.c, s.hw, s.stride), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randSlice(rng, g.C*g.H*g.W)
			w := randSlice(rng, g.C*9)
			dy := randSlice(rng, g.C*g.OH*g.OW)
			y := make([]float32, len(dy))
			dx := make([]float32, len(x))
			dw := make([]float32, len(w))
			var fw, bx, bw []time.Duration
			for b.Loop() {
				t0 := time.Now()
				DepthwiseConv(y, x, w, g)
				t1 := time.Now()
				DepthwiseConvBackInput(dx, dy, w, g)
				t2 := time.Now()
				DepthwiseConvBackWeight(dw, dy, x, g)
				fw = append(fw, t1.Sub(t0))
				bx = append(bx, t2.Sub(t1))
				bw = append(bw, time.Since(t2))
			}
			ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Microseconds()) / 1000 }
			b.ReportMetric(ms(fw), "forward-ms")
			b.ReportMetric(ms(bx), "input-grad-ms")
			b.ReportMetric(ms(bw), "weight-grad-ms")
		})
	}
}

// BenchmarkIm2ColStrided times Im2Col and Col2Im on the stride-2
// convolutions of MobileNetV2 (its first 3×3) and ResNet-18 (the first 7×7
// and a 3×3 downsampling layer), reporting the fastest call of each in ms.
func BenchmarkIm2ColStrided(b *testing.B) {
	for _, c := range []struct {
		name string
		g    ConvGeom
	}{
		{"3x224²-3x3s2", NewConvGeom(3, 224, 224, 3, 3, 2, 1)},
		{"3x224²-7x7s2", NewConvGeom(3, 224, 224, 7, 7, 2, 3)},
		{"64x56²-3x3s2", NewConvGeom(64, 56, 56, 3, 3, 2, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := c.g
			rng := rand.New(rand.NewPCG(1, 1))
			img := randSlice(rng, g.C*g.H*g.W)
			col := randSlice(rng, g.Rows()*g.Cols())
			var unroll, roll []time.Duration
			for b.Loop() {
				t0 := time.Now()
				Im2Col(col, img, g)
				t1 := time.Now()
				Col2Im(img, col, g)
				unroll = append(unroll, t1.Sub(t0))
				roll = append(roll, time.Since(t1))
			}
			ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Microseconds()) / 1000 }
			b.ReportMetric(ms(unroll), "im2col-ms")
			b.ReportMetric(ms(roll), "col2im-ms")
		})
	}
}

// BenchmarkMaxPool puts MaxPool beside MaxPoolNaive (a bounds test per tap,
// as the graph's general loop does) on ResNet's 3×3 stride-2 pool of
// 64×112², reporting the fastest call of each in ms and their ratio.
func BenchmarkMaxPool(b *testing.B) {
	for _, c := range []struct {
		name string
		g    ConvGeom
	}{
		{"64x112x112/3x3s2p1", NewConvGeom(64, 112, 112, 3, 3, 2, 1)},
		{"16x64x64/2x2s2", NewConvGeom(16, 64, 64, 2, 2, 2, 0)},
	} {
		b.Run(c.name, func(b *testing.B) { benchmarkMaxPool(b, c.g) })
	}
}

func benchmarkMaxPool(b *testing.B, g ConvGeom) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randSlice(rng, g.C*g.H*g.W)
	y := make([]float32, g.C*g.OH*g.OW)
	arg := make([]int32, len(y))
	var naive, fast []time.Duration
	for b.Loop() {
		t0 := time.Now()
		MaxPoolNaive(y, arg, x, g)
		t1 := time.Now()
		MaxPool(y, arg, x, g)
		naive = append(naive, t1.Sub(t0))
		fast = append(fast, time.Since(t1))
	}
	ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Nanoseconds()) / 1e6 }
	b.ReportMetric(ms(naive), "naive-ms")
	b.ReportMetric(ms(fast), "fast-ms")
	b.ReportMetric(ms(fast)/ms(naive), "fast/naive")
}

// BenchmarkMaxPool2x2Rows puts MaxPool2x2, which does every plane in one
// maxPoolRowsVec call where the rows allow, beside the same windows done
// output row by output row (maxPool2x2ByRow), interleaved call by call, on
// Phantom's three pools, and reports the fastest call of each in µs.
func BenchmarkMaxPool2x2Rows(b *testing.B) {
	for _, s := range []struct{ c, h, w int }{{16, 64, 64}, {32, 32, 32}, {32, 16, 16}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.c, s.h, s.w), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randSlice(rng, s.c*s.h*s.w)
			y := make([]float32, s.c*s.h*s.w/4)
			arg := make([]int32, len(y))
			var byRow, whole []time.Duration
			for b.Loop() {
				t0 := time.Now()
				maxPool2x2ByRow(y, arg, x, s.c, s.h, s.w, 0, false)
				t1 := time.Now()
				MaxPool2x2(y, arg, x, s.c, s.h, s.w, 0)
				byRow = append(byRow, t1.Sub(t0))
				whole = append(whole, time.Since(t1))
			}
			us := func(d []time.Duration) float64 { return float64(slices.Min(d).Nanoseconds()) / 1e3 }
			b.ReportMetric(us(byRow), "by-row-us")
			b.ReportMetric(us(whole), "whole-us")
			b.ReportMetric(us(whole)/us(byRow), "whole/by-row")
		})
	}
}

// BenchmarkConvStride1 puts ConvStride1 beside what it replaces, Im2Col and
// MatMul, on the stride-1 3×3 convolutions of the 64×64 networks and two
// wider ones, interleaved call by call, and reports the fastest call of each
// (see BenchmarkMatMulSIMD for why the fastest) in µs and their ratio: the
// numbers behind convStride1MaxOC. Only a GOEXPERIMENT=simd wasm build has
// ConvStride1's kernel; elsewhere it is skipped.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -run '^$' -bench ConvStride1 \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkConvStride1(b *testing.B) {
	if convRuns3 == nil {
		b.Skip("no ConvStride1 kernel in this build (GOOS=js GOARCH=wasm GOEXPERIMENT=simd has it)")
	}
	for _, s := range []struct{ c, hw, oc int }{
		{1, 64, 8}, {8, 64, 8}, {1, 64, 16}, {16, 32, 16}, {16, 32, 32}, {32, 16, 32}, {16, 64, 16}, {32, 32, 64}, {64, 28, 64},
	} {
		g := NewConvGeom(s.c, s.hw, s.hw, 3, 3, 1, 1)
		b.Run(fmt.Sprintf("%dto%d@%d", s.c, s.oc, s.hw), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randSlice(rng, s.c*s.hw*s.hw)
			w := randSlice(rng, s.oc*g.Rows())
			bias := randSlice(rng, s.oc)
			col := make([]float32, g.Rows()*g.Cols())
			y := make([]float32, s.oc*g.Cols())
			var im2col, direct []time.Duration
			for b.Loop() {
				t0 := time.Now()
				Im2Col(col, x, g)
				FillRows(y, bias, s.oc, g.Cols())
				MatMul(y, w, col, s.oc, g.Rows(), g.Cols())
				t1 := time.Now()
				ConvStride1(y, x, w, bias, s.oc, g)
				im2col = append(im2col, t1.Sub(t0))
				direct = append(direct, time.Since(t1))
			}
			ti, td := slices.Min(im2col), slices.Min(direct)
			b.ReportMetric(float64(ti.Nanoseconds())/1e3, "im2col-µs")
			b.ReportMetric(float64(td.Nanoseconds())/1e3, "stride1-µs")
			b.ReportMetric(float64(td)/float64(ti), "stride1/im2col")
		})
	}
}
