package lab

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/train"
)

// TestCrossesShortcut runs the lab on Crosses with a fixed seed and checks
// the paper's story: the baseline fits the training split by reading the
// distractor (high training accuracy, test AUC far below chance once the
// distractor is mirrored), while training on the mask's evidence only
// (masked, shuffle) generalizes.
func TestCrossesShortcut(t *testing.T) {
	if testing.Short() {
		t.Skip("trains nine small networks; run without -short")
	}
	res, err := Execute(context.Background(), Config{
		Dataset: "crosses", Seeds: 1, Epochs: 10, IGSteps: 16,
		Methods: []train.Method{train.Baseline, train.Masked, train.Shuffle},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[train.Method]Summary{}
	for _, s := range res.Summaries {
		by[s.Method] = s
	}
	base := by[train.Baseline]
	if base.FinalTrain < 0.95 {
		t.Errorf("baseline training accuracy %.3f after the last epoch, want ≥ 0.95", base.FinalTrain)
	}
	if base.LastTestAUC > 0.3 {
		t.Errorf("baseline last-epoch test AUC %.3f, want ≤ 0.3 (it should read the mirrored distractor)", base.LastTestAUC)
	}
	if base.TestAUC > 0.5 {
		t.Errorf("baseline selected-checkpoint test AUC %.3f, want ≤ 0.5", base.TestAUC)
	}
	for _, m := range []train.Method{train.Masked, train.Shuffle} {
		if s := by[m]; !(s.TestAUC >= base.TestAUC+0.3) {
			t.Errorf("%s test AUC %.3f, want ≥ baseline %.3f + 0.3", m, s.TestAUC, base.TestAUC)
		}
	}
	for _, s := range res.Summaries {
		if math.IsNaN(s.IoUGrad) || s.IoUGrad <= 0 || s.IoUGrad > 1 || math.IsNaN(s.IoUIG) || s.IoUIG <= 0 || s.IoUIG > 1 {
			t.Errorf("%s: IoU out of (0, 1]: gradient %v, IG %v", s.Method, s.IoUGrad, s.IoUIG)
		}
		if !(s.IoUGradLP > 0 && s.IoUGradLP <= 1 && s.MassGradLP > 0 && s.MassGradLP <= 1) || s.MassGradLP == s.MassGrad {
			t.Errorf("%s: log p_c columns IoU %v, mass %v (logit's mass %v)", s.Method, s.IoUGradLP, s.MassGradLP, s.MassGrad)
		}
	}
	md := res.Markdown()
	for _, want := range []string{"| baseline |", "| masked |", "| shuffle |", "test AUC", "IoU (input gradient of log p_c)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestUnknownDataset(t *testing.T) {
	if _, err := Execute(context.Background(), Config{Dataset: "crosses", Mask: "object"}, nil); err == nil || !strings.Contains(err.Error(), "single mask") {
		t.Errorf("a mask option on Crosses: %v", err)
	}
	if _, err := Execute(context.Background(), Config{Dataset: "imagenet"}, nil); err == nil || !strings.Contains(err.Error(), "imagenet") {
		t.Errorf("error = %v, want one naming the data set", err)
	}
}

// TestDilateOption checks that -dilate reaches the training masks: side 1
// leaves them equal to the evidence masks, side 7 is Crosses' default, a
// larger side covers more pixels, and the option is refused where it does
// not apply or is not a positive odd side.
func TestDilateOption(t *testing.T) {
	ds, _ := datasets.Lookup("crosses")
	ones := func(cfg Config) int {
		t.Helper()
		d, err := withSplits(ds, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := d.Splits(3, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sp.Valid.TrainMasks, sp.Valid.Masks) || !slices.Equal(sp.Test.TrainMasks, sp.Test.Masks) {
			t.Errorf("-dilate %d changed the valid or test training masks", cfg.Dilate)
		}
		n := 0
		for _, v := range sp.Train.TrainMasks {
			if v > 0 {
				n++
			}
		}
		if cfg.Dilate == 1 && !slices.Equal(sp.Train.TrainMasks, sp.Train.Masks) {
			t.Errorf("-dilate 1: the training masks differ from the evidence masks")
		}
		return n
	}
	def, one, seven, seventeen := ones(Config{}), ones(Config{Dilate: 1}), ones(Config{Dilate: 7}), ones(Config{Dilate: 17})
	if seven != def {
		t.Errorf("-dilate 7 covers %d mask pixels, the default %d; want equal (σ = 0.8)", seven, def)
	}
	if !(one < seven && seven < seventeen) {
		t.Errorf("mask pixels for sides 1, 7, 17: %d, %d, %d; want increasing", one, seven, seventeen)
	}
	for _, cfg := range []Config{
		{Dataset: "crosses", Dilate: 4},
		{Dataset: "crosses", Dilate: -3},
		{Dataset: "phantom", Dilate: 7},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestHistory checks the per-epoch records against the run's own numbers:
// one record per epoch, the last one's train accuracy and test AUC are the
// last epoch's, the last epoch marked best is the checkpoint, and the
// penalty term is zero for the baseline and positive for RRR.
func TestHistory(t *testing.T) {
	res, err := Execute(context.Background(), Config{
		Dataset: "crosses", Seeds: 1, Epochs: 3, IGSteps: 2, History: true,
		Methods: []train.Method{train.Baseline, train.RRR},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Runs {
		if len(r.History) != 3 {
			t.Fatalf("%s: %d history records for 3 epochs", r.Method, len(r.History))
		}
		best := 0
		for i, h := range r.History {
			if h.Epoch != i+1 || !(h.CE > 0) || !(h.ValidLoss > 0) {
				t.Errorf("%s: record %d = %+v", r.Method, i, h)
			}
			if h.Best {
				best = h.Epoch
			}
			if r.Method == train.Baseline && h.Penalty != 0 || r.Method == train.RRR && !(h.Penalty > 0) {
				t.Errorf("%s epoch %d: penalty %v", r.Method, h.Epoch, h.Penalty)
			}
		}
		last := r.History[2]
		if last.TrainAcc != r.FinalTrain || last.TestAUC != r.LastTestAUC {
			t.Errorf("%s: last record train acc %v, test AUC %v; the run's last epoch %v, %v", r.Method, last.TrainAcc, last.TestAUC, r.FinalTrain, r.LastTestAUC)
		}
		if best != r.BestEpoch {
			t.Errorf("%s: last epoch marked best %d, checkpoint %d", r.Method, best, r.BestEpoch)
		}
	}
}

// TestNTrainOption checks that -ntrain sets the number of Decoy training
// images, keeps the mask option, and is refused on Crosses.
func TestNTrainOption(t *testing.T) {
	for _, cfg := range []Config{{Dataset: "crosses", NTrain: 100}, {Dataset: "decoy-mnist", NTrain: -5}} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	cr, _ := datasets.Lookup("crosses")
	if _, err := withSplits(cr, Config{NTrain: 100}); err == nil {
		t.Errorf("-ntrain on Crosses: no error")
	}
	if testing.Short() {
		t.Skip("reads the MNIST cache")
	}
	dir := data.DefaultDatasetDir()
	if _, err := os.Stat(filepath.Join(dir, "mnist")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("run make data: %v", err)
		}
		t.Skipf("run make data: %v", err)
	}
	ds, _ := datasets.Lookup("decoy-mnist")
	for _, mask := range []string{"", "object"} {
		d, err := withSplits(ds, Config{NTrain: 300, Mask: mask})
		if err != nil {
			t.Fatal(err)
		}
		sp, err := d.Splits(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		ones := 0
		for _, v := range sp.Train.Masks[:28*28] {
			if v > 0 {
				ones++
			}
		}
		if sp.Train.Len() != 300 || sp.Test.Len() != 2000 {
			t.Errorf("mask %q: %d training and %d test images, want 300 and 2000", mask, sp.Train.Len(), sp.Test.Len())
		}
		if want := 28*28 - 16; (mask == "") != (ones == want) {
			t.Errorf("mask %q: the first mask has %d pixels (the swatch mask has %d)", mask, ones, want)
		}
	}
}
