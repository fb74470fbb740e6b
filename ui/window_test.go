package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/wasm/host"
	"saliencyexplorer/wasm/protocol"
)

// cropHost returns a Host running an imported colour model (3×16×12
// input, a height unlike its width) whose file says "resize then crop",
// and the model's description as the page gets it.
func cropHost(t *testing.T) (*host.Host, protocol.ModelInfo) {
	t.Helper()
	net, err := nn.New(model.ResNet("small", nn.Shape{C: 3, H: 16, W: 12}, []string{"a", "b"}, 4), 3)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	file, err := onnx.ExportBytes(g, onnx.ExportOptions{Metadata: map[string]string{preproc.KeyResize: preproc.Crop, preproc.KeyNormalize: "unit"}})
	if err != nil {
		t.Fatal(err)
	}
	h := host.New(nil)
	if err := h.LoadONNX(file, nil, protocol.ModelFile{Format: "onnx", Name: "crop.onnx"}, host.Status{}); err != nil {
		t.Fatal(err)
	}
	m := h.Info()
	if m.Preproc == nil || m.Preproc.Resize != preproc.Crop || m.C != 3 || m.H != 16 || m.W != 12 {
		t.Fatalf("the model is %d×%d×%d with preprocessing %+v, want 3×16×12 and crop", m.C, m.H, m.W, m.Preproc)
	}
	return h, m
}

// redPNG encodes a black w×h picture with the rectangles rs in red.
func redPNG(t *testing.T, w, h int, rs ...image.Rectangle) []byte {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{0, 0, 0, 255}
			for _, r := range rs {
				if image.Pt(x, y).In(r) {
					c.R = 255
				}
			}
			im.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// paint returns the display raster's mask of a w×h picture painted over
// the rectangles rs (in the picture's pixels), as the brush leaves it.
func paint(w, h int, rs ...image.Rectangle) (alpha []byte, rw, rh int) {
	rw, rh = rasterSize(w, h)
	alpha = make([]byte, rw*rh)
	for ry := range rh {
		for rx := range rw {
			// The picture point under the raster pixel's centre.
			p := image.Pt(int((float64(rx)+0.5)*float64(w)/float64(rw)), int((float64(ry)+0.5)*float64(h)/float64(rh)))
			for _, r := range rs {
				if p.In(r) {
					alpha[ry*rw+rx] = 255
				}
			}
		}
	}
	return alpha, rw, rh
}

// TestCropMaskHitsTheInput paints a mask on a 360×144 picture for a model
// that resizes then crops, and checks that it becomes, at input
// resolution, exactly the input pixels made from the painted region. The
// model sees 96×128 of it from (128, 8): torchvision scales it to 45×18
// and crops 12×16 from (round(16.5) = 16, 1), 8 picture pixels per input
// pixel. So the region [152, 200)×[48, 104) is input columns 3 to 8 and
// rows 5 to 11; a second region at the left, outside the crop, must count
// for nothing. The Host's input of the same picture is mostly red on
// exactly those input pixels too (its bilinear filter blurs the edges):
// the page and the engine crop the same window.
func TestCropMaskHitsTheInput(t *testing.T) {
	h, m := cropHost(t)
	const W, H = 360, 144
	if r := ModelWindow(m, W, H); r != (preproc.Rect{X0: 128, Y0: 8, X1: 224, Y1: 136}) {
		t.Fatalf("ModelWindow = %+v, want (128, 8)-(224, 136)", r)
	}
	in, out := image.Rect(152, 48, 200, 104), image.Rect(10, 20, 60, 120)
	_, x, _, err := h.Open("pic", redPNG(t, W, H, in, out), protocol.DecodeRequest{Name: "pic.png"})
	if err != nil {
		t.Fatal(err)
	}
	want := func(i, j int) bool { return i >= 3 && i < 9 && j >= 5 && j < 12 }
	for j := range m.H {
		for i := range m.W {
			red := x[j*m.W+i] // the red plane comes first
			if w := want(i, j); w != (red > 0.5) {
				t.Fatalf("the Host's input at column %d, row %d is %v red; in the region: %v", i, j, red, w)
			}
		}
	}
	alpha, rw, rh := paint(W, H, in, out)
	ed := NewMaskEditor(newMemStore())
	ed.SetRaster(alpha, rw, rh, RasterFrame(ModelWindow(m, W, H), W, H, rw, rh), m.W, m.H)
	for j := range m.H {
		for i := range m.W {
			if got := ed.Model[j*m.W+i] == 1; got != want(i, j) {
				t.Errorf("mask at input column %d, row %d: %v, want %v", i, j, got, want(i, j))
			}
		}
	}
	if ed.Area != 6*7 {
		t.Errorf("mask area %d input pixels, want 42", ed.Area)
	}
}

// TestCropMaskFractions checks the same agreement where the crop is not a
// whole number of picture pixels per input pixel (a 301×199 picture: the
// centre 133.8×176.9 from (89.2, 11.1) at 16×12, 11.15 by 11.06 picture
// pixels per input pixel, and a 602×398 raster): an input pixel is in the
// mask when at least half of its part of the picture was painted, which is
// when the Host's input, a weighted average of the picture around that
// part, is mostly red (but for input pixels at the region's corners,
// where the two weightings can differ: ties are skipped).
func TestCropMaskFractions(t *testing.T) {
	h, m := cropHost(t)
	const W, H = 301, 199
	r := image.Rect(117, 40, 190, 151)
	_, x, _, err := h.Open("pic", redPNG(t, W, H, r, image.Rect(0, 0, 60, 199)), protocol.DecodeRequest{Name: "pic.png"})
	if err != nil {
		t.Fatal(err)
	}
	alpha, rw, rh := paint(W, H, r, image.Rect(0, 0, 60, 199))
	got := DownsampleMaskIn(alpha, rw, rh, RasterFrame(ModelWindow(m, W, H), W, H, rw, rh), m.W, m.H)
	inside, ties := 0, 0
	for i, v := range got {
		red := float64(x[i])
		if math.Abs(red-0.5) < 0.15 {
			ties++
			continue // a tie, decided by the weighting
		}
		if (v == 1) != (red > 0.5) {
			t.Errorf("input column %d, row %d: mask %v, input %.3f red", i%m.W, i/m.W, v, red)
		}
		if v == 1 {
			inside++
		}
	}
	if ties > len(got)/6 { // the region's edge: about 30 input pixels
		t.Errorf("%d of %d input pixels are ties", ties, len(got))
	}
	if inside == 0 || inside == len(got) {
		t.Errorf("%d of %d input pixels in the mask: the test region does not test anything", inside, len(got))
	}
}

// TestCropTrainingMasks checks that fine-tuning gets the stored masks of
// the user's pictures through the same window: the mask of a 360×144
// picture, kept at the picture's size, painted over [152, 200)×[48, 104)
// and over a strip left of the crop, is input columns 3 to 8 and rows 5 to
// 11 of a 3×16×12 model that crops (see TestCropMaskHitsTheInput).
func TestCropTrainingMasks(t *testing.T) {
	const W, H = 360, 144
	m := protocol.ModelInfo{Key: "crop", C: 3, H: 16, W: 12, Classes: []string{"a", "b"}, Preproc: &protocol.Preproc{Resize: preproc.Crop}}
	st := newMemStore()
	lib, masks := NewLibrary(st), NewMaskEditor(st)
	pic := &Picture{Key: "file-1", Name: "wide.png", Label: 1, Width: W, Height: H, Input: make([]float32, 3*16*12), C: 3, H: 16, W: 12, Form: InputKey(m)}
	lib.Remember(pic, m.Classes, func([]float32, int, int, int) string { return "" })
	alpha := make([]byte, W*H)
	for y := range H {
		for x := range W {
			if p := image.Pt(x, y); p.In(image.Rect(152, 48, 200, 104)) || p.In(image.Rect(10, 20, 60, 120)) {
				alpha[y*W+x] = 255
			}
		}
	}
	b, err := EncodeMaskPNG(alpha, W, H, W, H)
	if err != nil {
		t.Fatal(err)
	}
	masks.Save("file-1", b)
	_, _, got := lib.TrainingExamples(m, masks)
	if len(got) != 16*12 {
		t.Fatalf("%d mask values, want one picture's 16×12", len(got))
	}
	for j := range 16 {
		for i := range 12 {
			if want := i >= 3 && i < 9 && j >= 5 && j < 12; (got[j*12+i] == 1) != want {
				t.Errorf("training mask at column %d, row %d: %v, want %v", i, j, got[j*12+i], want)
			}
		}
	}
}

// TestDownsampleMaskPadded checks a window wider than the picture (a crop
// larger than the scaled image, which torchvision pads with zeros): input
// pixels over the padding are never in the mask, and those over the
// picture count only its part.
func TestDownsampleMaskPadded(t *testing.T) {
	alpha := make([]byte, 4*4)
	for i := range alpha {
		alpha[i] = 255
	}
	// Three input pixels 4 raster pixels wide: the padding, the raster,
	// the padding.
	got := DownsampleMaskIn(alpha, 4, 4, Frame{-4, 0, 8, 4}, 3, 1)
	if got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Errorf("mask %v, want [0 1 0]", got)
	}
	// Half over the picture, half over the padding: the half counts.
	got = DownsampleMaskIn(alpha, 4, 4, Frame{-2, 0, 6, 4}, 2, 1)
	if got[0] != 1 || got[1] != 1 {
		t.Errorf("mask %v, want [1 1]", got)
	}
	// The window of a 64-wide input on a 50×50 picture reaches 63.9
	// pixels beyond each side (TestWindow in engine/preproc).
	m := protocol.ModelInfo{C: 1, H: 16, W: 64, Preproc: &protocol.Preproc{Resize: preproc.Crop}}
	if f := RasterFrame(ModelWindow(m, 50, 50), 50, 50, 100, 100); f.X0 > -127 || f.X1 < 227 || f.Whole(100, 100) {
		t.Errorf("the raster frame %+v of a padded crop", f)
	}
}
