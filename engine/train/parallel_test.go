package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
)

// localRemote is a Remote whose workers are copies of the network with
// objectives of their own (seeded unlike the Trainer's, so that a shuffle
// they drew themselves would differ), run in this goroutine. lose lists
// shards (indices into Send's) that it reports as not computed.
type localRemote struct {
	t      *testing.T
	net    nn.Trainable
	method Method
	lambda float64
	lose   map[int]bool
	grads  [][]float32
	terms  []Terms
	sent   int
}

func (r *localRemote) Send(params []float32, shards []Batch) {
	r.grads, r.terms = nil, nil
	for i, b := range shards {
		r.sent++
		if r.lose[i] {
			r.grads = append(r.grads, nil)
			r.terms = append(r.terms, Terms{})
			continue
		}
		w := clone(r.net)
		obj, err := NewObjective(r.method, r.lambda, 1000+uint64(i))
		if err != nil {
			r.t.Fatal(err)
		}
		g, tm, err := ComputeShard(w, obj, params, b)
		if err != nil {
			r.t.Fatal(err)
		}
		r.grads = append(r.grads, append([]float32(nil), g...))
		r.terms = append(r.terms, tm)
	}
}

func (r *localRemote) Collect(grads []float32) (Terms, []int) {
	var sum Terms
	var missing []int
	for i, g := range r.grads {
		if g == nil {
			missing = append(missing, i)
			continue
		}
		AddGrads(grads, g)
		sum.add(r.terms[i])
	}
	return sum, missing
}

func clone(m nn.Trainable) nn.Trainable {
	switch m := m.(type) {
	case *nn.Network:
		return m.Clone()
	case *graph.Graph:
		return m.Clone()
	}
	panic("clone")
}

// TestRemoteStepsMatch checks data-parallel training end to end: a Trainer
// whose batches (of 5, then a last one of 2) are split into 3 shards, two
// computed by other workers' copies of the network, takes the same steps
// as one computing every batch itself — the same loss terms and, after a
// whole epoch and then some, the same weights up to float32 summation
// order — for every objective that splits (all but the adversarial one),
// on a network and on a graph; and the same again when a worker loses its
// shard and the Trainer computes it itself. Masks cover part of each image,
// so Shuffle and ActDiff really shuffle: the workers' own generators would
// draw other S(x).
func TestRemoteStepsMatch(t *testing.T) {
	set := tinySet(rand.New(rand.NewPCG(21, 22)), reluSpec(), 12)
	for _, onGraph := range []bool{false, true} {
		for _, m := range Methods() {
			if m == Adversarial {
				continue
			}
			for _, lose := range []map[int]bool{nil, {1: true}} {
				newNet := func() nn.Trainable {
					net, err := nn.New(reluSpec(), 4)
					if err != nil {
						t.Fatal(err)
					}
					if !onGraph {
						return net
					}
					g, err := graph.FromNetwork(net)
					if err != nil {
						t.Fatal(err)
					}
					return g
				}
				cfg := Config{Method: m, Lambda: 0.5, LR: 1e-2, BatchSize: 5, Epochs: 2, Seed: 3}
				single, parallel := newNet(), newNet()
				ts, err := NewTrainer(single, set, set, cfg)
				if err != nil {
					t.Fatal(err)
				}
				tp, err := NewTrainer(parallel, set, set, cfg)
				if err != nil {
					t.Fatal(err)
				}
				r := &localRemote{t: t, net: parallel, method: m, lambda: cfg.Lambda, lose: lose}
				if err := tp.SetRemote(r, 3); err != nil {
					t.Fatalf("%s: %v", m, err)
				}
				if tp.Parts() != 3 {
					t.Errorf("Parts %d, want 3", tp.Parts())
				}
				for step := range 4 {
					a, err := ts.Step()
					if err != nil {
						t.Fatal(err)
					}
					b, err := tp.Step()
					if err != nil {
						t.Fatal(err)
					}
					// Batches of 5, 5, 2, 5: shards 3, 3, 2, 3, less the
					// lost shard (Send's index 1) when there is one.
					want := []int{3, 3, 2, 3}[step]
					if lose[1] && want == 3 {
						want--
					}
					if a.Workers != 1 || b.Workers != want {
						t.Errorf("%s step %d: %d and %d workers, want 1 and %d", m, step, a.Workers, b.Workers, want)
					}
					if math.Abs(a.Loss-b.Loss) > 1e-5*(1+math.Abs(a.Loss)) || math.Abs(a.Penalty-b.Penalty) > 1e-5*(1+math.Abs(a.Penalty)) {
						t.Errorf("graph %v %s lose %v step %d: loss %v penalty %v split, %v %v whole", onGraph, m, lose, step, b.Loss, b.Penalty, a.Loss, a.Penalty)
					}
				}
				if r.sent == 0 {
					t.Errorf("%s: no shard was sent", m)
				}
				ps, _, _ := single.Weights()
				pp, _, _ := parallel.Weights()
				var diff, scale float64
				for i := range ps {
					diff = math.Max(diff, math.Abs(float64(ps[i]-pp[i])))
					scale = math.Max(scale, math.Abs(float64(ps[i])))
				}
				if diff > 1e-5*scale {
					t.Errorf("graph %v %s lose %v: weights after 4 steps differ by %.3g (max |w| %.3g)", onGraph, m, lose, diff, scale)
				}
			}
		}
	}
}

// TestSplits checks which models and objectives are refused data-parallel
// steps, and that the refusal is needed: for BatchNorm in training mode and
// the adversarial objective, shards computed apart do not add up to the
// whole batch's gradient.
func TestSplits(t *testing.T) {
	plain, _ := nn.New(reluSpec(), 1)
	if err := Splits(plain, RRR); err != nil {
		t.Errorf("a plain network with RRR: %v", err)
	}
	bnSpec := reluSpec()
	bnSpec.Layers = append([]nn.LayerSpec{bnSpec.Layers[0], {Type: "batchnorm"}}, bnSpec.Layers[1:]...)
	bn, err := nn.New(bnSpec, 1)
	if err != nil {
		t.Fatal(err)
	}
	dropSpec := reluSpec()
	dropSpec.Layers = append(dropSpec.Layers[:len(dropSpec.Layers)-1], nn.LayerSpec{Type: "dropout", P: 0.3}, dropSpec.Layers[len(dropSpec.Layers)-1])
	drop, err := nn.New(dropSpec, 1)
	if err != nil {
		t.Fatal(err)
	}
	bnGraph, err := graph.FromNetwork(bn)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		net  nn.Trainable
		m    Method
		want string
	}{
		{"adversarial", plain, Adversarial, "discriminator"},
		{"batchnorm", bn, Baseline, "BatchNorm"},
		{"batchnorm graph", bnGraph, RRR, "BatchNorm"},
		{"dropout", drop, GradMask, "Dropout"},
	} {
		err := Splits(c.net, c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Splits says %v, want an error naming %s", c.what, err, c.want)
		}
		tr, err := NewTrainer(c.net, tinySet(rand.New(rand.NewPCG(1, 1)), reluSpec(), 4), tinySet(rand.New(rand.NewPCG(1, 1)), reluSpec(), 4), Config{Method: c.m, BatchSize: 4, Epochs: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.SetRemote(&localRemote{t: t}, 2); err == nil || tr.Parts() != 1 {
			t.Errorf("%s: SetRemote accepted (parts %d)", c.what, tr.Parts())
		}
	}
	// Why: the whole batch's gradient against the sum of two shards'.
	for _, c := range []struct {
		what string
		net  *nn.Network
		m    Method
	}{{"batchnorm", bn, Baseline}, {"adversarial", plain, Adversarial}} {
		b := randomBatch(rand.New(rand.NewPCG(5, 6)), c.net.Input(), c.net.Classes(), 6)
		whole, _ := NewObjective(c.m, 1, 1)
		c.net.ZeroGrad()
		whole.Compute(c.net, b)
		want := append([]float32(nil), c.net.Grads...)
		sum := make([]float32, len(want))
		for i := range 2 {
			w := c.net.Clone()
			obj, _ := NewObjective(c.m, 1, 1)
			w.ZeroGrad()
			obj.Compute(w, b.Shard(i, 2))
			AddGrads(sum, w.Grads)
		}
		var diff, scale float64
		for i := range want {
			diff = math.Max(diff, math.Abs(float64(sum[i]-want[i])))
			scale = math.Max(scale, math.Abs(float64(want[i])))
		}
		if diff < 1e-3*scale {
			t.Errorf("%s: shards add up to the whole gradient (within %.3g of %.3g): Splits need not refuse it", c.what, diff, scale)
		}
	}
}
