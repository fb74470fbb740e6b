//go:build goexperiment.simd && wasm

package kernels

import "simd/archsimd"

// The stride-2 phases' line transforms four tiles at a time, with the
// scalar functions' operations in their order (s2Bt, s2B, s2A, s2At); each
// does, in every row, the longest multiple of 4 of the nt tiles and returns
// it.

func s2BtLinesVec(x []float32, l s2Lines, rows, nt int) int {
	n := nt &^ 3
	two, three := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(3)
	for r := 0; r < rows; r++ {
		d0, d1, d2, d3, d4 := l.line(x, 0, r, nt), l.line(x, 1, r, nt), l.line(x, 2, r, nt), l.line(x, 3, r, nt), l.line(x, 4, r, nt)
		for t := 0; t < n; t += 4 {
			a0, a1, a2, a3, a4 := load4(d0[t:]), load4(d1[t:]), load4(d2[t:]), load4(d3[t:]), load4(d4[t:])
			// 2(d0−d2) + (d3−d1), 2d1 + (d2−d3), 3d2 − 2d1 − d3, d3 − d1, 2(d1−d3) + (d4−d2)
			store4(two.Mul(a0.Sub(a2)).Add(a3.Sub(a1)), d0[t:])
			store4(two.Mul(a1).Add(a2.Sub(a3)), d1[t:])
			store4(three.Mul(a2).Sub(two.Mul(a1)).Sub(a3), d2[t:])
			store4(a3.Sub(a1), d3[t:])
			store4(two.Mul(a1.Sub(a3)).Add(a4.Sub(a2)), d4[t:])
		}
	}
	return n
}

func s2BLinesVec(x []float32, l s2Lines, rows, nt int) int {
	n := nt &^ 3
	two, three := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(3)
	for r := 0; r < rows; r++ {
		d0, d1, d2, d3, d4 := l.line(x, 0, r, nt), l.line(x, 1, r, nt), l.line(x, 2, r, nt), l.line(x, 3, r, nt), l.line(x, 4, r, nt)
		for t := 0; t < n; t += 4 {
			m0, m1, m2, m3, m4 := load4(d0[t:]), load4(d1[t:]), load4(d2[t:]), load4(d3[t:]), load4(d4[t:])
			// 2m0, 2(m1−m2+m4) − m0 − m3, m1 + 3m2 − 2m0 − m4, (m0+m3) − (m1+m2) − 2m4, m4
			store4(two.Mul(m0), d0[t:])
			store4(two.Mul(m1.Sub(m2).Add(m4)).Sub(m0).Sub(m3), d1[t:])
			store4(m1.Add(three.Mul(m2)).Sub(two.Mul(m0)).Sub(m4), d2[t:])
			store4(m0.Add(m3).Sub(m1.Add(m2)).Sub(two.Mul(m4)), d3[t:])
		}
	}
	return n
}

func s2ALinesVec(dst []float32, dl s2Lines, src []float32, sl s2Lines, rows, nt int) int {
	n := nt &^ 3
	two, four, eight := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(4), archsimd.BroadcastFloat32x4(8)
	for r := 0; r < rows; r++ {
		s0, s1, s2, s3 := sl.line(src, 0, r, nt), sl.line(src, 1, r, nt), sl.line(src, 2, r, nt), sl.line(src, 3, r, nt)
		a0, a1, a2, a3, a4 := dl.line(dst, 0, r, nt), dl.line(dst, 1, r, nt), dl.line(dst, 2, r, nt), dl.line(dst, 3, r, nt), dl.line(dst, 4, r, nt)
		for t := 0; t < n; t += 4 {
			y0, y1, y2, y3 := load4(s0[t:]), load4(s1[t:]), load4(s2[t:]), load4(s3[t:])
			s, d := y0.Add(y2), y1.Add(y3)
			store4(y0, a0[t:])
			store4(s.Add(d), a1[t:])
			store4(s.Sub(d), a2[t:])
			store4(y0.Add(two.Mul(y1)).Add(four.Mul(y2)).Add(eight.Mul(y3)), a3[t:])
			store4(y3, a4[t:])
		}
	}
	return n
}

func s2AtAddLinesVec(dst []float32, dl s2Lines, m []float32, ml s2Lines, rows, nt int) int {
	n := nt &^ 3
	two, four, eight := archsimd.BroadcastFloat32x4(2), archsimd.BroadcastFloat32x4(4), archsimd.BroadcastFloat32x4(8)
	for r := 0; r < rows; r++ {
		l0, l1, l2, l3, l4 := ml.line(m, 0, r, nt), ml.line(m, 1, r, nt), ml.line(m, 2, r, nt), ml.line(m, 3, r, nt), ml.line(m, 4, r, nt)
		y0, y1, y2, y3 := dl.line(dst, 0, r, nt), dl.line(dst, 1, r, nt), dl.line(dst, 2, r, nt), dl.line(dst, 3, r, nt)
		for t := 0; t < n; t += 4 {
			m0, m1, m2, m3, m4 := load4(l0[t:]), load4(l1[t:]), load4(l2[t:]), load4(l3[t:]), load4(l4[t:])
			s, d := m1.Add(m2), m1.Sub(m2)
			// m0 + s + m3, d + 2m3, s + 4m3, d + 8m3 + m4
			store4(load4(y0[t:]).Add(m0.Add(s).Add(m3)), y0[t:])
			store4(load4(y1[t:]).Add(d.Add(two.Mul(m3))), y1[t:])
			store4(load4(y2[t:]).Add(s.Add(four.Mul(m3))), y2[t:])
			store4(load4(y3[t:]).Add(d.Add(eight.Mul(m3)).Add(m4)), y3[t:])
		}
	}
	return n
}
