package ui

import (
	"image"

	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/wasm/protocol"
)

// ModelWindow returns the part of a w×h picture that model m sees, in the
// picture's pixels: the whole picture for the built-in models and for
// imported ones that stretch, the centre crop for those that resize then
// crop (engine/preproc's Window, the rectangle the engine itself crops).
// Heat maps are laid over this rectangle and painted masks are read
// through it, so that a map pixel and a mask pixel both cover the picture
// pixels the matching input pixel was made from.
func ModelWindow(m protocol.ModelInfo, w, h int) image.Rectangle {
	if w < 1 || h < 1 || m.W < 1 || m.H < 1 {
		return image.Rect(0, 0, max(w, 0), max(h, 0))
	}
	resize := preproc.Stretch
	if m.Preproc != nil {
		resize = m.Preproc.Resize
	}
	return preproc.Window(resize, h, w, m.H, m.W)
}

// Frame is a rectangle in display raster pixels (fractional when the
// raster is not a whole multiple of the picture).
type Frame struct{ X0, Y0, X1, Y1 float64 }

// RasterFrame scales r, a rectangle of a w×h picture, to a rw×rh display
// raster.
func RasterFrame(r image.Rectangle, w, h, rw, rh int) Frame {
	sx, sy := float64(rw)/float64(w), float64(rh)/float64(h)
	return Frame{float64(r.Min.X) * sx, float64(r.Min.Y) * sy, float64(r.Max.X) * sx, float64(r.Max.Y) * sy}
}

// Whole reports whether f covers all of a rw×rh raster.
func (f Frame) Whole(rw, rh int) bool {
	return f.X0 <= 0 && f.Y0 <= 0 && f.X1 >= float64(rw) && f.Y1 >= float64(rh)
}
