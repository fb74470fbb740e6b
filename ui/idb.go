package ui

import (
	"errors"
	"fmt"
	"strings"

	js "github.com/vugu/vugu/js"
)

// The page's IndexedDB database: what the user makes that is too big for
// localStorage's few megabytes of strings (issue #10). The store "models"
// holds the fine-tuned copies (key "tuned:" + model key) and the model
// loaded from files (key "file"), each as {bufs: byte arrays, info: a JSON
// description (keptInfo)}; "masks" holds the painted masks as PNG
// bytes at the picture's resolution, by picture key; "inputs" (from
// version 2) holds the model inputs of the user's images as little-endian
// float32 bytes, by picture key and input form (inputBlobKey).
const (
	idbName    = "saliency-explorer"
	idbVersion = 2
	idbModels  = "models"
	idbMasks   = "masks"
	idbInputs  = "inputs"
)

// idb is an open IndexedDB database. Every operation is asynchronous: it
// returns at once, and its callback runs later on the event loop (never
// blocking it), with the error the browser gave, if any.
type idb struct {
	db js.Value
}

// jsError turns a DOMException (or anything thrown) into an error; a
// quota error is errStorageFull.
func jsError(v js.Value, what string) error {
	if !v.Truthy() {
		return fmt.Errorf("%s failed", what)
	}
	name, msg := v.Get("name"), v.Get("message")
	if name.Truthy() && name.String() == "QuotaExceededError" {
		return errStorageFull
	}
	if msg.Truthy() {
		return fmt.Errorf("%s: %s", what, msg.String())
	}
	return fmt.Errorf("%s: %s", what, v.Call("toString").String())
}

// idbCall calls f, turning a JavaScript exception into an error.
func idbCall(f func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := strings.TrimPrefix(fmt.Sprint(r), "JavaScript error: ")
			if strings.Contains(strings.ToLower(msg), "quota") {
				err = errStorageFull
				return
			}
			err = errors.New(msg)
		}
	}()
	return f(), nil
}

// onRequest calls done once req (an IDBRequest or IDBTransaction, by its
// event names) succeeds or fails, then releases its handlers. The bad
// events are error and, for a transaction, abort (how a full quota shows).
func onRequest(req js.Value, ok string, bad []string, done func(js.Value, error)) {
	var fOK, fBad js.Func
	release := func() { fOK.Release(); fBad.Release() }
	settled := false
	fOK = js.FuncOf(func(js.Value, []js.Value) interface{} {
		if settled {
			return nil
		}
		settled = true
		release()
		done(req.Get("result"), nil)
		return nil
	})
	fBad = js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		if settled {
			return nil
		}
		settled = true
		release()
		if len(args) > 0 {
			args[0].Call("preventDefault") // handled here: no uncaught error
		}
		done(js.Undefined(), jsError(req.Get("error"), "the browser's database"))
		return nil
	})
	setJS(req, ok, fOK.Value)
	for _, b := range bad {
		setJS(req, b, fBad.Value)
	}
}

// later calls done with err from a goroutine, so that an error found at
// once reaches done as the browser's answers do: after the caller has
// returned (and released the page's lock).
func later(done func(js.Value, error), err error) {
	go done(js.Undefined(), err)
}

// openIDB opens (creating it the first time) the page's database. Where
// the browser blocks site data, done gets an error and the page keeps its
// work in memory only.
func openIDB(done func(*idb, error)) {
	req, err := idbCall(func() js.Value {
		f := global().Get("Reflect").Call("get", global(), "indexedDB")
		if !f.Truthy() {
			panic("this browser has no IndexedDB")
		}
		return f.Call("open", idbName, idbVersion)
	})
	if err != nil {
		go done(nil, err)
		return
	}
	upgrade := js.FuncOf(func(js.Value, []js.Value) interface{} {
		db := req.Get("result")
		for _, store := range []string{idbModels, idbMasks, idbInputs} {
			if !db.Get("objectStoreNames").Call("contains", store).Bool() {
				db.Call("createObjectStore", store)
			}
		}
		return nil
	})
	setJS(req, "onupgradeneeded", upgrade.Value)
	onRequest(req, "onsuccess", []string{"onerror"}, func(db js.Value, err error) {
		upgrade.Release()
		if err != nil {
			done(nil, err)
			return
		}
		done(&idb{db: db}, nil)
	})
}

// transaction runs f on one store in a transaction, and calls done when
// the transaction has committed or failed (a quota error shows here).
func (d *idb) transaction(store, mode string, f func(st js.Value) js.Value, done func(js.Value, error)) {
	var req js.Value
	tx, err := idbCall(func() js.Value {
		tx := d.db.Call("transaction", store, mode)
		req = f(tx.Call("objectStore", store))
		return tx
	})
	if err != nil {
		later(done, err)
		return
	}
	onRequest(tx, "oncomplete", []string{"onerror", "onabort"}, func(_ js.Value, err error) {
		if err != nil {
			done(js.Undefined(), err)
			return
		}
		done(req.Get("result"), nil)
	})
}

// put stores val under key.
func (d *idb) put(store, key string, val js.Value, done func(error)) {
	d.transaction(store, "readwrite", func(st js.Value) js.Value { return st.Call("put", val, key) },
		func(_ js.Value, err error) { done(err) })
}

// del removes key.
func (d *idb) del(store, key string, done func(error)) {
	d.transaction(store, "readwrite", func(st js.Value) js.Value { return st.Call("delete", key) },
		func(_ js.Value, err error) { done(err) })
}

// clear removes everything in store.
func (d *idb) clear(store string, done func(error)) {
	d.transaction(store, "readwrite", func(st js.Value) js.Value { return st.Call("clear") },
		func(_ js.Value, err error) { done(err) })
}

// all reads every key and value of store.
func (d *idb) all(store string, done func(keys []string, vals []js.Value, err error)) {
	var keysReq js.Value
	d.transaction(store, "readonly", func(st js.Value) js.Value {
		keysReq = st.Call("getAllKeys")
		return st.Call("getAll")
	}, func(res js.Value, err error) {
		if err != nil {
			done(nil, nil, err)
			return
		}
		ks := keysReq.Get("result")
		var keys []string
		var vals []js.Value
		for i := range min(ks.Length(), res.Length()) {
			keys = append(keys, ks.Index(i).String())
			vals = append(vals, res.Index(i))
		}
		done(keys, vals, nil)
	})
}
