//go:build !(goexperiment.simd && wasm)

package kernels

// packWide packs the first full panels of nr ≥ 4 columns of a K×N B
// (columns j0.., steps k0..k0+kc) into dst, panel by panel. The SIMD build
// moves them as vectors, two panels (one cache line of a row) at a time;
// this is the plain version.
func packWide(dst, b []float32, n, k0, kc, j0, full, nr int) {
	for q := 0; q < full; q++ {
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		for s := 0; s < kc; s++ {
			copy(panel[s*nr:(s+1)*nr], b[(k0+s)*n+j0+q*nr:])
		}
	}
}

// packATrans4 packs the first full panels of four rows of a transposed A
// (stored K×M) for packA and returns how many it packed; the SIMD build
// moves them as vectors, four panels at a time, and this one leaves them
// all to packA's loop.
func packATrans4(dst, a []float32, m, i0, mc, k0, kc int) int { return 0 }

// interleave4Vec is interleave4's SIMD part; this build leaves every step
// to interleave4's loop.
func interleave4Vec(dst, r0, r1, r2, r3 []float32) int { return 0 }

// edgeColsVec is the SIMD build's narrow edge tile; here the tile kernel
// does every edge.
func edgeColsVec(tt, ap, bp []float32, kc, nr, cols int) bool { return false }
