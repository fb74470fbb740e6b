package imageio

import "fmt"

// ResizePlanes writes src, an image already decoded to planar float values
// (sc×sh×sw, sc = 1 or 3, values in [0, 1]), into dst (c×h×w) resized by
// the same area averaging as Decode. A colour source becomes grey by
// ITU-R BT.601 luma when c = 1; a grey source is repeated when c = 3. Other
// decoders (DICOM) use it so every file reaches the model the same way. It
// returns an *UnsupportedError for channel counts other than 1 and 3 and
// panics if a slice length does not match its dimensions.
func ResizePlanes(dst []float32, c, h, w int, src []float32, sc, sh, sw int) error {
	if (c != 1 && c != 3) || (sc != 1 && sc != 3) {
		return &UnsupportedError{Msg: fmt.Sprintf("%d source channels into %d (want 1 or 3)", sc, c)}
	}
	if h <= 0 || w <= 0 || sh <= 0 || sw <= 0 || len(dst) != c*h*w || len(src) != sc*sh*sw {
		panic("imageio: ResizePlanes: slice lengths do not match the dimensions")
	}
	n := sh * sw
	planes := convertPlanes(src, sc, c, n)
	xs, ys := spans(sw, w), spans(sh, h)
	for ch := range c {
		resizePlane(dst[ch*h*w:(ch+1)*h*w], w, planes[ch*n:(ch+1)*n], sw, xs, ys)
	}
	return nil
}

// resizePlane writes one source plane (row length sw) into out (row length
// w) by area averaging over the spans xs and ys, clamped to [0, 1].
func resizePlane(out []float32, w int, plane []float32, sw int, xs, ys [][]tap) {
	for oy, sy := range ys {
		for ox, sx := range xs {
			var sum, area float64
			for _, ty := range sy {
				row := plane[ty.i*sw:]
				for _, tx := range sx {
					wt := ty.w * tx.w
					sum += wt * float64(row[tx.i])
					area += wt
				}
			}
			v := float32(sum / area)
			out[oy*w+ox] = min(max(v, 0), 1)
		}
	}
}

// convertPlanes returns src (sc planes of n values) as c planes: src itself
// when sc = c, grey by ITU-R BT.601 luma for sc = 3, c = 1, the grey plane
// repeated for sc = 1, c = 3.
func convertPlanes(src []float32, sc, c, n int) []float32 {
	switch {
	case sc == 3 && c == 1:
		planes := make([]float32, n)
		for i := range n {
			planes[i] = 0.299*src[i] + 0.587*src[n+i] + 0.114*src[2*n+i]
		}
		return planes
	case sc == 1 && c == 3:
		planes := make([]float32, 3*n)
		for ch := range 3 {
			copy(planes[ch*n:], src)
		}
		return planes
	}
	return src
}
