package imageio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
)

// Hard limits on the images Decode accepts, whatever the Limits.
const (
	MaxBytes = 40 << 20 // encoded file size
	MaxSide  = 8192     // width and height, in pixels
)

// Limits bound what Decode accepts, checked from the file's header before
// any pixel is decoded, so that a small file claiming a huge image (a
// decompression bomb: 8192² 16-bit RGBA pixels fit in a 536 KB PNG)
// cannot make the engine allocate without bound. Zero fields take the
// values of DefaultLimits; a field above the hard limit (MaxBytes) is
// lowered to it.
type Limits struct {
	MaxBytes  int // encoded file size
	MaxPixels int // width × height
	// MaxMemory bounds the bytes decoding needs: the decoded image (its
	// pixel format's bytes per pixel, from the header) plus one float32
	// plane per output channel at the original size.
	MaxMemory int
}

// DefaultLimits returns 40 MB per file, 25 megapixels (a 5000 × 5000
// image, larger than a digital mammogram) and 320 MiB of decoding memory
// (25 megapixels of 16-bit grey, or 20 of 8-bit RGB into three channels).
func DefaultLimits() Limits {
	return Limits{MaxBytes: MaxBytes, MaxPixels: 25_000_000, MaxMemory: 320 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 || l.MaxBytes > MaxBytes {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// FormatError reports bytes that are not a readable PNG or JPEG image.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return "imageio: " + e.Msg }

// UnsupportedError reports an image format other than PNG and JPEG, or a
// target shape Decode cannot produce.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return "imageio: unsupported image: " + e.Msg }

// LimitError reports an image larger than MaxBytes or MaxSide.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return "imageio: too large: " + e.Msg }

// Image is a decoded image resized to the model input.
type Image struct {
	Format        string    // "png" or "jpeg"
	Width, Height int       // original size in pixels
	Color         bool      // the original shows colour (some pixel is not grey)
	C, H, W       int       // shape of Pix
	Pix           []float32 // C×H×W, values in [0, 1]
}

// Config reads the format and size of an encoded image without decoding its
// pixels, and checks them against the hard limits and DefaultLimits.
func Config(b []byte) (format string, width, height int, err error) {
	format, width, height, _, err = config(b, 1, DefaultLimits())
	return format, width, height, err
}

// config reads the header of b and checks its size and the memory decoding
// it into c channels needs against lim (with defaults filled in); it
// returns the format, size and that memory in bytes.
func config(b []byte, c int, lim Limits) (format string, width, height, memory int, err error) {
	lim = lim.withDefaults()
	if len(b) == 0 {
		return "", 0, 0, 0, &FormatError{Msg: "the file is empty"}
	}
	if len(b) > lim.MaxBytes {
		return "", 0, 0, 0, &LimitError{Msg: fmt.Sprintf("the file has %.1f MB; the limit is %.0f MB", float64(len(b))/(1<<20), float64(lim.MaxBytes)/(1<<20))}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return "", 0, 0, 0, wrapDecodeError(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return format, 0, 0, 0, &FormatError{Msg: fmt.Sprintf("the %s image has an empty size %d×%d", format, cfg.Width, cfg.Height)}
	}
	memory, err = checkConfig(cfg, c, lim)
	return format, cfg.Width, cfg.Height, memory, err
}

// checkConfig checks an image's header, as image.DecodeConfig reads it,
// against MaxSide and lim (zero fields: DefaultLimits) for decoding into c
// float32 channels (c = 0: the decoded image only), and returns the bytes
// decoding needs, or a *LimitError saying by how much it exceeds them.
func checkConfig(cfg image.Config, c int, lim Limits) (memory int, err error) {
	lim = lim.withDefaults()
	w, h := cfg.Width, cfg.Height
	if w > MaxSide || h > MaxSide {
		return 0, &LimitError{Msg: fmt.Sprintf("the image is %d×%d pixels; the limit is %d×%d", w, h, MaxSide, MaxSide)}
	}
	// Both sides are at most MaxSide = 2^13: no product below overflows.
	if n := w * h; n > lim.MaxPixels {
		return 0, &LimitError{Msg: fmt.Sprintf("the image is %d×%d = %.1f megapixels; the limit is %.1f megapixels", w, h, float64(n)/1e6, float64(lim.MaxPixels)/1e6)}
	}
	bpp := bytesPerPixel(cfg.ColorModel)
	memory = w * h * (bpp + 4*c)
	if memory > lim.MaxMemory {
		return memory, &LimitError{Msg: fmt.Sprintf("decoding the %d×%d image (%d bytes per pixel) needs %.1f MB; the limit is %.1f MB", w, h, bpp, float64(memory)/(1<<20), float64(lim.MaxMemory)/(1<<20))}
	}
	return memory, nil
}

// bytesPerPixel returns the bytes per pixel of the image the decoders
// return for a colour model (8, the largest, for models it does not know).
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// wrapDecodeError turns an error from the image packages into a FormatError
// or UnsupportedError with a message for the user.
func wrapDecodeError(err error) error {
	switch {
	case errors.Is(err, image.ErrFormat):
		return &UnsupportedError{Msg: "not a PNG or JPEG image"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &FormatError{Msg: "the file ends too early (truncated or damaged)"}
	}
	var pu png.UnsupportedError
	var ju jpeg.UnsupportedError
	if errors.As(err, &pu) || errors.As(err, &ju) {
		return &UnsupportedError{Msg: err.Error()}
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return &FormatError{Msg: "the image is damaged: " + msg}
}

// Decode decodes a PNG or JPEG image and resizes it by area averaging to
// c×h×w, with c = 1 (grey, ITU-R BT.601 luma) or c = 3 (RGB). Transparent
// pixels are composited over black. It checks the header against lim
// (zero fields: DefaultLimits) before decoding, and returns an error, and
// no image, if the bytes are not a readable PNG or JPEG, exceed a limit,
// or the target shape is not supported.
func Decode(b []byte, c, h, w int, lim Limits) (Image, error) {
	if c != 1 && c != 3 {
		return Image{}, &UnsupportedError{Msg: fmt.Sprintf("models with %d input channels (want 1 or 3)", c)}
	}
	if h <= 0 || w <= 0 || h > MaxSide || w > MaxSide {
		return Image{}, &UnsupportedError{Msg: fmt.Sprintf("a model input of %d×%d pixels", w, h)}
	}
	format, width, height, _, err := config(b, c, lim)
	if err != nil {
		return Image{}, err
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return Image{}, wrapDecodeError(err)
	}
	r := src.Bounds()
	if r.Dx() != width || r.Dy() != height {
		return Image{}, &FormatError{Msg: "the image size in the header does not match its data"}
	}
	im := Image{Format: format, Width: width, Height: height, C: c, H: h, W: w}
	im.Pix = make([]float32, c*h*w)
	im.Color = resizeArea(im.Pix, c, h, w, src)
	return im, nil
}

// resizeArea writes src, resized to h×w by area averaging, into dst
// (c×h×w). Each output pixel is the mean of the source pixels it covers,
// weighted by the covered fraction, so downscaling does not alias and
// upscaling repeats pixels. It reports whether src shows any colour other
// than grey: whether some pixel's red, green and blue differ (grey pictures
// are often saved as RGB).
func resizeArea(dst []float32, c, h, w int, src image.Image) (colour bool) {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	// Convert the source once to a float plane per channel.
	planes := make([]float32, c*sw*sh)
	for y := range sh {
		for x := range sw {
			rf, gf, bf := pixel(src, b.Min.X+x, b.Min.Y+y)
			colour = colour || rf != gf || gf != bf
			if c == 1 {
				planes[y*sw+x] = 0.299*rf + 0.587*gf + 0.114*bf
			} else {
				planes[y*sw+x] = rf
				planes[sw*sh+y*sw+x] = gf
				planes[2*sw*sh+y*sw+x] = bf
			}
		}
	}
	xs := spans(sw, w)
	ys := spans(sh, h)
	for ch := range c {
		resizePlane(dst[ch*h*w:(ch+1)*h*w], w, planes[ch*sw*sh:(ch+1)*sw*sh], sw, xs, ys)
	}
	return colour
}

// pixel returns the colour at (x, y) in [0, 1], composited over black, with
// fast paths for the image types the PNG and JPEG decoders return most.
func pixel(src image.Image, x, y int) (r, g, b float32) {
	switch im := src.(type) {
	case *image.Gray:
		v := float32(im.Pix[im.PixOffset(x, y)]) / 255
		return v, v, v
	case *image.RGBA:
		p := im.Pix[im.PixOffset(x, y):]
		return float32(p[0]) / 255, float32(p[1]) / 255, float32(p[2]) / 255
	case *image.NRGBA:
		p := im.Pix[im.PixOffset(x, y):]
		a := float32(p[3]) / (255 * 255)
		return float32(p[0]) * a, float32(p[1]) * a, float32(p[2]) * a
	}
	r16, g16, b16, _ := src.At(x, y).RGBA() // premultiplied: over black
	return float32(r16) / 0xffff, float32(g16) / 0xffff, float32(b16) / 0xffff
}

// tap is a source index and the length of its overlap with an output cell.
type tap struct {
	i int
	w float64
}

// spans maps each of m output cells over n source cells to the source cells
// it overlaps and the overlap lengths (in source units).
func spans(n, m int) [][]tap {
	out := make([][]tap, m)
	scale := float64(n) / float64(m)
	for o := range m {
		lo, hi := float64(o)*scale, float64(o+1)*scale
		for i := int(lo); i < n && float64(i) < hi; i++ {
			w := min(hi, float64(i+1)) - max(lo, float64(i))
			if w > 1e-9 {
				out[o] = append(out[o], tap{i, w})
			}
		}
	}
	return out
}
