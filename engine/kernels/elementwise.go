package kernels

import "math"

// The element-wise kernels below choose between two values with integer
// selects on the float bits: Go's wasm backend turns an if-else over integers
// into a branch-free select instruction but branches on floats, and ReLU and
// max-pool decisions on real activations are close to coin flips that the
// processor mispredicts half the time.

// In a GOEXPERIMENT=simd wasm build, reluVec and gateVec (elementwise_simd.go)
// do the same four values at a time with a vector comparison and mask, and
// return how many values they did; elsewhere they do nothing and return 0,
// and the scalar loops do all of it.

// selectPositive returns v if s > 0, else 0, without a branch.
func selectPositive(v, s float32) float32 {
	b := math.Float32bits(v)
	if !(s > 0) {
		b = 0
	}
	return math.Float32frombits(b)
}

// fillLoop is the longest row Fill stores value by value.
const fillLoop = 24

// Fill sets every value of dst to v by doubling copies: Go's copy is one
// bulk memory move in wasm, where a store per value costs several times
// more (a convolution's bias rows, before its product adds into them).
// Rows of up to fillLoop values are stored one by one, which is faster than
// the copies' calls there.
func Fill(dst []float32, v float32) {
	if len(dst) <= fillLoop {
		for i := range dst {
			dst[i] = v
		}
		return
	}
	dst[0] = v
	for done := 1; done < len(dst); done *= 2 {
		copy(dst[done:], dst[:done])
	}
}

// FillRows sets rows rows of n values each in dst: row r to
// bias[r%len(bias)] (the channels of a batch's images repeat), or to 0 if
// bias is nil. It is a convolution's output before its product adds into
// it.
func FillRows(dst, bias []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		var v float32
		if bias != nil {
			v = bias[r%len(bias)]
		}
		Fill(dst[r*n:(r+1)*n], v)
	}
}

// ReLUTo writes dst[i] = src[i] if src[i] > 0, else 0 (NaN gives 0). It
// panics if dst is shorter than src.
func ReLUTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i := reluVec(dst, src); i < len(src); i++ {
		v := src[i]
		dst[i] = selectPositive(v, v)
	}
}

// ReLUToNaive is the branching reference for ReLUTo.
func ReLUToNaive(dst, src []float32) {
	for i, v := range src {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

// GateTo writes dst[i] = src[i] if sel[i] > 0, else 0: ReLU's backward and
// tangent through the selection of its forward output sel. It panics if src
// or dst is shorter than sel.
func GateTo(dst, src, sel []float32) {
	dst = dst[:len(sel)]
	src = src[:len(sel)]
	for i := gateVec(dst, src, sel); i < len(sel); i++ {
		dst[i] = selectPositive(src[i], sel[i])
	}
}

// GateToNaive is the branching reference for GateTo.
func GateToNaive(dst, src, sel []float32) {
	for i, s := range sel {
		if s > 0 {
			dst[i] = src[i]
		} else {
			dst[i] = 0
		}
	}
}

var negInfBits = math.Float32bits(float32(math.Inf(-1)))

// MaxPool2x2 takes the maximum of each 2×2 window, moved by 2, over the C
// planes of H×W in x (the windows of a last odd row or column are dropped):
// y gets C×(H/2)×(W/2) maxima and arg, for each, base plus the index into x
// of the value it copied. Ties and NaN resolve as MaxPool2x2Naive does: a
// window's first value wins unless a later one is strictly greater. With
// wasm SIMD, maxPoolRowsVec does four windows at a time the same way: every
// plane in one call when H and W are even and W/2 a multiple of 4, else
// each row's groups of four.
func MaxPool2x2(y []float32, arg []int32, x []float32, c, h, w int, base int32) {
	maxPool2x2(y, arg, x, c, h, w, base, false)
}

// maxPool2x2 is MaxPool2x2, or with fromFirst MaxPool's 2×2 stride-2
// unpadded case: each window's scan starts from its first value instead of
// −Inf, which differs only when that value is NaN (it then stays).
func maxPool2x2(y []float32, arg []int32, x []float32, c, h, w int, base int32, fromFirst bool) {
	oh, ow := h/2, w/2
	if len(x) < c*h*w || len(y) < c*oh*ow || len(arg) < c*oh*ow {
		panic("kernels: MaxPool2x2 buffer too short")
	}
	if h%2 == 0 && w%2 == 0 && ow%4 == 0 && maxPoolRowsVec(y, arg, x, c*oh, ow, w, base, fromFirst) == ow {
		return
	}
	maxPool2x2ByRow(y, arg, x, c, h, w, base, fromFirst)
}

// maxPool2x2ByRow is maxPool2x2 output row by output row, with
// maxPoolRowsVec doing each row's groups of four windows.
func maxPool2x2ByRow(y []float32, arg []int32, x []float32, c, h, w int, base int32, fromFirst bool) {
	oh, ow := h/2, w/2
	o := 0
	for p := 0; p < c; p++ {
		for oi := 0; oi < oh; oi++ {
			i0 := (p*h + 2*oi) * w
			r0 := x[i0 : i0+2*ow]
			r1 := x[i0+w : i0+w+2*ow]
			yo := y[o : o+ow]
			ao := arg[o : o+ow]
			for oj := maxPoolRowsVec(yo, ao, x[i0:], 1, ow, w, base+int32(i0), fromFirst); oj < len(yo); oj++ {
				a, b := r0[2*oj], r0[2*oj+1]
				cc, d := r1[2*oj], r1[2*oj+1]
				// Everything a select needs is computed first, so that each
				// if below is a bare choice the compiler makes branch-free.
				ia := int32(i0 + 2*oj)
				ib, ic, id := ia+1, ia+int32(w), ia+int32(w)+1
				ba, bb, bc, bd := math.Float32bits(a), math.Float32bits(b), math.Float32bits(cc), math.Float32bits(d)
				// Scanning from −Inf keeps NaN out exactly as the reference does.
				best, bi := negInfBits, ia
				if a > math.Float32frombits(best) {
					best = ba
				}
				if fromFirst {
					best = ba
				}
				if b > math.Float32frombits(best) {
					best, bi = bb, ib
				}
				if cc > math.Float32frombits(best) {
					best, bi = bc, ic
				}
				if d > math.Float32frombits(best) {
					best, bi = bd, id
				}
				bb = best
				yo[oj] = math.Float32frombits(bb)
				ao[oj] = base + bi
			}
			o += ow
		}
	}
}

// MaxPool2x2Naive is the reference for MaxPool2x2: a scan of each window from
// −Inf keeping the first strictly greater value.
func MaxPool2x2Naive(y []float32, arg []int32, x []float32, c, h, w int, base int32) {
	oh, ow := h/2, w/2
	o := 0
	for p := 0; p < c; p++ {
		for oi := 0; oi < oh; oi++ {
			for oj := 0; oj < ow; oj++ {
				best := float32(math.Inf(-1))
				bi := (p*h+2*oi)*w + 2*oj
				for ki := 0; ki < 2; ki++ {
					for kj := 0; kj < 2; kj++ {
						i := (p*h+2*oi+ki)*w + 2*oj + kj
						if x[i] > best {
							best, bi = x[i], i
						}
					}
				}
				y[o], arg[o] = best, base+int32(bi)
				o++
			}
		}
	}
}

// NormalizeTo writes h[i] = (x[i] − mu)·r and y[i] = g·h[i] + beta for every
// i of x: BatchNorm's normalization and affine map over one channel plane.
// It panics if h or y is shorter than x.
func NormalizeTo(h, y, x []float32, mu, r, g, beta float32) {
	h, y = h[:len(x)], y[:len(x)]
	for i := normalizeVec(h, y, x, mu, r, g, beta); i < len(x); i++ {
		v := (x[i] - mu) * r
		h[i] = v
		y[i] = g*v + beta
	}
}

// ScaleTo writes dst[i] = k·src[i]. It panics if dst is shorter than src.
func ScaleTo(dst, src []float32, k float32) {
	dst = dst[:len(src)]
	for i := scaleVec(dst, src, k); i < len(src); i++ {
		dst[i] = k * src[i]
	}
}

// ProjectTo writes dst[i] = k·(a[i] − mean − h[i]·hMean): BatchNorm's
// training-mode Jacobian applied to a over one channel plane, with h the
// normalized input. It panics if dst or h is shorter than a.
func ProjectTo(dst, a, h []float32, k, mean, hMean float32) {
	dst, h = dst[:len(a)], h[:len(a)]
	for i := projectVec(dst, a, h, k, mean, hMean); i < len(a); i++ {
		dst[i] = k * (a[i] - mean - h[i]*hMean)
	}
}

// GateAdd adds src[i] to dst[i] where sel[i] > 0: ReLU's backward through
// its input sel, accumulated into a gradient. It panics if src or dst is
// shorter than sel.
func GateAdd(dst, src, sel []float32) {
	dst = dst[:len(sel)]
	src = src[:len(sel)]
	for i := gateAddVec(dst, src, sel); i < len(sel); i++ {
		dst[i] += selectPositive(src[i], sel[i])
	}
}

// GateAddNaive is the branching reference for GateAdd.
func GateAddNaive(dst, src, sel []float32) {
	for i, s := range sel {
		if s > 0 {
			dst[i] += src[i]
		}
	}
}

// ClampTo writes dst[i] = lo if src[i] ≤ lo, hi if src[i] ≥ hi, else src[i]
// (NaN stays NaN): ONNX Clip, ReLU6 with lo 0 and hi 6. It panics if dst is
// shorter than src.
func ClampTo(dst, src []float32, lo, hi float32) {
	dst = dst[:len(src)]
	for i := clampVec(dst, src, lo, hi); i < len(src); i++ {
		dst[i] = clamp(src[i], lo, hi)
	}
}

func clamp(v, lo, hi float32) float32 {
	switch {
	case v <= lo:
		return lo
	case v >= hi:
		return hi
	}
	return v
}

// ClampToNaive is the reference for ClampTo.
func ClampToNaive(dst, src []float32, lo, hi float32) {
	for i, v := range src {
		dst[i] = clamp(v, lo, hi)
	}
}

// inBand reports whether Clip to [lo, hi] passes x through (slope 1): x is
// neither ≤ lo nor ≥ hi, which holds for NaN.
func inBand(x, lo, hi float32) bool { return !(x <= lo) && !(x >= hi) }

// ClampGateTo writes dst[i] = src[i] where ClampTo passes x[i] through
// (neither x[i] ≤ lo nor x[i] ≥ hi), else 0: Clip's tangent. It panics if
// src or dst is shorter than x.
func ClampGateTo(dst, src, x []float32, lo, hi float32) {
	dst, src = dst[:len(x)], src[:len(x)]
	for i := clampGateVec(dst, src, x, lo, hi, false); i < len(x); i++ {
		var v float32
		if inBand(x[i], lo, hi) {
			v = src[i]
		}
		dst[i] = v
	}
}

// ClampGateAdd adds src[i] to dst[i] where ClampTo passes x[i] through:
// Clip's backward, accumulated into a gradient. It panics if src or dst is
// shorter than x.
func ClampGateAdd(dst, src, x []float32, lo, hi float32) {
	dst, src = dst[:len(x)], src[:len(x)]
	for i := clampGateVec(dst, src, x, lo, hi, true); i < len(x); i++ {
		var v float32
		if inBand(x[i], lo, hi) {
			v = src[i]
		}
		dst[i] += v
	}
}

// ClampGateAddNaive is the reference for ClampGateAdd (and, on a cleared
// dst, for ClampGateTo).
func ClampGateAddNaive(dst, src, x []float32, lo, hi float32) {
	for i, v := range x {
		if inBand(v, lo, hi) {
			dst[i] += src[i]
		}
	}
}

// Axpy adds a·src[i] to dst[i]. It panics if dst is shorter than src.
func Axpy(dst, src []float32, a float32) {
	dst = dst[:len(src)]
	for i := axpyVec(dst, src, a); i < len(src); i++ {
		dst[i] += a * src[i]
	}
}

// AxpyNaive is the reference for Axpy.
func AxpyNaive(dst, src []float32, a float32) {
	for i, v := range src {
		dst[i] += a * v
	}
}

// AddScaledTo writes dst[i] = a[i] + k·b[i], a product then a sum, as
// AddScaledToNaive: Integrated Gradients' path points x′ + α(x − x′), one
// pass over the input (or the affine prefix's output) per step. It panics
// if dst or b is shorter than a.
func AddScaledTo(dst, a, b []float32, k float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	for i := addScaledVec(dst, a, b, k); i < len(a); i++ {
		dst[i] = a[i] + k*b[i]
	}
}

// AddScaledToNaive is the reference for AddScaledTo.
func AddScaledToNaive(dst, a, b []float32, k float32) {
	for i, v := range a {
		dst[i] = v + k*b[i]
	}
}

// AddToFloat64 adds float64(src[i]) to sum[i]: the float64 sums of many
// gradients (Integrated Gradients' steps, SmoothGrad's samples), four
// values per iteration with the bounds checks hoisted, about half the time
// of the plain loop in wasm. It panics if sum is shorter than src.
func AddToFloat64(sum []float64, src []float32) {
	sum = sum[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		s, v := sum[i:i+4:i+4], src[i:i+4:i+4]
		s[0] += float64(v[0])
		s[1] += float64(v[1])
		s[2] += float64(v[2])
		s[3] += float64(v[3])
	}
	for ; i < len(src); i++ {
		sum[i] += float64(src[i])
	}
}

// Dot returns Σ a[i]·b[i]. With wasm SIMD it sums four interleaved partial
// sums, so its rounding differs from DotNaive's. It panics if b is shorter
// than a.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	s, i := dotVec(a, b)
	for ; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// DotNaive is the reference for Dot.
func DotNaive(a, b []float32) float32 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
