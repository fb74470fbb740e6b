package host

import (
	"context"
	"slices"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/wasm/protocol"
)

// TestDrawAhead checks that the Phantom splits drawn ahead a few films at a
// time are the ones training would have generated, that a run started
// midway finishes them (saying so) instead of starting over, and that a
// data set without a Drawer is left alone.
func TestDrawAhead(t *testing.T) {
	if testing.Short() {
		t.Skip("draws the full Phantom set twice")
	}
	ctx := context.Background()
	h := New(newSite(t).fetch)
	if err := h.Start(ctx, protocol.SelectRequest{Model: "crosses-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if more, err := h.DrawAhead(10); more || err != nil || h.current().splits != nil {
		t.Fatalf("Crosses: DrawAhead = %v, %v, splits %v; want nothing drawn", more, err, h.current().splits)
	}
	if err := h.Select(protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if more, err := h.DrawAhead(100); !more || err != nil {
			t.Fatalf("DrawAhead = %v, %v; want more to draw", more, err)
		}
	}
	if done, _ := h.current().drawer.Progress(); done != 300 {
		t.Errorf("%d films drawn after three DrawAhead(100)", done)
	}
	var rec recorder
	got, err := h.generate(rec.status(), "training set")
	if err != nil {
		t.Fatal(err)
	}
	if !rec.saidAny("300 of 920 done ahead") {
		t.Errorf("said %q", rec.said)
	}
	want, err := data.Phantom(data.DefaultPhantom(TrainSeed))
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2]*data.Set{{got.Train, want.Train}, {got.Valid, want.Valid}, {got.Test, want.Test}} {
		g, w := pair[0], pair[1]
		if !slices.Equal(g.Images, w.Images) || !slices.Equal(g.Masks, w.Masks) || !slices.Equal(g.TrainMasks, w.TrainMasks) || !slices.Equal(g.Labels, w.Labels) {
			t.Errorf("split %d differs from data.Phantom's", i)
		}
	}
	if more, err := h.DrawAhead(10); more || err != nil || h.current().splits != got {
		t.Errorf("after generate, DrawAhead = %v, %v and the splits changed", more, err)
	}
}
