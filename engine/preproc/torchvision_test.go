package preproc

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/npy"
)

// Tolerances against torchvision, in [0, 1] pixel units. PIL resizes 8-bit
// images in 8-bit fixed point and rounds to whole levels after the
// horizontal pass and again after the vertical one; each rounding moves a
// value by at most half a level, and the vertical pass's weights are
// positive and sum to 1, so it carries the first rounding through without
// growing it: at most 1/255 in all, plus the fixed-point weights' own
// error (2^-22 per weight), far below tvEps. torchvision's float tensors
// are not rounded, so Spec.Image (float too) must match them to float32
// rounding. The fixture script prints how far PIL and tensors differ (up
// to 0.0039, just under 1/255).
const (
	tvEps    = 1e-5
	pilTol   = 1.0/255 + tvEps
	floatTol = tvEps
)

// tvCase is one entry of preproc.json (scripts/onnx-fixtures.py).
type tvCase struct {
	Picture    string
	Resize     string
	H, W       int
	PIL        string `json:"pil"`
	Tensor     string
	Normalized string
}

// tvCases returns the directory and cases of torchvision's preprocessing
// references, or skips (fails under CI=true) without them.
func tvCases(t *testing.T) (string, []tvCase) {
	t.Helper()
	dir, err := filepath.Abs("../../.cache/onnx")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "preproc.json"))
	if err != nil {
		msg := "run make onnx-fixtures: torchvision's preprocessing references under " + dir + " are missing"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires them")
		}
		t.Skip(msg)
	}
	var m struct{ Cases []tvCase }
	if err := json.Unmarshal(b, &m); err != nil || len(m.Cases) == 0 {
		t.Fatalf("preproc.json: %v, %d cases", err, len(m.Cases))
	}
	return dir, m.Cases
}

// tvLoad decodes a picture at full size as the app and explain do (grey
// when no pixel has colour) and reads a reference tensor of shape c×h×w.
func tvLoad(t *testing.T, dir, picture, ref string) (src []float32, sc, sh, sw int, want *npy.Array) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, picture))
	if err != nil {
		t.Fatal(err)
	}
	_, sw, sh, err = imageio.Config(b)
	if err != nil {
		t.Fatal(err)
	}
	im, err := imageio.Decode(b, 3, sh, sw, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	src, sc = im.Pix, 3
	if !im.Color {
		src, sc = src[:sh*sw], 1
	}
	rb, err := os.ReadFile(filepath.Join(dir, ref))
	if err != nil {
		t.Fatal(err)
	}
	if want, err = npy.Decode(rb); err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return src, sc, sh, sw, want
}

// maxAbsDiff returns max |got − want| and its index.
func maxAbsDiff(got, want []float32) (float64, int) {
	var d float64
	at := 0
	for i := range got {
		if e := math.Abs(float64(got[i] - want[i])); e > d || math.IsNaN(e) {
			d, at = e, i
		}
	}
	return d, at
}

// TestTorchvision checks Spec.Image against torchvision's own Resize and
// CenterCrop of the same PNG files: on PIL images (what a PyTorch user's
// pipeline does) within PIL's 8-bit rounding, and on float tensors within
// float32 rounding. The area average of the built-in models is measured
// on the stretch cases too, to show the test tells the two apart.
func TestTorchvision(t *testing.T) {
	dir, cases := tvCases(t)
	for _, tc := range cases {
		name := tc.PIL
		t.Run(name, func(t *testing.T) {
			src, sc, sh, sw, pil := tvLoad(t, dir, tc.Picture, tc.PIL)
			if len(pil.Shape) != 3 || pil.Shape[1] != tc.H || pil.Shape[2] != tc.W {
				t.Fatalf("reference shape %v, want C×%d×%d", pil.Shape, tc.H, tc.W)
			}
			c := pil.Shape[0]
			s := Spec{Resize: tc.Resize}
			x, display, err := s.Image(src, sc, sh, sw, c, tc.H, tc.W)
			if err != nil {
				t.Fatal(err)
			}
			if len(x) != len(pil.Float32s()) {
				t.Fatalf("%d values, want %d", len(x), len(pil.Float32s()))
			}
			d, at := maxAbsDiff(display, pil.Float32s())
			t.Logf("%s %dx%d of a %dx%d picture: max |engine − PIL| = %.5f (%.2f levels of 255) at %d", tc.Resize, tc.H, tc.W, sh, sw, d, d*255, at)
			if d > pilTol {
				t.Errorf("max |engine − torchvision on PIL| = %.5f at %d (engine %v, PIL %v), want ≤ %.5f", d, at, display[at], pil.Float32s()[at], pilTol)
			}
			_, _, _, _, ten := tvLoad(t, dir, tc.Picture, tc.Tensor)
			if d, at := maxAbsDiff(display, ten.Float32s()); d > floatTol {
				t.Errorf("max |engine − torchvision on tensors| = %.2g at %d (engine %v, torchvision %v), want ≤ %g", d, at, display[at], ten.Float32s()[at], floatTol)
			} else {
				t.Logf("max |engine − torchvision on tensors| = %.2g", d)
			}
			if tc.Normalized != "" {
				s, _ := PresetSpec("imagenet")
				s.Resize = tc.Resize
				x, _, err := s.Image(src, sc, sh, sw, c, tc.H, tc.W)
				if err != nil {
					t.Fatal(err)
				}
				_, _, _, _, norm := tvLoad(t, dir, tc.Picture, tc.Normalized)
				// Normalize divides by std, and the tolerance with it.
				if d, at := maxAbsDiff(x, norm.Float32s()); d > pilTol/0.224 {
					t.Errorf("normalized: max |engine − torchvision| = %.5f at %d, want ≤ %.5f", d, at, pilTol/0.224)
				}
			}
			if tc.Resize == Stretch {
				area := make([]float32, len(display))
				if err := imageio.ResizePlanes(area, c, tc.H, tc.W, src, sc, sh, sw); err != nil {
					t.Fatal(err)
				}
				d, _ := maxAbsDiff(area, pil.Float32s())
				t.Logf("area average (built-in models): max |area − PIL| = %.5f (%.1f levels)", d, d*255)
				if d <= pilTol {
					t.Errorf("the area average is within %.5f of PIL: the tolerance cannot tell the filters apart", d)
				}
			}
		})
	}
}
