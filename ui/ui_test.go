package ui

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestRasterSize(t *testing.T) {
	for _, tc := range []struct{ w, h, rw, rh int }{
		{28, 28, 532, 532},
		{64, 32, 512, 256},
		{1000, 600, 1000, 600},
		{8000, 4000, 4096, 2048},
	} {
		rw, rh := rasterSize(tc.w, tc.h)
		if rw != tc.rw || rh != tc.rh {
			t.Errorf("rasterSize(%d, %d) = %d, %d; want %d, %d", tc.w, tc.h, rw, rh, tc.rw, tc.rh)
		}
	}
}

func TestColormaps(t *testing.T) {
	for _, c := range Colormaps() {
		lut := c.LUT()
		// Every palette gets brighter from bottom to top.
		lum := func(p [3]uint8) float64 { return 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2]) }
		if c != Turbo && !(lum(lut[255]) > lum(lut[0])+100) {
			t.Errorf("%s: luminance %v at the bottom, %v at the top", c, lum(lut[0]), lum(lut[255]))
		}
		if g := c.Gradient(); !strings.HasPrefix(g, "linear-gradient(to right, rgb(") || strings.Count(g, "rgb(") != 9 {
			t.Errorf("%s: gradient %q", c, g)
		}
		if c.Label() == "" {
			t.Errorf("%s: no label", c)
		}
	}
}

func TestHeatRGBA(t *testing.T) {
	m := []float32{0, 0.5, 1, 2, -1, float32(math.NaN())}
	s := HeatScale{0, 1}
	lut := Inferno.LUT()
	dst := make([]byte, 4*len(m))
	HeatRGBA(dst, m, s, &lut)
	if dst[3] != 0 || dst[4*4+3] != 0 || dst[5*4+3] != 0 {
		t.Errorf("zero, negative and NaN values should be transparent: %v", dst)
	}
	if dst[2*4+3] != 255 || dst[3*4+3] != 255 {
		t.Errorf("values at and above the top should be opaque: %v", dst)
	}
	if !(dst[4+3] > 0 && dst[4+3] < 255) {
		t.Errorf("a middle value should be partly transparent: %d", dst[4+3])
	}
	defer func() {
		if recover() == nil {
			t.Errorf("HeatRGBA with a short dst did not panic")
		}
	}()
	HeatRGBA(dst[:3], m, s, &lut)
}

func TestScaleFor(t *testing.T) {
	m := make([]float32, 1000)
	for i := range m {
		m[i] = float32(i) / 1000
	}
	m[999] = 1000 // an outlier does not set the scale
	if s := ScaleFor(m); s.Hi > 1 || s.Hi < 0.99 {
		t.Errorf("ScaleFor = %+v", s)
	}
	if s := ScaleFor([]float32{-1, 0, -3}); s.Hi != 1 {
		t.Errorf("ScaleFor of a map without positive values = %+v", s)
	}
}

func TestDownsampleMask(t *testing.T) {
	// A 4×4 raster whose left half is inside becomes [1 0] at 2×1... and
	// a quarter-covered cell stays outside.
	a := []byte{
		255, 255, 0, 0,
		255, 255, 0, 0,
		255, 255, 0, 255,
		255, 255, 0, 0,
	}
	got := DownsampleMask(a, 4, 4, 2, 2)
	want := []float32{1, 0, 1, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("DownsampleMask = %v, want %v", got, want)
		}
	}
	if MaskEmpty(a) || !MaskEmpty(make([]byte, 9)) {
		t.Errorf("MaskEmpty wrong")
	}
}

func TestMaskPNGRoundTrip(t *testing.T) {
	rw, rh := 12, 8
	a := make([]byte, rw*rh)
	for y := 2; y < 6; y++ {
		for x := 3; x < 9; x++ {
			a[y*rw+x] = 255
		}
	}
	b, err := EncodeMaskPNG(a, rw, rh, rw, rh)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeMaskPNG(b, rw, rh)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if maskInside(a[i]) != maskInside(back[i]) {
			t.Fatalf("pixel %d differs after a round trip", i)
		}
	}
	// Encoding at a smaller size and decoding to the raster keeps the shape.
	small, err := EncodeMaskPNG(a, rw, rh, 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	up, err := DecodeMaskPNG(small, rw, rh)
	if err != nil {
		t.Fatal(err)
	}
	if up[4*rw+5] != 255 || up[0] != 0 {
		t.Errorf("resized mask lost its shape")
	}
	if _, err := DecodeMaskPNG([]byte("not a png"), rw, rh); err == nil {
		t.Errorf("DecodeMaskPNG accepted garbage")
	}
	if _, err := DecodeMaskPNG(b[:len(b)/2], rw, rh); err == nil {
		t.Errorf("DecodeMaskPNG accepted a truncated PNG")
	}
	// A bomb's header (8192² 16-bit RGBA, no pixel data) is refused as too
	// large before decoding, not as damaged after trying (issue #10).
	var hdr bytes.Buffer
	hdr.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := append([]byte("IHDR"), 0, 0, 0x20, 0, 0, 0, 0x20, 0, 16, 6, 0, 0, 0)
	binary.Write(&hdr, binary.BigEndian, uint32(13))
	hdr.Write(ihdr)
	binary.Write(&hdr, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	if _, err := DecodeMaskPNG(hdr.Bytes(), rw, rh); err == nil || !strings.Contains(err.Error(), "too large: 8192×8192 pixels of 8 bytes need 512 MB") {
		t.Errorf("DecodeMaskPNG of an 8192² RGBA64 header: %v", err)
	}
}

func TestOutline(t *testing.T) {
	w, h := 5, 5
	a := make([]byte, w*h)
	for y := 1; y < 4; y++ {
		for x := 1; x < 4; x++ {
			a[y*w+x] = 255
		}
	}
	dst := make([]byte, 4*w*h)
	OutlineRGBA(dst, a, w, h, 1, color.RGBA{255, 0, 0, 255})
	if dst[4*(2*w+2)+3] != 0 {
		t.Errorf("the centre of the square is on the outline")
	}
	if dst[4*(1*w+1)+3] != 255 || dst[4*(3*w+2)+3] != 255 {
		t.Errorf("the square's border is not on the outline")
	}
	if dst[3] != 0 {
		t.Errorf("an outside pixel is on the outline")
	}
}

func TestChart(t *testing.T) {
	g := chartGeom{W: 100, H: 50, Left: 10, Right: 0, Top: 0, Bottom: 10, XMax: 3, YMin: 0, YMax: 1}
	if p := g.linePath([]float64{0, 0.5, 1}); p != "M10.0 40.0 L55.0 20.0 L100.0 0.0" {
		t.Errorf("linePath = %q", p)
	}
	if p := g.linePath([]float64{0.5, math.NaN(), 0.5}); strings.Count(p, "M") != 2 || strings.Contains(p, "L") {
		t.Errorf("a gap should break the line: %q", p)
	}
	if lo, hi := yRange([]Series{{Values: []float64{0.3, 3.7}}}, false); lo != 0 || hi != 5 {
		t.Errorf("yRange = %v, %v; want 0, 5", lo, hi)
	}
	if _, hi := yRange(nil, true); hi != 1 {
		t.Errorf("unit yRange hi = %v", hi)
	}
}

func TestBaseName(t *testing.T) {
	for in, want := range map[string]string{
		"scan 01.png":      "scan_01",
		`C:\x\chest.jpeg`:  "chest",
		"../../etc/passwd": "passwd",
		"":                 "image",
		"crosses-baseline": "crosses-baseline",
	} {
		if got := baseName(in); got != want {
			t.Errorf("baseName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDecodeMaskPNG checks DecodeMaskPNG's contract on arbitrary bytes
// (the mask import reads the user's files): an error and no mask, or a
// raster of the requested size holding 0 or 255.
func FuzzDecodeMaskPNG(f *testing.F) {
	a := make([]byte, 6*4)
	for i := range a {
		if i%5 < 2 {
			a[i] = 255
		}
	}
	for _, size := range [][2]int{{6, 4}, {3, 2}, {12, 8}} {
		b, err := EncodeMaskPNG(a, 6, 4, size[0], size[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(6), uint8(4))
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, rw, rh uint8) {
		w, h := int(rw%64)+1, int(rh%64)+1
		m, err := DecodeMaskPNG(b, w, h)
		if err != nil {
			if m != nil {
				t.Fatalf("a mask with the error %v", err)
			}
			return
		}
		if len(m) != w*h {
			t.Fatalf("%d mask bytes for %d×%d", len(m), w, h)
		}
		for i, v := range m {
			if v != 0 && v != 255 {
				t.Fatalf("mask byte %d is %d", i, v)
			}
		}
	})
}
