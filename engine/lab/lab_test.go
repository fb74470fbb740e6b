package lab

import (
	"context"
	"math"
	"strings"
	"testing"

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
