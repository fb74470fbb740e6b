package train

import (
	"fmt"

	"saliencyexplorer/engine/nn"
)

// Defaults of the adversarial objective's discriminator (METHODS.md,
// "Adversarial objective", which quotes the paper's code: k = 10 steps at
// learning rate 0.01). The hidden width is this project's choice.
const (
	DefaultDiscSteps  = 10
	DefaultDiscLR     = 0.01
	DefaultDiscHidden = 64
)

// DiscLoss returns the discriminator's cross-entropy on the last batch
// after its steps (log 2 ≈ 0.693 when it cannot tell h(x) from h(S(x)),
// near 0 when it always can), or 0 before the first adversarial step.
func (o *Objective) DiscLoss() float64 { return o.discLoss }

// discSpec is the discriminator: an MLP on the d-dimensional features with
// one hidden ReLU layer and two outputs, "real" (h(x)) and "shuffled"
// (h(S(x))). Its softmax cross-entropy over the two outputs is the binary
// cross-entropy of the logit difference, so it is METHODS.md's BCE.
func discSpec(d, hidden int) nn.Spec {
	return nn.Spec{
		Name: "discriminator", Input: nn.Shape{C: d, H: 1, W: 1}, Classes: []string{"real", "shuffled"},
		Layers: []nn.LayerSpec{
			{Type: "linear", Out: hidden},
			{Type: "relu"},
			{Type: "linear", Out: 2},
		},
	}
}

// adversarial implements METHODS.md's sixth objective, the paper's
// "discriminator":
//
//  1. x and S(x) run as one batch of 2N (as in ActDiff); CE is taken on the
//     x half. h is the network's FeatureTensor (the features that feed
//     the classifier head), held constant for the discriminator.
//  2. The discriminator D takes DiscSteps Adam steps at DiscLR on the binary
//     cross-entropy of telling h(x) (label 0) from h(S(x)) (label 1), on
//     this batch.
//  3. The encoder's term A is D's cross-entropy with the labels reversed
//     (h(x) labelled 1, h(S(x)) labelled 0), mean over the 2N feature
//     vectors, with D held fixed: minimizing it makes the features of x and
//     S(x) indistinguishable to D. Its gradient reaches the network through
//     both halves of h. The loss is CE + λ·A; D's parameters are never
//     changed by this term.
//
// Reversed labels rather than a gradient-reversal layer: with reversal the
// encoder would maximize D's loss, −BCE, whose gradient vanishes when D is
// confidently right; reversed labels give the non-saturating form (as for
// GAN generators). Both have the same fixed point.
//
// The method is first order in θ given D; D's own update is not
// differentiated through. Each Objective keeps its own D, so shards of one
// batch computed by different Objectives train different discriminators.
func (o *Objective) adversarial(net nn.Model, b Batch) Terms {
	n := b.N
	ce, at, h, d := o.pairedForward(net, b)
	copy(o.feat, h)
	if o.disc == nil || o.disc.Input().C != d {
		disc, err := nn.New(discSpec(d, o.DiscHidden), o.seed^0x64697363)
		if err != nil {
			panic(fmt.Sprintf("train: discriminator on %d features: %v", d, err))
		}
		o.disc, o.discOpt = disc, &Adam{}
	}
	o.discOpt.LR = float32(o.DiscLR)
	if cap(o.discLabels) < 2*n {
		o.discLabels = make([]int, 2*n)
	}
	labels := o.discLabels[:2*n]
	o.ds = grow(o.ds, 2*n*2)
	o.dft = grow(o.dft, 2*n*2)
	// 2: D's steps on the true labels.
	for i := range labels {
		labels[i] = i / n // 0 for h(x), 1 for h(S(x))
	}
	for s := 0; s < o.DiscSteps; s++ {
		o.disc.ZeroGrad()
		fd := o.disc.Forward(o.feat, 2*n, true)
		softmaxRows(o.dft, fd, 2*n, 2)
		crossEntropy(o.ds, o.dft, fd, labels, 2*n, 2, 2*n)
		o.disc.Backward(o.ds, true)
		o.discOpt.Update(o.disc.Params, o.disc.Grads)
	}
	fd := o.disc.Forward(o.feat, 2*n, true)
	softmaxRows(o.dft, fd, 2*n, 2)
	o.discLoss = crossEntropy(o.ds, o.dft, fd, labels, 2*n, 2, 2*n)
	// 3: the encoder's term with reversed labels, mean over 2·Total.
	for i := range labels {
		labels[i] = 1 - i/n
	}
	adv := crossEntropy(o.ds, o.dft, fd, labels, 2*n, 2, 2*b.total())
	dh := o.disc.Backward(o.ds, false)
	lam := float32(o.Lambda)
	for i, v := range dh {
		o.feat[i] = lam * v
	}
	net.BackwardInject(o.df, at, o.feat, true)
	return Terms{Loss: ce + o.Lambda*adv, CE: ce, Penalty: adv}
}
