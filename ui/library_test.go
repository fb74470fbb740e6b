package ui

import (
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

var phantomModel = protocol.ModelInfo{Key: "phantom-baseline", Name: "Phantom baseline", C: 1, H: 2, W: 2, Classes: []string{"normal", "cardiomegaly"}}

// TestLibraryUserImages: opened images are remembered with their label and
// input, survive a reload (a new Library on the same store), are counted for
// fine-tuning once labelled with a mask, and are forgotten by Clear.
func TestLibraryUserImages(t *testing.T) {
	st := newMemStore()
	lib := NewLibrary(st)
	masks := NewMaskEditor(st)
	m := phantomModel
	pic := &Picture{Key: "file-1", Name: "scan.png", Label: 1, Width: 4, Height: 4, Input: []float32{0, 0.5, 1, 0.25}, C: 1, H: 2, W: 2}
	thumbs := 0
	thumb := func([]float32, int, int, int) string { thumbs++; return "data:thumb" }
	if !lib.Remember(pic, m.Classes, thumb) || thumbs != 1 {
		t.Fatalf("a new image was not remembered (thumbs %d)", thumbs)
	}
	if lib.Remember(pic, m.Classes, thumb) {
		t.Errorf("remembering the same input again changed the list")
	}
	if err := lib.Save(); err != nil {
		t.Fatal(err)
	}
	if lib.Current(pic) == nil || lib.Current(&Picture{Key: "file-1", Sample: true}) != nil {
		t.Errorf("Current does not tell user images from samples")
	}
	if lib.Usable(m, masks) != 0 {
		t.Errorf("an image without a mask is usable")
	}
	mask, err := EncodeMaskPNG([]byte{255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0}, 4, 4, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	masks.Save("file-1", mask)
	if lib.Usable(m, masks) != 1 {
		t.Errorf("a labelled image with a mask is not usable")
	}
	labels, images, maskData := lib.TrainingExamples(m, masks)
	if len(labels) != 1 || labels[0] != 1 || len(images) != 4 || images[1] != 0.5 || len(maskData) != 4 || maskData[0] != 1 || maskData[1] != 0 {
		t.Errorf("TrainingExamples = %v %v %v", labels, images, maskData)
	}
	other := m
	other.Classes = []string{"one cross", "two crosses"}
	if lib.Usable(other, masks) != 0 {
		t.Errorf("an image labelled for other classes is usable")
	}

	again := NewLibrary(st)
	again.Load()
	u := again.UserImage("file-1")
	if u == nil || u.Label(m.Classes) != 1 || u.Name != "scan.png" {
		t.Fatalf("after a reload: %+v", u)
	}
	again.Thumbs(thumb)
	if u.Thumb != "data:thumb" || thumbs != 2 {
		t.Errorf("no thumbnail after a reload")
	}
	again.KeepFile("file-1", []byte("bytes"))
	again.Remove(u)
	if again.UserImage("file-1") != nil {
		t.Errorf("Remove kept the image")
	}
	if _, ok := again.File("file-1"); ok {
		t.Errorf("Remove kept the file")
	}

	lib.Clear()
	if len(lib.UserImages) != 0 || len(st.Keys(storagePrefix)) != 0 {
		t.Errorf("Clear left %v", st.Keys(storagePrefix))
	}
}

func TestLibraryItems(t *testing.T) {
	lib := NewLibrary(newMemStore())
	lib.Samples = []*SampleItem{
		{Sample: protocol.Sample{Key: "s0", Title: "Film 1", Label: 0}},
		{Sample: protocol.Sample{Key: "s1", Title: "Film 2", Label: 1}, mask: []byte("M")},
	}
	lib.SetReal(protocol.RealIndex{Images: []protocol.RealImage{{File: "ct.dcm", Title: "CT slice", Format: "dicom", Supported: true, Width: 512, Height: 512, Modality: "CT"}}})
	if s := lib.DefaultSample(2); s == nil || s.Key != "s1" {
		t.Errorf("DefaultSample = %+v, want the first of the positive class", s)
	}
	if s := lib.DefaultSample(3); s == nil || s.Key != "s0" {
		t.Errorf("DefaultSample without a positive sample = %+v", s)
	}
	if r := lib.RealItem("real-ct.dcm"); r == nil || r.Caption() != "CT 512×512" || !strings.Contains(r.Tooltip(), "DICOM") {
		t.Errorf("RealItem = %+v", r)
	}
	if b := lib.ReferenceMask(&Picture{Key: "s1", Sample: true}); string(b) != "M" {
		t.Errorf("ReferenceMask = %q", b)
	}
	if lib.ReferenceMask(&Picture{Key: "s1"}) != nil || lib.ReferenceMask(nil) != nil {
		t.Errorf("a reference mask for a picture that is not a sample")
	}
	names := lib.Names()
	if names["s0"] != "Film 1" || names["real-ct.dcm"] != "CT slice" {
		t.Errorf("Names = %v", names)
	}
	lib.SetWindow("real-ct.dcm", 40, 400, true)
	if c, w, ok := lib.Window("real-ct.dcm"); !ok || c != 40 || w != 400 {
		t.Errorf("Window = %v %v %v", c, w, ok)
	}
	lib.SetWindow("real-ct.dcm", 0, 0, false)
	if _, _, ok := lib.Window("real-ct.dcm"); ok {
		t.Errorf("a reset window is kept")
	}
}
