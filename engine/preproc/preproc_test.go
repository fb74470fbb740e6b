package preproc

import (
	"image"
	"math"
	"reflect"
	"strings"
	"testing"
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
// here marked 1 with 0 outside.
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
		if v != 1 || display[i] != 1 {
			t.Fatalf("value %d is %v: the crop took pixels outside the centre window", i, v)
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

// TestWindow checks the crop window against values worked out by hand
// from torchvision's Resize(round(h·256/224)) + CenterCrop(h, w): S is the
// shorter side after Resize, k = min(sh, sw)/S source pixels per resized
// pixel, the window round(h·k) × round(w·k), centred (margin halved, rounded
// down).
func TestWindow(t *testing.T) {
	for _, c := range []struct {
		name           string
		resize         string
		sh, sw, h, w   int
		x0, y0, x1, y1 int
	}{
		// S = 256, k = 0.875: 196×196 from (126, 14).
		{"landscape", Crop, 224, 448, 224, 224, 126, 14, 322, 210},
		// S = 18, k = 200/18: 16k = 177.8 → 178, margins 22 and 122.
		{"portrait", Crop, 300, 200, 16, 16, 11, 61, 189, 239},
		// k = 199/18 = 11.06: 16k = 176.9 → 177; margins 124 and 22.
		{"odd landscape", Crop, 199, 301, 16, 16, 62, 11, 239, 188},
		// A 24×20 input: S = 27, k = 25/27: 22.2 → 22 rows, 18.5 → 19
		// columns; margins 3 (→ 1) and 18 (→ 9).
		{"odd sizes, non-square input", Crop, 25, 37, 24, 20, 9, 1, 28, 23},
		// S = 256, k = 5/256: 4.375 → 4; margins 1 → 0.
		{"smaller than the crop", Crop, 5, 5, 224, 224, 0, 0, 4, 4},
		{"one pixel", Crop, 1, 1, 224, 224, 0, 0, 1, 1},
		// A wide input on a square image: 64k = 177.8 is more than the
		// image's 50 columns, so all of them; 16k = 44.4 → 44 rows.
		{"wider than the image", Crop, 50, 50, 16, 64, 0, 3, 50, 47},
		{"stretch", Stretch, 300, 200, 16, 16, 0, 0, 200, 300},
		{"default", "", 25, 37, 24, 20, 0, 0, 37, 25},
	} {
		got := Window(c.resize, c.sh, c.sw, c.h, c.w)
		if want := image.Rect(c.x0, c.y0, c.x1, c.y1); got != want {
			t.Errorf("%s: Window(%q, %d, %d, %d, %d) = %v, want %v", c.name, c.resize, c.sh, c.sw, c.h, c.w, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Window with a zero size did not panic")
		}
	}()
	Window(Crop, 0, 10, 16, 16)
}

// TestImageUsesWindow checks that Image crops exactly the Window: with the
// window's pixels 1 and every other pixel 0, every input value is 1 (a
// window one pixel too large would bring in a 0).
func TestImageUsesWindow(t *testing.T) {
	for _, sz := range [][4]int{{199, 301, 16, 16}, {300, 200, 16, 16}, {25, 37, 24, 20}, {224, 448, 224, 224}} {
		sh, sw, h, w := sz[0], sz[1], sz[2], sz[3]
		r := Window(Crop, sh, sw, h, w)
		src := make([]float32, sh*sw)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				src[y*sw+x] = 1
			}
		}
		x, _, err := Spec{Resize: Crop}.Image(src, 1, sh, sw, 1, h, w)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range x {
			if v != 1 {
				t.Errorf("%v: input value %d (%d, %d) is %v: the crop reached outside %v", sz, i, i%w, i/w, v, r)
				break
			}
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
