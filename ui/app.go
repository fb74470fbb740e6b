package ui

import (
	"strconv"
	"time"

	"github.com/vugu/vugu"

	"saliencyexplorer/wasm/protocol"
)

// App is the root component. It owns the page's parts — the model session,
// the picture and its panes, the mask editor, the user's library and
// fine-tuning — and does what involves several of them or the engine
// worker: opening images, asking for predictions and maps, switching
// models, training. Each panel gets the parts it shows and the narrow set
// of App's actions it triggers (actions.go).
type App struct {
	env   vugu.EventEnv
	eng   *Engine
	surf  *Surface
	store Store

	Session *Session
	View    *View
	Mask    *MaskEditor
	Library *Library
	Train   *Trainer
	Check   *MapCheck

	Error string // shown in a banner until dismissed
	// pictureErr is the Error failPicture set, if still shown: showing
	// another picture takes it away.
	pictureErr string
	Notice     string
	// ConfirmClear shows the dialog that asks before "Clear my data"
	// removes the user's work.
	ConfirmClear bool

	started bool
	ptr     pointer

	// What a restarted engine gets back (app_restart.go): the fine-tuned
	// copies by model key, the model loaded from files, and when the
	// engine last died.
	kept      map[string]*keptModel
	userFiles *keptModel
	// unrestored holds the database keys of the kept models the last
	// restore could not give back to the engine, which the notice it
	// wrote (unrestoredNotice) offers to forget.
	unrestored       []string
	unrestoredNotice string
	// saving holds, by key, the kept models being written to the
	// browser's database: the copy waiting for the write in flight, or nil.
	saving map[string]*keptModel
	// lastModel is the model in use when the page was last closed.
	lastModel string
	// reopenPending is the model a switch left while a picture was being
	// opened: if that picture fails, what the new model can read is
	// reopened as after any switch (app_models.go).
	reopenPending *protocol.ModelInfo
	// cards holds the edits of the imported models' cards made on this
	// page, by file name (app_onnx.go).
	cards     map[string]cardMemo
	everReady bool
	crashes   []time.Time
	// The browser's database for them (app_kept.go): nil until open, or
	// if the browser refuses (dbErr).
	db     *idb
	dbErr  error
	dbDone bool
	dbWait []func()
	// early is the prediction asked for when the picture being opened was
	// decoded (app_maps.go).
	early *earlyPredict
	// earlyMap is the main pane's first map, asked for with early.
	earlyMap *earlyMap
	// readyUnshown: the engine is ready, and no render has shown it yet
	// (Rendered).
	readyUnshown bool
	// panelsShown: the page has shown its panels (PanelsShown).
	panelsShown bool
	// firstViewGen counts putFirstViewOff's calls: only the last one's
	// timer renders.
	firstViewGen int
	// Restarts counts the engine's restarts after a crash.
	Restarts int
}

// NewApp returns the app with its default settings, keeping the user's
// work in the browser's storage.
// If the browser keeps nothing for the page (site data blocked), the app
// works without storage and says that masks will not be kept.
func NewApp() *App {
	a := newApp(webStore{})
	if !storageAvailable() {
		a.Mask.SetStorageOff()
	}
	return a
}

func newApp(store Store) *App {
	return &App{
		store:   store,
		Session: NewSession(),
		View:    NewView(),
		Mask:    NewMaskEditor(store),
		Library: NewLibrary(store),
		Train:   NewTrainer(),
		Check:   &MapCheck{},
	}
}

// Surface returns the canvases of the picture, its maps and its mask.
func (a *App) Surface() *Surface { return a.surf }

// Start connects the app to the page: it starts the engine worker, creates
// the canvases and installs keyboard, drag-and-drop and pointer handlers.
// Call it once, before the render loop, from the main goroutine.
func (a *App) Start(env vugu.EventEnv) {
	if a.started {
		return
	}
	a.started = true
	a.env = env
	mark("se-app-start")
	loadSettings(a.store, a.View, a.Mask)
	a.surf = NewSurface()
	a.ApplyStyles()
	a.installHandlers()
	a.Library.Load()
	a.loadRealImages()
	a.installTestHooks()
	mark("se-db-open")
	a.startDB()
	// The page's query reaches the worker through boot.js, which starts it
	// (seEngine); "worker.js" is for a page without it.
	a.eng = NewEngine(env, "worker.js", a.onOther, a.onDied)
	mark("se-engine-spawned")
	if testHooks() {
		if s, err := strconv.Atoi(pageParam("watchdog")); err == nil && s > 0 {
			a.eng.Patience = time.Duration(s) * time.Second
		}
	}
	init := &protocol.Header{Kind: protocol.Init}
	if m, ok := a.store.Get(keyModel); ok && m != "" {
		init.Select = &protocol.SelectRequest{Model: m}
		// The model from files is not in the engine yet: Init starts
		// with the default, and restoreKept loads it from the browser.
		a.lastModel = m
	}
	a.eng.Send(init, nil, a.onInit)
}

// locked runs f with the event environment locked and requests a render.
func (a *App) locked(f func()) {
	a.env.Lock()
	defer a.env.UnlockRender()
	f()
}

// lockedIf runs f with the event environment locked, and requests a
// render only if f says it changed what the page shows.
func (a *App) lockedIf(f func() (changed bool)) {
	a.env.Lock()
	changed := true
	defer func() {
		if changed {
			a.env.UnlockRender()
		} else {
			a.env.UnlockOnly()
		}
	}()
	changed = f()
}

// ShowError shows a message in the error banner.
func (a *App) ShowError(msg string) { a.Error = msg }

// onOther handles messages that answer no pending request.
func (a *App) onOther(r Reply) {
	switch r.Kind {
	case protocol.Failed:
		if r.ID == 0 || r.Text == "fatal" {
			a.Session.EngineState = EngineFailed
			a.Session.EngineMsg = r.Error
			a.Error = r.Error
			document().Get("body").Get("dataset").Set("engine", "failed")
		}
	case protocol.Log:
		if r.ID == 0 {
			if r.Text == "engine started" && !a.everReady {
				mark("se-engine-started")
			}
			// Nothing on the page shows these lines: a render for one
			// would hold the next message back (the Ready, at start).
			a.eng.SkipRender()
			return
		}
		a.Session.EngineMsg = r.Text
	}
}

func (a *App) onInit(r Reply) {
	s := a.Session
	switch r.Kind {
	case protocol.Log:
		if s.EngineState != EngineReady {
			s.EngineState = EnginePreparing
		}
		s.EngineMsg = r.Text
		a.renderLater()
	case protocol.Progress:
		s.EngineState = EnginePreparing
		s.EngineDone, s.EngineTotal = r.Done, r.Total
		s.EngineMsg = "Training a starter model in your browser…"
	case protocol.Failed:
		s.EngineState = EngineFailed
		s.EngineMsg = "The engine could not start: " + r.Error
		a.Error = s.EngineMsg
		document().Get("body").Get("dataset").Set("engine", "failed")
	case protocol.Ready:
		a.everReady = true
		a.modelReady(r)
		a.useDataset()
		// data-engine=ready says the page shows the engine ready: it is
		// set after the render that shows it (Rendered), which on a
		// first load may come with the first map (firstViewWaits).
		a.readyUnshown = true
		mark("se-engine-ready")
		a.restoreKept()
		a.firstViewWaits()
	}
}

// Rendered is called after each render of the page: it sets the body's
// data-engine=ready once a render has shown the engine ready, with the
// whole page (PanelsShown).
func (a *App) Rendered() {
	if a.readyUnshown && a.Session.EngineState == EngineReady && a.panelsShown {
		a.readyUnshown = false
		document().Get("body").Get("dataset").Set("engine", "ready")
	}
}

// PanelsShown reports whether the page shows the panels beside the
// picture, under its prediction and maps (the metrics, the checks,
// fine-tuning). While the page starts they are not built: not in the
// render before the engine is ready, which shares the two cores with the
// engine's start-up, nor, on a first load, in the one that shows the
// first picture with its map; they come with the sample thumbnails after
// that map is painted (Library.HoldSamples), or with the page's first
// render after the engine is ready or has failed otherwise. Once shown
// they stay (a restart of the engine keeps them). The training charts
// under the picture are built from the start: they take part of the
// viewer's height, to which the first picture is fitted when it shows.
func (a *App) PanelsShown() bool {
	if !a.panelsShown {
		s := a.Session.EngineState
		a.panelsShown = s == EngineReady && !a.Library.HoldSamples || s == EngineFailed
	}
	return a.panelsShown
}

// firstViewWaits skips the Ready's render on a first load when the first
// picture is already opening (restoreKept opened it): the render that
// shows that picture with its map (waitForFirstMap) shows the page, and
// the engine's replies on the way to the first map are taken as soon as
// they come, not after a render of their own (100–350 ms under load).
func (a *App) firstViewWaits() {
	if a.View.firstSaliency || a.View.Opening == "" {
		return
	}
	a.putFirstViewOff()
}

// firstViewWait is how long the page, on its way to the first map, waits
// for the engine's next reply (the picture's, its prediction's, the
// map's) before a render shows it as it is.
const firstViewWait = 400 * time.Millisecond

// putFirstViewOff skips the render of the reply being handled, if it runs
// inside one (from elsewhere, such as a picture decoded by the browser,
// only the timer below counts), on the way to a first load's first map
// (firstViewWaits, waitForFirstMap), and
// renders firstViewWait from now unless the map has been drawn or another
// step towards it has put the render off again. A fixed time from the
// Ready (300 ms) ran out under load while the engine still answered
// (Decode, Predict and Saliency took 350 ms together): the render then
// made, the page's first full one since its start, held the map's reply
// back by 0.6 s.
func (a *App) putFirstViewOff() {
	a.eng.SkipRender()
	a.firstViewGen++
	gen, v := a.firstViewGen, a.View
	a.renderAfter(firstViewWait, func() bool { return gen == a.firstViewGen && !v.firstSaliency })
}

// initLogDelay is how long a line the engine says while it starts waits
// before a render shows it: on a quick start the Ready comes first and its
// render shows the page, so the line costs no render of its own (a full
// render, 100–200 ms under load, would hold the Ready back).
const initLogDelay = 250 * time.Millisecond

// renderLater shows the engine's start-up line, if the engine is still not
// ready initLogDelay from now (no render for it now).
func (a *App) renderLater() {
	a.eng.SkipRender()
	a.renderAfter(initLogDelay, func() bool { return a.Session.EngineState != EngineReady })
}

// renderAfter renders d from now if show, called then with the page
// locked, says there is something to show.
func (a *App) renderAfter(d time.Duration, show func() bool) {
	go func() {
		time.Sleep(d)
		a.lockedIf(show)
	}()
}

// modelReady installs a model description and its samples.
func (a *App) modelReady(r Reply) {
	a.Session.Install(r.Model, r.Models, r.Dataset)
	a.Session.UseRegistry(r.Registry)
	a.View.UseMethods(a.Session)
	a.store.Set(keyModel, a.Session.Model.Key)
	lib := a.Library
	for _, s := range lib.Samples {
		revokeURL(s.URL)
	}
	lib.Samples = nil
	for i, s := range r.Samples {
		if 2*i >= len(r.Bufs) {
			break
		}
		png := r.Bufs[2*i]
		item := &SampleItem{Sample: s, URL: objectURL(png, "image/png"), png: png}
		if 2*i+1 < len(r.Bufs) {
			item.mask = r.Bufs[2*i+1]
		}
		lib.Samples = append(lib.Samples, item)
	}
	if a.View.Class >= len(a.Session.Model.Classes) {
		a.View.Class = -1
	}
}

// restoreLast reopens the image last viewed with the current data set, or
// its first sample of the positive (last) class, or its first sample.
func (a *App) restoreLast() {
	mark("se-restore-last")
	lib := a.Library
	last, _ := a.store.Get(keyLast + a.Session.Model.Dataset)
	if s := lib.Sample(last); s != nil {
		a.OpenSample(s)
		return
	}
	if u := lib.UserImage(last); u != nil {
		a.OpenUserImage(u)
		return
	}
	if r := lib.RealItem(last); r != nil {
		a.OpenReal(r)
		return
	}
	if s := lib.DefaultSample(len(a.Session.Model.Classes)); s != nil {
		a.OpenSample(s)
	}
}

// ApplyStyles shows the heat map's opacity and the mask's style on the
// canvases.
func (a *App) ApplyStyles() {
	if a.surf == nil {
		return
	}
	a.surf.SetHeatOpacity(a.View.HeatOpacity())
	a.surf.SetMaskStyle(a.Mask.FillOpacity, a.Mask.OutlineOpacity, a.Mask.ShowMask)
}

// SaveSettings stores the display settings.
func (a *App) SaveSettings() { saveSettings(a.store, a.View, a.Mask) }
