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
