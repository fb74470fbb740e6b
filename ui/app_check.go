package ui

import "saliencyexplorer/wasm/protocol"

// --- Checking a map (protocol.Check) ---

// RunCheck asks the engine to check the main pane's map of the picture on
// screen, cancelling a check still running.
func (a *App) RunCheck() {
	v, c := a.View, a.Check
	if v.Pic == nil || !a.Session.Ready() {
		return
	}
	if c.Busy() {
		a.eng.Cancel(c.ID)
	}
	s := SubjectOf(v, a.Session)
	req := &protocol.SaliencyRequest{Method: s.Method, Model: s.Model, Class: s.Class, Target: s.Target}
	var id int
	id = a.eng.Send(&protocol.Header{Kind: protocol.Check, Picture: s.Picture, Check: req}, nil, func(r Reply) {
		if c.ID != id {
			return
		}
		switch r.Kind {
		case protocol.Progress:
			c.Done, c.Total = r.Done, r.Total
		case protocol.Failed:
			c.Fail("The check failed: " + r.Error)
		case protocol.Result:
			if r.Checked == nil || len(r.Bufs) != 1 {
				c.Fail("The check failed: the engine's reply has no maps")
				return
			}
			maps, err := protocol.Floats(r.Bufs[0], -1)
			if err == nil {
				err = c.Finish(r.Checked, maps, v.Cmap, func(b []byte) string { return objectURL(b, "image/png") }, revokeURL)
			}
			if err != nil {
				c.Fail("The check failed: " + err.Error())
			}
		}
	})
	c.Start(id, s)
}

// CancelCheck stops the running check; the last finished one stays.
func (a *App) CancelCheck() {
	if c := a.Check; c.Busy() {
		a.eng.Cancel(c.ID)
		c.Fail("Cancelled.")
	}
}
