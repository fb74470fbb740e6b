package host

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// site is a test site: its files by path, and how often each was fetched.
type site struct {
	files   map[string][]byte
	fetched map[string]int
}

// fetch is the site's Fetch: a missing file is an HTTP 404.
func (s *site) fetch(path string) ([]byte, error) {
	s.fetched[path]++
	b, ok := s.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: HTTP 404", path)
	}
	return b, nil
}

// recorder is a Status that keeps what it was told.
type recorder struct{ said, notes []string }

func (r *recorder) status() Status {
	return Status{Say: func(s string) { r.said = append(r.said, s) }, Note: func(s string) { r.notes = append(r.notes, s) }}
}

func (r *recorder) saidAny(sub string) bool {
	return slices.ContainsFunc(append(r.said, r.notes...), func(s string) bool { return strings.Contains(s, sub) })
}

const testManifest = `{"models":[
	{"name":"crosses-baseline","dataset":"crosses","method":"baseline","arch":"cb.json","weights":"cb.safetensors","input":[1,28,28],"classes":["one cross","two crosses"],"test":{"auc":0.1,"iou":0.3}},
	{"name":"crosses-masked","dataset":"crosses","method":"masked","arch":"cm.json","weights":"cm.safetensors","input":[1,28,28],"test":{"auc":0.9,"iou":0.4}},
	{"name":"phantom-baseline","dataset":"phantom","method":"baseline","arch":"pb.json","weights":"pb.safetensors","input":[1,64,64],"test":{"auc":0.2,"iou":0.1}},
	{"name":"decoy-mnist-baseline","dataset":"decoy-mnist","method":"baseline","arch":"db.json","weights":"db.safetensors","input":[1,28,28]}],
	"galleries":[{"dataset":"phantom","file":"phantom-samples.safetensors","count":6},{"dataset":"decoy-mnist","split":"train","file":"decoy-mnist-train.safetensors","count":10},{"dataset":"decoy-mnist","file":"decoy-mnist-samples.safetensors","count":8}]}`

// newSite returns a site with testManifest's models (freshly initialized
// networks; the Decoy MNIST one has the Crosses network's shape, two
// classes) and galleries: 6 Phantom films, 8 Crosses images as Decoy
// MNIST samples and 10 as its training images.
func newSite(t testing.TB) *site {
	t.Helper()
	s := &site{files: map[string][]byte{"models/manifest.json": []byte(testManifest)}, fetched: map[string]int{}}
	put := func(name string, spec func() ([]byte, []byte)) {
		a, w := spec()
		s.files["models/"+name+".json"], s.files["models/"+name+".safetensors"] = a, w
	}
	crosses := func() ([]byte, []byte) { return modelFiles(t, model.CrossesCNN(), nil) }
	put("cb", crosses)
	put("cm", crosses)
	put("db", crosses)
	put("pb", func() ([]byte, []byte) { return modelFiles(t, phantomSpec(), nil) })
	psp, err := data.Phantom(data.PhantomConfig{Size: 64, NTrain: 2, NValid: 2, NTest: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s.files["models/phantom-samples.safetensors"] = gallery(t, psp.Test, 6)
	s.files["models/decoy-mnist-samples.safetensors"] = gallery(t, mustCrosses(t).Test, 8)
	s.files["models/decoy-mnist-train.safetensors"] = gallery(t, mustCrosses(t).Train, 10)
	return s
}

// TestStart checks the start-up choice: the requested shipped model, else
// the manifest's default (the Phantom baseline), fetching the manifest
// once; and the starter model, with a note saying why, when the site ships
// no usable model.
func TestStart(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		sel  protocol.SelectRequest
		want string
	}{
		{protocol.SelectRequest{}, "phantom-baseline"},
		{protocol.SelectRequest{Model: "crosses-masked"}, "crosses-masked"},
		{protocol.SelectRequest{Model: "nonesuch"}, "phantom-baseline"},
	} {
		s := newSite(t)
		h := New(s.fetch)
		var rec recorder
		if err := h.Start(ctx, c.sel, rec.status()); err != nil {
			t.Fatal(err)
		}
		if got := h.Info().Key; got != c.want || h.Info().Source != "shipped" {
			t.Errorf("Start(%+v) chose %q (%s), want %q", c.sel, got, h.Info().Source, c.want)
		}
		if err := h.Start(ctx, protocol.SelectRequest{Model: "crosses-baseline"}, rec.status()); err != nil || h.Info().Key != c.want {
			t.Errorf("a second Start changed the model to %q (%v)", h.Info().Key, err)
		}
		if s.fetched["models/manifest.json"] != 1 || !rec.saidAny("Loading the model "+c.want) {
			t.Errorf("manifest fetched %d times; said %q", s.fetched["models/manifest.json"], rec.said)
		}
	}

	// A site whose default model's weights are missing, and a site with no
	// manifest at all: the starter model, and a note saying why.
	broken := newSite(t)
	delete(broken.files, "models/pb.safetensors")
	for name, fetch := range map[string]Fetch{"missing weights": broken.fetch, "no site": nil} {
		h := New(fetch)
		h.starterEpochs = 1 // the choice is under test, not the training
		var rec recorder
		st := rec.status()
		progress := 0
		st.Progress = func(done, total int) { progress = done }
		if err := h.Start(ctx, protocol.SelectRequest{}, st); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info := h.Info(); info.Key != protocol.StarterKey || info.Dataset != "crosses" || progress == 0 {
			t.Errorf("%s: started %+v after %d batches", name, info, progress)
		}
		if !rec.saidAny("No trained model ships with this site") {
			t.Errorf("%s: said %q, noted %q", name, rec.said, rec.notes)
		}
	}
}

// TestModelSwitching loads several models, switches between them and
// checks that each keeps its fine-tuned copy, that a model's files and its
// gallery are fetched once, that samples follow the data set (gallery or
// generated) and that Models lists them all.
func TestModelSwitching(t *testing.T) {
	s := newSite(t)
	h := New(s.fetch)
	var rec recorder
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "crosses-baseline"}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if got := len(h.Models()); got != 4 {
		t.Fatalf("Models lists %d models, want 4", got)
	}
	// Crosses: no gallery in the manifest, so samples are generated.
	di := h.DatasetInfo()
	if di.Name != "crosses" || di.Samples != "generated" || !di.Generated || di.LR != 3e-3 || di.Lambda["rrr"] != 10 {
		t.Errorf("crosses DatasetInfo = %+v", di)
	}
	cs, cbufs, err := h.Samples(10, rec.status())
	if err != nil || len(cs) != 10 || len(cbufs) != 20 || !strings.HasPrefix(cs[0].Key, "crosses-") {
		t.Fatalf("crosses samples: %d, %d buffers, %v", len(cs), len(cbufs), err)
	}
	if !rec.saidAny("Generating the Crosses samples") {
		t.Errorf("generating the samples said nothing: %q", rec.said)
	}
	// A short run leaves a fine-tuned copy on this model.
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, MaxSteps: 1, LR: 1e-3}, nil, nil, Status{}); err != nil {
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

	// Phantom, chosen by its data set: samples come from its gallery, with
	// nothing generated.
	rec = recorder{}
	if err := h.Select(protocol.SelectRequest{Dataset: "phantom"}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if h.Info().HasTuned || h.Info().Key != "phantom-baseline" {
		t.Errorf("phantom info %+v", h.Info())
	}
	ps, pbufs, err := h.Samples(48, rec.status())
	if err != nil || len(ps) != 6 || len(pbufs) != 12 {
		t.Fatalf("phantom samples: %d, %d, %v", len(ps), len(pbufs), err)
	}
	if rec.saidAny("Generating") || s.fetched["models/phantom-samples.safetensors"] != 1 {
		t.Errorf("phantom samples: said %q; gallery fetched %d times", rec.said, s.fetched["models/phantom-samples.safetensors"])
	}
	psp, _ := data.DecodeGallery(s.files["models/phantom-samples.safetensors"])
	if ps[0].Key != sampleKey("phantom", psp.Image(0)) || !strings.HasPrefix(ps[0].Title, "Film 1 (") {
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
		maxDiff = math.Max(maxDiff, math.Abs(float64(v-psp.Image(0)[i])))
	}
	if maxDiff > 1.0/255 {
		t.Errorf("sample PNG differs from the gallery image by %v", maxDiff)
	}

	// Switching back keeps the fine-tuned crosses model and fetches nothing.
	if err := h.Select(protocol.SelectRequest{Model: "crosses-baseline"}, Status{}); err != nil || !h.Info().HasTuned || h.Info().Dataset != "crosses" {
		t.Errorf("after switching back: %+v, %v", h.Info(), err)
	}
	if err := h.Select(protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"models/cb.json", "models/pb.safetensors", "models/phantom-samples.safetensors"} {
		if s.fetched[f] != 1 {
			t.Errorf("%s fetched %d times, want once", f, s.fetched[f])
		}
	}
	if err := h.Select(protocol.SelectRequest{Model: "nonesuch"}, Status{}); err == nil || h.Info().Key != "phantom-baseline" {
		t.Errorf("selecting an unknown model: %v, now %q", err, h.Info().Key)
	}
	if err := h.Select(protocol.SelectRequest{Dataset: "imagenet"}, Status{}); err == nil {
		t.Errorf("selecting a data set without models succeeded")
	}
	h.Select(protocol.SelectRequest{Model: "crosses-baseline"}, Status{})
	models := h.Models()
	if len(models) != 4 || models[0].Params == 0 || !models[0].HasTuned || models[1].Params != 0 || models[2].C != 1 || models[2].H != 64 {
		t.Errorf("Models = %+v", models)
	}

	// A model from files joins the list under its own key.
	arch, weights := modelFiles(t, model.CrossesCNN(), map[string]string{"dataset": "crosses", "method": "rrr"})
	if err := h.LoadFiles(arch, weights, Status{}); err != nil {
		t.Fatal(err)
	}
	info := h.Info()
	if info.Key != protocol.UserModelKey || info.Method != "rrr" || info.ScoreSet == "" || math.IsNaN(info.TestAUC) {
		t.Errorf("file model info %+v", info)
	}
	if models := h.Models(); len(models) != 5 || models[4].Key != protocol.UserModelKey {
		t.Errorf("Models after loading a file: %+v", models)
	}
	if err := h.LoadFiles(arch, weights[:len(weights)/2], Status{}); err == nil || h.Info().Key != protocol.UserModelKey {
		t.Errorf("truncated weights: %v", err)
	}
}

// TestGalleryOfAnotherShape checks that a gallery that does not fit the
// model is refused with a note, not fetched again, and that the samples
// are generated instead.
func TestGalleryOfAnotherShape(t *testing.T) {
	s := newSite(t)
	s.files["models/phantom-samples.safetensors"] = gallery(t, mustCrosses(t).Test, 4)
	h := New(s.fetch)
	var rec recorder
	if err := h.Start(context.Background(), protocol.SelectRequest{}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if !rec.saidAny("phantom-samples.safetensors could not be read") {
		t.Errorf("the refused gallery went unmentioned: %q", rec.notes)
	}
	h.Select(protocol.SelectRequest{Model: "crosses-baseline"}, Status{})
	h.Select(protocol.SelectRequest{Model: "phantom-baseline"}, Status{})
	if s.fetched["models/phantom-samples.safetensors"] != 1 {
		t.Errorf("the refused gallery was fetched %d times", s.fetched["models/phantom-samples.safetensors"])
	}
	if di := h.DatasetInfo(); di.Samples != "generated" {
		t.Errorf("samples after a refused gallery: %+v", di)
	}
}

// TestTrainWithoutGenerator fine-tunes a model whose data set the browser
// cannot generate and whose site ships no training images: with no
// gallery either there is nothing to train on; with one, half the gallery
// trains and the other half is held out.
func TestTrainWithoutGenerator(t *testing.T) {
	s := newSite(t)
	delete(s.files, "models/decoy-mnist-train.safetensors")
	delete(s.files, "models/decoy-mnist-samples.safetensors")
	h := New(s.fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "decoy-mnist-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1}, nil, nil, Status{}); err == nil {
		t.Errorf("training without data started")
	}
	if di := h.DatasetInfo(); di.Generated || !strings.Contains(di.Train, "your own") {
		t.Errorf("DatasetInfo without gallery = %+v", di)
	}

	s = newSite(t)
	delete(s.files, "models/decoy-mnist-train.safetensors")
	h = New(s.fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "decoy-mnist-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-3, Epochs: 1}, nil, nil, Status{}); err != nil {
		t.Fatal(err)
	}
	di := h.DatasetInfo()
	if di.Title != "Decoy MNIST" || di.Generated || !strings.Contains(di.Train, "4 of the 8 shipped") {
		t.Errorf("DatasetInfo = %+v", di)
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
// browser cannot generate on the training images the site ships for it,
// fetched once when training first starts: the sample gallery is held out
// instead; a training file that cannot be fetched or read falls back to
// half the gallery, with a note saying why.
func TestTrainOnShippedTrainingImages(t *testing.T) {
	const trainFile = "models/decoy-mnist-train.safetensors"
	open := func(s *site) *Host {
		h := New(s.fetch)
		if err := h.Start(context.Background(), protocol.SelectRequest{Model: "decoy-mnist-baseline"}, Status{}); err != nil {
			t.Fatal(err)
		}
		return h
	}
	s := newSite(t)
	h := open(s)
	if di := h.DatasetInfo(); !strings.Contains(di.Train, "fetched when training starts") || di.Shift != "the swatch's shade is random" || di.Lambda["rrr"] != 1e-5 || s.fetched[trainFile] != 0 {
		t.Errorf("DatasetInfo before the training file = %+v (fetched %d times)", di, s.fetched[trainFile])
	}
	var rec recorder
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-3, BatchSize: 4, Epochs: 1}, nil, nil, rec.status()); err != nil {
		t.Fatal(err)
	}
	if !rec.saidAny("Fetching the training images") || len(rec.notes) != 0 {
		t.Errorf("said %q, noted %q", rec.said, rec.notes)
	}
	if di := h.DatasetInfo(); !strings.Contains(di.Train, "the 10 shipped Decoy MNIST training images") || !strings.Contains(di.Train, "8 sample images") {
		t.Errorf("DatasetInfo = %+v", di)
	}
	if h.run.tr.Batches() != 3 || h.run.valid.Len() != 8 || h.run.test.Len() != 8 {
		t.Errorf("run: %d batches of 4 (want 3 for 10 training images), valid %d, test %d (want the 8 samples)", h.run.tr.Batches(), h.run.valid.Len(), h.run.test.Len())
	}
	for h.Training() {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
	}
	h.StartTraining(protocol.TrainRequest{Method: "baseline", LR: 1e-3, Epochs: 1}, nil, nil, Status{})
	h.StopTraining()
	if s.fetched[trainFile] != 1 {
		t.Errorf("the training file was fetched %d times over two runs", s.fetched[trainFile])
	}

	// A file that could not be fetched, or does not fit the model, leaves
	// training on half of the samples.
	small := &data.Set{Name: "4×4", C: 1, H: 4, W: 4, ClassNames: data.CrossesClassNames,
		Images: make([]float32, 2*16), Masks: make([]float32, 2*16), TrainMasks: make([]float32, 2*16), Labels: []int{0, 1}}
	for name, file := range map[string][]byte{"fetch failed": nil, "wrong shape": gallery(t, small, 2), "corrupt": []byte("not a gallery")} {
		s := newSite(t)
		if file == nil {
			delete(s.files, trainFile)
		} else {
			s.files[trainFile] = file
		}
		h := open(s)
		var rec recorder
		for range 2 {
			if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", LR: 1e-3, BatchSize: 4, Epochs: 1}, nil, nil, rec.status()); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if h.run.valid.Len() != 4 || h.run.tr.Batches() != 1 {
				t.Errorf("%s: valid %d, %d batches; want half of the 8 samples each", name, h.run.valid.Len(), h.run.tr.Batches())
			}
			h.StopTraining()
		}
		if len(rec.notes) != 1 || !strings.Contains(rec.notes[0], "training on half of the samples") || s.fetched[trainFile] != 1 {
			t.Errorf("%s: noted %q; fetched %d times", name, rec.notes, s.fetched[trainFile])
		}
	}
}

// TestPictures checks the pictures the Host keeps for the page: a request
// naming a picture gets the input Open decoded (or Keep kept), the input
// follows the model's input shape across a switch, a request sending its
// input is refused, and the least recently used picture is dropped beyond
// maxPictures.
func TestPictures(t *testing.T) {
	s := newSite(t)
	h := New(s.fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "crosses-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	_, bufs, err := h.Samples(maxPictures+2, Status{})
	if err != nil {
		t.Fatal(err)
	}
	_, x0, _, err := h.Open("p0", bufs[0], protocol.DecodeRequest{Name: "p0.png"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.RequestInput("p0", nil)
	if err != nil || !slices.Equal(got, x0) || len(got) != 28*28 {
		t.Fatalf("RequestInput(p0) = %d values, %v", len(got), err)
	}
	byPic, _ := h.Predict(got, nil)
	byBuf, _ := h.Predict(x0, nil)
	if !slices.Equal(byPic[0], byBuf[0]) {
		t.Errorf("prediction by picture %v, by buffer %v", byPic, byBuf)
	}
	if _, err := h.RequestInput("p0", [][]byte{protocol.FloatBytes(x0)}); err == nil {
		t.Error("a request sending its input (the old protocol) was accepted")
	}
	// An input the page holds (a stored image whose file is gone) is kept
	// by Keep, at the current model's size only.
	stored := make([]float32, 28*28)
	stored[5] = 1
	if err := h.Keep("stored", stored); err != nil {
		t.Fatal(err)
	}
	if err := h.Keep("short", stored[:10]); err == nil {
		t.Error("Keep of an input of another size succeeded")
	}
	if got, err := h.RequestInput("stored", nil); err != nil || !slices.Equal(got, stored) {
		t.Errorf("the kept input: %v", err)
	}
	if _, err := h.RequestInput("", nil); err == nil {
		t.Error("a request with no picture and no buffer was accepted")
	}
	if _, err := h.RequestInput("nonesuch", nil); err != ErrNoPicture {
		t.Errorf("an unknown picture: %v, want ErrNoPicture", err)
	}
	// Another model of another input size: the kept file is decoded again.
	if err := h.Select(protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	x64, err := h.Input("p0")
	if err != nil || len(x64) != 64*64 {
		t.Fatalf("p0 for the 64×64 model: %d values, %v", len(x64), err)
	}
	if _, _, err := h.Saliency(context.Background(), x64, protocol.SaliencyRequest{Method: "gradient"}, nil); err != nil {
		t.Errorf("saliency of the re-decoded picture: %v", err)
	}
	if _, err := h.Input("stored"); err == nil || !strings.Contains(err.Error(), "open its file again") {
		t.Errorf("a kept input of another size: %v", err)
	}
	// Opening more pictures drops the least recently used: p1, not p0.
	h.Select(protocol.SelectRequest{Model: "crosses-baseline"}, Status{})
	for i := 1; i <= maxPictures; i++ {
		if i == 2 {
			h.Input("p0") // p0 used after p1 was opened
		}
		if _, _, _, err := h.Open(fmt.Sprint("p", i), bufs[2*i], protocol.DecodeRequest{Name: "p.png"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Input("p0"); err != nil {
		t.Errorf("p0, used recently, was dropped: %v", err)
	}
	if _, err := h.Input("p1"); err != ErrNoPicture {
		t.Errorf("p1, the least recently used, was kept: %v", err)
	}
	if _, _, _, err := h.Open("bad", []byte("not an image"), protocol.DecodeRequest{Name: "x.txt"}); err == nil {
		t.Error("a bad file opened")
	}
	if _, err := h.Input("bad"); err != ErrNoPicture {
		t.Errorf("a file that failed to open was kept: %v", err)
	}
}

// TestVersions checks the invariant the worker pool relies on to send a
// helper the model only when it changed: equal versions mean equal
// exported weights, and weights that differ never share a version, over
// model switches and every step of a training run.
func TestVersions(t *testing.T) {
	s := newSite(t)
	h := New(s.fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "crosses-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]string{}     // version → weights
	versions := map[string]uint64{} // weights → version, while the weights are current
	check := func(which, when string) {
		v, err := h.Version(which)
		if err != nil {
			t.Fatal(err)
		}
		_, w, err := h.Export(which)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := seen[v]; ok && prev != string(w) {
			t.Errorf("%s, %s: version %d names other weights than before", when, which, v)
		}
		if pv, ok := versions[string(w)]; ok && pv != v && which == protocol.Original {
			t.Errorf("%s: the original's version changed from %d to %d with the same weights", when, pv, v)
		}
		seen[v] = string(w)
		versions[string(w)] = v
	}
	check(protocol.Original, "start")
	check(protocol.Tuned, "before training")
	if a, _ := h.Version(protocol.Original); a == 0 {
		t.Error("version 0 is handed out (the pool's “unknown”)")
	}
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, LR: 1e-2, BatchSize: 64}, nil, nil, Status{}); err != nil {
		t.Fatal(err)
	}
	last, _ := h.Version(protocol.Tuned)
	for i := 0; h.Training(); i++ {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
		if v, _ := h.Version(protocol.Tuned); v == last {
			t.Fatalf("step %d left the tuned version at %d", i, v)
		} else {
			last = v
		}
		if i%4 == 0 {
			check(protocol.Tuned, fmt.Sprint("step ", i))
		}
	}
	check(protocol.Tuned, "after training")
	check(protocol.Original, "after training")
	h.Select(protocol.SelectRequest{Model: "crosses-masked"}, Status{})
	check(protocol.Original, "another model")
	h.Select(protocol.SelectRequest{Model: "crosses-baseline"}, Status{})
	check(protocol.Original, "switched back")
	check(protocol.Tuned, "switched back")
	if len(seen) < 4 {
		t.Errorf("only %d versions seen", len(seen))
	}
}

// TestReadyReply checks the reply the page starts from: the current model,
// its samples with their PNGs and masks, and the registry listing every
// saliency method, objective and data set, with help text and suggested
// settings the page builds its menus from.
func TestReadyReply(t *testing.T) {
	s := newSite(t)
	h := New(s.fetch)
	if _, _, err := h.ReadyReply(Status{}); err == nil {
		t.Error("a Ready reply before Start")
	}
	if err := h.Start(context.Background(), protocol.SelectRequest{}, Status{}); err != nil {
		t.Fatal(err)
	}
	r, bufs, err := h.ReadyReply(Status{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != protocol.Ready || r.Model.Key != "phantom-baseline" || len(r.Models) != 4 || r.Dataset.Name != "phantom" || len(r.Samples) != 6 || len(bufs) != 12 {
		t.Errorf("Ready reply: %+v, %d buffers", r, len(bufs))
	}
	reg := r.Registry
	if reg == nil || len(reg.Methods) != 6 || len(reg.Objectives) != len(train.MethodInfos()) || len(reg.Datasets) != 4 {
		t.Fatalf("registry %+v", reg)
	}
	split := 0
	for _, m := range reg.Methods {
		if m.Label == "" || m.Help == "" {
			t.Errorf("method %+v", m)
		}
		if m.Split != Splittable(m.ID) {
			t.Errorf("method %s: Split %v, Splittable %v", m.ID, m.Split, Splittable(m.ID))
		}
		if m.Split {
			split++
		}
	}
	if split != 3 {
		t.Errorf("%d methods split across workers, want 3 (SmoothGrad, Integrated Gradients, occlusion)", split)
	}
	for _, d := range reg.Datasets {
		for _, o := range reg.Objectives {
			if _, ok := d.Lambda[o.ID]; ok != o.Penalty {
				t.Errorf("%s: λ for %s present = %v, penalized = %v", d.Name, o.ID, ok, o.Penalty)
			}
		}
		if d.Title == "" || d.LR <= 0 || d.Shift == "" {
			t.Errorf("data set %+v", d)
		}
	}
	// The data set the page shows agrees with its registry entry.
	for _, d := range reg.Datasets {
		if d.Name == r.Dataset.Name && (d.LR != r.Dataset.LR || d.Lambda["rrr"] != r.Dataset.Lambda["rrr"] || d.Title != r.Dataset.Title) {
			t.Errorf("registry %+v, current data set %+v", d, r.Dataset)
		}
	}
}
