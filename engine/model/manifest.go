package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Manifest is a site's models/manifest.json: the shipped models and the
// data sets' sample galleries. engine/cmd/models writes it; the engine
// worker (wasm/host) reads it with ParseManifest. File names are relative
// to the manifest.
type Manifest struct {
	// Command is the command line that wrote the manifest.
	Command   string          `json:"command,omitempty"`
	Models    []ManifestEntry `json:"models"`
	Galleries []GalleryEntry  `json:"galleries,omitempty"`
}

// Scores are a shipped model's results on its data set's test split.
type Scores struct {
	AUC      float64 `json:"auc"`
	Accuracy float64 `json:"accuracy"`
	IoU      float64 `json:"iou"` // mean top-k IoU of input-gradient saliency on positive test images
	// Mass is the mean relevance mass of that saliency inside the masks.
	Mass float64 `json:"relevance_mass"`
}

// ManifestEntry is one model of the manifest.
type ManifestEntry struct {
	Name     string   `json:"name"`
	Dataset  string   `json:"dataset,omitempty"`
	Method   string   `json:"method,omitempty"`
	Lambda   float64  `json:"lambda,omitempty"`
	Arch     string   `json:"arch"`
	Weights  string   `json:"weights"`
	Input    []int    `json:"input,omitempty"` // C, H, W
	Classes  []string `json:"classes,omitempty"`
	Epochs   int      `json:"epochs,omitempty"`
	Seed     int      `json:"seed"`
	Test     Scores   `json:"test"`
	TrainAcc float64  `json:"train_accuracy,omitempty"`
}

// Gallery splits (GalleryEntry.Split; "" means SplitTest).
const (
	SplitTest  = "test"
	SplitTrain = "train"
)

// GalleryEntry is one data set's image file in the manifest (written by
// data.EncodeGallery): its test images with masks and labels, the sample
// gallery, or with Split SplitTrain training images, which a data set the
// browser cannot generate fine-tunes on.
type GalleryEntry struct {
	Dataset string   `json:"dataset"`
	Split   string   `json:"split,omitempty"` // "" or "test", or "train"
	File    string   `json:"file"`
	Count   int      `json:"count"`
	Classes []string `json:"classes,omitempty"`
}

// Holds reports whether the gallery holds images of split (no split
// named means the test split). assets/worker.js (fetchAhead) copies it
// for the test split: change both together.
func (g GalleryEntry) Holds(split string) bool {
	return g.Split == split || g.Split == "" && split == SplitTest
}

// ParseManifest reads a manifest: either an object as Manifest encodes it
// or, as early sites wrote it, a bare list of model entries. It checks
// that every model names its two files, that no name is listed twice and
// that no file name leaves the manifest's folder; a model without a name
// is named after its architecture file.
//
// assets/worker.js (fetchAhead) copies this choice to fetch the engine's
// start-up files early: change both together.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	var list []ManifestEntry
	if err := json.Unmarshal(b, &list); err == nil {
		m.Models = list
	} else if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("model: reading the model manifest: %w", err)
	}
	if len(m.Models) == 0 {
		return nil, errors.New("model: the model manifest lists no models")
	}
	seen := map[string]bool{}
	for i, e := range m.Models {
		if e.Arch == "" || e.Weights == "" {
			return nil, fmt.Errorf("model: model manifest entry %d (%q) names no arch or weights file", i, e.Name)
		}
		for _, f := range []string{e.Arch, e.Weights} {
			if !safeName(f) {
				return nil, fmt.Errorf("model: model manifest entry %q: bad file name %q", e.Name, f)
			}
		}
		if e.Input != nil && len(e.Input) != 3 {
			return nil, fmt.Errorf("model: model manifest entry %q: input %v, want C, H, W", e.Name, e.Input)
		}
		if e.Name == "" {
			m.Models[i].Name = strings.TrimSuffix(e.Arch, ".json")
		}
		if seen[m.Models[i].Name] {
			return nil, fmt.Errorf("model: the model manifest lists %q twice", m.Models[i].Name)
		}
		seen[m.Models[i].Name] = true
	}
	for _, g := range m.Galleries {
		if !safeName(g.File) {
			return nil, fmt.Errorf("model: model manifest gallery of %q: bad file name %q", g.Dataset, g.File)
		}
		if g.Split != "" && g.Split != SplitTest && g.Split != SplitTrain {
			return nil, fmt.Errorf("model: model manifest gallery %q: split %q, want \"test\" or \"train\"", g.File, g.Split)
		}
	}
	return &m, nil
}

// safeName reports whether a manifest file name stays inside its folder.
func safeName(f string) bool {
	return f != "" && !strings.Contains(f, "..") && !strings.HasPrefix(f, "/") && !strings.Contains(f, "://") && !strings.Contains(f, "\\")
}

// Model returns the entry named name.
// assets/worker.js (fetchAhead) copies this lookup: change both together.
func (m *Manifest) Model(name string) (ManifestEntry, bool) {
	for _, e := range m.Models {
		if e.Name == name {
			return e, true
		}
	}
	return ManifestEntry{}, false
}

// Gallery returns a data set's gallery file of split SplitTest (its
// sample images) or SplitTrain (training images, shipped for data sets the
// browser cannot generate).
func (m *Manifest) Gallery(dataset, split string) (GalleryEntry, bool) {
	for _, g := range m.Galleries {
		if g.Dataset == dataset && g.Holds(split) {
			return g, true
		}
	}
	return GalleryEntry{}, false
}

// Default returns the model shown on first load: the Phantom baseline
// (the model that reads the laterality marker, which the app's walkthrough
// starts from), else the first baseline model, else the first model.
//
// assets/worker.js (fetchAhead) copies this choice to fetch the engine's
// start-up files early: change both together.
func (m *Manifest) Default() ManifestEntry {
	for _, e := range m.Models {
		if e.Dataset == "phantom" && e.Method == "baseline" {
			return e
		}
	}
	for _, e := range m.Models {
		if e.Method == "baseline" {
			return e
		}
	}
	return m.Models[0]
}

// Baseline returns the baseline model of a data set, else its first model.
func (m *Manifest) Baseline(dataset string) (ManifestEntry, bool) {
	var first *ManifestEntry
	for i, e := range m.Models {
		if e.Dataset != dataset {
			continue
		}
		if e.Method == "baseline" {
			return e, true
		}
		if first == nil {
			first = &m.Models[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return ManifestEntry{}, false
}

// Datasets lists the data sets of the models, in manifest order.
func (m *Manifest) Datasets() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range m.Models {
		if e.Dataset != "" && !seen[e.Dataset] {
			seen[e.Dataset] = true
			out = append(out, e.Dataset)
		}
	}
	return out
}
