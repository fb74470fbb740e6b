//go:build js && wasm

package engineworker

import (
	"context"
	"errors"
	"strconv"
	"syscall/js"
	"time"

	"saliencyexplorer/wasm/protocol"
)

// maxHelpers is the most helper workers the pool starts (issue #12): each
// holds a copy of the model, so a ResNet-18 costs about 45 MB per helper
// beside its activations.
const maxHelpers = 8

// minPatience is the least time a helper may stay silent (no progress, no
// result) once this worker has finished its own part; it may also take
// four times as long as that part did. A helper silent for longer is
// stopped and its part computed here. A helper that has not started yet
// (its WebAssembly still loading) gets bootPatience.
const (
	minPatience  = 3 * time.Second
	bootPatience = 30 * time.Second
)

// pool holds the helper engine workers: more copies of worker.js, started
// on the first splittable request, that compute parts of Integrated
// Gradients, SmoothGrad and occlusion (protocol.SaliencyPart) while this
// worker computes part 0, for built-in and imported models alike, and
// shards of training steps (trainRemote, trainpool.go). Each helper is
// sent the model (host.HelperModel) only when the model's version
// (host.Version) differs from the one it last got. A helper that fails, or stays silent
// for too long (minPatience), is dropped, and its part computed here, so a
// result is never lost.
type pool struct {
	size    int // helpers wanted: -1 until the first splittable request
	helpers []*helper
	replies chan helperReply
	next    int // request IDs of the helper messages
}

// helper is one helper engine worker.
type helper struct {
	w       js.Value
	version uint64 // the version of the model it holds, 0 if not known
	loads   int    // models sent to it so far (a training run's model is current while this stays)
	dead    bool
	started bool // it has sent a message (its engine is running)
}

// overdue reports whether h, waited on since last, has been silent past
// patience (or bootPatience, if longer, while its engine is still
// loading).
func (h *helper) overdue(last time.Time, patience time.Duration) bool {
	limit := patience
	if !h.started {
		limit = max(limit, bootPatience)
	}
	return time.Since(last) > limit
}

// stop terminates h and marks it dead, so that it is given no more work.
func (h *helper) stop() {
	h.dead = true
	h.w.Call("terminate")
}

// helperReply is a message from a helper. Kind Failed with ID −1 means
// the helper itself failed.
type helperReply struct {
	from *helper
	h    *protocol.Header
	buf  []byte
}

// poolSize returns the number of helpers: hardwareConcurrency − 1 (a core
// left for the page), at least 1 and at most maxHelpers, or K − 1 if this
// worker's URL has ?workers=K (the page passes its own ?workers= on, so
// that ?workers=1 runs everything in one worker).
func poolSize() int {
	n := min(max(js.Global().Get("navigator").Get("hardwareConcurrency").Int()-1, 1), maxHelpers)
	if v, err := strconv.Atoi(queryParam("workers")); err == nil {
		n = min(max(v-1, 0), maxHelpers)
	}
	return n
}

// queryParam returns a parameter of this worker's URL (as the resource
// loader, assets/loader.js, knows it: a bundled worker's blob URL has
// none), or "".
func queryParam(name string) string {
	v, _ := lookupParam(name)
	return v
}

// lookupParam returns a parameter of this worker's URL, as queryParam, and
// whether the URL has it (an empty value included).
func lookupParam(name string) (string, bool) {
	q := js.Global().Get("URLSearchParams").New(js.Global().Get("seLoader").Get("search")).Call("get", name)
	if q.IsNull() {
		return "", false
	}
	return q.String(), true
}

// live starts the helpers on first use and returns those still working.
func (p *pool) live() []*helper {
	if p.size < 0 {
		p.size = poolSize()
		p.replies = make(chan helperReply, 256)
		for range p.size {
			if h, err := p.start(); err == nil {
				p.helpers = append(p.helpers, h)
			}
		}
	}
	var out []*helper
	for _, h := range p.helpers {
		if !h.dead {
			out = append(out, h)
		}
	}
	return out
}

// wanted returns the number of helpers the pool has or will start: those
// still working once started, poolSize before.
func (p *pool) wanted() int {
	if p.size < 0 {
		return poolSize()
	}
	n := 0
	for _, h := range p.helpers {
		if !h.dead {
			n++
		}
	}
	return n
}

// start creates a helper; its replies go to p.replies.
func (p *pool) start() (h *helper, err error) {
	defer func() {
		if r := recover(); r != nil { // the Worker constructor threw
			err = errors.New("cannot start a helper worker")
		}
	}()
	// ?workers=1: a helper starts no helpers of its own. ?stall=1 (passed
	// on from the page's ?stall-helpers=1, for tests) makes it never answer.
	url := "worker.js?workers=1"
	if queryParam("stall") == "1" {
		url += "&stall=1"
	}
	// This worker's compiled binary (worker.js keeps it): the helper need
	// not fetch and compile it again.
	module := js.Global().Get("seModule")
	if module.Truthy() {
		url += "&module=1"
	}
	h = &helper{w: js.Global().Get("seLoader").Call("worker", url)}
	if module.Truthy() {
		h.w.Call("postMessage", map[string]any{"seModule": module})
	}
	u8 := js.Global().Get("Uint8Array")
	h.w.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		h.started = true
		data := args[0].Get("data")
		hd, err := protocol.Unmarshal([]byte(data.Get("h").String()))
		if err != nil {
			return nil
		}
		r := helperReply{from: h, h: hd}
		if hd.ID == 0 && hd.Kind == protocol.Failed { // worker.js's fatal error
			hd.ID = -1
		}
		if b := data.Get("b"); b.Truthy() && b.Length() > 0 {
			u := u8.New(b.Index(0))
			r.buf = make([]byte, u.Length())
			js.CopyBytesToGo(r.buf, u)
		}
		p.deliver(r)
		return nil
	}))
	h.w.Set("onerror", js.FuncOf(func(js.Value, []js.Value) any {
		p.deliver(helperReply{from: h, h: &protocol.Header{ID: -1, Kind: protocol.Failed}})
		return nil
	}))
	return h, nil
}

// deliver queues a reply without blocking the event loop; log lines are
// dropped.
func (p *pool) deliver(r helperReply) {
	if r.h.Kind == protocol.Log {
		return
	}
	select {
	case p.replies <- r:
	default:
	}
}

// saliency computes a splittable saliency map with part 0 here and part
// i+1 in helper i, sums the parts' attributions and makes the map.
// progress receives the examples done by all parts together. Parts whose
// helper fails are computed here afterwards; with no helpers it is
// host.Saliency.
func (p *pool) saliency(ctx context.Context, w *worker, x []float32, req protocol.SaliencyRequest, progress func(done, total int)) ([]float32, protocol.MapInfo, error) {
	hs := p.live()
	version, err := w.host.Version(req.Model)
	if len(hs) == 0 || err != nil {
		return w.host.Saliency(ctx, x, req, func(done, total int) { progress(done, total); w.yield() })
	}
	// The model's files, made once if a helper does not hold this version
	// yet: a built-in network's files, or an imported graph's structure
	// and values (for a ResNet-18 about 45 MB, copied once per helper into
	// a buffer that is transferred, not cloned).
	var format string
	var fileA, fileB []byte
	for _, h := range hs {
		if h.version != version && fileA == nil {
			if format, fileA, fileB, err = w.host.HelperModel(req.Model); err != nil {
				return w.host.Saliency(ctx, x, req, func(done, total int) { progress(done, total); w.yield() })
			}
		}
	}
	parts := len(hs) + 1
	total := w.host.Units(req)
	done := make([]int, parts) // examples done per part
	attr := make([][]float32, parts)
	pending := map[int]int{} // helper request ID → part
	report := func() {
		s := 0
		for _, d := range done {
			s += d
		}
		progress(s, total)
	}
	defer func() { // cancel what is left, e.g. after ctx ended
		for id, part := range pending {
			p.post(hs[part-1], &protocol.Header{Kind: protocol.Cancel, Target: id}, nil)
		}
	}()
	xb := protocol.FloatBytes(x)
	for i, h := range hs {
		r := req
		r.Part, r.Parts = i+1, parts
		bufs := [][]byte{xb}
		hd := &protocol.Header{ID: p.next + 1, Kind: protocol.SaliencyPart, Saliency: &r}
		if h.version != version {
			bufs = append(bufs, fileA, fileB)
			hd.ModelFile = &protocol.ModelFile{Format: format}
			h.version = version
			h.loads++
		}
		p.next++
		pending[p.next] = i + 1
		p.post(h, hd, bufs)
	}
	// handle takes in one helper reply.
	handle := func(r helperReply) {
		part, ok := pending[r.h.ID]
		if r.h.ID == -1 { // the helper died: its pending part, if any, fails
			r.from.dead = true
			for id, pt := range pending {
				if hs[pt-1] == r.from {
					part, ok, r.h.ID = pt, true, id
				}
			}
		}
		if !ok {
			return // a reply to an earlier, cancelled request
		}
		switch r.h.Kind {
		case protocol.Progress:
			done[part] = r.h.Done
		case protocol.Result:
			a, err := protocol.Floats(r.buf, -1)
			if err == nil {
				attr[part] = a
			}
			delete(pending, r.h.ID)
		case protocol.Failed:
			hs[part-1].version = 0 // send the model again next time
			done[part] = 0
			delete(pending, r.h.ID)
		}
		report()
	}
	drain := func() {
		for {
			select {
			case r := <-p.replies:
				handle(r)
			default:
				return
			}
		}
	}
	// compute runs part i here.
	compute := func(i int) error {
		r := req
		r.Part, r.Parts = i, parts
		a, err := w.host.Attribution(ctx, x, r, func(d, _ int) {
			done[i] = d
			drain()
			report()
			w.yield()
		})
		attr[i] = a
		return err
	}
	start := time.Now()
	if err := compute(0); err != nil {
		return nil, protocol.MapInfo{}, err
	}
	patience := max(minPatience, 4*time.Since(start))
	last := time.Now() // when a helper was last heard from
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for len(pending) > 0 {
		select {
		case r := <-p.replies:
			handle(r)
			last = time.Now()
		case <-tick.C:
			// Stop the pending helpers that have been silent too long
			// (longer still for one that has not started yet) and compute
			// their parts here.
			for id, part := range pending {
				if h := hs[part-1]; h.overdue(last, patience) {
					h.stop()
					done[part] = 0
					delete(pending, id)
				}
			}
			report()
		case <-ctx.Done():
			return nil, protocol.MapInfo{}, ctx.Err()
		}
	}
	sum := attr[0]
	workers := 1 // this one, and each helper whose part counts
	for i := 1; i < parts; i++ {
		if attr[i] == nil || len(attr[i]) != len(sum) { // its helper failed
			if err := compute(i); err != nil {
				return nil, protocol.MapInfo{}, err
			}
		} else {
			workers++
		}
		for j, v := range attr[i] {
			sum[j] += v
		}
	}
	m, info, err := w.host.MapOf(sum, req)
	info.Workers = workers
	return m, info, err
}

// post sends a message to a helper, copying the buffers.
func (p *pool) post(h *helper, hd *protocol.Header, bufs [][]byte) {
	b, err := protocol.Marshal(hd)
	if err != nil {
		return
	}
	list := js.Global().Get("Array").New()
	for _, buf := range bufs {
		u := js.Global().Get("Uint8Array").New(len(buf))
		js.CopyBytesToJS(u, buf)
		list.Call("push", u.Get("buffer"))
	}
	h.w.Call("postMessage", map[string]any{"h": string(b), "b": list}, list)
}

// part computes a SaliencyPart request in a helper worker.
func (w *worker) part(m message) {
	h := m.h
	if h.Saliency == nil || (len(m.bufs) != 1 && len(m.bufs) != 3) {
		w.fail(h.ID, errors.New("bad saliency part request"))
		return
	}
	if len(m.bufs) == 3 {
		format := ""
		if h.ModelFile != nil {
			format = h.ModelFile.Format
		}
		err := w.host.LoadHelper(format, m.bufs[1], m.bufs[2])
		m.bufs = m.bufs[:1] // let the files go before the work
		if err != nil {
			w.fail(h.ID, err)
			return
		}
	}
	x, err := protocol.Floats(m.bufs[0], -1)
	if err != nil {
		w.fail(h.ID, err)
		return
	}
	ctx, end := w.cancellable(h.ID)
	defer end()
	a, err := w.host.Attribution(ctx, x, *h.Saliency, func(done, total int) {
		w.post(&protocol.Header{ID: h.ID, Kind: protocol.Progress, Done: done, Total: total}, nil)
		w.yield()
	})
	if err != nil {
		w.fail(h.ID, err)
		return
	}
	w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result}, [][]byte{protocol.FloatBytes(a)})
}
