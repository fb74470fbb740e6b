package ui

import "encoding/json"

// settings are the user's display choices, kept across visits.
type settings struct {
	Method, CompareMethod, CompareMode string
	Cmap                               Colormap
	Opacity, FillOpacity, Outline      float64
	Brush                              float64
	SharedScale                        bool
	Target                             string
}

// saveSettings stores the view's and the mask editor's settings.
func saveSettings(s Store, v *View, m *MaskEditor) {
	b, _ := json.Marshal(settings{v.Method, v.CompareMethod, v.CompareMode, v.Cmap, v.Opacity, m.FillOpacity, m.OutlineOpacity, m.Brush, v.SharedScale, v.Target})
	s.Set(keySettings, string(b))
}

// loadSettings applies the stored settings that are valid to the view and
// the mask editor.
func loadSettings(s Store, v *View, m *MaskEditor) {
	str, ok := s.Get(keySettings)
	if !ok {
		return
	}
	var st settings
	if json.Unmarshal([]byte(str), &st) != nil {
		return
	}
	v.SharedScale = st.SharedScale
	// The methods are checked against the engine's registry when it
	// arrives (App.modelReady, View.UseMethods).
	if st.Method != "" {
		v.Method = st.Method
	}
	if st.Target != "" {
		v.Target = st.Target
	}
	if st.CompareMethod != "" {
		v.CompareMethod = st.CompareMethod
	}
	switch st.CompareMode {
	case CompareOff, CompareMethod, CompareBeforeAfter:
		v.CompareMode = st.CompareMode
	}
	for _, c := range Colormaps() {
		if c == st.Cmap {
			v.Cmap = c
		}
	}
	if st.Opacity > 0 && st.Opacity <= 1 {
		v.Opacity = st.Opacity
	}
	if st.FillOpacity >= 0 && st.FillOpacity <= 1 {
		m.FillOpacity = st.FillOpacity
	}
	if st.Outline >= 0 && st.Outline <= 1 {
		m.OutlineOpacity = st.Outline
	}
	if st.Brush >= 2 && st.Brush <= 300 {
		m.Brush = st.Brush
	}
}
