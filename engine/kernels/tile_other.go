//go:build !wasm

package kernels

// defaultTile is the register tile of the products. Natively (amd64, arm64),
// 4×2 measured fastest (see BenchmarkMatMulTiles); the wasm build uses 4×3,
// or a SIMD tile with GOEXPERIMENT=simd.
var defaultTile = tile4x2

// simdTiles is empty: the SIMD kernels are written for wasm only.
var simdTiles []tile

// convRuns3 is nil: ConvStride1 needs the SIMD build's micro-kernel.
var convRuns3 func(c []float32, ldc int, ap, b []float32, offs []int, strips int, bias *[4]float32)

// winoStride is nil: WinogradConvNarrow's products need the SIMD build's
// micro-kernel (it multiplies with a scalar loop without it).
var winoStride func(c []float32, ldc, sc int, ap, b []float32, sb, k, strips int)
