package jsonfloat

import (
	"encoding/json"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	in := []Maybe{1.5, Maybe(math.NaN()), Maybe(math.Inf(1)), Maybe(math.Inf(-1)), 0, -2}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if got, want := string(b), "[1.5,null,null,null,0,-2]"; got != want {
		t.Fatalf("marshal = %s, want %s", got, want)
	}
	var out []Maybe
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	for i, v := range out {
		finite := !math.IsNaN(float64(in[i])) && !math.IsInf(float64(in[i]), 0)
		if finite && v != in[i] {
			t.Errorf("element %d: got %v, want %v", i, v, in[i])
		}
		if !finite && !math.IsNaN(float64(v)) {
			t.Errorf("element %d: got %v, want NaN", i, v)
		}
	}
	var bad Maybe
	if err := json.Unmarshal([]byte(`"x"`), &bad); err == nil {
		t.Error("a string read as a number without an error")
	}
}
