//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// depthwise3x3s1Vec does depthwise3x3s1's channel: y (h×wd) += the nine
// taps of w over p, the channel with a zero border ((h+2)×(wd+2)), four
// outputs at a time, the products added in tap9's order. A row whose width
// is not a multiple of four ends with a group that overlaps the one before
// it; its y values are loaded before the row's first store, so the
// overlapped outputs are written twice with the same sums. It reports
// false, doing nothing, for rows narrower than four.
func depthwise3x3s1Vec(y, p []float32, w *[9]float32, h, wd int) bool {
	if wd < 4 {
		return false
	}
	pw := wd + 2
	y, p = y[:h*wd], p[:(h+2)*pw]
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	last := wd - 4
	for i := 0; i < h; i++ {
		yr := y[i*wd : (i+1)*wd]
		r0, r1, r2 := p[i*pw:(i+1)*pw], p[(i+1)*pw:(i+2)*pw], p[(i+2)*pw:(i+3)*pw]
		tail := archsimd.LoadFloat32x4Array((*[4]float32)(yr[last:wd]))
		for j := 0; ; j += 4 {
			if j > last {
				j = last
			}
			// Output j's taps are columns j to j+5 of the three rows.
			a, b, c := (*[6]float32)(r0[j:j+6]), (*[6]float32)(r1[j:j+6]), (*[6]float32)(r2[j:j+6])
			t := w0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4]))).
				Add(w1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[1:5])))).
				Add(w2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[2:6])))).
				Add(w3.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4])))).
				Add(w4.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[1:5])))).
				Add(w5.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[2:6])))).
				Add(w6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c[0:4])))).
				Add(w7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c[1:5])))).
				Add(w8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c[2:6]))))
			d := (*[4]float32)(yr[j : j+4])
			if j == last {
				tail.Add(t).StoreArray(d)
				break
			}
			archsimd.LoadFloat32x4Array(d).Add(t).StoreArray(d)
		}
	}
	return true
}
