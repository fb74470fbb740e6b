package ui

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func TestUserImageLabelsAndInputs(t *testing.T) {
	crosses := []string{"one cross", "two crosses"}
	phantom := []string{"normal", "cardiomegaly"}
	var u UserImage
	if u.Label(crosses) != -1 {
		t.Errorf("a new image is labelled")
	}
	u.SetLabel(crosses, 1)
	u.SetLabel(phantom, 0)
	if u.Label(crosses) != 1 || u.Label(phantom) != 0 {
		t.Errorf("labels %v", u.Labels)
	}
	u.SetLabel(phantom, -1)
	if u.Label(phantom) != -1 || u.Label(crosses) != 1 {
		t.Errorf("removing the phantom label: %v", u.Labels)
	}
	u.SetLabel(crosses, 7) // out of range: removes
	if u.Label(crosses) != -1 {
		t.Errorf("an out-of-range label was kept: %v", u.Labels)
	}

	small := []float32{0.25, 0.5, 0.75, 1}
	u.SetInput(ShapeKey(1, 2, 2), small)
	if _, ok := u.Input(ShapeKey(1, 64, 64), 64*64); ok {
		t.Errorf("an input of another shape was found")
	}
	x, ok := u.Input(ShapeKey(1, 2, 2), 4)
	if !ok || len(x) != 4 || x[2] != 0.75 {
		t.Errorf("Input = %v, %v", x, ok)
	}
	if x, c, h, w, ok := u.AnyInput(); !ok || c != 1 || h != 2 || w != 2 || x[3] != 1 {
		t.Errorf("AnyInput = %v %d %d %d %v", x, c, h, w, ok)
	}

	// The first version's records move into the maps.
	one := 1
	old := UserImage{OldLabel: &one, OldInput: encodeFloats(make([]float32, 784))}
	old.migrate()
	if old.Label(crosses) != 1 || old.OldInput != "" || old.OldLabel != nil {
		t.Errorf("migrated %+v", old)
	}
	if _, ok := old.Input(ShapeKey(1, 28, 28), 784); !ok {
		t.Errorf("the old input was not migrated")
	}
}

func TestGroupModels(t *testing.T) {
	models := []protocol.ModelInfo{
		{Key: "phantom-baseline", Dataset: "phantom", Source: "shipped"},
		{Key: "crosses-baseline", Dataset: "crosses", Source: "shipped"},
		{Key: "phantom-rrr", Dataset: "phantom", Source: "shipped"},
		{Key: protocol.UserModelKey, Dataset: "phantom", Source: "file"},
	}
	s := engineSession()
	s.Models = models
	g := groupModels(models, s.DatasetTitle)
	if len(g) != 3 || g[0].Title != "Phantom chest films" || len(g[0].Models) != 2 || g[0].Models[1].Key != "phantom-rrr" ||
		g[1].Dataset != "crosses" || g[2].Title != "Your loaded model" || g[2].Models[0].Key != protocol.UserModelKey {
		t.Errorf("groups %+v", g)
	}
	if got := strings.Join(s.Datasets(), ","); got != "phantom,crosses" {
		t.Errorf("Datasets = %s", got)
	}
	for _, m := range models {
		if s.ModelBlurb(m) == "" {
			t.Errorf("no blurb for %+v", m)
		}
	}
}

func TestCollectMasks(t *testing.T) {
	stored := map[string][]byte{"phantom-aa": []byte("A"), "file-1": []byte("B"), "file-2": []byte("C"), "gone": nil}
	names := map[string]string{"phantom-aa": "Film 1 (normal)", "file-1": "scan.png", "file-2": "scan.jpg"}
	keys := map[string]bool{"phantom-aa": true, "file-1": true, "file-2": true, "gone": true}
	n, files := collectMasks(keys, names, func(k string) ([]byte, bool) { b := stored[k]; return b, b != nil })
	if strings.Join(n, ",") != "scan-mask.png,scan-2-mask.png,Film_1__normal_-mask.png" || len(files) != 3 {
		t.Fatalf("names %v", n)
	}
	z, err := zipFiles(n, files)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil || len(zr.File) != 3 {
		t.Fatalf("zip: %v, %d files", err, len(zr.File))
	}
	f, _ := zr.File[1].Open()
	b, _ := io.ReadAll(f)
	if zr.File[1].Name != "scan-2-mask.png" || string(b) != "C" {
		t.Errorf("zip entry %s = %q", zr.File[1].Name, b)
	}
}

func TestStorageError(t *testing.T) {
	if err := storageError(errors.New("JavaScript error: Failed to execute 'setItem' on 'Storage': Setting the value of 'x' exceeded the quota.")); err != errStorageFull {
		t.Errorf("quota error = %v", err)
	}
	if err := storageError("SecurityError: denied"); err == errStorageFull || !strings.Contains(err.Error(), "denied") {
		t.Errorf("other error = %v", err)
	}
	for v, want := range map[float64]string{40: "40", -1024.5: "-1024.5", 0.375: "0.38", -0.001: "0"} {
		if got := trimFloat(v); got != want {
			t.Errorf("trimFloat(%v) = %q, want %q", v, got, want)
		}
	}
}
