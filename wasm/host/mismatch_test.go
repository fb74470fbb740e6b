package host

import (
	"context"
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// TestModelOfAnotherShape loads models whose metadata names a data set of
// another shape after that data set's splits or gallery were cached for a
// model that fits it (issue #10: scoring such a model panicked with "nn:
// network input has 98304 values, want 24×1×28×28"). A data set the
// browser generates has a known shape, so such a model is refused at
// loading with a message naming both shapes, and the current model stays;
// for a data set known only by its gallery, the model loads, and scoring,
// samples and training give errors or no score, never a panic. The model
// that fits keeps its data either way.
func TestModelOfAnotherShape(t *testing.T) {
	// Crosses splits cached for a 1×28×28 model, then a 1×32×32 model that
	// says "crosses".
	h := untrained(t)
	if sp, err := h.splits(); err != nil || sp == nil {
		t.Fatalf("splits: %v, %v", sp, err)
	}
	spec32 := model.SmallCNN("crosses-32", nn.Shape{C: 1, H: 32, W: 32}, data.CrossesClassNames, [3]int{4, 4, 8})
	arch, weights := modelFiles(t, spec32, map[string]string{"dataset": "crosses"})
	refused(t, h, arch, weights, "1×32×32", "1×28×28")
	if sp, err := h.splits(); err != nil || sp == nil || sp.Test.H != 28 {
		t.Errorf("the fitting model's splits after the refused one: %v, %v", sp, err)
	}

	// A Phantom gallery cached for a 1×64×64 model, then a 1×28×28 model
	// that says "phantom".
	h = New(newSite(t).fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if ds := h.current(); ds.gallery == nil {
		t.Fatalf("the Phantom gallery was not read: %v", ds.galleryErr)
	}
	arch, weights = modelFiles(t, model.CrossesCNN(), map[string]string{"dataset": "phantom"})
	refused(t, h, arch, weights, "1×28×28", "1×64×64")

	// The Decoy MNIST gallery (1×28×28) read for a model that fits it, then
	// a 1×32×32 model that says "decoy-mnist": it loads, gets no score and
	// cannot train on the gallery.
	h = New(newSite(t).fetch)
	if err := h.Start(context.Background(), protocol.SelectRequest{Model: "decoy-mnist-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if ds := h.current(); ds.gallery == nil {
		t.Fatalf("the Decoy MNIST gallery was not read: %v", ds.galleryErr)
	}
	arch, weights = modelFiles(t, spec32, map[string]string{"dataset": "decoy-mnist"})
	if err := h.LoadFiles(arch, weights, Status{}); err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	info := h.Info()
	if info.Key != protocol.UserModelKey || !math.IsNaN(info.TestAUC) {
		t.Errorf("the 1×32×32 model: %+v", info)
	}
	h.Samples(4, Status{}) // samples or an error, not a panic
	h.DatasetInfo()
	if err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, LR: 1e-3}, nil, nil, Status{}); err == nil {
		t.Errorf("training a 1×32×32 model on the 1×28×28 Decoy MNIST images started")
	}
	if !h.Activate("decoy-mnist-baseline") || h.current().gallery == nil {
		t.Errorf("the fitting model lost its gallery")
	}
}

// refused loads a model from files whose data set does not fit it: the
// error names both shapes and the current model stays current.
func refused(t *testing.T, h *Host, arch, weights []byte, shapes ...string) {
	t.Helper()
	before := h.Info().Key
	err := h.LoadFiles(arch, weights, Status{})
	if err == nil {
		t.Fatalf("a model of another shape than its data set loaded: %+v", h.Info())
	}
	for _, s := range shapes {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the error %q does not name %s", err, s)
		}
	}
	if got := h.Info().Key; got != before {
		t.Errorf("after the refused model the current model is %q, want %q", got, before)
	}
}
