//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD the scalar loops do all the work: these return 0 values
// done (see elementwise.go and addTaps3).

func reluVec(dst, src []float32) int         { return 0 }
func gateVec(dst, src, sel []float32) int    { return 0 }
func addTaps3Vec(dst, a, b, e []float32) int { return 0 }

func normalizeVec(h, y, x []float32, mu, r, g, beta float32) int { return 0 }
func scaleVec(dst, src []float32, k float32) int                 { return 0 }
func projectVec(dst, a, h []float32, k, mean, hMean float32) int { return 0 }

func maxPoolRowsVec(y []float32, arg []int32, x []float32, rows, ow, w int, base int32, fromFirst bool) int {
	return 0
}

func gateAddVec(dst, src, sel []float32) int                             { return 0 }
func clampVec(dst, src []float32, lo, hi float32) int                    { return 0 }
func clampGateVec(dst, src, x []float32, lo, hi float32, accum bool) int { return 0 }
func axpyVec(dst, src []float32, a float32) int                          { return 0 }
func addScaledVec(dst, a, b []float32, k float32) int                    { return 0 }
func dotVec(a, b []float32) (float32, int)                               { return 0, 0 }
func rowTaps3Vec(y, x []float32, w0, w1, w2 float32) int                 { return 0 }
func rowTaps3Stride2Vec(y, x []float32, w0, w1, w2 float32) int          { return 0 }

func maxPool3x3s2RowVec(y []float32, arg []int32, r0, r1, r2 []float32, ia, w int32) int { return 0 }
