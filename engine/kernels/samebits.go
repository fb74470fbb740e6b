package kernels

import (
	"math"
	"unsafe"
)

// equalBits compares a and b (of one length) as raw bits: a plain stream
// of loads, eight bytes at a time when both are 8-byte aligned alike, much
// cheaper than transforming or packing the values again, which is what a
// caller that keeps work derived from weights compares them to decide.
func equalBits(a, b []float32) bool {
	n := len(a)
	b = b[:n]
	i := 0
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if n > 0 && pa&7 == pb&7 {
		if pa&7 != 0 { // one value brings both to 8 bytes
			if math.Float32bits(a[0]) != math.Float32bits(b[0]) {
				return false
			}
			i = 1
		}
		if h := (n - i) / 2; h > 0 {
			a64 := unsafe.Slice((*uint64)(unsafe.Pointer(&a[i])), h)
			b64 := unsafe.Slice((*uint64)(unsafe.Pointer(&b[i])), h)
			for j, v := range a64 {
				if v != b64[j] {
					return false
				}
			}
			i += 2 * h
		}
	}
	for ; i < n; i++ {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
