package host

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/wasm/protocol"
)

// TrainSeed is the seed of the splits the worker generates for fine-tuning
// and its charts. The shipped models were trained on seed 0 (engine/cmd/models),
// so seed 1 gives fresh images drawn from the same distribution.
const TrainSeed = 1

// maxSamples bounds the samples sent to the page.
const maxSamples = 48

// generator describes a data set the browser can draw itself.
type generator struct {
	title string
	noun  string // what one sample is called
	// c, h, w and classes are the shape of its images and its class
	// count, checked against a model before generating.
	c, h, w, classes int
	// splits draws the splits for seed, calling progress (if not nil)
	// after each part.
	splits func(seed int64, progress func(done, total int)) (data.Splits, error)
	// fits reports whether a network of this input shape and classes
	// belongs to the data set (for models loaded from files without a
	// data set name).
	fits func(c, h, w int, classes []string) bool
}

// generators are the data sets the worker can generate.
var generators = map[string]generator{
	"crosses": {
		title: "Crosses", noun: "Test image", c: 1, h: 28, w: 28, classes: len(data.CrossesClassNames),
		splits: func(seed int64, _ func(done, total int)) (data.Splits, error) {
			return data.Crosses(data.DefaultCrosses(seed))
		},
		fits: func(c, h, w int, classes []string) bool {
			return c == 1 && h == 28 && w == 28 && len(classes) == len(data.CrossesClassNames) && !slices.Equal(classes, data.PhantomClassNames)
		},
	},
	"phantom": {
		title: "Phantom chest films", noun: "Film", c: 1, h: 64, w: 64, classes: len(data.PhantomClassNames),
		splits: func(seed int64, progress func(done, total int)) (data.Splits, error) {
			return phantomInParts(data.DefaultPhantom(seed), progress)
		},
		fits: func(c, h, w int, classes []string) bool {
			return c == 1 && h == 64 && w == 64 && slices.Equal(classes, data.PhantomClassNames)
		},
	},
}

// suggestion is a data set's suggested fine-tuning settings: its learning
// rate and each penalty method's λ.
type suggestion struct {
	lr     float64
	lambda map[string]float64
}

// suggestions mirror engine/lab's defaults per data set, with its
// fine-tuning λ where it has one (a test checks them); the worker does not
// import engine/lab, which would bring gonum into the wasm binary.
var suggestions = map[string]suggestion{
	"crosses":       {lr: 3e-3, lambda: map[string]float64{"actdiff": 1, "gradmask": 0.003, "rrr": 10}},
	"phantom":       {lr: 2e-3, lambda: map[string]float64{"actdiff": 1, "gradmask": 0.003, "rrr": 10}},
	"decoy-mnist":   {lr: 3e-3, lambda: map[string]float64{"actdiff": 1, "gradmask": 0.01, "rrr": 1e-5}},
	"decoy-fashion": {lr: 3e-3, lambda: map[string]float64{"actdiff": 1, "gradmask": 0.01, "rrr": 1e-5}},
}

// shiftOf says in plain words how a data set's test split differs from its
// training split.
func shiftOf(name string) string {
	switch name {
	case "decoy-mnist", "decoy-fashion", "mnist", "fashion":
		return "the swatch's shade is random"
	}
	return "the shortcut is reversed"
}

// phantomInParts generates the Phantom splits of cfg one split at a time
// (about three seconds each in a browser), reporting progress after each.
// Each split draws from its own random stream, so a split generated with
// the other two at one film is the split data.Phantom(cfg) would give.
func phantomInParts(cfg data.PhantomConfig, progress func(done, total int)) (data.Splits, error) {
	var out data.Splits
	for i, dst := range []**data.Set{&out.Train, &out.Valid, &out.Test} {
		part := cfg
		part.NTrain, part.NValid, part.NTest = 1, 1, 1
		switch i {
		case 0:
			part.NTrain = cfg.NTrain
		case 1:
			part.NValid = cfg.NValid
		case 2:
			part.NTest = cfg.NTest
		}
		sp, err := data.Phantom(part)
		if err != nil {
			return data.Splits{}, err
		}
		*dst = [3]*data.Set{sp.Train, sp.Valid, sp.Test}[i]
		if progress != nil {
			progress(i+1, 3)
		}
	}
	return out, nil
}

// titles names the data sets without a generator in the browser.
var titles = map[string]string{
	"decoy-mnist":   "Decoy MNIST",
	"decoy-fashion": "Decoy Fashion-MNIST",
	"mnist":         "Decoy MNIST",
	"fashion":       "Decoy Fashion-MNIST",
}

// DatasetTitle returns a data set's name for people.
func DatasetTitle(name string) string {
	if g, ok := generators[name]; ok {
		return g.title
	}
	if t, ok := titles[name]; ok {
		return t
	}
	if name == "" {
		return "your model's data"
	}
	return name
}

// dataset is what the worker holds of one data set: its shipped gallery
// and, once generated, its splits.
type dataset struct {
	name    string
	gallery *data.Set
	splits  *data.Splits
	// galleryErr is why the gallery could not be read, if it could not.
	galleryErr error
	// trainGallery holds the shipped training images of a data set the
	// browser cannot generate, once read; trainErr is why they could not be.
	trainGallery *data.Set
	trainErr     error
}

// datasetFor returns (creating it) the record of the data set a model
// names. Records are kept apart per input shape and class count: a model
// whose metadata names a data set of another shape gets a record of its
// own, so splits and galleries cached for one model never meet a model
// they do not fit (issue #10: scoring such a model panicked). Its gallery
// and generation are then refused with a message (readGallery, Generate).
func (h *Host) datasetFor(s *slot) *dataset {
	if h.sets == nil {
		h.sets = map[string]*dataset{}
	}
	name := s.info.Dataset
	in := s.orig.Input()
	key := fmt.Sprintf("%s %d×%d×%d %d", name, in.C, in.H, in.W, s.orig.Classes())
	d, ok := h.sets[key]
	if !ok {
		d = &dataset{name: name}
		h.sets[key] = d
	}
	return d
}

// guessDataset names the built-in data set a network of this shape and
// these classes belongs to, or "".
func guessDataset(c, hh, w int, classes []string) string {
	for _, name := range []string{"crosses", "phantom"} {
		if generators[name].fits(c, hh, w, classes) {
			return name
		}
	}
	return ""
}

// NeedsGallery returns the gallery file of the current data set if the
// catalog lists one that has not been read yet.
func (h *Host) NeedsGallery() (file string, ok bool) {
	if h.cur == nil || h.cat == nil {
		return "", false
	}
	ds := h.datasetFor(h.cur)
	if ds.gallery != nil || ds.galleryErr != nil {
		return "", false
	}
	g, ok := h.cat.Gallery(ds.name, SplitTest)
	return g.File, ok
}

// AddGallery reads the current data set's gallery file (see
// data.DecodeGallery). On an error the data set falls back to generated
// samples, if it has a generator; the error is returned for the log.
func (h *Host) AddGallery(b []byte) error {
	if h.cur == nil {
		return fmt.Errorf("host: no model")
	}
	ds := h.datasetFor(h.cur)
	s, err := h.readGallery(ds.name, b)
	if err != nil {
		ds.galleryErr = err
		return err
	}
	ds.gallery = s
	return nil
}

// readGallery decodes a gallery file of data set name and checks that its
// images and classes fit the current model.
func (h *Host) readGallery(name string, b []byte) (*data.Set, error) {
	s, err := data.DecodeGallery(b)
	if err != nil {
		return nil, err
	}
	in := h.cur.orig.Input()
	if s.C != in.C || s.H != in.H || s.W != in.W || len(s.ClassNames) != h.cur.orig.Classes() {
		return nil, fmt.Errorf("host: the %s gallery holds %d×%d×%d images of %d classes; the model takes %d×%d×%d and %d classes",
			name, s.C, s.H, s.W, len(s.ClassNames), in.C, in.H, in.W, h.cur.orig.Classes())
	}
	return s, nil
}

// NeedsTrainGallery returns the file of shipped training images of the
// current data set if the catalog lists one that has not been read (or
// tried) yet. The worker fetches it when training starts.
func (h *Host) NeedsTrainGallery() (file string, ok bool) {
	if h.cur == nil || h.cat == nil {
		return "", false
	}
	ds := h.datasetFor(h.cur)
	if ds.trainGallery != nil || ds.trainErr != nil {
		return "", false
	}
	if _, gen := generators[ds.name]; gen {
		return "", false
	}
	g, ok := h.cat.Gallery(ds.name, SplitTrain)
	return g.File, ok
}

// AddTrainGallery reads the current data set's file of training images
// (b, or the error that kept it from being fetched). Without it, training
// falls back to half of the sample gallery; the error is returned for the
// log.
func (h *Host) AddTrainGallery(b []byte, fetchErr error) error {
	if h.cur == nil {
		return fmt.Errorf("host: no model")
	}
	ds := h.datasetFor(h.cur)
	err := fetchErr
	var set *data.Set
	if err == nil {
		set, err = h.readGallery(ds.name, b)
	}
	if err != nil {
		ds.trainErr = err
		return err
	}
	ds.trainGallery = set
	return nil
}

// GalleryFailed records that the gallery file could not be fetched.
func (h *Host) GalleryFailed(err error) {
	if h.cur != nil {
		h.datasetFor(h.cur).galleryErr = err
	}
}

// NeedsGeneration reports whether the current data set's splits must be
// generated before training or before showing samples (generation takes
// seconds for Phantom in the browser, so the worker says so first), and
// the data set's title.
func (h *Host) NeedsGeneration(forSamples bool) (bool, string) {
	if h.cur == nil {
		return false, ""
	}
	ds := h.datasetFor(h.cur)
	g, ok := generators[ds.name]
	if !ok || ds.splits != nil {
		return false, ""
	}
	if forSamples && ds.gallery != nil {
		return false, ""
	}
	return true, g.title
}

// splits returns the generated splits of the current data set, generating
// them on first use; nil if the data set has no generator.
func (h *Host) splits() (*data.Splits, error) { return h.Generate(nil) }

// Generate generates the current data set's splits if it has a generator
// and they are not there yet, calling progress (if not nil) as parts are
// done, and returns them (nil for a data set without a generator).
func (h *Host) Generate(progress func(done, total int)) (*data.Splits, error) {
	if h.cur == nil {
		return nil, fmt.Errorf("host: no model")
	}
	ds := h.datasetFor(h.cur)
	if ds.splits != nil {
		return ds.splits, nil
	}
	g, ok := generators[ds.name]
	if !ok {
		return nil, nil
	}
	// Check the shape before spending seconds generating.
	in := h.cur.orig.Input()
	mismatch := func(c, hh, w, classes int) error {
		if c == in.C && hh == in.H && w == in.W && classes == h.cur.orig.Classes() {
			return nil
		}
		return fmt.Errorf("host: this model takes %d×%d×%d images of %d classes, but the %s data set it names has %d×%d×%d images of %d classes",
			in.C, in.H, in.W, h.cur.orig.Classes(), g.title, c, hh, w, classes)
	}
	if err := mismatch(g.c, g.h, g.w, g.classes); err != nil {
		return nil, err
	}
	sp, err := g.splits(TrainSeed, progress)
	if err != nil {
		return nil, err
	}
	if err := mismatch(sp.Train.C, sp.Train.H, sp.Train.W, len(sp.Train.ClassNames)); err != nil {
		return nil, err
	}
	ds.splits = &sp
	return ds.splits, nil
}

// DatasetInfo describes the current data set.
func (h *Host) DatasetInfo() protocol.DatasetInfo {
	if h.cur == nil {
		return protocol.DatasetInfo{}
	}
	ds := h.datasetFor(h.cur)
	g, gen := generators[ds.name]
	info := protocol.DatasetInfo{Name: ds.name, Title: DatasetTitle(ds.name), Generated: gen, LR: 3e-3, Shift: shiftOf(ds.name)}
	if sg, ok := suggestions[ds.name]; ok {
		info.LR, info.Lambda = sg.lr, maps.Clone(sg.lambda)
	}
	switch {
	case ds.gallery != nil:
		info.Samples = "gallery"
	case gen:
		info.Samples = "generated"
	}
	_, trainPending := h.NeedsTrainGallery()
	switch {
	case gen:
		info.Train = fmt.Sprintf("the %s training split, generated in your browser", g.title)
	case ds.trainGallery != nil:
		info.Train = fmt.Sprintf("the %d shipped %s training images (drawn like the training split, shortcut included)", ds.trainGallery.Len(), DatasetTitle(ds.name))
		if ds.gallery != nil {
			info.Train += fmt.Sprintf("; the charts measure the %d sample images", ds.gallery.Len())
		}
	case trainPending:
		info.Train = fmt.Sprintf("the shipped %s training images (fetched when training starts)", DatasetTitle(ds.name))
	case ds.gallery != nil:
		tr, _ := halves(ds.gallery)
		info.Train = fmt.Sprintf("%d of the %d shipped %s samples (this data set cannot be generated in the browser; the other half is held out for the charts)",
			tr.Len(), ds.gallery.Len(), DatasetTitle(ds.name))
	default:
		info.Train = "your own labelled images with masks only (this model's data set is not available in the browser)"
	}
	return info
}

// halves splits a gallery into a training half (even positions) and a
// held-out half (odd positions); both keep every class when the gallery
// alternates or groups classes in runs of even length.
func halves(s *data.Set) (train, held *data.Set) {
	var a, b []int
	for i := range s.Len() {
		if i%2 == 0 {
			a = append(a, i)
		} else {
			b = append(b, i)
		}
	}
	return s.Subset(a), s.Subset(b)
}

// sampleKey names an image by its content, so a mask painted on a sample
// stays with that image even if the gallery is regenerated or reordered.
func sampleKey(dataset string, x []float32) string {
	sum := sha256.Sum256(protocol.FloatBytes(x))
	return dataset + "-" + hex.EncodeToString(sum[:6])
}

// Samples returns up to n images of the current data set (its gallery, or
// else its generated test split): their descriptions, and for each its PNG
// and its reference mask as a PNG.
func (h *Host) Samples(n int) ([]protocol.Sample, [][]byte, error) {
	if h.cur == nil {
		return nil, nil, nil
	}
	ds := h.datasetFor(h.cur)
	s := ds.gallery
	if s == nil {
		sp, err := h.splits()
		if err != nil || sp == nil {
			return nil, nil, err
		}
		s = sp.Test
	}
	noun := "Sample"
	if g, ok := generators[ds.name]; ok {
		noun = g.noun
	}
	n = min(n, s.Len(), maxSamples)
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
			Key:   sampleKey(ds.name, s.Image(i)),
			Label: s.Labels[i],
			Title: fmt.Sprintf("%s %d (%s)", noun, i+1, s.ClassNames[s.Labels[i]]),
		})
		bufs = append(bufs, img, m)
	}
	return out, bufs, nil
}
