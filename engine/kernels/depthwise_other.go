//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD depthwise3x3s1's scalar loop does every output.

func depthwise3x3s1Vec(y, p []float32, w *[9]float32, h, wd int, set bool, b float32) bool {
	return false
}

func depthwise3x3s2BackVec(dx, p []float32, w *[9]float32, tmp *[8]float32, h, wd, pw int) bool {
	return false
}

func depthwise3x3s2Vec(y, e, o []float32, w *[9]float32, oh, ow, pw int, set bool, b float32) bool {
	return false
}
func splitColumnsVec(odd, even, x []float32) int { return 0 }
