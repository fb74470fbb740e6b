//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD the scalar loops of winograd_s2_lines.go do all the
// work: these return 0 tiles done.

func s2BtLinesVec(x []float32, l s2Lines, rows, nt int) int { return 0 }
func s2BLinesVec(x []float32, l s2Lines, rows, nt int) int  { return 0 }

func s2ALinesVec(dst []float32, dl s2Lines, src []float32, sl s2Lines, rows, nt int) int {
	return 0
}

func s2AtAddLinesVec(dst []float32, dl s2Lines, m []float32, ml s2Lines, rows, nt int) int {
	return 0
}
