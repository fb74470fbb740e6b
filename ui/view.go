package ui

import (
	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/wasm/protocol"
)

// Compare modes of the second pane.
const (
	CompareOff         = "off"
	CompareMethod      = "method"
	CompareBeforeAfter = "before-after"
)

// Picture is the image being viewed.
type Picture struct {
	Key, Name     string
	Sample        bool   // a sample of the current data set
	Dataset       string // the data set of a sample
	Real          bool   // one of the site's real images (samples/index.json)
	Label         int    // true label, -1 if unknown
	Width, Height int    // original size
	Color         bool   // a colour image (as decoded)
	Input         []float32
	Format        string
	// Dicom describes a DICOM file (modality, window); nil for others.
	Dicom *protocol.Decoded
	// C, H, W is the shape Input was decoded for, and Form the model's
	// whole input form (InputKey: shape and preprocessing).
	C, H, W int
	Form    string
	// FromInput: the picture on screen is drawn from Input (its file is
	// gone, or the browser could not decode it), where the model's window
	// lies.
	FromInput bool
}

// heatState is one pane's saliency map. Method, Model and Class describe
// the map on screen; Want is the method of the request in progress (or
// the last one, if it was cancelled), which may differ.
type heatState struct {
	ID          int
	Busy        bool
	Done, Total int
	Want        string
	Method      string
	Model       string
	Class       int
	Target      string // what the map explains (protocol.TargetInfo.ID)
	Map         []float32
	Info        protocol.MapInfo
	Scale       HeatScale
	Err         string
	Agree       metrics.Agreement
	AgreeOK     bool
}

// View is the picture on screen and what is shown over it: the prediction,
// the saliency maps of the main and the second pane, and how they are
// drawn (method, class, colours, comparison).
type View struct {
	Pic     *Picture
	Opening string // the name of a file being opened, "" if none
	openSeq int    // counts opening requests, so a late answer is dropped
	// openingSample is the data set of the sample being opened, "" if
	// what is being opened is not a sample (a file of the user's or a
	// real image, which any model can read).
	openingSample string

	Method string
	Class  int // -1: the predicted class
	// Target is what the maps explain for the class: "logprob" (the
	// default), "logit" or "prob" (protocol.TargetInfo.ID).
	Target        string
	Opacity       float64
	Cmap          Colormap
	ShowHeat      bool
	CompareMode   string
	CompareMethod string
	// SharedScale gives both panes one colour scale (the larger top);
	// otherwise each pane is scaled to its own map.
	SharedScale bool

	Probs     [][]float64 // [original] or [original, fine-tuned]
	Main, Cmp heatState

	firstSaliency bool
}

// NewView returns the view's default settings.
func NewView() *View {
	return &View{Method: "gradient", Class: -1, Target: DefaultTarget, Opacity: 0.7, Cmap: Inferno, ShowHeat: true,
		CompareMode: CompareOff, CompareMethod: "gradcam"}
}

// Pane returns the main pane's state, or the second pane's.
func (v *View) Pane(cmp bool) *heatState {
	if cmp {
		return &v.Cmp
	}
	return &v.Main
}

// CancelOpen drops the picture being opened, if any: its answer, when it
// comes, is ignored.
func (v *View) CancelOpen() {
	v.openSeq++
	v.Opening, v.openingSample = "", ""
}

// Show makes pic the picture on screen, without maps or a prediction yet.
func (v *View) Show(pic *Picture) {
	v.Opening, v.openingSample = "", ""
	v.Pic = pic
	v.Clear()
}

// Clear forgets the prediction and both maps.
func (v *View) Clear() {
	v.Main, v.Cmp = heatState{}, heatState{}
	v.Probs = nil
}

// MainProbs are the probabilities of the model the main pane explains
// (the fine-tuned copy if tuned and predicted), or nil.
func (v *View) MainProbs(tuned bool) []float64 {
	if len(v.Probs) == 0 {
		return nil
	}
	if tuned && len(v.Probs) > 1 {
		return v.Probs[1]
	}
	return v.Probs[0]
}

// PredictedClass returns the class with the highest probability by the
// main model, or -1.
func (v *View) PredictedClass(tuned bool) int {
	p := v.MainProbs(tuned)
	if p == nil {
		return -1
	}
	return protocol.TopClass(p)
}

// ExplainedClass is the class the maps explain.
func (v *View) ExplainedClass(tuned bool) int {
	if v.Class >= 0 {
		return v.Class
	}
	return v.PredictedClass(tuned)
}

// PaneSpec returns the method and model a pane shows; mainModel is the
// model the main pane explains (Session.MainModel).
func (v *View) PaneSpec(cmp bool, mainModel string) (method, model string) {
	if !cmp {
		return v.Method, mainModel
	}
	if v.CompareMode == CompareBeforeAfter {
		return v.Method, protocol.Original
	}
	return v.CompareMethod, mainModel
}

// DefaultTarget is what the maps explain until the user chooses: the
// log-probability of the class, which moves only with the decision.
const DefaultTarget = "logprob"

// UseMethods replaces a chosen saliency method or target that the engine
// does not offer (a setting stored by an older page) by one it does:
// Grad-CAM for the second pane if offered, else the first method; the
// registry's first target.
func (v *View) UseMethods(s *Session) {
	if ts := s.Targets(); len(ts) > 0 && !s.KnownTarget(v.Target) {
		v.Target = ts[0].ID
	}
	ms := s.Methods()
	if len(ms) == 0 {
		return
	}
	if !s.KnownMethod(v.Method) {
		v.Method = ms[0].ID
	}
	if !s.KnownMethod(v.CompareMethod) {
		v.CompareMethod = ms[0].ID
		if s.KnownMethod("gradcam") {
			v.CompareMethod = "gradcam"
		}
	}
}

// PaneLabel names what a pane shows: the map's method, what it explains
// and the model (the session names them), e.g. "Input gradient of log
// p(cardiomegaly) · original model", and, when a request for another
// method was cancelled, that the map is the previous one.
func (v *View) PaneLabel(cmp bool, s *Session) string {
	st := v.Pane(cmp)
	method, model := v.PaneSpec(cmp, s.MainModel())
	target, class := v.Target, v.ExplainedClass(s.HasTuned)
	if st.Map != nil && st.Method != "" {
		method, model, target, class = st.Method, st.Model, st.Target, st.Class
	}
	label := s.MethodLabel(method)
	if class >= 0 {
		label += " of " + s.TargetOf(target, s.ClassName(class))
	}
	label += " · " + s.ModelLabel(model)
	if st.Err == "Cancelled" && st.Want != "" && st.Want != method {
		label += " (" + s.MethodLabel(st.Want) + " cancelled)"
	}
	return label
}

// BlankNote explains a main map without any positive value, or returns ""
// (the session names the method). Grad-CAM keeps only features that speak
// for the class, so its map is blank when none does.
func (v *View) BlankNote(className string, s *Session) string {
	st := &v.Main
	if st.Map == nil || st.Busy || st.Info.Max > 0 {
		return ""
	}
	if st.Method == "gradcam" {
		return "Grad-CAM is blank: the last feature map holds no positive evidence for “" + className + "” (Grad-CAM keeps only what speaks for the class). Try the predicted class or another method."
	}
	return s.MethodLabel(st.Method) + " is blank: no pixel raises the score of “" + className + "” here."
}

// DrawScale is the colour scale a pane's map is drawn with: its own, or
// with a shared scale, one whose top is the larger of both panes' tops.
func (v *View) DrawScale(cmp bool) HeatScale {
	own := v.Pane(cmp).Scale
	if !v.SharedScale || v.CompareMode == CompareOff || v.Main.Map == nil || v.Cmp.Map == nil {
		return own
	}
	return HeatScale{Lo: min(v.Main.Scale.Lo, v.Cmp.Scale.Lo), Hi: max(v.Main.Scale.Hi, v.Cmp.Scale.Hi)}
}

// ScaleNote says which colour scale is shown and what the colour bar's top
// means, e.g. "each pane its own scale: 0.415 left, 0.0301 right".
func (v *View) ScaleNote() string {
	if v.Main.Map == nil {
		return ""
	}
	if v.CompareMode == CompareOff || v.Cmp.Map == nil {
		return "top " + fmtG(v.Main.Scale.Hi)
	}
	if v.SharedScale {
		return "one scale for both panes, top " + fmtG(v.DrawScale(false).Hi)
	}
	return "each pane its own scale: top " + fmtG(v.Main.Scale.Hi) + " left, " + fmtG(v.Cmp.Scale.Hi) + " right"
}

// HeatOpacity is the heat layer's opacity: 0 while the map is hidden.
func (v *View) HeatOpacity() float64 {
	if !v.ShowHeat {
		return 0
	}
	return v.Opacity
}

// UpdateAgreement recomputes both maps' agreement with a mask at model
// resolution.
func (v *View) UpdateAgreement(mask []float32) {
	for _, st := range []*heatState{&v.Main, &v.Cmp} {
		st.AgreeOK = false
		if st.Map != nil && len(st.Map) == len(mask) {
			st.Agree, st.AgreeOK = metrics.Agree(st.Map, mask)
		}
	}
}

// Busy reports whether a map is being computed, and which pane's.
func (v *View) Busy() *heatState {
	if v.Main.Busy {
		return &v.Main
	}
	if v.Cmp.Busy {
		return &v.Cmp
	}
	return nil
}

// WindowShown reports whether the window controls apply to the picture: a
// grey-scale DICOM image.
func (v *View) WindowShown() bool {
	return v.Pic != nil && v.Pic.Dicom != nil && !v.Pic.Dicom.Color
}
