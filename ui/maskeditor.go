package ui

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
)

// Tools of the mask editor.
const (
	ToolBrush  = "brush"
	ToolEraser = "eraser"
	ToolPan    = "pan"
)

// MaskEditor is the mask of the picture on screen and how it is edited and
// kept: the tool, the brush, how the mask is drawn, the mask at model
// resolution, and the masks of every picture (stored in the browser, or
// kept in memory while the browser refuses to store them). The mask's
// pixels and its undo history live in the Surface's raster.
type MaskEditor struct {
	Tool           string
	Brush          float64 // diameter in screen pixels
	FillOpacity    float64
	OutlineOpacity float64
	ShowMask       bool

	// Model is the mask at model resolution (1 inside, 0 outside) and
	// Area its number of inside pixels.
	Model []float32
	Area  int

	// StorageWarn says which masks the browser refused to store.
	StorageWarn string

	store Store
	// off: the browser keeps nothing for this page (see SetStorageOff).
	off bool
	// unsaved holds masks (PNG) the browser refused to store, by picture
	// key, so they are not lost while the page is open.
	unsaved map[string][]byte
	// blobs, once set (UseBlobs), keeps masks instead of store: the
	// browser's IndexedDB on the page, where images belong (localStorage
	// holds a few megabytes of strings). held is what it holds, read at
	// start-up and written through, so that reading stays synchronous.
	blobs BlobStore
	held  map[string][]byte
	// early holds the keys of the masks saved or removed before blobs
	// was set: those are newer than what blobs held.
	early map[string]bool
	// saves numbers the saves; lastSave is the last one of each key, so
	// that only its answer counts.
	saves    int
	lastSave map[string]int
}

// BlobStore keeps byte strings by key, asynchronously: done is called
// later with the browser's answer (errStorageFull when its quota is used
// up), with the page's state locked.
type BlobStore interface {
	Put(key string, b []byte, done func(error))
	Delete(key string)
}

// UseBlobs makes the editor keep masks in blobs, which holds the masks
// held (read from it at start-up). Masks still in store (from before masks
// moved) are copied to blobs, and removed from store once blobs has them.
func (m *MaskEditor) UseBlobs(blobs BlobStore, held map[string][]byte) {
	m.blobs = blobs
	m.held = held
	m.lastSave = map[string]int{}
	if m.held == nil {
		m.held = map[string][]byte{}
	}
	for _, k := range m.store.Keys(keyMaskPrefix) {
		key := strings.TrimPrefix(k, keyMaskPrefix)
		s, ok := m.store.Get(k)
		if !ok {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			continue
		}
		if _, ok := m.held[key]; !ok || m.early[key] {
			m.held[key] = b
		}
		blobs.Put(key, m.held[key], func(err error) {
			if err == nil {
				m.store.Remove(k)
			}
		})
	}
	for key := range m.early {
		_, stored := m.store.Get(keyMaskPrefix + key)
		if _, unsaved := m.unsaved[key]; !stored && !unsaved {
			if _, held := m.held[key]; held { // removed on this page since
				delete(m.held, key)
				blobs.Delete(key)
			}
		}
	}
}

// EditedEarly reports whether the mask of a picture key was saved or
// removed on this page before the browser's database was open (UseBlobs).
func (m *MaskEditor) EditedEarly(key string) bool { return m.early[key] }

// NewMaskEditor returns the editor's defaults, keeping masks in store.
func NewMaskEditor(store Store) *MaskEditor {
	return &MaskEditor{Tool: ToolBrush, Brush: 24, FillOpacity: 0.35, OutlineOpacity: 0.9, ShowMask: true,
		store: store, unsaved: map[string][]byte{}}
}

// SetBrush sets the brush diameter in screen pixels (2 to 300).
func (m *MaskEditor) SetBrush(d float64) { m.Brush = min(max(d, 2), 300) }

// SetFill sets the fill opacity.
func (m *MaskEditor) SetFill(v float64) { m.FillOpacity = min(max(v, 0), 1) }

// SetOutline sets the outline opacity.
func (m *MaskEditor) SetOutline(v float64) { m.OutlineOpacity = min(max(v, 0), 1) }

// Painting reports whether the tool paints (brush or eraser).
func (m *MaskEditor) Painting() bool { return m.Tool == ToolBrush || m.Tool == ToolEraser }

// SetRaster takes the mask raster (rw×rh alpha) and computes the mask at
// model resolution w×h, over the part f of the raster the model sees
// (RasterFrame of ModelWindow), and its area.
func (m *MaskEditor) SetRaster(alpha []byte, rw, rh int, f Frame, w, h int) {
	m.Model = DownsampleMaskIn(alpha, rw, rh, f, w, h)
	m.Area = 0
	for _, v := range m.Model {
		if v > 0 {
			m.Area++
		}
	}
}

// Reset empties the mask at model resolution w×h.
func (m *MaskEditor) Reset(w, h int) {
	m.Model = make([]float32, w*h)
	m.Area = 0
}

// Save stores the PNG mask of a picture key; an empty mask (nil) removes
// it. If the browser refuses, the mask is kept in memory for this page,
// StorageWarn says so, and the error is returned.
func (m *MaskEditor) Save(key string, png []byte) error {
	if m.blobs == nil {
		// Saved before the database was open: newer than what it holds.
		// (Removing a mask the page never showed is no edit.)
		_, stored := m.store.Get(keyMaskPrefix + key)
		_, unsaved := m.unsaved[key]
		if png != nil || stored || unsaved {
			if m.early == nil {
				m.early = map[string]bool{}
			}
			m.early[key] = true
		}
	}
	if png == nil {
		m.store.Remove(keyMaskPrefix + key)
		delete(m.unsaved, key)
		if m.blobs != nil {
			delete(m.held, key)
			delete(m.lastSave, key)
			m.blobs.Delete(key)
		}
		m.recovered()
		return nil
	}
	if m.blobs != nil {
		m.held[key] = png
		if _, ok := m.unsaved[key]; ok {
			m.unsaved[key] = png // refused before; this one is pending
		}
		m.saves++
		seq := m.saves
		m.lastSave[key] = seq
		m.blobs.Put(key, png, func(err error) {
			if m.lastSave[key] != seq {
				return // a later save or a removal came after this one
			}
			if err != nil {
				m.unsaved[key] = png
				m.failed(err)
				return
			}
			delete(m.unsaved, key)
			m.recovered()
		})
		return nil
	}
	if err := m.store.Set(keyMaskPrefix+key, base64.StdEncoding.EncodeToString(png)); err != nil {
		m.unsaved[key] = png
		m.failed(err)
		return err
	}
	delete(m.unsaved, key)
	m.recovered()
	return nil
}

// failed tells the user that masks could not be saved.
func (m *MaskEditor) failed(err error) {
	if n := len(m.unsaved); n > 1 {
		m.StorageWarn = fmt.Sprintf("%d of your masks could not be saved: %s — export them (Export all masks) to keep them. They stay in this page until you close or reload it.", n, err)
		return
	}
	m.StorageWarn = "Your mask could not be saved: " + err.Error() + " — export it (Export mask, or Export all masks) to keep it. It stays in this page until you close or reload it."
}

// storageOffWarn is the warning shown while the browser keeps nothing.
const storageOffWarn = "This browser blocks this site's storage, so your masks, labels, images and fine-tuned models will not be kept after you close or reload the page. Everything else works; export your masks (Export all masks) to keep them."

// SetStorageOff records that the browser keeps nothing for this page
// (site data blocked, or no localStorage): StorageWarn says so from now on.
func (m *MaskEditor) SetStorageOff() {
	m.off = true
	m.recovered()
}

// recovered clears the warning once every mask is stored (or shows that
// nothing can be stored).
func (m *MaskEditor) recovered() {
	if len(m.unsaved) == 0 {
		m.StorageWarn = ""
		if m.off {
			m.StorageWarn = storageOffWarn
		}
	}
}

// Stored returns the mask PNG of a picture key: unsaved in memory, or
// stored in the browser.
func (m *MaskEditor) Stored(key string) ([]byte, bool) {
	if b, ok := m.unsaved[key]; ok {
		return b, true
	}
	if b, ok := m.held[key]; ok {
		return b, true
	}
	s, ok := m.store.Get(keyMaskPrefix + key)
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// Forget removes the mask of a picture key.
func (m *MaskEditor) Forget(key string) {
	delete(m.unsaved, key)
	if m.blobs != nil {
		delete(m.held, key)
		m.blobs.Delete(key)
	}
	m.store.Remove(keyMaskPrefix + key)
	m.recovered()
}

// ForgetAll drops the masks kept in memory (the stored ones are removed
// with the rest of the user's data).
func (m *MaskEditor) ForgetAll() {
	m.unsaved = map[string][]byte{}
	if m.blobs != nil {
		for k := range m.held {
			m.blobs.Delete(k)
		}
		m.held = map[string][]byte{}
	}
	m.recovered()
}

// Keys lists the picture keys that have a mask, stored or in memory.
func (m *MaskEditor) Keys() map[string]bool {
	keys := map[string]bool{}
	for _, k := range m.store.Keys(keyMaskPrefix) {
		keys[strings.TrimPrefix(k, keyMaskPrefix)] = true
	}
	for k := range m.unsaved {
		keys[k] = true
	}
	for k := range m.held {
		keys[k] = true
	}
	return keys
}

// All returns every mask the editor holds as PNG files named after their
// images (names maps picture keys to image names), sorted by key.
func (m *MaskEditor) All(names map[string]string) ([]string, [][]byte) {
	return collectMasks(m.Keys(), names, m.Stored)
}

// collectMasks names and reads the masks of keys, making names unique.
func collectMasks(keys map[string]bool, names map[string]string, read func(string) ([]byte, bool)) ([]string, [][]byte) {
	var list []string
	for k := range keys {
		list = append(list, k)
	}
	sort.Strings(list)
	var outNames []string
	var files [][]byte
	used := map[string]int{}
	for _, k := range list {
		b, ok := read(k)
		if !ok {
			continue
		}
		name := baseName(names[k])
		if names[k] == "" {
			name = baseName(k)
		}
		used[name]++
		if used[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, used[name])
		}
		outNames = append(outNames, name+"-mask.png")
		files = append(files, b)
	}
	return outNames, files
}

// zipFiles packs files into a zip archive.
func zipFiles(names []string, files [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[i]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
