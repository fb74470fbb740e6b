package ui

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"

	"saliencyexplorer/engine/digest"
	"saliencyexplorer/wasm/protocol"
)

// --- Opening images ---

// OpenSample shows a built-in sample.
func (a *App) OpenSample(s *SampleItem) {
	a.openBytes(&Picture{Name: s.Title, Key: s.Key, Sample: true, Dataset: a.Session.Model.Dataset, Label: s.Label}, s.png)
}

// OpenUserImage reopens one of the user's images: in full resolution if its
// file is still in memory, otherwise at model resolution.
func (a *App) OpenUserImage(u *UserImage) {
	m := a.Session.Model
	label := u.Label(m.Classes)
	if b, ok := a.Library.File(u.Key); ok {
		a.openBytes(&Picture{Name: u.Name, Key: u.Key, Label: label}, b)
		return
	}
	x, ok := u.Input(InputKey(m), m.C*m.H*m.W)
	if !ok {
		a.failPicture("“" + u.Name + "” was stored for a model of another input size or preprocessing; open the file again to use it with " + m.Name + ".")
		return
	}
	a.View.openSeq++
	// The engine keeps the stored input under the picture's key, as it
	// keeps a decoded file, so that predictions and maps name it.
	a.eng.Send(&protocol.Header{Kind: protocol.Keep, Picture: u.Key}, [][]byte{protocol.FloatBytes(x)}, func(r Reply) {
		if r.Kind == protocol.Failed {
			a.failPicture("Could not open “" + u.Name + "”: " + r.Error)
		}
	})
	a.showPicture(&Picture{Key: u.Key, Name: u.Name, Label: label, Width: u.Width, Height: u.Height, Input: x, Format: "stored", C: m.C, H: m.H, W: m.W, Form: InputKey(m)}, js.Undefined())
}

// OpenFile reads a File chosen or dropped by the user and opens it.
func (a *App) OpenFile(f js.Value) {
	name := f.Get("name").String()
	size := f.Get("size").Float()
	if size > 64<<20 {
		a.failPicture(fmt.Sprintf("Could not open “%s”: the file has %.0f MB; the limit is 64 MB.", name, size/(1<<20)))
		return
	}
	a.View.Opening, a.View.openingSample = name, ""
	a.Error = ""
	go func() {
		b, err := readFile(f)
		a.locked(func() {
			if err != nil {
				a.openFailed()
				a.failPicture("Could not read “" + name + "”: " + err.Error())
				return
			}
			sum := digest.Sum256(b)
			key := "file-" + hex.EncodeToString(sum[:8])
			label := -1
			if u := a.Library.UserImage(key); u != nil {
				label = u.Label(a.Session.Model.Classes)
			}
			a.openBytes(&Picture{Name: name, Key: key, Label: label}, b)
		})
	}()
}

// OpenReal fetches one of the site's real images and opens it.
func (a *App) OpenReal(r *RealItem) {
	if b, ok := a.Library.File(r.Key); ok {
		a.openBytes(&Picture{Key: r.Key, Name: r.Title, Real: true, Label: -1}, b)
		return
	}
	a.View.Opening, a.View.openingSample = r.Title, ""
	go func() {
		b, err := fetchBytes("samples/" + r.File)
		a.locked(func() {
			if err != nil {
				a.openFailed()
				a.failPicture("Could not fetch “" + r.Title + "”: " + err.Error())
				return
			}
			a.openBytes(&Picture{Key: r.Key, Name: r.Title, Real: true, Label: -1}, b)
		})
	}()
}

// loadRealImages reads the site's list of real images in the background.
func (a *App) loadRealImages() {
	go func() {
		b, err := fetchBytes(realIndex)
		var idx protocol.RealIndex
		if err == nil {
			err = json.Unmarshal(b, &idx)
		}
		// While the page starts (before the engine's Ready, or while the
		// first picture's thumbnails are held for its map) the list is
		// not rendered on its own: the Ready's render, or the one that
		// shows the held thumbnails, shows it. A render of its own would
		// stand between the engine's replies and the first map.
		a.lockedIf(func() bool {
			if err != nil {
				a.Library.RealMsg = "The real images could not be listed (" + err.Error() + ")."
			} else {
				a.Library.SetReal(idx)
			}
			return a.everReady && !a.Library.HoldSamples
		})
	}()
}

// openBytes decodes an image file (PNG, JPEG or DICOM) in the engine and
// shows it as pic (whose Key, Name and kind are set). The current image
// stays on screen if the file cannot be read. A picture opened while the
// model is being switched is decoded for the model the engine has when
// it gets the request (it answers in order), and shows after the switch.
func (a *App) openBytes(pic *Picture, b []byte) {
	if a.Session.EngineState != EngineReady {
		a.openFailed()
		a.failPicture("The engine is still loading; try again in a moment.")
		return
	}
	v := a.View
	v.openSeq++
	seq := v.openSeq
	v.Opening, v.openingSample = pic.Name, ""
	if pic.Sample {
		v.openingSample = pic.Dataset
	}
	a.eng.Send(&protocol.Header{Kind: protocol.Decode, Picture: pic.Key, DecodeRq: a.decodeRequest(pic)}, [][]byte{b}, func(r Reply) {
		if seq != v.openSeq {
			return
		}
		if !v.firstSaliency { // for make bench-web's timeline
			mark("se-decoded")
		}
		// The engine answers in order: this is decoded for the model the
		// page has now (a request sent during a switch comes back after
		// the new model's Ready).
		m := a.Session.Model
		if r.Kind == protocol.Failed {
			a.openFailed()
			a.failPicture("Could not open “" + pic.Name + "”: " + strings.TrimSuffix(r.Error, ".") + ". The app keeps the current image; PNG, JPEG and uncompressed or RLE DICOM files open.")
			return
		}
		if r.Kind != protocol.Result || r.Decoded == nil || len(r.Bufs) < 1 {
			return
		}
		x, err := protocol.Floats(r.Bufs[0], m.C*m.H*m.W)
		if err != nil {
			a.openFailed()
			a.failPicture("Could not open “" + pic.Name + "”: " + err.Error())
			return
		}
		pic.Width, pic.Height, pic.Input, pic.Format, pic.Color = r.Decoded.Width, r.Decoded.Height, x, r.Decoded.Format, r.Decoded.Color
		pic.C, pic.H, pic.W, pic.Form = m.C, m.H, m.W, InputKey(m)
		keep := func() {
			if !pic.Sample {
				a.Library.KeepFile(pic.Key, b)
			}
			if !pic.Sample && !pic.Real {
				a.rememberUserImage(pic)
			}
		}
		if r.Decoded.Format == "dicom" {
			d := *r.Decoded
			pic.Dicom = &d
			if len(r.Bufs) < 2 {
				a.openFailed()
				a.failPicture("Could not open “" + pic.Name + "”: the engine sent no pixels.")
				return
			}
			keep()
			a.showPicture(pic, displayCanvas(r.Bufs[1], d.Width, d.Height, d.Color))
			return
		}
		a.predictEarly(pic.Key, seq)
		if pic.Sample && !v.firstSaliency {
			// The first picture of a load, a built-in sample, is a small
			// PNG: decoded here, it shows now, not when the browser's
			// decoder answers (a few hundred milliseconds later while
			// the page starts; later openings take that path still).
			if rgba, w, h, err := PNGRGBA(b, maxPagePixels); err == nil && w == pic.Width && h == pic.Height {
				keep()
				a.showPicture(pic, displayCanvas(rgba, w, h, true))
				a.waitForFirstMap()
				return
			}
		}
		// Let the browser decode the file for display at full resolution,
		// while the engine predicts; nothing shows before that.
		a.eng.SkipRender()
		go func() {
			bmp, err := await(global().Call("createImageBitmap", newBlob(b, "image/"+pic.Format)))
			a.locked(func() {
				if seq != v.openSeq {
					return
				}
				if InputKey(a.Session.Model) != pic.Form {
					// The model changed while the browser decoded the
					// file: decode it again for the new one.
					a.openBytes(&Picture{Key: pic.Key, Name: pic.Name, Real: pic.Real, Sample: pic.Sample, Dataset: pic.Dataset, Label: pic.Label}, b)
					return
				}
				if err != nil {
					bmp = js.Undefined() // shown from the model input instead
				}
				keep()
				a.showPicture(pic, bmp)
			})
		}()
	})
}

// openFailed ends an opening that failed: the picture on screen stays,
// or, if a model switch waited for this one to replace it, the switch
// reopens what the new model can read.
func (a *App) openFailed() {
	a.Library.HoldSamples = false
	a.View.Opening, a.View.openingSample = "", ""
	if prev := a.reopenPending; prev != nil {
		a.reopenPending = nil
		a.reopenFor(*prev)
	}
}

// decodeRequest describes pic's file to the engine, with the window the
// user chose for a DICOM image.
func (a *App) decodeRequest(pic *Picture) *protocol.DecodeRequest {
	req := &protocol.DecodeRequest{Name: pic.Name}
	if pic.Real {
		if r := a.Library.RealItem(pic.Key); r != nil {
			req.Name = r.File
		}
	}
	if c, w, ok := a.Library.Window(pic.Key); ok {
		req.Window, req.Center, req.Width = true, c, w
	}
	return req
}

// displayCanvas draws display pixels (grey bytes, or RGBA for colour: a
// DICOM file's, a small PNG's) into a new canvas.
func displayCanvas(pix []byte, w, h int, color bool) js.Value {
	c := newCanvas(w, h, "")
	rgba := pix
	if !color {
		rgba = make([]byte, 4*w*h)
		for i, v := range pix[:min(len(pix), w*h)] {
			rgba[4*i], rgba[4*i+1], rgba[4*i+2], rgba[4*i+3] = v, v, v, 255
		}
	}
	if len(rgba) == 4*w*h {
		putRGBA(c.Call("getContext", "2d"), rgba, w, h)
	}
	return c
}

// inputCanvas renders a model input (c×h×w, c = 1 or 3) as a canvas, for
// images whose file is not available and for thumbnails.
func inputCanvas(x []float32, c, h, w int) js.Value {
	cv := newCanvas(w, h, "")
	rgba := make([]byte, 4*w*h)
	hw := w * h
	if len(x) < c*hw {
		return cv
	}
	for i := range hw {
		for ch := range 3 {
			v := x[i]
			if c == 3 {
				v = x[ch*hw+i]
			}
			rgba[4*i+ch] = uint8(min(max(v, 0), 1)*255 + 0.5)
		}
		rgba[4*i+3] = 255
	}
	putRGBA(cv.Call("getContext", "2d"), rgba, w, h)
	return cv
}

// thumbSide is the largest side of a thumbnail: a larger model input (an
// imported 224×224 model's) is scaled down and written as JPEG, so that
// its data URL stays far below vugu's 16 KiB render instruction.
const thumbSide = 64

// thumb draws a model input as a PNG (or, scaled down, JPEG) data URL.
func thumb(x []float32, c, h, w int) string {
	cv := inputCanvas(x, c, h, w)
	if h <= thumbSide && w <= thumbSide {
		return cv.Call("toDataURL", "image/png").String()
	}
	k := float64(thumbSide) / float64(max(h, w))
	tw, th := max(1, int(float64(w)*k)), max(1, int(float64(h)*k))
	small := document().Call("createElement", "canvas")
	small.Set("width", tw)
	small.Set("height", th)
	small.Call("getContext", "2d").Call("drawImage", cv, 0, 0, tw, th)
	return small.Call("toDataURL", "image/jpeg", 0.8).String()
}

// Thumbs fills in the thumbnails of the user's stored images once the
// engine is ready.
func (a *App) Thumbs() {
	if a.Session.EngineState == EngineReady {
		a.Library.Thumbs(thumb)
	}
}

// failPicture shows msg, an error about the picture on screen or one being
// opened, which showing another picture takes away; errors of other kinds
// (the browser refusing to keep a model, say) stay until dismissed.
func (a *App) failPicture(msg string) {
	a.Error, a.pictureErr = msg, msg
	a.Library.HoldSamples = false
}

// showPicture makes pic the current image and starts its analysis.
func (a *App) showPicture(pic *Picture, bmp js.Value) {
	if a.Error == a.pictureErr {
		a.Error = ""
	}
	a.pictureErr = ""
	a.reopenPending = nil
	if !a.View.firstSaliency {
		mark("se-picture-shown")
	}
	a.View.Show(pic)
	src := bmp
	if pic.FromInput = !src.Truthy(); pic.FromInput {
		src = a.inputPicture(pic)
	}
	a.surf.SetImage(src, pic.Width, pic.Height)
	a.placeFrame()
	a.restoreMask()
	a.ApplyStyles()
	a.store.Set(keyLast+a.Session.Model.Dataset, pic.Key)
	a.analyze()
}

// inputPicture draws pic's model input where the model's window lies in
// the picture (all of it, or the centre crop, the rest left black), for a
// picture whose file is gone: masks and maps then fall where they fall
// on the full picture.
func (a *App) inputPicture(pic *Picture) js.Value {
	in := inputCanvas(pic.Input, pic.C, pic.H, pic.W)
	r := ModelWindow(a.Session.Model, pic.Width, pic.Height)
	if _, _, crop := ModelCrop(a.Session.Model, pic.Width, pic.Height); !crop {
		return in
	}
	cv := newCanvas(pic.Width, pic.Height, "")
	ctx := cv.Call("getContext", "2d")
	ctx.Set("fillStyle", "#000000")
	ctx.Call("fillRect", 0, 0, pic.Width, pic.Height)
	ctx.Call("drawImage", in, r.X0, r.Y0, r.X1-r.X0, r.Y1-r.Y0)
	return cv
}

// rememberUserImage adds or refreshes a user image in the stored list.
func (a *App) rememberUserImage(p *Picture) {
	if a.Library.Remember(p, a.Session.Model.Classes, thumb) {
		a.saveUserImages()
	}
}

func (a *App) saveUserImages() {
	if err := a.Library.Save(); err != nil {
		a.Notice = "Your list of images could not be saved (" + err.Error() + "): it will not survive a reload. Your masks are saved separately."
	}
}

// CurrentUserImage returns the stored record of the current picture, if it
// is one of the user's images.
func (a *App) CurrentUserImage() *UserImage { return a.Library.Current(a.View.Pic) }

// SetLabel sets the true label of the current user image.
func (a *App) SetLabel(l int) {
	u := a.CurrentUserImage()
	if u == nil {
		return
	}
	classes := a.Session.Model.Classes
	u.SetLabel(classes, l)
	a.View.Pic.Label = u.Label(classes)
	a.saveUserImages()
}

// RemoveUserImage forgets one of the user's images and its mask.
func (a *App) RemoveUserImage(u *UserImage) {
	a.Library.Remove(u)
	a.Mask.Forget(u.Key)
	a.saveUserImages()
}

// --- DICOM window ---

// SetWindow re-windows the DICOM image on screen with centre c and width w
// (modality units, e.g. Hounsfield units for CT), keeping the mask.
func (a *App) SetWindow(c, w float64) {
	if !a.View.WindowShown() {
		return
	}
	if math.IsNaN(c) || math.IsInf(c, 0) || !(w >= 1) || math.IsInf(w, 0) {
		a.Error = "The window needs a centre and a width of at least 1."
		return
	}
	a.Library.SetWindow(a.View.Pic.Key, c, w, true)
	a.redecode()
}

// ResetWindow goes back to the file's own window.
func (a *App) ResetWindow() {
	if !a.View.WindowShown() {
		return
	}
	a.Library.SetWindow(a.View.Pic.Key, 0, 0, false)
	a.redecode()
}

// redecode decodes the picture's file again (with its window) and replaces
// the image on screen, keeping the mask and the view.
func (a *App) redecode() {
	v := a.View
	pic := v.Pic
	b, ok := a.Library.File(pic.Key)
	if !ok {
		return
	}
	m := a.Session.Model
	v.openSeq++
	seq := v.openSeq
	a.eng.Send(&protocol.Header{Kind: protocol.Decode, Picture: pic.Key, DecodeRq: a.decodeRequest(pic)}, [][]byte{b}, func(r Reply) {
		if seq != v.openSeq || v.Pic != pic {
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

// OnModelFiles loads the model files chosen with "Load model…".
func (a *App) OnModelFiles(e vugu.DOMEvent) { withFiles(e, a.OpenFiles) }
