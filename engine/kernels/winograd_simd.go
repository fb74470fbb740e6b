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
	v = v[:15*cs+o+tw]
	for t0 := 0; t0 < tw; t0 += 4 {
		t := min(t0, tw-4)
		// Bᵀ d down columns k = 0 … 3 (even t, odd t, even t+1, odd t+1):
		// bik is row i of Bᵀ d at column k. Each vector is a variable of
		// its own: in an array, Go's wasm backend keeps them in memory.
		d0, d1, d2, d3 := load4(sp[t:]), load4(sp[2*h+t:]), load4(sp[4*h+t:]), load4(sp[6*h+t:])
		b00, b10, b20, b30 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(sp[h+t:]), load4(sp[3*h+t:]), load4(sp[5*h+t:]), load4(sp[7*h+t:])
		b01, b11, b21, b31 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(sp[t+1:]), load4(sp[2*h+t+1:]), load4(sp[4*h+t+1:]), load4(sp[6*h+t+1:])
		b02, b12, b22, b32 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(sp[h+t+1:]), load4(sp[3*h+t+1:]), load4(sp[5*h+t+1:]), load4(sp[7*h+t+1:])
		b03, b13, b23, b33 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		// B along each row i: positions 4i … 4i+3.
		k := o + t
		store4(b00.Sub(b02), v[k:])
		store4(b01.Add(b02), v[cs+k:])
		store4(b02.Sub(b01), v[2*cs+k:])
		store4(b01.Sub(b03), v[3*cs+k:])
		store4(b10.Sub(b12), v[4*cs+k:])
		store4(b11.Add(b12), v[5*cs+k:])
		store4(b12.Sub(b11), v[6*cs+k:])
		store4(b11.Sub(b13), v[7*cs+k:])
		store4(b20.Sub(b22), v[8*cs+k:])
		store4(b21.Add(b22), v[9*cs+k:])
		store4(b22.Sub(b21), v[10*cs+k:])
		store4(b21.Sub(b23), v[11*cs+k:])
		store4(b30.Sub(b32), v[12*cs+k:])
		store4(b31.Add(b32), v[13*cs+k:])
		store4(b32.Sub(b31), v[14*cs+k:])
		store4(b31.Sub(b33), v[15*cs+k:])
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

// winoNarrowTileRowVec does all of winoNarrowTileRow, four tiles at a time
// (t0 and tw are multiples of 4 in WinogradConvNarrow), with its
// operations in its order: those of winoTileRowVec, each group's 16
// positions stored into one block of 128 values. It returns how many it
// did, 0 or all.
func winoNarrowTileRowVec(v []float32, C, c, t0, tw int, sp []float32) int {
	if tw%4 != 0 || t0%4 != 0 {
		return 0
	}
	h := tw + 1
	sp = sp[:8*h]
	for t := 0; t < tw; t += 4 {
		// Even and odd columns t … t+4 of the four rows: each window gives
		// columns t (lanes 0–3) and t+1 (lanes 1–4).
		e0, o0 := (*[5]float32)(sp[t:t+5]), (*[5]float32)(sp[h+t:h+t+5])
		e1, o1 := (*[5]float32)(sp[2*h+t:2*h+t+5]), (*[5]float32)(sp[3*h+t:3*h+t+5])
		e2, o2 := (*[5]float32)(sp[4*h+t:4*h+t+5]), (*[5]float32)(sp[5*h+t:5*h+t+5])
		e3, o3 := (*[5]float32)(sp[6*h+t:6*h+t+5]), (*[5]float32)(sp[7*h+t:7*h+t+5])
		d0, d1, d2, d3 := load4(e0[0:4]), load4(e1[0:4]), load4(e2[0:4]), load4(e3[0:4])
		b00, b10, b20, b30 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(o0[0:4]), load4(o1[0:4]), load4(o2[0:4]), load4(o3[0:4])
		b01, b11, b21, b31 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(e0[1:5]), load4(e1[1:5]), load4(e2[1:5]), load4(e3[1:5])
		b02, b12, b22, b32 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		d0, d1, d2, d3 = load4(o0[1:5]), load4(o1[1:5]), load4(o2[1:5]), load4(o3[1:5])
		b03, b13, b23, b33 := d0.Sub(d2), d1.Add(d2), d2.Sub(d1), d1.Sub(d3)
		T := t0 + t
		o := ((T/8)*C+c)*128 + T%8
		blk := (*[124]float32)(v[o : o+124])
		store4(b00.Sub(b02), blk[0:4])
		store4(b01.Add(b02), blk[8:12])
		store4(b02.Sub(b01), blk[16:20])
		store4(b01.Sub(b03), blk[24:28])
		store4(b10.Sub(b12), blk[32:36])
		store4(b11.Add(b12), blk[40:44])
		store4(b12.Sub(b11), blk[48:52])
		store4(b11.Sub(b13), blk[56:60])
		store4(b20.Sub(b22), blk[64:68])
		store4(b21.Add(b22), blk[72:76])
		store4(b22.Sub(b21), blk[80:84])
		store4(b21.Sub(b23), blk[88:92])
		store4(b30.Sub(b32), blk[96:100])
		store4(b31.Add(b32), blk[104:108])
		store4(b32.Sub(b31), blk[112:116])
		store4(b31.Sub(b33), blk[120:124])
	}
	return tw
}

// winoNarrowRowsVec does all of winoNarrowRows when the rows hold a
// multiple of 4 tiles (always, in WinogradConvNarrow), four tiles at a
// time, with its operations in its order; the two outputs of each tile row
// are interleaved into y's columns as addInterleavedVec does. Every vector
// is a variable of its own (in arrays, Go's wasm backend keeps them in
// memory). It returns how many tiles it did, 0 or all.
func winoNarrowRowsVec(y, m []float32, ow int, b float32) int {
	tiles, tw := len(m)/16, ow/2
	if tw%4 != 0 {
		return 0
	}
	la, lb := archsimd.LoadInt8x16Array(&zipLoA), archsimd.LoadInt8x16Array(&zipLoB)
	ha, hb := archsimd.LoadInt8x16Array(&zipHiA), archsimd.LoadInt8x16Array(&zipHiB)
	bv := archsimd.BroadcastFloat32x4(b)
	for t := 0; t < tiles; t += 4 {
		o := (t/8)*128 + t%8
		q := (*[124]float32)(m[o : o+124])
		// Aᵀ down columns 0 … 3: s0j (row 0 of Aᵀ M) and s1j (row 1).
		a0, a1, a2, a3 := load4(q[0:4]), load4(q[32:36]), load4(q[64:68]), load4(q[96:100])
		s00, s10 := a0.Add(a1).Add(a2), a1.Sub(a2).Sub(a3)
		a0, a1, a2, a3 = load4(q[8:12]), load4(q[40:44]), load4(q[72:76]), load4(q[104:108])
		s01, s11 := a0.Add(a1).Add(a2), a1.Sub(a2).Sub(a3)
		a0, a1, a2, a3 = load4(q[16:20]), load4(q[48:52]), load4(q[80:84]), load4(q[112:116])
		s02, s12 := a0.Add(a1).Add(a2), a1.Sub(a2).Sub(a3)
		a0, a1, a2, a3 = load4(q[24:28]), load4(q[56:60]), load4(q[88:92]), load4(q[120:124])
		s03, s13 := a0.Add(a1).Add(a2), a1.Sub(a2).Sub(a3)
		// Along rows 0 and 1, plus the bias: even and odd output columns
		// 2tx … 2tx+7 of output rows 2ty and 2ty+1.
		ty, tx := t/tw, t%tw
		r0 := (*[8]float32)(y[2*ty*ow+2*tx : 2*ty*ow+2*tx+8])
		r1 := (*[8]float32)(y[(2*ty+1)*ow+2*tx : (2*ty+1)*ow+2*tx+8])
		e := bv.Add(s00.Add(s01).Add(s02))
		d := bv.Add(s01.Sub(s02).Sub(s03))
		store4(gather(e, d, la, lb), r0[0:4])
		store4(gather(e, d, ha, hb), r0[4:8])
		e = bv.Add(s10.Add(s11).Add(s12))
		d = bv.Add(s11.Sub(s12).Sub(s13))
		store4(gather(e, d, la, lb), r1[0:4])
		store4(gather(e, d, ha, hb), r1[4:8])
	}
	return tiles
}
