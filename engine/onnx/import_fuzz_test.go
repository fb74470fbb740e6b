package onnx

import (
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/onnx/onnxpb"
)

// FuzzImport decodes and imports arbitrary bytes: Import must return a
// graph or an error, never panic, and a graph it returns must run.
func FuzzImport(f *testing.F) {
	f.Add(onnxpb.Encode(torchLike(rand.New(rand.NewPCG(1, 2)))))
	m := torchLike(rand.New(rand.NewPCG(3, 4)))
	m.Graph.Nodes[0].Attributes = append(m.Graph.Nodes[0].Attributes, ints("dilations", 2, 2), iattr("group", 2))
	f.Add(onnxpb.Encode(m))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := onnxpb.Decode(b, onnxpb.Limits{MaxBytes: 1 << 20, MaxItems: 1 << 12})
		if err != nil {
			return
		}
		res, err := Import(m, Options{MaxValues: 1 << 16})
		if err != nil {
			if res != nil {
				t.Fatal("a result came back with an error")
			}
			return
		}
		g := res.Graph
		if len(g.Params)+len(g.State) > 1<<20 {
			return // a valid but large graph: running it would only be slow
		}
		x := make([]float32, 2*g.InputInfo().Size())
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		y := g.Forward(x, 2, false)
		if len(y) != 2*g.Classes() {
			t.Fatalf("%d logits, want %d", len(y), 2*g.Classes())
		}
		g.Backward(y, true)
		g.Tangent(x)
		g.BackwardDual(y, y)
	})
}
