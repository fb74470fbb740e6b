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
