package ui

// TrainCharts shows one chart per training measure, one point per epoch.
type TrainCharts struct {
	Train *Trainer
}
