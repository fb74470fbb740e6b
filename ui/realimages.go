package ui

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// realIndex is the site's list of real images (see wasm/sampleindex).
const realIndex = "samples/index.json"

// RealItem is one of the site's real images (DICOM, PNG, JPEG).
type RealItem struct {
	protocol.RealImage
	Key string // picture key: "real-" + file
}

// ThumbURL is the item's thumbnail, or "".
func (r *RealItem) ThumbURL() string {
	if r.Thumb == "" {
		return ""
	}
	return loader().Call("url", "samples/"+r.Thumb).String()
}

// Caption describes the item under its thumbnail.
func (r *RealItem) Caption() string {
	if !r.Supported {
		return "not supported"
	}
	s := fmt.Sprintf("%d×%d", r.Width, r.Height)
	if r.Modality != "" {
		s = r.Modality + " " + s
	}
	return s
}

// Tooltip describes the item in full.
func (r *RealItem) Tooltip() string {
	parts := []string{r.Title + " (" + strings.ToUpper(r.Format) + ", " + fmt.Sprintf("%.0f kB", float64(r.Bytes)/1024) + ")"}
	if r.About != "" {
		parts = append(parts, r.About)
	}
	if r.Problem != "" {
		parts = append(parts, r.Problem)
	}
	if r.Source != "" {
		parts = append(parts, "Source: "+r.Source)
	}
	return strings.Join(parts, "\n")
}

// fetchBytes GETs a file of the site through the resource loader.
func fetchBytes(url string) ([]byte, error) {
	resp, err := await(loader().Call("fetch", url))
	if err != nil {
		return nil, err
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("HTTP %d", resp.Get("status").Int())
	}
	ab, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return bytesOf(ab), nil
}

// loadRealImages reads the site's list of real images in the background.
func (a *App) loadRealImages() {
	go func() {
		b, err := fetchBytes(realIndex)
		var idx protocol.RealIndex
		if err == nil {
			err = json.Unmarshal(b, &idx)
		}
		a.locked(func() {
			if err != nil {
				a.RealMsg = "The real images could not be listed (" + err.Error() + ")."
				return
			}
			a.Real = nil
			for _, im := range idx.Images {
				a.Real = append(a.Real, &RealItem{RealImage: im, Key: "real-" + im.File})
			}
		})
	}()
}

// OpenReal fetches one of the site's real images and opens it.
func (a *App) OpenReal(r *RealItem) {
	if b, ok := a.userBytes[r.Key]; ok {
		a.openBytes(&Picture{Key: r.Key, Name: r.Title, Real: true, Label: -1}, b)
		return
	}
	a.Opening = r.Title
	go func() {
		b, err := fetchBytes("samples/" + r.File)
		a.locked(func() {
			if err != nil {
				a.Opening = ""
				a.Error = "Could not fetch “" + r.Title + "”: " + err.Error()
				return
			}
			a.openBytes(&Picture{Key: r.Key, Name: r.Title, Real: true, Label: -1}, b)
		})
	}()
}

// --- DICOM window ---

// WindowShown reports whether the window controls apply to the picture: a
// grey-scale DICOM image.
func (a *App) WindowShown() bool {
	return a.Pic != nil && a.Pic.Dicom != nil && !a.Pic.Dicom.Color
}

// WindowText formats the current window's centre or width for its input.
func (a *App) WindowText(width bool) string {
	if !a.WindowShown() {
		return ""
	}
	v := a.Pic.Dicom.WindowCenter
	if width {
		v = a.Pic.Dicom.WindowWidth
	}
	return trimFloat(v)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// SetWindow re-windows the DICOM image on screen with centre c and width w
// (modality units, e.g. Hounsfield units for CT), keeping the mask.
func (a *App) SetWindow(c, w float64) {
	if !a.WindowShown() {
		return
	}
	if math.IsNaN(c) || math.IsInf(c, 0) || !(w >= 1) || math.IsInf(w, 0) {
		a.Error = "The window needs a centre and a width of at least 1."
		return
	}
	if a.windows == nil {
		a.windows = map[string][2]float64{}
	}
	a.windows[a.Pic.Key] = [2]float64{c, w}
	a.redecode()
}

// ResetWindow goes back to the file's own window.
func (a *App) ResetWindow() {
	if !a.WindowShown() {
		return
	}
	delete(a.windows, a.Pic.Key)
	a.redecode()
}

// redecode decodes the picture's file again (with its window) and replaces
// the image on screen, keeping the mask and the view.
func (a *App) redecode() {
	pic := a.Pic
	b, ok := a.userBytes[pic.Key]
	if !ok {
		return
	}
	m := a.Model
	a.openSeq++
	seq := a.openSeq
	a.eng.Send(&protocol.Header{Kind: protocol.Decode, DecodeRq: a.decodeRequest(pic)}, [][]byte{b}, func(r Reply) {
		if seq != a.openSeq || a.Pic != pic {
			return
		}
		if r.Kind == protocol.Failed {
			a.Error = "Could not change the window: " + r.Error
			return
		}
		if r.Kind != protocol.Result || r.Decoded == nil || len(r.Bufs) < 2 {
			return
		}
		x, err := protocol.Floats(r.Bufs[0], m.C*m.H*m.W)
		if err != nil {
			return
		}
		d := *r.Decoded
		pic.Input, pic.Dicom = x, &d
		if !a.surf.ReplaceImage(displayCanvas(r.Bufs[1], d.Width, d.Height, d.Color), d.Width, d.Height) {
			a.showPicture(pic, displayCanvas(r.Bufs[1], d.Width, d.Height, d.Color))
			return
		}
		a.reanalyze()
	})
}

// --- Exporting every mask ---

// maskNames maps picture keys to names for exported files.
func (a *App) maskNames() map[string]string {
	names := map[string]string{}
	for _, s := range a.Samples {
		names[s.Key] = s.Title
	}
	for _, r := range a.Real {
		names[r.Key] = r.Title
	}
	for _, u := range a.UserImages {
		names[u.Key] = u.Name
	}
	return names
}

// AllMasks returns every mask the app holds (stored or unsaved) as PNG
// files named after their images, sorted by name.
func (a *App) AllMasks() (names []string, files [][]byte) {
	keys := map[string]bool{}
	for _, k := range storageKeys(keyMaskPrefix) {
		keys[strings.TrimPrefix(k, keyMaskPrefix)] = true
	}
	for k := range a.unsaved {
		keys[k] = true
	}
	return collectMasks(keys, a.maskNames(), a.storedMask)
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

// ExportAllMasks downloads every mask as PNG files in one zip archive.
func (a *App) ExportAllMasks() {
	names, files := a.AllMasks()
	if len(files) == 0 {
		a.Notice = "There are no masks to export yet."
		return
	}
	b, err := zipFiles(names, files)
	if err != nil {
		a.Error = "Could not export the masks: " + err.Error()
		return
	}
	download(b, "saliency-explorer-masks.zip", "application/zip")
	a.Notice = fmt.Sprintf("Exported %d masks in saliency-explorer-masks.zip.", len(files))
}
