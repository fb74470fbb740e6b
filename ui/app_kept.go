package ui

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	js "github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// --- Models kept in the browser (issue #10) ---
//
// The fine-tuned copies and the model loaded from files are kept in
// IndexedDB (idb.go) as well as in memory, so that they survive a reload
// as they survive an engine crash (app_restart.go).

// Keys of the models store.
const (
	keptTunedPrefix = "tuned:" // + model key: that model's fine-tuned copy
	keptFileKey     = "file"   // the model loaded from files
)

// keptInfo describes a kept model: where it came from and, for a
// fine-tuned copy, the history of the runs that made it; for a model
// loaded from files, what the files are (as the LoadModel request said).
type keptInfo struct {
	Name    string                 `json:"name"`
	Origin  string                 `json:"origin"`
	History []protocol.EpochReport `json:"history,omitempty"`
	File    *protocol.ModelFile    `json:"file,omitempty"`
}

// keepUserModel keeps the model the user loaded from files (the buffers
// and description of its LoadModel request), in memory and in the
// browser, for a restarted engine and the next visit. name is what the
// model list calls it, from the file's name.
func (a *App) keepUserModel(name, fileName string, file *protocol.ModelFile, bufs [][]byte) {
	a.userFiles = &keptModel{Bufs: bufs, Info: keptInfo{Name: name, Origin: "loaded from your file " + fileName, File: file}}
	a.saveKept(keptFileKey, a.userFiles)
	delete(a.kept, protocol.UserModelKey)
	a.dropKept(keptTunedPrefix + protocol.UserModelKey)
}

// startDB opens the database and reads the masks and the user images'
// inputs kept in it (moving there what localStorage held before); what
// waits for the database (whenDB) runs once this is done, or once it has
// failed (site data blocked: the page keeps work in memory, and says so).
func (a *App) startDB() {
	if d := dbDelay(); d > 0 {
		go func() {
			time.Sleep(d)
			a.openDB()
		}()
		return
	}
	a.openDB()
}

// dbDelay is how long a test page (?test-hooks=1&db-delay=ms) holds the
// database back, as a slow disk would in a fresh profile.
func dbDelay() time.Duration {
	if !testHooks() {
		return 0
	}
	ms, _ := strconv.Atoi(pageParam("db-delay"))
	return time.Duration(ms) * time.Millisecond
}

// openDB opens the database and reads it (startDB).
func (a *App) openDB() {
	openIDB(func(d *idb, err error) {
		if err != nil {
			a.locked(func() { a.dbOpened(nil, err) })
			return
		}
		d.all(idbMasks, func(keys []string, vals []js.Value, err error) {
			if err != nil {
				a.locked(func() { a.dbOpened(nil, err) })
				return
			}
			masks := heldBytes(keys, vals)
			d.all(idbInputs, func(keys []string, vals []js.Value, err error) {
				// An empty database (a first visit) changes nothing on
				// the page: no render then, for the first map's sake.
				a.lockedIf(func() bool {
					if err != nil {
						a.dbOpened(nil, err)
						return true
					}
					inputs := heldBytes(keys, vals)
					a.Mask.UseBlobs(dbBlobs{a: a, db: d, store: idbMasks}, masks)
					a.applyHeldMask()
					a.Library.UseInputBlobs(dbBlobs{a: a, db: d, store: idbInputs}, inputs, func(err error) {
						a.Notice = "An image's model input could not be kept in this browser (" + err.Error() + "): it stays in your list until the page closes; open the file again after a reload to fine-tune with it."
					})
					a.dbOpened(d, nil)
					return len(masks) > 0 || len(inputs) > 0
				})
			})
		})
	})
}

// heldBytes collects the byte arrays a store's all returned, by key.
func heldBytes(keys []string, vals []js.Value) map[string][]byte {
	held := map[string][]byte{}
	for i, k := range keys {
		if vals[i].Truthy() && vals[i].Get("buffer").Truthy() {
			held[k] = bytesOf(vals[i].Get("buffer"))
		}
	}
	return held
}

// dbOpened records the database (or why there is none) and runs what
// waited for it.
func (a *App) dbOpened(d *idb, err error) {
	mark("se-db-ready")
	a.db, a.dbErr, a.dbDone = d, err, true
	for _, f := range a.dbWait {
		f()
	}
	a.dbWait = nil
}

// dbBlobs is a BlobStore on one of the database's stores: masks for the
// MaskEditor, inputs for the Library.
type dbBlobs struct {
	a     *App
	db    *idb
	store string
}

func (s dbBlobs) Put(key string, b []byte, done func(error)) {
	s.db.put(s.store, key, uint8Array(b), func(err error) { s.a.locked(func() { done(err) }) })
}

func (s dbBlobs) Delete(key string) { s.db.del(s.store, key, func(error) {}) }

// whenDB runs f once the database is open or has failed to open.
func (a *App) whenDB(f func()) {
	if a.dbDone {
		f()
		return
	}
	a.dbWait = append(a.dbWait, f)
}

// saveKept stores a kept model under key. If the browser refuses (its
// storage is full, or site data is blocked), the model stays in memory
// and the page says so. One record per key is written at a time: a model
// kept again while its last copy is being written (a large imported
// model's fine-tuned copy at every epoch's end) waits, and only the
// latest waiting copy is written after it.
func (a *App) saveKept(key string, k *keptModel) {
	a.store.Set(keyKept, "1")
	a.whenDB(func() {
		if a.db == nil {
			a.Error = "The browser did not keep " + keptWhat(key) + " (its database did not open: " + errText(a.dbErr) + "): it stays until you close the page, and is restored if the engine stops. Use Export model to save it as files."
			return
		}
		if a.saving == nil {
			a.saving = map[string]*keptModel{}
		}
		if _, busy := a.saving[key]; busy {
			a.saving[key] = k
			return
		}
		a.saving[key] = nil
		a.putKept(key, k)
	})
}

// keptWhat names the kept model under key for the user.
func keptWhat(key string) string {
	if key == keptFileKey {
		return "the model you loaded"
	}
	return "the fine-tuned model"
}

// errText is err's message, or "unknown error".
func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// putKept writes a kept model under key, then the copy that waits for it,
// if any.
func (a *App) putKept(key string, k *keptModel) {
	info, _ := json.Marshal(k.Info)
	rec := global().Get("Object").New()
	bufs := global().Get("Array").New()
	for _, b := range k.Bufs {
		bufs.Call("push", uint8Array(b))
	}
	setJS(rec, "bufs", bufs)
	rec.Set("info", string(info))
	a.db.put(idbModels, key, rec, func(err error) {
		a.locked(func() {
			if next := a.saving[key]; next != nil {
				a.saving[key] = nil
				a.putKept(key, next)
			} else {
				delete(a.saving, key)
			}
			if err == nil {
				// For tests: which records the browser has taken.
				body := document().Get("body").Get("dataset")
				saved := key
				if s := body.Get("keptSaved"); s.Truthy() {
					saved = s.String() + " " + key
				}
				body.Set("keptSaved", saved)
				return
			}
			a.Error = "The browser did not keep " + keptWhat(key) + " (" + err.Error() + ", " + megabytes(k.size()) + "): it stays until you close the page, and is restored if the engine stops. Use Export model to save it as files."
		})
	})
}

// megabytes formats a size in bytes for messages, in MB (KB below a
// tenth of one).
func megabytes(n int) string {
	if n < 1<<20/10 {
		return strconv.Itoa((n+1023)/1024) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
}

// size returns the bytes of a kept model's files.
func (k *keptModel) size() int {
	n := 0
	for _, b := range k.Bufs {
		n += len(b)
	}
	return n
}

// dropKept removes a kept model (and forgets a copy waiting to be
// written under its key).
func (a *App) dropKept(key string) {
	if _, busy := a.saving[key]; busy {
		a.saving[key] = nil
	}
	a.whenDB(func() {
		if a.db != nil {
			a.db.del(idbModels, key, func(error) {})
		}
	})
}

// ForgetOffered reports whether the notice on screen offers to remove
// kept models that the last restore could not give back to the engine.
func (a *App) ForgetOffered() bool {
	return len(a.unrestored) > 0 && a.Notice == a.unrestoredNotice
}

// ForgetUnrestored removes from the browser the kept models the last
// restore could not give back to the engine (a fine-tuned copy or a model
// from files this version of the app cannot read, say), which would
// otherwise be tried, and fail, at every visit.
func (a *App) ForgetUnrestored() {
	var names []string
	for _, key := range a.unrestored {
		a.dropKept(key)
		if key == keptFileKey {
			a.userFiles = nil
			names = append(names, "the model you loaded")
		} else {
			names = append(names, "the fine-tuned copy of “"+a.Session.ModelName(strings.TrimPrefix(key, keptTunedPrefix))+"”")
		}
	}
	a.unrestored = nil
	a.Notice = "Removed from this browser: " + strings.Join(names, ", ") + "."
}

// keptOrigin says where the current model's fine-tuned copy comes from.
func (a *App) keptOrigin() string {
	s, t := a.Session, a.Train
	return "fine-tuned in this browser from " + s.Model.Name + " with " + s.ObjectiveLabel(t.Method) + ", " + time.Now().UTC().Format("2006-01-02 15:04 UTC")
}

// finiteHistory returns a copy of h with non-finite numbers as -1 (JSON
// holds none).
func finiteHistory(h []protocol.EpochReport) []protocol.EpochReport {
	out := append([]protocol.EpochReport(nil), h...)
	for i := range out {
		e := &out[i]
		for _, v := range []*float64{&e.TrainLoss, &e.ValidLoss, &e.ValidAcc, &e.ValidAUC, &e.TestAcc, &e.TestAUC, &e.MeanIoU, &e.MeanMass} {
			if math.IsNaN(*v) || math.IsInf(*v, 0) {
				*v = -1
			}
		}
	}
	return out
}

// restoreKept reads the kept models after the engine's first start and,
// if there are any, gives them to the engine (as after a crash); else it
// opens the last image. When that image needs nothing from the database
// (opensWithoutDB), it is opened at once, without waiting for the
// database to open (about a second in a fresh profile).
func (a *App) restoreKept() {
	early := a.opensWithoutDB()
	if early {
		a.holdSamples()
		a.restoreLast()
	}
	a.whenDB(func() {
		if a.db == nil {
			if !early {
				a.restoreLast()
			}
			return
		}
		a.db.all(idbModels, func(keys []string, vals []js.Value, err error) {
			mark("se-db-kept-read")
			a.lockedIf(func() bool {
				if err != nil || !a.takeKept(keys, vals) {
					if err == nil {
						a.store.Remove(keyKept)
					}
					if !early {
						a.restoreLast()
					}
					return !early
				}
				a.store.Set(keyKept, "1")
				cur := a.Session.Model.Key
				// (Init has stored its own model as the last one since.)
				if a.lastModel == protocol.UserModelKey && a.userFiles != nil {
					cur = a.lastModel
				}
				// If the picture opened early is on screen, the restore
				// keeps it and recomputes its maps with the kept models
				// (restored); that happens only when keyKept was lost.
				a.Session.Switching = "Restoring the models kept in this browser…"
				a.restoreEngine(cur, false, "")
				return true
			})
		})
	})
}

// opensWithoutDB reports whether the page's first picture needs nothing
// from the browser's database, so that it can be opened before the
// database is: no model is kept there (keyKept unset, and the model last
// used is not the one loaded from files, which the database holds) and the
// last image of the data set is one of its samples (which come with the
// engine's Ready), or there is none (the default sample). Otherwise the
// page waits as before: a user image's model input is in the database,
// and the list of real images is still being fetched. A sample's painted
// mask is in the database too: it is shown when the database has given it
// (applyHeldMask). (Once the database is open, reading its models still
// takes a while: this does not depend on it.)
func (a *App) opensWithoutDB() bool {
	if v, ok := a.store.Get(keyKept); ok && v != "" {
		return false
	}
	if a.lastModel == protocol.UserModelKey {
		return false
	}
	last, _ := a.store.Get(keyLast + a.Session.Model.Dataset)
	return last == "" || a.Library.Sample(last) != nil
}

// applyHeldMask shows the painted mask of the picture on screen once the
// database has given it: the picture was opened before the database was
// (opensWithoutDB). A mask the user painted or cleared meanwhile stays.
func (a *App) applyHeldMask() {
	pic := a.View.Pic
	if pic == nil || a.surf == nil || a.Mask.EditedEarly(pic.Key) {
		return
	}
	if _, ok := a.Mask.Stored(pic.Key); !ok {
		return
	}
	a.restoreMask()
}

// takeKept installs the kept models read from the database in the page:
// a.kept, a.userFiles, the fine-tuned scores and charts of each model. It
// reports whether there was any.
func (a *App) takeKept(keys []string, vals []js.Value) bool {
	s := a.Session
	any := false
	for i, key := range keys {
		v := vals[i]
		if !v.Truthy() || !v.Get("bufs").Truthy() || v.Get("bufs").Length() == 0 {
			continue
		}
		var info keptInfo
		if i := v.Get("info"); i.Truthy() {
			json.Unmarshal([]byte(i.String()), &info)
		}
		k := &keptModel{Info: info}
		for j := range v.Get("bufs").Length() {
			k.Bufs = append(k.Bufs, bytesOf(v.Get("bufs").Index(j).Get("buffer")))
		}
		switch {
		case key == keptFileKey:
			a.userFiles = k
			if info.Name != "" {
				s.FileModelName = info.Name
			}
		case strings.HasPrefix(key, keptTunedPrefix):
			mk := strings.TrimPrefix(key, keptTunedPrefix)
			if a.kept == nil {
				a.kept = map[string]*keptModel{}
			}
			a.kept[mk] = k
			s.SetOrigin(mk, info.Origin)
			if r, ok := tunedScores(info.History); ok {
				s.SetTuned(mk, r)
			}
			if len(info.History) > 0 {
				s.Remember(mk, &modelMemo{Train: trainMemo{History: info.History, State: protocol.StateDone,
					Msg: "Kept in this browser: " + info.Origin + "."}})
			}
		default:
			continue
		}
		any = true
	}
	return any
}
