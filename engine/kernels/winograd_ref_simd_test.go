//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// The SIMD steps of the references in winograd_ref_test.go, as
// winograd_simd.go had them before the input rows were split once, so that
// BenchmarkWinogradInput and BenchmarkWinogradOutput compare against what
// ran before.

// winoColsRefVec does winoColsRef on the longest multiple-of-4 prefix.
func winoColsRefVec(b0, b1, b2, b3, d0, d1, d2, d3 []float32) int {
	n := len(b0) &^ 3
	for j := 0; j < n; j += 4 {
		x0, x1, x2, x3 := load4(d0[j:]), load4(d1[j:]), load4(d2[j:]), load4(d3[j:])
		store4(x0.Sub(x2), b0[j:])
		store4(x1.Add(x2), b1[j:])
		store4(x2.Sub(x1), b2[j:])
		store4(x1.Sub(x3), b3[j:])
	}
	return n
}

// winoRowRefVec does winoRowRef on the longest multiple-of-4 prefix of the tiles.
func winoRowRefVec(v0, v1, v2, v3, ev, od []float32) int {
	n := len(v0) &^ 3
	for t := 0; t < n; t += 4 {
		e0, o0 := load4(ev[t:]), load4(od[t:])
		e1, o1 := load4(ev[t+1:]), load4(od[t+1:])
		store4(e0.Sub(e1), v0[t:])
		store4(o0.Add(e1), v1[t:])
		store4(e1.Sub(o0), v2[t:])
		store4(o0.Sub(o1), v3[t:])
	}
	return n
}

// winoTilesRefVec does winoTilesRef on the longest multiple-of-4 prefix.
func winoTilesRefVec(y00, y01, y10, y11 []float32, ms *[16][]float32) int {
	n := len(y00) &^ 3
	for t := 0; t < n; t += 4 {
		var a [8]archsimd.Float32x4
		for j := 0; j < 4; j++ {
			m0, m1, m2, m3 := load4(ms[j][t:]), load4(ms[4+j][t:]), load4(ms[8+j][t:]), load4(ms[12+j][t:])
			a[j] = m0.Add(m1).Add(m2)
			a[4+j] = m1.Sub(m2).Sub(m3)
		}
		store4(a[0].Add(a[1]).Add(a[2]), y00[t:])
		store4(a[1].Sub(a[2]).Sub(a[3]), y01[t:])
		store4(a[4].Add(a[5]).Add(a[6]), y10[t:])
		store4(a[5].Sub(a[6]).Sub(a[7]), y11[t:])
	}
	return n
}

// wino4BRefVec does all of wino4B if it has at least 4 values: four at a
// time, and the last four again when 4 does not divide their number (each
// output depends only on the inputs at its index, and b and d do not
// overlap). It returns how many it did, 0 or all.
func wino4BRefVec(b, d *[6][]float32) int {
	n := len(b[0])
	if n < 4 {
		return 0
	}
	half, two := archsimd.BroadcastFloat32x4(0.5), archsimd.BroadcastFloat32x4(2)
	c15, c25 := archsimd.BroadcastFloat32x4(1.5), archsimd.BroadcastFloat32x4(2.5)
	for j0 := 0; j0 < n; j0 += 4 {
		j := min(j0, n-4)
		d0, d1, d2 := load4(d[0][j:]), load4(d[1][j:]), load4(d[2][j:])
		d3, d4, d5 := load4(d[3][j:]), load4(d[4][j:]), load4(d[5][j:])
		e, f := d4.Sub(d2), d1.Sub(d3)
		store4(d0.Add(d4).Sub(two.Mul(d2)).Sub(c15.Mul(f)), b[0][j:])
		store4(d4.Sub(d1).Add(half.Mul(d2)).Add(c25.Mul(d3)), b[1][j:])
		store4(d4.Add(d1).Sub(c25.Mul(d2)).Add(half.Mul(d3)), b[2][j:])
		store4(e.Sub(two.Mul(f)), b[3][j:])
		store4(e.Add(half.Mul(f)), b[4][j:])
		store4(d1.Add(d5).Sub(two.Mul(d3)).Sub(c15.Mul(d2.Sub(d4))), b[5][j:])
	}
	return n
}
