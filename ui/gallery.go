package ui

import (
	"github.com/vugu/vugu"
)

// Gallery shows the file picker, the data set switcher, the built-in
// samples, the site's real images and the user's own images.
type Gallery struct {
	Library *Library
	Session *Session
	View    *View
	Masks   *MaskEditor
	Do      GalleryActions
}

// OnFiles opens the file chosen in the drop zone.
func (c *Gallery) OnFiles(e vugu.DOMEvent) { withFiles(e, c.Do.OpenFiles) }

func (c *Gallery) viewing(key string) bool { return c.View.Pic != nil && c.View.Pic.Key == key }

// ThumbClass marks the sample being viewed.
func (c *Gallery) ThumbClass(key string) string {
	if c.viewing(key) {
		return "thumb active"
	}
	return "thumb"
}

// UserClass marks the user image being viewed.
func (c *Gallery) UserClass(key string) string {
	if c.viewing(key) {
		return "user-item active"
	}
	return "user-item"
}

// LabelText describes a user image's label.
func (c *Gallery) LabelText(u *UserImage) string {
	l := u.Label(c.Session.Model.Classes)
	if l < 0 {
		return "no label"
	}
	return c.Session.ClassName(l)
}

// Usable counts the user's images fine-tuning the current model will use.
func (c *Gallery) Usable() string { return itoa(c.Library.Usable(c.Session.Model, c.Masks)) }

// BeforeBuild fills in thumbnails once the model shape is known.
func (c *Gallery) BeforeBuild() { c.Do.Thumbs() }

// DatasetClass marks the current data set's button.
func (c *Gallery) DatasetClass(d string) string {
	if d == c.Session.Model.Dataset {
		return "seg-btn active"
	}
	return "seg-btn"
}

// DatasetNote says where the samples come from and what switching does.
func (c *Gallery) DatasetNote() string {
	s := c.Session
	if s.Switching != "" {
		return s.Switching
	}
	shift := s.Dataset.Shift
	if shift == "" {
		shift = "the shortcut is reversed"
	}
	var str string
	switch s.Dataset.Samples {
	case "gallery":
		str = "Samples from the shipped test images, where " + shift + "."
	case "generated":
		str = "Samples generated in your browser (" + shift + ")."
	}
	if len(s.Datasets()) > 1 {
		str += " Switching data set switches to its baseline model."
	}
	return str
}

// RealClass marks the real image being viewed and those that cannot open.
func (c *Gallery) RealClass(r *RealItem) string {
	cls := "thumb"
	if !r.Supported {
		cls += " unsupported"
	}
	if c.viewing(r.Key) {
		cls += " active"
	}
	return cls
}
