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

// TestPredictionReused: Predict's last result is reused for the same
// weights version and the same input, bit for bit (ResolveClass then runs
// no forward pass), and computed afresh when either differs. A hit is seen
// by changing the weights in place without a new version: the reused
// result still has the old weights' probabilities.
func TestPredictionReused(t *testing.T) {
	h := starter(t)
	sp, err := h.splits()
	if err != nil {
		t.Fatal(err)
	}
	x := slices.Clone(sp.Test.Image(0))
	predict := func() []float64 {
		t.Helper()
		p, err := h.Predict(x, []string{protocol.Original})
		if err != nil {
			t.Fatal(err)
		}
		return p[0]
	}
	first := predict()
	old := slices.Clone(first)
	first[0] = -1 // the caller's copy: the kept result must not change
	params, _, _ := h.cur.orig.Weights()
	saved := slices.Clone(params)
	for i := range params {
		params[i] *= 1.5
	}
	fresh := softmax(h.cur.orig.Forward(x, 1, false))
	if slices.Equal(old, fresh) {
		t.Fatal("the changed weights predict the same: the checks would be vacuous")
	}
	if again := predict(); !slices.Equal(again, old) {
		t.Fatalf("the same version and input: %v, want the kept %v", again, old)
	}
	h.cur.origVersion = h.tick()
	if got := predict(); !slices.Equal(got, fresh) {
		t.Errorf("after a new weights version: %v, want the new weights' %v", got, fresh)
	}
	copy(params, saved)
	h.cur.origVersion = h.tick()
	want := softmax(h.cur.orig.Forward(x, 1, false))
	predict()
	x[len(x)/2] += 0.25
	moved := softmax(h.cur.orig.Forward(x, 1, false))
	if got := predict(); !slices.Equal(got, moved) || slices.Equal(got, want) {
		t.Errorf("after one input value changed: %v, want %v (and not the old input's %v)", got, moved, want)
	}
	r, err := h.ResolveClass(x, protocol.SaliencyRequest{Model: protocol.Original, Class: protocol.PredictedClass})
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i, v := range moved {
		if v > moved[best] {
			best = i
		}
	}
	if r.Class != best {
		t.Errorf("ResolveClass = %d, want the top class %d", r.Class, best)
	}
}
