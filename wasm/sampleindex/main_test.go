//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func TestRun(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(in, "dicom"), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 300, 150)))
	files := map[string][]byte{
		"film.png":         buf.Bytes(),
		"dicom/broken.dcm": append(make([]byte, 128), "DICMgarbage"...),
		"notes.txt":        []byte("not an image"),
		"SOURCES.md":       []byte("| file | package | path | licence | what it is |\n|---|---|---|---|---|\n| `film.png` | made here | - | CC0 | a blank film |\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx protocol.RealIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Images) != 2 {
		t.Fatalf("index lists %d images: %s", len(idx.Images), b)
	}
	film, broken := idx.Images[0], idx.Images[1]
	if film.File != "film.png" || !film.Supported || film.Width != 300 || film.Height != 150 || film.About != "a blank film" ||
		!strings.Contains(film.Source, "CC0") || film.Thumb == "" {
		t.Errorf("film entry %+v", film)
	}
	if broken.File != "dicom/broken.dcm" || broken.Supported || broken.Problem == "" || broken.Thumb != "" || broken.Title != "broken" {
		t.Errorf("broken entry %+v", broken)
	}
	th, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(film.Thumb)))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(th))
	if err != nil || cfg.Width != thumbSide || cfg.Height != thumbSide/2 {
		t.Errorf("thumbnail %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	if _, err := os.Stat(filepath.Join(out, "dicom", "broken.dcm")); err != nil {
		t.Errorf("the file was not copied: %v", err)
	}
	// A missing folder gives an empty index.
	if err := run(filepath.Join(in, "none"), out); err != nil {
		t.Fatal(err)
	}
}
