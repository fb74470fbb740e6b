package kernels

// The three products share one packed, register-blocked implementation in
// pack.go; the naive versions here are their references.

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
	if m == 1 {
		gemv(c, a, b, k, n, false)
		return
	}
	gemm(c, a, b, m, k, n, false, false, defaultTile)
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
	if m == 1 {
		gemv(c, a, b, k, n, false)
		return
	}
	gemm(c, a, b, m, k, n, true, false, defaultTile)
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
	if m == 1 {
		gemv(c, a, b, k, n, true)
		return
	}
	gemm(c, a, b, m, k, n, false, true, defaultTile)
}

// gemv is the products for M = 1, one row of A (a fully connected layer at
// batch 1: A stored 1×K or K×1 is the same vector), which the packed
// kernels would run with three quarters of their register tile empty:
// C[0:N] += a·op(B), one Dot per column when B is stored N×K (each column
// of op(B) is a row of B), else one Axpy per row of B.
func gemv(c, a, b []float32, k, n int, transB bool) {
	c, a = c[:n], a[:k]
	if transB {
		for j := range c {
			c[j] += Dot(a, b[j*k:(j+1)*k])
		}
		return
	}
	for p, v := range a {
		Axpy(c, b[p*n:(p+1)*n], v)
	}
}
