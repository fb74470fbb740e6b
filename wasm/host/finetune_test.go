package host

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// shippedDir is the site's source folder: models/ holds the models and
// galleries it ships.
const shippedDir = "../../assets"

// TestFineTuneShippedDecoy runs what a person does in the app on the Decoy
// sets: open the shipped baseline (which reads the corner swatch), then
// fine-tune it in the browser on the shipped training images, where the
// swatch still gives the label away. Three epochs of Right for the Right
// Reasons (the data set's suggested λ and learning rate) must raise the
// accuracy on the sample gallery, where the swatch's shade is random, by
// at least 0.1, while three epochs of the baseline objective must not.
func TestFineTuneShippedDecoy(t *testing.T) {
	for _, ds := range []string{"decoy-mnist", "decoy-fashion"} {
		t.Run(ds, func(t *testing.T) { fineTuneShipped(t, ds, ds == "decoy-mnist") })
	}
}

func fineTuneShipped(t *testing.T, ds string, withBaseline bool) {
	fetch := func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(shippedDir, path)) }
	if _, err := fetch("models/manifest.json"); err != nil {
		t.Fatalf("no shipped manifest (run make models): %v", err)
	}
	open := func() *Host {
		h := New(fetch)
		if err := h.Start(context.Background(), protocol.SelectRequest{Model: ds + "-baseline"}, Status{}); err != nil {
			t.Fatal(err)
		}
		if h.Info().Key != ds+"-baseline" {
			t.Fatalf("the manifest lists no %s-baseline (run make models)", ds)
		}
		return h
	}
	tune := func(method string) (before, after float64) {
		h := open()
		di := h.DatasetInfo()
		before = train.Evaluate(h.cur.orig, h.datasetFor(h.cur).gallery, 64).Accuracy
		req := protocol.TrainRequest{Method: method, Lambda: di.Lambda[method], LR: di.LR, Epochs: 3}
		if err := h.StartTraining(req, nil, nil, Status{}); err != nil {
			t.Fatal(err)
		}
		for h.Training() {
			if _, err := h.Step(); err != nil {
				t.Fatal(err)
			}
		}
		after = train.Evaluate(h.cur.tuned, h.datasetFor(h.cur).gallery, 64).Accuracy
		t.Logf("%s (λ %g, lr %g, 3 epochs): sample accuracy %.3f → %.3f", method, req.Lambda, req.LR, before, after)
		return before, after
	}
	if b, a := tune("rrr"); a < b+0.1 {
		t.Errorf("RRR fine-tuning: sample accuracy %.3f → %.3f; want a gain of at least 0.1", b, a)
	}
	if !withBaseline {
		return
	}
	if b, a := tune("baseline"); a > b+0.05 {
		t.Errorf("baseline fine-tuning: sample accuracy %.3f → %.3f; the swatch should keep fooling it", b, a)
	}
}
