package preproc

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"saliencyexplorer/engine/imageio"
)

func TestMetadataRoundTrip(t *testing.T) {
	for _, s := range []Spec{
		{Resize: Crop, Preset: "imagenet", Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
		{Resize: Stretch, Mean: []float32{0.1, 0.2, 0.3}, Std: []float32{2, 3, 4}},
		{},
	} {
		got, _, err := FromMetadata(s.Metadata())
		if err != nil {
			t.Fatal(err)
		}
		if s.Mean == nil && got.Mean == nil {
			got.Mean, got.Std = s.Mean, s.Std
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("FromMetadata(%v) = %+v, want %+v", s.Metadata(), got, s)
		}
	}
	_, labels, err := FromMetadata(map[string]string{KeyLabels: "cat\ndog\r\nbird\n"})
	if err != nil || !reflect.DeepEqual(labels, []string{"cat", "dog", "bird"}) {
		t.Errorf("labels %q, %v", labels, err)
	}
	_, labels, err = FromMetadata(map[string]string{KeyLabels: `["a b", "c"]`})
	if err != nil || !reflect.DeepEqual(labels, []string{"a b", "c"}) {
		t.Errorf("JSON labels %q, %v", labels, err)
	}
	for md, want := range map[string]map[string]string{
		"unknown normalization": {KeyNormalize: "bogus"},
		"without":               {KeyMean: "0.5"},
		"not a number":          {KeyMean: "x", KeyStd: "1"},
		"std > 0":               {KeyMean: "0", KeyStd: "0"},
		"resize":                {KeyResize: "zoom"},
	} {
		if _, _, err := FromMetadata(want); err == nil || !strings.Contains(err.Error(), md) {
			t.Errorf("%v: error %v, want one containing %q", want, err, md)
		}
	}
}

func TestNormalizePresets(t *testing.T) {
	for _, c := range []struct {
		preset   string
		in, want float32
	}{{"unit", 0.25, 0.25}, {"symmetric", 0, -1}, {"symmetric", 1, 1}, {"xray", 0, -1024}, {"xray", 1, 1024}, {"imagenet", 0.485, 0}} {
		s, err := PresetSpec(c.preset)
		if err != nil {
			t.Fatal(err)
		}
		x := []float32{c.in}
		s.Normalize(x, 1)
		if math.Abs(float64(x[0]-c.want)) > 1e-4 {
			t.Errorf("%s(%v) = %v, want %v", c.preset, c.in, x[0], c.want)
		}
	}
}

// TestCrop checks the window torchvision's Resize(256)+CenterCrop(224)
// keeps: on a 448×224 (W×H) image, the central 196×196 pixels (224·224/256),
// here marked 1 with 0 outside. The bilinear filter blends the crop's
// outermost pixels with their unmarked neighbours; everything further in
// must be 1.
func TestCrop(t *testing.T) {
	const sh, sw, h = 224, 448, 224
	src := make([]float32, sh*sw)
	for y := 14; y < 14+196; y++ {
		for x := 126; x < 126+196; x++ {
			src[y*sw+x] = 1
		}
	}
	s := Spec{Resize: Crop}
	x, display, err := s.Image(src, 1, sh, sw, 3, h, h)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if y, xx := i/h%h, i%h; y > 0 && y < h-1 && xx > 0 && xx < h-1 && (v != 1 || display[i] != 1) {
			t.Fatalf("value %d (%d, %d) is %v: the crop took pixels outside the centre window", i, y, xx, v)
		}
		if v < 0.5 {
			t.Fatalf("border value %d is %v: the crop is off by a pixel or more", i, v)
		}
	}
	// Stretch keeps the whole image: its mean is the marked fraction.
	x, _, err = Spec{}.Image(src, 1, sh, sw, 1, h, h)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	if got, want := sum/float64(len(x)), 196.0*196/(224*448); math.Abs(got-want) > 1e-3 {
		t.Errorf("stretched mean %v, want %v", got, want)
	}
}

// TestWindow checks the crop window against torchvision's arithmetic
// worked out by hand: S = round(h·256/224); the shorter side scaled to S,
// the longer to ⌊S·long/short⌋; the window's offsets in the scaled image
// round((size − crop)/2) halving to even, or −⌊(crop − size)/2⌋ for a crop
// wider than the scaled image; then back to source pixels by the scale.
func TestWindow(t *testing.T) {
	for _, c := range []struct {
		name         string
		resize       string
		sh, sw, h, w int
		want         Rect
	}{
		// 448×224 → 512×256, window at (144, 16): ×0.875.
		{"landscape", Crop, 224, 448, 224, 224, Rect{126, 14, 322, 210}},
		// 200×300 → 18×27, offsets (1, round(5.5) = 6): ×200/18, ×300/27.
		{"portrait", Crop, 300, 200, 16, 16, Rect{200.0 / 18, 6 * 300.0 / 27, 17 * 200.0 / 18, 22 * 300.0 / 27}},
		// 300×200 → 27×18, offsets (6, 1).
		{"landscape 3:2", Crop, 200, 300, 16, 16, Rect{6 * 300.0 / 27, 200.0 / 18, 22 * 300.0 / 27, 17 * 200.0 / 18}},
		// A 16×12 input: 360×144 → 45×18, offsets (round(16.5) = 16, 1): ×8.
		{"non-square input", Crop, 144, 360, 16, 12, Rect{128, 8, 224, 136}},
		// 301×199 → 27×18 (27.2 → 27), offsets (round(5.5) = 6, 1).
		{"odd sizes", Crop, 199, 301, 16, 16, Rect{6 * 301.0 / 27, 199.0 / 18, 22 * 301.0 / 27, 17 * 199.0 / 18}},
		// 5×5 → 256×256, offsets 16: ×5/256.
		{"smaller than the crop", Crop, 5, 5, 224, 224, Rect{16 * 5.0 / 256, 16 * 5.0 / 256, 240 * 5.0 / 256, 240 * 5.0 / 256}},
		// A 64-wide crop of 50×50 → 18×18: 23 zero columns each side.
		{"wider than the image", Crop, 50, 50, 16, 64, Rect{-23 * 50.0 / 18, 50.0 / 18, 41 * 50.0 / 18, 17 * 50.0 / 18}},
		{"stretch", Stretch, 300, 200, 16, 16, Rect{0, 0, 200, 300}},
		{"default", "", 25, 37, 24, 20, Rect{0, 0, 37, 25}},
	} {
		got := Window(c.resize, c.sh, c.sw, c.h, c.w)
		if d := max(math.Abs(got.X0-c.want.X0), math.Abs(got.Y0-c.want.Y0), math.Abs(got.X1-c.want.X1), math.Abs(got.Y1-c.want.Y1)); d > 1e-9 {
			t.Errorf("%s: Window(%q, %d, %d, %d, %d) = %+v, want %+v", c.name, c.resize, c.sh, c.sw, c.h, c.w, got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Window with a zero size did not panic")
		}
	}()
	Window(Crop, 0, 10, 16, 16)
}

// TestImageUsesWindow checks Window against what Image does: a single
// bright source pixel at the centre of input pixel (i, j)'s part of the
// window lights input pixel (i, j) most, at the input's corners (where a
// window off by a fraction of an input pixel would move it) and centre.
func TestImageUsesWindow(t *testing.T) {
	for _, sz := range [][4]int{{199, 301, 16, 16}, {300, 200, 16, 16}, {144, 360, 16, 12}, {224, 448, 24, 20}, {61, 97, 24, 24}} {
		sh, sw, h, w := sz[0], sz[1], sz[2], sz[3]
		r := Window(Crop, sh, sw, h, w)
		kx, ky := (r.X1-r.X0)/float64(w), (r.Y1-r.Y0)/float64(h)
		for _, p := range [][2]int{{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}, {w / 2, h / 2}} {
			i, j := p[0], p[1]
			sx, sy := int(r.X0+(float64(i)+0.5)*kx), int(r.Y0+(float64(j)+0.5)*ky)
			src := make([]float32, sh*sw)
			src[sy*sw+sx] = 1
			x, _, err := Spec{Resize: Crop}.Image(src, 1, sh, sw, 1, h, w)
			if err != nil {
				t.Fatal(err)
			}
			best := 0
			for k, v := range x {
				if v > x[best] {
					best = k
				}
			}
			if best != j*w+i {
				t.Errorf("%v: source pixel (%d, %d), in input pixel (%d, %d)'s part of %+v, lights input pixel (%d, %d) most", sz, sx, sy, i, j, r, best%w, best/w)
			}
		}
	}
}

// TestCropFrame checks the scaled size and window offsets against
// torchvision's arithmetic worked out by hand, including Python's round
// halving to even and a crop wider than the scaled image.
func TestCropFrame(t *testing.T) {
	for _, c := range []struct {
		sh, sw, h, w int
		want         imageio.Frame
	}{
		// 256·300/217 = 353.9 → 353; (353 − 224)/2 = 64.5 → 64.
		{217, 300, 224, 224, imageio.Frame{H: 256, W: 353, Top: 16, Left: 64}},
		// S = round(64·256/224) = round(73.1) = 73; 73·263/181 = 106.07 → 106;
		// (106 − 64)/2 = 21; (73 − 48)/2 = 12.5 → 12.
		{263, 181, 64, 48, imageio.Frame{H: 106, W: 73, Top: 21, Left: 12}},
		// 256·97/61 = 407.1 → 407; (407 − 224)/2 = 91.5 → 92.
		{61, 97, 224, 224, imageio.Frame{H: 256, W: 407, Top: 16, Left: 92}},
		// A 512-wide crop of a 256-wide image: 128 zero columns each side.
		{100, 100, 224, 512, imageio.Frame{H: 256, W: 256, Top: 16, Left: -128}},
	} {
		if got := cropFrame(c.sh, c.sw, c.h, c.w); got != c.want {
			t.Errorf("cropFrame(%d×%d → %d×%d) = %+v, want %+v", c.sh, c.sw, c.h, c.w, got, c.want)
		}
	}
}

func TestParseLabelsForms(t *testing.T) {
	want := []string{"tench", "goldfish", "great white shark"}
	for _, in := range []string{
		"tench\ngoldfish\ngreat white shark\n",
		"tench\r\ngoldfish\r\ngreat white shark",
		`["tench", "goldfish", "great white shark"]`,
		`{"1": "goldfish", "0": "tench", "2": "great white shark"}`,
		`{"0": ["n01440764", "tench"], "2": ["n01491361", "great white shark"], "1": ["n01443537", "goldfish"]}`,
	} {
		got, err := ParseLabels([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{`{"0": "a", "2": "c"}`, `{"x": "a"}`, `{"0": "a", " 0": "b"}`, `{"0": 3}`, `["a", 3]`} {
		if got, err := ParseLabels([]byte(in)); err == nil {
			t.Errorf("%q: got %q, want an error", in, got)
		}
	}
}
