package ui

import js "github.com/vugu/vugu/js"

// The actions each panel may ask of the App: a panel reads the parts it
// shows directly, and goes through one of these for anything that involves
// the engine or several parts.

// ModelActions are the model picker's.
type ModelActions interface {
	SelectModel(key string)
	OpenFiles(files js.Value)
}

// GalleryActions are the gallery's.
type GalleryActions interface {
	OpenFiles(files js.Value)
	OpenSample(s *SampleItem)
	OpenReal(r *RealItem)
	OpenUserImage(u *UserImage)
	RemoveUserImage(u *UserImage)
	SelectDataset(name string)
	Thumbs()
}

// ViewerActions are the viewer's.
type ViewerActions interface {
	CancelMaps()
	SetWindow(center, width float64)
	ResetWindow()
	SaveFigure()
	ShowError(msg string)
}

// MaskActions are the mask toolbar's.
type MaskActions interface {
	Undo()
	Redo()
	ClearMask()
	UseReferenceMask()
	ExportMask()
	ExportAllMasks()
	ImportMask(f js.Value)
	ZoomBy(f float64)
	ResetView()
	ApplyStyles()
	SaveSettings()
}

// PredictionActions are the prediction panel's.
type PredictionActions interface {
	SetLabel(l int)
}

// SaliencyActions are the saliency panel's.
type SaliencyActions interface {
	SetMethod(m string)
	SetClass(c int)
	SetOpacity(v float64)
	SetColormap(c Colormap)
	SetCompare(mode string)
	SetCompareMethod(m string)
	SetSharedScale(on bool)
	SetTarget(t string)
}

// CheckActions are the map check panel's.
type CheckActions interface {
	RunCheck()
	CancelCheck()
}

// TrainActions are the fine-tuning panel's.
type TrainActions interface {
	StartTraining()
	PauseTraining()
	StopTraining()
	ShowError(msg string)
}

var (
	_ ModelActions      = (*App)(nil)
	_ GalleryActions    = (*App)(nil)
	_ ViewerActions     = (*App)(nil)
	_ MaskActions       = (*App)(nil)
	_ PredictionActions = (*App)(nil)
	_ SaliencyActions   = (*App)(nil)
	_ TrainActions      = (*App)(nil)
	_ CheckActions      = (*App)(nil)
)
