package ui

import (
	"math"

	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/wasm/protocol"
)

// ModelWindow returns the part of a w×h picture that model m sees, in the
// picture's pixels: the whole picture for the built-in models and for
// imported ones that stretch, the centre crop for those that resize then
// crop (engine/preproc's Window, from the geometry the engine itself crops
// with; fractional, since torchvision's resize scales by a fraction). Heat
// maps are laid over this rectangle and painted masks are read through it,
// so that a map pixel and a mask pixel both cover the picture pixels the
// matching input pixel was made from.
func ModelWindow(m protocol.ModelInfo, w, h int) preproc.Rect {
	if w < 1 || h < 1 || m.W < 1 || m.H < 1 {
		return preproc.Rect{X1: float64(max(w, 0)), Y1: float64(max(h, 0))}
	}
	resize := preproc.Stretch
	if m.Preproc != nil {
		resize = m.Preproc.Resize
	}
	return preproc.Window(resize, h, w, m.H, m.W)
}

// ModelCrop reports whether model m sees only a centre crop of a w×h
// picture, and the crop's size in whole pixels, for captions.
func ModelCrop(m protocol.ModelInfo, w, h int) (cw, ch int, crop bool) {
	r := ModelWindow(m, w, h)
	if r == (preproc.Rect{X1: float64(w), Y1: float64(h)}) {
		return w, h, false
	}
	return int(math.Round(r.X1 - r.X0)), int(math.Round(r.Y1 - r.Y0)), true
}

// Frame is a rectangle in display raster pixels (fractional when the
// raster is not a whole multiple of the picture, or the model's window
// not a whole number of pixels).
type Frame struct{ X0, Y0, X1, Y1 float64 }

// RasterFrame scales r, a rectangle of a w×h picture, to a rw×rh display
// raster.
func RasterFrame(r preproc.Rect, w, h, rw, rh int) Frame {
	sx, sy := float64(rw)/float64(w), float64(rh)/float64(h)
	return Frame{r.X0 * sx, r.Y0 * sy, r.X1 * sx, r.Y1 * sy}
}

// Whole reports whether f is all of a rw×rh raster and no more.
func (f Frame) Whole(rw, rh int) bool {
	return f == Frame{0, 0, float64(rw), float64(rh)}
}
