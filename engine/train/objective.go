package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/nn"
)

// Method names a training objective (METHODS.md, "Training objectives").
type Method string

// The training objectives.
const (
	Baseline Method = "baseline" // CE only
	Masked   Method = "masked"   // CE on x ⊙ M
	Shuffle  Method = "shuffle"  // CE on S(x): pixels outside the mask permuted
	ActDiff  Method = "actdiff"  // CE + λ·mean_b ‖h(x) − h(S(x))‖₂
	GradMask Method = "gradmask" // CE + λ·Σ |g ⊙ O|, g = ∇x Σ_b |f_t − f_o|
	RRR      Method = "rrr"      // CE + λ·Σ (g ⊙ O)², g = ∇x Σ_b Σ_k log p_bk
	// Adversarial is CE + λ·A, where a discriminator D (an MLP on the pooled
	// features) learns to tell h(x) from h(S(x)) and A is D's cross-entropy
	// with the labels reversed (see Objective.computeAdversarial).
	Adversarial Method = "adversarial"
)

// MethodInfo describes a training objective for people: MethodInfos is the
// one list the lab, the engine worker and the page's menu read. A new
// objective joins the Method constants, that list and Objective.Compute.
type MethodInfo struct {
	Method Method
	Label  string // menu name, e.g. "Right for the Right Reasons"
	Help   string // one line: what it trains on or penalizes
	// Penalty reports that the objective adds λ·penalty to the
	// cross-entropy, so that λ matters.
	Penalty bool
}

// MethodInfos returns every objective's description in the order the paper
// lists them.
func MethodInfos() []MethodInfo {
	return []MethodInfo{
		{Baseline, "Baseline", "Cross-entropy only: the mask is ignored.", false},
		{Masked, "Masked input", "Trains on the image with everything outside the mask blacked out.", false},
		{Shuffle, "Shuffle outside", "Trains on images whose pixels outside the mask are shuffled.", false},
		{ActDiff, "ActDiff", "Penalises features that change when the outside of the mask is shuffled (λ).", true},
		{GradMask, "GradMask", "Penalises input gradient outside the mask (absolute value, λ).", true},
		{RRR, "Right for the Right Reasons", "Penalises squared input gradient outside the mask (λ).", true},
		{Adversarial, "Adversarial", "Penalises features from which a discriminator tells the image from its outside-shuffled copy (λ).", true},
	}
}

// Methods returns every objective in the order of MethodInfos.
func Methods() []Method {
	var out []Method
	for _, o := range MethodInfos() {
		out = append(out, o.Method)
	}
	return out
}

// ParseMethod returns the Method named s, or an error listing the valid names.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("train: unknown method %q (want one of %v)", s, Methods())
}

// Batch is one training batch: N images with their labels and the masks the
// objective uses (METHODS.md's M; O = 1 − M is "outside").
//
// A batch may be one shard of a larger batch of Total examples (see Shard),
// so that several workers can each compute part of one step's gradient: the
// objective then divides its batch means (the cross-entropy, ActDiff's
// penalty) by Total instead of N, and leaves the penalties that are sums over
// the batch (RRR, GradMask) as they are, so the shards' gradients and Terms
// add up to those of the whole batch. Shuffle and ActDiff draw their
// permutations from the objective computing the batch, unless Shuffled
// holds S(x) drawn beforehand for the whole batch (as the Trainer does when
// its shards go to other workers). What does not split is listed by
// Splits: BatchNorm in training mode (each shard normalized with its own
// statistics), Dropout, and the adversarial objective's discriminator.
type Batch struct {
	X      []float32 // N×C×H×W
	Masks  []float32 // N×H×W, 1 where the evidence should be
	Labels []int     // N
	N      int
	Total  int // examples in the whole batch this is a shard of; 0 means N
	// Shuffled, if not nil, is S(x) for each example (N×C×H×W), used by
	// Shuffle, ActDiff and the adversarial objective instead of drawing.
	Shuffled []float32
}

// Shard returns part i of n of the batch (contiguous, sizes differing by at
// most one) as a batch that shares b's storage, with Total set to b's size.
// It panics unless 0 ≤ i < n ≤ b.N. With n = 1 it returns b itself (Total
// set).
func (b Batch) Shard(i, n int) Batch {
	if n < 1 || i < 0 || i >= n || n > b.N {
		panic(fmt.Sprintf("train: shard %d of %d of a batch of %d", i, n, b.N))
	}
	lo, hi := i*b.N/n, (i+1)*b.N/n
	sz, hw := len(b.X)/b.N, len(b.Masks)/b.N
	out := Batch{
		X: b.X[lo*sz : hi*sz], Masks: b.Masks[lo*hw : hi*hw], Labels: b.Labels[lo:hi],
		N: hi - lo, Total: b.total(),
	}
	if b.Shuffled != nil {
		out.Shuffled = b.Shuffled[lo*sz : hi*sz]
	}
	return out
}

// total returns the number of examples the batch means divide by.
func (b Batch) total() int {
	if b.Total > 0 {
		return b.Total
	}
	return b.N
}

// AddGrads adds src to dst element-wise: the sum of the shards' gradients
// (net.Grads after Compute on each shard) is the whole batch's gradient.
// It panics if the lengths differ.
func AddGrads(dst, src []float32) {
	if len(dst) != len(src) {
		panic("train: AddGrads of gradients of different networks")
	}
	for i, v := range src {
		dst[i] += v
	}
}

// Terms is the value of an objective on one batch.
type Terms struct {
	Loss    float64 // CE + λ·Penalty
	CE      float64
	Penalty float64
}

// Objective computes one method's loss and parameter gradient. It keeps its
// scratch buffers between calls, so a warm Objective allocates nothing.
type Objective struct {
	Method Method
	Lambda float64
	// DiscSteps, DiscLR and DiscHidden configure the adversarial
	// objective's discriminator: the optimizer steps it takes per Compute
	// (k), its Adam learning rate, and its hidden width. NewObjective sets
	// the defaults DefaultDiscSteps, DefaultDiscLR and DefaultDiscHidden;
	// change them before the first Compute.
	DiscSteps  int
	DiscLR     float64
	DiscHidden int
	rng        *rand.Rand
	seed       uint64
	disc       *nn.Network
	discOpt    *Adam
	discLabels []int
	discLoss   float64

	xin, xcat      []float32
	probs, df, dft []float32
	ds             []float32
	g, v           []float32
	feat           []float32
	perm           []int
}

// NewObjective returns the objective for method with penalty weight lambda;
// seed drives the shuffles of Shuffle and ActDiff.
func NewObjective(method Method, lambda float64, seed uint64) (*Objective, error) {
	if _, err := ParseMethod(string(method)); err != nil {
		return nil, err
	}
	if math.IsNaN(lambda) || math.IsInf(lambda, 0) || lambda < 0 {
		return nil, fmt.Errorf("train: λ = %v; want a finite value ≥ 0", lambda)
	}
	return &Objective{
		Method: method, Lambda: lambda, rng: rand.New(rand.NewPCG(seed, 0x6f626a)), seed: seed,
		DiscSteps: DefaultDiscSteps, DiscLR: DefaultDiscLR, DiscHidden: DefaultDiscHidden,
	}, nil
}

func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// shuffled writes S(x) for the batch into dst: b.Shuffled if it is set,
// else drawn from the objective's generator.
func (o *Objective) shuffled(dst []float32, b Batch, in nn.Shape) {
	if b.Shuffled != nil {
		copy(dst[:b.N*in.Size()], b.Shuffled)
		return
	}
	hw := in.H * in.W
	for i := 0; i < b.N; i++ {
		img := b.X[i*in.Size() : (i+1)*in.Size()]
		o.perm = data.ShuffleOutside(dst[i*in.Size():(i+1)*in.Size()], img, b.Masks[i*hw:(i+1)*hw], in.C, in.H, in.W, o.rng, o.perm)
	}
}

// Compute evaluates the objective on b in training mode and adds its
// parameter gradient to net.Grads (the caller zeroes them first).
func (o *Objective) Compute(net nn.Model, b Batch) Terms {
	in, k, n := net.Input(), net.Classes(), b.N
	o.probs = grow(o.probs, n*k)
	o.df = grow(o.df, n*k)
	switch o.Method {
	case Baseline, Masked, Shuffle:
		x := b.X
		if o.Method != Baseline {
			o.xin = grow(o.xin, len(b.X))
			if o.Method == Masked {
				sz, hw := in.Size(), in.H*in.W
				for i := 0; i < n; i++ {
					data.ApplyMask(o.xin[i*sz:(i+1)*sz], b.X[i*sz:(i+1)*sz], b.Masks[i*hw:(i+1)*hw], in.C, in.H, in.W)
				}
			} else {
				o.shuffled(o.xin, b, in)
			}
			x = o.xin
		}
		f := net.Forward(x, n, true)
		softmaxRows(o.probs, f, n, k)
		ce := crossEntropy(o.df, o.probs, f, b.Labels, n, k, b.total())
		net.Backward(o.df, true)
		return Terms{Loss: ce, CE: ce}
	case ActDiff:
		return o.actDiff(net, b)
	case Adversarial:
		return o.adversarial(net, b)
	default:
		return o.inputGradientPenalty(net, b)
	}
}

// pairedForward runs x and S(x) as one batch of 2N (ActDiff and the
// adversarial objective compare their features), sets o.df to the
// cross-entropy's logit gradient on the x half (zero on the S(x) half) and
// sizes o.feat for the features. It returns the cross-entropy, the feature
// tensor's name, its values for the 2N examples and their width.
func (o *Objective) pairedForward(net nn.Model, b Batch) (ce float64, at string, h []float32, d int) {
	in, k, n := net.Input(), net.Classes(), b.N
	sz := in.Size()
	o.xcat = grow(o.xcat, 2*n*sz)
	copy(o.xcat, b.X[:n*sz])
	o.shuffled(o.xcat[n*sz:], b, in)
	f := net.Forward(o.xcat, 2*n, true)
	softmaxRows(o.probs, f[:n*k], n, k)
	o.df = grow(o.df, 2*n*k)
	ce = crossEntropy(o.df[:n*k], o.probs, f[:n*k], b.Labels, n, k, b.total())
	clear(o.df[n*k:])

	at = net.FeatureTensor()
	h = net.Value(at)
	d = len(h) / (2 * n)
	o.feat = grow(o.feat, len(h))
	return ce, at, h, d
}

// actDiff runs x and S(x) as one batch of 2N so that both forward passes keep
// their activations for the backward. (With BatchNorm in training mode the
// batch statistics are then taken over both halves.)
func (o *Objective) actDiff(net nn.Model, b Batch) Terms {
	n := b.N
	ce, at, h, d := o.pairedForward(net, b)
	lam := float32(o.Lambda)
	var penalty float64
	for i := 0; i < n; i++ {
		h1, h2 := h[i*d:(i+1)*d], h[(n+i)*d:(n+i+1)*d]
		var norm float64
		for j := range h1 {
			diff := float64(h1[j] - h2[j])
			norm += diff * diff
		}
		norm = math.Sqrt(norm)
		penalty += norm
		g1, g2 := o.feat[i*d:(i+1)*d], o.feat[(n+i)*d:(n+i+1)*d]
		if norm == 0 {
			clear(g1)
			clear(g2)
			continue
		}
		scale := lam / float32(norm*float64(b.total()))
		for j := range h1 {
			v := (h1[j] - h2[j]) * scale
			g1[j] = v
			g2[j] = -v
		}
	}
	penalty /= float64(b.total())
	net.BackwardInject(o.df, at, o.feat, true)
	return Terms{Loss: ce + o.Lambda*penalty, CE: ce, Penalty: penalty}
}

// inputGradientPenalty implements GradMask and RRR (see the package
// documentation for the five passes).
func (o *Objective) inputGradientPenalty(net nn.Model, b Batch) Terms {
	in, k, n := net.Input(), net.Classes(), b.N
	f := net.Forward(b.X, n, true)
	softmaxRows(o.probs, f, n, k)
	ce := crossEntropy(o.df, o.probs, f, b.Labels, n, k, b.total())
	net.Backward(o.df, true)

	// g = ∇x S.
	o.ds = grow(o.ds, n*k)
	if o.Method == RRR {
		logProbSumGrad(o.ds, o.probs, n, k)
	} else {
		contrastGrad(o.ds, f, b.Labels, n, k)
	}
	o.g = grow(o.g, len(b.X))
	copy(o.g, net.Backward(o.ds, false))

	// P and v = ∂P/∂g, with O = 1 − M broadcast over channels.
	o.v = grow(o.v, len(b.X))
	hw := in.H * in.W
	var penalty float64
	for i := 0; i < n; i++ {
		m := b.Masks[i*hw : (i+1)*hw]
		for c := 0; c < in.C; c++ {
			off := (i*in.C + c) * hw
			g, v := o.g[off:off+hw], o.v[off:off+hw]
			for p, mv := range m {
				out := 1 - mv
				og := out * g[p]
				if o.Method == RRR {
					penalty += float64(og) * float64(og)
					v[p] = 2 * out * og
				} else {
					penalty += math.Abs(float64(og))
					switch {
					case og > 0:
						v[p] = out
					case og < 0:
						v[p] = -out
					default:
						v[p] = 0
					}
				}
			}
		}
	}

	// ∇θ P = ∇θ (g·v): tangent along v, then the reverse of the dual pass.
	ft := net.Tangent(o.v)
	o.dft = grow(o.dft, n*k)
	lam := float32(o.Lambda)
	if o.Method == RRR {
		logProbSumDual(o.df, o.dft, o.probs, ft, n, k, lam)
	} else {
		clear(o.df)
		for i, s := range o.ds {
			o.dft[i] = lam * s
		}
	}
	net.BackwardDual(o.df, o.dft)
	return Terms{Loss: ce + o.Lambda*penalty, CE: ce, Penalty: penalty}
}
