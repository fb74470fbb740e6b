package ui

import (
	"fmt"
	"strconv"
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
	if d := p.Dicom; d != nil {
		kind := "DICOM"
		if d.Modality != "" {
			kind += " " + d.Modality
		}
		if d.Frames > 1 {
			kind += fmt.Sprintf(", frame 1 of %d", d.Frames)
		}
		if !d.Color {
			kind += fmt.Sprintf(" · window %s / %s", trimFloat(d.WindowCenter), trimFloat(d.WindowWidth))
		}
		parts = append(parts, kind)
	}
	if p.Width != c.App.Model.W || p.Height != c.App.Model.H {
		parts = append(parts, fmt.Sprintf("model sees %d×%d", c.App.Model.W, c.App.Model.H))
	}
	if st := c.App.Main; st.Map != nil && st.Info.Millis > 0 {
		parts = append(parts, fmt.Sprintf("class “%s”, %.0f ms", c.App.ClassName(st.Class), st.Info.Millis))
	}
	return strings.Join(parts, " · ")
}

// SetCenter changes the DICOM window centre.
func (c *Viewer) SetCenter(v string) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || c.App.Pic == nil || c.App.Pic.Dicom == nil {
		c.App.Error = "The window centre must be a number."
		return
	}
	c.App.SetWindow(f, c.App.Pic.Dicom.WindowWidth)
}

// SetWidth changes the DICOM window width.
func (c *Viewer) SetWidth(v string) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || c.App.Pic == nil || c.App.Pic.Dicom == nil {
		c.App.Error = "The window width must be a number of at least 1."
		return
	}
	c.App.SetWindow(c.App.Pic.Dicom.WindowCenter, f)
}

// WindowChanged reports whether the user changed the file's window.
func (c *Viewer) WindowChanged() bool {
	p := c.App.Pic
	if p == nil || p.Dicom == nil {
		return false
	}
	_, ok := c.App.windows[p.Key]
	return ok
}

// WindowNote says where the window comes from.
func (c *Viewer) WindowNote() string {
	d := c.App.Pic.Dicom
	switch {
	case c.WindowChanged():
		return "your window"
	case d.WindowFromFile:
		return "from the file"
	}
	return "the image's full range (the file names no window)"
}
