package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkFusedAct times MobileNetV2's 1×1 convolutions and depthwise
// layers with their bias and ReLU6 as separate passes (FillRows, the
// product or the kernel, then ClampTo into the same buffer) and as the
// fused forward runs them (MatMulPackedBias, DepthwiseConvBias with act),
// interleaved call by call, reporting the fastest call of each in ms.
func BenchmarkFusedAct(b *testing.B) {
	relu6 := Clamp(0, 6)
	for _, s := range []struct{ m, k, n int }{
		{96, 16, 12544}, {144, 24, 3136}, {192, 32, 784}, {384, 64, 196}, {960, 160, 49},
		{24, 96, 3136}, {64, 384, 196}, {320, 960, 49}, {1280, 320, 49},
	} {
		b.Run(fmt.Sprintf("1x1-%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			a, x, bias := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), randSlice(rng, s.m)
			var p PackedA
			p.Pack(a, s.m, s.k, false)
			y := make([]float32, s.m*s.n)
			var t [4][]time.Duration
			for b.Loop() {
				t0 := time.Now()
				FillRows(y, bias, s.m, s.n)
				MatMulPacked(y, &p, x, s.m, s.k, s.n)
				t1 := time.Now()
				MatMulPackedBias(y, &p, x, s.m, s.k, s.n, bias, Activation{})
				t2 := time.Now()
				FillRows(y, bias, s.m, s.n)
				MatMulPacked(y, &p, x, s.m, s.k, s.n)
				ClampTo(y, y, 0, 6)
				t3 := time.Now()
				MatMulPackedBias(y, &p, x, s.m, s.k, s.n, bias, relu6)
				t4 := time.Now()
				t[0], t[1], t[2], t[3] = append(t[0], t1.Sub(t0)), append(t[1], t2.Sub(t1)), append(t[2], t3.Sub(t2)), append(t[3], t4.Sub(t3))
			}
			ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Microseconds()) / 1000 }
			b.ReportMetric(ms(t[0]), "fill+mm-ms")
			b.ReportMetric(ms(t[1]), "bias-ms")
			b.ReportMetric(ms(t[2]), "fill+mm+clamp-ms")
			b.ReportMetric(ms(t[3]), "bias+act-ms")
		})
	}
	for _, s := range []struct{ c, hw, stride int }{{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {384, 14, 1}, {960, 7, 1}} {
		g := NewConvGeom(s.c, s.hw, s.hw, 3, 3, s.stride, 1)
		b.Run(fmt.Sprintf("dw-%dx%d²-s%d", s.c, s.hw, s.stride), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x, w, bias := randSlice(rng, g.C*g.H*g.W), randSlice(rng, g.C*9), randSlice(rng, g.C)
			y := make([]float32, g.C*g.OH*g.OW)
			var t [2][]time.Duration
			for b.Loop() {
				t0 := time.Now()
				DepthwiseConvBias(y, x, w, bias, g, Activation{})
				ClampTo(y, y, 0, 6)
				t1 := time.Now()
				DepthwiseConvBias(y, x, w, bias, g, relu6)
				t2 := time.Now()
				t[0], t[1] = append(t[0], t1.Sub(t0)), append(t[1], t2.Sub(t1))
			}
			ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Microseconds()) / 1000 }
			b.ReportMetric(ms(t[0]), "dw+clamp-ms")
			b.ReportMetric(ms(t[1]), "dw-act-ms")
		})
	}
}
