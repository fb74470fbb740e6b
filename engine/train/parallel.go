package train

import (
	"errors"
	"fmt"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
)

// Remote computes shards of a training step's batch in other workers (the
// browser's helper workers), data-parallel: each computes its shard's
// parameter gradient with the same parameters, the Trainer adds them up
// and takes one optimizer step.
type Remote interface {
	// Send starts computing shards (shards 1, 2, ... of the step's batch,
	// with Total and Shuffled set) with parameters params (the model's
	// trainable values before the step; valid only during the call) and
	// the Trainer's method and λ.
	Send(params []float32, shards []Batch)
	// Collect waits for the shards of the last Send, adds the parameter
	// gradient of each one computed into grads and returns the sum of
	// their Terms, and the indices into Send's shards of those it could
	// not compute (a helper failed or fell silent), which the Trainer
	// computes itself.
	Collect(grads []float32) (Terms, []int)
}

// Splits returns nil if a batch's gradient for net and method m is the sum
// of its shards' gradients computed in separate workers (Batch.Shard, with
// S(x) drawn once for the whole batch), and otherwise an error saying why
// not: BatchNorm in training mode normalizes each shard with its own
// statistics; Dropout draws its masks from each worker's own generator;
// the adversarial objective's discriminator takes its steps on the whole
// batch's features.
func Splits(net nn.Trainable, m Method) error {
	if m == Adversarial {
		return errors.New("the adversarial objective trains its discriminator on the whole batch")
	}
	switch net := net.(type) {
	case *nn.Network:
		var walk func([]nn.LayerSpec) error
		walk = func(layers []nn.LayerSpec) error {
			for _, l := range layers {
				switch {
				case l.Type == "batchnorm":
					return errors.New("BatchNorm normalizes each batch with its own statistics in training")
				case l.Type == "dropout" && l.P > 0:
					return errors.New("Dropout draws its masks in each worker")
				}
				if err := walk(l.Body); err != nil {
					return err
				}
				if err := walk(l.Shortcut); err != nil {
					return err
				}
			}
			return nil
		}
		return walk(net.Spec.Layers)
	case *graph.Graph:
		for _, nd := range net.Nodes() {
			a := nd.Op.Attrs()
			switch nd.Op.Type() {
			case "BatchNormalization":
				if tm, _ := a.Int("training_mode", 0); tm != 0 {
					return errors.New("BatchNorm normalizes each batch with its own statistics in training")
				}
			case "Dropout":
				if r, _ := a.Float("ratio", 0); r > 0 {
					return errors.New("Dropout draws its masks in each worker")
				}
			}
		}
		return nil
	}
	return fmt.Errorf("a %T is not known to split", net)
}

// SetRemote makes each following Step compute its batch in parts shards
// (at most one per example): shard 0 here, the others through r. It
// returns an error, and leaves the Trainer computing every step itself, if
// the model and method do not split (Splits).
func (t *Trainer) SetRemote(r Remote, parts int) error {
	if err := Splits(t.net, t.cfg.Method); err != nil {
		return err
	}
	if parts < 2 || r == nil {
		t.remote, t.parts = nil, 0
		return nil
	}
	t.remote, t.parts = r, parts
	return nil
}

// Parts returns into how many shards, each computed by one worker, a full
// batch is split: 1 without a Remote.
func (t *Trainer) Parts() int {
	if t.remote == nil {
		return 1
	}
	return min(t.parts, t.cfg.BatchSize)
}

// ComputeShard computes shard b of a step for a Remote's worker: it sets
// net's trainable values to params, and returns the shard's parameter
// gradient (net's own storage, valid until its next use) and Terms.
func ComputeShard(net nn.Trainable, obj *Objective, params []float32, b Batch) ([]float32, Terms, error) {
	p, grads, _ := net.Weights()
	if len(params) != len(p) {
		return nil, Terms{}, fmt.Errorf("train: %d parameters for a model of %d", len(params), len(p))
	}
	copy(p, params)
	net.ZeroGrad()
	return grads, obj.Compute(net, b), nil
}

// computeLocal adds the gradient of b to the network's, in as many
// pieces as the activation limit asks, and returns its Terms.
func (t *Trainer) computeLocal(b Batch) Terms {
	var terms Terms
	k := t.shards(b.N)
	for i := 0; i < k; i++ {
		part := t.obj.Compute(t.net, b.Shard(i, k))
		terms.add(part)
	}
	return terms
}

func (s *Terms) add(o Terms) {
	s.Loss += o.Loss
	s.CE += o.CE
	s.Penalty += o.Penalty
}

// needsShuffle reports whether the method uses S(x).
func needsShuffle(m Method) bool { return m == Shuffle || m == ActDiff || m == Adversarial }

// stepGradient computes the step's batch gradient into the network's
// (zeroed) gradient, split across the Remote's workers if there is one, and
// returns its Terms and the number of workers whose shards made it.
func (t *Trainer) stepGradient() (Terms, int) {
	b := t.batch
	b.Total, b.Shuffled = 0, nil
	n := min(t.Parts(), b.N)
	if n < 2 {
		return t.computeLocal(b), 1
	}
	if needsShuffle(t.cfg.Method) {
		// S(x) for the whole batch, drawn as a single worker would.
		t.shuffledBuf = grow(t.shuffledBuf, len(b.X))
		t.obj.shuffled(t.shuffledBuf, b, t.net.Input())
		b.Shuffled = t.shuffledBuf
	}
	shards := make([]Batch, n)
	for i := range shards {
		shards[i] = b.Shard(i, n)
	}
	t.remote.Send(t.params, shards[1:])
	terms := t.computeLocal(shards[0])
	rt, missing := t.remote.Collect(t.grads)
	terms.add(rt)
	workers := n
	for _, i := range missing {
		terms.add(t.computeLocal(shards[1+i]))
		workers--
	}
	return terms, workers
}
