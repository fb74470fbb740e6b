package lab

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/train"
)

// TestJSONNaN: a result holding NaN and infinite measurements (a diverged
// run's AUC, an empty sanity average) must write as JSON, with null in
// their place, and read back with NaN there and every other value as it
// was; Merge of the read-back result must still work.
func TestJSONNaN(t *testing.T) {
	nan := math.NaN()
	res := &Result{
		Dataset: "crosses",
		Config:  Config{Dataset: "crosses", Seeds: 1, Methods: []train.Method{train.Baseline}},
		Runs: []Run{{Method: train.Baseline, Seed: 3, Lambda: 1, TestAUC: nan, TestAcc: 0.5, IoUGrad: math.Inf(1),
			Diverged: "loss is NaN",
			Sanity:   &Sanity{Layers: []string{"9 linear", "0 conv"}, Spearman: []float64{0.25, nan}, SSIM: []float64{0.5, 0.125}, DeletionRandom: nan, InsertionGrad: 0.75}}},
	}
	res.Summaries = []Summary{summarize(train.Baseline, 1, res.Runs)}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatalf("writing a result with NaN: %v", err)
	}
	text := string(b)
	for _, want := range []string{`"test_auc": null`, `"iou_gradient": null`, `"TestAUC": null`, `"spearman": [`, `"DeletionRandom": null`, `"test_accuracy": 0.5`, `"diverged": "loss is NaN"`} {
		if !strings.Contains(text, want) {
			t.Errorf("JSON lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, "NaN") && !strings.Contains(text, "loss is NaN") {
		t.Errorf("JSON spells NaN:\n%s", text)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("reading it back: %v", err)
	}
	r := back.Runs[0]
	if !math.IsNaN(r.TestAUC) || !math.IsNaN(r.IoUGrad) || r.TestAcc != 0.5 || r.Seed != 3 || r.Diverged != "loss is NaN" || r.Method != train.Baseline {
		t.Errorf("run read back as %+v", r)
	}
	z := r.Sanity
	if z == nil || len(z.Spearman) != 2 || z.Spearman[0] != 0.25 || !math.IsNaN(z.Spearman[1]) || z.SSIM[1] != 0.125 ||
		!math.IsNaN(z.DeletionRandom) || z.InsertionGrad != 0.75 || z.Layers[1] != "0 conv" {
		t.Errorf("sanity read back as %+v", z)
	}
	if s := back.Summaries[0]; !math.IsNaN(s.TestAUC) || s.TestAcc != 0.5 || s.Seeds != 1 || s.Sanity == nil || !math.IsNaN(s.Sanity.Spearman[1]) {
		t.Errorf("summary read back as %+v", s)
	}
	if _, err := Merge([]*Result{&back}); err != nil {
		t.Errorf("merging the read-back result: %v", err)
	}
}
