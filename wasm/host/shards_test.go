package host

import (
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// hostRemote is a train.Remote over helper Hosts, as the worker's pool
// drives helper workers: the first Send hands each helper the run's model
// (HelperModel of the fine-tuned copy, LoadHelper), every Send the
// parameters and one shard (TrainShard).
type hostRemote struct {
	t       *testing.T
	main    *Host
	helpers []*Host
	req     protocol.TrainRequest
	loaded  bool
	grads   [][]float32
	terms   []train.Terms
}

func (r *hostRemote) Send(params []float32, shards []train.Batch) {
	if !r.loaded {
		format, a, b, err := r.main.HelperModel(protocol.Tuned)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, h := range r.helpers {
			if err := h.LoadHelper(format, a, b); err != nil {
				r.t.Fatal(err)
			}
		}
		r.loaded = true
	}
	r.grads, r.terms = nil, nil
	for i, b := range shards {
		sr := protocol.ShardRequest{Method: r.req.Method, Lambda: r.req.Lambda, N: b.N, Total: b.Total, Labels: b.Labels, Shuffled: b.Shuffled != nil}
		g, tm, err := r.helpers[i%len(r.helpers)].TrainShard(sr, append([]float32(nil), params...), b.X, b.Masks, b.Shuffled)
		if err != nil {
			r.t.Fatal(err)
		}
		r.grads = append(r.grads, append([]float32(nil), g...))
		r.terms = append(r.terms, tm)
	}
}

func (r *hostRemote) Collect(grads []float32) (train.Terms, []int) {
	var sum train.Terms
	for i, g := range r.grads {
		train.AddGrads(grads, g)
		sum.Loss += r.terms[i].Loss
		sum.CE += r.terms[i].CE
		sum.Penalty += r.terms[i].Penalty
	}
	return sum, nil
}

// TestTrainShards checks data-parallel fine-tuning through the Host, as
// the worker's helper pool runs it: a run whose batches are split into
// three shards, two computed by helper Hosts, ends with the same weights
// as a run computed in one Host (up to float32 summation order), and its
// updates say three workers made each step; on the built-in Crosses CNN
// (RRR and ActDiff, which shuffles) and on an imported ONNX model
// (GradMask, fine-tuning the head). The adversarial objective trains in
// one Host, saying why; so do steps too small to be worth splitting.
func TestTrainShards(t *testing.T) {
	type setup func(t *testing.T) (*Host, []float32, []float32)
	crosses := func(t *testing.T) (*Host, []float32, []float32) { return startedHost(t), nil, nil }
	imported := func(t *testing.T) (*Host, []float32, []float32) {
		h := startedHost(t)
		if err := h.LoadONNX(smallONNX(t, 3, nil), nil, protocol.ModelFile{Format: "onnx", Name: "small.onnx"}, Status{}); err != nil {
			t.Fatal(err)
		}
		var xs, masks []float32
		for i := range 6 {
			_, x, _, err := h.Open("pic", pngOf(t, 40+i, 30, true), protocol.DecodeRequest{Name: "p.png"})
			if err != nil {
				t.Fatal(err)
			}
			xs = append(xs, x...)
			for p := range 24 * 20 {
				masks = append(masks, float32((p/20+i)%2))
			}
		}
		return h, xs, masks
	}
	for _, c := range []struct {
		name  string
		setup setup
		req   protocol.TrainRequest
		split bool
	}{
		{"crosses rrr", crosses, protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-2, BatchSize: 8, Epochs: 1, MaxSteps: 3}, true},
		{"crosses actdiff", crosses, protocol.TrainRequest{Method: "actdiff", Lambda: 1, LR: 1e-2, BatchSize: 8, Epochs: 1, MaxSteps: 3}, true},
		{"crosses adversarial", crosses, protocol.TrainRequest{Method: "adversarial", Lambda: 1, LR: 1e-2, BatchSize: 8, Epochs: 1, MaxSteps: 2}, false},
		{"onnx gradmask", imported, protocol.TrainRequest{Method: "gradmask", Lambda: 1, LR: 5e-2, Epochs: 1, MaxSteps: 2, Labels: []int{0, 1, 2, 0, 1, 2}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var weights [][]float32
			var before []float32
			for _, parts := range []int{1, 3} {
				h, xs, masks := c.setup(t)
				h.splitFrom = 1 // split even the small Crosses CNN's steps
				if parts > 1 {
					h.SetTrainRemote(&hostRemote{t: t, main: h, helpers: []*Host{New(nil), New(nil)}, req: c.req}, parts)
				}
				var notes []string
				if err := h.StartTraining(c.req, xs, masks, Status{Note: func(s string) { notes = append(notes, s) }}); err != nil {
					t.Fatal(err)
				}
				if parts == 1 {
					p, _, _ := h.cur.tuned.Weights()
					before = append([]float32(nil), p...)
				}
				for h.Training() {
					u, err := h.Step()
					if err != nil {
						t.Fatal(err)
					}
					want := 1
					if c.split {
						want = parts
					}
					if u.Workers != want {
						t.Errorf("%d parts: a step made by %d workers, want %d", parts, u.Workers, want)
					}
				}
				if !c.split && parts > 1 && !strings.Contains(strings.Join(notes, " "), "one engine worker") {
					t.Errorf("the run did not say why it trains in one worker: %q", notes)
				}
				p, _, _ := h.cur.tuned.Weights()
				weights = append(weights, append([]float32(nil), p...))
			}
			var diff, scale, moved float64
			for i := range weights[0] {
				diff = math.Max(diff, math.Abs(float64(weights[0][i]-weights[1][i])))
				scale = math.Max(scale, math.Abs(float64(weights[0][i])))
				moved = math.Max(moved, math.Abs(float64(weights[0][i]-before[i])))
			}
			if diff > 1e-5*scale {
				t.Errorf("weights differ by %.3g between one Host and three (max |w| %.3g)", diff, scale)
			}
			if moved < 1e-3 {
				t.Errorf("training moved the weights by %.3g only", moved)
			}
			t.Logf("one Host and three agree within %.2g (max |w| %.3g, moved %.3g)", diff, scale, moved)
		})
	}
}

// TestSmallStepsNotSplit: the Crosses CNN's steps at batch 8 keep fewer
// activations than MinSplitStepValues, so they run in one Host.
func TestSmallStepsNotSplit(t *testing.T) {
	h := startedHost(t)
	r := &hostRemote{t: t, main: h, helpers: []*Host{New(nil)}, req: protocol.TrainRequest{Method: "rrr", Lambda: 1}}
	h.SetTrainRemote(r, 2)
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 1e-2, BatchSize: 8, Epochs: 1, MaxSteps: 1}, nil, nil, Status{}); err != nil {
		t.Fatal(err)
	}
	u, err := h.Step()
	if err != nil {
		t.Fatal(err)
	}
	if u.Workers != 1 || r.loaded {
		t.Errorf("a small step was made by %d workers (helpers loaded: %v)", u.Workers, r.loaded)
	}
}
