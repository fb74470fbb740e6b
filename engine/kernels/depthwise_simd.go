//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// depthwise3x3s1Vec does depthwise3x3s1's channel: y (h×wd) += the nine
// taps of w over p, the channel with a zero border ((h+2)×(wd+2)), four
// outputs at a time, the products added in tap9's order. A row whose width
// is not a multiple of four ends with a group that overlaps the one before
// it; its y values are loaded before the row's first store, so the
// overlapped outputs are written twice with the same sums. With set, y's
// values are taken as b instead of read (y = b + the taps). It reports
// false, doing nothing, for rows narrower than four.
func depthwise3x3s1Vec(y, p []float32, w *[9]float32, h, wd int, set bool, b float32) bool {
	if wd < 4 {
		return false
	}
	pw := wd + 2
	y, p = y[:h*wd], p[:(h+2)*pw]
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	bv := archsimd.BroadcastFloat32x4(b)
	last := wd - 4
	for i := 0; i < h; i++ {
		yr := y[i*wd : (i+1)*wd]
		r0, r1, r2 := p[i*pw:(i+1)*pw], p[(i+1)*pw:(i+2)*pw], p[(i+2)*pw:(i+3)*pw]
		tail := bv
		if !set {
			tail = archsimd.LoadFloat32x4Array((*[4]float32)(yr[last:wd]))
		}
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
			v := bv
			if !set {
				v = archsimd.LoadFloat32x4Array(d)
			}
			v.Add(t).StoreArray(d)
		}
	}
	return true
}

// Byte indices that interleave two vectors o and e: [o0 e0 o1 e1] is
// gather(o, e, zipLo0, zipLo1), [o2 e2 o3 e3] gather(o, e, zipHi0, zipHi1).
var (
	zipLo0 = [16]int8{0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1}
	zipLo1 = [16]int8{-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7}
	zipHi0 = [16]int8{8, 9, 10, 11, -1, -1, -1, -1, 12, 13, 14, 15, -1, -1, -1, -1}
	zipHi1 = [16]int8{-1, -1, -1, -1, 8, 9, 10, 11, -1, -1, -1, -1, 12, 13, 14, 15}
)

// depthwise3x3s2BackVec does depthwise3x3s2Back's channel: dx (h×wd) gets
// the taps of w over p, the channel's dy with a zero row above and below
// and rows of pw values (zeros past the output's width), four output
// columns at a time: the even input columns' sums o and the odd ones' e
// are interleaved into eight values, added to dx's row directly when all
// eight are inside it, else through tmp. It reports false, doing nothing,
// for images narrower than eight.
func depthwise3x3s2BackVec(dx, p []float32, w *[9]float32, tmp *[8]float32, h, wd, pw int) bool {
	if wd < 8 {
		return false
	}
	l0, l1 := archsimd.LoadInt8x16Array(&zipLo0), archsimd.LoadInt8x16Array(&zipLo1)
	h0, h1 := archsimd.LoadInt8x16Array(&zipHi0), archsimd.LoadInt8x16Array(&zipHi1)
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	dx = dx[:h*wd]
	for ii := 0; ii < h; ii++ {
		row := dx[ii*wd : (ii+1)*wd]
		m := (ii + 1) / 2
		d0, d1 := p[(m+1)*pw:(m+2)*pw], p[m*pw:(m+1)*pw]
		for j := 0; j < wd; j += 8 {
			k := j / 2
			a, b := (*[5]float32)(d0[k:k+5]), (*[5]float32)(d1[k:k+5])
			a0 := archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4]))
			a1 := archsimd.LoadFloat32x4Array((*[4]float32)(a[1:5]))
			var o, e archsimd.Float32x4
			if ii%2 == 0 {
				o = w4.Mul(a0)
				e = w3.Mul(a1).Add(w5.Mul(a0))
			} else {
				b0 := archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4]))
				b1 := archsimd.LoadFloat32x4Array((*[4]float32)(b[1:5]))
				o = w1.Mul(a0).Add(w7.Mul(b0))
				e = w0.Mul(a1).Add(w2.Mul(a0)).Add(w6.Mul(b1)).Add(w8.Mul(b0))
			}
			lo, hi := gather(o, e, l0, l1), gather(o, e, h0, h1)
			if j+8 <= wd {
				d := (*[8]float32)(row[j : j+8])
				archsimd.LoadFloat32x4Array((*[4]float32)(d[0:4])).Add(lo).StoreArray((*[4]float32)(d[0:4]))
				archsimd.LoadFloat32x4Array((*[4]float32)(d[4:8])).Add(hi).StoreArray((*[4]float32)(d[4:8]))
				continue
			}
			lo.StoreArray((*[4]float32)(tmp[0:4]))
			hi.StoreArray((*[4]float32)(tmp[4:8]))
			for t, v := range row[j:] {
				row[j+t] = v + tmp[t]
			}
		}
	}
	return true
}

// splitColumnsVec does splitColumns eight values of x at a time, as many as
// fit, and returns how many it did.
func splitColumnsVec(odd, even, x []float32) int {
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	i := 0
	for ; i+8 <= len(x) && i/2+4 <= len(odd) && i/2+4 <= len(even); i += 8 {
		v := (*[8]float32)(x[i : i+8])
		a0 := archsimd.LoadFloat32x4Array((*[4]float32)(v[0:4]))
		a1 := archsimd.LoadFloat32x4Array((*[4]float32)(v[4:8]))
		gather(a0, a1, el, eh).StoreArray((*[4]float32)(even[i/2 : i/2+4]))
		gather(a0, a1, ol, oh).StoreArray((*[4]float32)(odd[i/2 : i/2+4]))
	}
	return i
}

// depthwise3x3s2Vec does depthwise3x3s2's channel: y (oh×ow) += the nine
// taps of w over the split rows e and o (pw values each), four outputs at a
// time, with depthwise3x3s1Vec's overlapping last group and its set. It
// reports false, doing nothing, for outputs narrower than four.
func depthwise3x3s2Vec(y, e, o []float32, w *[9]float32, oh, ow, pw int, set bool, b float32) bool {
	if ow < 4 {
		return false
	}
	y = y[:oh*ow]
	w0, w1, w2 := archsimd.BroadcastFloat32x4(w[0]), archsimd.BroadcastFloat32x4(w[1]), archsimd.BroadcastFloat32x4(w[2])
	w3, w4, w5 := archsimd.BroadcastFloat32x4(w[3]), archsimd.BroadcastFloat32x4(w[4]), archsimd.BroadcastFloat32x4(w[5])
	w6, w7, w8 := archsimd.BroadcastFloat32x4(w[6]), archsimd.BroadcastFloat32x4(w[7]), archsimd.BroadcastFloat32x4(w[8])
	bv := archsimd.BroadcastFloat32x4(b)
	last := ow - 4
	for oi := 0; oi < oh; oi++ {
		yr := y[oi*ow : (oi+1)*ow]
		e0, e1, e2 := e[2*oi*pw:(2*oi+1)*pw], e[(2*oi+1)*pw:(2*oi+2)*pw], e[(2*oi+2)*pw:(2*oi+3)*pw]
		o0, o1, o2 := o[2*oi*pw:(2*oi+1)*pw], o[(2*oi+1)*pw:(2*oi+2)*pw], o[(2*oi+2)*pw:(2*oi+3)*pw]
		tail := bv
		if !set {
			tail = archsimd.LoadFloat32x4Array((*[4]float32)(yr[last:ow]))
		}
		for j := 0; ; j += 4 {
			if j > last {
				j = last
			}
			a, b, c := (*[5]float32)(e0[j:j+5]), (*[5]float32)(e1[j:j+5]), (*[5]float32)(e2[j:j+5])
			t := w0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[0:4]))).
				Add(w1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(o0[j : j+4])))).
				Add(w2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(a[1:5])))).
				Add(w3.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[0:4])))).
				Add(w4.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(o1[j : j+4])))).
				Add(w5.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[1:5])))).
				Add(w6.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c[0:4])))).
				Add(w7.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(o2[j : j+4])))).
				Add(w8.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(c[1:5]))))
			d := (*[4]float32)(yr[j : j+4])
			if j == last {
				tail.Add(t).StoreArray(d)
				break
			}
			v := bv
			if !set {
				v = archsimd.LoadFloat32x4Array(d)
			}
			v.Add(t).StoreArray(d)
		}
	}
	return true
}
