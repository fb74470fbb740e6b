//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// dealWide deals one step's row src of full panels out to the packed B
// panels starting at dst: the nr values of panel q go to dst[q·nr·kc:]. The
// SIMD tiles have nr = 4, 8 or 12, moved as one to three vectors (a copy per
// panel costs a call into memmove each time).
func dealWide(dst, src []float32, nr, kc int) {
	o := 0
	switch nr {
	case 8:
		for q := 0; q+8 <= len(src); q += 8 {
			v, d := (*[8]float32)(src[q:q+8]), (*[8]float32)(dst[o:o+8])
			archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4])).StoreArray((*[4]float32)(d[0:4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8])).StoreArray((*[4]float32)(d[4:8]))
			o += 8 * kc
		}
	case 12:
		for q := 0; q+12 <= len(src); q += 12 {
			v, d := (*[12]float32)(src[q:q+12]), (*[12]float32)(dst[o:o+12])
			archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4])).StoreArray((*[4]float32)(d[0:4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8])).StoreArray((*[4]float32)(d[4:8]))
			archsimd.LoadFloat32x4Array((*[4]float32)(v[8:12])).StoreArray((*[4]float32)(d[8:12]))
			o += 12 * kc
		}
	case 4:
		for q := 0; q+4 <= len(src); q += 4 {
			archsimd.LoadFloat32x4Array((*[4]float32)(src[q : q+4])).StoreArray((*[4]float32)(dst[o : o+4]))
			o += 4 * kc
		}
	default:
		for q := 0; q+nr <= len(src); q += nr {
			copy(dst[o:o+nr], src[q:q+nr])
			o += nr * kc
		}
	}
}
