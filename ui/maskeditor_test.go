package ui

import (
	"strings"
	"testing"
)

// TestMaskEditorStorage: masks are stored per picture; when the browser
// refuses, they stay in memory, the user is warned, and they are still
// read back and exported; the warning goes once every mask is stored.
func TestMaskEditorStorage(t *testing.T) {
	st := newMemStore()
	m := NewMaskEditor(st)
	if err := m.Save("a", []byte("PNG-A")); err != nil || m.StorageWarn != "" {
		t.Fatalf("Save: %v, warning %q", err, m.StorageWarn)
	}
	if b, ok := m.Stored("a"); !ok || string(b) != "PNG-A" {
		t.Errorf("Stored(a) = %q, %v", b, ok)
	}
	st.full = true
	if err := m.Save("b", []byte("PNG-B")); err != errStorageFull {
		t.Errorf("Save into a full store: %v", err)
	}
	if !strings.Contains(m.StorageWarn, "Your mask could not be saved") {
		t.Errorf("warning %q", m.StorageWarn)
	}
	m.Save("c", []byte("PNG-C"))
	if !strings.HasPrefix(m.StorageWarn, "2 of your masks") {
		t.Errorf("warning for two masks %q", m.StorageWarn)
	}
	if b, ok := m.Stored("b"); !ok || string(b) != "PNG-B" {
		t.Errorf("an unsaved mask is lost: %q, %v", b, ok)
	}
	names, files := m.All(map[string]string{"a": "one.png", "b": "two.png"})
	if strings.Join(names, ",") != "one-mask.png,two-mask.png,c-mask.png" || len(files) != 3 {
		t.Errorf("All = %v", names)
	}
	st.full = false
	m.Save("b", []byte("PNG-B"))
	if m.StorageWarn == "" {
		t.Errorf("the warning went while mask c is still unsaved")
	}
	m.Forget("c")
	if m.StorageWarn != "" {
		t.Errorf("warning %q after every mask is stored or forgotten", m.StorageWarn)
	}
	m.Save("a", nil) // an empty mask removes the stored one
	if _, ok := m.Stored("a"); ok {
		t.Errorf("an emptied mask is still stored")
	}
	if keys := m.Keys(); len(keys) != 1 || !keys["b"] {
		t.Errorf("Keys = %v", keys)
	}
}

// TestMaskEditorStorageOff: when the browser keeps nothing for the page
// (issue #10: site data blocked), the warning says masks will not be kept,
// from the start and after masks are saved, forgotten or cleared, while
// masks stay readable in memory.
func TestMaskEditorStorageOff(t *testing.T) {
	st := newMemStore()
	st.full = true // every Set fails, as it does without storage
	m := NewMaskEditor(st)
	m.SetStorageOff()
	if !strings.Contains(m.StorageWarn, "will not be kept") {
		t.Fatalf("warning at start %q", m.StorageWarn)
	}
	if err := m.Save("a", []byte("PNG-A")); err == nil {
		t.Errorf("Save without storage succeeded")
	}
	if b, ok := m.Stored("a"); !ok || string(b) != "PNG-A" {
		t.Errorf("the mask is lost without storage: %q, %v", b, ok)
	}
	for _, step := range []struct {
		what string
		do   func()
	}{
		{"Forget", func() { m.Forget("a") }},
		{"Save(nil)", func() { m.Save("b", nil) }},
		{"ForgetAll", func() { m.Save("c", []byte("PNG-C")); m.ForgetAll() }},
	} {
		step.do()
		if !strings.Contains(m.StorageWarn, "will not be kept") {
			t.Errorf("after %s the warning is %q", step.what, m.StorageWarn)
		}
	}
}

func TestMaskEditorRaster(t *testing.T) {
	m := NewMaskEditor(newMemStore())
	alpha := make([]byte, 4*4)
	for y := range 4 {
		alpha[y*4], alpha[y*4+1] = 255, 255 // left half inside
	}
	m.SetRaster(alpha, 4, 4, Frame{0, 0, 4, 4}, 2, 2)
	if m.Area != 2 || m.Model[0] != 1 || m.Model[1] != 0 {
		t.Errorf("area %d, model %v", m.Area, m.Model)
	}
	m.Reset(3, 3)
	if m.Area != 0 || len(m.Model) != 9 {
		t.Errorf("after Reset: area %d, %d pixels", m.Area, len(m.Model))
	}
	m.SetBrush(1000)
	if m.Brush != 300 {
		t.Errorf("brush %v, want the largest, 300", m.Brush)
	}
	m.SetFill(-1)
	m.SetOutline(2)
	if m.FillOpacity != 0 || m.OutlineOpacity != 1 {
		t.Errorf("opacities %v %v", m.FillOpacity, m.OutlineOpacity)
	}
	m.Tool = ToolPan
	if m.Painting() {
		t.Errorf("the pan tool paints")
	}
}

// fakeBlobs is a BlobStore whose answers arrive when flush is called, as
// IndexedDB's arrive later on the event loop.
type fakeBlobs struct {
	data    map[string][]byte
	full    bool
	pending []func()
}

func (f *fakeBlobs) Put(key string, b []byte, done func(error)) {
	full := f.full
	f.pending = append(f.pending, func() {
		if full {
			done(errStorageFull)
			return
		}
		f.data[key] = b
		done(nil)
	})
}

func (f *fakeBlobs) Delete(key string) { delete(f.data, key) }

func (f *fakeBlobs) flush() {
	p := f.pending
	f.pending = nil
	for _, g := range p {
		g()
	}
}

// TestMaskEditorBlobs: with the browser's database in use, masks go there
// (whole PNGs, not base64 strings in localStorage), the masks localStorage
// held before are moved there and removed from localStorage only once the
// database has them, a full database keeps the mask in memory with the
// usual warning, and only the last save of a picture's mask counts.
func TestMaskEditorBlobs(t *testing.T) {
	st := newMemStore()
	old := NewMaskEditor(st)
	old.Save("legacy", []byte("PNG-OLD"))
	blobs := &fakeBlobs{data: map[string][]byte{"kept": []byte("PNG-KEPT")}}
	m := NewMaskEditor(st)
	m.UseBlobs(blobs, map[string][]byte{"kept": []byte("PNG-KEPT")})
	if b, ok := m.Stored("legacy"); !ok || string(b) != "PNG-OLD" {
		t.Errorf("the localStorage mask before moving: %q, %v", b, ok)
	}
	if len(st.Keys(keyMaskPrefix)) != 1 {
		t.Errorf("the localStorage mask was removed before the database had it")
	}
	blobs.flush()
	if string(blobs.data["legacy"]) != "PNG-OLD" || len(st.Keys(keyMaskPrefix)) != 0 {
		t.Errorf("after moving: database %q, localStorage keys %v", blobs.data["legacy"], st.Keys(keyMaskPrefix))
	}

	big := make([]byte, 6<<20) // more than localStorage holds
	big[0] = 'P'
	if err := m.Save("big", big); err != nil {
		t.Fatal(err)
	}
	blobs.flush()
	if len(blobs.data["big"]) != len(big) || len(st.Keys(keyMaskPrefix)) != 0 {
		t.Errorf("a large mask: database %d bytes, localStorage %v", len(blobs.data["big"]), st.Keys(keyMaskPrefix))
	}
	if b, ok := m.Stored("kept"); !ok || string(b) != "PNG-KEPT" {
		t.Errorf("a mask read from the database: %q, %v", b, ok)
	}
	keys := m.Keys()
	if !keys["kept"] || !keys["legacy"] || !keys["big"] || len(keys) != 3 {
		t.Errorf("Keys = %v", keys)
	}

	blobs.full = true
	m.Save("new", []byte("PNG-NEW"))
	if m.StorageWarn != "" {
		t.Errorf("warned before the database answered: %q", m.StorageWarn)
	}
	blobs.flush()
	if !strings.Contains(m.StorageWarn, "could not be saved") {
		t.Errorf("a full database: warning %q", m.StorageWarn)
	}
	if b, ok := m.Stored("new"); !ok || string(b) != "PNG-NEW" {
		t.Errorf("the refused mask is lost: %q, %v", b, ok)
	}
	blobs.full = false
	m.Save("new", []byte("PNG-NEW2"))
	blobs.flush()
	if m.StorageWarn != "" || string(blobs.data["new"]) != "PNG-NEW2" {
		t.Errorf("after the database took it: warning %q, stored %q", m.StorageWarn, blobs.data["new"])
	}

	// Two saves in a row: the first one's late refusal does not count.
	blobs.full = true
	m.Save("x", []byte("PNG-X1"))
	blobs.full = false
	m.Save("x", []byte("PNG-X2"))
	blobs.flush()
	if m.StorageWarn != "" {
		t.Errorf("an old save's refusal warned: %q", m.StorageWarn)
	}
	m.Forget("x")
	if _, ok := m.Stored("x"); ok || blobs.data["x"] != nil {
		t.Errorf("a forgotten mask is still there")
	}
}

// TestMaskEditorEarlyEdits: a picture opened before the browser's database
// is (its first sample, at start-up) may be painted on or cleared before
// the database gives its masks; those edits are newer than what the
// database holds and win, while a mask merely not shown yet (removing
// nothing) and the old localStorage masks do not override the database.
func TestMaskEditorEarlyEdits(t *testing.T) {
	st := newMemStore()
	old := NewMaskEditor(st)
	old.Save("legacy", []byte("PNG-LEGACY"))   // from before masks moved
	old.Save("cleared", []byte("PNG-OLD-CLR")) // shown, then cleared below
	m := NewMaskEditor(st)
	m.Save("painted", []byte("PNG-NEW"))
	m.Save("untouched", nil) // the page never showed it: no edit
	m.Save("cleared", nil)
	held := map[string][]byte{
		"painted": []byte("PNG-DB"), "untouched": []byte("PNG-DB-U"),
		"legacy": []byte("PNG-DB-L"), "cleared": []byte("PNG-DB-C"),
	}
	blobs := &fakeBlobs{data: map[string][]byte{}}
	for k, v := range held {
		blobs.data[k] = v
	}
	m.UseBlobs(blobs, held)
	blobs.flush()
	for key, want := range map[string]string{"painted": "PNG-NEW", "untouched": "PNG-DB-U", "legacy": "PNG-DB-L"} {
		if b, ok := m.Stored(key); !ok || string(b) != want {
			t.Errorf("%s: Stored = %q, %v; want %q", key, b, ok, want)
		}
		if string(blobs.data[key]) != want {
			t.Errorf("%s: the database holds %q; want %q", key, blobs.data[key], want)
		}
	}
	if b, ok := m.Stored("cleared"); ok {
		t.Errorf("a mask cleared before the database opened came back: %q", b)
	}
	if _, ok := blobs.data["cleared"]; ok {
		t.Errorf("a mask cleared before the database opened is still in it")
	}
	for key, want := range map[string]bool{"painted": true, "cleared": true, "untouched": false, "legacy": false} {
		if m.EditedEarly(key) != want {
			t.Errorf("EditedEarly(%s) = %v", key, !want)
		}
	}
	m.Save("later", []byte("PNG-LATER"))
	if m.EditedEarly("later") {
		t.Errorf("a save after the database opened counts as early")
	}
}
