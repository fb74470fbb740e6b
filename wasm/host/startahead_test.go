package host

import (
	"context"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

// TestStartAhead: StartAhead makes the named (or the default) model current
// before the page's Init, and Start then keeps it without fetching again,
// passes on what StartAhead had to say (also when the page names another
// model of the same data set), selects the page's model if the
// page names another, and on a site StartAhead could not start from trains
// the starter model with its note as before.
func TestStartAhead(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		ahead string
		sel   protocol.SelectRequest
		want  string
	}{
		{"crosses-masked", protocol.SelectRequest{Model: "crosses-masked"}, "crosses-masked"},
		{"", protocol.SelectRequest{}, "phantom-baseline"},
		{"nonesuch", protocol.SelectRequest{Model: "nonesuch"}, "phantom-baseline"},
		{"", protocol.SelectRequest{Model: "crosses-masked"}, "crosses-masked"}, // the page names another model
	} {
		s := newSite(t)
		h := New(s.fetch)
		if err := h.StartAhead(c.ahead); err != nil {
			t.Fatal(err)
		}
		if !h.Ready() {
			t.Fatalf("StartAhead(%q) left no model current", c.ahead)
		}
		var rec recorder
		if err := h.Start(ctx, c.sel, rec.status()); err != nil {
			t.Fatal(err)
		}
		if got := h.Info().Key; got != c.want {
			t.Errorf("StartAhead(%q), Start(%+v): %q is current, want %q", c.ahead, c.sel, got, c.want)
		}
		for path, n := range s.fetched {
			if n != 1 {
				t.Errorf("StartAhead(%q), Start(%+v): %s fetched %d times", c.ahead, c.sel, path, n)
			}
		}
		if loads := slices.ContainsFunc(rec.said, func(s string) bool { return s == "Loading the model "+c.want+"…" }); loads != (c.sel.Model == "crosses-masked" && c.ahead == "") {
			t.Errorf("StartAhead(%q), Start(%+v) said %q", c.ahead, c.sel, rec.said)
		}
	}

	// A gallery that cannot be read: the note comes with Start.
	s := newSite(t)
	delete(s.files, "models/phantom-samples.safetensors")
	h := New(s.fetch)
	if err := h.StartAhead(""); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	if err := h.Start(ctx, protocol.SelectRequest{}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if !rec.saidAny("The sample file phantom-samples.safetensors could not be read") {
		t.Errorf("Start after StartAhead without the gallery noted %q", rec.notes)
	}

	// The page picks another model of the data set whose gallery
	// StartAhead could not read: Select does not read it again, so the
	// note must still come with Start.
	s = newSite(t)
	s.files["models/manifest.json"] = []byte(strings.Replace(testManifest, `"galleries":[`, `"galleries":[{"dataset":"crosses","file":"crosses-samples.safetensors","count":8},`, 1))
	h = New(s.fetch)
	if err := h.StartAhead("crosses-masked"); err != nil {
		t.Fatal(err)
	}
	rec = recorder{}
	if err := h.Start(ctx, protocol.SelectRequest{Model: "crosses-baseline"}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if h.Info().Key != "crosses-baseline" || !rec.saidAny("The sample file crosses-samples.safetensors could not be read") {
		t.Errorf("Start(crosses-baseline) after StartAhead(crosses-masked) without the gallery: %q, noted %q", h.Info().Key, rec.notes)
	}

	// The default model's weights missing: StartAhead fails and trains
	// nothing; Start trains the starter model and says why.
	s = newSite(t)
	delete(s.files, "models/pb.safetensors")
	h = New(s.fetch)
	h.starterEpochs = 1
	if err := h.StartAhead(""); err == nil || h.Ready() {
		t.Fatalf("StartAhead on a site without the default model's weights: %v, ready %v", err, h.Ready())
	}
	rec = recorder{}
	if err := h.Start(ctx, protocol.SelectRequest{}, rec.status()); err != nil {
		t.Fatal(err)
	}
	if h.Info().Key != protocol.StarterKey || !rec.saidAny("No trained model ships with this site") {
		t.Errorf("Start after a failed StartAhead: %q, said %q", h.Info().Key, rec.notes)
	}
}

// TestWarmUp: the warm-up steps run on the first sample (its PNG from the
// sample pack, a prediction, the default map) without changing what the
// page's requests get: a map and a prediction after them equal those of a
// host that did not warm up.
func TestWarmUp(t *testing.T) {
	ctx := context.Background()
	s := newSite(t)
	pack, err := SamplePack("phantom", s.files["models/phantom-samples.safetensors"])
	if err != nil {
		t.Fatal(err)
	}
	s.files["models/phantom-samples.pack.bin"] = pack
	warm, cold := New(s.fetch), New(s.fetch)
	for _, h := range []*Host{warm, cold} {
		if err := h.Start(ctx, protocol.SelectRequest{}, Status{}); err != nil {
			t.Fatal(err)
		}
	}
	if warm.current().pack == nil {
		t.Fatal("the test site's sample pack was not taken")
	}
	for step := range WarmUpSteps {
		if err := warm.WarmUp(step); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	if warm.lastPred.p == nil {
		t.Error("the warm-up made no prediction")
	}
	for _, i := range []int{0, 1} {
		x := cold.current().gallery.Image(i)
		req := protocol.SaliencyRequest{Method: "gradient", Model: protocol.Original, Class: protocol.PredictedClass, Target: "logprob"}
		wm, wi, err1 := warm.Saliency(ctx, x, req, nil)
		cm, ci, err2 := cold.Saliency(ctx, x, req, nil)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if wi.Class != ci.Class || !slices.Equal(wm, cm) {
			t.Errorf("sample %d: the map after the warm-up (class %d) differs from the cold host's (class %d)", i, wi.Class, ci.Class)
		}
		wp, err1 := warm.Predict(x, nil)
		cp, err2 := cold.Predict(x, nil)
		if err1 != nil || err2 != nil || !slices.Equal(wp[0], cp[0]) {
			t.Errorf("sample %d: predictions %v and %v (%v, %v)", i, wp, cp, err1, err2)
		}
	}
}
