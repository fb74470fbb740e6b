package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ManifestEntry is one model listed in assets/models/manifest.json (written
// by engine/cmd/models). File names are relative to the manifest.
type ManifestEntry struct {
	Name    string   `json:"name"`
	Dataset string   `json:"dataset"`
	Method  string   `json:"method"`
	Lambda  float64  `json:"lambda,omitempty"`
	Arch    string   `json:"arch"`
	Weights string   `json:"weights"`
	Input   []int    `json:"input,omitempty"` // C, H, W
	Classes []string `json:"classes,omitempty"`
	Test    struct {
		AUC      float64 `json:"auc"`
		Accuracy float64 `json:"accuracy"`
		IoU      float64 `json:"iou"`
		Mass     float64 `json:"relevance_mass"`
	} `json:"test"`
}

// Gallery splits (GalleryEntry.Split; "" means SplitTest).
const (
	SplitTest  = "test"
	SplitTrain = "train"
)

// GalleryEntry is one data set's sample file in the manifest: test images
// with their masks and labels, written by data.EncodeGallery, or with Split
// "train" training images, which a data set the browser cannot generate
// fine-tunes on.
type GalleryEntry struct {
	Dataset string   `json:"dataset"`
	Split   string   `json:"split,omitempty"` // "" or "test", or "train"
	File    string   `json:"file"`
	Count   int      `json:"count"`
	Classes []string `json:"classes,omitempty"`
}

// Catalog is what the site ships: its models and sample galleries.
type Catalog struct {
	Models    []ManifestEntry
	Galleries []GalleryEntry
}

// ParseManifest reads a model manifest: either a list of model entries or
// an object with a "models" list and an optional "galleries" list. It
// checks that every model names its two files and that no file name leaves
// the manifest's folder.
func ParseManifest(b []byte) (*Catalog, error) {
	var list []ManifestEntry
	if err := json.Unmarshal(b, &list); err == nil {
		return checkCatalog(&Catalog{Models: list})
	}
	var obj struct {
		Models    []ManifestEntry `json:"models"`
		Galleries []GalleryEntry  `json:"galleries"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("host: reading the model manifest: %w", err)
	}
	return checkCatalog(&Catalog{Models: obj.Models, Galleries: obj.Galleries})
}

// safeName reports whether a manifest file name stays inside its folder.
func safeName(f string) bool {
	return f != "" && !strings.Contains(f, "..") && !strings.HasPrefix(f, "/") && !strings.Contains(f, "://") && !strings.Contains(f, "\\")
}

func checkCatalog(c *Catalog) (*Catalog, error) {
	if len(c.Models) == 0 {
		return nil, errors.New("host: the model manifest lists no models")
	}
	seen := map[string]bool{}
	for i, e := range c.Models {
		if e.Arch == "" || e.Weights == "" {
			return nil, fmt.Errorf("host: model manifest entry %d (%q) names no arch or weights file", i, e.Name)
		}
		for _, f := range []string{e.Arch, e.Weights} {
			if !safeName(f) {
				return nil, fmt.Errorf("host: model manifest entry %q: bad file name %q", e.Name, f)
			}
		}
		if e.Name == "" {
			c.Models[i].Name = strings.TrimSuffix(e.Arch, ".json")
		}
		if seen[c.Models[i].Name] {
			return nil, fmt.Errorf("host: the model manifest lists %q twice", c.Models[i].Name)
		}
		seen[c.Models[i].Name] = true
	}
	for _, g := range c.Galleries {
		if !safeName(g.File) {
			return nil, fmt.Errorf("host: model manifest gallery of %q: bad file name %q", g.Dataset, g.File)
		}
		if g.Split != "" && g.Split != SplitTest && g.Split != SplitTrain {
			return nil, fmt.Errorf("host: model manifest gallery %q: split %q, want \"test\" or \"train\"", g.File, g.Split)
		}
	}
	return c, nil
}

// Model returns the entry named name.
func (c *Catalog) Model(name string) (ManifestEntry, bool) {
	for _, e := range c.Models {
		if e.Name == name {
			return e, true
		}
	}
	return ManifestEntry{}, false
}

// Gallery returns a data set's gallery file of split SplitTest (its
// sample images) or SplitTrain (training images, shipped for data sets the
// browser cannot generate).
func (c *Catalog) Gallery(dataset, split string) (GalleryEntry, bool) {
	for _, g := range c.Galleries {
		if g.Dataset == dataset && (g.Split == split || g.Split == "" && split == SplitTest) {
			return g, true
		}
	}
	return GalleryEntry{}, false
}

// Default returns the model shown on first load: the Phantom baseline
// (the model that reads the laterality marker, which the app's walkthrough
// starts from), else the first baseline model, else the first model.
func (c *Catalog) Default() ManifestEntry {
	for _, e := range c.Models {
		if e.Dataset == "phantom" && e.Method == "baseline" {
			return e
		}
	}
	for _, e := range c.Models {
		if e.Method == "baseline" {
			return e
		}
	}
	return c.Models[0]
}

// Baseline returns the baseline model of a data set, else its first model.
func (c *Catalog) Baseline(dataset string) (ManifestEntry, bool) {
	var first *ManifestEntry
	for i, e := range c.Models {
		if e.Dataset != dataset {
			continue
		}
		if e.Method == "baseline" {
			return e, true
		}
		if first == nil {
			first = &c.Models[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return ManifestEntry{}, false
}

// Datasets lists the data sets of the models, in manifest order.
func (c *Catalog) Datasets() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range c.Models {
		if e.Dataset != "" && !seen[e.Dataset] {
			seen[e.Dataset] = true
			out = append(out, e.Dataset)
		}
	}
	return out
}
