package protocol

import (
	"math"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	h := &Header{ID: 7, Kind: Update, Update: &TrainUpdate{State: StateRunning, Loss: math.NaN(), EpochEnd: &EpochReport{Epoch: 1, ValidAUC: math.Inf(1), MeanIoU: 0.25}}}
	b, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7 || got.Kind != Update || got.Update.Loss != -1 || got.Update.EpochEnd.ValidAUC != -1 || got.Update.EpochEnd.MeanIoU != 0.25 {
		t.Errorf("round trip gave %+v %+v", got, got.Update)
	}
	if _, err := Unmarshal([]byte(`{"id":1}`)); err == nil {
		t.Errorf("Unmarshal accepted a message without a kind")
	}
	if _, err := Unmarshal([]byte(`{`)); err == nil {
		t.Errorf("Unmarshal accepted bad JSON")
	}
}

func TestFloats(t *testing.T) {
	x := []float32{0, -1.5, float32(math.Inf(1)), 3e-8}
	got, err := Floats(FloatBytes(x), len(x))
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if got[i] != x[i] {
			t.Errorf("got[%d] = %v, want %v", i, got[i], x[i])
		}
	}
	if _, err := Floats([]byte{1, 2, 3}, -1); err == nil {
		t.Errorf("Floats accepted 3 bytes")
	}
	if _, err := Floats(make([]byte, 8), 3); err == nil {
		t.Errorf("Floats accepted 2 values when 3 were wanted")
	}
}

// TestRegistryAndPicture checks that a Ready message's registry and a
// request's picture key survive encoding, and that a message of the older
// protocol (no registry, no picture) still decodes.
func TestRegistryAndPicture(t *testing.T) {
	h := &Header{ID: 3, Kind: Ready, Registry: &Registry{
		Methods:    []MethodInfo{{ID: "integrated", Label: "Integrated Gradients", Help: "h", Split: true, Default: 32}},
		Objectives: []ObjectiveInfo{{ID: "rrr", Label: "RRR", Help: "h", Penalty: true}},
		Datasets:   []DatasetInfo{{Name: "phantom", Title: "Phantom", LR: 2e-3, Lambda: map[string]float64{"rrr": 10}}},
	}}
	b, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Registry
	if r == nil || len(r.Methods) != 1 || !r.Methods[0].Split || r.Methods[0].Default != 32 || !r.Objectives[0].Penalty || r.Datasets[0].Lambda["rrr"] != 10 {
		t.Errorf("registry after a round trip: %+v", r)
	}
	p, err := Marshal(&Header{ID: 4, Kind: Saliency, Picture: "file-ab12", Saliency: &SaliencyRequest{Method: "gradient"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Unmarshal(p); err != nil || got.Picture != "file-ab12" {
		t.Errorf("picture key after a round trip: %+v, %v", got, err)
	}
	old, err := Unmarshal([]byte(`{"id":5,"kind":"saliency","saliency":{"method":"gradient","model":"original","class":1}}`))
	if err != nil || old.Picture != "" || old.Registry != nil || old.Saliency.Class != 1 {
		t.Errorf("an older request: %+v, %v", old, err)
	}
}

// TestCheckReportNaN: a check's NaN correlation (a constant map) and AUC
// travel as null and come back as NaN, not as an error or as -1 (a real
// correlation); finite values come back as they were.
func TestCheckReportNaN(t *testing.T) {
	nan := MaybeFloat(math.NaN())
	h := &Header{ID: 4, Kind: Result, Checked: &CheckReport{
		Method: "gradient", Class: 1, Units: 2, MapH: 2, MapW: 3, Steps: 2,
		Layers:   []CheckLayer{{Name: "6 linear", Kind: "linear", Spearman: -0.25, SSIM: 0.5}, {Name: "0 conv", Spearman: nan, SSIM: nan}},
		Deletion: []MaybeFloat{0.9, nan, 0.1}, DeletionAUC: nan, InsertionAUC: 0.75,
	}}
	b, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"spearman":null`) || !strings.Contains(string(b), `"deletionAUC":null`) {
		t.Errorf("NaN not written as null: %s", b)
	}
	back, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	c := back.Checked
	if c == nil || len(c.Layers) != 2 || c.Layers[0].Spearman != -0.25 || c.Layers[0].SSIM != 0.5 || c.Layers[0].Name != "6 linear" ||
		!math.IsNaN(float64(c.Layers[1].Spearman)) || !math.IsNaN(float64(c.DeletionAUC)) || c.InsertionAUC != 0.75 ||
		len(c.Deletion) != 3 || c.Deletion[0] != 0.9 || !math.IsNaN(float64(c.Deletion[1])) || c.MapW != 3 || c.Steps != 2 {
		t.Errorf("read back as %+v", c)
	}
}

// TestPredictedClassRoundTrip: a request for the predicted class keeps its
// negative class through JSON (not read back as class 0), and a map's
// reply says which class it explains, class 0 included.
func TestPredictedClassRoundTrip(t *testing.T) {
	b, err := Marshal(&Header{ID: 6, Kind: Saliency, Saliency: &SaliencyRequest{Method: "gradient", Class: PredictedClass}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil || got.Saliency == nil || got.Saliency.Class != PredictedClass {
		t.Fatalf("request read back as %+v, %v", got, err)
	}
	for _, c := range []int{0, 3} {
		b, err := Marshal(&Header{ID: 6, Kind: Result, Map: &MapInfo{H: 2, W: 2, Class: c}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unmarshal(b)
		if err != nil || got.Map == nil || got.Map.Class != c || !strings.Contains(string(b), `"class":`) {
			t.Errorf("map of class %d read back as %+v, %v (%s)", c, got.Map, err, b)
		}
	}
}
