package host

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// modelFiles returns the files of a freshly initialized network.
func modelFiles(t testing.TB, spec nn.Spec, meta map[string]string) (arch, weights []byte) {
	t.Helper()
	net, err := nn.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err = model.Save(net, meta)
	if err != nil {
		t.Fatal(err)
	}
	return arch, weights
}

// phantomSpec is a small network with the Phantom input and classes.
func phantomSpec() nn.Spec {
	return model.SmallCNN("phantom-test", nn.Shape{C: 1, H: 64, W: 64}, data.PhantomClassNames, [3]int{4, 4, 8})
}

// gallery returns n images of a generated test split as a gallery file.
func gallery(t *testing.T, s *data.Set, n int) []byte {
	t.Helper()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	b, err := data.EncodeGallery(s.Subset(idx))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := ParseManifest([]byte(`{"models":[
		{"name":"crosses-baseline","dataset":"crosses","method":"baseline","arch":"cb.json","weights":"cb.safetensors","input":[1,28,28],"classes":["one cross","two crosses"],"test":{"auc":0.1,"iou":0.3}},
		{"name":"crosses-masked","dataset":"crosses","method":"masked","arch":"cm.json","weights":"cm.safetensors","input":[1,28,28],"test":{"auc":0.9,"iou":0.4}},
		{"name":"phantom-baseline","dataset":"phantom","method":"baseline","arch":"pb.json","weights":"pb.safetensors","input":[1,64,64],"test":{"auc":0.2,"iou":0.1}},
		{"name":"decoy-mnist-baseline","dataset":"decoy-mnist","method":"baseline","arch":"db.json","weights":"db.safetensors","input":[1,28,28]}],
		"galleries":[{"dataset":"phantom","file":"phantom-samples.safetensors","count":6},{"dataset":"decoy-mnist","split":"train","file":"decoy-mnist-train.safetensors","count":10},{"dataset":"decoy-mnist","file":"decoy-mnist-samples.safetensors","count":8}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestModelSwitching loads several models, switches between them and
// checks that each keeps its fine-tuned copy, that samples follow the data
// set (gallery or generated) and that Models lists them all.
func TestModelSwitching(t *testing.T) {
	h := New()
	cat := testCatalog(t)
	h.SetCatalog(cat)
	if got := len(h.Models()); got != 4 {
		t.Fatalf("Models lists %d models before loading, want 4", got)
	}

	// Crosses: no gallery in the catalog, so samples are generated.
	arch, weights := modelFiles(t, model.CrossesCNN(), nil)
	e, _ := cat.Model("crosses-baseline")
	if err := h.Load(arch, weights, e, "shipped"); err != nil {
		t.Fatal(err)
	}
	if f, ok := h.NeedsGallery(); ok {
		t.Errorf("crosses needs gallery %q; the catalog lists none", f)
	}
	di := h.DatasetInfo()
	if di.Name != "crosses" || di.Samples != "generated" || !di.Generated || di.LR != 3e-3 {
		t.Errorf("crosses DatasetInfo = %+v", di)
	}
	cs, cbufs, err := h.Samples(10)
	if err != nil || len(cs) != 10 || len(cbufs) != 20 || !strings.HasPrefix(cs[0].Key, "crosses-") {
		t.Fatalf("crosses samples: %d, %d buffers, %v", len(cs), len(cbufs), err)
	}
	// A short run leaves a fine-tuned copy on this model.
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, MaxSteps: 1, LR: 1e-3}, nil, nil); err != nil {
		t.Fatal(err)
	}
	for h.Training() {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if !h.Info().HasTuned {
		t.Fatal("no fine-tuned copy after a run")
	}

	// Phantom: samples come from its gallery.
	psp, err := data.Phantom(data.PhantomConfig{Size: 64, NTrain: 2, NValid: 2, NTest: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	arch, weights = modelFiles(t, phantomSpec(), nil)
	e, _ = cat.Model("phantom-baseline")
	if err := h.Load(arch, weights, e, "shipped"); err != nil {
		t.Fatal(err)
	}
	if h.Info().HasTuned || h.Info().Key != "phantom-baseline" {
		t.Errorf("phantom info %+v", h.Info())
	}
	if f, ok := h.NeedsGallery(); !ok || f != "phantom-samples.safetensors" {
		t.Fatalf("NeedsGallery = %q, %v", f, ok)
	}
	if need, _ := h.NeedsGeneration(true); !need {
		t.Errorf("phantom samples need no generation before the gallery is read")
	}
	if err := h.AddGallery(gallery(t, psp.Test, 6)); err != nil {
		t.Fatal(err)
	}
	if need, _ := h.NeedsGeneration(true); need {
		t.Errorf("phantom samples need generation with a gallery")
	}
	if need, title := h.NeedsGeneration(false); !need || title != "Phantom chest films" {
		t.Errorf("phantom training needs generation = %v, %q", need, title)
	}
	ps, pbufs, err := h.Samples(48)
	if err != nil || len(ps) != 6 || len(pbufs) != 12 {
		t.Fatalf("phantom samples: %d, %d, %v", len(ps), len(pbufs), err)
	}
	if ps[0].Key != sampleKey("phantom", psp.Test.Image(0)) || !strings.HasPrefix(ps[0].Title, "Film 1 (") {
		t.Errorf("sample 0 = %+v", ps[0])
	}
	if h.DatasetInfo().Samples != "gallery" {
		t.Errorf("phantom DatasetInfo = %+v", h.DatasetInfo())
	}
	// The gallery's image decodes to the model input through the PNG.
	_, x, _, err := h.Decode(pbufs[0], protocol.DecodeRequest{Name: "x.png"})
	if err != nil {
		t.Fatal(err)
	}
	var maxDiff float64
	for i, v := range x {
		maxDiff = math.Max(maxDiff, math.Abs(float64(v-psp.Test.Image(0)[i])))
	}
	if maxDiff > 1.0/255 {
		t.Errorf("sample PNG differs from the gallery image by %v", maxDiff)
	}
	// A gallery of another shape is refused, and samples fall back.
	h2 := New()
	h2.SetCatalog(cat)
	h2.Load(arch, weights, e, "shipped")
	if err := h2.AddGallery(gallery(t, mustCrosses(t).Test, 4)); err == nil {
		t.Errorf("a 28×28 gallery was accepted for a 64×64 model")
	}
	if _, ok := h2.NeedsGallery(); ok {
		t.Errorf("a refused gallery is asked for again")
	}

	// Switching back keeps the fine-tuned crosses model.
	if !h.Activate("crosses-baseline") || !h.Info().HasTuned || h.Info().Dataset != "crosses" {
		t.Errorf("after switching back: %+v", h.Info())
	}
	if h.Activate("crosses-masked") {
		t.Errorf("Activate of a model never loaded succeeded")
	}
	models := h.Models()
	if len(models) != 4 || models[0].Params == 0 || !models[0].HasTuned || models[1].Params != 0 || models[2].C != 1 || models[2].H != 64 {
		t.Errorf("Models = %+v", models)
	}

	// A model from files joins the list under its own key.
	arch, weights = modelFiles(t, model.CrossesCNN(), map[string]string{"dataset": "crosses", "method": "rrr"})
	if err := h.Load(arch, weights, ManifestEntry{}, "file"); err != nil {
		t.Fatal(err)
	}
	info := h.Info()
	if info.Key != protocol.UserModelKey || info.Method != "rrr" || info.ScoreSet == "" || math.IsNaN(info.TestAUC) {
		t.Errorf("file model info %+v", info)
	}
	if models := h.Models(); len(models) != 5 || models[4].Key != protocol.UserModelKey {
		t.Errorf("Models after loading a file: %+v", models)
	}
}

func mustCrosses(t *testing.T) data.Splits {
	t.Helper()
	sp, err := data.Crosses(data.DefaultCrosses(2))
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestTrainWithoutGenerator fine-tunes a model whose data set the browser
// cannot generate and whose site ships no training images: half the
// gallery trains, the other half is held out.
func TestTrainWithoutGenerator(t *testing.T) {
	h := New()
	cat := testCatalog(t)
	cat.Galleries = slices.DeleteFunc(cat.Galleries, func(g GalleryEntry) bool { return g.Split == SplitTrain })
	h.SetCatalog(cat)
	e, _ := cat.Model("decoy-mnist-baseline")
	arch, weights := modelFiles(t, model.CrossesCNN(), nil)
	if err := h.Load(arch, weights, e, "shipped"); err != nil {
		t.Fatal(err)
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1}, nil, nil); err == nil {
		t.Errorf("training without data started")
	}
	if di := h.DatasetInfo(); di.Generated || !strings.Contains(di.Train, "your own") {
		t.Errorf("DatasetInfo without gallery = %+v", di)
	}
	if err := h.AddGallery(gallery(t, mustCrosses(t).Test, 8)); err != nil {
		t.Fatal(err)
	}
	di := h.DatasetInfo()
	if di.Title != "Decoy MNIST" || di.Generated || !strings.Contains(di.Train, "4 of the 8 shipped") {
		t.Errorf("DatasetInfo = %+v", di)
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-3, Epochs: 1}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if h.run.tr.Batches() != 1 || h.run.valid.Len() != 4 || h.run.test.Len() != 4 {
		t.Errorf("run: %d batches, valid %d, test %d", h.run.tr.Batches(), h.run.valid.Len(), h.run.test.Len())
	}
	var u protocol.TrainUpdate
	var err error
	for h.Training() {
		if u, err = h.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if u.State != protocol.StateDone || u.EpochEnd == nil {
		t.Errorf("last update %+v", u)
	}
}

// TestTrainOnShippedTrainingImages fine-tunes a model whose data set the
// browser cannot generate on the training images the site ships for it:
// the sample gallery is not needed for that and is held out instead, and a
// training file that cannot be fetched or read falls back to half the
// gallery with the reason returned.
func TestTrainOnShippedTrainingImages(t *testing.T) {
	cat := testCatalog(t)
	if g, ok := cat.Gallery("decoy-mnist", SplitTest); !ok || g.File != "decoy-mnist-samples.safetensors" {
		t.Fatalf("Gallery(decoy-mnist) = %+v, %v: it must skip the training file", g, ok)
	}
	load := func() *Host {
		h := New()
		h.SetCatalog(cat)
		e, _ := cat.Model("decoy-mnist-baseline")
		arch, weights := modelFiles(t, model.CrossesCNN(), nil)
		if err := h.Load(arch, weights, e, "shipped"); err != nil {
			t.Fatal(err)
		}
		if err := h.AddGallery(gallery(t, mustCrosses(t).Test, 8)); err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := load()
	file, ok := h.NeedsTrainGallery()
	if !ok || file != "decoy-mnist-train.safetensors" {
		t.Fatalf("NeedsTrainGallery = %q, %v", file, ok)
	}
	if di := h.DatasetInfo(); !strings.Contains(di.Train, "fetched when training starts") || di.Shift != "the swatch's shade is random" || di.Lambda["rrr"] != 1e-5 {
		t.Errorf("DatasetInfo before the training file = %+v", di)
	}
	if err := h.AddTrainGallery(gallery(t, mustCrosses(t).Train, 10), nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.NeedsTrainGallery(); ok {
		t.Errorf("the training file is asked for again after it was read")
	}
	if di := h.DatasetInfo(); !strings.Contains(di.Train, "the 10 shipped Decoy MNIST training images") || !strings.Contains(di.Train, "8 sample images") {
		t.Errorf("DatasetInfo = %+v", di)
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-3, BatchSize: 4, Epochs: 1}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if h.run.tr.Batches() != 3 || h.run.valid.Len() != 8 || h.run.test.Len() != 8 {
		t.Errorf("run: %d batches of 4 (want 3 for 10 training images), valid %d, test %d (want the 8 samples)", h.run.tr.Batches(), h.run.valid.Len(), h.run.test.Len())
	}
	for h.Training() {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
	}

	// A file that could not be fetched, or does not fit the model, leaves
	// training on half of the samples.
	for name, add := range map[string]func(h *Host) error{
		"fetch failed": func(h *Host) error { return h.AddTrainGallery(nil, errors.New("HTTP 404")) },
		"wrong shape": func(h *Host) error {
			small := &data.Set{Name: "4×4", C: 1, H: 4, W: 4, ClassNames: data.CrossesClassNames,
				Images: make([]float32, 2*16), Masks: make([]float32, 2*16), TrainMasks: make([]float32, 2*16), Labels: []int{0, 1}}
			return h.AddTrainGallery(gallery(t, small, 2), nil)
		},
		"corrupt": func(h *Host) error { return h.AddTrainGallery([]byte("not a gallery"), nil) },
	} {
		h := load()
		if err := add(h); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, ok := h.NeedsTrainGallery(); ok {
			t.Errorf("%s: the failed file is asked for again", name)
		}
		if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", LR: 1e-3, BatchSize: 4, Epochs: 1}, nil, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.run.valid.Len() != 4 || h.run.tr.Batches() != 1 {
			t.Errorf("%s: valid %d, %d batches; want half of the 8 samples each", name, h.run.valid.Len(), h.run.tr.Batches())
		}
		h.StopTraining()
	}
}

// dicomFile builds a small Explicit VR Little Endian DICOM file with a
// rows×cols 16-bit MONOCHROME2 image (value = 10·(r+c)) and the given
// transfer syntax and window.
func dicomFile(rows, cols int, syntax string, window bool) []byte {
	b := make([]byte, 128, 1024)
	b = append(b, "DICM"...)
	el := func(group, elem uint16, vr string, val []byte) {
		b = binary.LittleEndian.AppendUint16(b, group)
		b = binary.LittleEndian.AppendUint16(b, elem)
		b = append(b, vr...)
		switch vr {
		case "OB", "OW", "SQ", "UN", "UT":
			b = append(b, 0, 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(val)))
		default:
			b = binary.LittleEndian.AppendUint16(b, uint16(len(val)))
		}
		b = append(b, val...)
	}
	even := func(s string, pad byte) []byte {
		if len(s)%2 == 1 {
			s += string(pad)
		}
		return []byte(s)
	}
	us := func(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
	el(0x0002, 0x0010, "UI", even(syntax, 0))
	el(0x0008, 0x0060, "CS", even("CT", ' '))
	el(0x0028, 0x0002, "US", us(1))
	el(0x0028, 0x0004, "CS", even("MONOCHROME2", ' '))
	el(0x0028, 0x0010, "US", us(rows))
	el(0x0028, 0x0011, "US", us(cols))
	el(0x0028, 0x0100, "US", us(16))
	el(0x0028, 0x0101, "US", us(12))
	el(0x0028, 0x0102, "US", us(11))
	el(0x0028, 0x0103, "US", us(0))
	if window {
		el(0x0028, 0x1050, "DS", even("100", ' '))
		el(0x0028, 0x1051, "DS", even("200", ' '))
	}
	pix := make([]byte, 0, 2*rows*cols)
	for r := range rows {
		for c := range cols {
			pix = binary.LittleEndian.AppendUint16(pix, uint16(10*(r+c)))
		}
	}
	el(0x7FE0, 0x0010, "OW", pix)
	return b
}

// untrained returns a Host with a freshly initialized Crosses network, for
// tests that need a model's input shape but not its training.
func untrained(t testing.TB) *Host {
	t.Helper()
	h := New()
	arch, weights := modelFiles(t, model.CrossesCNN(), map[string]string{"dataset": "crosses", "method": "baseline"})
	if err := h.Load(arch, weights, ManifestEntry{Name: "untrained"}, "shipped"); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDecodeDICOM(t *testing.T) {
	h := untrained(t)
	f := dicomFile(40, 30, dicomio.ExplicitVRLittleEndian, true)
	if !IsDICOM(f, "scan") || !IsDICOM([]byte("raw"), "scan.DCM") || IsDICOM([]byte("\x89PNG...."), "x.dcm") {
		t.Errorf("IsDICOM misjudges")
	}
	dec, x, disp, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm"})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Format != "dicom" || dec.Width != 30 || dec.Height != 40 || dec.Modality != "CT" || !dec.WindowFromFile ||
		dec.WindowCenter != 100 || dec.WindowWidth != 200 || dec.DefaultCenter != 100 || len(x) != 28*28 || len(disp) != 40*30 {
		t.Fatalf("Decode = %+v, %d values, %d display bytes", dec, len(x), len(disp))
	}
	// Values 0..690 through the window [0, 200): dark top-left, white
	// bottom-right.
	if disp[0] != 0 || disp[len(disp)-1] != 255 || x[0] > 0.1 || x[len(x)-1] < 0.99 {
		t.Errorf("display corners %d, %d; input corners %v, %v", disp[0], disp[len(disp)-1], x[0], x[len(x)-1])
	}
	// A wider window brightens the top-left less steeply.
	dec2, x2, disp2, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm", Window: true, Center: 400, Width: 800})
	if err != nil {
		t.Fatal(err)
	}
	if dec2.WindowCenter != 400 || dec2.WindowWidth != 800 || dec2.WindowFromFile || dec2.DefaultCenter != 100 {
		t.Errorf("re-windowed %+v", dec2)
	}
	if !(disp2[len(disp2)-1] < 255 && x2[len(x2)/2] < x[len(x)/2]) {
		t.Errorf("the wider window did not change the values: %d, %v vs %v", disp2[len(disp2)-1], x2[len(x2)/2], x[len(x)/2])
	}
	if _, _, _, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm", Window: true, Center: 1, Width: 0}); err == nil {
		t.Errorf("a zero window width was accepted")
	}

	// Unsupported and corrupt files give clear errors and nothing else.
	cases := []struct {
		name string
		b    []byte
		want any
		text string
	}{
		{"jpeg2000.dcm", dicomFile(4, 4, "1.2.840.10008.1.2.4.90", false), new(*dicomio.UnsupportedError), "JPEG 2000"},
		{"truncated.dcm", f[:len(f)-100], new(*dicomio.FormatError), ""},
		{"garbage.dcm", []byte(strings.Repeat("\x07garbage", 40)), nil, ""},
		{"empty.dcm", nil, new(*dicomio.FormatError), "empty"},
	}
	for _, c := range cases {
		dec, x, disp, err := h.Decode(c.b, protocol.DecodeRequest{Name: c.name})
		if err == nil || x != nil || disp != nil || dec.Width != 0 {
			t.Errorf("%s: %v, %d values, %d display bytes, %+v", c.name, err, len(x), len(disp), dec)
			continue
		}
		if c.want != nil && !errors.As(err, c.want) {
			t.Errorf("%s: error %T %v, want %T", c.name, err, err, c.want)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %q does not mention %q", c.name, err, c.text)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestGeneratorsMatchLab checks that the worker's data set table agrees with
// engine/lab, which the worker does not import: the same learning rate, and
// the lab's network for each data set is recognized as belonging to it.
func TestGeneratorsMatchLab(t *testing.T) {
	labSets := lab.Datasets()
	for name, ds := range labSets {
		sg, ok := suggestions[name]
		if !ok {
			t.Errorf("%s: the browser suggests no settings for this data set of engine/lab", name)
			continue
		}
		if ds.LR != sg.lr {
			t.Errorf("%s: learning rate %v, engine/lab says %v", name, sg.lr, ds.LR)
		}
		for _, m := range train.Methods() {
			want, ok := ds.TuneLambda[m]
			if !ok {
				want = ds.Lambda[m]
			}
			if got := sg.lambda[string(m)]; want != got {
				t.Errorf("%s: λ for %s %v, engine/lab says %v", name, m, got, want)
			}
		}
	}
	for name, g := range generators {
		ds, ok := labSets[name]
		if !ok {
			t.Logf("%s: not (yet) a data set of engine/lab; not compared", name)
			continue
		}
		in := ds.Spec().Input
		classes := ds.Spec().Classes
		if !g.fits(in.C, in.H, in.W, classes) {
			t.Errorf("%s: the lab's network (%+v, %v) does not fit it", name, in, classes)
		}
		if in.C != g.c || in.H != g.h || in.W != g.w || len(classes) != g.classes {
			t.Errorf("%s: the generator says %d×%d×%d of %d classes, the lab's network takes %+v of %d", name, g.c, g.h, g.w, g.classes, in, len(classes))
		}
		if got := guessDataset(in.C, in.H, in.W, classes); got != name {
			t.Errorf("guessDataset of the lab's %s network = %q", name, got)
		}
	}
}

// TestPhantomInParts checks that generating the Phantom splits one at a
// time gives the splits of one data.Phantom call.
func TestPhantomInParts(t *testing.T) {
	cfg := data.PhantomConfig{Size: 48, NTrain: 6, NValid: 4, NTest: 3, Seed: 5}
	want, err := data.Phantom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var calls []int
	got, err := phantomInParts(cfg, func(done, total int) { calls = append(calls, done*10+total) })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(calls) != "[13 23 33]" {
		t.Errorf("progress calls %v", calls)
	}
	for i, pair := range [][2]*data.Set{{got.Train, want.Train}, {got.Valid, want.Valid}, {got.Test, want.Test}} {
		g, w := pair[0], pair[1]
		if g.Len() != w.Len() || !slices.Equal(g.Images, w.Images) || !slices.Equal(g.TrainMasks, w.TrainMasks) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("split %d differs from data.Phantom's", i)
		}
	}
}

// TestMeanAgreementMatchesLab checks the worker's saliency agreement
// against engine/lab's on the same network and images: positive images
// only on a two-class set (class 1), every image on a ten-class set.
func TestMeanAgreementMatchesLab(t *testing.T) {
	cross := mustCrosses(t).Test
	idx := make([]int, 40)
	for i := range idx {
		idx[i] = i
	}
	two := cross.Subset(idx)
	ten := &data.Set{Name: "ten", C: 1, H: 28, W: 28, ClassNames: data.MNISTClassNames,
		Images: two.Images, Masks: two.Masks, TrainMasks: two.TrainMasks, Labels: make([]int, two.Len())}
	for i := range ten.Labels {
		ten.Labels[i] = i % 10
	}
	for _, c := range []struct {
		set      *data.Set
		spec     nn.Spec
		positive func(int) bool
	}{
		{two, model.CrossesCNN(), func(y int) bool { return y == 1 }},
		{ten, model.DecoyCNN("ten", data.MNISTClassNames), func(int) bool { return true }},
	} {
		net, err := nn.New(c.spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		iou, mass := meanAgreement(net, c.set)
		want, err := lab.MeanAgreement(context.Background(), net, c.set, c.positive, saliency.Gradient, saliency.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(iou-want.IoU) > 1e-9 || math.Abs(mass-want.RelevanceMass) > 1e-9 || !(mass > 0 && mass < 1) {
			t.Errorf("%s: IoU %v, mass %v; engine/lab says %v, %v", c.set.Name, iou, mass, want.IoU, want.RelevanceMass)
		}
	}
}
