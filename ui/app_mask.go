package ui

import (
	"fmt"
	"path"
	"strings"

	js "github.com/vugu/vugu/js"
)

// --- The mask of the picture on screen ---

// maskChanged updates everything that depends on the mask after an edit.
func (a *App) maskChanged() {
	pic := a.View.Pic
	if pic == nil {
		return
	}
	alpha := a.surf.MaskAlpha()
	a.surf.DrawOutline(alpha)
	m := a.Session.Model
	a.Mask.SetRaster(alpha, a.surf.RW, a.surf.RH, a.modelFrame(), m.W, m.H)
	a.View.UpdateAgreement(a.Mask.Model)
	a.saveMask(alpha)
}

// modelFrame is the part of the display raster the model sees (the whole
// raster, or an imported model's centre crop).
func (a *App) modelFrame() Frame {
	pic := a.View.Pic
	if pic == nil || pic.Width < 1 || pic.Height < 1 {
		return Frame{0, 0, float64(a.surf.RW), float64(a.surf.RH)}
	}
	return RasterFrame(ModelWindow(a.Session.Model, pic.Width, pic.Height), pic.Width, pic.Height, a.surf.RW, a.surf.RH)
}

// saveMask stores the current picture's mask. If the browser refuses (a
// full quota, or storage disabled), the mask is kept in memory for this
// page and the user is told to export it.
func (a *App) saveMask(alpha []byte) {
	pic := a.View.Pic
	if MaskEmpty(alpha) {
		a.Mask.Save(pic.Key, nil)
		return
	}
	b, err := EncodeMaskPNG(alpha, a.surf.RW, a.surf.RH, pic.Width, pic.Height)
	if err != nil {
		a.Error = "Could not encode the mask: " + err.Error()
		return
	}
	a.Mask.Save(pic.Key, b)
}

// restoreMask loads the stored mask of the current picture.
func (a *App) restoreMask() {
	m := a.Session.Model
	a.Mask.Reset(m.W, m.H)
	b, ok := a.Mask.Stored(a.View.Pic.Key)
	if !ok {
		a.surf.DrawOutline(make([]byte, a.surf.RW*a.surf.RH))
		return
	}
	if alpha, err := DecodeMaskPNG(b, a.surf.RW, a.surf.RH); err == nil {
		a.surf.SetMaskAlpha(alpha)
	}
	a.maskChanged()
}

// Undo undoes the last mask edit.
func (a *App) Undo() {
	if a.surf.Undo() {
		a.maskChanged()
	}
}

// Redo re-applies an undone mask edit.
func (a *App) Redo() {
	if a.surf.Redo() {
		a.maskChanged()
	}
}

// ClearMask erases the mask (undoable).
func (a *App) ClearMask() {
	if a.View.Pic == nil {
		return
	}
	a.surf.PushUndo()
	a.surf.ClearMask()
	a.maskChanged()
}

// UseReferenceMask replaces the mask with the sample's reference mask
// (undoable).
func (a *App) UseReferenceMask() {
	b := a.Library.ReferenceMask(a.View.Pic)
	if b == nil {
		return
	}
	alpha, err := DecodeMaskPNG(b, a.surf.RW, a.surf.RH)
	if err != nil {
		a.Error = "Could not read the reference mask: " + err.Error()
		return
	}
	a.surf.PushUndo()
	a.surf.SetMaskAlpha(alpha)
	a.maskChanged()
}

// ExportMask downloads the mask as a PNG at the image's size.
func (a *App) ExportMask() {
	pic := a.View.Pic
	if pic == nil {
		return
	}
	b, err := EncodeMaskPNG(a.surf.MaskAlpha(), a.surf.RW, a.surf.RH, pic.Width, pic.Height)
	if err != nil {
		a.Error = "Could not export the mask: " + err.Error()
		return
	}
	download(b, baseName(pic.Name)+"-mask.png", "image/png")
}

// ImportMask reads a mask PNG chosen by the user into the current image.
func (a *App) ImportMask(f js.Value) {
	pic := a.View.Pic
	if pic == nil {
		a.Error = "Open an image before importing its mask."
		return
	}
	name := f.Get("name").String()
	go func() {
		b, err := readFile(f)
		a.locked(func() {
			if a.View.Pic != pic {
				return
			}
			var alpha []byte
			if err == nil {
				alpha, err = DecodeMaskPNG(b, a.surf.RW, a.surf.RH)
			}
			if err != nil {
				a.Error = "Could not import the mask “" + name + "”: " + err.Error()
				return
			}
			a.surf.PushUndo()
			a.surf.SetMaskAlpha(alpha)
			a.maskChanged()
			a.Notice = "Mask imported from “" + name + "”."
		})
	}()
}

// ExportAllMasks downloads every mask as PNG files in one zip archive.
func (a *App) ExportAllMasks() {
	names, files := a.Mask.All(a.Library.Names())
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

// AskClearData asks before removing the user's work ("Clear my data").
func (a *App) AskClearData() { a.ConfirmClear = true }

// ClearDataText says what "Clear my data" removes.
func (a *App) ClearDataText() string {
	masks := len(a.Mask.Keys())
	labelled := 0
	for _, u := range a.Library.UserImages {
		if len(u.Labels) > 0 {
			labelled++
		}
	}
	return fmt.Sprintf("This removes %s, %s (%d labelled) and your display settings that the app stored in this browser.",
		plural(masks, "painted mask", "painted masks"), plural(len(a.Library.UserImages), "of your images", "of your images"), labelled)
}

// plural formats a count with a noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// ClearData removes everything the app stored in this browser.
func (a *App) ClearData() {
	a.ConfirmClear = false
	a.Library.Clear()
	a.Mask.ForgetAll()
	for key := range a.saving {
		a.saving[key] = nil // a copy waiting to be written is not written after the clear
	}
	a.whenDB(func() {
		if a.db != nil {
			a.db.clear(idbModels, func(error) {})
			a.db.clear(idbInputs, func(error) {})
		}
	})
	if a.View.Pic != nil {
		a.surf.undo, a.surf.redo = nil, nil
		a.surf.ClearMask()
		a.maskChanged()
	}
	a.Notice = "Your labels, masks and images were removed from this browser."
}

// ZoomBy zooms about the centre of the view.
func (a *App) ZoomBy(f float64) {
	box := a.surf.MainBox()
	a.surf.ZoomAt(f, box.Get("clientWidth").Float()/2, box.Get("clientHeight").Float()/2)
}

// ResetView fits the image in its pane.
func (a *App) ResetView() { a.surf.ResetView() }

// baseName turns a file or image name into a safe file name stem.
func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "image"
	}
	return b.String()
}
