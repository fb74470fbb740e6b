package ui

import "strconv"

// SaliencyPanel chooses the saliency method, class, colours and the
// side-by-side comparison.
type SaliencyPanel struct {
	View    *View
	Session *Session
	Do      SaliencyActions
}

// SetClass sets the explained class from a select's value.
func (c *SaliencyPanel) SetClass(v string) {
	i, err := strconv.Atoi(v)
	if err != nil {
		i = -1
	}
	c.Do.SetClass(i)
}
