//go:build !(goexperiment.simd && wasm)

package kernels

// dealWide deals one step's row src of full panels out to the packed B
// panels starting at dst: the nr values of panel q go to dst[q·nr·kc:].
// The SIMD build moves them as vectors; this is the plain version.
func dealWide(dst, src []float32, nr, kc int) {
	o := 0
	for q := 0; q+nr <= len(src); q += nr {
		copy(dst[o:o+nr], src[q:q+nr])
		o += nr * kc
	}
}
