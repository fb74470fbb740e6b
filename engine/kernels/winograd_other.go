//go:build !(goexperiment.simd && wasm)

package kernels

// Without wasm SIMD the scalar loops of winograd.go do all the work: these
// return 0 values done.

func winoTileRowVec(v []float32, cs, o, tw int, sp []float32) int { return 0 }

func wino2AVec(y0, y1, m0, m1, m2, m3 []float32) int { return 0 }
func addInterleavedVec(y, a, b []float32) int        { return 0 }

func wino4AVec(y *[4][]float32, m *[6][]float32) int { return 0 }

func splitVec(even, odd, src []float32) int { return 0 }

func wino4BRowsVec(v []float32, cs, o, tw int, b []float32) int { return 0 }
func wino4BDownVec(b, d []float32, n int) int                   { return 0 }

func winoNarrowTileRowVec(v []float32, C, c, t0, tw int, sp []float32) int { return 0 }
func winoNarrowRowsVec(y, m []float32, ow int, b float32) int              { return 0 }
