package host

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// modelsDir is the site's folder of models, galleries and their manifest.
const modelsDir = "models/"

// StarterEpochs is how long the in-browser starter model trains when the
// site ships no model.
const StarterEpochs = 2

// Status receives what a long request says while it runs. The worker posts
// each call as a message and yields to the event loop, so that the page
// sees it at once. Any field may be nil.
type Status struct {
	// Say reports what is being done now ("Loading the model…"); the next
	// message replaces it.
	Say func(text string)
	// Note reports something the user should keep reading, such as a
	// file that could not be read and what is done instead.
	Note func(text string)
	// Progress reports done of total units of the request's work.
	Progress func(done, total int)
}

func (st Status) say(text string) {
	if st.Say != nil {
		st.Say(text)
	}
}

func (st Status) note(text string) {
	if st.Note != nil {
		st.Note(text)
	} else {
		st.say(text)
	}
}

// UserMessage returns an error's text for people: without Go package
// prefixes, starting with a capital letter.
func UserMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"imageio: ", "dicomio: ", "saliency: ", "train: ", "host: ", "protocol: ", "nn: ", "data: ", "model: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// Start readies the Host once (later calls do nothing): it reads the site's
// manifest and makes sel's model current if the site ships it, else the
// manifest's default model. If the site ships no usable model it says so
// and trains the starter model (StarterEpochs, reporting each batch to
// st.Progress; ctx stops it).
//
// After StartAhead, Start only checks that sel resolves to the model made
// current then, and selects sel's if not.
func (h *Host) Start(ctx context.Context, sel protocol.SelectRequest, st Status) error {
	if h.Ready() {
		ahead, set, notes := h.ahead, h.aheadSet, h.aheadNotes
		h.ahead, h.aheadSet, h.aheadNotes = "", nil, nil
		if ahead == "" {
			return nil
		}
		if sel = h.startSelect(sel); sel.Model != ahead {
			if err := h.Select(sel, st); err != nil {
				return err
			}
		}
		// The notes are about the data set's gallery, which Select does
		// not read again: they hold for any model of that data set.
		if h.current() == set {
			for _, n := range notes {
				st.note(n)
			}
		}
		return nil
	}
	err := h.readManifest()
	if err == nil {
		err = h.Select(h.startSelect(sel), st)
	}
	if err == nil {
		return nil
	}
	st.note("No trained model ships with this site (" + UserMessage(err) + "); training a starter model in your browser.")
	epochs := StarterEpochs
	if h.starterEpochs > 0 {
		epochs = h.starterEpochs
	}
	return h.Starter(ctx, epochs, func(done, total int) error {
		if st.Progress != nil {
			st.Progress(done, total)
		}
		return nil
	})
}

// startSelect returns sel if the manifest lists its model, else a request
// for the manifest's default model.
//
// assets/worker.js (fetchAhead) copies this choice to fetch the engine's
// start-up files early: change both together.
func (h *Host) startSelect(sel protocol.SelectRequest) protocol.SelectRequest {
	if _, ok := h.cat.Model(sel.Model); !ok {
		return protocol.SelectRequest{Model: h.cat.Default().Name}
	}
	return sel
}

// StartAhead does Start's work before the page asks for it: the engine
// worker the page starts knows from its query which model the page's Init
// will name (issue #12: the Init came 60–250 ms after the worker's Go had
// started, while the page started its own). It reads the manifest and
// makes that model current (the default if the manifest does not list it),
// with its data set's gallery; Start passes on what it had to say (a
// gallery it could not read) if the model it makes current is of that
// data set. Unlike Start it trains no starter model if
// that fails: Start tries again when the page asks, and reports.
func (h *Host) StartAhead(name string) error {
	if h.Ready() {
		return nil
	}
	if err := h.readManifest(); err != nil {
		return err
	}
	sel := h.startSelect(protocol.SelectRequest{Model: name})
	var notes []string
	if err := h.Select(sel, Status{Note: func(text string) { notes = append(notes, text) }}); err != nil {
		return err
	}
	h.ahead, h.aheadSet, h.aheadNotes = sel.Model, h.current(), notes
	return nil
}

// readManifest fetches and parses models/manifest.json.
func (h *Host) readManifest() error {
	b, err := h.fetch(modelsDir + "manifest.json")
	if err != nil {
		return err
	}
	m, err := model.ParseManifest(b)
	if err != nil {
		return err
	}
	h.cat = m
	return nil
}

// Select makes a model current: req.Model (a model of the manifest, or a
// model loaded before: protocol.StarterKey, protocol.UserModelKey), or, if
// only req.Dataset is set, that data set's baseline model. A shipped model
// is fetched the first time; its data set's gallery is read when first
// needed. A training run in progress is stopped.
func (h *Host) Select(req protocol.SelectRequest, st Status) error {
	key := req.Model
	if key == "" && req.Dataset != "" {
		if h.cat == nil {
			return fmt.Errorf("no model of the %s data set ships with this site", datasets.Title(req.Dataset))
		}
		e, ok := h.cat.Baseline(req.Dataset)
		if !ok {
			return fmt.Errorf("no model of the %s data set ships with this site", datasets.Title(req.Dataset))
		}
		key = e.Name
	}
	if !h.Activate(key) {
		var e model.ManifestEntry
		ok := false
		if h.cat != nil {
			e, ok = h.cat.Model(key)
		}
		if !ok {
			return fmt.Errorf("unknown model %q", key)
		}
		st.say("Loading the model " + e.Name + "…")
		h.mark("se-w-fetch-model")
		arch, err := h.fetch(modelsDir + e.Arch)
		if err != nil {
			return err
		}
		weights, err := h.fetch(modelsDir + e.Weights)
		if err != nil {
			return err
		}
		h.mark("se-w-load-model")
		if err := h.Load(arch, weights, e, "shipped"); err != nil {
			return err
		}
	}
	h.mark("se-w-gallery")
	h.loadGallery(st)
	h.mark("se-w-gallery-done")
	return nil
}

// LoadFiles makes the model in the user's files current (it replaces the
// previous model from files) and reads its data set's gallery if the site
// ships one.
func (h *Host) LoadFiles(arch, weights []byte, st Status) error {
	if err := h.Load(arch, weights, model.ManifestEntry{}, "file"); err != nil {
		return err
	}
	h.loadGallery(st)
	return nil
}

// samplesSent is the most sample images a Ready message carries.
const samplesSent = 48

// ReadyReply returns the reply to Init, Select and LoadModel: the current model,
// every model the page can switch to, the data set with its samples (their
// PNGs and masks are the buffers, two per sample; generating them if needed
// and telling st so), and the registry the page builds its menus from.
func (h *Host) ReadyReply(st Status) (*protocol.Header, [][]byte, error) {
	if !h.Ready() {
		return nil, nil, errors.New("the model is not loaded yet")
	}
	h.mark("se-w-samples")
	samples, bufs, err := h.Samples(samplesSent, st)
	h.mark("se-w-samples-done")
	if err != nil {
		return nil, nil, err
	}
	info := h.Info()
	ds := h.DatasetInfo()
	reg := Registry()
	return &protocol.Header{Kind: protocol.Ready, Model: &info, Models: h.Models(), Dataset: &ds, Samples: samples, Registry: &reg}, bufs, nil
}

// Registry returns what the engine offers, from the engine's own lists:
// the saliency methods (engine/saliency), the training objectives
// (engine/train) and the built-in data sets with their suggested settings
// (engine/datasets).
func Registry() protocol.Registry {
	var r protocol.Registry
	for _, m := range saliency.MethodInfos() {
		r.Methods = append(r.Methods, protocol.MethodInfo{ID: string(m.Method), Label: m.Label, Help: m.Help, Split: m.Split, Default: m.Default})
	}
	for _, t := range saliency.TargetInfos() {
		r.Targets = append(r.Targets, protocol.TargetInfo{ID: string(t.Target), Label: t.Label, Help: t.Help, Symbol: t.Symbol})
	}
	for _, o := range train.MethodInfos() {
		r.Objectives = append(r.Objectives, protocol.ObjectiveInfo{ID: string(o.Method), Label: o.Label, Help: o.Help, Penalty: o.Penalty})
	}
	for _, d := range datasets.All() {
		r.Datasets = append(r.Datasets, datasetInfo(d.Name))
	}
	return r
}
