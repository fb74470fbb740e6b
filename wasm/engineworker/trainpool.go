//go:build js && wasm

package engineworker

import (
	"errors"
	"time"

	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// trainRemote is the train.Remote of one fine-tuning run: it sends the
// shards of each step to the pool's helpers (with the run's model the
// first time a helper gets a shard of the run) and collects their
// gradients. A helper that fails, or stays silent for longer than the
// pool's patience, is dropped and its shard reported missing, so that the
// Trainer computes it here.
type trainRemote struct {
	p   *pool
	w   *worker
	req protocol.TrainRequest
	// loaded records, per helper holding the run's model, its loads
	// count then (a split map sends it another model meanwhile).
	loaded map[*helper]int

	pending map[int]int // request ID → shard (index into Send's shards)
	to      []*helper   // the helper of each shard
	grads   [][]float32
	terms   []train.Terms
	failed  []bool
	sent    time.Time
}

// Send implements train.Remote.
func (r *trainRemote) Send(params []float32, shards []train.Batch) {
	n := len(shards)
	r.pending, r.to = map[int]int{}, make([]*helper, n)
	r.grads, r.terms, r.failed = make([][]float32, n), make([]train.Terms, n), make([]bool, n)
	r.sent = time.Now()
	hs := r.p.live()
	pb := protocol.FloatBytes(params)
	var format string
	var fileA, fileB []byte
	for i, b := range shards {
		if len(hs) == 0 {
			r.failed[i] = true
			continue
		}
		h := hs[i%len(hs)]
		sr := protocol.ShardRequest{Method: r.req.Method, Lambda: r.req.Lambda, N: b.N, Total: b.Total, Labels: b.Labels}
		bufs := [][]byte{pb, protocol.FloatBytes(b.X), protocol.FloatBytes(b.Masks)}
		if b.Shuffled != nil {
			sr.Shuffled = true
			bufs = append(bufs, protocol.FloatBytes(b.Shuffled))
		}
		hd := &protocol.Header{Kind: protocol.TrainShard, Shard: &sr}
		if l, ok := r.loaded[h]; !ok || l != h.loads {
			if fileA == nil {
				var err error
				if format, fileA, fileB, err = r.w.host.HelperModel(protocol.Tuned); err != nil {
					r.failed[i] = true
					continue
				}
			}
			bufs = append(bufs, fileA, fileB)
			hd.ModelFile = &protocol.ModelFile{Format: format}
			h.loads++
			r.loaded[h] = h.loads
			h.version = 0 // its weights change with every shard: no known version
		}
		r.p.next++
		hd.ID = r.p.next
		r.pending[hd.ID] = i
		r.to[i] = h
		r.p.post(h, hd, bufs)
	}
}

// Collect implements train.Remote. It waits for the helpers as the split
// saliency maps do: at most max(minPatience, 4 × the time this worker took
// for its own shard) since a helper was last heard from, longer for one
// still starting.
func (r *trainRemote) Collect(grads []float32) (train.Terms, []int) {
	patience := max(minPatience, 4*time.Since(r.sent))
	last := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for len(r.pending) > 0 {
		select {
		case rep := <-r.p.replies:
			r.handle(rep)
			last = time.Now()
		case <-tick.C:
			for id, i := range r.pending {
				if h := r.to[i]; h.overdue(last, patience) {
					h.stop()
					r.failed[i] = true
					delete(r.pending, id)
				}
			}
		}
	}
	var sum train.Terms
	var missing []int
	for i, g := range r.grads {
		if r.failed[i] || len(g) != len(grads) {
			missing = append(missing, i)
			continue
		}
		train.AddGrads(grads, g)
		sum.Loss += r.terms[i].Loss
		sum.CE += r.terms[i].CE
		sum.Penalty += r.terms[i].Penalty
	}
	r.grads = nil
	return sum, missing
}

// handle takes in one helper reply.
func (r *trainRemote) handle(rep helperReply) {
	if rep.h.ID == -1 { // the helper died: its pending shards fail
		rep.from.dead = true
		for id, i := range r.pending {
			if r.to[i] == rep.from {
				r.failed[i] = true
				delete(r.pending, id)
			}
		}
		return
	}
	i, ok := r.pending[rep.h.ID]
	if !ok {
		return // a reply to an earlier request
	}
	switch rep.h.Kind {
	case protocol.Result:
		g, err := protocol.Floats(rep.buf, -1)
		if err != nil || rep.h.Update == nil {
			r.failed[i] = true
		} else {
			r.grads[i] = g
			r.terms[i] = train.Terms{Loss: rep.h.Update.Loss, CE: rep.h.Update.CE, Penalty: rep.h.Update.Penalty}
		}
		delete(r.pending, rep.h.ID)
	case protocol.Failed:
		r.failed[i] = true
		delete(r.loaded, r.to[i]) // send the model again
		delete(r.pending, rep.h.ID)
	}
}

// shard computes a TrainShard request in a helper worker.
func (w *worker) shard(m message) {
	h := m.h
	sr := h.Shard
	if sr == nil {
		w.fail(h.ID, errors.New("bad training shard request"))
		return
	}
	need := 3
	if sr.Shuffled {
		need = 4
	}
	if len(m.bufs) != need && len(m.bufs) != need+2 {
		w.fail(h.ID, errors.New("bad training shard request"))
		return
	}
	if len(m.bufs) == need+2 {
		format := ""
		if h.ModelFile != nil {
			format = h.ModelFile.Format
		}
		err := w.host.LoadHelper(format, m.bufs[need], m.bufs[need+1])
		m.bufs = m.bufs[:need]
		if err != nil {
			w.fail(h.ID, err)
			return
		}
	}
	var fl [4][]float32
	for i, b := range m.bufs {
		var err error
		if fl[i], err = protocol.Floats(b, -1); err != nil {
			w.fail(h.ID, err)
			return
		}
	}
	g, terms, err := w.host.TrainShard(*sr, fl[0], fl[1], fl[2], fl[3])
	if err != nil {
		w.fail(h.ID, err)
		return
	}
	u := &protocol.TrainUpdate{Loss: terms.Loss, CE: terms.CE, Penalty: terms.Penalty}
	w.post(&protocol.Header{ID: h.ID, Kind: protocol.Result, Update: u}, [][]byte{protocol.FloatBytes(g)})
}
