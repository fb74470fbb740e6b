package data

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"sync"
)

// pngEncoder writes the sets' small images fast: stored, not compressed,
// with the encoder's buffers reused from image to image. png.Encode
// allocates about a megabyte of compressor state per image: the 48 sample
// images and 48 masks the app's engine sends before its first map took
// 225 ms natively (most of the engine worker's start-up after the model),
// 67 ms with png.BestSpeed and a reused encoder, 7 ms stored. A 64×64
// grey image is then about 4 KB, which stays in the browser's memory.
var pngEncoder = png.Encoder{CompressionLevel: png.NoCompression, BufferPool: &pngBuffers{}}

// pngBuffers is a png.EncoderBufferPool on a sync.Pool.
type pngBuffers struct{ p sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	buf, _ := b.p.Get().(*png.EncoderBuffer)
	return buf
}

func (b *pngBuffers) Put(buf *png.EncoderBuffer) { b.p.Put(buf) }

// PNG encodes image i as a PNG: grey-scale for C == 1, RGB for C == 3.
// Values are clamped to [0, 1] and scaled to 0–255 (NaN becomes 0); sets with
// another value range should be rescaled first. PNG returns an error for
// other channel counts and panics if i is out of range.
func (s *Set) PNG(i int) ([]byte, error) {
	x := s.Image(i)
	hw := s.H * s.W
	var img image.Image
	switch s.C {
	case 1:
		g := image.NewGray(image.Rect(0, 0, s.W, s.H))
		for p := range hw {
			g.Pix[p] = toByte(x[p])
		}
		img = g
	case 3:
		rgba := image.NewNRGBA(image.Rect(0, 0, s.W, s.H))
		for p := range hw {
			rgba.Pix[4*p+0] = toByte(x[p])
			rgba.Pix[4*p+1] = toByte(x[hw+p])
			rgba.Pix[4*p+2] = toByte(x[2*hw+p])
			rgba.Pix[4*p+3] = 0xff
		}
		img = rgba
	default:
		return nil, fmt.Errorf("data: set %q: PNG of image %d: %d channels, want 1 or 3", s.Name, i, s.C)
	}
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("data: set %q: PNG of image %d: %w", s.Name, i, err)
	}
	return buf.Bytes(), nil
}

// toByte maps [0, 1] to 0–255 with rounding, clamping outside values.
func toByte(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 0xff
	}
	return uint8(v*255 + 0.5)
}
