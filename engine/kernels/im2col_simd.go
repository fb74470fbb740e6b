//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// everyOtherVec does everyOther four values at a time while their eight
// source values are inside src, and returns how many it did.
func everyOtherVec(dst, src []float32) int {
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	i := 0
	for ; i+4 <= len(dst) && 2*i+8 <= len(src); i += 4 {
		v := (*[8]float32)(src[2*i : 2*i+8])
		a0 := archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4]))
		a1 := archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8]))
		gather(a0, a1, el, eh).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return i
}

// addEveryOtherVec does addEveryOther four values at a time while their
// eight destination values are inside dst (adding zeros to the odd ones),
// and returns how many it did.
func addEveryOtherVec(dst, src []float32) int {
	// zipLo0 and zipHi0 (depthwise_simd.go) spread a vector's four lanes
	// over the even lanes of two, zeros in the odd ones: [v0 0 v1 0] and
	// [v2 0 v3 0].
	sl, sh := archsimd.LoadInt8x16Array(&zipLo0), archsimd.LoadInt8x16Array(&zipHi0)
	i := 0
	for ; i+4 <= len(src) && 2*i+8 <= len(dst); i += 4 {
		v := archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4])).ToBits().ReshapeToUint8s().BitsToInt8()
		lo := v.LookupOrZero(sl).ToBits().ReshapeToUint32s().BitsToFloat32()
		hi := v.LookupOrZero(sh).ToBits().ReshapeToUint32s().BitsToFloat32()
		d := (*[8]float32)(dst[2*i : 2*i+8])
		archsimd.LoadFloat32x4Array((*[4]float32)(d[0:4])).Add(lo).StoreArray((*[4]float32)(d[0:4]))
		archsimd.LoadFloat32x4Array((*[4]float32)(d[4:8])).Add(hi).StoreArray((*[4]float32)(d[4:8]))
	}
	return i
}
