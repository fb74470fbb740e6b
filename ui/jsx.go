package ui

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"
)

// Helpers around the browser APIs the UI uses. They must run in the
// browser; natively the vugu js package panics.

func global() js.Value { return js.Global() }

func document() js.Value { return js.Global().Get("document") }

// loader is the page's resource loader (assets/loader.js): every file of
// the site is fetched and every engine worker started through it, so the
// same code runs served and bundled into one HTML file.
func loader() js.Value { return js.Global().Get("seLoader") }

// await blocks until the promise settles and returns its value or error. It
// must not be called from a JavaScript callback or a vugu event handler
// (which run on the event loop); call it from a goroutine of its own.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var ok, bad js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		ch <- result{v: args[0]}
		return nil
	})
	bad = js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		msg := "error"
		if len(args) > 0 && args[0].Truthy() {
			if m := args[0].Get("message"); m.Truthy() {
				msg = m.String()
			} else {
				msg = args[0].Call("toString").String()
			}
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", ok, bad)
	r := <-ch
	ok.Release()
	bad.Release()
	return r.v, r.err
}

// afterPaint blocks until the browser has rendered its next frame (a
// requestAnimationFrame callback, then a task after it). Like await, call
// it from a goroutine of its own.
func afterPaint() {
	ch := make(chan struct{}, 1)
	var frame, task js.Func
	task = js.FuncOf(func(js.Value, []js.Value) interface{} {
		ch <- struct{}{}
		return nil
	})
	frame = js.FuncOf(func(js.Value, []js.Value) interface{} {
		global().Call("setTimeout", task, 0)
		return nil
	})
	global().Call("requestAnimationFrame", frame)
	<-ch
	frame.Release()
	task.Release()
}

// bytesOf copies the bytes of an ArrayBuffer, typed array or DataView.
func bytesOf(buf js.Value) []byte {
	u := global().Get("Uint8Array").New(buf)
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return b
}

// uint8Array copies b into a new Uint8Array.
func uint8Array(b []byte) js.Value {
	u := global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// readFile reads a File (from an input or a drop) into memory.
func readFile(f js.Value) ([]byte, error) {
	ab, err := await(f.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	return bytesOf(ab), nil
}

// newBlob returns a Blob holding b with the given MIME type.
func newBlob(b []byte, typ string) js.Value {
	parts := global().Get("Array").New()
	parts.Call("push", uint8Array(b))
	opts := global().Get("Object").New()
	opts.Set("type", typ)
	return global().Get("Blob").New(parts, opts)
}

// objectURL returns a blob: URL of b with the given MIME type; revokeURL
// frees it once nothing shows it.
func objectURL(b []byte, typ string) string {
	return global().Get("URL").Call("createObjectURL", newBlob(b, typ)).String()
}

// revokeURL frees a URL objectURL made.
func revokeURL(u string) { global().Get("URL").Call("revokeObjectURL", u) }

// download offers b to the user as a file.
func download(b []byte, name, typ string) {
	url := global().Get("URL").Call("createObjectURL", newBlob(b, typ))
	a := document().Call("createElement", "a")
	setJS(a, "href", url)
	a.Set("download", name)
	a.Get("style").Set("display", "none")
	document().Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	global().Call("setTimeout", js.FuncOf(func(js.Value, []js.Value) interface{} {
		global().Get("URL").Call("revokeObjectURL", url)
		return nil
	}).Value, 10000)
}

// dataURL returns a data: URL of b, for small images kept in the page.
func dataURL(b []byte, typ string) string {
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// newCanvas creates a canvas element of the given size and class.
func newCanvas(w, h int, class string) js.Value {
	c := document().Call("createElement", "canvas")
	c.Set("width", w)
	c.Set("height", h)
	c.Set("className", class)
	return c
}

// newDiv creates a div with a class.
func newDiv(class string) js.Value {
	d := document().Call("createElement", "div")
	d.Set("className", class)
	return d
}

// putRGBA draws w×h RGBA pixels at (0, 0) of a 2D context.
func putRGBA(ctx js.Value, rgba []byte, w, h int) {
	arr := global().Get("Uint8ClampedArray").New(len(rgba))
	js.CopyBytesToJS(arr, rgba)
	img := global().Get("ImageData").New(arr, w, h)
	ctx.Call("putImageData", img, 0, 0)
}

// getRGBA reads a w×h region of a 2D context.
func getRGBA(ctx js.Value, w, h int) []byte {
	data := ctx.Call("getImageData", 0, 0, w, h).Get("data")
	b := make([]byte, data.Length())
	js.CopyBytesToGo(b, data)
	return b
}

// storage is window.localStorage, or undefined if the page has none or
// reading it throws: Chrome throws a SecurityError when the user blocks
// the site's data (issue #10: the app never started).
func storage() (s js.Value) {
	defer func() {
		if recover() != nil {
			s = js.Undefined()
		}
	}()
	// Through Reflect.get: an exception thrown by a getter read with
	// Value.Get is not turned into a Go panic (wasm_exec.js catches only
	// calls) and ends the program; one thrown inside Call is.
	return global().Get("Reflect").Call("get", global(), "localStorage")
}

// storageAvailable reports whether the page can keep data in localStorage.
func storageAvailable() bool { return storage().Truthy() }

func storageGet(key string) (_ string, ok bool) {
	s := storage()
	if !s.Truthy() {
		return "", false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := s.Call("getItem", key)
	if v.IsNull() || v.IsUndefined() {
		return "", false
	}
	return v.String(), true
}

// errStorageOff is returned when the page has no localStorage (disabled
// by the browser's settings or a private mode).
var errStorageOff = errors.New("the browser's storage is turned off")

// errStorageFull is returned when the storage quota is used up.
var errStorageFull = errors.New("the browser's storage is full")

// storageSet stores a value. It returns errStorageFull when the browser
// refuses because its quota is used up, or another error saying why.
func storageSet(key, val string) (err error) {
	s := storage()
	if !s.Truthy() {
		return errStorageOff
	}
	defer func() {
		if r := recover(); r != nil {
			err = storageError(r)
		}
	}()
	s.Call("setItem", key, val)
	return nil
}

// storageError turns what setItem threw into an error for the user.
func storageError(r any) error {
	msg := fmt.Sprint(r)
	if e, ok := r.(error); ok {
		msg = e.Error()
	}
	if strings.Contains(strings.ToLower(msg), "quota") {
		return errStorageFull
	}
	return fmt.Errorf("the browser refused to store it (%s)", strings.TrimPrefix(msg, "JavaScript error: "))
}

func storageRemove(key string) {
	defer func() { recover() }() // nothing is stored where storage throws
	if s := storage(); s.Truthy() {
		s.Call("removeItem", key)
	}
}

// storageKeys returns the stored keys with the prefix.
func storageKeys(prefix string) (keys []string) {
	s := storage()
	if !s.Truthy() {
		return nil
	}
	defer func() {
		if recover() != nil {
			keys = nil
		}
	}()
	for i := range s.Get("length").Int() {
		k := s.Call("key", i).String()
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k)
		}
	}
	return keys
}

// setJS sets obj[prop] = v. Use it instead of Value.Set when v is a
// JavaScript value: vugu's js.Value.Set does not unwrap its own Value type.
func setJS(obj js.Value, prop string, v interface{}) {
	global().Get("Reflect").Call("set", obj, prop, v)
}

// mark records a performance mark (for make bench-web).
func mark(name string) {
	if p := global().Get("performance"); p.Truthy() {
		p.Call("mark", name)
	}
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

// withFiles calls f with the files of a file input's change event, if
// any, then clears the input so choosing the same file again fires another
// event.
func withFiles(e vugu.DOMEvent, f func(files js.Value)) {
	t := e.JSEventTarget()
	if files := t.Get("files"); files.Length() > 0 {
		f(files)
	}
	t.Set("value", "")
}
