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
	if u.Label < 0 {
		return "no label"
	}
	return c.App.ClassName(u.Label)
}

// BeforeBuild fills in thumbnails once the model shape is known.
func (c *Gallery) BeforeBuild() {
	if c.App.EngineState == "ready" {
		c.App.thumbs()
	}
}
