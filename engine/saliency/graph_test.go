package saliency

import (
	"context"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
)

// TestMethodsOnGraph checks that every method gives the same attribution on
// a Network and on the graph converted from it: the methods see only the
// nn.Model interface, and address Grad-CAM's feature map by name.
func TestMethodsOnGraph(t *testing.T) {
	in := nn.Shape{C: 2, H: 12, W: 10}
	for _, spec := range []nn.Spec{reluSpec(in), smoothSpec(in)} {
		net := mustNet(t, spec, 3)
		rng := rand.New(rand.NewPCG(4, 5))
		randomizeBiases(net, rng)
		g, err := graph.FromNetwork(net)
		if err != nil {
			t.Fatal(err)
		}
		x := randImage(rng, in)
		for _, m := range Methods() {
			opt := Options{Class: 1, Samples: 4, Steps: 5, Seed: 9}
			want, err := Attribute(context.Background(), net, x, m, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Attribute(context.Background(), g, x, m, opt)
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, spec.Name+" "+string(m), got, want, 1e-5)
		}
		// Grad-CAM on an earlier, named feature map differs from the
		// default one and agrees between the two engines.
		first := g.SpatialTensors()[0]
		opt := Options{Class: 0, Layer: first}
		want, err := Attribute(context.Background(), net, x, GradCAM, opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Attribute(context.Background(), g, x, GradCAM, opt)
		if err != nil {
			t.Fatal(err)
		}
		closeTo(t, spec.Name+" Grad-CAM at "+first, got, want, 1e-5)
		last, err := Attribute(context.Background(), g, x, GradCAM, Options{Class: 0})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := maxAbsDiff(last, got); d == 0 {
			t.Errorf("%s: Grad-CAM at %s equals Grad-CAM at the last feature map", spec.Name, first)
		}
	}
}

// bigModel reports many activations per example, as a large imported
// model does.
type bigModel struct{ *nn.Network }

func (bigModel) ValuesPerExample() int { return maxBatchActivations / 3 }

// TestBatchFitsMemory checks that a model with many activations per example
// runs one example per batch, and gives the same result.
func TestBatchFitsMemory(t *testing.T) {
	in := nn.Shape{C: 1, H: 8, W: 8}
	net := mustNet(t, smoothSpec(in), 1)
	x := randImage(rand.New(rand.NewPCG(1, 1)), in)
	var batches int
	opt := Options{Class: 1, Samples: 5, Seed: 2, Progress: func(int, int) { batches++ }}
	want, err := Attribute(context.Background(), net, x, SmoothGrad, opt)
	if err != nil {
		t.Fatal(err)
	}
	if batches != 1 {
		t.Fatalf("%d batches for 5 samples of a small model, want 1", batches)
	}
	batches = 0
	got, err := Attribute(context.Background(), bigModel{net}, x, SmoothGrad, opt)
	if err != nil {
		t.Fatal(err)
	}
	if batches != 5 {
		t.Fatalf("%d batches for 5 samples of a large model, want 5", batches)
	}
	closeTo(t, "SmoothGrad in batches of 1", got, want, 1e-5)
}
