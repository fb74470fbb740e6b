package host

import (
	"encoding/hex"
	"errors"
	"fmt"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/digest"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// TrainSeed is the seed of the splits the worker generates for fine-tuning
// and its charts. The shipped models were trained on seed 0 (engine/cmd/models),
// so seed 1 gives fresh images drawn from the same distribution.
const TrainSeed = 1

// maxSamples bounds the samples sent to the page.
const maxSamples = 48

// dataset is what the worker holds of one data set: its shipped gallery
// and, once generated, its splits.
type dataset struct {
	name string
	// about is the data set's entry in engine/datasets, if it is built in.
	about datasets.Dataset
	known bool

	gallery *data.Set
	// pack is the gallery's sample pack (see SamplePackName), if the site
	// has one that fits it.
	pack   *samplePack
	splits *data.Splits
	// galleryErr is why the gallery could not be read, if it could not.
	galleryErr error
	// trainGallery holds the shipped training images of a data set the
	// browser cannot generate, once read; trainErr is why they could not be.
	trainGallery *data.Set
	trainErr     error
	// drawer holds the splits being drawn ahead while the engine is idle
	// (DrawAhead); drawFailed stops that after an error.
	drawer     datasets.Drawer
	drawFailed bool
}

// drawn reports whether the browser can generate the data set.
func (d *dataset) drawn() bool { return d.known && d.about.Drawn }

// datasetFor returns (creating it) the record of the data set a model
// names. Records are kept apart per input shape and class count: a model
// whose metadata names a data set of another shape gets a record of its
// own, so splits and galleries cached for one model never meet a model
// they do not fit (issue #10: scoring such a model panicked). Its gallery
// and generation are then refused with a message (readGallery, generate).
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
		d.about, d.known = datasets.Lookup(name)
		h.sets[key] = d
	}
	return d
}

// current returns the current model's data set, or nil.
func (h *Host) current() *dataset {
	if h.cur == nil {
		return nil
	}
	return h.datasetFor(h.cur)
}

// loadGallery reads the current data set's sample gallery the first time
// it is needed, if the manifest lists one. If it cannot be fetched or read,
// the data set falls back to generated samples (Crosses, Phantom) or none,
// and st is told why.
func (h *Host) loadGallery(st Status) {
	ds := h.current()
	if ds == nil || h.cat == nil || ds.gallery != nil || ds.galleryErr != nil {
		return
	}
	g, ok := h.cat.Gallery(ds.name, model.SplitTest)
	if !ok {
		return
	}
	var size int
	ds.gallery, size, ds.galleryErr = h.readGallery(ds.name, g.File)
	if ds.galleryErr != nil {
		st.note("The sample file " + g.File + " could not be read (" + UserMessage(ds.galleryErr) + ").")
		return
	}
	// The samples' PNGs and keys, made when the site was built; without
	// them (or if they do not fit) Samples makes them.
	// A pack the site has but that does not fit is a fault of the site's
	// build, not the user's: the samples are made as without one, and the
	// console (Host.Warn) and the start-up timeline say why.
	name := SamplePackName(g.File)
	if b, err := h.fetch(modelsDir + name); err == nil {
		p, err := decodeSamplePack(b, ds.name, size, min(ds.gallery.Len(), maxSamples))
		if err == nil && !p.fits(ds.name, ds.gallery) {
			err = errors.New("its samples are not the gallery's")
		}
		if err != nil {
			h.mark("se-w-pack-refused")
			h.warn(fmt.Sprintf("the sample pack %s was refused (%v); the samples are made in the browser instead, which is slower", name, err))
			return
		}
		ds.pack = p
	}
}

// loadTrainGallery reads the shipped training images of the current data
// set the first time training needs them: only for a data set the browser
// cannot generate whose manifest lists them. Without them, training falls
// back to half of the sample gallery, and st is told why.
func (h *Host) loadTrainGallery(st Status) {
	ds := h.current()
	if ds == nil || h.cat == nil || ds.drawn() || ds.trainGallery != nil || ds.trainErr != nil {
		return
	}
	g, ok := h.cat.Gallery(ds.name, model.SplitTrain)
	if !ok {
		return
	}
	st.say("Fetching the training images (once)…")
	ds.trainGallery, _, ds.trainErr = h.readGallery(ds.name, g.File)
	if ds.trainErr != nil {
		st.note("The training images " + g.File + " could not be read (" + UserMessage(ds.trainErr) + "); training on half of the samples instead.")
	}
}

// trainGalleryPending reports whether the current data set has shipped
// training images not fetched yet.
func (h *Host) trainGalleryPending() bool {
	ds := h.current()
	if ds == nil || h.cat == nil || ds.drawn() || ds.trainGallery != nil || ds.trainErr != nil {
		return false
	}
	_, ok := h.cat.Gallery(ds.name, model.SplitTrain)
	return ok
}

// readGallery fetches a gallery file of data set name (see
// data.DecodeGallery) and checks that its images and classes fit the
// current model. It returns the set and the file's size.
func (h *Host) readGallery(name, file string) (*data.Set, int, error) {
	b, err := h.fetch(modelsDir + file)
	if err != nil {
		return nil, 0, err
	}
	s, err := data.DecodeGallery(b)
	if err != nil {
		return nil, 0, err
	}
	in := h.cur.orig.Input()
	if s.C != in.C || s.H != in.H || s.W != in.W || len(s.ClassNames) != h.cur.orig.Classes() {
		return nil, 0, fmt.Errorf("host: the %s gallery holds %d×%d×%d images of %d classes; the model takes %d×%d×%d and %d classes",
			name, s.C, s.H, s.W, len(s.ClassNames), in.C, in.H, in.W, h.cur.orig.Classes())
	}
	return s, len(b), nil
}

// generate generates the current data set's splits if the browser can and
// they are not there yet, telling st what it does (generating Phantom takes
// seconds in a browser), and returns them (nil for a data set that cannot
// be generated). what names what the splits are for ("samples", "training
// set").
func (h *Host) generate(st Status, what string) (*data.Splits, error) {
	ds := h.current()
	if ds == nil {
		return nil, errors.New("host: no model")
	}
	if ds.splits != nil || !ds.drawn() {
		return ds.splits, nil
	}
	title := ds.about.Title
	// Check the shape before spending seconds generating.
	mismatch := func(c, hh, w, classes int) error { return shapeMismatch(h.cur.orig, title, c, hh, w, classes) }
	if err := fitsDataset(h.cur.orig, ds.about); err != nil {
		return nil, err
	}
	if ds.drawer != nil {
		done, total := ds.drawer.Progress()
		st.say(fmt.Sprintf("Generating the %s %s in your browser (%d of %d done ahead)…", title, what, done, total))
		return h.finishDrawing(ds)
	}
	if what == "training set" {
		st.say("Generating the " + title + " training set in your browser (once; about ten seconds)…")
	} else {
		st.say("Generating the " + title + " " + what + " in your browser…")
	}
	sp, err := ds.about.Splits(TrainSeed, func(done, total int) {
		if done < total {
			st.say(fmt.Sprintf("Generating the %s %s in your browser: part %d of %d done…", title, what, done, total))
		}
	})
	if err != nil {
		return nil, err
	}
	if err := mismatch(sp.Train.C, sp.Train.H, sp.Train.W, len(sp.Train.ClassNames)); err != nil {
		return nil, err
	}
	ds.splits = &sp
	return ds.splits, nil
}

// DrawAhead draws up to n more images of the current model's data set if
// the browser draws it a few images at a time (Phantom) and its splits are
// not there yet, so that a training run started later finds them ready
// instead of spending seconds on them (issue #12). The engine worker calls
// it while it has nothing else to do, after the first map. It reports
// whether images are left to draw.
func (h *Host) DrawAhead(n int) (bool, error) {
	ds := h.current()
	if ds == nil || ds.splits != nil || !ds.drawn() || ds.about.Drawer == nil || ds.drawFailed {
		return false, nil
	}
	if ds.drawer == nil {
		if fitsDataset(h.cur.orig, ds.about) != nil {
			return false, nil // generate says why when the splits are asked for
		}
		d, err := ds.about.Drawer(TrainSeed)
		if err != nil {
			ds.drawFailed = true
			return false, fmt.Errorf("host: drawing the %s splits: %w", ds.about.Title, err)
		}
		ds.drawer = d
	}
	if !ds.drawer.Draw(n) {
		return true, nil
	}
	_, err := h.finishDrawing(ds)
	return false, err
}

// finishDrawing draws what is left of ds's splits and keeps them.
func (h *Host) finishDrawing(ds *dataset) (*data.Splits, error) {
	sp, err := ds.drawer.Splits()
	ds.drawer = nil
	if err == nil {
		err = shapeMismatch(h.cur.orig, ds.about.Title, sp.Train.C, sp.Train.H, sp.Train.W, len(sp.Train.ClassNames))
	}
	if err != nil {
		ds.drawFailed = true
		return nil, err
	}
	ds.splits = &sp
	return ds.splits, nil
}

// shapeMismatch says how a network and images of a data set (c×hh×w, of
// classes classes) disagree, or returns nil.
func shapeMismatch(net nn.Model, title string, c, hh, w, classes int) error {
	in := net.Input()
	if c == in.C && hh == in.H && w == in.W && classes == net.Classes() {
		return nil
	}
	return fmt.Errorf("host: this model takes %d×%d×%d images of %d classes, but the %s data set it names has %d×%d×%d images of %d classes",
		in.C, in.H, in.W, net.Classes(), title, c, hh, w, classes)
}

// fitsDataset checks a network against the shape of a data set the
// browser generates (whose images are known without generating them).
func fitsDataset(net nn.Model, about datasets.Dataset) error {
	spec := about.Spec()
	return shapeMismatch(net, about.Title, spec.Input.C, spec.Input.H, spec.Input.W, len(spec.Classes))
}

// splits returns the generated splits of the current data set, generating
// them on first use without a word; nil if the data set cannot be.
func (h *Host) splits() (*data.Splits, error) { return h.generate(Status{}, "samples") }

// DatasetInfo describes the current data set.
func (h *Host) DatasetInfo() protocol.DatasetInfo {
	ds := h.current()
	if ds == nil {
		return protocol.DatasetInfo{}
	}
	info := datasetInfo(ds.name)
	gen := ds.drawn()
	title := datasets.Title(ds.name)
	switch {
	case ds.gallery != nil:
		info.Samples = "gallery"
	case gen:
		info.Samples = "generated"
	}
	switch {
	case gen:
		info.Train = fmt.Sprintf("the %s training split, generated in your browser", title)
	case ds.trainGallery != nil:
		info.Train = fmt.Sprintf("the %d shipped %s training images (drawn like the training split, shortcut included)", ds.trainGallery.Len(), title)
		if ds.gallery != nil {
			info.Train += fmt.Sprintf("; the charts measure the %d sample images", ds.gallery.Len())
		}
	case h.trainGalleryPending():
		info.Train = fmt.Sprintf("the shipped %s training images (fetched when training starts)", title)
	case ds.gallery != nil:
		tr, _ := halves(ds.gallery)
		info.Train = fmt.Sprintf("%d of the %d shipped %s samples (this data set cannot be generated in the browser; the other half is held out for the charts)",
			tr.Len(), ds.gallery.Len(), title)
	default:
		info.Train = "your own labelled images with masks only (this model's data set is not available in the browser)"
	}
	return info
}

// datasetInfo is what the registry says of a data set: its title, how its
// test split differs, whether the browser generates it, and the suggested
// fine-tuning learning rate and λ per penalized objective (those of
// datasets.Default for a data set that is not built in).
func datasetInfo(name string) protocol.DatasetInfo {
	d, ok := datasets.Lookup(name)
	sugg := d
	if !ok {
		sugg, _ = datasets.Lookup(datasets.Default)
	}
	info := protocol.DatasetInfo{Name: name, Title: datasets.Title(name), Generated: ok && d.Drawn, Shift: datasets.Shift(name),
		Shortcut: d.Shortcut, Images: d.Images, LR: sugg.LR, Lambda: map[string]float64{}}
	for _, o := range train.MethodInfos() {
		if l, ok := sugg.FineTuneLambda(o.Method); ok && o.Penalty {
			info.Lambda[string(o.Method)] = l
		}
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

// sampleKeyBytes is how many bytes of an image's SHA-256 its key keeps.
const sampleKeyBytes = 6

// sampleKey names an image by its content, so a mask painted on a sample
// stays with that image even if the gallery is regenerated or reordered.
func sampleKey(dataset string, x []float32) string {
	sum := digest.Sum256(protocol.FloatBytes(x))
	return dataset + "-" + hex.EncodeToString(sum[:sampleKeyBytes])
}

// Samples returns up to n images of the current data set (its gallery, or
// else its generated test split, generating it now if needed and telling st
// so): their descriptions, and for each its PNG and its reference mask as
// a PNG.
func (h *Host) Samples(n int, st Status) ([]protocol.Sample, [][]byte, error) {
	ds := h.current()
	if ds == nil {
		return nil, nil, nil
	}
	s := ds.gallery
	if s == nil {
		sp, err := h.generate(st, "samples")
		if err != nil || sp == nil {
			return nil, nil, err
		}
		s = sp.Test
	}
	noun := "Sample"
	if ds.known {
		noun = ds.about.Noun
	}
	n = min(n, s.Len(), maxSamples)
	p := ds.pack
	if s != ds.gallery || p == nil || len(p.keys) < n {
		var err error
		if p, err = samplePictures(ds.name, s, n); err != nil {
			return nil, nil, err
		}
	}
	var out []protocol.Sample
	for i := range n {
		out = append(out, protocol.Sample{
			Key:   p.keys[i],
			Label: s.Labels[i],
			Title: fmt.Sprintf("%s %d (%s)", noun, i+1, s.ClassNames[s.Labels[i]]),
		})
	}
	return out, p.bufs[:2*n], nil
}
