package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/nn"
)

// Config sets up a Trainer. Zero values take the defaults noted.
type Config struct {
	Method      Method
	Lambda      float64 // penalty weight λ (ignored by baseline, masked, shuffle)
	Optimizer   string  // "adam" (default) or "sgd"
	LR          float64 // learning rate (default 1e-3)
	Momentum    float64 // SGD momentum (default 0.9)
	WeightDecay float64
	BatchSize   int    // default 32; a large model computes it in shards that fit memory (see Trainer.Step)
	Epochs      int    // default 10
	Patience    int    // stop after this many epochs without a lower validation loss; 0 never stops early
	Seed        uint64 // batch order and shuffles
	// BurnIn epochs are never kept as the checkpoint: selection by
	// validation loss starts at epoch BurnIn+1 (Viviano et al. select after
	// 5 epochs, so that an untrained early epoch cannot win by chance).
	BurnIn int
	// The adversarial objective's discriminator (0: the train package's
	// defaults): steps per batch, Adam learning rate, hidden width.
	DiscSteps  int
	DiscLR     float64
	DiscHidden int
}

func (c *Config) applyDefaults() error {
	if c.Method == "" {
		c.Method = Baseline
	}
	if _, err := ParseMethod(string(c.Method)); err != nil {
		return err
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Momentum == 0 {
		c.Momentum = 0.9
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.Epochs == 0 {
		c.Epochs = 10
	}
	switch {
	case !(c.LR > 0) || math.IsInf(c.LR, 0) || c.LR > 10:
		return fmt.Errorf("train: learning rate %v out of range (0, 10]", c.LR)
	case c.BatchSize < 1 || c.BatchSize > 4096:
		return fmt.Errorf("train: batch size %d out of range 1..4096", c.BatchSize)
	case c.Epochs < 1 || c.Epochs > 10000:
		return fmt.Errorf("train: %d epochs out of range 1..10000", c.Epochs)
	case c.Patience < 0:
		return fmt.Errorf("train: patience %d is negative", c.Patience)
	case c.WeightDecay < 0 || math.IsNaN(c.WeightDecay):
		return fmt.Errorf("train: weight decay %v is negative", c.WeightDecay)
	case c.BurnIn < 0 || c.BurnIn >= c.Epochs:
		return fmt.Errorf("train: burn-in of %d epochs out of range 0..%d (fewer than the %d epochs)", c.BurnIn, c.Epochs-1, c.Epochs)
	case c.DiscSteps < 0 || c.DiscSteps > 1000 || c.DiscHidden < 0 || c.DiscHidden > 4096 || c.DiscLR < 0 || c.DiscLR > 10 || math.IsNaN(c.DiscLR):
		return fmt.Errorf("train: discriminator of %d steps, width %d, learning rate %v out of range", c.DiscSteps, c.DiscHidden, c.DiscLR)
	}
	return nil
}

// Eval is a network's performance on a labelled set.
type Eval struct {
	Loss     float64 // mean cross-entropy
	Accuracy float64
	AUC      float64 // ROC AUC (one-vs-rest macro for more than two classes); NaN if a class is absent
}

// StepInfo reports one Step.
type StepInfo struct {
	Epoch, Batch, Batches int // 1-based epoch and batch within it
	// Workers is the number of workers whose shards made the step's
	// gradient: 1, or with a Remote up to Parts.
	Workers int
	Terms
	EpochEnd *EpochInfo // non-nil after the last batch of an epoch
}

// EpochInfo summarizes an epoch.
type EpochInfo struct {
	Epoch     int
	TrainLoss float64 // mean loss over the epoch's batches
	Valid     Eval
	Best      bool // the validation loss is the lowest so far after the burn-in; these weights are kept
	Stopped   bool // early stopping ended training after this epoch
}

// ErrDiverged is returned (wrapped) by Step when the loss or gradient stops
// being finite. The network keeps the weights from before that step.
var ErrDiverged = errors.New("train: loss diverged")

// Trainer runs a Config on a network one batch at a time.
type Trainer struct {
	net nn.Trainable
	// The model's parameter, gradient and state slices.
	params, grads, state []float32
	train                *data.Set
	valid                *data.Set
	cfg                  Config
	obj                  *Objective
	opt                  Optimizer
	rng                  *rand.Rand

	order       []int
	epoch, pos  int
	epochLoss   float64
	epochSteps  int
	bestLoss    float64
	bestParams  []float32
	bestState   []float32
	sinceBest   int
	done        bool
	batch       Batch
	prevParams  []float32
	batchLabels []int

	// remote, if set, computes shards 1..parts−1 of each batch (SetRemote).
	remote      Remote
	parts       int
	shuffledBuf []float32
}

// NewTrainer prepares training of net on train, validated on valid after
// every epoch. The sets must match the network's input shape and classes.
func NewTrainer(net nn.Trainable, train, valid *data.Set, cfg Config) (*Trainer, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	for _, s := range []*data.Set{train, valid} {
		if err := checkSet(net, s); err != nil {
			return nil, err
		}
	}
	if train.Len() == 0 {
		return nil, errors.New("train: the training set is empty")
	}
	obj, err := NewObjective(cfg.Method, cfg.Lambda, cfg.Seed+1)
	if err != nil {
		return nil, err
	}
	if cfg.DiscSteps > 0 {
		obj.DiscSteps = cfg.DiscSteps
	}
	if cfg.DiscLR > 0 {
		obj.DiscLR = cfg.DiscLR
	}
	if cfg.DiscHidden > 0 {
		obj.DiscHidden = cfg.DiscHidden
	}
	opt, err := NewOptimizer(cfg.Optimizer, cfg.LR, cfg.Momentum, cfg.WeightDecay)
	if err != nil {
		return nil, err
	}
	params, grads, state := net.Weights()
	t := &Trainer{
		net: net, train: train, valid: valid, cfg: cfg, obj: obj, opt: opt,
		params: params, grads: grads, state: state,
		rng:        rand.New(rand.NewPCG(cfg.Seed, 0x74726e)),
		order:      make([]int, train.Len()),
		bestLoss:   math.Inf(1),
		bestParams: append([]float32(nil), params...),
		bestState:  append([]float32(nil), state...),
		prevParams: make([]float32, len(params)),
	}
	t.startEpoch()
	return t, nil
}

// checkSet verifies that s fits net: input shape, class count, labels.
func checkSet(net nn.Model, s *data.Set) error {
	if s == nil {
		return errors.New("train: missing data set")
	}
	in := net.Input()
	if s.C != in.C || s.H != in.H || s.W != in.W {
		return fmt.Errorf("train: set %q has images of %d×%d×%d but the model takes %v", s.Name, s.C, s.H, s.W, in)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	for i, y := range s.Labels {
		if y < 0 || y >= net.Classes() {
			return fmt.Errorf("train: set %q image %d has label %d; the model has %d classes", s.Name, i, y, net.Classes())
		}
	}
	return nil
}

func (t *Trainer) startEpoch() {
	t.epoch++
	t.pos = 0
	t.epochLoss, t.epochSteps = 0, 0
	for i := range t.order {
		t.order[i] = i
	}
	t.rng.Shuffle(len(t.order), func(i, j int) { t.order[i], t.order[j] = t.order[j], t.order[i] })
}

// Batches returns the number of batches per epoch.
func (t *Trainer) Batches() int { return (len(t.order) + t.cfg.BatchSize - 1) / t.cfg.BatchSize }

// Config returns the configuration with defaults applied.
func (t *Trainer) Config() Config { return t.cfg }

// Done reports whether training has finished (all epochs run, stopped
// early, or diverged).
func (t *Trainer) Done() bool { return t.done }

// fillBatch copies the next batch of the epoch's order into t.batch.
func (t *Trainer) fillBatch() {
	s := t.train
	end := min(t.pos+t.cfg.BatchSize, len(t.order))
	idx := t.order[t.pos:end]
	n, sz, hw := len(idx), s.C*s.H*s.W, s.H*s.W
	b := &t.batch
	b.N = n
	b.X = grow(b.X, n*sz)
	b.Masks = grow(b.Masks, n*hw)
	if cap(t.batchLabels) < n {
		t.batchLabels = make([]int, n)
	}
	b.Labels = t.batchLabels[:n]
	for i, j := range idx {
		copy(b.X[i*sz:(i+1)*sz], s.Image(j))
		copy(b.Masks[i*hw:(i+1)*hw], s.TrainMask(j))
		b.Labels[i] = s.Labels[j]
	}
	t.pos = end
}

func finite(xs []float32) bool {
	for _, v := range xs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

// Step trains on one batch, computing its gradient in shards when the
// model's activations for the whole batch would exceed 512 MiB (a large
// imported model; BatchNorm with batch statistics then normalizes each
// shard by itself). After the epoch's last batch it evaluates on
// the validation set, keeps the best weights and decides on early stopping.
// If the loss or gradient is not finite it leaves the weights as they were
// before the step, marks training done and returns an error wrapping
// ErrDiverged.
func (t *Trainer) Step() (StepInfo, error) {
	if t.done {
		return StepInfo{}, errors.New("train: training has finished")
	}
	t.fillBatch()
	t.net.ZeroGrad()
	terms, workers := t.stepGradient()
	info := StepInfo{Epoch: t.epoch, Batch: (t.pos + t.cfg.BatchSize - 1) / t.cfg.BatchSize, Batches: t.Batches(), Workers: workers, Terms: terms}
	if math.IsNaN(terms.Loss) || math.IsInf(terms.Loss, 0) || !finite(t.grads) {
		t.done = true
		return info, fmt.Errorf("%w at epoch %d batch %d (loss %v); the weights from before this step are kept — try a smaller learning rate or λ", ErrDiverged, info.Epoch, info.Batch, terms.Loss)
	}
	copy(t.prevParams, t.params)
	t.opt.Update(t.params, t.grads)
	if !finite(t.params) {
		copy(t.params, t.prevParams)
		t.done = true
		return info, fmt.Errorf("%w at epoch %d batch %d: the update produced non-finite weights; the previous weights are kept", ErrDiverged, info.Epoch, info.Batch)
	}
	t.epochLoss += terms.Loss
	t.epochSteps++
	if t.pos < len(t.order) {
		return info, nil
	}
	info.EpochEnd = t.endEpoch()
	return info, nil
}

// maxStepActivations bounds the activation values one training step keeps
// (128 Mi floats, 512 MiB): the values and gradients of every example of a
// shard, twice over for the tangents of GradMask and RRR and for ActDiff's
// pair of images.
const maxStepActivations = 1 << 27

// shards returns into how many shards a batch of n is split so that each
// fits maxStepActivations; their gradients add up to the batch's (see
// Batch.Shard). The built-in networks take one shard at their batch sizes;
// a large imported model fine-tunes a shard of a few images at a time.
func (t *Trainer) shards(n int) int {
	per := 2 * t.net.ValuesPerExample()
	if m := t.cfg.Method; m == ActDiff || m == GradMask || m == RRR {
		per *= 2
	}
	fit := max(1, maxStepActivations/per)
	return min(n, (n+fit-1)/fit)
}

func (t *Trainer) endEpoch() *EpochInfo {
	e := &EpochInfo{Epoch: t.epoch, TrainLoss: t.epochLoss / float64(t.epochSteps)}
	e.Valid = Evaluate(t.net, t.valid, t.cfg.BatchSize)
	if t.epoch > t.cfg.BurnIn && e.Valid.Loss < t.bestLoss {
		t.bestLoss = e.Valid.Loss
		copy(t.bestParams, t.params)
		copy(t.bestState, t.state)
		t.sinceBest = 0
		e.Best = true
	} else if t.epoch > t.cfg.BurnIn {
		t.sinceBest++
	}
	switch {
	case t.cfg.Patience > 0 && t.sinceBest >= t.cfg.Patience:
		e.Stopped = true
		t.done = true
	case t.epoch >= t.cfg.Epochs:
		t.done = true
	default:
		t.startEpoch()
	}
	return e
}

// Finish restores the weights with the lowest validation loss seen after the
// burn-in (the checkpoint selection of METHODS.md), if any such epoch has
// ended.
func (t *Trainer) Finish() {
	if math.IsInf(t.bestLoss, 1) {
		return
	}
	copy(t.params, t.bestParams)
	copy(t.state, t.bestState)
}

// Evaluate returns the network's mean cross-entropy, accuracy and ROC AUC on
// set, in inference mode, in batches of at most batch examples (fewer for a
// model whose activations for batch examples would exceed 512 MiB).
func Evaluate(net nn.Model, set *data.Set, batch int) Eval {
	n, k := set.Len(), net.Classes()
	if n == 0 {
		return Eval{Loss: math.NaN(), Accuracy: math.NaN(), AUC: math.NaN()}
	}
	if batch < 1 {
		batch = 32
	}
	// Forward only: the values of one batch within the step's budget.
	batch = min(batch, max(1, maxStepActivations/net.ValuesPerExample()))
	probs := make([]float32, n*k)
	df := make([]float32, batch*k)
	sz := set.C * set.H * set.W
	var loss float64
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		f := net.Forward(set.Images[lo*sz:hi*sz], hi-lo, false)
		p := probs[lo*k : hi*k]
		softmaxRows(p, f, hi-lo, k)
		loss += crossEntropy(df[:(hi-lo)*k], p, f, set.Labels[lo:hi], hi-lo, k, hi-lo) * float64(hi-lo)
	}
	pred := make([]int, n)
	metrics.ArgmaxRows(probs, n, k, pred)
	auc, err := metrics.MacroAUC(probs, n, k, set.Labels)
	if err != nil {
		auc = math.NaN()
	}
	return Eval{Loss: loss / float64(n), Accuracy: metrics.Accuracy(pred, set.Labels), AUC: auc}
}
