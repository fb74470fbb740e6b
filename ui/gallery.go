package ui

// Gallery shows the file picker, the built-in samples and the user's own
// images.
type Gallery struct {
	App *App
}

// ThumbClass marks the sample being viewed.
func (c *Gallery) ThumbClass(key string) string {
	if c.App.Pic != nil && c.App.Pic.Key == key {
		return "thumb active"
	}
	return "thumb"
}

// UserClass marks the user image being viewed.
func (c *Gallery) UserClass(key string) string {
	if c.App.Pic != nil && c.App.Pic.Key == key {
		return "user-item active"
	}
	return "user-item"
}

// LabelText describes a user image's label.
func (c *Gallery) LabelText(u *UserImage) string {
	l := u.Label(c.App.Model.Classes)
	if l < 0 {
		return "no label"
	}
	return c.App.ClassName(l)
}

// BeforeBuild fills in thumbnails once the model shape is known.
func (c *Gallery) BeforeBuild() {
	if c.App.EngineState == "ready" {
		c.App.thumbs()
	}
}

// DatasetClass marks the current data set's button.
func (c *Gallery) DatasetClass(d string) string {
	if d == c.App.Model.Dataset {
		return "seg-btn active"
	}
	return "seg-btn"
}

// DatasetNote says where the samples come from and what switching does.
func (c *Gallery) DatasetNote() string {
	a := c.App
	if a.Switching != "" {
		return a.Switching
	}
	shift := a.Dataset.Shift
	if shift == "" {
		shift = "the shortcut is reversed"
	}
	var s string
	switch a.Dataset.Samples {
	case "gallery":
		s = "Samples from the shipped test images, where " + shift + "."
	case "generated":
		s = "Samples generated in your browser (" + shift + ")."
	}
	if len(a.Datasets()) > 1 {
		s += " Switching data set switches to its baseline model."
	}
	return s
}

// RealClass marks the real image being viewed and those that cannot open.
func (c *Gallery) RealClass(r *RealItem) string {
	cls := "thumb"
	if !r.Supported {
		cls += " unsupported"
	}
	if c.App.Pic != nil && c.App.Pic.Key == r.Key {
		cls += " active"
	}
	return cls
}
