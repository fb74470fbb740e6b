package host

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// smallImages returns a small grey PNG, a colour PNG and a grey and a
// colour JPEG, as fuzz seeds.
func smallImages(t testing.TB) [][]byte {
	t.Helper()
	grey := image.NewGray(image.Rect(0, 0, 12, 9))
	rgb := image.NewNRGBA(image.Rect(0, 0, 10, 7))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(31 * i)
	}
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(17 * i)
	}
	var out [][]byte
	for _, enc := range []func(*bytes.Buffer, image.Image) error{
		func(b *bytes.Buffer, im image.Image) error { return png.Encode(b, im) },
		func(b *bytes.Buffer, im image.Image) error { return jpeg.Encode(b, im, &jpeg.Options{Quality: 60}) },
	} {
		for _, im := range []image.Image{grey, rgb} {
			var b bytes.Buffer
			if err := enc(&b, im); err != nil {
				t.Fatal(err)
			}
			out = append(out, b.Bytes())
		}
	}
	return out
}

// FuzzDecode checks Host.Decode's contract on arbitrary files, by the DICOM
// path and the PNG/JPEG path: an error and nothing else, or model input of
// the model's size with values in [0, 1] and, for DICOM, display pixels of
// the image's size.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"MR_small.dcm", "MR_small_RLE.dcm", "SC_rgb_rle.dcm", "MR_small_bigendian.dcm"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "assets", "samples", "dicom", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, name, false, 0.0, 0.0)
	}
	f.Add(dicomFile(5, 4, dicomio.ExplicitVRLittleEndian, true), "scan", true, 40.0, 80.0)
	f.Add(dicomFile(3, 3, dicomio.ImplicitVRLittleEndian, false), "x.dcm", false, 0.0, 0.0)
	for _, b := range smallImages(f) {
		f.Add(b, "picture", false, 0.0, 0.0)
	}
	h := untrained(f)
	h.SetDecodeLimits(imageio.Limits{MaxPixels: 1 << 20, MaxMemory: 32 << 20}, dicomio.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxMemory: 32 << 20})
	in := h.cur.orig.Input()
	f.Fuzz(func(t *testing.T, b []byte, name string, window bool, center, width float64) {
		dec, x, disp, err := h.Decode(b, protocol.DecodeRequest{Name: name, Window: window, Center: center, Width: width})
		if err != nil {
			if x != nil || disp != nil || dec.Format != "" {
				t.Fatalf("values returned with the error %v", err)
			}
			return
		}
		if len(x) != in.Size() {
			t.Fatalf("%d input values for a %v model", len(x), in)
		}
		for i, v := range x {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("input value %d is %v", i, v)
			}
		}
		switch {
		case dec.Format != "dicom":
			if disp != nil {
				t.Fatalf("a %s file came back with display pixels", dec.Format)
			}
		case dec.Color && len(disp) != 4*dec.Width*dec.Height, !dec.Color && len(disp) != dec.Width*dec.Height:
			t.Fatalf("%d display bytes for a %d×%d image (colour %v)", len(disp), dec.Width, dec.Height, dec.Color)
		}
		for _, v := range []float64{dec.WindowCenter, dec.WindowWidth, dec.DefaultCenter, dec.DefaultWidth} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("a non-finite window in %+v", dec)
			}
		}
	})
}

// FuzzLoad checks Host.Load on arbitrary model files, with the scoring a
// model from files gets (on cached Crosses splits, or a Phantom gallery,
// which need not fit it), then a prediction and one training step: each
// gives an error or a result, never a panic (issue #10).
func FuzzLoad(f *testing.F) {
	crosses := model.CrossesCNN()
	wide := model.SmallCNN("wide", nn.Shape{C: 1, H: 32, W: 32}, data.CrossesClassNames, [3]int{2, 2, 4})
	films := phantomSpec()
	for _, s := range []struct {
		spec nn.Spec
		meta map[string]string
	}{
		{crosses, map[string]string{"dataset": "crosses"}},
		{crosses, map[string]string{"dataset": "phantom"}},
		{wide, map[string]string{"dataset": "crosses"}},
		{films, map[string]string{"dataset": "phantom"}},
		{films, nil},
	} {
		net, err := nn.New(s.spec, 3)
		if err != nil {
			f.Fatal(err)
		}
		arch, weights, err := model.Save(net, s.meta)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(arch, weights)
	}
	// Crosses splits cached for a model that fits them, and a small Phantom
	// gallery for one that fits it; the Host is shared by every input.
	set := &data.Set{Name: "films", C: 1, H: 64, W: 64, ClassNames: data.PhantomClassNames,
		Images: make([]float32, 4*64*64), Masks: make([]float32, 4*64*64), TrainMasks: make([]float32, 4*64*64), Labels: []int{0, 1, 0, 1}}
	for i := range set.Masks {
		set.Masks[i] = float32(i % 2)
	}
	set.TrainMasks = set.Masks
	b, err := data.EncodeGallery(set)
	if err != nil {
		f.Fatal(err)
	}
	site := newSite(f)
	site.files["models/phantom-samples.safetensors"] = b
	h := New(site.fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "crosses-baseline"}, Status{}); err != nil {
		f.Fatal(err)
	}
	if _, err := h.splits(); err != nil {
		f.Fatal(err)
	}
	if err := h.Select(protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
		f.Fatal(err)
	}
	if ds := h.current(); ds.gallery == nil || ds.gallery.Len() != 4 {
		f.Fatalf("the Phantom gallery was not read: %v", ds.galleryErr)
	}
	// Small Phantom splits, so that no input waits seconds for generation
	// (the fuzzer stops an input after 10 s).
	sp, err := data.Phantom(data.PhantomConfig{Size: 64, NTrain: 4, NValid: 2, NTest: 4, Seed: 3})
	if err != nil {
		f.Fatal(err)
	}
	h.datasetFor(h.cur).splits = &sp
	f.Fuzz(func(t *testing.T, arch, weights []byte) {
		if err := h.LoadFiles(arch, weights, Status{}); err != nil {
			return
		}
		info := h.Info()
		if info.Key != protocol.UserModelKey || info.C*info.H*info.W == 0 {
			t.Fatalf("Info after Load = %+v", info)
		}
		p, err := h.Predict(make([]float32, info.C*info.H*info.W), nil)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, v := range p[0] {
			sum += v
		}
		if math.Abs(sum-1) > 1e-4 {
			t.Fatalf("probabilities %v sum to %v", p[0], sum)
		}
		if h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, LR: 1e-3, BatchSize: 4, MaxSteps: 1}, nil, nil, Status{}) == nil {
			h.Step()
			h.StopTraining()
		}
	})
}
