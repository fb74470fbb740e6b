package ui

// TrainCharts shows one chart per training measure, one point per epoch.
type TrainCharts struct {
	Train   *Trainer
	Session *Session
}

// SaliencyTitle names the saliency-agreement chart and what its maps
// explain, e.g. "Saliency on the masks (gradient of log p(true class))".
func (c *TrainCharts) SaliencyTitle() string {
	const title = "Saliency on the masks"
	h := c.Train.History
	if len(h) == 0 || h[len(h)-1].Target == "" || c.Session == nil {
		return title
	}
	return title + " (gradient of " + c.Session.TargetOf(h[len(h)-1].Target, "true class") + ")"
}
