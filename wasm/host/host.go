// Package host is the engine worker's logic without the browser, and its
// policy: it reads the site's manifest and chooses the model to start with
// (or trains a starter model when the site ships none), fetches model files
// and sample galleries when they are first needed, holds every model loaded
// so far with its fine-tuned copy and a version counter, the data sets read
// or generated so far, and the pictures the page opened (keyed by the
// page's picture key, so that later requests name a picture instead of
// sending its pixels again); it answers the protocol's requests and
// advances fine-tuning one batch at a time.
//
// The worker binary (../worker) is a transport: it passes the page's
// messages in, posts the replies, and gives the Host a Fetch function that
// reads the site's files with the browser's fetch. Tests give it one that
// reads from memory or disk and drive the Host directly, natively and as
// wasm.
//
// A Host is not safe for concurrent use. The worker calls it from one
// goroutine and yields to the JavaScript event loop between batches, so that
// cancel and pause messages are seen while long work runs.
package host

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/sanity"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// Limits on requests from the page.
const (
	maxUserExamples = 512
	maxEpochs       = 200
	iouImages       = 64 // test images in the mean-IoU chart
)

// Fetch reads a file of the site by its path relative to the site's root
// (e.g. "models/manifest.json"). In the browser it is the worker's fetch;
// in tests it reads from memory or disk.
type Fetch func(path string) ([]byte, error)

// Host is the engine worker's state: the manifest of shipped models, every
// model loaded so far (each with its fine-tuned copy), the data sets read
// or generated so far, the pictures the page opened, and the current model.
type Host struct {
	fetch Fetch
	cat   *model.Manifest
	slots map[string]*slot
	order []string // slot keys in loading order
	cur   *slot
	sets  map[string]*dataset
	pics  pictures

	run   *run
	clock uint64 // the last model version handed out
	// starterEpochs, if positive, replaces StarterEpochs (tests).
	starterEpochs int

	// imageLimits and dicomLimits bound the image files Decode accepts
	// (zero fields: the packages' defaults); see SetDecodeLimits.
	imageLimits imageio.Limits
	dicomLimits dicomio.Limits
	// budget is the memory an imported model and the work on it may take
	// (0: DefaultMemoryBudget); see SetMemoryBudget.
	budget int64
	// checkTime is the longest a check may take (0: DefaultCheckTime);
	// checkMap, if set, replaces the saliency method in checks (tests).
	checkTime time.Duration
	checkMap  sanity.MapFunc

	// remote computes shards of training steps in other workers
	// (SetTrainRemote); shardObj is a helper's objective (TrainShard).
	remote      train.Remote
	remoteParts int
	shardObj    *train.Objective

	// lastPred is the last prediction, which ResolveClass reuses.
	lastPred prediction
	// ahead is the model StartAhead made current, until Start comes,
	// aheadSet its data set, and aheadNotes what it had to tell the user
	// meanwhile (about aheadSet's gallery).
	ahead      string
	aheadSet   *dataset
	aheadNotes []string

	// Mark, if set, records the start-up's phases by name (the engine
	// worker makes them performance marks for make bench-web).
	Mark func(name string)
	// Warn, if set, reports a fault of the site that the engine works
	// around, such as a sample pack that does not fit its gallery (the
	// engine worker writes it to the browser's console).
	Warn func(text string)
	// splitFrom, if positive, replaces MinSplitStepValues (tests).
	splitFrom int64
}

// SetDecodeLimits sets the limits Decode checks image files against before
// decoding them (zero fields keep the defaults of imageio.DefaultLimits and
// dicomio.DefaultLimits).
func (h *Host) SetDecodeLimits(img imageio.Limits, dcm dicomio.Limits) {
	h.imageLimits, h.dicomLimits = img, dcm
}

// slot is one loaded model with its fine-tuned copy.
type slot struct {
	// orig is the model as loaded: a built-in *nn.Network or an imported
	// *graph.Graph; tuned its fine-tuned copy (nil until a fine-tuning run
	// has started).
	orig  nn.Trainable
	tuned nn.Trainable
	// origVersion and tunedVersion identify the weights of orig and tuned:
	// a version is never handed out twice, and changes whenever the
	// weights do (each training step, the best weights restored).
	origVersion, tunedVersion uint64
	// tunedWith is the objective of the last run, for exported metadata.
	tunedWith string
	info      protocol.ModelInfo
	// imp is set for a model imported from ONNX: its preprocessing, labels,
	// Grad-CAM layer and trained parameters.
	imp *imported
}

// run is a fine-tuning run in progress.
type run struct {
	req    protocol.TrainRequest
	tr     *train.Trainer
	net    nn.Trainable
	slot   *slot
	steps  int
	epochs int
	valid  *data.Set
	test   *data.Set
	// target is what the charts' saliency maps explain; baseIoU and
	// baseMass are the original model's agreement with it on test.
	target            saliency.Target
	baseIoU, baseMass float64
	finished          bool
}

// New returns a Host with no model that reads the site's files with
// fetch (nil: the site has no files, so Start trains the starter model).
func New(fetch Fetch) *Host {
	if fetch == nil {
		fetch = func(path string) ([]byte, error) { return nil, fmt.Errorf("%s: no site to fetch from", path) }
	}
	return &Host{fetch: fetch}
}

// mark tells Mark, if set, that a phase begins.
func (h *Host) mark(name string) {
	if h.Mark != nil {
		h.Mark(name)
	}
}

// warn tells Warn, if set, about a fault of the site.
func (h *Host) warn(text string) {
	if h.Warn != nil {
		h.Warn(text)
	}
}

// tick returns a new model version.
func (h *Host) tick() uint64 {
	h.clock++
	return h.clock
}

// Version returns the version of the named model's weights (Original or
// Tuned): equal versions mean equal weights, so the worker's helper pool
// sends a helper the model's files only when the version it holds differs.
func (h *Host) Version(which string) (uint64, error) {
	if _, err := h.network(which); err != nil {
		return 0, err
	}
	if which == protocol.Tuned && h.cur.tuned != nil {
		return h.cur.tunedVersion, nil
	}
	return h.cur.origVersion, nil
}

// Load installs a model from its files and makes it current. entry
// describes it (its Name, Dataset, Method and test scores are shown to the
// user); source is "shipped" or "file". A shipped model's key is its
// manifest name; a model from files replaces the previous one from files.
// A training run in progress is stopped.
func (h *Host) Load(arch, weights []byte, entry model.ManifestEntry, source string) error {
	net, err := model.Load(arch, weights)
	if err != nil {
		return err
	}
	if entry.Name == "" {
		entry.Name = net.Spec.Name
	}
	if entry.Dataset == "" {
		if a, err := model.ParseArch(arch); err == nil && a.Meta != nil {
			entry.Dataset = a.Meta["dataset"]
			entry.Method = a.Meta["method"]
		}
	}
	// A model whose description names a data set the browser generates,
	// of another shape, is refused before it replaces the current model:
	// its samples, scores and training would all fail (issue #10).
	if about, ok := datasets.Lookup(entry.Dataset); ok && about.Drawn {
		if err := fitsDataset(net, about); err != nil {
			return err
		}
	}
	key := entry.Name
	if source != "shipped" {
		key = protocol.UserModelKey
	}
	h.install(key, net, entry, source)
	return nil
}

// install makes net the current model under key: a built-in network
// (whose Spec names its classes) or an imported graph (whose class names
// are entry.Classes).
func (h *Host) install(key string, net nn.Trainable, entry model.ManifestEntry, source string) {
	h.installSlot(key, &slot{orig: net}, entry, source)
}

// installSlot makes s, whose orig is set, the current model under key.
func (h *Host) installSlot(key string, s *slot, entry model.ManifestEntry, source string) {
	h.StopTraining()
	net := s.orig
	in := net.Input()
	classes := entry.Classes
	if n, ok := net.(*nn.Network); ok {
		classes = n.Spec.Classes
	}
	if entry.Dataset == "" {
		entry.Dataset = datasets.Guess(in.C, in.H, in.W, classes)
	}
	params, _, _ := net.Weights()
	s.origVersion = h.tick()
	s.info = protocol.ModelInfo{
		Key: key, Name: entry.Name, Dataset: entry.Dataset, Method: entry.Method,
		C: in.C, H: in.H, W: in.W, Classes: classes, Params: len(params),
		TestAUC: entry.Test.AUC, TestAcc: entry.Test.Accuracy, TestIoU: entry.Test.IoU, TestMass: entry.Test.Mass, ScoreTarget: string(saliency.TargetLogit), Lambda: entry.Lambda,
		Source: source,
	}
	if s.imp != nil {
		s.imp.describe(&s.info, net)
	}
	if source == "shipped" {
		s.info.ScoreSet = "the test split where " + datasets.Shift(entry.Dataset)
	}
	if h.slots == nil {
		h.slots = map[string]*slot{}
	}
	if _, ok := h.slots[key]; !ok {
		h.order = append(h.order, key)
	}
	h.slots[key] = s
	h.cur = s
	if source != "shipped" && source != "helper" {
		h.score(s)
	}
}

// score measures a model loaded from files (or trained at start-up) on the
// data it can be tested on without waiting: the generated test split if
// it is there, else the Crosses split (cheap to draw), else the gallery.
func (h *Host) score(s *slot) {
	s.info.TestAUC, s.info.TestAcc, s.info.TestIoU, s.info.TestMass, s.info.ScoreSet = math.NaN(), math.NaN(), math.NaN(), math.NaN(), ""
	ds := h.datasetFor(s)
	var set *data.Set
	switch {
	case ds.splits != nil:
		set, s.info.ScoreSet = ds.splits.Test, "the test split where "+datasets.Shift(ds.name)
	case ds.name == "crosses":
		if sp, err := h.splits(); err == nil && sp != nil {
			set, s.info.ScoreSet = sp.Test, "the test split where "+datasets.Shift(ds.name)
		}
	case ds.gallery != nil:
		set, s.info.ScoreSet = ds.gallery, fmt.Sprintf("the %d sample images", ds.gallery.Len())
	}
	if set == nil {
		return
	}
	ev := train.Evaluate(s.orig, set, 64)
	s.info.TestAUC, s.info.TestAcc = ev.AUC, ev.Accuracy
	s.info.TestIoU, s.info.TestMass = meanAgreement(s.orig, set, saliency.TargetLogit)
	s.info.ScoreTarget = string(saliency.TargetLogit)
}

// Activate makes the already loaded model key current and reports whether
// there was one. A training run in progress is stopped.
func (h *Host) Activate(key string) bool {
	s, ok := h.slots[key]
	if !ok {
		return false
	}
	if s != h.cur {
		h.StopTraining()
		h.cur = s
	}
	return true
}

// Models lists the models the page can switch to: every shipped model,
// then the starter model and the model loaded from files, if any.
func (h *Host) Models() []protocol.ModelInfo {
	var out []protocol.ModelInfo
	if h.cat != nil {
		for _, e := range h.cat.Models {
			if s, ok := h.slots[e.Name]; ok {
				out = append(out, s.Info())
				continue
			}
			m := protocol.ModelInfo{
				Key: e.Name, Name: e.Name, Dataset: e.Dataset, Method: e.Method, Classes: e.Classes,
				TestAUC: e.Test.AUC, TestAcc: e.Test.Accuracy, TestIoU: e.Test.IoU, TestMass: e.Test.Mass, ScoreTarget: string(saliency.TargetLogit), Lambda: e.Lambda,
				ScoreSet: "the test split where " + datasets.Shift(e.Dataset), Source: "shipped",
			}
			if len(e.Input) == 3 {
				m.C, m.H, m.W = e.Input[0], e.Input[1], e.Input[2]
			}
			out = append(out, m)
		}
	}
	for _, key := range []string{protocol.StarterKey, protocol.UserModelKey} {
		if s, ok := h.slots[key]; ok {
			out = append(out, s.Info())
		}
	}
	return out
}

// Ready reports whether a model is loaded.
func (h *Host) Ready() bool { return h.cur != nil }

// Info describes the current model.
func (h *Host) Info() protocol.ModelInfo {
	if h.cur == nil {
		return protocol.ModelInfo{}
	}
	return h.cur.Info()
}

// Info describes the slot's model.
func (s *slot) Info() protocol.ModelInfo {
	i := s.info
	i.HasTuned = s.tuned != nil
	return i
}

// Starter builds the small Crosses CNN and trains it on the built-in
// Crosses set with the baseline objective for the given number of epochs:
// the model used when no trained model ships with the site. Like the
// paper's baseline it learns the distractor block. progress is called after
// every batch.
func (h *Host) Starter(ctx context.Context, epochs int, progress func(done, total int) error) error {
	net, err := nn.New(model.CrossesCNN(), 1)
	if err != nil {
		return err
	}
	cr, _ := datasets.Lookup("crosses")
	sp, err := cr.Splits(TrainSeed, nil)
	if err != nil {
		return err
	}
	tr, err := train.NewTrainer(net, sp.Train, sp.Valid, train.Config{Method: train.Baseline, LR: 3e-3, Epochs: epochs, Seed: 1})
	if err != nil {
		return err
	}
	total := epochs * tr.Batches()
	for done := 1; !tr.Done(); done++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := tr.Step(); err != nil {
			return err
		}
		if progress != nil {
			if err := progress(done, total); err != nil {
				return err
			}
		}
	}
	tr.Finish()
	h.install(protocol.StarterKey, net, model.ManifestEntry{Name: "Crosses CNN (starter)", Dataset: "crosses", Method: "baseline"}, "starter")
	return nil
}

// network returns the model a request names.
func (h *Host) network(which string) (nn.Trainable, error) {
	if h.cur == nil {
		return nil, errors.New("the model is not loaded yet")
	}
	switch which {
	case protocol.Original, "":
		return h.cur.orig, nil
	case protocol.Tuned:
		if h.cur.tuned != nil {
			return h.cur.tuned, nil
		}
		return h.cur.orig, nil
	}
	return nil, fmt.Errorf("unknown model %q", which)
}

// checkInput validates an input image against the model.
func (h *Host) checkInput(x []float32) error {
	if h.cur == nil {
		return errors.New("the model is not loaded yet")
	}
	if n := h.cur.orig.Input().Size(); len(x) != n {
		return fmt.Errorf("the image has %d values; the model needs %d", len(x), n)
	}
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return errors.New("the image has non-finite values")
		}
	}
	return nil
}

// Predict returns the class probabilities of each named model for x.
func (h *Host) Predict(x []float32, models []string) ([][]float64, error) {
	if err := h.checkInput(x); err != nil {
		return nil, err
	}
	if len(models) == 0 {
		models = []string{protocol.Original}
	}
	var out [][]float64
	for _, m := range models {
		net, err := h.network(m)
		if err != nil {
			return nil, err
		}
		version, _ := h.Version(m)
		if p, ok := h.lastPred.get(version, x); ok {
			out = append(out, p)
			continue
		}
		p := softmax(net.Forward(x, 1, false))
		h.lastPred.set(version, x, p)
		out = append(out, p)
	}
	return out, nil
}

// prediction is the Host's last Predict of one model: the version of the
// weights it ran with (versions are never handed out twice, so it names
// the model too), its input and its probabilities. The page asks for the
// first map's predicted class (ResolveClass) right after Predict on the
// same picture; for a 224×224 model that is a forward pass saved.
type prediction struct {
	version uint64
	x       []float32
	p       []float64
}

// get returns a copy of the probabilities if they were computed by the
// weights of version for an input equal to x, bit for bit.
func (c *prediction) get(version uint64, x []float32) ([]float64, bool) {
	if c.version == 0 || c.version != version || len(c.x) != len(x) || !kernels.SameBits(c.x, x) {
		return nil, false
	}
	return slices.Clone(c.p), true
}

// set remembers p as the prediction of version's weights for x.
func (c *prediction) set(version uint64, x []float32, p []float64) {
	c.version = version
	c.x = append(c.x[:0], x...)
	c.p = slices.Clone(p)
}

func softmax(f []float32) []float64 {
	p := make([]float64, len(f))
	mx := math.Inf(-1)
	for _, v := range f {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for i, v := range f {
		p[i] = math.Exp(float64(v) - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// Saliency computes a saliency map of x. progress, if not nil, is called
// after every batch; an error from it (or ctx ending) stops the work.
func (h *Host) Saliency(ctx context.Context, x []float32, req protocol.SaliencyRequest, progress func(done, total int)) ([]float32, protocol.MapInfo, error) {
	req.Part, req.Parts = 0, 1
	req, err := h.ResolveClass(x, req)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	a, err := h.Attribution(ctx, x, req, progress)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	return h.MapOf(a, req)
}

// ResolveClass returns req with a negative Class (protocol.PredictedClass)
// replaced by the class req.Model predicts for x, its most probable one;
// a request for a given class comes back unchanged.
func (h *Host) ResolveClass(x []float32, req protocol.SaliencyRequest) (protocol.SaliencyRequest, error) {
	if req.Class >= 0 {
		return req, nil
	}
	p, err := h.Predict(x, []string{req.Model})
	if err != nil {
		return req, fmt.Errorf("predicting the class to explain: %w", err)
	}
	req.Class = protocol.TopClass(p[0])
	return req, nil
}

// meanAgreement returns the mean top-k IoU and relevance mass between the
// input-gradient map of target t of each image's true class and its mask,
// over the
// first iouImages test images of a positive class (METHODS.md): the last
// class ("cardiomegaly", "two crosses") for a two-class set, every class
// otherwise (as engine/lab does for the Decoy sets); images with an empty
// mask do not count. Both are NaN if no image counts.
func meanAgreement(net nn.Model, s *data.Set, t saliency.Target) (iou, mass float64) {
	positive := func(y int) bool { return len(s.ClassNames) != 2 || y == 1 }
	var idx []int
	for i, y := range s.Labels {
		if positive(y) && len(idx) < iouImages {
			idx = append(idx, i)
		}
	}
	sub := s.Subset(idx)
	hw := s.H * s.W
	maps := make([]float32, sub.Len()*hw)
	for i, y := range sub.Labels {
		m, err := saliency.Map(context.Background(), net, sub.Image(i), saliency.Gradient, saliency.Options{Class: y, Target: t})
		if err != nil {
			return math.NaN(), math.NaN()
		}
		copy(maps[i*hw:(i+1)*hw], m)
	}
	r := metrics.MeanAgreement(maps, sub.Masks, sub.Len(), hw, nil)
	if r.N == 0 {
		return math.NaN(), math.NaN()
	}
	return r.IoU, r.RelevanceMass
}

// Export returns the named model's architecture and weights files (a
// built-in network; ExportONNX writes any model as ONNX).
func (h *Host) Export(which string) (arch, weights []byte, err error) {
	m, err := h.network(which)
	if err != nil {
		return nil, nil, err
	}
	net, ok := m.(*nn.Network)
	if !ok {
		return nil, nil, errors.New("a model loaded from ONNX is exported as ONNX")
	}
	s := h.cur
	meta := map[string]string{"dataset": s.info.Dataset, "method": s.info.Method, "exported_by": "Saliency Explorer"}
	if which == protocol.Tuned && s.tuned != nil {
		meta["method"] = s.tunedWith
		meta["fine_tuned_from"] = s.info.Name
	}
	return model.Save(net, meta)
}
