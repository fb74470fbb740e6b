//go:build js && wasm

package engineworker

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"saliencyexplorer/wasm/host"
	"saliencyexplorer/wasm/protocol"
)

// message is a request with its binary buffers.
type message struct {
	h    *protocol.Header
	bufs [][]byte
}

type worker struct {
	host    *host.Host
	in      chan message
	cancels map[int]context.CancelFunc
	trainID int
	paused  bool
	pool    pool // helper engine workers for split saliency requests
	stall   bool // ?stall=1: as a helper, never answer (tests the pool's patience)
	// stepping is set while a training step runs (it may wait for
	// helpers, letting the page's messages in); stopAfterStep records a
	// Cancel of the run that came meanwhile.
	stepping, stopAfterStep bool
	hooks                   bool // ?test-hooks=1: honour Crash (tests the page's recovery)
	mapped                  bool // a saliency request came (the start-up's performance marks end)
	warmNext                bool // the Init was answered before the first map: handle warms up next
	// drawFrom is when drawing ahead may start: drawAheadDelay after the
	// first map's request is answered (zero until then).
	drawFrom    time.Time
	drawStopped bool // drawing ahead failed; the splits are generated when needed

	self     js.Value
	u8       js.Value
	array    js.Value
	yieldCh  chan struct{}
	yieldOut js.Value
}

// Run runs the engine in this Web Worker: it installs the message handler
// and serves the page's requests; it never returns.
func Run() {
	w := &worker{
		host:    host.New(fetch),
		in:      make(chan message, 1024),
		cancels: make(map[int]context.CancelFunc),
		pool:    pool{size: -1},
		stall:   queryParam("stall") == "1",
		hooks:   queryParam("test-hooks") == "1",
		self:    js.Global(),
		u8:      js.Global().Get("Uint8Array"),
		array:   js.Global().Get("Array"),
		yieldCh: make(chan struct{}, 1),
	}
	// A MessageChannel gives a zero-delay macrotask: posting to one port
	// and waiting for the other lets the event loop deliver the page's
	// messages (setTimeout would be clamped to 4 ms when nested).
	mc := js.Global().Get("MessageChannel").New()
	mc.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case w.yieldCh <- struct{}{}:
		default:
		}
		return nil
	}))
	w.yieldOut = mc.Get("port2")
	mark("se-w-go")
	w.host.Mark = mark
	w.host.Warn = func(text string) { js.Global().Get("console").Call("warn", "Saliency Explorer: "+text) }
	w.self.Set("onmessage", js.FuncOf(w.onMessage))
	w.self.Call("postMessage", map[string]any{"h": `{"id":0,"kind":"log","text":"engine started"}`, "b": w.array.New()})
	// The page's engine worker (boot.js passes ?model=, the model the
	// page's Init will name) loads that model before the Init comes.
	if name, ok := lookupParam("model"); ok {
		if err := host.Guard(func() error { return w.host.StartAhead(name) }, w.console); err != nil {
			mark("se-w-ahead-failed") // the Init tries again and reports
		}
		// What worker.js fetched ahead and the start-up did not take is
		// not needed: release it (seLoader.endAhead, assets/loader.js).
		if l := w.self.Get("seLoader"); l.Get("endAhead").Type() == js.TypeFunction {
			l.Call("endAhead")
		}
		mark("se-w-ahead-done")
	}
	w.loop()
}

// warmUp runs the host's warm-up steps (host.WarmUp) after the first
// Ready, one at a time while no request waits: a request that comes
// meanwhile waits for one step at most (some tens of milliseconds).
// Errors are left for the page's own requests to meet and report.
func (w *worker) warmUp() {
	mark("se-w-warming")
	for step := range host.WarmUpSteps {
		w.yield()
		if len(w.in) > 0 {
			return
		}
		host.Guard(func() error { return w.host.WarmUp(step) }, w.console)
	}
	mark("se-w-warm")
}

// yield lets the JavaScript event loop run once.
func (w *worker) yield() {
	w.yieldOut.Call("postMessage", 0)
	<-w.yieldCh
}

// onMessage runs on the event loop for every message from the page. It
// handles control messages at once and queues the rest for loop.
func (w *worker) onMessage(_ js.Value, args []js.Value) any {
	data := args[0].Get("data")
	h, err := protocol.Unmarshal([]byte(data.Get("h").String()))
	if err != nil {
		w.post(&protocol.Header{Kind: protocol.Failed, Error: err.Error()}, nil)
		return nil
	}
	switch h.Kind {
	case protocol.Cancel:
		if cancel, ok := w.cancels[h.Target]; ok {
			cancel()
		}
		if h.Target == w.trainID && w.stepping {
			// A step split across helpers waits for them: stop the run
			// once the step is over, not in its middle.
			w.stopAfterStep = true
			return nil
		}
		if h.Target == w.trainID && w.host.Training() {
			u := w.host.StopTraining()
			w.paused = false
			w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &u}, nil)
		}
		return nil
	case protocol.Pause, protocol.Resume:
		if w.host.Training() {
			w.paused = h.Kind == protocol.Pause
			state := protocol.StateRunning
			if w.paused {
				state = protocol.StatePaused
			}
			w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &protocol.TrainUpdate{State: state}}, nil)
		}
		if h.Kind == protocol.Resume {
			w.queue(message{h: &protocol.Header{Kind: protocol.Resume}})
		}
		return nil
	}
	var bufs [][]byte
	if b := data.Get("b"); b.Truthy() {
		for i := range b.Length() {
			u := w.u8.New(b.Index(i))
			buf := make([]byte, u.Length())
			js.CopyBytesToGo(buf, u)
			bufs = append(bufs, buf)
		}
	}
	w.queue(message{h: h, bufs: bufs})
	return nil
}

func (w *worker) queue(m message) {
	select {
	case w.in <- m:
	default:
		w.post(&protocol.Header{ID: m.h.ID, Kind: protocol.Failed, Error: "the engine is busy; try again"}, nil)
	}
}

// post sends a message to the page, transferring the buffers.
func (w *worker) post(h *protocol.Header, bufs [][]byte) {
	b, err := protocol.Marshal(h)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"id":%d,"kind":"error","error":"internal error encoding a reply"}`, h.ID))
	}
	list := w.array.New()
	for _, buf := range bufs {
		u := w.u8.New(len(buf))
		js.CopyBytesToJS(u, buf)
		list.Call("push", u.Get("buffer"))
	}
	w.self.Call("postMessage", map[string]any{"h": string(b), "b": list}, list)
}

func (w *worker) fail(id int, err error) {
	w.post(&protocol.Header{ID: id, Kind: protocol.Failed, Error: host.UserMessage(err)}, nil)
}

// status returns the Status through which the host reports on request id:
// its lines go to the page as Log messages, its progress as Progress
// messages, each followed by a yield so that the page sees it at once.
func (w *worker) status(id int) host.Status {
	log := func(text string) {
		w.post(&protocol.Header{ID: id, Kind: protocol.Log, Text: text}, nil)
		w.yield()
	}
	return host.Status{Say: log, Note: log, Progress: func(done, total int) {
		w.post(&protocol.Header{ID: id, Kind: protocol.Progress, Done: done, Total: total}, nil)
		w.yield()
	}}
}

// loop handles queued requests, and runs training batches while no request
// is waiting; otherwise, after the first map, it draws the data set's
// splits ahead of a training run while no request is waiting.
func (w *worker) loop() {
	for {
		if w.host.Training() && !w.paused {
			select {
			case m := <-w.in:
				w.handle(m)
			default:
				w.trainStep()
				w.yield()
			}
			continue
		}
		select {
		case m := <-w.in:
			w.handle(m)
		default:
			if !w.drawFrom.IsZero() && !w.drawStopped && !time.Now().Before(w.drawFrom) && w.drawAhead() {
				w.yield()
				continue
			}
			w.handle(<-w.in)
		}
	}
}

// drawAheadDelay is how long after the first map's request was answered
// the worker starts drawing ahead: the page is then drawing that map and
// showing the sample thumbnails, and on two cores the drawing took CPU
// time from it (issue #12).
const drawAheadDelay = 500 * time.Millisecond

// drawAheadFilms is how many images drawAhead draws between looks at the
// queue: a few milliseconds each in a browser, so that a request waits for
// some tens of milliseconds at most.
const drawAheadFilms = 8

// drawAhead draws a few images of the current data set's splits ahead of a
// training run (host.DrawAhead) and reports whether more are left. A panic
// or error stops it with a line on the console; the run generates the
// splits then as before.
func (w *worker) drawAhead() bool {
	more := false
	if err := host.Guard(func() error {
		var err error
		more, err = w.host.DrawAhead(drawAheadFilms)
		return err
	}, w.console); err != nil {
		w.console("drawing the data set ahead: " + err.Error())
		w.drawStopped = true
		return false
	}
	return more
}

// trainStep runs one batch. A panic in it ends the run with a message
// (the fine-tuned copy keeps its best weights so far) instead of stopping
// the engine.
func (w *worker) trainStep() {
	var u protocol.TrainUpdate
	w.stepping = true
	err := host.Guard(func() error {
		var err error
		u, err = w.host.Step()
		return err
	}, w.console)
	w.stepping = false
	defer func() {
		if w.stopAfterStep { // a Cancel came during the step
			w.stopAfterStep = false
			if w.host.Training() {
				u := w.host.StopTraining()
				w.paused = false
				w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &u}, nil)
			}
		}
	}()
	if u.State == "" { // the step panicked
		host.Guard(func() error { w.host.StopTraining(); return nil }, w.console)
		u = protocol.TrainUpdate{State: protocol.StateFailed, Message: err.Error()}
	}
	w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &u}, nil)
	if w.paused && u.State == protocol.StateRunning {
		// A Pause came while the step waited for helpers and was
		// answered then: say it again, after the step's report.
		w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &protocol.TrainUpdate{State: protocol.StatePaused}}, nil)
	}
	if err != nil {
		w.fail(w.trainID, err)
	}
}

// console writes a line to the browser's console (a recovered panic's
// stack, for bug reports).
func (w *worker) console(text string) {
	js.Global().Get("console").Call("error", text)
}

// handle answers one request, then warms up if it was the Init (warmUp):
// after answer has marked the request done, so that the start-up timeline
// shows the Init as long as it was.
func (w *worker) handle(m message) {
	w.answer(m)
	if w.warmNext {
		w.warmNext = false
		w.warmUp()
	}
}

// answer answers one request. A panic while handling it is recovered here,
// at the message boundary: the request is answered with an error and the
// engine goes on (issue #10).
func (w *worker) answer(m message) {
	if !w.mapped { // the start-up timeline: each request until the first map
		mark("se-w-" + string(m.h.Kind))
		defer mark("se-w-" + string(m.h.Kind) + "-done")
		if w.mapped = m.h.Kind == protocol.Saliency; w.mapped {
			defer func() {
				w.drawFrom = time.Now().Add(drawAheadDelay)
				go func() { // then a Resume wakes the loop to draw
					time.Sleep(drawAheadDelay)
					select { // a full queue wakes the loop anyway
					case w.in <- message{h: &protocol.Header{Kind: protocol.Resume}}:
					default:
					}
				}()
			}()
		}
	}
	if err := host.Guard(func() error { w.dispatch(m); return nil }, w.console); err != nil {
		w.fail(m.h.ID, err)
	}
}

func (w *worker) dispatch(m message) {
	h := m.h
	switch h.Kind {
	case protocol.Resume:
		// Only wakes the loop.
	case protocol.Init:
		var sel protocol.SelectRequest
		if h.Select != nil {
			sel = *h.Select
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.cancels[h.ID] = cancel
		err := w.host.Start(ctx, sel, w.status(h.ID))
		delete(w.cancels, h.ID)
		if err != nil {
			w.fail(h.ID, err)
			return
		}
		w.ready(h.ID)
		w.warmNext = !w.mapped
	case protocol.Select:
		if h.Select == nil {
			w.fail(h.ID, errors.New("bad select request"))
			return
		}
		w.stopRun()
		if err := w.host.Select(*h.Select, w.status(h.ID)); err != nil {
			w.fail(h.ID, err)
			return
		}
		w.ready(h.ID)
	case protocol.LoadModel:
		if mf := h.ModelFile; mf != nil && mf.Format == "onnx" {
			if len(m.bufs) < 1 || len(m.bufs) > 2 {
				w.fail(h.ID, errors.New("an ONNX model is one .onnx file, with an optional labels file"))
				return
			}
			var labels []byte
			if len(m.bufs) == 2 {
				labels = m.bufs[1]
			}
			w.stopRun()
			if err := w.host.LoadONNX(m.bufs[0], labels, *mf, w.status(h.ID)); err != nil {
				w.fail(h.ID, err)
				return
			}
			w.ready(h.ID)
			return
		}
		if len(m.bufs) != 2 {
			w.fail(h.ID, errors.New("a model needs two files: the architecture (.json) and the weights (.safetensors)"))
			return
		}
		w.stopRun()
		if err := w.host.LoadFiles(m.bufs[0], m.bufs[1], w.status(h.ID)); err != nil {
			w.fail(h.ID, err)
			return
		}
		w.ready(h.ID)
	case protocol.Decode:
		if len(m.bufs) != 1 {
			w.fail(h.ID, errors.New("no file"))
			return
		}
		var req protocol.DecodeRequest
		if h.DecodeRq != nil {
			req = *h.DecodeRq
		}
		dec, x, disp, err := w.host.Open(h.Picture, m.bufs[0], req)
		if err != nil {
			w.fail(h.ID, err)
			return
		}
		bufs := [][]byte{protocol.FloatBytes(x)}
		if disp != nil {
			bufs = append(bufs, disp)
		}
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result, Decoded: &dec}, bufs)
	case protocol.Keep:
		x, err := protocol.Floats(firstBuf(m.bufs), -1)
		if err == nil {
			err = w.host.Keep(h.Picture, x)
		}
		if err != nil {
			w.fail(h.ID, err)
			return
		}
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result}, nil)
	case protocol.Predict:
		x, err := w.host.RequestInput(h.Picture, m.bufs)
		if err == nil {
			var models []string
			if h.Predict != nil {
				models = h.Predict.Models
			}
			var probs [][]float64
			start := time.Now()
			probs, err = w.host.Predict(x, models)
			if err == nil {
				ms := float64(time.Since(start).Microseconds()) / 1000
				w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result, Probs: probs, Millis: ms}, nil)
				return
			}
		}
		w.fail(h.ID, err)
	case protocol.Saliency:
		w.saliency(m)
	case protocol.Check:
		w.check(m)
	case protocol.SaliencyPart:
		if w.stall {
			return // a stalled helper, for tests (?stall=1): it never answers
		}
		w.part(m)
	case protocol.TrainShard:
		if w.stall {
			return
		}
		w.shard(m)
	case protocol.Train:
		w.train(m)
	case protocol.RestoreTuned:
		if len(m.bufs) != 1 && len(m.bufs) != 2 {
			w.fail(h.ID, errors.New("a fine-tuned copy is one ONNX file, or two files: the architecture and the weights"))
			return
		}
		w.stopRun()
		var err error
		if len(m.bufs) == 1 {
			err = w.host.RestoreTunedONNX(m.bufs[0])
		} else {
			err = w.host.RestoreTuned(m.bufs[0], m.bufs[1])
		}
		if err != nil {
			w.fail(h.ID, err)
			return
		}
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result}, nil)
	case protocol.Crash:
		if !w.hooks {
			w.fail(h.ID, errors.New("unknown request \"crash\""))
			return
		}
		switch h.Text {
		case "panic":
			panic("test hook: a request panicked on purpose") // recovered by handle
		case "hang":
			for { // a loop that never ends (wasm has no preemption)
			}
		}
		// A panic on another goroutine is not recovered: the Go program
		// exits, as it does on a real crash.
		go func() { panic("test hook: the engine was crashed on purpose") }()
		select {}
	case protocol.Configure:
		if h.Configure == nil {
			w.fail(h.ID, errors.New("bad configure request"))
			return
		}
		if err := w.host.Configure(*h.Configure); err != nil {
			w.fail(h.ID, err)
			return
		}
		w.ready(h.ID)
	case protocol.Export:
		which := protocol.Tuned
		if h.Export != nil {
			which = h.Export.Model
		}
		if h.Export != nil && h.Export.Format == "onnx" {
			b, err := w.host.ExportONNX(which)
			if err != nil {
				w.fail(h.ID, err)
				return
			}
			w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result}, [][]byte{b})
			return
		}
		arch, weights, err := w.host.Export(which)
		if err != nil {
			w.fail(h.ID, err)
			return
		}
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result}, [][]byte{arch, weights})
	default:
		w.fail(h.ID, fmt.Errorf("unknown request %q", h.Kind))
	}
}

// firstBuf returns a message's first buffer, or nil.
func firstBuf(bufs [][]byte) []byte {
	if len(bufs) == 0 {
		return nil
	}
	return bufs[0]
}

// stopRun ends a training run before the model changes, telling the page.
func (w *worker) stopRun() {
	if w.host.Training() {
		u := w.host.StopTraining()
		w.paused = false
		w.post(&protocol.Header{ID: w.trainID, Kind: protocol.Update, Update: &u}, nil)
	}
}

// ready posts the host's Ready reply to request id.
func (w *worker) ready(id int) {
	h, bufs, err := w.host.ReadyReply(w.status(id))
	if err != nil {
		w.fail(id, err)
		return
	}
	h.ID = id
	w.post(h, bufs)
}

// mark records a performance mark that the page's timeline shows too
// (worker.js's seMark; make bench-web prints the start-up timeline).
func mark(name string) {
	if f := js.Global().Get("seMark"); f.Type() == js.TypeFunction {
		f.Invoke(name)
	}
}

// await blocks until the promise settles and returns its value or error.
// It must not be called from a JavaScript callback.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var ok, bad js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	bad = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer ok.Release()
	defer bad.Release()
	p.Call("then", ok, bad)
	r := <-ch
	return r.v, r.err
}

// fetch GETs a file of the site, relative to the worker script, through
// the resource loader (assets/loader.js, which serves the single-file build
// too) and the browser's fetch (net/http would add megabytes to the binary).
// It is the host's Fetch.
func fetch(name string) ([]byte, error) {
	resp, err := await(js.Global().Get("seLoader").Call("fetch", name))
	if err != nil {
		return nil, err
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("%s: HTTP %d", name, resp.Get("status").Int())
	}
	ab, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	u := js.Global().Get("Uint8Array").New(ab)
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return b, nil
}

// cancellable returns a context that a Cancel request naming id cancels,
// and the function that releases it once the request is answered.
func (w *worker) cancellable(id int) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancels[id] = cancel
	return ctx, func() { cancel(); delete(w.cancels, id) }
}

// progress returns a callback that reports the progress of request id to
// the page, at most every 50 ms and never the last step (the result says
// that).
func (w *worker) progress(id int) func(done, total int) {
	last := time.Now()
	return func(done, total int) {
		if done < total && time.Since(last) > 50*time.Millisecond {
			last = time.Now()
			w.post(&protocol.Header{ID: id, Kind: protocol.Progress, Done: done, Total: total}, nil)
		}
	}
}

func (w *worker) saliency(m message) {
	h := m.h
	x, err := w.host.RequestInput(h.Picture, m.bufs)
	if err != nil || h.Saliency == nil {
		w.fail(h.ID, errors.Join(err, errors.New("bad saliency request")))
		return
	}
	ctx, end := w.cancellable(h.ID)
	defer end()
	start := time.Now()
	progress := w.progress(h.ID)
	var s []float32
	var info protocol.MapInfo
	// The predicted class, if asked for, is chosen once here, before the
	// work is split among the helpers.
	req, err := w.host.ResolveClass(x, *h.Saliency)
	if err == nil && host.Splittable(req.Method) {
		s, info, err = w.pool.saliency(ctx, w, x, req, progress)
	} else if err == nil {
		s, info, err = w.host.Saliency(ctx, x, req, func(done, total int) { progress(done, total); w.yield() })
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("cancelled")
		}
		w.fail(h.ID, err)
		return
	}
	info.Millis = float64(time.Since(start).Microseconds()) / 1000
	w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result, Map: &info}, [][]byte{protocol.FloatBytes(s)})
}

// check answers a Check request: the host's checks of a map, with
// progress (at most every 50 ms) and cancellation as for a saliency map.
func (w *worker) check(m message) {
	h := m.h
	x, err := w.host.RequestInput(h.Picture, m.bufs)
	if err != nil || h.Check == nil {
		w.fail(h.ID, errors.Join(err, errors.New("bad check request")))
		return
	}
	ctx, end := w.cancellable(h.ID)
	defer end()
	progress := w.progress(h.ID)
	r, maps, err := w.host.Check(ctx, x, *h.Check, func(done, total int) {
		progress(done, total)
		w.yield()
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("cancelled")
		}
		w.fail(h.ID, err)
		return
	}
	w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result, Checked: &r}, [][]byte{protocol.FloatBytes(maps)})
}

func (w *worker) train(m message) {
	h := m.h
	if h.Train == nil {
		w.fail(h.ID, errors.New("bad training request"))
		return
	}
	w.stopRun()
	var images, masks []float32
	if len(h.Train.Labels) > 0 {
		if len(m.bufs) != 2 {
			w.fail(h.ID, errors.New("your examples are missing their images or masks"))
			return
		}
		var err1, err2 error
		images, err1 = protocol.Floats(m.bufs[0], -1)
		masks, err2 = protocol.Floats(m.bufs[1], -1)
		if err := errors.Join(err1, err2); err != nil {
			w.fail(h.ID, err)
			return
		}
	}
	say := func(msg string) {
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Update, Update: &protocol.TrainUpdate{State: protocol.StateRunning, Epochs: h.Train.Epochs, Message: msg}}, nil)
		w.yield()
	}
	note := func(text string) {
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Log, Text: text}, nil)
		w.yield()
	}
	// The helper pool computes shards of the run's steps, if the host
	// finds them large enough and the model and objective split.
	// (The helpers start with the first step sent to them.)
	if n := w.pool.wanted(); n > 0 {
		w.host.SetTrainRemote(&trainRemote{p: &w.pool, w: w, req: *h.Train, loaded: map[*helper]int{}}, n+1)
	} else {
		w.host.SetTrainRemote(nil, 0)
	}
	if err := w.host.StartTraining(*h.Train, images, masks, host.Status{Say: say, Note: note}); err != nil {
		w.fail(h.ID, err)
		return
	}
	w.trainID = h.ID
	w.paused = false
	// The data set's description goes along: what training uses may have
	// changed (shipped training images fetched just now).
	ds := w.host.DatasetInfo()
	w.post(&protocol.Header{ID: h.ID, Kind: protocol.Update, Update: &protocol.TrainUpdate{State: protocol.StateRunning, Epochs: h.Train.Epochs}, Dataset: &ds}, nil)
}
