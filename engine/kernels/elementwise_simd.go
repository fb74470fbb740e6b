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

// normalizeVec does NormalizeTo on the longest multiple-of-4 prefix of x and
// returns its length; the operations are the scalar loop's, in its order.
func normalizeVec(h, y, x []float32, mu, r, g, beta float32) int {
	n := len(x) &^ 3
	h, y, x = h[:n], y[:n], x[:n]
	vmu, vr := archsimd.BroadcastFloat32x4(mu), archsimd.BroadcastFloat32x4(r)
	vg, vb := archsimd.BroadcastFloat32x4(g), archsimd.BroadcastFloat32x4(beta)
	for i := 0; i+4 <= n; i += 4 {
		v := archsimd.LoadFloat32x4Array((*[4]float32)(x[i : i+4])).Sub(vmu).Mul(vr)
		v.StoreArray((*[4]float32)(h[i : i+4]))
		vg.Mul(v).Add(vb).StoreArray((*[4]float32)(y[i : i+4]))
	}
	return n
}

// scaleVec does ScaleTo on the longest multiple-of-4 prefix of src.
func scaleVec(dst, src []float32, k float32) int {
	n := len(src) &^ 3
	dst, src = dst[:n], src[:n]
	vk := archsimd.BroadcastFloat32x4(k)
	for i := 0; i+4 <= n; i += 4 {
		vk.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4]))).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return n
}

// projectVec does ProjectTo on the longest multiple-of-4 prefix of a, in the
// scalar loop's order of operations.
func projectVec(dst, a, h []float32, k, mean, hMean float32) int {
	n := len(a) &^ 3
	dst, a, h = dst[:n], a[:n], h[:n]
	vk, vm := archsimd.BroadcastFloat32x4(k), archsimd.BroadcastFloat32x4(mean)
	vhm := archsimd.BroadcastFloat32x4(hMean)
	for i := 0; i+4 <= n; i += 4 {
		v := archsimd.LoadFloat32x4Array((*[4]float32)(a[i : i+4])).Sub(vm).
			Sub(archsimd.LoadFloat32x4Array((*[4]float32)(h[i : i+4])).Mul(vhm))
		vk.Mul(v).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return n
}
