//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD the scalar loops of everyOther and addEveryOther do
// every value.

func everyOtherVec(dst, src []float32) int    { return 0 }
func addEveryOtherVec(dst, src []float32) int { return 0 }
