package ui

import (
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func TestSession(t *testing.T) {
	s := NewSession()
	if s.Ready() || s.EngineState != EngineStarting {
		t.Fatalf("a new session is ready: %+v", s)
	}
	models := []protocol.ModelInfo{
		{Key: "phantom-baseline", Name: "Phantom baseline", Dataset: "phantom", Source: "shipped"},
		{Key: "phantom-rrr", Name: "Phantom RRR", Dataset: "phantom", Source: "shipped", HasTuned: true},
	}
	m := models[0]
	m.W, m.H, m.Classes, m.TestAUC, m.ScoreSet = 64, 64, []string{"normal", "cardiomegaly"}, 0.125, "the shipped test split"
	s.Install(&m, models, &protocol.DatasetInfo{Name: "phantom"})
	if !s.Ready() || s.Model.Key != "phantom-baseline" || s.Dataset.Name != "phantom" || s.HasTuned {
		t.Fatalf("after Install: %+v", s)
	}
	if got := s.ModelMeta(); got != "phantom · 64×64 · test AUC 0.125" {
		t.Errorf("ModelMeta = %q", got)
	}
	if !strings.Contains(s.ModelTitle(), "shipped with this site") {
		t.Errorf("ModelTitle = %q", s.ModelTitle())
	}
	if s.ClassName(1) != "cardiomegaly" || s.ClassName(2) != "unknown" || s.ClassName(-1) != "unknown" {
		t.Errorf("class names %q %q", s.ClassName(1), s.ClassName(2))
	}
	if s.ModelName("phantom-rrr") != "Phantom RRR" || s.ModelName("x") != "x" {
		t.Errorf("ModelName")
	}
	if s.MainModel() != protocol.Original || s.ModelLabel(protocol.Tuned) != "original model" {
		t.Errorf("without a fine-tuned copy: %q, %q", s.MainModel(), s.ModelLabel(protocol.Tuned))
	}
	s.HasTuned = true
	if s.MainModel() != protocol.Tuned || s.ModelLabel(protocol.Tuned) != "fine-tuned model" {
		t.Errorf("with a fine-tuned copy: %q, %q", s.MainModel(), s.ModelLabel(protocol.Tuned))
	}
	// A Ready reply without a model list keeps the list.
	s.Install(&models[1], nil, nil)
	if len(s.Models) != 2 || !s.HasTuned || s.Dataset.Name != "phantom" {
		t.Errorf("partial Install: %+v", s)
	}
	s.Switching = "Loading…"
	if s.Ready() {
		t.Errorf("ready while switching")
	}

	s.Remember("a", &modelMemo{Compare: CompareBeforeAfter})
	if m, ok := s.Recall("a"); !ok || m.Compare != CompareBeforeAfter {
		t.Errorf("Recall = %+v, %v", m, ok)
	}
	s.Forget("a")
	if _, ok := s.Recall("a"); ok {
		t.Errorf("a forgotten memo is recalled")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Pct(0.25), "25.0 %"}, {Pct(-1), "–"}, {Num(0.9876), "0.988"}, {Num(-1), "–"},
		{engineSession().DatasetTitle("decoy-mnist"), "Decoy MNIST"}, {engineSession().ObjectiveLabel("rrr"), "Right for the Right Reasons"},
		{engineSession().ObjectiveLabel(""), "unknown training"}, {(&Session{}).MethodLabel("gradient"), "gradient"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestTunedTitle: the model list says where a kept fine-tuned copy comes
// from.
func TestTunedTitle(t *testing.T) {
	s := NewSession()
	m := protocol.ModelInfo{Key: "crosses-baseline", Name: "crosses-baseline"}
	if got := s.TunedTitle(m); !strings.Contains(got, "fine-tuned in this page") {
		t.Errorf("without an origin: %q", got)
	}
	s.SetOrigin(m.Key, "fine-tuned in this browser from crosses-baseline with RRR, 2026-11-27 13:00 UTC")
	if got := s.TunedTitle(m); !strings.Contains(got, "with RRR, 2026-11-27") || !strings.Contains(got, "kept in this browser") {
		t.Errorf("with an origin: %q", got)
	}
}
