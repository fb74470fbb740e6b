package cases

import (
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/onnx"
)

// TestONNXBench exports the Crosses network as bench-peers' export does,
// imports the file again through LoadONNX, and checks that its forward
// gives the network's own logits, and that a wrong input size is refused.
func TestONNXBench(t *testing.T) {
	b := load(t, model.CrossesCNN())
	g, err := graph.FromNetwork(b.Net)
	if err != nil {
		t.Fatal(err)
	}
	file, err := onnx.ExportBytes(g, onnx.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := LoadONNX(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetInput(b.Image()[1:]); err == nil {
		t.Error("an input one value short was accepted")
	}
	if err := o.SetInput(b.Image()); err != nil {
		t.Fatal(err)
	}
	got, want := o.Forward(), b.Logits()
	if len(got) != len(want) {
		t.Fatalf("%d logits, want %d", len(got), len(want))
	}
	for i := range want {
		if d := got[i] - want[i]; d > 1e-5 || d < -1e-5 {
			t.Errorf("logit %d: %g from the ONNX file, %g from the network", i, got[i], want[i])
		}
	}
	if _, err := LoadONNX(file[:len(file)/2]); err == nil {
		t.Error("a truncated file loaded")
	}
}
