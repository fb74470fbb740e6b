// Package kernels holds the engine's fast numeric kernels in one place: dense
// matrix products and the im2col/col2im reshapes that turn a convolution into a
// matrix product.
//
// Conventions (as in gonum's floats): every kernel writes into its first
// argument, dst, and never allocates. Matrices are row-major and contiguous;
// dimensions are given explicitly as M, K, N for a product
// C[M×N] += A[M×K]·B[K×N]. All products accumulate into dst, so callers clear
// dst when they want an assignment. Each fast kernel has a plain reference
// version (suffix Naive) that the tests compare it against.
//
// Built for wasm with GOEXPERIMENT=simd (Go 1.27), the products' micro-kernel,
// their packing and the element-wise kernels use 128-bit SIMD (simd/archsimd,
// files tagged goexperiment.simd && wasm); every other build uses the scalar
// code, which stays the reference and the fallback.
//
// A dimension mismatch is a programming error inside the engine and panics with
// a message prefixed "kernels:" before any work is done.
package kernels
