package ui

import (
	"time"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// Reply is a message from the engine worker with its buffers.
type Reply struct {
	*protocol.Header
	Bufs [][]byte
}

// Engine is the page's end of the engine worker: it sends requests and
// routes every reply to the callback of the request it answers, with the
// vugu event environment locked and a render requested afterwards. It
// notices when the worker dies (issue #10): the Go program's exit (which
// worker.js reports as a "fatal" error), an uncaught error in the worker,
// or a message the page cannot read.
type Engine struct {
	worker  js.Value
	env     vugu.EventEnv
	script  string
	next    int
	pending map[int]func(Reply)
	other   func(Reply)      // replies to no pending request (log lines)
	died    func(msg string) // the worker stopped; the callbacks pending are dropped
	funcs   []js.Func
	gen     int // which worker the handlers belong to (a dead one's late events are ignored)

	// The watchdog: a worker that has requests pending and has sent
	// nothing for Patience (a loop that never ends, a hung browser call)
	// is taken for dead. The engine's long work reports progress.
	Patience time.Duration
	last     time.Time // the last message from the worker, or request to it
	watch    js.Func
	// quiet holds the requests not expected to send anything: a paused
	// training run.
	quiet map[int]bool
	// noRender: the reply being handled needs no render (SkipRender).
	noRender bool
}

// DefaultPatience is how long the watchdog waits for a word from a worker
// with requests pending.
const DefaultPatience = 90 * time.Second

// NewEngine starts the engine worker: it takes over the one boot.js started
// with the page (seEngine), or starts script where there is none. other
// receives messages that answer no pending request; died is called, with
// the event environment locked, when the worker stops: what happened, in
// plain words. The callbacks of the requests pending then are dropped;
// Restart starts a fresh worker.
func NewEngine(env vugu.EventEnv, script string, other func(Reply), died func(msg string)) *Engine {
	e := &Engine{env: env, script: script, pending: make(map[int]func(Reply)), other: other, died: died, Patience: DefaultPatience}
	e.start()
	e.watch = js.FuncOf(func(js.Value, []js.Value) interface{} {
		e.env.Lock()
		if e.waiting() && time.Since(e.last) > e.Patience {
			e.die("it did not answer for " + e.Patience.Round(time.Second).String())
			e.env.UnlockRender()
			return nil
		}
		// Nothing changed: no render (a full render every second took
		// the page's main thread for 100–200 ms at start, issue #12).
		e.env.UnlockOnly()
		return nil
	})
	global().Call("setInterval", e.watch.Value, 1000)
	return e
}

// start starts a worker and installs its handlers.
func (e *Engine) start() {
	e.last = time.Now()
	e.gen++
	gen := e.gen
	onmsg := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		if gen != e.gen {
			return nil
		}
		return e.onMessage(this, args)
	})
	onerr := js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		msg := "an error the engine did not catch"
		if len(args) > 0 {
			args[0].Call("preventDefault")
			if m := args[0].Get("message"); m.Truthy() {
				msg = m.String()
			}
		}
		e.lockedDie(gen, msg)
		return nil
	})
	onmsgerr := js.FuncOf(func(js.Value, []js.Value) interface{} {
		e.lockedDie(gen, "a message from the engine could not be read")
		return nil
	})
	for _, f := range e.funcs {
		f.Release()
	}
	e.funcs = []js.Func{onmsg, onerr, onmsgerr}
	if starter := global().Get("seEngine"); starter.Truthy() {
		// boot.js started the worker with the page and hands it over with
		// what it sent so far, or starts a new one; either way it gets
		// the binary the page compiled.
		e.worker = starter.Call("take", onmsg.Value, onerr.Value, onmsgerr.Value)
		return
	}
	e.worker = loader().Call("worker", e.script)
	setJS(e.worker, "onmessage", onmsg.Value)
	setJS(e.worker, "onerror", onerr.Value)
	setJS(e.worker, "onmessageerror", onmsgerr.Value)
}

func (e *Engine) lockedDie(gen int, msg string) {
	if gen != e.gen {
		return
	}
	e.env.Lock()
	defer e.env.UnlockRender()
	e.die(msg)
}

// die stops the worker, drops the pending callbacks and tells died.
func (e *Engine) die(msg string) {
	e.gen++ // late events of this worker are ignored
	e.worker.Call("terminate")
	e.pending = make(map[int]func(Reply))
	e.died(msg)
}

// Restart starts a fresh worker after one died. Request IDs go on
// counting, so a late reply can never be taken for a new request's.
func (e *Engine) Restart() { e.start() }

// Crash asks the worker to crash on purpose (mode "exit": the Go program
// stops; "panic": a request panics and is recovered). Only a worker
// started with ?test-hooks=1 obeys; cb gets the reply of a recovered one.
func (e *Engine) Crash(mode string, cb func(Reply)) {
	e.Send(&protocol.Header{Kind: protocol.Crash, Text: mode}, nil, cb)
}

func (e *Engine) onMessage(_ js.Value, args []js.Value) interface{} {
	data := args[0].Get("data")
	h, err := protocol.Unmarshal([]byte(data.Get("h").String()))
	if err != nil {
		return nil
	}
	var bufs [][]byte
	if b := data.Get("b"); b.Truthy() {
		for i := range b.Length() {
			bufs = append(bufs, bytesOf(b.Index(i)))
		}
	}
	e.env.Lock()
	e.noRender = false
	defer func() {
		if e.noRender {
			e.env.UnlockOnly()
		} else {
			e.env.UnlockRender()
		}
	}()
	e.last = time.Now()
	if h.Kind == protocol.Failed && h.Text == "fatal" && h.ID == 0 {
		e.die(h.Error)
		return nil
	}
	r := Reply{Header: h, Bufs: bufs}
	if cb, ok := e.pending[h.ID]; ok && h.ID != 0 {
		switch h.Kind {
		case protocol.Result, protocol.Failed, protocol.Ready:
			delete(e.pending, h.ID)
		case protocol.Update:
			if u := h.Update; u != nil && (u.State == protocol.StateDone || u.State == protocol.StateStopped || u.State == protocol.StateFailed) {
				delete(e.pending, h.ID)
			}
		}
		cb(r)
		return nil
	}
	e.other(r)
	return nil
}

// SkipRender says, from a reply's callback, that the reply changed nothing the
// page shows: the page is not rendered again for it (a full render takes
// tens to hundreds of milliseconds, in which the page takes no other
// message).
//
// A message the worker sent before the page took it over is handled while
// NewEngine runs, before its caller holds the Engine: SkipRender on a nil
// Engine does nothing (that message is rendered).
func (e *Engine) SkipRender() {
	if e != nil {
		e.noRender = true
	}
}

// Send posts a request, transferring the buffers, and returns its ID. cb
// receives every reply to it (progress, then a result or an error) with
// the event environment locked.
func (e *Engine) Send(h *protocol.Header, bufs [][]byte, cb func(Reply)) int {
	e.next++
	h.ID = e.next
	if len(e.pending) == 0 {
		e.last = time.Now() // the watchdog's clock starts with the first request pending
	}
	if cb != nil {
		e.pending[h.ID] = cb
	}
	e.post(h, bufs)
	return h.ID
}

// Cancel asks the worker to stop request id and forgets its callback.
func (e *Engine) Cancel(id int) {
	if id == 0 {
		return
	}
	delete(e.pending, id)
	e.post(&protocol.Header{Kind: protocol.Cancel, Target: id}, nil)
}

// waiting reports whether a request waits for the worker (one that is not
// quiet).
func (e *Engine) waiting() bool {
	for id := range e.pending {
		if !e.quiet[id] {
			return true
		}
	}
	return false
}

// Control sends a control message (pause, resume) about request id. A
// paused request is quiet: the watchdog does not wait for it.
func (e *Engine) Control(kind protocol.Kind, id int) {
	if e.quiet == nil {
		e.quiet = map[int]bool{}
	}
	switch kind {
	case protocol.Pause:
		e.quiet[id] = true
	case protocol.Resume:
		delete(e.quiet, id)
		e.last = time.Now()
	}
	e.post(&protocol.Header{Kind: kind, Target: id}, nil)
}

func (e *Engine) post(h *protocol.Header, bufs [][]byte) {
	b, err := protocol.Marshal(h)
	if err != nil {
		return
	}
	msg := global().Get("Object").New()
	msg.Set("h", string(b))
	list := global().Get("Array").New()
	for _, buf := range bufs {
		list.Call("push", uint8Array(buf).Get("buffer"))
	}
	setJS(msg, "b", list)
	e.worker.Call("postMessage", msg, list)
}
