//go:build !js

// Command samplepack writes, beside each sample gallery that a built
// site's models/manifest.json lists (the test split, which the app shows),
// its sample pack (host.SamplePack): the samples' keys, PNGs and mask PNGs
// that the engine worker would otherwise make at every start (issue #12,
// docs/performance.md "First load").
//
// Usage:
//
//	go run ./wasm/samplepack -models server/site/models
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/wasm/host"
)

func main() {
	dir := flag.String("models", "server/site/models", "the built site's models folder (with manifest.json)")
	flag.Parse()
	n, err := run(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "samplepack:", err)
		os.Exit(1)
	}
	fmt.Printf("samplepack: %d sample packs in %s\n", n, *dir)
}

// run writes the sample pack of every test-split gallery that dir's
// manifest lists, and returns how many it wrote.
func run(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return 0, err
	}
	// Only the galleries are read: a site without models (a manifest
	// listing none, which model.ParseManifest refuses) has no packs to make.
	var m struct {
		Galleries []model.GalleryEntry `json:"galleries"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, fmt.Errorf("manifest.json: %w", err)
	}
	n := 0
	for _, g := range m.Galleries {
		if !g.Holds(model.SplitTest) {
			continue
		}
		if !filepath.IsLocal(g.File) {
			return n, fmt.Errorf("manifest.json: gallery file %q is outside the models folder", g.File)
		}
		gal, err := os.ReadFile(filepath.Join(dir, g.File))
		if err != nil {
			return n, err
		}
		p, err := host.SamplePack(g.Dataset, gal)
		if err != nil {
			return n, fmt.Errorf("%s: %w", g.File, err)
		}
		if err := os.WriteFile(filepath.Join(dir, host.SamplePackName(g.File)), p, 0o644); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
