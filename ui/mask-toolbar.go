package ui

import (
	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"
)

// MaskToolbar holds the mask editor's tools and the view controls.
type MaskToolbar struct {
	Mask    *MaskEditor
	View    *View
	Library *Library // the samples' reference masks
	Surface *Surface
	Do      MaskActions
}

// ToolClass marks the active tool.
func (c *MaskToolbar) ToolClass(t string) string {
	if c.Mask.Tool == t {
		return "tool active"
	}
	return "tool"
}

// CanUndo reports whether there is a mask edit to undo.
func (c *MaskToolbar) CanUndo() bool { return c.Surface != nil && c.Surface.CanUndo() }

// CanRedo reports whether there is an undone edit to re-apply.
func (c *MaskToolbar) CanRedo() bool { return c.Surface != nil && c.Surface.CanRedo() }

// SetFill sets the mask fill opacity.
func (c *MaskToolbar) SetFill(v float64) {
	c.Mask.SetFill(v)
	c.Do.ApplyStyles()
	c.Do.SaveSettings()
}

// SetOutline sets the mask outline opacity.
func (c *MaskToolbar) SetOutline(v float64) {
	c.Mask.SetOutline(v)
	c.Do.ApplyStyles()
	c.Do.SaveSettings()
}

// SetShow shows or hides the mask.
func (c *MaskToolbar) SetShow(on bool) {
	c.Mask.ShowMask = on
	c.Do.ApplyStyles()
}

// OnMaskFile imports the mask PNG chosen by the user.
func (c *MaskToolbar) OnMaskFile(e vugu.DOMEvent) {
	withFiles(e, func(files js.Value) { c.Do.ImportMask(files.Index(0)) })
}

// SetRefKind chooses the kind of reference mask and applies it.
func (c *MaskToolbar) SetRefKind(kind string) {
	c.Library.RefKind = kind
	c.Do.UseReferenceMask()
}
