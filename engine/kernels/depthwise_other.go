//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD depthwise3x3s1's scalar loop does every output.

func depthwise3x3s1Vec(y, p []float32, w *[9]float32, h, wd int) bool { return false }
