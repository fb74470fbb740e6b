//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// The Winograd transforms' element-wise steps four tiles (or columns) at a
// time; each returns how many it did (a multiple of 4, or all of them for
// those that redo their last four), and the scalar loops of winograd.go and
// winograd4.go finish the rest with the same operations in the same order.

func load4(s []float32) archsimd.Float32x4 { return archsimd.LoadFloat32x4Array((*[4]float32)(s[:4])) }

func store4(v archsimd.Float32x4, s []float32) { v.StoreArray((*[4]float32)(s[:4])) }

// winoTileRowVec does all of winoTileRow if the row has at least 4 tiles:
// four at a time, and the last four again when 4 does not divide their
// number (each tile's outputs depend only on its own inputs, and v and the
// split rows do not overlap). It returns how many it did, 0 or all.
func winoTileRowVec(v []float32, cs, o, tw int, sp []float32) int {
	if tw < 4 {
		return 0
	}
	h := tw + 1
	sp = sp[:8*h]
	for t0 := 0; t0 < tw; t0 += 4 {
		t := min(t0, tw-4)
		var b [4][4]archsimd.Float32x4
		for k, off := range [4]int{t, h + t, t + 1, h + t + 1} {
			d0, d1, d2, d3 := load4(sp[off:]), load4(sp[2*h+off:]), load4(sp[4*h+off:]), load4(sp[6*h+off:])
			b[0][k], b[1][k], b[2][k], b[3][k] = d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		}
		for i := range b {
			q := &b[i]
			out := v[4*i*cs+o+t:]
			store4(q[0].Sub(q[2]), out)
			store4(q[1].Add(q[2]), out[cs:])
			store4(q[2].Sub(q[1]), out[2*cs:])
			store4(q[1].Sub(q[3]), out[3*cs:])
		}
	}
	return tw
}

// wino2AVec does wino2A on the longest multiple-of-4 prefix, in place as
// wino2A allows (each step loads all its inputs before it stores).
func wino2AVec(y0, y1, m0, m1, m2, m3 []float32) int {
	n := len(y0) &^ 3
	for j := 0; j < n; j += 4 {
		a0, a1, a2, a3 := load4(m0[j:]), load4(m1[j:]), load4(m2[j:]), load4(m3[j:])
		store4(a0.Add(a1).Add(a2), y0[j:])
		store4(a1.Sub(a2).Sub(a3), y1[j:])
	}
	return n
}

// Byte indices that interleave two vectors a and b: [a0 b0 a1 b1] is a's
// lanes 0 and 1 (zipLoA) ORed with b's (zipLoB), [a2 b2 a3 b3] lanes 2 and
// 3 (zipHiA, zipHiB).
var (
	zipLoA = [16]int8{0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1}
	zipLoB = [16]int8{-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7}
	zipHiA = [16]int8{8, 9, 10, 11, -1, -1, -1, -1, 12, 13, 14, 15, -1, -1, -1, -1}
	zipHiB = [16]int8{-1, -1, -1, -1, 8, 9, 10, 11, -1, -1, -1, -1, 12, 13, 14, 15}
)

// addInterleavedVec does addInterleaved four values of a and b at a time,
// as many groups as fit, and returns how many of each it did.
func addInterleavedVec(y, a, b []float32) int {
	la, lb := archsimd.LoadInt8x16Array(&zipLoA), archsimd.LoadInt8x16Array(&zipLoB)
	ha, hb := archsimd.LoadInt8x16Array(&zipHiA), archsimd.LoadInt8x16Array(&zipHiB)
	n := min(len(a), len(b), len(y)/2) &^ 3
	for t := 0; t < n; t += 4 {
		va, vb := load4(a[t:]), load4(b[t:])
		lo, hi := gather(va, vb, la, lb), gather(va, vb, ha, hb)
		store4(load4(y[2*t:]).Add(lo), y[2*t:])
		store4(load4(y[2*t+4:]).Add(hi), y[2*t+4:])
	}
	return n
}

// wino4AVec does wino4A on the longest multiple-of-4 prefix, in place as
// wino4A allows (each step loads all its inputs before it stores).
func wino4AVec(y *[4][]float32, m *[6][]float32) int {
	n := len(y[0]) &^ 3
	c2, c4, c8 := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(4), archsimd.BroadcastFloat32x4(8)
	c05, c025, c0125 := archsimd.BroadcastFloat32x4(0.5), archsimd.BroadcastFloat32x4(0.25), archsimd.BroadcastFloat32x4(0.125)
	for j := 0; j < n; j += 4 {
		m0, m1, m2 := load4(m[0][j:]), load4(m[1][j:]), load4(m[2][j:])
		m3, m4, m5 := load4(m[3][j:]), load4(m[4][j:]), load4(m[5][j:])
		s, d := m1.Add(m2), m1.Sub(m2)
		store4(m0.Add(s).Add(m3.Add(m4)), y[0][j:])
		store4(d.Add(c05.Mul(m3).Sub(c2.Mul(m4))), y[1][j:])
		store4(s.Add(c025.Mul(m3).Add(c4.Mul(m4))), y[2][j:])
		store4(d.Add(c0125.Mul(m3).Sub(c8.Mul(m4))).Add(m5), y[3][j:])
	}
	return n
}

// splitVec writes even[i] = src[2i] and odd[i] = src[2i+1] four values of
// each at a time, gathering the even and odd lanes of two vectors (gather,
// as MaxPool's kernels do), for as many groups of four as src holds whole,
// and returns how many of each it wrote (a multiple of 4).
func splitVec(even, odd, src []float32) int {
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	n := min(len(even), len(odd), len(src)/2) &^ 3
	for i := 0; i < n; i += 4 {
		a, b := load4(src[2*i:]), load4(src[2*i+4:])
		store4(gather(a, b, el, eh), even[i:])
		store4(gather(a, b, ol, oh), odd[i:])
	}
	return n
}

// wino4BRowsVec does all of wino4BRows if the row has at least 4 tiles:
// four at a time, and the last four again when 4 does not divide their
// number (v and b do not overlap), with wino4BAt's operations in its
// order. It returns how many tiles it did, 0 or all.
func wino4BRowsVec(v []float32, cs, o, tw int, b []float32) int {
	if tw < 4 {
		return 0
	}
	h := tw + 1
	b = b[:24*h]
	half, two := archsimd.BroadcastFloat32x4(0.5), archsimd.BroadcastFloat32x4(2)
	c15, c25 := archsimd.BroadcastFloat32x4(1.5), archsimd.BroadcastFloat32x4(2.5)
	for t0 := 0; t0 < tw; t0 += 4 {
		t := min(t0, tw-4)
		for i := 0; i < 6; i++ {
			q := b[4*i*h : 4*(i+1)*h]
			d0, d1, d2 := load4(q[t:]), load4(q[h+t:]), load4(q[2*h+t:])
			d3, d4, d5 := load4(q[3*h+t:]), load4(q[t+1:]), load4(q[h+t+1:])
			e, f := d4.Sub(d2), d1.Sub(d3)
			out := v[6*i*cs+o+t:]
			store4(d0.Add(d4).Sub(two.Mul(d2)).Sub(c15.Mul(f)), out)
			store4(d4.Sub(d1).Add(half.Mul(d2)).Add(c25.Mul(d3)), out[cs:])
			store4(d4.Add(d1).Sub(c25.Mul(d2)).Add(half.Mul(d3)), out[2*cs:])
			store4(e.Sub(two.Mul(f)), out[3*cs:])
			store4(e.Add(half.Mul(f)), out[4*cs:])
			store4(d1.Add(d5).Sub(two.Mul(d3)).Sub(c15.Mul(d2.Sub(d4))), out[5*cs:])
		}
	}
	return tw
}

// wino4BDownVec does all of wino4BDown if the rows have at least 4 values,
// the last four again when 4 does not divide their number (b and d do not
// overlap), with wino4BAt's operations in its order. It returns how many
// it did, 0 or all.
func wino4BDownVec(b, d []float32, n int) int {
	if n < 4 {
		return 0
	}
	b, d = b[:6*n], d[:6*n]
	half, two := archsimd.BroadcastFloat32x4(0.5), archsimd.BroadcastFloat32x4(2)
	c15, c25 := archsimd.BroadcastFloat32x4(1.5), archsimd.BroadcastFloat32x4(2.5)
	for j0 := 0; j0 < n; j0 += 4 {
		j := min(j0, n-4)
		d0, d1, d2 := load4(d[j:]), load4(d[n+j:]), load4(d[2*n+j:])
		d3, d4, d5 := load4(d[3*n+j:]), load4(d[4*n+j:]), load4(d[5*n+j:])
		e, f := d4.Sub(d2), d1.Sub(d3)
		store4(d0.Add(d4).Sub(two.Mul(d2)).Sub(c15.Mul(f)), b[j:])
		store4(d4.Sub(d1).Add(half.Mul(d2)).Add(c25.Mul(d3)), b[n+j:])
		store4(d4.Add(d1).Sub(c25.Mul(d2)).Add(half.Mul(d3)), b[2*n+j:])
		store4(e.Sub(two.Mul(f)), b[3*n+j:])
		store4(e.Add(half.Mul(f)), b[4*n+j:])
		store4(d1.Add(d5).Sub(two.Mul(d3)).Sub(c15.Mul(d2.Sub(d4))), b[5*n+j:])
	}
	return n
}
