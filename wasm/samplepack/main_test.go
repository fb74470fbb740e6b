//go:build !js

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/wasm/host"
)

// TestRun writes the pack of the test-split gallery the manifest lists
// (the one the app shows), equal to host.SamplePack's, and none for a
// training gallery; a gallery file that is not one fails the run.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	sp, err := data.Phantom(data.PhantomConfig{Size: 64, NTrain: 3, NValid: 1, NTest: 5, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.EncodeGallery(sp.Test)
	if err != nil {
		t.Fatal(err)
	}
	train, err := data.EncodeGallery(sp.Train)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"manifest.json": []byte(`{"models":[],"galleries":[{"dataset":"phantom","file":"p-samples.safetensors","count":5},
			{"dataset":"phantom","split":"train","file":"p-train.safetensors","count":3}]}`),
		"p-samples.safetensors": test,
		"p-train.safetensors":   train,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := run(dir)
	if err != nil || n != 1 {
		t.Fatalf("run: %d packs, %v; want 1", n, err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "p-samples.pack.bin"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := host.SamplePack("phantom", test)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the pack written (%d bytes) is not host.SamplePack's (%d bytes)", len(got), len(want))
	}
	if _, err := os.Stat(filepath.Join(dir, "p-train.pack.bin")); err == nil {
		t.Errorf("a pack was written for the training gallery")
	}

	if err := os.WriteFile(filepath.Join(dir, "p-samples.safetensors"), []byte("not a gallery"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(dir); err == nil {
		t.Errorf("a broken gallery file gave no error")
	}
}
