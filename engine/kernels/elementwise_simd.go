//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// reluVec does ReLUTo on the longest multiple-of-4 prefix of src, four values
// at a time, and returns its length: dst = src where src > 0, else +0. The
// comparison is false for NaN and −0, so the result matches the scalar
// kernel bit for bit.
func reluVec(dst, src []float32) int {
	n := len(src) &^ 3
	dst, src = dst[:n], src[:n]
	var zero archsimd.Float32x4
	for i := 0; i+4 <= n; i += 4 {
		v := archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4]))
		v.Masked(v.Greater(zero)).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return n
}

// gateVec does GateTo on the longest multiple-of-4 prefix of sel and returns
// its length: dst = src where sel > 0, else +0.
func gateVec(dst, src, sel []float32) int {
	n := len(sel) &^ 3
	dst, src, sel = dst[:n], src[:n], sel[:n]
	var zero archsimd.Float32x4
	for i := 0; i+4 <= n; i += 4 {
		s := archsimd.LoadFloat32x4Array((*[4]float32)(sel[i : i+4]))
		v := archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4]))
		v.Masked(s.Greater(zero)).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return n
}

// addTaps3Vec does addTaps3's inner pixels 1, 2, … four at a time, as many
// whole groups of four as fit before the last pixel, and returns how many
// pixels it did. The sums are taken in the scalar loop's order.
func addTaps3Vec(dst, a, b, e []float32) int {
	w := len(dst)
	a, b, e = a[:w], b[:w], e[:w]
	x := 1
	for ; x+4 < w; x += 4 {
		t := archsimd.LoadFloat32x4Array((*[4]float32)(a[x+1 : x+5])).
			Add(archsimd.LoadFloat32x4Array((*[4]float32)(b[x : x+4]))).
			Add(archsimd.LoadFloat32x4Array((*[4]float32)(e[x-1 : x+3])))
		d := (*[4]float32)(dst[x : x+4])
		archsimd.LoadFloat32x4Array(d).Add(t).StoreArray(d)
	}
	return x - 1
}
