package ui

import (
	"slices"
	"strings"
	"time"

	js "github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// --- When the engine dies (issue #10) ---

// Restart policy: the page restarts the engine after a crash, unless it
// crashed maxRestarts times within restartWindow (then something in the
// restored state itself may be what kills it, and the page says so).
const (
	maxRestarts   = 3
	restartWindow = 2 * time.Minute
)

// keptModel is a model's files the page keeps so that a restarted engine
// gets them back: a fine-tuned copy (as Export wrote it: architecture and
// weights, with the run and epoch it comes from) or the model the user
// loaded from files (the LoadModel request's buffers; Info.File says what
// they are).
type keptModel struct {
	Bufs  [][]byte
	Run   int // the training request that made it (fine-tuned copies)
	Epoch int // the run's epoch whose end it is (0: the run's end)
	Info  keptInfo
	card  string // cardKey of a model loaded from files, once computed
}

// cardKey returns the cardKey of a model loaded from files: the first
// buffer is the model file.
func (k *keptModel) cardKey() string {
	if k.card == "" && k.Info.File != nil && len(k.Bufs) > 0 {
		k.card = cardKey(k.Info.File.Name, k.Bufs[0])
	}
	return k.card
}

// keepTuned asks the engine for the current model's fine-tuned copy and
// keeps it, so that it survives an engine crash. run and epoch say where
// in which run the weights come from.
// A model imported from ONNX has no architecture JSON: its copy is kept
// as the ONNX file the engine's exporter writes (one buffer), which the
// engine imports again into the model as loaded.
func (a *App) keepTuned(run, epoch int) {
	m := a.Session.Model
	key := m.Key
	info := keptInfo{Name: m.Name, Origin: a.keptOrigin(), History: finiteHistory(a.Train.History)}
	req, files := &protocol.ExportRequest{Model: protocol.Tuned}, 2
	if m.Source == "onnx" {
		req.Format, files = "onnx", 1
	}
	a.eng.Send(&protocol.Header{Kind: protocol.Export, Export: req}, nil, func(r Reply) {
		if r.Kind == protocol.Failed {
			a.Error = "Could not keep the fine-tuned copy of " + m.Name + " (" + strings.TrimSuffix(r.Error, ".") + "): it is lost if the engine stops or the page reloads. Use Export model to save it as files."
			return
		}
		if r.Kind != protocol.Result || len(r.Bufs) != files {
			return
		}
		if a.kept == nil {
			a.kept = map[string]*keptModel{}
		}
		k := &keptModel{Bufs: r.Bufs, Run: run, Epoch: epoch, Info: info}
		a.kept[key] = k
		a.Session.SetOrigin(key, info.Origin)
		a.saveKept(keptTunedPrefix+key, k)
	})
}

// onDied handles the engine worker's death: it says what happened, marks a
// training run in progress as interrupted, and starts a fresh engine with
// the state restored (restoreEngine). An engine that never became ready,
// or that keeps dying, is not restarted.
func (a *App) onDied(msg string) {
	s := a.Session
	msg = strings.TrimSuffix(msg, ".")
	var again bool
	a.crashes, again = mayRestart(a.crashes, time.Now())
	if a.Train.Active() {
		a.interruptTraining()
	}
	v := a.View
	v.Opening, v.openingSample = "", ""
	a.reopenPending = nil
	a.early, a.earlyMap = nil, nil // their replies will not come
	// A restart says ready when it has restored everything (restored), not
	// at the next render.
	a.readyUnshown = false
	v.Main.Busy, v.Cmp.Busy = false, false
	if a.Check.Busy() {
		a.Check.Fail("The engine stopped during the check: check again.")
	}
	s.Switching = ""
	body := document().Get("body").Get("dataset")
	if !a.everReady {
		s.EngineState = EngineFailed
		s.EngineMsg = msg
		if !strings.HasPrefix(msg, "The engine") {
			s.EngineMsg = "The engine failed to start: " + msg
		}
		a.Error = s.EngineMsg
		body.Set("engine", "failed")
		return
	}
	if !again {
		s.EngineState = EngineFailed
		s.EngineMsg = "The engine stopped again (" + msg + "): it stopped " + itoa(len(a.crashes)) + " times in two minutes, so it is not restarted. Export what you need, then reload the page; your masks are kept."
		a.Error = s.EngineMsg
		body.Set("engine", "failed")
		return
	}
	a.Restarts++
	body.Set("restarts", itoa(a.Restarts))
	body.Set("engine", "restarting")
	s.EngineState = EnginePreparing
	s.EngineMsg = "The engine stopped unexpectedly (" + msg + "). Restarting it and restoring your work…"
	a.Notice = ""
	a.eng.Restart()
	a.restoreEngine(s.Model.Key, true, msg)
}

// mayRestart records a crash at now among the earlier ones and says
// whether the engine may be restarted: not if it crashed more than
// maxRestarts times within restartWindow.
func mayRestart(crashes []time.Time, now time.Time) ([]time.Time, bool) {
	var recent []time.Time
	for _, t := range crashes {
		if now.Sub(t) < restartWindow {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	return recent, len(recent) <= maxRestarts
}

// interruptTraining reports the run in progress as interrupted: the
// fine-tuned copy is the last one kept, if any.
func (a *App) interruptTraining() {
	s, t := a.Session, a.Train
	k := a.kept[s.Model.Key]
	epoch := 0
	if k != nil && k.Run == t.ID {
		epoch = k.Epoch
	}
	t.Interrupt(epoch, k != nil && k.Run != t.ID)
	t.ID = 0
	if k == nil {
		s.HasTuned = false
		s.ForgetTuned(s.Model.Key)
	}
}

// restoreEngine gives the engine the page's state back, one request after
// another: the model cur (a shipped one by its key, one loaded from files
// by its files), the fine-tuned copies of every model that has one, and
// the picture on screen; then it recomputes the prediction and the maps.
// The masks and the training charts live in the page and stay. fresh says
// the engine has just been started (after a crash, why) and needs Init;
// otherwise it is the page's start, with the models kept in the browser.
func (a *App) restoreEngine(cur string, fresh bool, why string) {
	s := a.Session
	shipped := func(key string) bool {
		return slices.ContainsFunc(s.Models, func(m protocol.ModelInfo) bool { return m.Key == key && m.Source == "shipped" })
	}
	var problems []string
	a.unrestored = nil
	var steps []func(next func())
	// A model becomes current again: by Init (the first step), Select or
	// LoadModel.
	activate := func(key string, first bool) func(next func()) {
		return func(next func()) {
			if !first && s.Model.Key == key {
				next() // Init made it current
				return
			}
			var h *protocol.Header
			var bufs [][]byte
			var card *protocol.ConfigureRequest // the card's edits LoadModel does not carry
			switch {
			case first:
				h = &protocol.Header{Kind: protocol.Init}
				if shipped(key) {
					h.Select = &protocol.SelectRequest{Model: key}
				}
			case key == protocol.UserModelKey && a.userFiles != nil:
				h = &protocol.Header{Kind: protocol.LoadModel, ModelFile: a.userFiles.Info.File}
				if mf := a.userFiles.Info.File; mf != nil {
					// An imported model comes back with its card as the
					// user edited it, not as the file first said.
					memo, ok := a.loadCard(a.userFiles.cardKey())
					edited, conf := withCard(*mf, memo, ok)
					h.ModelFile, card = &edited, conf
				}
				bufs = a.userFiles.Bufs
			case shipped(key):
				h = &protocol.Header{Kind: protocol.Select, Select: &protocol.SelectRequest{Model: key}}
			default:
				problems = append(problems, "the model “"+s.ModelName(key)+"” could not be loaded again")
				next()
				return
			}
			a.eng.Send(h, bufs, func(r Reply) {
				switch r.Kind {
				case protocol.Log:
					s.EngineMsg = r.Text
				case protocol.Progress:
					s.EngineDone, s.EngineTotal = r.Done, r.Total
				case protocol.Failed:
					name := "the model “" + s.ModelName(key) + "”"
					if key == "" {
						name = "the engine"
					}
					problems = append(problems, name+": "+r.Error)
					if key == protocol.UserModelKey && a.userFiles != nil {
						a.unrestored = append(a.unrestored, keptFileKey)
					}
					next()
				case protocol.Ready:
					a.modelReady(r)
					s.Switching = "Restoring your work…"
					if card == nil {
						next()
						return
					}
					a.eng.Send(&protocol.Header{Kind: protocol.Configure, Configure: card}, nil, func(r Reply) {
						switch r.Kind {
						case protocol.Failed:
							problems = append(problems, "the model card of “"+s.ModelName(key)+"”: "+r.Error)
						case protocol.Ready:
							a.modelReady(r)
						default:
							return
						}
						next()
					})
				}
			})
		}
	}
	tuned := func(key string) func(next func()) {
		return func(next func()) {
			k := a.kept[key]
			if k == nil || s.Model.Key != key {
				next()
				return
			}
			a.eng.Send(&protocol.Header{Kind: protocol.RestoreTuned}, k.Bufs, func(r Reply) {
				switch r.Kind {
				case protocol.Failed:
					problems = append(problems, "the fine-tuned copy of “"+s.ModelName(key)+"”: "+r.Error)
					delete(a.kept, key)
					a.unrestored = append(a.unrestored, keptTunedPrefix+key)
				case protocol.Result:
					s.HasTuned = true
					for i := range s.Models {
						if s.Models[i].Key == key {
							s.Models[i].HasTuned = true
						}
					}
				default:
					return
				}
				next()
			})
		}
	}
	others := make([]string, 0, len(a.kept)+1)
	for key := range a.kept {
		if key != cur {
			others = append(others, key)
		}
	}
	if a.userFiles != nil && cur != protocol.UserModelKey && !slices.Contains(others, protocol.UserModelKey) {
		others = append(others, protocol.UserModelKey)
	}
	slices.Sort(others)
	first := fresh
	add := func(key string) {
		if first && !shipped(key) {
			// Init starts with the site's default model (or the starter).
			steps = append(steps, activate("", true))
			first = false
		}
		steps = append(steps, activate(key, first), tuned(key))
		first = false
	}
	for _, key := range others {
		add(key)
	}
	add(cur)
	steps = append(steps, func(func()) { a.restored(why, problems) })
	var run func(i int)
	run = func(i int) { steps[i](func() { run(i + 1) }) }
	run(0)
}

// restored ends the restart: the picture on screen goes back to the
// engine (its model input, which the page holds), and the page says what
// happened.
func (a *App) restored(why string, problems []string) {
	s, v := a.Session, a.View
	s.Switching = ""
	body := document().Get("body").Get("dataset")
	body.Set("engine", "ready")
	var msg string
	if why == "" { // the page's start, with models kept in this browser
		body.Set("kept", "restored")
		if memo, ok := s.Recall(s.Model.Key); ok && s.HasTuned && a.Train.State == "" {
			a.Train.restore(memo.Train)
		}
		var names []string
		for key := range a.kept {
			names = append(names, "the fine-tuned copy of "+s.ModelName(key))
		}
		if a.userFiles != nil {
			names = append(names, "your model “"+a.userFiles.Info.Name+"”")
		}
		slices.Sort(names)
		msg = "Restored from this browser: " + strings.Join(names, ", ") + "."
	} else {
		msg = "The engine stopped unexpectedly (" + why + ") and was restarted with your model"
		if s.HasTuned {
			msg += ", its fine-tuned copy"
		}
		msg += ", the image and your masks."
		if a.Train.State == StateInterrupted {
			msg += " Fine-tuning was interrupted; start it again when you are ready."
		}
	}
	if len(problems) > 0 {
		msg += " Not restored: " + strings.Join(problems, "; ") + "."
	}
	if len(a.unrestored) > 0 {
		msg += " What was not restored stays in this browser, and is tried again at the next visit; Forget removes it."
	}
	a.Notice = msg
	a.unrestoredNotice = msg
	if !s.HasTuned && v.CompareMode == CompareBeforeAfter {
		v.CompareMode = CompareOff
	}
	if v.Opening != "" {
		return // a picture opened meanwhile is on its way, decoded for this engine
	}
	pic := v.Pic
	m := s.Model
	if pic == nil || pic.Form != InputKey(m) || len(pic.Input) != m.C*m.H*m.W {
		a.View.Pic = nil
		a.restoreLast()
		return
	}
	a.eng.Send(&protocol.Header{Kind: protocol.Keep, Picture: pic.Key}, [][]byte{protocol.FloatBytes(pic.Input)}, func(r Reply) {
		if r.Kind == protocol.Failed {
			a.Error = "Could not give “" + pic.Name + "” back to the engine: " + r.Error + ". Open it again."
			return
		}
		if r.Kind == protocol.Result && v.Pic == pic {
			a.reanalyze()
		}
	})
}

// testHooks reports whether the page runs with ?test-hooks=1.
func testHooks() bool { return pageParam("test-hooks") == "1" }

// pageParam returns the value of the page's query parameter name, or "".
func pageParam(name string) string {
	v := global().Get("URLSearchParams").New(global().Get("location").Get("search")).Call("get", name)
	if !v.Truthy() {
		return ""
	}
	return v.String()
}

// installTestHooks gives tests a way to crash the engine on purpose, with
// ?test-hooks=1 only: seTestHooks.crash("exit") stops the engine's Go
// program; seTestHooks.crash("hang") makes it loop for ever (for the
// watchdog, whose patience ?watchdog=S sets to S seconds);
// seTestHooks.crash("panic") makes one request panic, and the error it is
// answered with goes to document.body.dataset.hookReply.
func (a *App) installTestHooks() {
	if !testHooks() {
		return
	}
	hooks := global().Get("Object").New()
	crash := js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		mode := "exit"
		if len(args) > 0 && args[0].Truthy() {
			mode = args[0].String()
		}
		a.locked(func() {
			a.eng.Crash(mode, func(r Reply) {
				document().Get("body").Get("dataset").Set("hookReply", r.Error)
			})
		})
		return nil
	})
	setJS(hooks, "crash", crash.Value)
	setJS(global(), "seTestHooks", hooks)
}
