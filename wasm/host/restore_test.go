package host

import (
	"errors"
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// TestRestoreTuned gives a fresh Host, as after an engine crash, the
// fine-tuned copy the page kept: the new engine's fine-tuned model must
// predict exactly what the old one's did (and not what the original
// does), and copies that do not fit the model are refused with a message,
// leaving it without one.
func TestRestoreTuned(t *testing.T) {
	old := untrained(t)
	old.cur.tuned = clone(old.cur.orig)
	params, _, _ := old.cur.tuned.Weights()
	for i := range params {
		params[i] *= 1.5
	}
	old.cur.tunedWith = "rrr"
	arch, weights, err := old.Export(protocol.Tuned)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 28*28)
	for i := range x {
		x[i] = float32(i%28) / 28
	}
	want, err := old.Predict(x, []string{protocol.Original, protocol.Tuned})
	if err != nil {
		t.Fatal(err)
	}

	fresh := untrained(t)
	if fresh.Info().HasTuned {
		t.Fatal("a fresh host has a fine-tuned copy")
	}
	v0, _ := fresh.Version(protocol.Tuned)
	if err := fresh.RestoreTuned(arch, weights); err != nil {
		t.Fatal(err)
	}
	if !fresh.Info().HasTuned || fresh.cur.tunedWith != "rrr" {
		t.Errorf("after restoring: HasTuned %v, tuned with %q", fresh.Info().HasTuned, fresh.cur.tunedWith)
	}
	if v, _ := fresh.Version(protocol.Tuned); v == v0 {
		t.Errorf("the fine-tuned version did not change (%d)", v)
	}
	got, err := fresh.Predict(x, []string{protocol.Original, protocol.Tuned})
	if err != nil {
		t.Fatal(err)
	}
	for m := range want {
		for c := range want[m] {
			if math.Abs(got[m][c]-want[m][c]) > 1e-9 {
				t.Errorf("model %d class %d: restored %v, before the crash %v", m, c, got[m][c], want[m][c])
			}
		}
	}
	if math.Abs(got[0][0]-got[1][0]) < 1e-6 {
		t.Errorf("the restored copy predicts like the original (%v); it was not installed", got)
	}

	// Copies that do not fit are refused; the model keeps no copy.
	spec32 := model.SmallCNN("crosses-32", nn.Shape{C: 1, H: 32, W: 32}, data.CrossesClassNames, [3]int{4, 4, 8})
	a32, w32 := modelFiles(t, spec32, nil)
	other := untrained(t)
	for name, files := range map[string][2][]byte{
		"another input":     {a32, w32},
		"truncated weights": {arch, weights[:len(weights)/2]},
		"no architecture":   {nil, weights},
	} {
		err := other.RestoreTuned(files[0], files[1])
		if err == nil || !strings.Contains(err.Error(), "fine-tuned copy") {
			t.Errorf("%s: err = %v", name, err)
		}
		if other.Info().HasTuned {
			t.Errorf("%s: a copy was installed", name)
		}
	}
	if err := New(nil).RestoreTuned(arch, weights); err == nil {
		t.Errorf("restoring without a model accepted")
	}
}

// TestGuard turns panics (a plain one, a runtime error) into errors and
// passes errors and success through.
func TestGuard(t *testing.T) {
	var stack string
	err := Guard(func() error { panic("boom") }, func(s string) { stack = s })
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(stack, "TestGuard") {
		t.Errorf("panic: err %v, stack %q", err, stack)
	}
	err = Guard(func() error {
		var m map[string]int
		m["x"] = 1
		return nil
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "nil map") {
		t.Errorf("runtime error: %v", err)
	}
	sentinel := errors.New("plain")
	if err := Guard(func() error { return sentinel }, nil); err != sentinel {
		t.Errorf("error passed through as %v", err)
	}
	if err := Guard(func() error { return nil }, nil); err != nil {
		t.Errorf("success gave %v", err)
	}
}
