package ui

import (
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func TestViewPrediction(t *testing.T) {
	v := NewView()
	if v.PredictedClass(false) != -1 || v.ExplainedClass(false) != -1 {
		t.Errorf("a class is predicted without probabilities")
	}
	v.Probs = [][]float64{{0.2, 0.8}, {0.9, 0.1}}
	if v.PredictedClass(false) != 1 || v.PredictedClass(true) != 0 {
		t.Errorf("predicted %d before, %d after fine-tuning", v.PredictedClass(false), v.PredictedClass(true))
	}
	if v.ExplainedClass(true) != 0 {
		t.Errorf("explained class %d, want the predicted 0", v.ExplainedClass(true))
	}
	v.Class = 1
	if v.ExplainedClass(true) != 1 {
		t.Errorf("explained class %d, want the chosen 1", v.ExplainedClass(true))
	}
	v.Probs = v.Probs[:1] // fine-tuned, but not yet predicted by the copy
	if v.PredictedClass(true) != 1 {
		t.Errorf("predicted %d from the original's row", v.PredictedClass(true))
	}
}

func TestViewPanes(t *testing.T) {
	v := NewView()
	v.Method, v.CompareMethod = "gradient", "gradcam"
	if m, mo := v.PaneSpec(false, protocol.Tuned); m != "gradient" || mo != protocol.Tuned {
		t.Errorf("main pane %s %s", m, mo)
	}
	v.CompareMode = CompareMethod
	if m, mo := v.PaneSpec(true, protocol.Tuned); m != "gradcam" || mo != protocol.Tuned {
		t.Errorf("second method pane %s %s", m, mo)
	}
	v.CompareMode = CompareBeforeAfter
	if m, mo := v.PaneSpec(true, protocol.Tuned); m != "gradient" || mo != protocol.Original {
		t.Errorf("before pane %s %s", m, mo)
	}
	if v.Pane(true) != &v.Cmp || v.Pane(false) != &v.Main {
		t.Errorf("Pane returns the wrong state")
	}
	if v.Busy() != nil {
		t.Errorf("busy without a request")
	}
	v.Cmp.Busy = true
	if v.Busy() != &v.Cmp {
		t.Errorf("Busy does not find the second pane")
	}

	// Agreement: a map whose mass lies inside the mask.
	v.Main.Map = []float32{0, 0, 1, 3}
	v.Cmp.Map = []float32{1, 2} // another size: no agreement
	v.UpdateAgreement([]float32{0, 0, 1, 1})
	if !v.Main.AgreeOK || v.Main.Agree.RelevanceMass != 1 || !v.Main.Agree.Pointing || v.Cmp.AgreeOK {
		t.Errorf("agreement main %+v (%v), cmp ok %v", v.Main.Agree, v.Main.AgreeOK, v.Cmp.AgreeOK)
	}
	v.Show(&Picture{Key: "k"})
	if v.Main.Map != nil || v.Probs != nil || v.Pic.Key != "k" {
		t.Errorf("Show kept the old maps")
	}
	v.ShowHeat = false
	if v.HeatOpacity() != 0 {
		t.Errorf("a hidden map has opacity %v", v.HeatOpacity())
	}
	s := engineSession()
	if s.MethodLabel("integrated") != "Integrated Gradients" || s.MethodHelp(v.Method) == "" {
		t.Errorf("method label or help missing")
	}
	// A method the engine does not offer (an older page's setting) is
	// replaced by one it does.
	v.Method, v.CompareMethod = "retired", "gone"
	v.UseMethods(&Session{})
	if v.Method != "retired" {
		t.Errorf("UseMethods without a registry changed the method to %q", v.Method)
	}
	v.UseMethods(s)
	if v.Method != "gradient" || v.CompareMethod != "gradcam" {
		t.Errorf("after UseMethods: %q and %q", v.Method, v.CompareMethod)
	}
}
