package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// TestObjectivesOnGraph checks that every objective, RRR's and GradMask's
// exact second-order gradients included, gives the same loss and parameter
// gradient on a Network and on the graph converted from it (BatchNorm in
// training mode, residual blocks, ReLU and max pool).
func TestObjectivesOnGraph(t *testing.T) {
	for _, spec := range []nn.Spec{smoothSpec(), reluSpec()} {
		net, err := nn.New(spec, 5)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(6, 7))
		for _, p := range net.NamedParams() {
			if p.Trainable {
				for i := range p.Value {
					p.Value[i] += 0.05 * float32(rng.NormFloat64())
				}
			}
		}
		g, err := graph.FromNetwork(net)
		if err != nil {
			t.Fatal(err)
		}
		b := randomBatch(rng, spec.Input, len(spec.Classes), 4)
		for _, m := range Methods() {
			on := func(model nn.Trainable) (Terms, []float32) {
				o, err := NewObjective(m, 0.7, 3)
				if err != nil {
					t.Fatal(err)
				}
				model.ZeroGrad()
				terms := o.Compute(model, b)
				_, grads, _ := model.Weights()
				return terms, append([]float32(nil), grads...)
			}
			wantT, want := on(net)
			gotT, got := on(g)
			if d := math.Abs(gotT.Loss - wantT.Loss); d > 1e-5*math.Max(1, math.Abs(wantT.Loss)) {
				t.Errorf("%s %s: loss %v, network's %v", spec.Name, m, gotT.Loss, wantT.Loss)
			}
			w := make([]float64, len(want))
			for i, v := range want {
				w[i] = float64(v)
			}
			nntest.Check(t, spec.Name+" "+string(m)+" gradient", got, w, 1e-4)
		}
	}
}

// TestTrainerOnGraph runs a few steps of the trainer on a graph and on the
// Network it came from: the same parameters come out.
func TestTrainerOnGraph(t *testing.T) {
	set := tinySet(rand.New(rand.NewPCG(8, 9)), reluSpec(), 12)
	net, err := nn.New(reluSpec(), 1)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	run := func(model nn.Trainable) []float32 {
		tr, err := NewTrainer(model, set, set, Config{Method: RRR, Lambda: 0.1, BatchSize: 4, Epochs: 1, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		p, _, _ := model.Weights()
		return p
	}
	want := append([]float32(nil), run(net)...)
	got := run(g)
	w := make([]float64, len(want))
	for i, v := range want {
		w[i] = float64(v)
	}
	nntest.Check(t, "parameters after 3 steps", got, w, 1e-4)
}

// bigModel reports many activations per example, as a large imported
// model does.
type bigModel struct{ *nn.Network }

func (bigModel) ValuesPerExample() int { return maxStepActivations / 9 } // two per shard for GradMask

// TestStepShardsLargeModels checks that a model too large for a whole batch
// trains in shards (two examples each here) with the gradient of the whole
// batch, and that the built-in networks are not sharded.
func TestStepShardsLargeModels(t *testing.T) {
	set := tinySet(rand.New(rand.NewPCG(8, 9)), reluSpec(), 12)
	run := func(model nn.Trainable) ([]float32, int) {
		tr, err := NewTrainer(model, set, set, Config{Method: GradMask, Lambda: 0.5, BatchSize: 6, Epochs: 1, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
		p, _, _ := model.Weights()
		return p, tr.shards(6)
	}
	a, _ := nn.New(reluSpec(), 1)
	b, _ := nn.New(reluSpec(), 1)
	want, whole := run(a)
	got, parts := run(bigModel{b})
	if whole != 1 || parts != 3 {
		t.Fatalf("%d and %d shards, want 1 and 3", whole, parts)
	}
	w := make([]float64, len(want))
	for i, v := range want {
		w[i] = float64(v)
	}
	nntest.Check(t, "parameters after a sharded step", got, w, 1e-5)
	for _, spec := range []nn.Spec{model.PhantomCNN([]string{"a", "b"}), model.ResNet64([]string{"a", "b"}), model.DecoyCNN("d", make([]string, 10))} {
		net, _ := nn.New(spec, 1)
		for _, m := range Methods() {
			tr := &Trainer{net: net, cfg: Config{Method: m}}
			if s := tr.shards(64); s != 1 {
				t.Errorf("%s %s: a batch of 64 takes %d shards, want 1", spec.Name, m, s)
			}
		}
	}
}
