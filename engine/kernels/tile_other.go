//go:build !wasm

package kernels

// defaultTile is the register tile of the products. Natively (amd64, arm64),
// 4×2 measured fastest (see BenchmarkMatMulTiles); the wasm build uses 4×3.
var defaultTile = tile4x2
