//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// packWide packs the first full panels of nr ≥ 4 columns of a K×N B
// (columns j0.., steps k0..k0+kc) into dst. For the 8-wide tile it packs two
// panels at a time: each step reads 16 values of a row of B (one cache line
// when aligned) as four vectors and writes eight to each panel, so every
// line of B is read once and the writes go to two sequential streams. (A
// step-by-step dealing to all panels of the block writes to panels kc·8
// values apart, a power-of-two stride whose lines share one L1 set and
// evict one another.)
func packWide(dst, b []float32, n, k0, kc, j0, full, nr int) {
	q := 0
	if nr == 8 {
		for ; q+2 <= full; q += 2 {
			p0 := dst[q*8*kc : (q+1)*8*kc]
			p1 := dst[(q+1)*8*kc : (q+2)*8*kc]
			for s := 0; s < kc; s++ {
				v := (*[16]float32)(b[(k0+s)*n+j0+q*8:][:16])
				d0, d1 := (*[8]float32)(p0[s*8:s*8+8]), (*[8]float32)(p1[s*8:s*8+8])
				archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4])).StoreArray((*[4]float32)(d0[0:4]))
				archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8])).StoreArray((*[4]float32)(d0[4:8]))
				archsimd.LoadFloat32x4Array((*[4]float32)(v[8:12])).StoreArray((*[4]float32)(d1[0:4]))
				archsimd.LoadFloat32x4Array((*[4]float32)(v[12:16])).StoreArray((*[4]float32)(d1[4:8]))
			}
		}
	}
	// Other widths (4, 12), and an odd last 8-wide panel: one panel at a
	// time, four values per vector.
	for ; q < full; q++ {
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		for s := 0; s < kc; s++ {
			src := b[(k0+s)*n+j0+q*nr:][:nr]
			d := panel[s*nr : (s+1)*nr]
			for i := 0; i+4 <= nr; i += 4 {
				archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4])).StoreArray((*[4]float32)(d[i : i+4]))
			}
		}
	}
}

// packATrans4 packs the first full panels of four rows of a transposed A
// (stored K×M: at each step a panel's four values are contiguous) for
// packA, as packWide packs B: four panels at a time, each step reading 16
// values of a row of A (one cache line when aligned) as four vectors and
// writing one to each panel's sequential stream. It returns how many
// panels it packed; packA's loop does the rest.
func packATrans4(dst, a []float32, m, i0, mc, k0, kc int) int {
	full := mc / 4
	p := 0
	for ; p+4 <= full; p += 4 {
		p0 := dst[p*4*kc : (p+1)*4*kc]
		p1 := dst[(p+1)*4*kc : (p+2)*4*kc]
		p2 := dst[(p+2)*4*kc : (p+3)*4*kc]
		p3 := dst[(p+3)*4*kc : (p+4)*4*kc]
		for s := 0; s < kc; s++ {
			v := (*[16]float32)(a[(k0+s)*m+i0+p*4:][:16])
			archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4])).StoreArray((*[4]float32)(p0[s*4 : s*4+4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8])).StoreArray((*[4]float32)(p1[s*4 : s*4+4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[8:12])).StoreArray((*[4]float32)(p2[s*4 : s*4+4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[12:16])).StoreArray((*[4]float32)(p3[s*4 : s*4+4]))
		}
	}
	for ; p < full; p++ {
		panel := dst[p*4*kc : (p+1)*4*kc]
		for s := 0; s < kc; s++ {
			archsimd.LoadFloat32x4Array((*[4]float32)(a[(k0+s)*m+i0+p*4:][:4])).StoreArray((*[4]float32)(panel[s*4 : s*4+4]))
		}
	}
	return full
}

// Byte indices that take the low (lo64) or high (hi64) two lanes of each of
// two vectors: [a0 a1 b0 b1] is gather(a, b, lo64a, lo64b), [a2 a3 b2 b3]
// gather(a, b, hi64a, hi64b).
var (
	lo64a = [16]int8{0, 1, 2, 3, 4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1}
	lo64b = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7}
	hi64a = [16]int8{8, 9, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1}
	hi64b = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 8, 9, 10, 11, 12, 13, 14, 15}
)

// interleave4Vec does interleave4 four steps at a time, as a 4×4 transpose
// of one vector of each row, and returns how many steps it did.
func interleave4Vec(dst, r0, r1, r2, r3 []float32) int {
	n := len(r0) &^ 3
	if n == 0 {
		return 0
	}
	r0, r1, r2, r3, dst = r0[:n], r1[:n], r2[:n], r3[:n], dst[:4*n]
	zl0, zl1 := archsimd.LoadInt8x16Array(&zipLo0), archsimd.LoadInt8x16Array(&zipLo1)
	zh0, zh1 := archsimd.LoadInt8x16Array(&zipHi0), archsimd.LoadInt8x16Array(&zipHi1)
	la, lb := archsimd.LoadInt8x16Array(&lo64a), archsimd.LoadInt8x16Array(&lo64b)
	ha, hb := archsimd.LoadInt8x16Array(&hi64a), archsimd.LoadInt8x16Array(&hi64b)
	for s := 0; s < n; s += 4 {
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(r0[s : s+4]))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(r1[s : s+4]))
		v2 := archsimd.LoadFloat32x4Array((*[4]float32)(r2[s : s+4]))
		v3 := archsimd.LoadFloat32x4Array((*[4]float32)(r3[s : s+4]))
		t0, t1 := gather(v0, v1, zl0, zl1), gather(v0, v1, zh0, zh1) // [r0 r1] steps s, s+1 and s+2, s+3
		t2, t3 := gather(v2, v3, zl0, zl1), gather(v2, v3, zh0, zh1) // [r2 r3] likewise
		d := (*[16]float32)(dst[4*s : 4*s+16])
		gather(t0, t2, la, lb).StoreArray((*[4]float32)(d[0:4]))
		gather(t0, t2, ha, hb).StoreArray((*[4]float32)(d[4:8]))
		gather(t1, t3, la, lb).StoreArray((*[4]float32)(d[8:12]))
		gather(t1, t3, ha, hb).StoreArray((*[4]float32)(d[12:16]))
	}
	return n
}

// edgeColsVec computes the first column of an edge tile of one column of
// the 4-row SIMD tiles into tt (row r at tt[r·nr]), from the packed A panel
// (4 values a step) and B panel (nr values a step), and reports false,
// doing nothing, for wider edges. The tile kernel would compute all nr
// columns, broadcasting each A value against them: a layer of 49 columns
// (a 7×7 map) spent a seventh of its product on its one-column edge. Here
// the panel's four rows are one vector, times one broadcast B value a
// step, four steps per iteration; each sum is taken step by step in the
// tile kernel's order, so the values are the same.
func edgeColsVec(tt, ap, bp []float32, kc, nr, cols int) bool {
	if cols != 1 {
		return false
	}
	ap, bp = ap[:4*kc], bp[:nr*kc]
	var c archsimd.Float32x4
	s := 0
	for ; s+4 <= kc; s += 4 {
		a := (*[16]float32)(ap[4*s : 4*s+16])
		b := bp[s*nr : s*nr+3*nr+1]
		c = c.Add(archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4])).Mul(archsimd.BroadcastFloat32x4(b[0])))
		c = c.Add(archsimd.LoadFloat32x4Array((*[4]float32)(a[4:8])).Mul(archsimd.BroadcastFloat32x4(b[nr])))
		c = c.Add(archsimd.LoadFloat32x4Array((*[4]float32)(a[8:12])).Mul(archsimd.BroadcastFloat32x4(b[2*nr])))
		c = c.Add(archsimd.LoadFloat32x4Array((*[4]float32)(a[12:16])).Mul(archsimd.BroadcastFloat32x4(b[3*nr])))
	}
	for ; s < kc; s++ {
		c = c.Add(archsimd.LoadFloat32x4Array((*[4]float32)(ap[4*s : 4*s+4])).Mul(archsimd.BroadcastFloat32x4(bp[s*nr])))
	}
	var out [4]float32
	c.StoreArray(&out)
	for r, v := range out {
		tt[r*nr] = v
	}
	return true
}
