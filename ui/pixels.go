package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// maxPagePixels is the largest PNG (in pixels) the page decodes itself to
// show it at once (PNGRGBA); a larger file goes to the browser's
// asynchronous decoder.
const maxPagePixels = 256 * 256

// PNGRGBA decodes a small grey or NRGBA PNG file (the kinds engine/data
// writes samples as) to non-premultiplied RGBA bytes, row by row, for
// putImageData; other kinds are refused. The page shows a built-in sample this way as soon
// as the engine has read it: the browser's createImageBitmap answers a
// few hundred milliseconds later on a busy first load, and the first map
// waits for the picture (issue #12). Files of more than maxPixels pixels
// are refused.
func PNGRGBA(b []byte, maxPixels int) (rgba []byte, w, h int, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading the PNG header: %w", err)
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, 0, 0, errors.New("too large to decode on the page")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decoding the PNG: %w", err)
	}
	r := img.Bounds()
	w, h = r.Dx(), r.Dy()
	rgba = make([]byte, 4*w*h)
	i := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		switch m := img.(type) {
		case *image.Gray:
			for _, v := range m.Pix[m.PixOffset(r.Min.X, y):][:w] {
				rgba[i], rgba[i+1], rgba[i+2], rgba[i+3] = v, v, v, 255
				i += 4
			}
		case *image.NRGBA:
			i += copy(rgba[i:], m.Pix[m.PixOffset(r.Min.X, y):][:4*w])
		default:
			return nil, 0, 0, errors.New("not a grey or NRGBA image")
		}
	}
	return rgba, w, h, nil
}
