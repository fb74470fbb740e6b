package ui

import (
	"math"
	"strings"

	js "github.com/vugu/vugu/js"
)

// pointer is the state of a stroke or a pan in progress.
type pointer struct {
	stroking, panning bool
	spaceDown         bool // Space held: drag to pan
	lastX, lastY      float64
}

// installHandlers wires the keyboard, drag-and-drop, window resizing and
// the pointer on the main pane. These run outside vugu's event system, so
// painting does not re-render the page on every pointer move; they lock the
// event environment only when they change state that the page shows.
func (a *App) installHandlers() {
	doc := document()
	on := func(target js.Value, typ string, passive bool, f func(e js.Value)) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
			f(args[0])
			return nil
		})
		opts := global().Get("Object").New()
		opts.Set("passive", passive)
		target.Call("addEventListener", typ, fn.Value, opts)
	}
	on(doc, "keydown", false, a.onKeyDown)
	on(doc, "keyup", true, func(e js.Value) {
		if e.Get("code").String() == "Space" {
			a.ptr.spaceDown = false
		}
	})
	on(global(), "resize", true, func(js.Value) { a.surf.Layout() })
	on(doc, "dragover", false, func(e js.Value) {
		e.Call("preventDefault")
		doc.Get("body").Get("classList").Call("add", "dragging")
	})
	on(doc, "dragleave", true, func(e js.Value) {
		if !e.Get("relatedTarget").Truthy() {
			doc.Get("body").Get("classList").Call("remove", "dragging")
		}
	})
	on(doc, "drop", false, func(e js.Value) {
		e.Call("preventDefault")
		doc.Get("body").Get("classList").Call("remove", "dragging")
		files := e.Get("dataTransfer").Get("files")
		a.locked(func() { a.OpenFiles(files) })
	})

	box := a.surf.MainBox()
	on(box, "pointerdown", false, a.onPointerDown)
	on(box, "pointermove", true, a.onPointerMove)
	on(box, "pointerup", true, a.onPointerUp)
	on(box, "pointercancel", true, a.onPointerUp)
	on(box, "pointerleave", true, func(js.Value) { a.surf.ShowCursor(0, 0, 0, false) })
	on(box, "contextmenu", false, func(e js.Value) { e.Call("preventDefault") })
	on(box, "wheel", false, func(e js.Value) {
		e.Call("preventDefault")
		if a.View.Pic == nil {
			return
		}
		r := box.Call("getBoundingClientRect")
		f := math.Exp(-e.Get("deltaY").Float() * 0.0015)
		a.surf.ZoomAt(f, e.Get("clientX").Float()-r.Get("left").Float(), e.Get("clientY").Float()-r.Get("top").Float())
		a.locked(func() {})
	})
}

// OpenFiles opens what the user dropped or picked: a model (an ONNX file,
// with an optional labels file, or an architecture .json with its
// .safetensors weights) or an image.
func (a *App) OpenFiles(files js.Value) {
	n := files.Length()
	if n == 0 {
		return
	}
	var arch, weights, onnxFile, labels js.Value
	for i := range n {
		f := files.Index(i)
		switch name := f.Get("name").String(); {
		case isONNX(name):
			onnxFile = f
		case isLabelsFile(name):
			labels = f
		}
	}
	if onnxFile.Truthy() {
		a.LoadONNXFiles(onnxFile, labels)
		return
	}
	for i := range n {
		f := files.Index(i)
		name := strings.ToLower(f.Get("name").String())
		switch {
		case strings.HasSuffix(name, ".json"):
			arch = f
		case strings.HasSuffix(name, ".safetensors"):
			weights = f
		}
	}
	if arch.Truthy() || weights.Truthy() {
		a.LoadModelFiles(arch, weights)
		return
	}
	f := files.Index(0)
	if msg := modelFileMessage(f.Get("name").String()); msg != "" {
		a.Error = msg
		return
	}
	a.OpenFile(f)
}

// typing reports whether a key event goes to a text field.
func typing(e js.Value) bool {
	t := e.Get("target")
	if !t.Truthy() || !t.Get("tagName").Truthy() {
		return false
	}
	switch t.Get("tagName").String() {
	case "TEXTAREA", "SELECT":
		return true
	case "INPUT":
		switch t.Get("type").String() {
		case "range", "checkbox", "radio", "button", "file":
			return false
		}
		return true
	}
	return false
}

// onKeyDown implements the keyboard shortcuts (listed in the help panel).
func (a *App) onKeyDown(e js.Value) {
	key := e.Get("key").String()
	ctrl := e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()
	if key == "Escape" {
		a.locked(func() {
			if a.ConfirmClear {
				a.ConfirmClear = false
				return
			}
			if a.Session.PickerOpen {
				a.Session.PickerOpen = false
				return
			}
			a.CancelMaps()
			a.CancelCheck()
			a.Error = ""
		})
		return
	}
	if typing(e) {
		return
	}
	if e.Get("code").String() == "Space" {
		a.ptr.spaceDown = true
		tag := e.Get("target").Get("tagName").String()
		if tag != "BUTTON" && tag != "INPUT" {
			e.Call("preventDefault")
		}
		return
	}
	handled := true
	a.locked(func() {
		switch {
		case ctrl && (key == "z" || key == "Z") && !e.Get("shiftKey").Bool():
			a.Undo()
		case ctrl && (key == "y" || key == "Y" || ((key == "z" || key == "Z") && e.Get("shiftKey").Bool())):
			a.Redo()
		case ctrl:
			handled = false
		case key == "[":
			a.Mask.SetBrush(a.Mask.Brush / 1.25)
		case key == "]":
			a.Mask.SetBrush(a.Mask.Brush * 1.25)
		case key == "b" || key == "B":
			a.Mask.Tool = ToolBrush
		case key == "e" || key == "E":
			a.Mask.Tool = ToolEraser
		case key == "h" || key == "H":
			a.Mask.Tool = ToolPan
		case key == "r" || key == "R" || key == "0":
			a.surf.ResetView()
		case key == "+" || key == "=":
			a.ZoomBy(1.25)
		case key == "-" || key == "_":
			a.ZoomBy(1 / 1.25)
		case key == "m" || key == "M":
			a.Mask.ShowMask = !a.Mask.ShowMask
			a.ApplyStyles()
		case key == "s" || key == "S":
			a.View.ShowHeat = !a.View.ShowHeat
			a.ApplyStyles()
		case key == "c" || key == "C":
			a.ToggleCompare()
		default:
			handled = false
		}
	})
	if handled {
		e.Call("preventDefault")
	}
}

func (a *App) onPointerDown(e js.Value) {
	if a.View.Pic == nil {
		return
	}
	button := e.Get("button").Int()
	x, y := e.Get("clientX").Float(), e.Get("clientY").Float()
	box := a.surf.MainBox()
	box.Call("setPointerCapture", e.Get("pointerId"))
	if button == 1 || button == 2 || a.Mask.Tool == ToolPan || a.ptr.spaceDown {
		a.ptr.panning = true
		a.ptr.lastX, a.ptr.lastY = x, y
		box.Get("classList").Call("add", "panning")
		e.Call("preventDefault")
		return
	}
	if button != 0 {
		return
	}
	e.Call("preventDefault")
	a.ptr.stroking = true
	a.surf.PushUndo()
	rx, ry, per := a.surf.toRaster(x, y)
	a.surf.Stroke(rx, ry, rx, ry, a.Mask.Brush*per, a.Mask.Tool == ToolEraser)
	a.ptr.lastX, a.ptr.lastY = rx, ry
}

func (a *App) onPointerMove(e js.Value) {
	x, y := e.Get("clientX").Float(), e.Get("clientY").Float()
	switch {
	case a.ptr.panning:
		a.surf.Pan(x-a.ptr.lastX, y-a.ptr.lastY)
		a.ptr.lastX, a.ptr.lastY = x, y
		return
	case a.View.Pic != nil && a.Mask.Painting() && !a.ptr.spaceDown:
		a.surf.ShowCursor(x, y, a.Mask.Brush, a.Mask.Tool == ToolEraser)
	default:
		a.surf.ShowCursor(0, 0, 0, false)
	}
	if a.ptr.stroking {
		rx, ry, per := a.surf.toRaster(x, y)
		a.surf.Stroke(a.ptr.lastX, a.ptr.lastY, rx, ry, a.Mask.Brush*per, a.Mask.Tool == ToolEraser)
		a.ptr.lastX, a.ptr.lastY = rx, ry
	}
}

func (a *App) onPointerUp(e js.Value) {
	if a.ptr.panning {
		a.ptr.panning = false
		a.surf.MainBox().Get("classList").Call("remove", "panning")
		return
	}
	if a.ptr.stroking {
		a.ptr.stroking = false
		a.locked(a.maskChanged)
	}
}
