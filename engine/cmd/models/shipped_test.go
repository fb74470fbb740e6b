package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

const shipped = "../../../assets/models"

// TestShippedModels loads every model in assets/models/manifest.json,
// re-measures it on its data set's test split and checks the manifest's
// numbers and the story they tell: the baseline fits its training split yet
// fails on the split where the shortcut is reversed, and the mask-trained
// model does not.
func TestShippedModels(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(shipped, "manifest.json"))
	if err != nil {
		t.Fatalf("reading the manifest (run make models): %v", err)
	}
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Models) == 0 || len(man.Galleries) == 0 {
		t.Fatal("the manifest lists no models or no galleries")
	}
	splits := map[string]data.Splits{}
	for _, e := range man.Models {
		t.Run(e.Name, func(t *testing.T) {
			ds, ok := lab.Datasets()[e.Dataset]
			if !ok {
				t.Fatalf("unknown data set %q", e.Dataset)
			}
			sp, ok := splits[e.Dataset]
			if !ok {
				sp, err = ds.Splits(int64(e.Seed))
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
			iou, err := lab.MeanIoU(context.Background(), net, sp.Test, ds.Positive, saliency.Gradient, saliency.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"test AUC", test.AUC, e.Test.AUC}, {"test accuracy", test.Accuracy, e.Test.Accuracy}, {"IoU", iou, e.Test.IoU}, {"train accuracy", trainAcc, e.TrainAcc}} {
				if math.Abs(c.got-c.want) > 1e-3 {
					t.Errorf("%s re-measured as %.4f, manifest says %.4f", c.name, c.got, c.want)
				}
			}
			switch train.Method(e.Method) {
			case train.Baseline:
				if trainAcc < 0.9 || test.AUC > 0.35 {
					t.Errorf("baseline: train accuracy %.3f, test AUC %.3f; want ≥ 0.9 and ≤ 0.35 (it should read the shortcut)", trainAcc, test.AUC)
				}
			default:
				if test.AUC < 0.8 {
					t.Errorf("%s: test AUC %.3f, want ≥ 0.8", e.Method, test.AUC)
				}
			}
		})
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
	}
}
