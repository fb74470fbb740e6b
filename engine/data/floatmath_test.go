package data

import (
	"math"
	"testing"
)

// TestFloatMinMax checks the inlinable min and max against the builtins,
// bit for bit, over signed zeros, infinities, NaN and ordinary numbers.
func TestFloatMinMax(t *testing.T) {
	negZero := math.Copysign(0, -1)
	xs := []float64{0, negZero, 1, -1, 0.5, 2, 1e-310, -1e-310, math.Inf(1), math.Inf(-1), math.NaN(), math.Nextafter(1, 0), math.Nextafter(0, 1)}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, a := range xs {
		if got, want := max0(a), max(0, a); !same(got, want) {
			t.Errorf("max0(%g) = %g, want %g", a, got, want)
		}
		if got, want := clamp01(a), min(1, max(0, a)); !same(got, want) {
			t.Errorf("clamp01(%g) = %g, want %g", a, got, want)
		}
		for _, b := range xs {
			if got, want := minf(a, b), min(a, b); !same(got, want) {
				t.Errorf("minf(%g, %g) = %g, want %g", a, b, got, want)
			}
			if got, want := maxf(a, b), max(a, b); !same(got, want) {
				t.Errorf("maxf(%g, %g) = %g, want %g", a, b, got, want)
			}
			a32, b32 := float32(a), float32(b)
			if got, want := max32(a32, b32), max(a32, b32); !same(float64(got), float64(want)) || math.Float32bits(got) != math.Float32bits(want) && got == got {
				t.Errorf("max32(%g, %g) = %g, want %g", a32, b32, got, want)
			}
		}
	}
}
