package lab

import (
	"os"
	"path/filepath"
	"testing"

	"saliencyexplorer/engine/data"
)

// TestDatasetsFitTheirNetworks builds each built-in data set's splits and
// checks that they match its network's input and classes. The decoy sets
// need the cache from `make data`: without it they are skipped, except
// under CI=true, where that is a failure.
func TestDatasetsFitTheirNetworks(t *testing.T) {
	for _, name := range []string{"crosses", "phantom", "decoy-mnist", "decoy-fashion"} {
		ds, ok := Datasets()[name]
		if !ok {
			t.Errorf("Datasets() has no %q", name)
			continue
		}
		if ds.Name != name || ds.Epochs <= 0 || ds.LR <= 0 || ds.BatchSize <= 0 || ds.Positive == nil {
			t.Errorf("%s: incomplete defaults %+v", name, ds)
		}
		spec := ds.Spec()
		if err := spec.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "decoy-mnist" || name == "decoy-fashion" {
			if testing.Short() {
				continue // reading 70k images is slow under wasm; the native suite checks them
			}
			dir := data.DefaultDatasetDir()
			if _, err := os.Stat(filepath.Join(dir, data.DecoyKinds[name[len("decoy-"):]])); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s: run make data: %v (CI=true requires the cache)", name, err)
				}
				t.Logf("%s: skipped, run make data: %v", name, err)
				continue
			}
		}
		sp, err := ds.Splits(1)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, s := range []*data.Set{sp.Train, sp.Valid, sp.Test} {
			if s.C != spec.Input.C || s.H != spec.Input.H || s.W != spec.Input.W || len(s.ClassNames) != len(spec.Classes) {
				t.Errorf("%s: %s is %d×%d×%d with %d classes; the network takes %v with %d", name, s.Name, s.C, s.H, s.W, len(s.ClassNames), spec.Input, len(spec.Classes))
			}
		}
		t.Logf("%s: %d/%d/%d images", name, sp.Train.Len(), sp.Valid.Len(), sp.Test.Len())
		if ds.SplitsWithMask == nil {
			continue
		}
		// The other mask option gives the same images with other masks:
		// the object (the digit or garment) instead of all but the swatch.
		obj, err := ds.SplitsWithMask(1, "object")
		if err != nil {
			t.Errorf("%s, object masks: %v", name, err)
			continue
		}
		area := func(m []float32) (n int) {
			for _, v := range m {
				if v > 0.5 {
					n++
				}
			}
			return n
		}
		if obj.Test.Len() != sp.Test.Len() || obj.Test.Images[0] != sp.Test.Images[0] || !(5*area(obj.Test.Masks) < 4*area(sp.Test.Masks)) || area(obj.Train.TrainMasks) == 0 {
			t.Errorf("%s: object masks cover %d test pixels, swatch masks %d", name, area(obj.Test.Masks), area(sp.Test.Masks))
		}
	}
}
