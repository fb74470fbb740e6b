package kernels

// The blocked products below compute 4×4 tiles of C with sixteen scalar
// accumulators, so each loaded element of A and B feeds four multiply-adds.
// Go's wasm target has no SIMD; the accumulators become wasm locals, which is
// what makes these kernels several times faster than a plain triple loop there
// (see BenchmarkMatMul). Edges that do not fill a tile fall back to simple
// loops.

const (
	errShortA = "kernels: A is shorter than its dimensions"
	errShortB = "kernels: B is shorter than its dimensions"
	errShortC = "kernels: C is shorter than its dimensions"
	errDims   = "kernels: negative dimension"
)

func checkDims(c, a, b []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 {
		panic(errDims)
	}
	if len(a) < m*k {
		panic(errShortA)
	}
	if len(b) < k*n {
		panic(errShortB)
	}
	if len(c) < m*n {
		panic(errShortC)
	}
}

// MatMulNaive computes C[M×N] += A[M×K]·B[K×N] with a plain loop. It is the
// reference for MatMul.
func MatMulNaive(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			aip := a[i*k+p]
			for j := 0; j < n; j++ {
				c[i*n+j] += aip * b[p*n+j]
			}
		}
	}
}

// MatMul computes C[M×N] += A[M×K]·B[K×N].
func MatMul(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	i := 0
	for ; i+4 <= m; i += 4 {
		a0 := a[(i+0)*k : (i+1)*k]
		a1 := a[(i+1)*k : (i+2)*k]
		a2 := a[(i+2)*k : (i+3)*k]
		a3 := a[(i+3)*k : (i+4)*k]
		c0 := c[(i+0)*n : (i+1)*n]
		c1 := c[(i+1)*n : (i+2)*n]
		c2 := c[(i+2)*n : (i+3)*n]
		c3 := c[(i+3)*n : (i+4)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			var s00, s01, s02, s03 float32
			var s10, s11, s12, s13 float32
			var s20, s21, s22, s23 float32
			var s30, s31, s32, s33 float32
			for p := 0; p < k; p++ {
				bp := b[p*n+j : p*n+j+4 : p*n+j+4]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				x := a0[p]
				s00 += x * b0
				s01 += x * b1
				s02 += x * b2
				s03 += x * b3
				x = a1[p]
				s10 += x * b0
				s11 += x * b1
				s12 += x * b2
				s13 += x * b3
				x = a2[p]
				s20 += x * b0
				s21 += x * b1
				s22 += x * b2
				s23 += x * b3
				x = a3[p]
				s30 += x * b0
				s31 += x * b1
				s32 += x * b2
				s33 += x * b3
			}
			c0[j] += s00
			c0[j+1] += s01
			c0[j+2] += s02
			c0[j+3] += s03
			c1[j] += s10
			c1[j+1] += s11
			c1[j+2] += s12
			c1[j+3] += s13
			c2[j] += s20
			c2[j+1] += s21
			c2[j+2] += s22
			c2[j+3] += s23
			c3[j] += s30
			c3[j+1] += s31
			c3[j+2] += s32
			c3[j+3] += s33
		}
		for ; j < n; j++ {
			var s0, s1, s2, s3 float32
			for p := 0; p < k; p++ {
				bv := b[p*n+j]
				s0 += a0[p] * bv
				s1 += a1[p] * bv
				s2 += a2[p] * bv
				s3 += a3[p] * bv
			}
			c0[j] += s0
			c1[j] += s1
			c2[j] += s2
			c3[j] += s3
		}
	}
	for ; i < m; i++ {
		ai := a[i*k : (i+1)*k]
		ci := c[i*n : (i+1)*n]
		for p, x := range ai {
			if x == 0 {
				continue
			}
			bp := b[p*n : (p+1)*n]
			for j, bv := range bp {
				ci[j] += x * bv
			}
		}
	}
}

// MatMulTNNaive computes C[M×N] += Aᵀ·B where A is stored K×M and B is K×N.
// It is the reference for MatMulTN.
func MatMulTNNaive(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	for p := 0; p < k; p++ {
		for i := 0; i < m; i++ {
			api := a[p*m+i]
			for j := 0; j < n; j++ {
				c[i*n+j] += api * b[p*n+j]
			}
		}
	}
}

// MatMulTN computes C[M×N] += Aᵀ·B where A is stored K×M and B is K×N.
func MatMulTN(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	i := 0
	for ; i+4 <= m; i += 4 {
		c0 := c[(i+0)*n : (i+1)*n]
		c1 := c[(i+1)*n : (i+2)*n]
		c2 := c[(i+2)*n : (i+3)*n]
		c3 := c[(i+3)*n : (i+4)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			var s00, s01, s02, s03 float32
			var s10, s11, s12, s13 float32
			var s20, s21, s22, s23 float32
			var s30, s31, s32, s33 float32
			for p := 0; p < k; p++ {
				ap := a[p*m+i : p*m+i+4 : p*m+i+4]
				bp := b[p*n+j : p*n+j+4 : p*n+j+4]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				x := ap[0]
				s00 += x * b0
				s01 += x * b1
				s02 += x * b2
				s03 += x * b3
				x = ap[1]
				s10 += x * b0
				s11 += x * b1
				s12 += x * b2
				s13 += x * b3
				x = ap[2]
				s20 += x * b0
				s21 += x * b1
				s22 += x * b2
				s23 += x * b3
				x = ap[3]
				s30 += x * b0
				s31 += x * b1
				s32 += x * b2
				s33 += x * b3
			}
			c0[j] += s00
			c0[j+1] += s01
			c0[j+2] += s02
			c0[j+3] += s03
			c1[j] += s10
			c1[j+1] += s11
			c1[j+2] += s12
			c1[j+3] += s13
			c2[j] += s20
			c2[j+1] += s21
			c2[j+2] += s22
			c2[j+3] += s23
			c3[j] += s30
			c3[j+1] += s31
			c3[j+2] += s32
			c3[j+3] += s33
		}
		for ; j < n; j++ {
			var s0, s1, s2, s3 float32
			for p := 0; p < k; p++ {
				bv := b[p*n+j]
				s0 += a[p*m+i] * bv
				s1 += a[p*m+i+1] * bv
				s2 += a[p*m+i+2] * bv
				s3 += a[p*m+i+3] * bv
			}
			c0[j] += s0
			c1[j] += s1
			c2[j] += s2
			c3[j] += s3
		}
	}
	for ; i < m; i++ {
		ci := c[i*n : (i+1)*n]
		for p := 0; p < k; p++ {
			x := a[p*m+i]
			if x == 0 {
				continue
			}
			bp := b[p*n : (p+1)*n]
			for j, bv := range bp {
				ci[j] += x * bv
			}
		}
	}
}

// MatMulNTNaive computes C[M×N] += A·Bᵀ where A is M×K and B is stored N×K.
// It is the reference for MatMulNT.
func MatMulNTNaive(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*k+p] * b[j*k+p]
			}
			c[i*n+j] += s
		}
	}
}

// MatMulNT computes C[M×N] += A·Bᵀ where A is M×K and B is stored N×K.
func MatMulNT(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	i := 0
	for ; i+4 <= m; i += 4 {
		a0 := a[(i+0)*k : (i+1)*k]
		a1 := a[(i+1)*k : (i+2)*k]
		a2 := a[(i+2)*k : (i+3)*k]
		a3 := a[(i+3)*k : (i+4)*k]
		c0 := c[(i+0)*n : (i+1)*n]
		c1 := c[(i+1)*n : (i+2)*n]
		c2 := c[(i+2)*n : (i+3)*n]
		c3 := c[(i+3)*n : (i+4)*n]
		j := 0
		for ; j+4 <= n; j += 4 {
			b0 := b[(j+0)*k : (j+1)*k]
			b1 := b[(j+1)*k : (j+2)*k]
			b2 := b[(j+2)*k : (j+3)*k]
			b3 := b[(j+3)*k : (j+4)*k]
			var s00, s01, s02, s03 float32
			var s10, s11, s12, s13 float32
			var s20, s21, s22, s23 float32
			var s30, s31, s32, s33 float32
			for p := 0; p < k; p++ {
				y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
				x := a0[p]
				s00 += x * y0
				s01 += x * y1
				s02 += x * y2
				s03 += x * y3
				x = a1[p]
				s10 += x * y0
				s11 += x * y1
				s12 += x * y2
				s13 += x * y3
				x = a2[p]
				s20 += x * y0
				s21 += x * y1
				s22 += x * y2
				s23 += x * y3
				x = a3[p]
				s30 += x * y0
				s31 += x * y1
				s32 += x * y2
				s33 += x * y3
			}
			c0[j] += s00
			c0[j+1] += s01
			c0[j+2] += s02
			c0[j+3] += s03
			c1[j] += s10
			c1[j+1] += s11
			c1[j+2] += s12
			c1[j+3] += s13
			c2[j] += s20
			c2[j+1] += s21
			c2[j+2] += s22
			c2[j+3] += s23
			c3[j] += s30
			c3[j+1] += s31
			c3[j+2] += s32
			c3[j+3] += s33
		}
		for ; j < n; j++ {
			bj := b[j*k : (j+1)*k]
			var s0, s1, s2, s3 float32
			for p, y := range bj {
				s0 += a0[p] * y
				s1 += a1[p] * y
				s2 += a2[p] * y
				s3 += a3[p] * y
			}
			c0[j] += s0
			c1[j] += s1
			c2[j] += s2
			c3[j] += s3
		}
	}
	for ; i < m; i++ {
		ai := a[i*k : (i+1)*k]
		for j := 0; j < n; j++ {
			bj := b[j*k : (j+1)*k]
			var s float32
			for p, x := range ai {
				s += x * bj[p]
			}
			c[i*n+j] += s
		}
	}
}
