package ui

import (
	"fmt"
	"strings"
)

// Viewer hosts the canvases of the Surface (image, heat map, mask) and
// shows the colour bar and the progress of slow maps.
type Viewer struct {
	App *App
}

// BusyText says which map is being computed.
func (c *Viewer) BusyText() string {
	st := &c.App.Main
	if !st.Busy {
		st = &c.App.Cmp
	}
	return "Computing " + MethodLabel(st.Method) + "…"
}

// Progress is the computing map's progress in [0, 1].
func (c *Viewer) Progress() float64 {
	st := &c.App.Main
	if !st.Busy {
		st = &c.App.Cmp
	}
	if st.Total == 0 {
		return 0
	}
	return float64(st.Done) / float64(st.Total)
}

// MaxText is the value at the top of the colour bar.
func (c *Viewer) MaxText() string {
	if c.App.Main.Map == nil {
		return "max"
	}
	return fmt.Sprintf("%.3g", c.App.Main.Scale.Hi)
}

// Caption describes the image and the map.
func (c *Viewer) Caption() string {
	p := c.App.Pic
	if p == nil {
		return ""
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%s · %d×%d", p.Name, p.Width, p.Height))
	if p.Width != c.App.Model.W || p.Height != c.App.Model.H {
		parts = append(parts, fmt.Sprintf("model sees %d×%d", c.App.Model.W, c.App.Model.H))
	}
	if st := c.App.Main; st.Map != nil && st.Info.Millis > 0 {
		parts = append(parts, fmt.Sprintf("class “%s”, %.0f ms", c.App.ClassName(st.Class), st.Info.Millis))
	}
	return strings.Join(parts, " · ")
}
