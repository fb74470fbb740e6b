package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestAvgPoolConformance compares AvgPool and AvgPoolBack with their naive
// references on every geometry of convGeoms and DenseNet's 2×2/2 pool, with
// arbitrary divisors, a non-zero gradient to add to and NaN guards past
// every buffer. AvgPool must overwrite whatever y held.
func TestAvgPoolConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, g := range append(convGeoms(), NewConvGeom(4, 56, 56, 2, 2, 2, 0), NewConvGeom(3, 7, 7, 3, 3, 2, 1)) {
		name := fmt.Sprintf("%+v", g)
		x := randSlice(rng, g.C*g.H*g.W)
		div := randSlice(rng, g.OH*g.OW)
		dy := randSlice(rng, g.C*g.OH*g.OW)
		dx0 := randSlice(rng, len(x))

		want := make([]float32, len(dy))
		AvgPoolNaive(want, x, div, g)
		got := withGuard(randSlice(rng, len(dy)), 3)
		AvgPool(got, x, div, g)
		closeTo(t, "AvgPool "+name, got, want, 1e-6)

		want = append([]float32(nil), dx0...)
		AvgPoolBackNaive(want, dy, div, g)
		got = withGuard(dx0, 3)
		AvgPoolBack(got, dy, div, g)
		closeTo(t, "AvgPoolBack "+name, got, want, 1e-6)
	}
}

// BenchmarkAvgPool puts AvgPool and AvgPoolBack beside their naive
// references (a bounds test and a closure call per tap, as the graph's
// general loop does) on DenseNet-121's first transition pool, 128×56² 2×2/2,
// reporting the fastest call of each in ms.
func BenchmarkAvgPool(b *testing.B) {
	g := NewConvGeom(128, 56, 56, 2, 2, 2, 0)
	rng := rand.New(rand.NewPCG(1, 1))
	x := randSlice(rng, g.C*g.H*g.W)
	div := randSlice(rng, g.OH*g.OW)
	y := make([]float32, g.C*g.OH*g.OW)
	var naive, fast, naiveBack, fastBack []time.Duration
	for b.Loop() {
		t0 := time.Now()
		AvgPoolNaive(y, x, div, g)
		t1 := time.Now()
		AvgPool(y, x, div, g)
		t2 := time.Now()
		AvgPoolBackNaive(x, y, div, g)
		t3 := time.Now()
		AvgPoolBack(x, y, div, g)
		naive = append(naive, t1.Sub(t0))
		fast = append(fast, t2.Sub(t1))
		naiveBack = append(naiveBack, t3.Sub(t2))
		fastBack = append(fastBack, time.Since(t3))
	}
	ms := func(d []time.Duration) float64 { return float64(slices.Min(d).Nanoseconds()) / 1e6 }
	b.ReportMetric(ms(naive), "naive-ms")
	b.ReportMetric(ms(fast), "fast-ms")
	b.ReportMetric(ms(naiveBack), "naive-back-ms")
	b.ReportMetric(ms(fastBack), "fast-back-ms")
}
