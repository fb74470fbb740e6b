package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
)

// TestShardGradientsAddUp checks what data-parallel workers rely on: the
// gradients (and Terms) of a batch's shards, each computed on its own copy
// of the network, add up to the whole batch's. The network has no BatchNorm
// (whose batch statistics do not split); Shuffle and ActDiff run with masks
// covering the whole image, so their permutations are the identity and do
// not depend on which worker draws them. The adversarial discriminator is
// held fixed (no steps), since each worker would train its own.
func TestShardGradientsAddUp(t *testing.T) {
	const n = 7
	for _, m := range Methods() {
		for _, parts := range []int{1, 2, 3} {
			rng := rand.New(rand.NewPCG(31, 32))
			net, err := nn.New(reluSpec(), 5)
			if err != nil {
				t.Fatal(err)
			}
			in := net.Input()
			b := randomBatch(rng, in, net.Classes(), n)
			if m == Shuffle || m == ActDiff || m == Adversarial {
				for i := range b.Masks {
					b.Masks[i] = 1
				}
			}
			whole, err := NewObjective(m, 0.5, 1)
			if err != nil {
				t.Fatal(err)
			}
			whole.DiscSteps = 0
			net.ZeroGrad()
			want := whole.Compute(net, b)
			wantGrad := append([]float32(nil), net.Grads...)

			sum := make([]float32, len(net.Grads))
			var got Terms
			for i := 0; i < parts; i++ {
				w := net.Clone()
				obj, _ := NewObjective(m, 0.5, 1)
				obj.DiscSteps = 0
				w.ZeroGrad()
				sh := b.Shard(i, parts)
				if sh.Total != n {
					t.Fatalf("shard Total = %d, want %d", sh.Total, n)
				}
				tm := obj.Compute(w, sh)
				got.Loss += tm.Loss
				got.CE += tm.CE
				got.Penalty += tm.Penalty
				AddGrads(sum, w.Grads)
			}
			var maxDiff, maxRef float64
			first := -1
			for i := range sum {
				d := math.Abs(float64(sum[i] - wantGrad[i]))
				if d > maxDiff {
					maxDiff = d
					first = i
				}
				maxRef = math.Max(maxRef, math.Abs(float64(wantGrad[i])))
			}
			if maxDiff > 1e-5*maxRef {
				t.Errorf("%s, %d shards: gradient differs by %.3g (max |grad| %.3g), first worst index %d", m, parts, maxDiff, maxRef, first)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"loss", got.Loss, want.Loss}, {"CE", got.CE, want.CE}, {"penalty", got.Penalty, want.Penalty}} {
				if math.Abs(c.got-c.want) > 1e-5*(1+math.Abs(c.want)) {
					t.Errorf("%s, %d shards: %s adds up to %v, want %v", m, parts, c.what, c.got, c.want)
				}
			}
		}
	}
}

func TestShardPanicsOutOfRange(t *testing.T) {
	b := Batch{X: make([]float32, 4), Masks: make([]float32, 4), Labels: make([]int, 2), N: 2}
	for _, c := range [][2]int{{0, 0}, {2, 2}, {-1, 1}, {0, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Shard(%d, %d) of 2 did not panic", c[0], c[1])
				}
			}()
			b.Shard(c[0], c[1])
		}()
	}
}
