//go:build wasm && !goexperiment.simd

package kernels

// defaultTile is the register tile of the products. On wasm without SIMD,
// 4×3 measured fastest among the shapes that fit Go's 16 float32 registers
// there (see BenchmarkMatMulTiles).
var defaultTile = tile4x3

// simdTiles is empty: this build has no SIMD kernels.
var simdTiles []tile

// convRuns3 is nil: ConvStride1 needs the SIMD build's micro-kernel.
var convRuns3 func(c []float32, ldc int, ap, b []float32, offs []int, strips int, bias *[4]float32)

// winoStride is nil: WinogradConvNarrow's products need the SIMD build's
// micro-kernel (it multiplies with a scalar loop without it).
var winoStride func(c []float32, ldc, sc int, ap, b []float32, sb, k, strips int)
