package ui

import (
	"testing"
	"time"
)

// TestMayRestart: an engine that crashes now and then is restarted each
// time; one that crashes a fourth time within two minutes is not (its
// restored state may be what kills it); old crashes are forgotten.
func TestMayRestart(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	var crashes []time.Time
	var ok bool
	for i := range maxRestarts {
		crashes, ok = mayRestart(crashes, t0.Add(time.Duration(i)*10*time.Second))
		if !ok {
			t.Fatalf("crash %d within the window: not restarted", i+1)
		}
	}
	if _, ok = mayRestart(crashes, t0.Add(40*time.Second)); ok {
		t.Errorf("a fourth crash within %v was restarted", restartWindow)
	}
	crashes, ok = mayRestart(crashes, t0.Add(restartWindow+30*time.Second))
	if !ok || len(crashes) != 1 {
		t.Errorf("a crash after the window: restarted %v, %d remembered", ok, len(crashes))
	}
}
