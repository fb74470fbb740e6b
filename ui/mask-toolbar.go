package ui

// MaskToolbar holds the mask editor's tools and the view controls.
type MaskToolbar struct {
	App *App
}

// ToolClass marks the active tool.
func (c *MaskToolbar) ToolClass(t string) string {
	if c.App.Tool == t {
		return "tool active"
	}
	return "tool"
}

// CanUndo reports whether there is a mask edit to undo.
func (c *MaskToolbar) CanUndo() bool { return c.App.surf != nil && c.App.surf.CanUndo() }

// CanRedo reports whether there is an undone edit to re-apply.
func (c *MaskToolbar) CanRedo() bool { return c.App.surf != nil && c.App.surf.CanRedo() }

// SetFill sets the mask fill opacity.
func (c *MaskToolbar) SetFill(v float64) {
	c.App.FillOpacity = min(max(v, 0), 1)
	c.App.applyStyles()
	c.App.saveSettings()
}

// SetOutline sets the mask outline opacity.
func (c *MaskToolbar) SetOutline(v float64) {
	c.App.OutlineOpacity = min(max(v, 0), 1)
	c.App.applyStyles()
	c.App.saveSettings()
}

// SetShow shows or hides the mask.
func (c *MaskToolbar) SetShow(on bool) {
	c.App.ShowMask = on
	c.App.applyStyles()
}
