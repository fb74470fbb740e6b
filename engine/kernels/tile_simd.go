//go:build goexperiment.simd && wasm

package kernels

// simdTiles are the Float32x4 micro-kernels of micro_simd_gen.go.
var simdTiles = []tile{
	{"simd4x8u4", 4, 8, microSIMD4x8u4},
	{"simd4x12u2", 4, 12, microSIMD4x12u2},
}

// defaultTile is the register tile of the products: with wasm SIMD, the
// fastest of simdTiles (see BenchmarkMatMulTiles).
var defaultTile = simdTiles[0]

// convRuns3 is ConvStride1's micro-kernel.
var convRuns3 = microSIMD4x8Runs3

// winoStride is WinogradConvNarrow's micro-kernel: the products of the
// transformed filters with the transformed input, read where it lies.
var winoStride = microSIMD4x8Stride128
