//go:build wasm

package kernels

// defaultTile is the register tile of the products. On wasm, 4×3 measured
// fastest among the shapes that fit Go's 16 float32 registers there (see
// BenchmarkMatMulTiles).
var defaultTile = tile4x3
