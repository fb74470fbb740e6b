//go:build wasm && !goexperiment.simd

package kernels

// defaultTile is the register tile of the products. On wasm without SIMD,
// 4×3 measured fastest among the shapes that fit Go's 16 float32 registers
// there (see BenchmarkMatMulTiles).
var defaultTile = tile4x3

// simdTiles is empty: this build has no SIMD kernels.
var simdTiles []tile
