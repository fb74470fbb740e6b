package ui

import "testing"

func TestSettingsRoundTrip(t *testing.T) {
	st := newMemStore()
	v, m := NewView(), NewMaskEditor(st)
	v.Method, v.CompareMethod, v.CompareMode, v.Cmap, v.Opacity = "integrated", "occlusion", CompareMethod, Viridis, 0.4
	m.FillOpacity, m.OutlineOpacity, m.Brush = 0.1, 0.5, 40
	saveSettings(st, v, m)
	v2, m2 := NewView(), NewMaskEditor(st)
	loadSettings(st, v2, m2)
	if v2.Method != "integrated" || v2.CompareMethod != "occlusion" || v2.CompareMode != CompareMethod || v2.Cmap != Viridis || v2.Opacity != 0.4 ||
		m2.FillOpacity != 0.1 || m2.OutlineOpacity != 0.5 || m2.Brush != 40 {
		t.Errorf("settings after a round trip: %+v %+v", v2, m2)
	}
	// Stored values that are not valid keep the defaults; a method the
	// engine does not offer is replaced once its registry arrives.
	st.m[keySettings] = `{"Method":"nonsense","CompareMode":"sideways","Cmap":"rainbow","Opacity":7,"Brush":1}`
	v3, m3 := NewView(), NewMaskEditor(st)
	loadSettings(st, v3, m3)
	v3.UseMethods(engineSession())
	def, defMask := NewView(), NewMaskEditor(st)
	if v3.Method != def.Method || v3.CompareMode != def.CompareMode || v3.Cmap != def.Cmap || v3.Opacity != def.Opacity || m3.Brush != defMask.Brush {
		t.Errorf("invalid settings were applied: %+v", v3)
	}
}
