package ui

import (
	"testing"

	"saliencyexplorer/wasm/host"
	"saliencyexplorer/wasm/protocol"
)

// engineSession returns a Session holding the registry the engine worker
// sends (host.Registry), as after its first Ready reply: the tests use the
// engine's lists, never a copy.
func engineSession() *Session {
	s := NewSession()
	r := host.Registry()
	s.UseRegistry(&r)
	return s
}

// TestRegistry checks that the page's names come from the registry: every
// method and objective it lists is labelled and explained, unknown IDs
// show as themselves, and a Ready reply without a registry keeps the one
// held.
func TestRegistry(t *testing.T) {
	s := engineSession()
	if len(s.Methods()) == 0 || len(s.Objectives()) == 0 || len(s.Registry.Datasets) == 0 {
		t.Fatalf("registry %+v", s.Registry)
	}
	for _, m := range s.Methods() {
		if !s.KnownMethod(m.ID) || s.MethodLabel(m.ID) != m.Label || s.MethodHelp(m.ID) != m.Help || m.Label == m.ID {
			t.Errorf("method %+v: label %q, help %q", m, s.MethodLabel(m.ID), s.MethodHelp(m.ID))
		}
	}
	for _, o := range s.Objectives() {
		if s.ObjectiveLabel(o.ID) != o.Label || s.ObjectiveHelp(o.ID) != o.Help {
			t.Errorf("objective %+v", o)
		}
	}
	for _, d := range s.Registry.Datasets {
		if s.DatasetTitle(d.Name) != d.Title {
			t.Errorf("data set %+v", d)
		}
	}
	if s.KnownMethod("nope") || s.MethodLabel("nope") != "nope" || s.DatasetTitle("") != "other" || s.DatasetTitle("own") != "own" {
		t.Errorf("unknown names: %q, %q", s.MethodLabel("nope"), s.DatasetTitle(""))
	}
	n := len(s.Methods())
	s.UseRegistry(nil)
	if len(s.Methods()) != n {
		t.Errorf("a reply without a registry dropped it")
	}
	s.UseRegistry(&protocol.Registry{})
	if len(s.Methods()) != 0 {
		t.Errorf("a new registry did not replace the old")
	}
}
