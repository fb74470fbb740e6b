package ui

import (
	"fmt"
	"strconv"
	"strings"
)

// Viewer hosts the canvases of the Surface (image, heat map, mask) and
// shows the colour bar and the progress of slow maps.
type Viewer struct {
	View    *View
	Session *Session
	Library *Library // the DICOM windows the user chose
	Surface *Surface
	Do      ViewerActions
}

// BusyText says which map is being computed.
func (c *Viewer) BusyText() string {
	st := &c.View.Main
	if !st.Busy {
		st = &c.View.Cmp
	}
	return "Computing " + c.Session.MethodLabel(st.Want) + "…"
}

// BlankNote explains a blank map, or is "".
func (c *Viewer) BlankNote() string {
	return c.View.BlankNote(c.Session.ClassName(c.View.Main.Class), c.Session)
}

// Progress is the computing map's progress in [0, 1].
func (c *Viewer) Progress() float64 {
	st := &c.View.Main
	if !st.Busy {
		st = &c.View.Cmp
	}
	if st.Total == 0 {
		return 0
	}
	return float64(st.Done) / float64(st.Total)
}

// MaxText is the value at the top of the colour bar.
func (c *Viewer) MaxText() string {
	if c.View.Main.Map == nil {
		return "max"
	}
	return fmtG(c.View.DrawScale(false).Hi)
}

// Caption describes the image and the map.
func (c *Viewer) Caption() string {
	p := c.View.Pic
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
	m := c.Session.Model
	if cw, ch, crop := ModelCrop(m, p.Width, p.Height); crop {
		parts = append(parts, fmt.Sprintf("model sees the centre %d×%d at %d×%d", cw, ch, m.W, m.H))
	} else if p.Width != m.W || p.Height != m.H {
		parts = append(parts, fmt.Sprintf("model sees %d×%d", m.W, m.H))
	}
	if st := c.View.Main; st.Map != nil && st.Info.Millis > 0 {
		parts = append(parts, fmt.Sprintf("class “%s”, %.0f ms", c.Session.ClassName(st.Class), st.Info.Millis))
	}
	return strings.Join(parts, " · ")
}

// SetCenter changes the DICOM window centre.
func (c *Viewer) SetCenter(v string) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || c.View.Pic == nil || c.View.Pic.Dicom == nil {
		c.Do.ShowError("The window centre must be a number.")
		return
	}
	c.Do.SetWindow(f, c.View.Pic.Dicom.WindowWidth)
}

// SetWidth changes the DICOM window width.
func (c *Viewer) SetWidth(v string) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || c.View.Pic == nil || c.View.Pic.Dicom == nil {
		c.Do.ShowError("The window width must be a number of at least 1.")
		return
	}
	c.Do.SetWindow(c.View.Pic.Dicom.WindowCenter, f)
}

// WindowChanged reports whether the user changed the file's window.
func (c *Viewer) WindowChanged() bool {
	p := c.View.Pic
	if p == nil || p.Dicom == nil {
		return false
	}
	_, _, ok := c.Library.Window(p.Key)
	return ok
}

// WindowNote says where the window comes from.
func (c *Viewer) WindowNote() string {
	d := c.View.Pic.Dicom
	switch {
	case c.WindowChanged():
		return "your window"
	case d.WindowFromFile:
		return "from the file"
	}
	return "the image's full range (the file names no window)"
}

// WindowText formats the current window's centre or width for its input.
func (c *Viewer) WindowText(width bool) string {
	if !c.View.WindowShown() {
		return ""
	}
	v := c.View.Pic.Dicom.WindowCenter
	if width {
		v = c.View.Pic.Dicom.WindowWidth
	}
	return trimFloat(v)
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
