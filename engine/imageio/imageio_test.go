package imageio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
)

func encodePNG(t testing.TB, im image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns the signature and IHDR chunk of a PNG claiming w×h
// 8-bit grey pixels, with a valid CRC, and no image data.
func pngHeader(w, h uint32) []byte { return pngHeaderOf(w, h, 8, 0) }

// pngHeaderOf is pngHeader with a bit depth and colour type (0 grey, 2 RGB,
// 6 RGBA).
func pngHeaderOf(w, h uint32, depth, colourType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = depth
	ihdr[9] = colourType
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 4, 4))
	good := encodePNG(t, grey)
	var jbuf bytes.Buffer
	if err := jpeg.Encode(&jbuf, grey, nil); err != nil {
		t.Fatal(err)
	}
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	tests := []struct {
		name string
		b    []byte
		want any // pointer to the expected error type
	}{
		{"empty", nil, new(*FormatError)},
		{"text", []byte("hello, this is not an image"), new(*UnsupportedError)},
		{"gif", gif, new(*UnsupportedError)},
		{"truncated png", good[:len(good)/2], new(*FormatError)},
		{"png header only", good[:8], new(*FormatError)},
		{"corrupt png data", append(append([]byte{}, good[:40]...), bytes.Repeat([]byte{0xAA}, 40)...), new(*FormatError)},
		{"truncated jpeg", jbuf.Bytes()[:len(jbuf.Bytes())/2], new(*FormatError)},
		{"huge png header", pngHeader(100000, 100000), new(*LimitError)},
		{"wide png header", pngHeader(MaxSide+1, 1), new(*LimitError)},
		{"zero png header", pngHeader(0, 10), new(*FormatError)},
		{"too many bytes", append(append([]byte{}, good...), make([]byte, MaxBytes)...), new(*LimitError)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := Decode(tc.b, 1, 28, 28, Limits{})
			if err == nil {
				t.Fatalf("Decode succeeded, want an error")
			}
			if im.Pix != nil || im.Width != 0 {
				t.Errorf("Decode returned an image with the error %v", err)
			}
			switch want := tc.want.(type) {
			case **FormatError:
				if !errors.As(err, want) {
					t.Errorf("error %v (%T), want a *FormatError", err, err)
				}
			case **UnsupportedError:
				if !errors.As(err, want) {
					t.Errorf("error %v (%T), want an *UnsupportedError", err, err)
				}
			case **LimitError:
				if !errors.As(err, want) {
					t.Errorf("error %v (%T), want a *LimitError", err, err)
				}
			}
		})
	}
}

// TestDecompressionBomb checks that images whose decoding would need too
// much memory are refused from the header, with the numbers, before any
// pixel is decoded (issue #10: a 536 KB PNG of 8192² 16-bit RGBA pixels
// decoded for ~10 s using over a gigabyte), and that the limits are
// configurable.
func TestDecompressionBomb(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		c    int
		lim  Limits
		want string
	}{
		// The headers alone: decoding past them would fail as truncated.
		{"8192² 16-bit RGBA", pngHeaderOf(8192, 8192, 16, 6), 1, Limits{}, "8192×8192 = 67.1 megapixels; the limit is 25.0 megapixels"},
		{"5000² 16-bit RGBA into RGB", pngHeaderOf(5000, 5000, 16, 6), 3, Limits{}, "(8 bytes per pixel) needs 476.8 MB; the limit is 320.0 MB"},
		{"pixel limit", pngHeaderOf(100, 100, 8, 0), 1, Limits{MaxPixels: 9999}, "the limit is 0.0 megapixels"},
		{"memory limit", pngHeaderOf(1000, 1000, 16, 0), 1, Limits{MaxMemory: 5 << 20}, "(2 bytes per pixel) needs 5.7 MB; the limit is 5.0 MB"},
	} {
		_, err := Decode(tc.b, tc.c, 28, 28, tc.lim)
		var le *LimitError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a *LimitError saying %q", tc.name, err, tc.want)
		}
	}
	// A real 1000×1000 16-bit RGBA image (8 MB decoded, a few KB encoded):
	// refused under a 10 MB memory limit, decoded under the defaults.
	im := image.NewNRGBA64(image.Rect(0, 0, 1000, 1000))
	b := encodePNG(t, im)
	if _, err := Decode(b, 1, 28, 28, Limits{MaxMemory: 10 << 20}); err == nil || !strings.Contains(err.Error(), "needs 11.4 MB") {
		t.Errorf("%d-byte PNG of 1000×1000 RGBA64 under a 10 MB limit: %v", len(b), err)
	}
	if _, err := Decode(b, 1, 28, 28, Limits{}); err != nil {
		t.Errorf("the same PNG under the default limits: %v", err)
	}
}

func TestDecodeBadTarget(t *testing.T) {
	b := encodePNG(t, image.NewGray(image.Rect(0, 0, 4, 4)))
	for _, shape := range [][3]int{{2, 8, 8}, {1, 0, 8}, {3, 8, -1}, {1, MaxSide + 1, 8}} {
		if _, err := Decode(b, shape[0], shape[1], shape[2], Limits{}); err == nil {
			t.Errorf("Decode to %v succeeded, want an error", shape)
		}
	}
}

func TestDecodeGreyDownscale(t *testing.T) {
	// A 4×4 image with a bright 2×2 top-left quadrant averages to 2×2 exactly.
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	for y := range 2 {
		for x := range 2 {
			g.SetGray(x, y, color.Gray{255})
		}
	}
	g.SetGray(3, 3, color.Gray{255})
	im, err := Decode(encodePNG(t, g), 1, 2, 2, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if im.Width != 4 || im.Height != 4 || im.Format != "png" || im.Color {
		t.Errorf("got %+v", im)
	}
	want := []float32{1, 0, 0, 0.25}
	for i, v := range im.Pix {
		if math.Abs(float64(v-want[i])) > 1e-6 {
			t.Errorf("Pix[%d] = %v, want %v", i, v, want[i])
		}
	}
}

func TestDecodeNonIntegerScale(t *testing.T) {
	// Area averaging preserves the mean brightness for any scale.
	g := image.NewGray(image.Rect(0, 0, 7, 5))
	var sum float64
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 37 % 256)
		sum += float64(g.Pix[i]) / 255
	}
	mean := sum / float64(len(g.Pix))
	for _, hw := range [][2]int{{3, 3}, {5, 7}, {10, 14}, {1, 1}} {
		im, err := Decode(encodePNG(t, g), 1, hw[0], hw[1], Limits{})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, v := range im.Pix {
			s += float64(v)
		}
		if got := s / float64(len(im.Pix)); math.Abs(got-mean) > 1e-4 {
			t.Errorf("%v: mean %v, want %v", hw, got, mean)
		}
	}
}

func TestDecodeRGBAndAlpha(t *testing.T) {
	im := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	im.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	im.Set(1, 0, color.NRGBA{0, 0, 255, 0}) // transparent: black
	got, err := Decode(encodePNG(t, im), 3, 1, 2, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0, 0, 0, 0, 0} // R plane, G plane, B plane
	for i, v := range got.Pix {
		if math.Abs(float64(v-want[i])) > 1e-6 {
			t.Errorf("Pix[%d] = %v, want %v", i, v, want[i])
		}
	}
	if !got.Color {
		t.Errorf("Color = false for an RGBA image")
	}
	greyRGB := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	greyRGB.Set(0, 0, color.NRGBA{90, 90, 90, 255})
	greyRGB.Set(1, 0, color.NRGBA{200, 200, 200, 255})
	if g, err := Decode(encodePNG(t, greyRGB), 1, 1, 2, Limits{}); err != nil || g.Color {
		t.Errorf("grey pixels stored as RGBA: Color = %v, err %v; want false", g.Color, err)
	}
	grey, err := Decode(encodePNG(t, im), 1, 1, 1, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if w := float32(0.299 / 2); math.Abs(float64(grey.Pix[0]-w)) > 1e-4 {
		t.Errorf("grey = %v, want %v", grey.Pix[0], w)
	}
}

func TestDecodeJPEG(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range g.Pix {
		g.Pix[i] = 128
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, g, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	im, err := Decode(buf.Bytes(), 1, 28, 28, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != "jpeg" || im.Width != 64 || im.Height != 48 {
		t.Errorf("got format %q size %d×%d", im.Format, im.Width, im.Height)
	}
	for i, v := range im.Pix {
		if math.Abs(float64(v)-128.0/255) > 0.02 {
			t.Fatalf("Pix[%d] = %v, want about %v", i, v, 128.0/255)
		}
	}
}

// FuzzDecode checks Decode's contract on arbitrary bytes, seeded with PNG
// and JPEG images (grey and colour) and hostile headers, decoding to one
// or three channels.
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, image.NewGray(image.Rect(0, 0, 3, 2))), false)
	f.Add(pngHeader(100000, 3), false)
	f.Add(pngHeaderOf(8192, 8192, 16, 6), true)
	f.Add([]byte("GIF89a"), false)
	grey := image.NewGray(image.Rect(0, 0, 13, 9))
	colour := image.NewNRGBA(image.Rect(0, 0, 17, 11))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(29 * i)
	}
	for i := range colour.Pix {
		colour.Pix[i] = uint8(13*i + i/4)
	}
	f.Add(encodePNG(f, colour), true)
	for _, im := range []image.Image{grey, colour} {
		for _, q := range []int{20, 95} {
			var b bytes.Buffer
			if err := jpeg.Encode(&b, im, &jpeg.Options{Quality: q}); err != nil {
				f.Fatal(err)
			}
			f.Add(b.Bytes(), q == 95)
		}
	}
	lim := Limits{MaxPixels: 1 << 20, MaxMemory: 32 << 20} // fast inputs
	f.Fuzz(func(t *testing.T, b []byte, rgb bool) {
		c := 1
		if rgb {
			c = 3
		}
		im, err := Decode(b, c, 8, 8, lim)
		if err != nil {
			if im.Pix != nil {
				t.Fatalf("image returned with error %v", err)
			}
			return
		}
		if len(im.Pix) != c*64 {
			t.Fatalf("len(Pix) = %d", len(im.Pix))
		}
		for _, v := range im.Pix {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("value %v out of [0, 1]", v)
			}
		}
	})
}

// TestResizePlanes checks that ResizePlanes agrees with Decode on the same
// pixels and converts channels like it.
func TestResizePlanes(t *testing.T) {
	const sw, sh = 7, 5
	g := image.NewGray(image.Rect(0, 0, sw, sh))
	src := make([]float32, sw*sh)
	for i := range g.Pix {
		g.Pix[i] = uint8(37 * i)
		src[i] = float32(g.Pix[i]) / 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{1, 3} {
		want, err := Decode(buf.Bytes(), c, 3, 4, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, c*3*4)
		if err := ResizePlanes(got, c, 3, 4, src, 1, sh, sw); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if d := got[i] - want.Pix[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("c=%d: value %d is %v, Decode gives %v", c, i, got[i], want.Pix[i])
			}
		}
	}
	// Colour to grey uses luma.
	rgb := []float32{1, 0, 0}
	out := make([]float32, 1)
	if err := ResizePlanes(out, 1, 1, 1, rgb, 3, 1, 1); err != nil || out[0] < 0.298 || out[0] > 0.3 {
		t.Errorf("red to grey = %v, %v; want 0.299", out[0], err)
	}
	if err := ResizePlanes(out, 2, 1, 1, rgb, 3, 1, 1); err == nil {
		t.Errorf("2 channels accepted")
	}
}
