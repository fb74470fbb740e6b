package graph_test

import (
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// builtinSpecs are the shipped architectures (small inputs where the
// architecture allows, to keep the test fast), plus a spec with every layer
// type.
func builtinSpecs() []nn.Spec {
	two := []string{"a", "b"}
	every := nn.Spec{Name: "every-layer", Input: nn.Shape{C: 2, H: 9, W: 9}, Classes: []string{"a", "b", "c"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Stride: 2, Pad: 1},
			{Type: "batchnorm"},
			{Type: "relu"},
			{Type: "residual", Body: []nn.LayerSpec{{Type: "conv", Out: 4, Kernel: 3, Pad: 1}, {Type: "batchnorm"}},
				Shortcut: nil},
			{Type: "avgpool", Kernel: 2},
			{Type: "residual", Body: []nn.LayerSpec{{Type: "conv", Out: 6, Kernel: 1}},
				Shortcut: []nn.LayerSpec{{Type: "conv", Out: 6, Kernel: 1}}},
			{Type: "maxpool", Kernel: 2, Stride: 1},
			{Type: "dropout", P: 0},
			{Type: "flatten"},
			{Type: "linear", Out: 5},
			{Type: "relu"},
			{Type: "linear", Out: 3},
		}}
	return []nn.Spec{
		model.CrossesCNN(),
		model.WithBatchNorm(model.SmallCNN("bn", nn.Shape{C: 3, H: 12, W: 12}, two, [3]int{4, 6, 8})),
		model.ResNet("resnet", nn.Shape{C: 1, H: 16, W: 16}, two, 4),
		model.PhantomCNN(two),
		model.DecoyCNN("decoy", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}),
		every,
	}
}

func closeTo(t *testing.T, what string, got, want []float32) {
	t.Helper()
	w := make([]float64, len(want))
	for i, v := range want {
		w[i] = float64(v)
	}
	nntest.Check(t, what, got, w, 1e-5)
}

// TestFromNetworkMatches checks that the graph converted from each built-in
// network gives the Network's logits, input and parameter gradients,
// tangent, dual gradients and BatchNorm running statistics, in inference
// and training mode.
func TestFromNetworkMatches(t *testing.T) {
	for _, spec := range builtinSpecs() {
		t.Run(spec.Name, func(t *testing.T) {
			net, err := nn.New(spec, 7)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			// Non-trivial running statistics and biases.
			for _, p := range net.NamedParams() {
				for i := range p.Value {
					if p.Trainable {
						p.Value[i] += 0.05 * float32(rng.NormFloat64())
					} else {
						p.Value[i] = 0.5 + float32(rng.Float64())
					}
				}
			}
			g, err := graph.FromNetwork(net)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Params) != len(net.Params) || len(g.State) != len(net.State) {
				t.Fatalf("graph has %d params and %d state, network %d and %d", len(g.Params), len(g.State), len(net.Params), len(net.State))
			}
			const n = 3
			x := nntest.Rand(rng, n*spec.Input.Size())
			xt := nntest.Rand(rng, len(x))
			k := len(spec.Classes)
			dy, dyt := nntest.Rand(rng, n*k), nntest.Rand(rng, n*k)
			for _, train := range []bool{false, true} {
				net.ZeroGrad()
				g.ZeroGrad()
				closeTo(t, "logits", g.Forward(x, n, train), net.Forward(x, n, train))
				closeTo(t, "running statistics", g.State, net.State)
				closeTo(t, "input gradient", g.Backward(dy, true), net.Backward(dy, true))
				closeTo(t, "parameter gradients", g.Grads, net.Grads)
				for i := range spec.Layers {
					name := nn.LayerTensor(i)
					closeTo(t, name, g.Value(name), net.Value(name))
					closeTo(t, name+" gradient", g.Grad(name), net.Grad(name))
				}
				closeTo(t, "tangent", g.Tangent(xt), net.Tangent(xt))
				net.ZeroGrad()
				g.ZeroGrad()
				gdx, gdxt := g.BackwardDual(dy, dyt)
				ndx, ndxt := net.BackwardDual(dy, dyt)
				closeTo(t, "dual input gradient", gdx, ndx)
				closeTo(t, "dual input tangent gradient", gdxt, ndxt)
				closeTo(t, "dual parameter gradients", g.Grads, net.Grads)
			}
			if g.FeatureTensor() != net.FeatureTensor() {
				t.Errorf("FeatureTensor %q, network's %q", g.FeatureTensor(), net.FeatureTensor())
			}
			gs, ns := g.SpatialTensors(), net.SpatialTensors()
			if gs[len(gs)-1] != ns[len(ns)-1] {
				t.Errorf("last spatial tensor %q, network's %q", gs[len(gs)-1], ns[len(ns)-1])
			}
		})
	}
}
