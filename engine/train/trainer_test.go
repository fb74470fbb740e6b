package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// tinySet returns a random labelled set for spec's input.
func tinySet(rng *rand.Rand, spec nn.Spec, n int) *data.Set {
	in := spec.Input
	s := &data.Set{Name: "tiny", C: in.C, H: in.H, W: in.W, ClassNames: spec.Classes,
		Images: nntest.Rand(rng, n*in.Size()), Masks: make([]float32, n*in.H*in.W), Labels: make([]int, n)}
	for i := range s.Masks {
		if rng.Float64() < 0.5 {
			s.Masks[i] = 1
		}
	}
	s.TrainMasks = s.Masks
	for i := range s.Labels {
		s.Labels[i] = i % len(spec.Classes)
	}
	return s
}

// TestStepAllocatesNothing checks that a warm training step of every method
// allocates nothing (the loop the browser runs between progress reports).
func TestStepAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked natively")
	}
	for _, m := range Methods() {
		rng := rand.New(rand.NewPCG(1, 2))
		net, _ := nn.New(reluSpec(), 1)
		b := randomBatch(rng, reluSpec().Input, 2, 8)
		o, err := NewObjective(m, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		opt := &Adam{LR: 1e-3}
		step := func() {
			net.ZeroGrad()
			o.Compute(net, b)
			opt.Update(net.Params, net.Grads)
		}
		step() // warm the buffers
		if a := testing.AllocsPerRun(5, step); a != 0 {
			t.Errorf("%s: %v allocations per warm step, want 0", m, a)
		}
	}
}

// TestTrainerLearnsAndStops trains a tiny problem to high accuracy and
// checks the epoch bookkeeping and early stopping.
func TestTrainerLearnsAndStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	spec := reluSpec()
	set := tinySet(rng, spec, 24)
	// Make the label readable: brighten the top-left pixel of class 1.
	for i, y := range set.Labels {
		set.Images[i*spec.Input.Size()] = float32(4 * y)
	}
	net, _ := nn.New(spec, 2)
	tr, err := NewTrainer(net, set, set, Config{LR: 1e-2, BatchSize: 8, Epochs: 40, Patience: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Batches() != 3 {
		t.Fatalf("Batches() = %d, want 3", tr.Batches())
	}
	var epochs, bestEpoch int
	bestLoss := math.Inf(1)
	for !tr.Done() {
		info, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		if e := info.EpochEnd; e != nil {
			epochs = e.Epoch
			if info.Batch != 3 {
				t.Fatalf("epoch ended at batch %d of 3", info.Batch)
			}
			if e.Best != (e.Valid.Loss < bestLoss) {
				t.Fatalf("epoch %d: Best = %v with loss %v (best so far %v)", e.Epoch, e.Best, e.Valid.Loss, bestLoss)
			}
			if e.Best {
				bestLoss, bestEpoch = e.Valid.Loss, e.Epoch
			}
			if e.Stopped && e.Epoch-bestEpoch != 3 {
				t.Fatalf("stopped at epoch %d, %d after the best; want patience 3", e.Epoch, e.Epoch-bestEpoch)
			}
		}
	}
	tr.Finish()
	ev := Evaluate(net, set, 8)
	if math.Abs(ev.Loss-bestLoss) > 1e-6 {
		t.Errorf("after Finish the loss is %v, want the best %v", ev.Loss, bestLoss)
	}
	if ev.Accuracy < 0.95 {
		t.Errorf("accuracy %v after %d epochs, want ≥ 0.95", ev.Accuracy, epochs)
	}
	if _, err := tr.Step(); err == nil {
		t.Error("Step after Done succeeded")
	}
}

// TestDivergenceKeepsLastGoodWeights poisons the data with a NaN and checks
// that the trainer stops with ErrDiverged and leaves the weights untouched.
func TestDivergenceKeepsLastGoodWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	spec := reluSpec()
	set := tinySet(rng, spec, 8)
	net, _ := nn.New(spec, 3)
	tr, err := NewTrainer(net, set, set, Config{BatchSize: 8, Epochs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	good := append([]float32(nil), net.Params...)
	set.Images[3] = float32(math.Inf(1)) // a corrupt pixel reaches the next batch
	_, err = tr.Step()
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("Step error = %v, want ErrDiverged", err)
	}
	if !strings.Contains(err.Error(), "kept") {
		t.Errorf("error %q does not say the weights were kept", err)
	}
	for i := range good {
		if net.Params[i] != good[i] {
			t.Fatalf("param %d changed from %v to %v", i, good[i], net.Params[i])
		}
	}
	if !tr.Done() {
		t.Error("trainer not done after divergence")
	}
}

func TestConfigErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	spec := reluSpec()
	set := tinySet(rng, spec, 4)
	net, _ := nn.New(spec, 1)
	wrong := tinySet(rng, smoothSpec(), 4)
	bad := *set
	bad.Labels = []int{0, 1, 5, 0}
	for _, tc := range []struct {
		cfg   Config
		train *data.Set
		want  string
	}{
		{Config{Method: "magic"}, set, "unknown method"},
		{Config{LR: -1}, set, "learning rate"},
		{Config{BatchSize: -3}, set, "batch size"},
		{Config{Epochs: -1}, set, "epochs"},
		{Config{Method: RRR, Lambda: math.NaN()}, set, "λ"},
		{Config{Optimizer: "lbfgs"}, set, "optimizer"},
		{Config{}, wrong, "the model takes"},
		{Config{}, &bad, "label"},
	} {
		if _, err := NewTrainer(net, tc.train, set, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

// TestBurnInSkipsEarlyEpochs checks that no epoch within the burn-in is kept,
// however low its validation loss, and that the first one after it is.
func TestBurnInSkipsEarlyEpochs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	spec := reluSpec()
	set := tinySet(rng, spec, 16)
	net, _ := nn.New(spec, 2)
	tr, err := NewTrainer(net, set, set, Config{LR: 1e-2, BatchSize: 8, Epochs: 4, BurnIn: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var best []int
	var epoch3 []float32
	for !tr.Done() {
		info, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		if e := info.EpochEnd; e != nil && e.Best {
			best = append(best, e.Epoch)
			if e.Epoch == 3 {
				epoch3 = append([]float32(nil), net.Params...)
			}
		}
	}
	if len(best) == 0 || best[0] != 3 {
		t.Fatalf("epochs marked best: %v; want the first to be 3 (burn-in 2)", best)
	}
	if len(best) == 1 {
		tr.Finish()
		for i := range epoch3 {
			if net.Params[i] != epoch3[i] {
				t.Fatalf("Finish did not restore epoch 3's weights")
			}
		}
	}
	if _, err := NewTrainer(net, set, set, Config{Epochs: 3, BurnIn: 3}); err == nil {
		t.Error("a burn-in as long as training was accepted")
	}
}
