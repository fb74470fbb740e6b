package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/train"
)

// TestDatasetsFitTheirNetworks builds each built-in data set's splits and
// checks that they match its network's input and classes. The decoy sets
// need the cache from `make data`: without it they are skipped, except
// under CI=true, where that is a failure.
func TestDatasetsFitTheirNetworks(t *testing.T) {
	for _, name := range []string{"crosses", "phantom", "decoy-mnist", "decoy-fashion"} {
		ds, ok := Lookup(name)
		if !ok {
			t.Errorf("no data set %q", name)
			continue
		}
		if ds.Name != name || ds.Title == "" || ds.Noun == "" || ds.Images == "" || ds.Shortcut == "" || ds.Shift == "" || ds.Epochs <= 0 || ds.LR <= 0 || ds.BatchSize <= 0 || ds.Positive == nil {
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
		sp, err := ds.Splits(1, nil)
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

// TestPhantomInParts checks that generating the Phantom splits one at a
// time gives the splits of one data.Phantom call.
func TestPhantomInParts(t *testing.T) {
	cfg := data.PhantomConfig{Size: 48, NTrain: 6, NValid: 4, NTest: 3, Seed: 5}
	want, err := data.Phantom(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var calls []int
	got, err := PhantomInParts(cfg, func(done, total int) { calls = append(calls, done*10+total) })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(calls) != "[13 23 33]" {
		t.Errorf("progress calls %v", calls)
	}
	for i, pair := range [][2]*data.Set{{got.Train, want.Train}, {got.Valid, want.Valid}, {got.Test, want.Test}} {
		g, w := pair[0], pair[1]
		if g.Len() != w.Len() || !slices.Equal(g.Images, w.Images) || !slices.Equal(g.TrainMasks, w.TrainMasks) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("split %d differs from data.Phantom's", i)
		}
	}
}

// TestRegistry checks what the app reads from the list: unique names,
// every penalized objective has a λ on every data set (so the app never
// suggests a stale one), the fine-tuning λ prefers TuneLambda, and each
// drawn data set's network is recognized as belonging to it.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range All() {
		for _, n := range append([]string{d.Name}, d.Aliases...) {
			if seen[n] {
				t.Errorf("name %q used twice", n)
			}
			seen[n] = true
			if got, ok := Lookup(n); !ok || got.Name != d.Name {
				t.Errorf("Lookup(%q) = %q, %v", n, got.Name, ok)
			}
		}
		if Title(d.Name) != d.Title || Shift(d.Name) != d.Shift {
			t.Errorf("%s: Title %q, Shift %q", d.Name, Title(d.Name), Shift(d.Name))
		}
		for _, o := range train.MethodInfos() {
			l, ok := d.FineTuneLambda(o.Method)
			if o.Penalty != ok || ok && !(l > 0) {
				t.Errorf("%s: fine-tuning λ for %s = %v, %v; want one exactly for the penalized objectives", d.Name, o.Method, l, ok)
			}
			if tl, ok := d.TuneLambda[o.Method]; ok && tl != l {
				t.Errorf("%s: fine-tuning λ for %s = %v, want TuneLambda's %v", d.Name, o.Method, l, tl)
			}
		}
		if d.Drawn {
			s := d.Spec()
			if got := Guess(s.Input.C, s.Input.H, s.Input.W, s.Classes); got != d.Name {
				t.Errorf("Guess of the %s network = %q", d.Name, got)
			}
		}
	}
	if got := Guess(1, 28, 28, []string{"a", "b"}); got != "crosses" {
		t.Errorf("Guess of a two-class 28×28 network = %q, want crosses by its shape", got)
	}
	if got := Guess(3, 28, 28, []string{"a", "b"}); got != "" {
		t.Errorf("Guess of a colour network = %q, want none", got)
	}
	if _, ok := Lookup(Default); !ok {
		t.Errorf("the default data set %q is not listed", Default)
	}
	if Title("") == "" || Title("own") != "own" {
		t.Errorf("Title of unknown names: %q, %q", Title(""), Title("own"))
	}
}

// TestCrossesDilation checks Crosses' dilation option: side 7 is the
// default split (σ = 0.8), and a side that is not a positive odd number is
// an error.
func TestCrossesDilation(t *testing.T) {
	ds, _ := Lookup("crosses")
	got, err := ds.SplitsWithDilation(5, 7)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ds.Splits(5, nil)
	if !slices.Equal(got.Train.TrainMasks, want.Train.TrainMasks) || !slices.Equal(got.Train.Images, want.Train.Images) {
		t.Errorf("side 7 differs from the default split")
	}
	for _, side := range []int{0, 4, -1} {
		if _, err := ds.SplitsWithDilation(5, side); err == nil {
			t.Errorf("side %d: no error", side)
		}
	}
}

// TestPhantomDrawerEntry checks that the Phantom entry's Drawer, drawing a
// few films at a time, ends with the splits of its Splits.
func TestPhantomDrawerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("draws the full set twice")
	}
	d, ok := Lookup("phantom")
	if !ok || d.Drawer == nil {
		t.Fatal("phantom has no Drawer")
	}
	want, err := d.Splits(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	dr, err := d.Drawer(3)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		dr.Draw(17)
	}
	if done, total := dr.Progress(); done != 170 || total != want.Train.Len()+want.Valid.Len()+want.Test.Len() {
		t.Errorf("Progress after 10 draws of 17: %d of %d", done, total)
	}
	got, err := dr.Splits()
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2]*data.Set{{got.Train, want.Train}, {got.Valid, want.Valid}, {got.Test, want.Test}} {
		g, w := pair[0], pair[1]
		if g.Len() != w.Len() || !slices.Equal(g.Images, w.Images) || !slices.Equal(g.Masks, w.Masks) || !slices.Equal(g.TrainMasks, w.TrainMasks) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("split %d differs from Splits'", i)
		}
	}
}
