//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD the scalar loops of winograd.go do all the work: these
// return 0 values done.

func winoColsVec(b0, b1, b2, b3, d0, d1, d2, d3 []float32) int { return 0 }
func winoRowVec(v0, v1, v2, v3, ev, od []float32) int          { return 0 }

func winoTilesVec(y00, y01, y10, y11 []float32, ms *[16][]float32) int { return 0 }

func wino4BVec(b, d *[6][]float32) int               { return 0 }
func wino4AVec(y *[4][]float32, m *[6][]float32) int { return 0 }

func splitVec(even, odd, src []float32) int { return 0 }
