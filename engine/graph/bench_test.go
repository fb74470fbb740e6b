package graph_test

import (
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// benchModel returns spec's Network with seeded weights, or the graph
// converted from it.
func benchModel(b *testing.B, spec nn.Spec, onGraph bool) nn.Model {
	net, err := nn.New(spec, 1)
	if err != nil {
		b.Fatal(err)
	}
	if !onGraph {
		return net
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// benchmarkStep times a forward and backward pass of batch n of spec, on
// the Network or on the graph converted from it.
func benchmarkStep(b *testing.B, spec nn.Spec, n int, onGraph bool) {
	m := benchModel(b, spec, onGraph)
	rng := rand.New(rand.NewPCG(1, 2))
	x := nntest.Rand(rng, n*spec.Input.Size())
	dy := nntest.Rand(rng, n*len(spec.Classes))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.Forward(x, n, true)
		m.Backward(dy, true)
	}
}

func BenchmarkCNN64StepNetwork(b *testing.B) {
	benchmarkStep(b, model.CNN64([]string{"a", "b"}), 32, false)
}
func BenchmarkCNN64StepGraph(b *testing.B) {
	benchmarkStep(b, model.CNN64([]string{"a", "b"}), 32, true)
}
func BenchmarkResNet64StepNetwork(b *testing.B) {
	benchmarkStep(b, model.ResNet64([]string{"a", "b"}), 32, false)
}
func BenchmarkResNet64StepGraph(b *testing.B) {
	benchmarkStep(b, model.ResNet64([]string{"a", "b"}), 32, true)
}

// benchmarkForward times the forward pass at batch n of spec, on the Network
// or on the graph converted from it (the path imported models take): the
// pairs below put the two engines side by side on the same weights.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench Forward -benchtime 400x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/graph
func benchmarkForward(b *testing.B, spec nn.Spec, n int, onGraph bool) {
	m := benchModel(b, spec, onGraph)
	rng := rand.New(rand.NewPCG(1, 2))
	x := nntest.Rand(rng, n*spec.Input.Size())
	m.Forward(x, n, false)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.Forward(x, n, false)
	}
}

func BenchmarkPhantomForwardNetwork(b *testing.B) {
	benchmarkForward(b, model.PhantomCNN([]string{"a", "b"}), 1, false)
}
func BenchmarkPhantomForwardGraph(b *testing.B) {
	benchmarkForward(b, model.PhantomCNN([]string{"a", "b"}), 1, true)
}
func BenchmarkResNet64ForwardNetwork(b *testing.B) {
	benchmarkForward(b, model.ResNet64([]string{"a", "b"}), 1, false)
}
func BenchmarkResNet64ForwardGraph(b *testing.B) {
	benchmarkForward(b, model.ResNet64([]string{"a", "b"}), 1, true)
}
func BenchmarkCrossesForwardNetwork(b *testing.B) {
	benchmarkForward(b, model.CrossesCNN(), 1, false)
}
func BenchmarkCrossesForwardGraph(b *testing.B) {
	benchmarkForward(b, model.CrossesCNN(), 1, true)
}
