package data

// ObjectMask writes into dst the "object" mask of a Decoy image, from the
// image as Decoy makes it and its "swatch" mask (1 everywhere but the
// swatch), all h×w: the foreground — pixels above decoyObjectLevel of 255 —
// dilated by a decoyObjectSide square, without the swatch's pixels. It is
// the mask Decoy builds with Mask "object", for a page that has the image
// and the swatch mask but not the original digit: where that digit had
// foreground under the swatch (which now covers it), the dilation can
// differ by one pixel at the swatch's edge.
//
// ObjectMask panics if the slices are not h×w.
func ObjectMask(dst, img, swatch []float32, h, w int) {
	n := h * w
	if h < 0 || w < 0 || len(dst) != n || len(img) != n || len(swatch) != n {
		panic("data: ObjectMask: bad dimensions")
	}
	fg := make([]float32, n)
	for p, v := range img {
		if swatch[p] > 0.5 && v*255 > decoyObjectLevel {
			fg[p] = 1
		}
	}
	Dilate(dst, fg, h, w, decoyObjectSide)
	for p, m := range swatch {
		if m <= 0.5 {
			dst[p] = 0
		}
	}
}
