package ui

import (
	"bytes"
	"slices"
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
	pic := &Picture{Key: "file-1", Name: "scan.png", Label: 1, Width: 4, Height: 4, Input: []float32{0, 0.5, 1, 0.25}, C: 1, H: 2, W: 2, Form: InputKey(m)}
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

// TestInputsFollowPreprocessing: two imported models of the same input
// shape but different preprocessing do not share a user image's input, and
// opening the image again after the model card's preprocessing changed
// stores the new input, which fine-tuning then uses.
func TestInputsFollowPreprocessing(t *testing.T) {
	st := newMemStore()
	lib, masks := NewLibrary(st), NewMaskEditor(st)
	classes := []string{"a", "b"}
	crop := protocol.ModelInfo{Key: "crop", C: 1, H: 2, W: 2, Classes: classes, Preproc: &protocol.Preproc{Resize: "crop", Mean: []float32{0.5}, Std: []float32{0.25}}}
	stretch := crop
	stretch.Key, stretch.Preproc = "stretch", &protocol.Preproc{Resize: "stretch", Mean: []float32{0.5}, Std: []float32{0.25}}
	if InputKey(crop) == InputKey(stretch) || InputKey(crop) == ShapeKey(1, 2, 2) {
		t.Fatalf("input keys %q and %q", InputKey(crop), InputKey(stretch))
	}
	pic := &Picture{Key: "file-1", Name: "scan.png", Label: 1, Width: 4, Height: 4, Input: []float32{1, 2, 3, 4}, C: 1, H: 2, W: 2, Form: InputKey(crop)}
	if !lib.Remember(pic, classes, nil) {
		t.Fatal("a new image was not remembered")
	}
	mask, err := EncodeMaskPNG(bytes.Repeat([]byte{255}, 16), 4, 4, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	masks.Save("file-1", mask)
	if n := lib.Usable(stretch, masks); n != 0 {
		t.Errorf("the crop model's input is usable by the stretch model (%d)", n)
	}
	if _, ok := lib.UserImage("file-1").Input(InputKey(stretch), 4); ok {
		t.Error("the stretch model finds the crop model's input")
	}
	// The card's normalization changes: the picture is decoded again.
	edited := crop
	edited.Preproc = &protocol.Preproc{Resize: "crop", Mean: []float32{0.4}, Std: []float32{0.25}}
	again := &Picture{Key: "file-1", Name: "scan.png", Label: 1, Width: 4, Height: 4, Input: []float32{5, 6, 7, 8}, C: 1, H: 2, W: 2, Form: InputKey(edited)}
	if !lib.Remember(again, classes, nil) {
		t.Error("the input of the edited preprocessing was not stored")
	}
	if _, images, _ := lib.TrainingExamples(edited, masks); len(images) != 4 || images[0] != 5 {
		t.Errorf("fine-tuning after the edit uses %v, want the new input", images)
	}
	// The same file decoded again with new values (same form) replaces them.
	again.Input = []float32{9, 9, 9, 9}
	if !lib.Remember(again, classes, nil) {
		t.Error("new values of the same form were not stored")
	}
	if lib.Remember(again, classes, nil) {
		t.Error("remembering the same values again changed the list")
	}
}

// TestInputsInDatabase: once the database is open, the inputs the list
// held move into it and the list is stored without them; a new image's
// input goes to the database, and comes back in a new page that reads the
// database; an input the database refuses stays in the list; removing an
// image deletes its inputs.
func TestInputsInDatabase(t *testing.T) {
	st := newMemStore()
	m := phantomModel
	lib := NewLibrary(st)
	old := &Picture{Key: "file-old", Name: "old.png", Label: 1, Width: 4, Height: 4, Input: []float32{1, 2, 3, 4}, C: 1, H: 2, W: 2, Form: InputKey(m)}
	lib.Remember(old, m.Classes, nil)
	if err := lib.Save(); err != nil {
		t.Fatal(err)
	}
	listHas := func(what string) bool { s, _ := st.Get(keyImages); return strings.Contains(s, what) }
	oldB64 := encodeFloats(old.Input)
	if !listHas(oldB64) {
		t.Fatal("before the database, the list does not hold the input")
	}

	// A new page opens the database: the input moves.
	lib = NewLibrary(st)
	lib.Load()
	blobs := &fakeBlobs{data: map[string][]byte{}}
	lib.UseInputBlobs(blobs, nil, func(err error) { t.Errorf("refused: %v", err) })
	if !listHas(oldB64) {
		t.Error("the list dropped the input before the database took it")
	}
	blobs.flush()
	if listHas(oldB64) || len(blobs.data) != 1 {
		t.Errorf("after the move: list holds the input %v, database has %d inputs", listHas(oldB64), len(blobs.data))
	}

	// A new image goes to the database only.
	pic := &Picture{Key: "file-new", Name: "new.png", Label: 0, Width: 4, Height: 4, Input: []float32{5, 6, 7, 8}, C: 1, H: 2, W: 2, Form: InputKey(m)}
	if !lib.Remember(pic, m.Classes, nil) {
		t.Fatal("a new image was not remembered")
	}
	if err := lib.Save(); err != nil {
		t.Fatal(err)
	}
	blobs.flush()
	newB64 := encodeFloats(pic.Input)
	if listHas(newB64) || len(blobs.data) != 2 {
		t.Errorf("new image: list holds its input %v, database has %d inputs", listHas(newB64), len(blobs.data))
	}

	// The next page reads both back from the database.
	next := NewLibrary(st)
	next.Load()
	next.UseInputBlobs(&fakeBlobs{data: map[string][]byte{}}, blobs.data, nil)
	for _, p := range []*Picture{old, pic} {
		x, ok := next.UserImage(p.Key).Input(InputKey(m), 4)
		if !ok || !slices.Equal(x, p.Input) {
			t.Errorf("%s after a reload: %v %v, want %v", p.Key, x, ok, p.Input)
		}
	}

	// A refused input stays in the list, and the user is told.
	blobs.full = true
	told := 0
	lib.inputFailed = func(error) { told++ }
	pic.Input = []float32{9, 9, 9, 9}
	lib.Remember(pic, m.Classes, nil)
	blobs.flush()
	if !listHas(encodeFloats(pic.Input)) || told != 1 {
		t.Errorf("refused input: in the list %v, told %d times", listHas(encodeFloats(pic.Input)), told)
	}

	// Removing an image deletes its inputs.
	lib.Remove(lib.UserImage("file-old"))
	for k := range blobs.data {
		if strings.HasPrefix(k, "file-old") {
			t.Errorf("input %q of a removed image kept", k)
		}
	}
	// Inputs of images no longer listed are deleted at start-up.
	orphan := &fakeBlobs{data: map[string][]byte{inputBlobKey("gone", "1x2x2"): {0, 0, 0, 0}}}
	NewLibrary(newMemStore()).UseInputBlobs(orphan, orphan.data, nil)
	if len(orphan.data) != 0 {
		t.Errorf("orphaned inputs kept: %v", orphan.data)
	}
}
