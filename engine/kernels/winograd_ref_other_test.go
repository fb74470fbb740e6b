//go:build !(goexperiment.simd && wasm)

package kernels

func winoColsRefVec(b0, b1, b2, b3, d0, d1, d2, d3 []float32) int         { return 0 }
func winoRowRefVec(v0, v1, v2, v3, ev, od []float32) int                  { return 0 }
func winoTilesRefVec(y00, y01, y10, y11 []float32, ms *[16][]float32) int { return 0 }
func wino4BRefVec(b, d *[6][]float32) int                                 { return 0 }
