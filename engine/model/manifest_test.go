package model

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	good := []string{
		`[{"name":"a","arch":"a.json","weights":"a.safetensors"}]`,
		`{"models":[{"name":"a","arch":"a.json","weights":"a.safetensors","test":{"auc":0.9}}]}`,
		`{"models":[{"name":"a","dataset":"crosses","arch":"a.json","weights":"a.safetensors","input":[1,28,28]}],"galleries":[{"dataset":"crosses","file":"crosses-samples.safetensors","count":24}]}`,
		`{"models":[{"name":"a","arch":"a","weights":"w"}],"galleries":[{"dataset":"x","split":"train","file":"x-train.safetensors"},{"dataset":"x","split":"test","file":"x-samples.safetensors"}]}`,
	}
	for _, s := range good {
		if _, err := ParseManifest([]byte(s)); err != nil {
			t.Errorf("ParseManifest(%s): %v", s, err)
		}
	}
	bad := []string{`[]`, `{`, `[{"name":"a"}]`, `[{"arch":"../x.json","weights":"w"}]`, `[{"arch":"http://x/a","weights":"w"}]`,
		`[{"name":"a","arch":"a","weights":"w"},{"name":"a","arch":"b","weights":"w"}]`,
		`[{"name":"a","arch":"a","weights":"w","input":[28,28]}]`,
		`{"models":[{"name":"a","arch":"a","weights":"w"}],"galleries":[{"dataset":"x","file":"../g"}]}`,
		`{"models":[{"name":"a","arch":"a","weights":"w"}],"galleries":[{"dataset":"x","split":"valid","file":"g"}]}`}
	for _, s := range bad {
		if m, err := ParseManifest([]byte(s)); err == nil || m != nil {
			t.Errorf("ParseManifest(%s) = %v, %v; want only an error", s, m, err)
		}
	}
	m, err := ParseManifest([]byte(`[{"arch":"crosses-x.json","weights":"w"}]`))
	if err != nil || m.Models[0].Name != "crosses-x" {
		t.Errorf("a model without a name: %+v, %v; want it named after its arch file", m, err)
	}
}

// TestManifestRoundTrip checks that what the writer (engine/cmd/models)
// encodes the reader gets back, field for field, and that the shipped
// manifest parses.
func TestManifestRoundTrip(t *testing.T) {
	want := Manifest{
		Command: "go run ./engine/cmd/models",
		Models: []ManifestEntry{{Name: "phantom-rrr", Dataset: "phantom", Method: "rrr", Lambda: 10, Arch: "phantom-rrr.json", Weights: "phantom-rrr.safetensors",
			Input: []int{1, 64, 64}, Classes: []string{"normal", "cardiomegaly"}, Epochs: 10, Seed: 3,
			Test: Scores{AUC: 0.99, Accuracy: 0.7, IoU: 0.1, Mass: 0.2}, TrainAcc: 0.98}},
		Galleries: []GalleryEntry{{Dataset: "phantom", File: "phantom-samples.safetensors", Count: 24, Classes: []string{"normal", "cardiomegaly"}},
			{Dataset: "phantom", Split: SplitTrain, File: "phantom-train.safetensors", Count: 100}},
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
	}
	if g, ok := got.Gallery("phantom", SplitTrain); !ok || g.Count != 100 {
		t.Errorf("Gallery(phantom, train) = %+v, %v", g, ok)
	}
	if g, ok := got.Gallery("phantom", SplitTest); !ok || g.Count != 24 {
		t.Errorf("Gallery(phantom, test) = %+v, %v", g, ok)
	}
	shipped, err := os.ReadFile("../../assets/models/manifest.json")
	if err != nil {
		t.Skipf("no shipped manifest (run make models): %v", err)
	}
	m, err := ParseManifest(shipped)
	if err != nil {
		t.Fatalf("the shipped manifest: %v", err)
	}
	for _, e := range m.Models {
		if len(e.Input) != 3 || e.Dataset == "" || e.Method == "" || len(e.Classes) == 0 {
			t.Errorf("shipped model %q lacks its input, data set, method or classes: %+v", e.Name, e)
		}
	}
}

func TestManifestChoices(t *testing.T) {
	c, err := ParseManifest([]byte(`{"models":[
		{"name":"crosses-baseline","dataset":"crosses","method":"baseline","arch":"a","weights":"a"},
		{"name":"crosses-masked","dataset":"crosses","method":"masked","arch":"b","weights":"b"},
		{"name":"phantom-rrr","dataset":"phantom","method":"rrr","arch":"c","weights":"c"},
		{"name":"phantom-baseline","dataset":"phantom","method":"baseline","arch":"d","weights":"d"},
		{"name":"decoy-mnist-rrr","dataset":"decoy-mnist","method":"rrr","arch":"e","weights":"e"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Default(); d.Name != "phantom-baseline" {
		t.Errorf("Default = %q, want phantom-baseline", d.Name)
	}
	for ds, want := range map[string]string{"crosses": "crosses-baseline", "phantom": "phantom-baseline", "decoy-mnist": "decoy-mnist-rrr"} {
		if e, ok := c.Baseline(ds); !ok || e.Name != want {
			t.Errorf("Baseline(%s) = %q, %v; want %q", ds, e.Name, ok, want)
		}
	}
	if _, ok := c.Baseline("nope"); ok {
		t.Errorf("Baseline of an unknown data set found one")
	}
	if got := strings.Join(c.Datasets(), ","); got != "crosses,phantom,decoy-mnist" {
		t.Errorf("Datasets = %s", got)
	}
	// Without a Phantom model, the first baseline.
	c2, _ := ParseManifest([]byte(`[{"name":"x-masked","dataset":"x","method":"masked","arch":"a","weights":"a"},{"name":"y-baseline","dataset":"y","method":"baseline","arch":"b","weights":"b"}]`))
	if d := c2.Default(); d.Name != "y-baseline" {
		t.Errorf("Default without phantom = %q", d.Name)
	}
}
