package ui

import (
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
// vugu event environment locked and a render requested afterwards.
type Engine struct {
	worker  js.Value
	env     vugu.EventEnv
	next    int
	pending map[int]func(Reply)
	other   func(Reply) // replies to no pending request (log lines, fatal errors)
	handler js.Func
}

// NewEngine starts the worker script. other receives messages that answer
// no pending request.
func NewEngine(env vugu.EventEnv, script string, other func(Reply)) *Engine {
	e := &Engine{env: env, pending: make(map[int]func(Reply)), other: other}
	e.worker = loader().Call("worker", script)
	e.handler = js.FuncOf(e.onMessage)
	setJS(e.worker, "onmessage", e.handler.Value)
	onerr := js.FuncOf(func(_ js.Value, args []js.Value) interface{} {
		msg := "the engine failed to start"
		if len(args) > 0 && args[0].Get("message").Truthy() {
			msg += ": " + args[0].Get("message").String()
		}
		e.env.Lock()
		defer e.env.UnlockRender()
		e.other(Reply{Header: &protocol.Header{Kind: protocol.Failed, Error: msg, Text: "fatal"}})
		return nil
	})
	setJS(e.worker, "onerror", onerr.Value)
	return e
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
	defer e.env.UnlockRender()
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

// Send posts a request, transferring the buffers, and returns its ID. cb
// receives every reply to it (progress, then a result or an error) with
// the event environment locked.
func (e *Engine) Send(h *protocol.Header, bufs [][]byte, cb func(Reply)) int {
	e.next++
	h.ID = e.next
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

// Control sends a control message (pause, resume) about request id.
func (e *Engine) Control(kind protocol.Kind, id int) {
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
