package lab

import (
	"context"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

// The engine's benchmark suite: the default small CNN at 28×28 and 64×64 and
// the ResNet-style network at 64×64; forward (batch 1), forward + input
// gradient, Integrated Gradients with 32 steps, and one training step of
// batch 32 per method. Run natively and as wasm under Node with
// `make bench-engine`.

var benchNets = []struct {
	name string
	spec func() nn.Spec
}{
	{"cnn28", model.CrossesCNN},
	{"cnn64", func() nn.Spec { return model.CNN64([]string{"a", "b"}) }},
	{"resnet64", func() nn.Spec { return model.ResNet64([]string{"a", "b"}) }},
}

func benchInput(spec nn.Spec, n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*spec.Input.Size())
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

func newBenchNet(b *testing.B, spec nn.Spec) *nn.Network {
	net, err := nn.New(spec, 1)
	if err != nil {
		b.Fatal(err)
	}
	return net
}

func BenchmarkForward(b *testing.B) {
	for _, bn := range benchNets {
		b.Run(bn.name, func(b *testing.B) {
			net := newBenchNet(b, bn.spec())
			x := benchInput(net.Spec, 1)
			net.Forward(x, 1, false)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				net.Forward(x, 1, false)
			}
		})
	}
}

func BenchmarkGradientSaliency(b *testing.B) {
	for _, bn := range benchNets {
		b.Run(bn.name, func(b *testing.B) {
			net := newBenchNet(b, bn.spec())
			x := benchInput(net.Spec, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := saliency.Map(context.Background(), net, x, saliency.Gradient, saliency.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIntegratedGradients32(b *testing.B) {
	for _, bn := range benchNets {
		b.Run(bn.name, func(b *testing.B) {
			net := newBenchNet(b, bn.spec())
			x := benchInput(net.Spec, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := saliency.Map(context.Background(), net, x, saliency.IntegratedGradients, saliency.Options{Steps: 32}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTrainStep32(b *testing.B) {
	for _, bn := range benchNets {
		for _, m := range train.Methods() {
			b.Run(bn.name+"/"+string(m), func(b *testing.B) {
				net := newBenchNet(b, bn.spec())
				in := net.Input()
				batch := train.Batch{X: benchInput(net.Spec, 32), Masks: make([]float32, 32*in.H*in.W), Labels: make([]int, 32), N: 32}
				for i := range batch.Masks {
					if (i/in.W)%in.H < in.H/2 {
						batch.Masks[i] = 1
					}
				}
				for i := range batch.Labels {
					batch.Labels[i] = i % 2
				}
				obj, err := train.NewObjective(m, 1, 1)
				if err != nil {
					b.Fatal(err)
				}
				opt := &train.Adam{LR: 1e-4}
				step := func() {
					net.ZeroGrad()
					obj.Compute(net, batch)
					opt.Update(net.Params, net.Grads)
				}
				step()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
			})
		}
	}
}
