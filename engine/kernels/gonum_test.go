package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// gonumMatMul is C += A·B through gonum's pure-Go SGEMM, the library
// alternative to our kernels.
func gonumMatMul(c, a, b []float32, m, k, n int) {
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: m, Cols: k, Stride: k, Data: a},
		blas32.General{Rows: k, Cols: n, Stride: n, Data: b},
		1, blas32.General{Rows: m, Cols: n, Stride: n, Data: c})
}

// TestMatMulAgreesWithGonum uses gonum's SGEMM as an independent oracle for
// the blocked product, so the kernels and their naive references cannot
// share a mistake unnoticed.
func TestMatMulAgreesWithGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ m, k, n int }{{1, 1, 1}, {5, 7, 3}, {16, 9, 33}, {33, 64, 17}} {
		a := randSlice(rng, s.m*s.k)
		b := randSlice(rng, s.k*s.n)
		want := make([]float32, s.m*s.n)
		got := make([]float32, s.m*s.n)
		gonumMatMul(want, a, b, s.m, s.k, s.n)
		MatMul(got, a, b, s.m, s.k, s.n)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%v: C[%d] = %v, gonum gives %v", s, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkMatMulGonum times gonum's SGEMM on the shapes of BenchmarkMatMul,
// the measurement behind using our own kernel in the browser (see README).
func BenchmarkMatMulGonum(b *testing.B) {
	for _, s := range []struct{ m, k, n int }{{256, 256, 256}, {32, 144, 4096}, {64, 288, 1024}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n), func(b *testing.B) { benchmarkProduct(b, gonumMatMul, s.m, s.k, s.n) })
	}
}
