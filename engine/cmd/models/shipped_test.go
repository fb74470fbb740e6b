package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

const shipped = "../../../assets/models"

// TestShippedModels loads every model in assets/models/manifest.json,
// re-measures it on its data set's test split and checks the manifest's
// numbers and the story they tell: the baseline fits its training split yet
// fails on the test split, where the shortcut is reversed or made
// meaningless, and the mask-trained model does better there.
func TestShippedModels(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(shipped, "manifest.json"))
	if err != nil {
		t.Fatalf("reading the manifest (run make models): %v", err)
	}
	man, err := model.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Models) == 0 || len(man.Galleries) == 0 {
		t.Fatal("the manifest lists no models or no galleries")
	}
	splits := map[string]data.Splits{}
	measured := map[string]model.Scores{} // re-measured test scores by model name
	trainAccs := map[string]float64{}
	nets := map[string]*nn.Network{}
	for _, e := range man.Models {
		t.Run(e.Name, func(t *testing.T) {
			ds, ok := datasets.Lookup(e.Dataset)
			if !ok {
				t.Fatalf("unknown data set %q", e.Dataset)
			}
			sp, ok := splits[e.Dataset]
			if !ok {
				sp, err = ds.Splits(int64(e.Seed), nil)
				if err != nil {
					t.Skipf("data set %s unavailable here: %v", e.Dataset, err)
				}
				splits[e.Dataset] = sp
			}
			arch, err := os.ReadFile(filepath.Join(shipped, e.Arch))
			if err != nil {
				t.Fatal(err)
			}
			weights, err := os.ReadFile(filepath.Join(shipped, e.Weights))
			if err != nil {
				t.Fatal(err)
			}
			if len(arch)+len(weights) > 500<<10 {
				t.Errorf("model files take %d bytes, want under 500 KB", len(arch)+len(weights))
			}
			net, err := model.Load(arch, weights)
			if err != nil {
				t.Fatal(err)
			}
			test := train.Evaluate(net, sp.Test, 64)
			trainAcc := train.Evaluate(net, sp.Train, 64).Accuracy
			agree, err := lab.MeanAgreement(context.Background(), net, sp.Test, ds.Positive, saliency.Gradient, saliency.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"test AUC", test.AUC, e.Test.AUC}, {"test accuracy", test.Accuracy, e.Test.Accuracy}, {"IoU", agree.IoU, e.Test.IoU}, {"relevance mass", agree.RelevanceMass, e.Test.Mass}, {"train accuracy", trainAcc, e.TrainAcc}} {
				if math.Abs(c.got-c.want) > 1e-3 {
					t.Errorf("%s re-measured as %.4f, manifest says %.4f", c.name, c.got, c.want)
				}
			}
			measured[e.Name] = model.Scores{AUC: test.AUC, Accuracy: test.Accuracy}
			nets[e.Name] = net
			trainAccs[e.Name] = trainAcc
		})
	}
	// The story each data set's pair tells: the baseline fits its training
	// split yet fails where the shortcut stops telling the truth, and the
	// mask-trained model does better there.
	for _, e := range man.Models {
		if train.Method(e.Method) == train.Baseline {
			continue
		}
		ds, _ := datasets.Lookup(e.Dataset)
		base, ok := measured[e.Dataset+"-"+string(train.Baseline)]
		got, ok2 := measured[e.Name]
		if !ok || !ok2 {
			continue // skipped above (data set unavailable) or failed to load
		}
		baseTrain := trainAccs[e.Dataset+"-"+string(train.Baseline)]
		if baseTrain < 0.9 || base.Accuracy > baseTrain-0.2 {
			t.Errorf("%s baseline: train accuracy %.3f, test accuracy %.3f; want ≥ 0.9 and at least 0.2 lower on test (it should read the shortcut)", e.Dataset, baseTrain, base.Accuracy)
		}
		if got.Accuracy < base.Accuracy+0.15 || got.AUC < base.AUC {
			t.Errorf("%s: test accuracy %.3f, AUC %.3f; the baseline's %.3f, %.3f; want ≥ 0.15 more accuracy and no lower AUC", e.Name, got.Accuracy, got.AUC, base.Accuracy, base.AUC)
		}
		if ds.Reversed && (base.AUC > 0.35 || got.AUC < 0.8) {
			t.Errorf("%s: the test split reverses the shortcut: baseline test AUC %.3f, want ≤ 0.35; %s %.3f, want ≥ 0.8", e.Dataset, base.AUC, e.Method, got.AUC)
		}
	}
	for _, g := range man.Galleries {
		b, err := os.ReadFile(filepath.Join(shipped, g.File))
		if err != nil {
			t.Fatal(err)
		}
		set, err := data.DecodeGallery(b)
		if err != nil {
			t.Fatalf("%s: %v", g.File, err)
		}
		if set.Len() != g.Count || len(set.ClassNames) != len(g.Classes) {
			t.Errorf("%s: %d images of %d classes, manifest says %d of %d", g.File, set.Len(), len(set.ClassNames), g.Count, len(g.Classes))
		}
		// Training images keep the shortcut the baseline learned (the
		// browser fine-tunes on them); sample images break it.
		base, ok := nets[g.Dataset+"-"+string(train.Baseline)]
		if !ok {
			continue
		}
		acc := train.Evaluate(base, set, 64).Accuracy
		want := measured[g.Dataset+"-"+string(train.Baseline)].Accuracy
		if g.Split == "train" {
			want = trainAccs[g.Dataset+"-"+string(train.Baseline)]
		}
		if math.Abs(acc-want) > 0.1 {
			t.Errorf("%s: the baseline's accuracy on it is %.3f, on its split %.3f: is it drawn from the %q split?", g.File, acc, want, g.Split)
		}
	}
}
