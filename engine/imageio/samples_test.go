package imageio

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRealSamples decodes the PNG and JPEG images the app ships
// (assets/samples/images, listed in assets/samples/SOURCES.md): each has the
// size its package documents, decodes to the model's 1×64×64 grey input with
// values in [0, 1], and keeps its contrast (the pixel values spread over a
// good part of the range rather than collapsing to one grey).
func TestRealSamples(t *testing.T) {
	const dir = "../../assets/samples/images"
	want := map[string]struct {
		format        string
		width, height int
		color         bool
	}{
		"shepp_logan_phantom.png": {"png", 400, 400, false}, // grey values stored as RGB
		"microaneurysms.png":      {"png", 102, 102, false},
		"camera.png":              {"png", 512, 512, false},
		"retina.jpg":              {"jpeg", 1411, 1411, true},
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%s holds %d files, the test knows %d: list new ones here and in SOURCES.md", dir, len(entries), len(want))
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			im, err := Decode(b, 1, 64, 64, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if im.Format != w.format || im.Width != w.width || im.Height != w.height || im.Color != w.color {
				t.Errorf("decoded as %s %d×%d colour %v, want %s %d×%d colour %v", im.Format, im.Width, im.Height, im.Color, w.format, w.width, w.height, w.color)
			}
			if len(im.Pix) != 64*64 {
				t.Fatalf("%d pixels, want %d", len(im.Pix), 64*64)
			}
			lo, hi := im.Pix[0], im.Pix[0]
			for _, v := range im.Pix {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("pixel %v outside [0, 1]", v)
				}
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo < 0.3 {
				t.Errorf("pixel values span only [%.3f, %.3f]", lo, hi)
			}
		})
	}
}
