// Package host is the engine worker's logic without the browser: it holds
// the models and the data set, answers the protocol's requests and advances
// fine-tuning one batch at a time. The worker binary (../worker) feeds it
// messages and posts its replies; tests drive it directly on the host.
//
// A Host is not safe for concurrent use. The worker calls it from one
// goroutine and yields to the JavaScript event loop between batches, so that
// cancel and pause messages are seen while long work runs.
package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// CrossesSeed is the seed of the built-in Crosses splits the worker uses
// for samples, fine-tuning and evaluation.
const CrossesSeed = 1

// Limits on requests from the page.
const (
	maxUserExamples = 512
	maxEpochs       = 200
	iouImages       = 64 // test images in the mean-IoU chart
)

// Host is the engine worker's state.
type Host struct {
	orig  *nn.Network
	tuned *nn.Network // nil until a fine-tuning run has started
	info  protocol.ModelInfo
	sets  *data.Splits // nil when the model's data set is not built in

	run *run
}

// run is a fine-tuning run in progress.
type run struct {
	req      protocol.TrainRequest
	tr       *train.Trainer
	net      *nn.Network
	steps    int
	epochs   int
	valid    *data.Set
	test     *data.Set
	finished bool
}

// New returns a Host with no model.
func New() *Host { return &Host{} }

// ManifestEntry is one model listed in assets/models/manifest.json. File
// names are relative to the manifest.
type ManifestEntry struct {
	Name    string   `json:"name"`
	Dataset string   `json:"dataset"`
	Method  string   `json:"method"`
	Arch    string   `json:"arch"`
	Weights string   `json:"weights"`
	Classes []string `json:"classes,omitempty"`
	Test    struct {
		AUC      float64 `json:"auc"`
		Accuracy float64 `json:"accuracy"`
		IoU      float64 `json:"iou"`
	} `json:"test"`
}

// ParseManifest reads a model manifest: either a list of entries or an
// object with a "models" list. It returns the entries in file order.
func ParseManifest(b []byte) ([]ManifestEntry, error) {
	var list []ManifestEntry
	if err := json.Unmarshal(b, &list); err == nil {
		return checkManifest(list)
	}
	var obj struct {
		Models []ManifestEntry `json:"models"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("host: reading the model manifest: %w", err)
	}
	return checkManifest(obj.Models)
}

func checkManifest(list []ManifestEntry) ([]ManifestEntry, error) {
	if len(list) == 0 {
		return nil, errors.New("host: the model manifest lists no models")
	}
	for i, e := range list {
		if e.Arch == "" || e.Weights == "" {
			return nil, fmt.Errorf("host: model manifest entry %d (%q) names no arch or weights file", i, e.Name)
		}
		for _, f := range []string{e.Arch, e.Weights} {
			if strings.Contains(f, "..") || strings.HasPrefix(f, "/") || strings.Contains(f, "://") {
				return nil, fmt.Errorf("host: model manifest entry %q: bad file name %q", e.Name, f)
			}
		}
	}
	return list, nil
}

// Load installs a model from its files. entry describes it (its Name,
// Dataset, Method and test scores are shown to the user); source is
// "shipped" or "file". The fine-tuned copy and any training run are dropped.
func (h *Host) Load(arch, weights []byte, entry ManifestEntry, source string) error {
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
	h.install(net, entry, source)
	return nil
}

func (h *Host) install(net *nn.Network, entry ManifestEntry, source string) {
	h.orig, h.tuned, h.run = net, nil, nil
	in := net.Input()
	h.info = protocol.ModelInfo{
		Name: entry.Name, Dataset: entry.Dataset, Method: entry.Method,
		C: in.C, H: in.H, W: in.W, Classes: net.Spec.Classes, Params: len(net.Params),
		TestAUC: entry.Test.AUC, TestAcc: entry.Test.Accuracy, TestIoU: entry.Test.IoU,
		Source: source,
	}
	h.sets = builtinSets(net)
	if h.sets != nil && h.info.Dataset == "" {
		h.info.Dataset = "crosses"
	}
	if h.sets != nil && source != "shipped" {
		ev := train.Evaluate(net, h.sets.Test, 64)
		h.info.TestAUC, h.info.TestAcc = ev.AUC, ev.Accuracy
		h.info.TestIoU = meanIoU(net, h.sets.Test)
	}
}

// builtinSets returns the built-in data set matching the network's input
// and classes, or nil.
func builtinSets(net *nn.Network) *data.Splits {
	in := net.Input()
	if in.C != 1 || in.H != 28 || in.W != 28 || net.Classes() != len(data.CrossesClassNames) {
		return nil
	}
	sp, err := data.Crosses(data.DefaultCrosses(CrossesSeed))
	if err != nil {
		return nil
	}
	return &sp
}

// Ready reports whether a model is loaded.
func (h *Host) Ready() bool { return h.orig != nil }

// Info describes the loaded model.
func (h *Host) Info() protocol.ModelInfo {
	i := h.info
	i.HasTuned = h.tuned != nil
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
	sp, err := data.Crosses(data.DefaultCrosses(CrossesSeed))
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
	h.install(net, ManifestEntry{Name: "Crosses CNN (starter)", Dataset: "crosses", Method: "baseline"}, "starter")
	return nil
}

// Samples returns the first n images of the built-in test split: their
// descriptions, and for each its PNG and its reference mask as a PNG.
func (h *Host) Samples(n int) ([]protocol.Sample, [][]byte, error) {
	if h.sets == nil {
		return nil, nil, nil
	}
	s := h.sets.Test
	n = min(n, s.Len())
	var out []protocol.Sample
	var bufs [][]byte
	maskSet := &data.Set{Name: s.Name + "/masks", C: 1, H: s.H, W: s.W, ClassNames: s.ClassNames, Images: s.Masks, Labels: s.Labels}
	for i := range n {
		img, err := s.PNG(i)
		if err != nil {
			return nil, nil, err
		}
		m, err := maskSet.PNG(i)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, protocol.Sample{
			Key:   fmt.Sprintf("crosses-test-%d", i),
			Label: s.Labels[i],
			Title: fmt.Sprintf("Test image %d (%s)", i+1, s.ClassNames[s.Labels[i]]),
		})
		bufs = append(bufs, img, m)
	}
	return out, bufs, nil
}

// Decode decodes an image file to the model's input.
func (h *Host) Decode(b []byte) (protocol.Decoded, []float32, error) {
	if h.orig == nil {
		return protocol.Decoded{}, nil, errors.New("the model is not loaded yet")
	}
	in := h.orig.Input()
	im, err := imageio.Decode(b, in.C, in.H, in.W)
	if err != nil {
		return protocol.Decoded{}, nil, err
	}
	return protocol.Decoded{Format: im.Format, Width: im.Width, Height: im.Height, Color: im.Color}, im.Pix, nil
}

// network returns the model a request names.
func (h *Host) network(which string) (*nn.Network, error) {
	if h.orig == nil {
		return nil, errors.New("the model is not loaded yet")
	}
	switch which {
	case protocol.Original, "":
		return h.orig, nil
	case protocol.Tuned:
		if h.tuned != nil {
			return h.tuned, nil
		}
		return h.orig, nil
	}
	return nil, fmt.Errorf("unknown model %q", which)
}

// checkInput validates an input image against the model.
func (h *Host) checkInput(x []float32) error {
	if h.orig == nil {
		return errors.New("the model is not loaded yet")
	}
	if n := h.orig.Input().Size(); len(x) != n {
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
		out = append(out, softmax(net.Forward(x, 1, false)))
	}
	return out, nil
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
	if err := h.checkInput(x); err != nil {
		return nil, protocol.MapInfo{}, err
	}
	net, err := h.network(req.Model)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	if h.run != nil && net == h.tuned {
		// The trainer's network holds a batch's buffers; explain a copy.
		net = net.Clone()
	}
	opt := saliency.Options{Class: req.Class, Blur: req.Blur, Samples: req.Samples, Steps: req.Steps, Window: req.Window, Seed: 1, Progress: progress}
	m, err := saliency.Map(ctx, net, x, saliency.Method(req.Method), opt)
	if err != nil {
		return nil, protocol.MapInfo{}, err
	}
	in := net.Input()
	info := protocol.MapInfo{H: in.H, W: in.W, Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range m {
		info.Min = math.Min(info.Min, float64(v))
		info.Max = math.Max(info.Max, float64(v))
	}
	return m, info, nil
}

// meanIoU is the mean top-k IoU between the input-gradient map of the true
// class and the mask, over up to iouImages test images of the last
// ("positive") class with a non-empty mask (METHODS.md). It returns NaN if
// there are none.
func meanIoU(net *nn.Network, s *data.Set) float64 {
	pos := len(s.ClassNames) - 1
	var sum float64
	var n int
	for i := 0; i < s.Len() && n < iouImages; i++ {
		if s.Labels[i] != pos {
			continue
		}
		m, err := saliency.Map(context.Background(), net, s.Image(i), saliency.Gradient, saliency.Options{Class: pos})
		if err != nil {
			continue
		}
		a, ok := agree(m, s.Mask(i))
		if !ok {
			continue
		}
		sum += a
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Export returns the named model's architecture and weights files.
func (h *Host) Export(which string) (arch, weights []byte, err error) {
	net, err := h.network(which)
	if err != nil {
		return nil, nil, err
	}
	meta := map[string]string{"dataset": h.info.Dataset, "method": h.info.Method, "exported_by": "Saliency Explorer"}
	if which == protocol.Tuned && h.tuned != nil && h.run != nil {
		meta["method"] = h.run.req.Method
		meta["fine_tuned_from"] = h.info.Name
	}
	return model.Save(net, meta)
}
