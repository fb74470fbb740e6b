package data

import "math"

// The builtin min and max of floating-point numbers compile to calls into
// the runtime in WebAssembly (they have to order NaNs and signed zeros),
// and those calls cost more than the arithmetic around them in the
// generators' inner loops. The functions below give the builtins' results
// bit for bit, NaNs and signed zeros included (TestFloatMinMax), and are
// small enough to be inlined.

// max0 returns max(0, x).
func max0(x float64) float64 {
	if x > 0 || x != x {
		return x
	}
	return 0
}

// clamp01 returns min(1, max(0, x)).
func clamp01(x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	return x
}

// minf returns min(a, b).
func minf(a, b float64) float64 {
	if a < b || a != a || (a == b && math.Signbit(a)) {
		return a
	}
	return b
}

// maxf returns max(a, b).
func maxf(a, b float64) float64 {
	if a > b || a != a || (a == b && !math.Signbit(a)) {
		return a
	}
	return b
}

// max32 returns max(a, b).
func max32(a, b float32) float32 {
	if a > b || a != a || (a == b && math.Float32bits(a)>>31 == 0) {
		return a
	}
	return b
}
