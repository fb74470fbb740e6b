package host

import (
	"context"
	"slices"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

// TestPredictedClassMap: a map asked for protocol.PredictedClass is the
// map of the class the model predicts, for pictures of either predicted
// class, and its MapInfo names that class; a given class is kept.
func TestPredictedClassMap(t *testing.T) {
	h := starter(t)
	sp, err := h.splits()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i := 0; i < sp.Test.Len() && len(seen) < 2; i++ {
		x := sp.Test.Image(i)
		p, err := h.Predict(x, []string{protocol.Original})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if p[0][1] > p[0][0] {
			want = 1
		}
		if seen[want] {
			continue
		}
		seen[want] = true
		for _, m := range []string{"gradient", "gradcam"} {
			got, gi, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: m, Model: protocol.Original, Class: protocol.PredictedClass}, nil)
			if err != nil {
				t.Fatalf("image %d, %s: %v", i, m, err)
			}
			ref, ri, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: m, Model: protocol.Original, Class: want}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if gi.Class != want || ri.Class != want || !slices.Equal(got, ref) {
				t.Errorf("image %d (predicted %d), %s: the predicted-class map says class %d (the class-%d map says %d), maps equal: %v",
					i, want, m, gi.Class, want, ri.Class, slices.Equal(got, ref))
			}
		}
		other := 1 - want
		if r, err := h.ResolveClass(x, protocol.SaliencyRequest{Class: other}); err != nil || r.Class != other {
			t.Errorf("ResolveClass of class %d = %d, %v", other, r.Class, err)
		}
	}
	if len(seen) < 2 {
		t.Fatalf("the test images are all predicted as %v: the test cannot tell", seen)
	}
	if _, err := h.ResolveClass(make([]float32, 3), protocol.SaliencyRequest{Class: protocol.PredictedClass}); err == nil {
		t.Error("ResolveClass of a bad input gave no error")
	}
}
