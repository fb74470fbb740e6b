package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// smoothSpec has no ReLU or max pool, so finite differences of every
// objective are exact up to float32 rounding; BatchNorm runs in training
// mode, so its second-order terms are exercised.
func smoothSpec() nn.Spec {
	return nn.Spec{
		Name: "smooth", Input: nn.Shape{C: 2, H: 8, W: 8}, Classes: []string{"a", "b", "c"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "batchnorm"},
			{Type: "avgpool", Kernel: 2},
			{Type: "residual", Body: []nn.LayerSpec{{Type: "conv", Out: 4, Kernel: 3, Pad: 1}, {Type: "batchnorm"}}},
			{Type: "conv", Out: 5, Kernel: 3, Stride: 2, Pad: 1},
			{Type: "gap"},
			{Type: "linear", Out: 3},
		},
	}
}

// reluSpec is the kind of network the app ships: ReLU and max pool.
func reluSpec() nn.Spec {
	return nn.Spec{
		Name: "relu", Input: nn.Shape{C: 1, H: 8, W: 8}, Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "relu"},
			{Type: "maxpool", Kernel: 2},
			{Type: "conv", Out: 6, Kernel: 3, Pad: 1},
			{Type: "relu"},
			{Type: "gap"},
			{Type: "linear", Out: 2},
		},
	}
}

func randomBatch(rng *rand.Rand, in nn.Shape, k, n int) Batch {
	b := Batch{X: nntest.Rand(rng, n*in.Size()), Masks: make([]float32, n*in.H*in.W), Labels: make([]int, n), N: n}
	for i := range b.Masks {
		if rng.Float64() < 0.4 {
			b.Masks[i] = 1
		}
	}
	for i := range b.Labels {
		b.Labels[i] = i % k
	}
	return b
}

// TestObjectiveGradients checks every method's parameter gradient against
// central finite differences of the full loss CE + λ·penalty. For GradMask
// and RRR this checks the exact second-order path (tangent pass and the
// reverse of the dual pass) end to end.
func TestObjectiveGradients(t *testing.T) {
	for _, spec := range []nn.Spec{smoothSpec(), reluSpec()} {
		for _, m := range Methods() {
			t.Run(spec.Name+"/"+string(m), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(21, 22))
				net, err := nn.New(spec, 3)
				if err != nil {
					t.Fatal(err)
				}
				b := randomBatch(rng, spec.Input, len(spec.Classes), 4)
				lambda := 0.7
				if m == RRR || m == GradMask {
					lambda = 3
				}
				// A fresh objective with the same seed for every evaluation, so
				// Shuffle and ActDiff permute identically each time.
				compute := func() Terms {
					o, err := NewObjective(m, lambda, 5)
					if err != nil {
						t.Fatal(err)
					}
					// The discriminator is held fixed (first order in θ
					// given D): with steps its update would depend on θ.
					o.DiscSteps = 0
					return o.Compute(net, b)
				}
				loss := func() float64 { return compute().Loss }
				net.ZeroGrad()
				terms := compute()
				if (m == RRR || m == GradMask || m == ActDiff || m == Adversarial) && terms.Penalty == 0 {
					t.Fatalf("penalty is zero; the check would not exercise it")
				}
				got := append([]float32(nil), net.Grads...)
				// Elements whose one-sided differences disagree sit on a kink
				// (a ReLU or max-pool switch, or a sign change under GradMask's
				// |·|) and are left out; at least 80% must remain.
				want, ok := nntest.NumGradSmooth(loss, net.Params, 1e-3, 0.05, 1e-3)
				tol := 1e-2
				if spec.Name == "relu" {
					tol = 2e-2 // float32 rounding at ε = 1e-3 on smaller gradients
				}
				nntest.CheckWhere(t, "dθ", got, want, ok, tol, 0.8)
			})
		}
	}
}

// TestPenaltyMatchesDefinition recomputes RRR's penalty from an independent
// finite-difference input gradient, so a wrong head (S) cannot pass the
// gradient check above by being consistently wrong.
func TestPenaltyMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	spec := smoothSpec()
	net, err := nn.New(spec, 4)
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatch(rng, spec.Input, 3, 3)
	k := 3
	for _, m := range []Method{RRR, GradMask} {
		o, _ := NewObjective(m, 1, 0)
		terms := o.Compute(net, b)
		// S(x) recomputed from the logits, then g by finite differences.
		s := func() float64 {
			f := net.Forward(b.X, b.N, true)
			p := make([]float32, len(f))
			softmaxRows(p, f, b.N, k)
			var sum float64
			for bi := 0; bi < b.N; bi++ {
				row := f[bi*k : (bi+1)*k]
				if m == RRR {
					for j := 0; j < k; j++ {
						sum += logf(p[bi*k+j])
					}
					continue
				}
				tc := b.Labels[bi]
				o := -1
				for j := range row {
					if j != tc && (o < 0 || row[j] > row[o]) {
						o = j
					}
				}
				sum += absf(row[tc] - row[o])
			}
			return sum
		}
		g := nntest.NumGrad(s, b.X, 1e-2)
		hw := spec.Input.H * spec.Input.W
		var want float64
		for i := range g {
			bi, p := i/spec.Input.Size(), i%hw
			out := 1 - float64(b.Masks[bi*hw+p])
			if m == RRR {
				want += (out * g[i]) * (out * g[i])
			} else {
				want += absf64(out * g[i])
			}
		}
		if d := terms.Penalty - want; d*d > 1e-4*want*want {
			t.Errorf("%s penalty = %v, finite-difference definition gives %v", m, terms.Penalty, want)
		}
	}
}

// TestDiscriminatorLearnsAndEncoderOpposes checks the two halves of the
// adversarial objective on a network whose features of x and S(x) differ:
// the discriminator's steps lower its loss from chance (log 2), and a small
// step of the network along the encoder term's gradient raises it again
// (the encoder makes h(x) and h(S(x)) harder to tell apart).
func TestDiscriminatorLearnsAndEncoderOpposes(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	spec := reluSpec()
	net, err := nn.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatch(rng, spec.Input, 2, 16)
	// Bright pixels outside the mask: shuffling them moves them around.
	for i := range b.X {
		if b.Masks[i%len(b.Masks)] == 0 {
			b.X[i] = 3 * float32(rng.Float64())
		}
	}
	o, err := NewObjective(Adversarial, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	o.DiscSteps = 0
	net.ZeroGrad()
	o.Compute(net, b)
	start := o.DiscLoss()
	if math.Abs(start-math.Ln2) > 0.1 {
		t.Fatalf("untrained discriminator's loss %v, want about log 2", start)
	}
	o.DiscSteps = 50
	o.DiscLR = 0.01
	net.ZeroGrad()
	o.Compute(net, b)
	learned := o.DiscLoss()
	if learned > start-0.05 {
		t.Fatalf("after 50 steps the discriminator's loss is %v (from %v): it did not learn", learned, start)
	}
	// Only the adversarial term's gradient, with the learned discriminator
	// held fixed and the same shuffle each time (a fresh objective of the
	// same seed): CE's share removed by differencing against λ = 0.
	learnedD := o.disc.Clone()
	eval := func(lambda float64) float64 {
		e, _ := NewObjective(Adversarial, lambda, 4)
		e.DiscSteps = 0
		e.disc, e.discOpt = learnedD.Clone(), &Adam{}
		net.ZeroGrad()
		e.Compute(net, b)
		return e.DiscLoss()
	}
	eval(0)
	ceGrad := append([]float32(nil), net.Grads...)
	before := eval(1)
	for i := range net.Params {
		net.Params[i] -= 0.05 * (net.Grads[i] - ceGrad[i])
	}
	if after := eval(1); after <= before {
		t.Errorf("a step along the encoder term left the discriminator's loss at %v (was %v); want it higher", after, before)
	}
}

// TestMethodInfos checks the list the menus are built from: one entry per
// objective, each labelled and explained, ParseMethod knows every name,
// and Penalty says truly whether λ changes the loss (λ = 0 against λ = 1
// on the same batch and weights).
func TestMethodInfos(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	spec := reluSpec()
	b := randomBatch(rng, spec.Input, 2, 4)
	seen := map[Method]bool{}
	for _, info := range MethodInfos() {
		if seen[info.Method] || info.Label == "" || info.Help == "" {
			t.Errorf("%+v: listed twice or without a label or help", info)
		}
		seen[info.Method] = true
		if m, err := ParseMethod(string(info.Method)); err != nil || m != info.Method {
			t.Errorf("ParseMethod(%q) = %q, %v", info.Method, m, err)
		}
		loss := func(lambda float64) float64 {
			net, err := nn.New(spec, 2)
			if err != nil {
				t.Fatal(err)
			}
			o, err := NewObjective(info.Method, lambda, 9)
			if err != nil {
				t.Fatal(err)
			}
			return o.Compute(net, b).Loss
		}
		l0, l1 := loss(0), loss(1)
		if changed := l0 != l1; changed != info.Penalty {
			t.Errorf("%s: loss %v at λ = 0, %v at λ = 1; Penalty says %v", info.Method, l0, l1, info.Penalty)
		}
	}
	if len(Methods()) != len(seen) {
		t.Errorf("Methods() has %d entries, MethodInfos %d", len(Methods()), len(seen))
	}
}
