package host

import (
	"context"
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
// network input has 98304 values, want 24×1×28×28"). Loading, scoring,
// samples and training must give errors or no score, never panic, and the
// model that fits keeps its data.
func TestModelOfAnotherShape(t *testing.T) {
	// Crosses splits cached for a 1×28×28 model, then a 1×32×32 model that
	// says "crosses".
	h := untrained(t)
	if sp, err := h.splits(); err != nil || sp == nil {
		t.Fatalf("splits: %v, %v", sp, err)
	}
	spec32 := model.SmallCNN("crosses-32", nn.Shape{C: 1, H: 32, W: 32}, data.CrossesClassNames, [3]int{4, 4, 8})
	arch, weights := modelFiles(t, spec32, map[string]string{"dataset": "crosses"})
	checkMismatched(t, h, arch, weights)
	if !h.Activate("untrained") {
		t.Fatal("the fitting model is gone")
	}
	if sp, err := h.splits(); err != nil || sp == nil || sp.Test.H != 28 {
		t.Errorf("the fitting model's splits after the mismatched one: %v, %v", sp, err)
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
	checkMismatched(t, h, arch, weights)
}

// checkMismatched loads a model from files whose data set does not fit it
// and uses it: the calls must not panic; training and generation fail
// with a message naming the shapes.
func checkMismatched(t *testing.T, h *Host, arch, weights []byte) {
	t.Helper()
	if err := h.LoadFiles(arch, weights, Status{}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if info := h.Info(); info.Key != protocol.UserModelKey {
		t.Fatalf("the model from files is not current: %+v", info)
	}
	h.Samples(4, Status{}) // an error or samples of the data set, not a panic
	h.DatasetInfo()
	err := h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1, LR: 1e-3}, nil, nil, Status{})
	if err == nil {
		for h.Training() {
			if _, err := h.Step(); err != nil {
				break
			}
		}
		t.Errorf("training a %d×%d model on %q started", h.Info().H, h.Info().W, h.Info().Dataset)
	} else if !strings.Contains(err.Error(), "×") {
		t.Errorf("training error %q does not name the shapes", err)
	}
}
