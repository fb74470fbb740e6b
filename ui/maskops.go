package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// A mask raster is one byte per pixel, row-major: 255 inside the region of
// interest, 0 outside (the alpha channel of the mask canvas, where brush
// edges may leave values in between; > 127 counts as inside).

// maskInside reports whether a mask raster value is inside.
func maskInside(a uint8) bool { return a > 127 }

// AlphaFromRGBA extracts the alpha channel of RGBA pixels into dst.
func AlphaFromRGBA(dst, rgba []byte) {
	for i := range dst {
		dst[i] = rgba[4*i+3]
	}
}

// MaskEmpty reports whether no pixel is inside.
func MaskEmpty(alpha []byte) bool {
	for _, a := range alpha {
		if maskInside(a) {
			return false
		}
	}
	return true
}

// DownsampleMask returns the rw×rh raster mask resized to w×h by area
// averaging: each value is the inside fraction of the raster pixels the
// model pixel covers, thresholded at one half (1 inside, 0 outside), the
// binary mask the metrics and training use.
func DownsampleMask(alpha []byte, rw, rh, w, h int) []float32 {
	return DownsampleMaskIn(alpha, rw, rh, Frame{0, 0, float64(rw), float64(rh)}, w, h)
}

// DownsampleMaskIn is DownsampleMask for a model that sees only the part
// f of the raster (ModelWindow's centre crop): the w×h model pixels
// divide f, and the raster outside f counts for nothing.
func DownsampleMaskIn(alpha []byte, rw, rh int, f Frame, w, h int) []float32 {
	if len(alpha) != rw*rh {
		panic("ui: DownsampleMask: raster size mismatch")
	}
	out := make([]float32, w*h)
	sx, sy := (f.X1-f.X0)/float64(w), (f.Y1-f.Y0)/float64(h)
	for y := range h {
		y0, y1 := f.Y0+float64(y)*sy, f.Y0+float64(y+1)*sy
		for x := range w {
			x0, x1 := f.X0+float64(x)*sx, f.X0+float64(x+1)*sx
			var in, area float64
			for ry := max(0, int(y0)); ry < rh && float64(ry) < y1; ry++ {
				wy := min(y1, float64(ry+1)) - max(y0, float64(ry))
				for rx := max(0, int(x0)); rx < rw && float64(rx) < x1; rx++ {
					wx := min(x1, float64(rx+1)) - max(x0, float64(rx))
					a := wx * wy
					area += a
					if maskInside(alpha[ry*rw+rx]) {
						in += a
					}
				}
			}
			if area > 0 && in/area >= 0.5 {
				out[y*w+x] = 1
			}
		}
	}
	return out
}

// ResizeMaskNearest resizes a w×h raster mask to dw×dh by nearest
// neighbour (pixel centres).
func ResizeMaskNearest(alpha []byte, w, h, dw, dh int) []byte {
	out := make([]byte, dw*dh)
	for y := range dh {
		sy := min(h-1, (2*y+1)*h/(2*dh))
		for x := range dw {
			sx := min(w-1, (2*x+1)*w/(2*dw))
			out[y*dw+x] = alpha[sy*w+sx]
		}
	}
	return out
}

// OutlineRGBA writes into dst (RGBA, w×h) the boundary of the mask: inside
// pixels with a 4-neighbour outside (or on the raster edge), in colour c,
// thickened to t pixels; everything else transparent.
func OutlineRGBA(dst []byte, alpha []byte, w, h, t int, c color.RGBA) {
	clear(dst)
	edge := func(x, y int) bool {
		if !maskInside(alpha[y*w+x]) {
			return false
		}
		return x == 0 || y == 0 || x == w-1 || y == h-1 ||
			!maskInside(alpha[y*w+x-1]) || !maskInside(alpha[y*w+x+1]) ||
			!maskInside(alpha[(y-1)*w+x]) || !maskInside(alpha[(y+1)*w+x])
	}
	r := max(0, (t-1)/2)
	for y := range h {
		for x := range w {
			if !edge(x, y) {
				continue
			}
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= w || yy >= h {
						continue
					}
					p := dst[4*(yy*w+xx):]
					p[0], p[1], p[2], p[3] = c.R, c.G, c.B, c.A
				}
			}
		}
	}
}

// EncodeMaskPNG encodes the rw×rh raster mask as a w×h grey PNG, white
// inside and black outside: the usual format of segmentation masks.
func EncodeMaskPNG(alpha []byte, rw, rh, w, h int) ([]byte, error) {
	small := alpha
	if rw != w || rh != h {
		small = ResizeMaskNearest(alpha, rw, rh, w, h)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, a := range small {
		if maskInside(a) {
			g.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxMaskSide bounds the size of an imported mask image, and maxMaskBytes
// the bytes of its decoded pixels.
const (
	maxMaskSide  = 8192
	maxMaskBytes = 64 << 20
)

// maskBytesPerPixel returns the bytes per pixel of the image png.Decode
// returns for a colour model.
func maskBytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// DecodeMaskPNG reads a mask image (PNG; white or any bright, opaque pixel
// is inside) and resizes it to the rw×rh raster. The mask should have the
// image's aspect ratio; it is stretched otherwise.
func DecodeMaskPNG(b []byte, rw, rh int) ([]byte, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, errors.New("the mask is not a readable PNG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxMaskSide || cfg.Height > maxMaskSide {
		return nil, fmt.Errorf("the mask is %d×%d pixels; the limit is %d×%d", cfg.Width, cfg.Height, maxMaskSide, maxMaskSide)
	}
	// The header bounds the decoded bytes before decoding: a 536 KB PNG
	// can claim 8192² 16-bit RGBA pixels, 512 MB (issue #10). A mask the
	// app exports is 8-bit grey, one byte per pixel, so fits at 8192².
	if bpp := maskBytesPerPixel(cfg.ColorModel); cfg.Width*cfg.Height*bpp > maxMaskBytes {
		return nil, fmt.Errorf("the mask is too large: %d×%d pixels of %d bytes need %.0f MB; the limit is %d MB (save it as 8-bit grey)",
			cfg.Width, cfg.Height, bpp, float64(cfg.Width*cfg.Height*bpp)/(1<<20), maxMaskBytes>>20)
	}
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, errors.New("the mask PNG is damaged")
	}
	bnd := im.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	alpha := make([]byte, w*h)
	for y := range h {
		for x := range w {
			c := color.NRGBAModel.Convert(im.At(bnd.Min.X+x, bnd.Min.Y+y)).(color.NRGBA)
			lum := (299*int(c.R) + 587*int(c.G) + 114*int(c.B)) / 1000
			if c.A > 127 && lum > 127 {
				alpha[y*w+x] = 255
			}
		}
	}
	if w == rw && h == rh {
		return alpha, nil
	}
	return ResizeMaskNearest(alpha, w, h, rw, rh), nil
}
