package protocol

import (
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	h := &Header{ID: 7, Kind: Update, Update: &TrainUpdate{State: StateRunning, Loss: math.NaN(), EpochEnd: &EpochReport{Epoch: 1, ValidAUC: math.Inf(1), MeanIoU: 0.25}}}
	b, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7 || got.Kind != Update || got.Update.Loss != -1 || got.Update.EpochEnd.ValidAUC != -1 || got.Update.EpochEnd.MeanIoU != 0.25 {
		t.Errorf("round trip gave %+v %+v", got, got.Update)
	}
	if _, err := Unmarshal([]byte(`{"id":1}`)); err == nil {
		t.Errorf("Unmarshal accepted a message without a kind")
	}
	if _, err := Unmarshal([]byte(`{`)); err == nil {
		t.Errorf("Unmarshal accepted bad JSON")
	}
}

func TestFloats(t *testing.T) {
	x := []float32{0, -1.5, float32(math.Inf(1)), 3e-8}
	got, err := Floats(FloatBytes(x), len(x))
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if got[i] != x[i] {
			t.Errorf("got[%d] = %v, want %v", i, got[i], x[i])
		}
	}
	if _, err := Floats([]byte{1, 2, 3}, -1); err == nil {
		t.Errorf("Floats accepted 3 bytes")
	}
	if _, err := Floats(make([]byte, 8), 3); err == nil {
		t.Errorf("Floats accepted 2 values when 3 were wanted")
	}
}
