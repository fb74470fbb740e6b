//go:build goexperiment.simd && wasm

package kernels

import (
	"math"
	"simd/archsimd"
)

// reluVec does ReLUTo on the longest multiple-of-4 prefix of src, four values
// at a time, and returns its length: dst = src where src > 0, else +0. The
// comparison is false for NaN and −0, so the result matches the scalar
// kernel bit for bit.
func reluVec(dst, src []float32) int {
	n := len(src) &^ 3
	dst, src = dst[:n], src[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		s, d := (*[16]float32)(src[i:i+16]), (*[16]float32)(dst[i:i+16])
		relu4((*[4]float32)(d[0:4]), (*[4]float32)(s[0:4]))
		relu4((*[4]float32)(d[4:8]), (*[4]float32)(s[4:8]))
		relu4((*[4]float32)(d[8:12]), (*[4]float32)(s[8:12]))
		relu4((*[4]float32)(d[12:16]), (*[4]float32)(s[12:16]))
	}
	for ; i+4 <= n; i += 4 {
		relu4((*[4]float32)(dst[i:i+4]), (*[4]float32)(src[i:i+4]))
	}
	return n
}

// relu4 is reluVec's step. The vector kernels below run four such steps
// per iteration on a 16-value array view: one bounds test for the four,
// where a step per iteration spent about half its time on loop and bounds
// overhead in wasm (ClampTo ran 1.8× faster unrolled so).
func relu4(d, s *[4]float32) {
	var zero archsimd.Float32x4
	v := archsimd.LoadFloat32x4Array(s)
	v.Masked(v.Greater(zero)).StoreArray(d)
}

// gateVec does GateTo on the longest multiple-of-4 prefix of sel and returns
// its length: dst = src where sel > 0, else +0.
func gateVec(dst, src, sel []float32) int {
	n := len(sel) &^ 3
	dst, src, sel = dst[:n], src[:n], sel[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		d, s, g := (*[16]float32)(dst[i:i+16]), (*[16]float32)(src[i:i+16]), (*[16]float32)(sel[i:i+16])
		gate4((*[4]float32)(d[0:4]), (*[4]float32)(s[0:4]), (*[4]float32)(g[0:4]))
		gate4((*[4]float32)(d[4:8]), (*[4]float32)(s[4:8]), (*[4]float32)(g[4:8]))
		gate4((*[4]float32)(d[8:12]), (*[4]float32)(s[8:12]), (*[4]float32)(g[8:12]))
		gate4((*[4]float32)(d[12:16]), (*[4]float32)(s[12:16]), (*[4]float32)(g[12:16]))
	}
	for ; i+4 <= n; i += 4 {
		gate4((*[4]float32)(dst[i:i+4]), (*[4]float32)(src[i:i+4]), (*[4]float32)(sel[i:i+4]))
	}
	return n
}

// gate4 is gateVec's step.
func gate4(d, s, g *[4]float32) {
	var zero archsimd.Float32x4
	v := archsimd.LoadFloat32x4Array(s)
	v.Masked(archsimd.LoadFloat32x4Array(g).Greater(zero)).StoreArray(d)
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

// Byte indices that gather the even (a window's left) or odd (right) float32
// lanes of two vectors [v0 | v1] into one: the lo table takes lanes 0 and 2
// (or 1 and 3) of v0 into lanes 0 and 1, the hi table those of v1 into lanes
// 2 and 3; an index of −1 gives zero bytes, so lo and hi results are ORed.
var (
	evenLo = [16]int8{0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1}
	evenHi = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 8, 9, 10, 11}
	oddLo  = [16]int8{4, 5, 6, 7, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1}
	oddHi  = [16]int8{-1, -1, -1, -1, -1, -1, -1, -1, 4, 5, 6, 7, 12, 13, 14, 15}
)

// gather picks lanes of v0 by lo and of v1 by hi (see evenLo).
func gather(v0, v1 archsimd.Float32x4, lo, hi archsimd.Int8x16) archsimd.Float32x4 {
	a := v0.ToBits().ReshapeToUint8s().BitsToInt8().LookupOrZero(lo).ToBits()
	b := v1.ToBits().ReshapeToUint8s().BitsToInt8().LookupOrZero(hi).ToBits()
	return a.Or(b).ReshapeToUint32s().BitsToFloat32()
}

// maxPoolRowsVec does MaxPool2x2 over rows consecutive output rows of ow
// windows each, four windows at a time, and returns how many windows of each
// row it did (ow rounded down to a multiple of 4; the caller does the rest).
// Output row r goes to y and arg at r·ow and reads input rows 2r and 2r + 1,
// w values apart, at x[2r·w:]; base plus an index into x is what arg gets.
// Each window's taps a, b (row 0) and c, d (row 1) are compared in the
// scalar kernel's order, from −Inf (from a with fromFirst), taking a later
// tap only when it is strictly greater, so ties, NaN and the indices come out
// as the scalar kernel's. When every plane has an even number of rows and W
// is even, the planes' rows lie that way and one call does all of them: the
// tables and index vectors are set up once instead of once per row (on
// Phantom's 16×16 and 8×8 rows that setup cost as much as the windows).
func maxPoolRowsVec(y []float32, arg []int32, x []float32, rows, ow, w int, base int32, fromFirst bool) int {
	n := ow &^ 3
	if n == 0 || rows == 0 {
		return 0
	}
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	negInf := archsimd.BroadcastFloat32x4(math.Float32frombits(negInfBits))
	step := archsimd.BroadcastInt32x4(8)
	db, dc, dd := archsimd.BroadcastInt32x4(1), archsimd.BroadcastInt32x4(int32(w)), archsimd.BroadcastInt32x4(int32(w)+1)
	// Indices into x (plus base) of tap a of the first four windows of a row.
	first := archsimd.LoadInt32x4Array(&[4]int32{base, base + 2, base + 4, base + 6})
	for r := 0; r < rows; r++ {
		yo, ao := y[r*ow:r*ow+n], arg[r*ow:r*ow+n]
		r0, r1 := x[2*r*w:2*r*w+2*n], x[(2*r+1)*w:(2*r+1)*w+2*n]
		ia := first.Add(archsimd.BroadcastInt32x4(int32(2 * r * w)))
		for j := 0; j+4 <= n; j += 4 {
			s0, s1 := (*[8]float32)(r0[2*j:2*j+8]), (*[8]float32)(r1[2*j:2*j+8])
			u0, u1 := archsimd.LoadFloat32x4Array((*[4]float32)(s0[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(s0[4:8]))
			v0, v1 := archsimd.LoadFloat32x4Array((*[4]float32)(s1[0:4])), archsimd.LoadFloat32x4Array((*[4]float32)(s1[4:8]))
			a, b := gather(u0, u1, el, eh), gather(u0, u1, ol, oh)
			c, d := gather(v0, v1, el, eh), gather(v0, v1, ol, oh)
			best, bi := a, ia
			if !fromFirst {
				best = a.IfElse(a.Greater(negInf), negInf)
			}
			m := b.Greater(best)
			best, bi = b.IfElse(m, best), ia.Add(db).IfElse(m, bi)
			m = c.Greater(best)
			best, bi = c.IfElse(m, best), ia.Add(dc).IfElse(m, bi)
			m = d.Greater(best)
			best, bi = d.IfElse(m, best), ia.Add(dd).IfElse(m, bi)
			best.StoreArray((*[4]float32)(yo[j : j+4]))
			bi.StoreArray((*[4]int32)(ao[j : j+4]))
			ia = ia.Add(step)
		}
	}
	return n
}

// gateAddVec does GateAdd on the longest multiple-of-4 prefix of sel and
// returns its length: dst += src where sel > 0, else dst += +0, as the
// scalar loop adds.
func gateAddVec(dst, src, sel []float32) int {
	n := len(sel) &^ 3
	dst, src, sel = dst[:n], src[:n], sel[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		d, s, g := (*[16]float32)(dst[i:i+16]), (*[16]float32)(src[i:i+16]), (*[16]float32)(sel[i:i+16])
		gateAdd4((*[4]float32)(d[0:4]), (*[4]float32)(s[0:4]), (*[4]float32)(g[0:4]))
		gateAdd4((*[4]float32)(d[4:8]), (*[4]float32)(s[4:8]), (*[4]float32)(g[4:8]))
		gateAdd4((*[4]float32)(d[8:12]), (*[4]float32)(s[8:12]), (*[4]float32)(g[8:12]))
		gateAdd4((*[4]float32)(d[12:16]), (*[4]float32)(s[12:16]), (*[4]float32)(g[12:16]))
	}
	for ; i+4 <= n; i += 4 {
		gateAdd4((*[4]float32)(dst[i:i+4]), (*[4]float32)(src[i:i+4]), (*[4]float32)(sel[i:i+4]))
	}
	return n
}

// gateAdd4 is gateAddVec's step.
func gateAdd4(d, s, g *[4]float32) {
	var zero archsimd.Float32x4
	v := archsimd.LoadFloat32x4Array(s).Masked(archsimd.LoadFloat32x4Array(g).Greater(zero))
	archsimd.LoadFloat32x4Array(d).Add(v).StoreArray(d)
}

// clampVec does ClampTo on the longest multiple-of-4 prefix of src with the
// scalar kernel's two comparisons, so NaN and signed zeros come out alike.
func clampVec(dst, src []float32, lo, hi float32) int {
	n := len(src) &^ 3
	dst, src = dst[:n], src[:n]
	vlo, vhi := archsimd.BroadcastFloat32x4(lo), archsimd.BroadcastFloat32x4(hi)
	i := 0
	for ; i+16 <= n; i += 16 {
		d, s := (*[16]float32)(dst[i:i+16]), (*[16]float32)(src[i:i+16])
		clamp4((*[4]float32)(d[0:4]), (*[4]float32)(s[0:4]), vlo, vhi)
		clamp4((*[4]float32)(d[4:8]), (*[4]float32)(s[4:8]), vlo, vhi)
		clamp4((*[4]float32)(d[8:12]), (*[4]float32)(s[8:12]), vlo, vhi)
		clamp4((*[4]float32)(d[12:16]), (*[4]float32)(s[12:16]), vlo, vhi)
	}
	for ; i+4 <= n; i += 4 {
		clamp4((*[4]float32)(dst[i:i+4]), (*[4]float32)(src[i:i+4]), vlo, vhi)
	}
	return n
}

// clamp4 is clampVec's step.
func clamp4(d, s *[4]float32, lo, hi archsimd.Float32x4) {
	v := archsimd.LoadFloat32x4Array(s)
	r := hi.IfElse(v.GreaterEqual(hi), v)
	lo.IfElse(v.LessEqual(lo), r).StoreArray(d)
}

// clampGateVec does ClampGateTo (or ClampGateAdd with accum) on the longest
// multiple-of-4 prefix of x and returns its length.
func clampGateVec(dst, src, x []float32, lo, hi float32, accum bool) int {
	n := len(x) &^ 3
	dst, src, x = dst[:n], src[:n], x[:n]
	vlo, vhi := archsimd.BroadcastFloat32x4(lo), archsimd.BroadcastFloat32x4(hi)
	i := 0
	for ; i+16 <= n; i += 16 {
		d, s, v := (*[16]float32)(dst[i:i+16]), (*[16]float32)(src[i:i+16]), (*[16]float32)(x[i:i+16])
		clampGate4((*[4]float32)(d[0:4]), (*[4]float32)(s[0:4]), (*[4]float32)(v[0:4]), vlo, vhi, accum)
		clampGate4((*[4]float32)(d[4:8]), (*[4]float32)(s[4:8]), (*[4]float32)(v[4:8]), vlo, vhi, accum)
		clampGate4((*[4]float32)(d[8:12]), (*[4]float32)(s[8:12]), (*[4]float32)(v[8:12]), vlo, vhi, accum)
		clampGate4((*[4]float32)(d[12:16]), (*[4]float32)(s[12:16]), (*[4]float32)(v[12:16]), vlo, vhi, accum)
	}
	for ; i+4 <= n; i += 4 {
		clampGate4((*[4]float32)(dst[i:i+4]), (*[4]float32)(src[i:i+4]), (*[4]float32)(x[i:i+4]), vlo, vhi, accum)
	}
	return n
}

// clampGate4 is clampGateVec's step.
func clampGate4(d, s, x *[4]float32, lo, hi archsimd.Float32x4, accum bool) {
	var zero archsimd.Float32x4
	v := archsimd.LoadFloat32x4Array(x)
	out := v.LessEqual(lo).Or(v.GreaterEqual(hi))
	r := zero.IfElse(out, archsimd.LoadFloat32x4Array(s))
	if accum {
		r = archsimd.LoadFloat32x4Array(d).Add(r)
	}
	r.StoreArray(d)
}

// axpyVec does Axpy on the longest multiple-of-4 prefix of src, a product
// then a sum as the scalar loop does.
func axpyVec(dst, src []float32, a float32) int {
	n := len(src) &^ 3
	dst, src = dst[:n], src[:n]
	va := archsimd.BroadcastFloat32x4(a)
	for i := 0; i+4 <= n; i += 4 {
		d := (*[4]float32)(dst[i : i+4])
		archsimd.LoadFloat32x4Array(d).Add(va.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(src[i : i+4])))).StoreArray(d)
	}
	return n
}

// addScaledVec does AddScaledTo on the longest multiple-of-4 prefix of a,
// a product then a sum as the scalar loop does.
func addScaledVec(dst, a, b []float32, k float32) int {
	n := len(a) &^ 3
	dst, a, b = dst[:n], a[:n], b[:n]
	vk := archsimd.BroadcastFloat32x4(k)
	for i := 0; i+4 <= n; i += 4 {
		va := archsimd.LoadFloat32x4Array((*[4]float32)(a[i : i+4]))
		vb := archsimd.LoadFloat32x4Array((*[4]float32)(b[i : i+4]))
		va.Add(vk.Mul(vb)).StoreArray((*[4]float32)(dst[i : i+4]))
	}
	return n
}

// dotVec sums a[i]·b[i] over the longest multiple-of-4 prefix of a in four
// lanes and returns their total and the prefix's length.
func dotVec(a, b []float32) (float32, int) {
	n := len(a) &^ 3
	if n == 0 {
		return 0, 0
	}
	a, b = a[:n], b[:n]
	var acc archsimd.Float32x4
	for i := 0; i+4 <= n; i += 4 {
		acc = acc.Add(archsimd.LoadFloat32x4Array((*[4]float32)(a[i : i+4])).Mul(archsimd.LoadFloat32x4Array((*[4]float32)(b[i : i+4]))))
	}
	var l [4]float32
	acc.StoreArray(&l)
	return (l[0] + l[1]) + (l[2] + l[3]), n
}

// rowTaps3Vec does rowTaps3's inner outputs at stride 1, four at a time, as
// many groups of four as fit in y, and returns how many it did: y[j] +=
// w0·x[j] + w1·x[j+1] + w2·x[j+2] (x starts one value left of y's first
// output's middle tap, and holds len(y)+2 values).
func rowTaps3Vec(y, x []float32, w0, w1, w2 float32) int {
	n := len(y) &^ 3
	if n == 0 {
		return 0
	}
	y, x = y[:n], x[:n+2]
	v0, v1, v2 := archsimd.BroadcastFloat32x4(w0), archsimd.BroadcastFloat32x4(w1), archsimd.BroadcastFloat32x4(w2)
	for j := 0; j+4 <= n; j += 4 {
		t := v0.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(x[j : j+4]))).
			Add(v1.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(x[j+1 : j+5])))).
			Add(v2.Mul(archsimd.LoadFloat32x4Array((*[4]float32)(x[j+2 : j+6]))))
		d := (*[4]float32)(y[j : j+4])
		archsimd.LoadFloat32x4Array(d).Add(t).StoreArray(d)
	}
	return n
}

// rowTaps3Stride2Vec does rowTaps3's inner outputs at stride 2, four at a
// time, and returns how many it did: y[j] += w0·x[2j] + w1·x[2j+1] +
// w2·x[2j+2] (x starts at the first output's left tap and holds 2·len(y)
// values, the last output's right tap being read from the caller's row
// past it only when it is there). The even and odd values of x are gathered
// into vectors as maxPoolRowsVec does; a group is done only when its loads
// stay inside x.
func rowTaps3Stride2Vec(y, x []float32, w0, w1, w2 float32) int {
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	v0, v1, v2 := archsimd.BroadcastFloat32x4(w0), archsimd.BroadcastFloat32x4(w1), archsimd.BroadcastFloat32x4(w2)
	load := func(i int) archsimd.Float32x4 { return archsimd.LoadFloat32x4Array((*[4]float32)(x[i : i+4])) }
	j := 0
	for ; j+4 <= len(y) && 2*j+10 <= len(x); j += 4 {
		a0, a1 := load(2*j), load(2*j+4)
		b0, b1 := load(2*j+2), load(2*j+6)
		t := v0.Mul(gather(a0, a1, el, eh)).
			Add(v1.Mul(gather(a0, a1, ol, oh))).
			Add(v2.Mul(gather(b0, b1, el, eh)))
		d := (*[4]float32)(y[j : j+4])
		archsimd.LoadFloat32x4Array(d).Add(t).StoreArray(d)
	}
	return j
}

// maxPool3x3s2RowVec does MaxPool's interior windows of one output row of a
// 3×3, stride-2 pool, four at a time, and returns how many it did (a
// multiple of 4). r0, r1 and r2 are the window's three input rows from the
// first window's left column to the end of the row, and ia the index into x
// of that column in r0. Each group's taps are the even and odd lanes of the
// two vectors under its columns (gather): column 0 of four windows is the
// even lanes at 2j, column 1 the odd ones, column 2 the even lanes at
// 2j + 2; a group is done only when those loads (ten values) stay inside
// its rows. The taps are compared in the scalar kernel's order, from the
// first, a later one taken only when strictly greater, so ties, NaN and the
// indices come out as MaxPool's scalar loop gives them.
func maxPool3x3s2RowVec(y []float32, arg []int32, r0, r1, r2 []float32, ia, w int32) int {
	el, eh := archsimd.LoadInt8x16Array(&evenLo), archsimd.LoadInt8x16Array(&evenHi)
	ol, oh := archsimd.LoadInt8x16Array(&oddLo), archsimd.LoadInt8x16Array(&oddHi)
	idx := archsimd.LoadInt32x4Array(&[4]int32{ia, ia + 2, ia + 4, ia + 6})
	step := archsimd.BroadcastInt32x4(8)
	var off [9]archsimd.Int32x4 // tap (ki, kj)'s offset from the window's first
	for ki := range 3 {
		for kj := range 3 {
			off[3*ki+kj] = archsimd.BroadcastInt32x4(int32(ki)*w + int32(kj))
		}
	}
	n := min(len(r0), len(r1), len(r2))
	load := func(r []float32, i int) archsimd.Float32x4 {
		return archsimd.LoadFloat32x4Array((*[4]float32)(r[i : i+4]))
	}
	j := 0
	for ; j+4 <= len(y) && 2*j+10 <= n; j += 4 {
		var taps [9]archsimd.Float32x4
		for ki, r := range [3][]float32{r0, r1, r2} {
			a0, a1, b1 := load(r, 2*j), load(r, 2*j+4), load(r, 2*j+6)
			b0 := load(r, 2*j+2)
			taps[3*ki] = gather(a0, a1, el, eh)
			taps[3*ki+1] = gather(a0, a1, ol, oh)
			taps[3*ki+2] = gather(b0, b1, el, eh)
		}
		best, at := taps[0], idx
		for t := 1; t < 9; t++ {
			m := taps[t].Greater(best)
			best, at = taps[t].IfElse(m, best), idx.Add(off[t]).IfElse(m, at)
		}
		best.StoreArray((*[4]float32)(y[j : j+4]))
		at.StoreArray((*[4]int32)(arg[j : j+4]))
		idx = idx.Add(step)
	}
	return j
}
