package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPNGRGBA decodes grey and colour (with alpha) PNGs and compares every
// pixel with the image encoded; a paletted PNG is refused.
func TestPNGRGBA(t *testing.T) {
	const w, h = 7, 5
	gray := image.NewGray(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{10, 20, 30, 255}, color.NRGBA{200, 100, 0, 128}})
	for y := range h {
		for x := range w {
			gray.SetGray(x, y, color.Gray{uint8(31*x + 7*y)})
			nrgba.SetNRGBA(x, y, color.NRGBA{uint8(x * 30), uint8(y * 40), uint8(x + y), uint8(255 - 10*x)})
			pal.SetColorIndex(x, y, uint8((x+y)%2))
		}
	}
	if _, _, _, err := PNGRGBA(encodePNG(t, pal), 100); err == nil {
		t.Error("a paletted PNG accepted")
	}
	for name, img := range map[string]image.Image{"gray": gray, "nrgba": nrgba} {
		rgba, gw, gh, err := PNGRGBA(encodePNG(t, img), 100)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if gw != w || gh != h || len(rgba) != 4*w*h {
			t.Fatalf("%s: %d×%d, %d bytes", name, gw, gh, len(rgba))
		}
		for y := range h {
			for x := range w {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				got := rgba[4*(y*w+x):][:4]
				if got[0] != c.R || got[1] != c.G || got[2] != c.B || got[3] != c.A {
					t.Fatalf("%s (%d,%d): %v, want %v", name, x, y, got, c)
				}
			}
		}
	}
}

// TestPNGRGBABad refuses a file over the pixel limit and one that is not a
// PNG.
func TestPNGRGBABad(t *testing.T) {
	b := encodePNG(t, image.NewGray(image.Rect(0, 0, 20, 20)))
	if _, _, _, err := PNGRGBA(b, 399); err == nil {
		t.Error("400 pixels accepted under a limit of 399")
	}
	if _, _, _, err := PNGRGBA(b, 400); err != nil {
		t.Errorf("400 pixels refused under a limit of 400: %v", err)
	}
	if _, _, _, err := PNGRGBA([]byte("GIF89a not a png"), 400); err == nil {
		t.Error("a GIF header accepted")
	}
}
