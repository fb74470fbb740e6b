package ui

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/vugu/vugu"
	js "github.com/vugu/vugu/js"

	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/wasm/protocol"
)

// Storage keys (localStorage). Everything the user makes is kept under
// storagePrefix, so "Clear my data" can remove it all.
const (
	storagePrefix = "se.v1."
	keyLast       = storagePrefix + "last." // + data set: the image last viewed with it
	keyModel      = storagePrefix + "model" // the model last used
	keyImages     = storagePrefix + "images"
	keyMaskPrefix = storagePrefix + "mask."
	keySettings   = storagePrefix + "settings"
)

// Compare modes of the second pane.
const (
	CompareOff         = "off"
	CompareMethod      = "method"
	CompareBeforeAfter = "before-after"
)

// Tools of the mask editor.
const (
	ToolBrush  = "brush"
	ToolEraser = "eraser"
	ToolPan    = "pan"
)

// SampleItem is a built-in example image.
type SampleItem struct {
	protocol.Sample
	URL  string // blob URL of its PNG
	png  []byte
	mask []byte // reference mask PNG
}

// Picture is the image being viewed.
type Picture struct {
	Key, Name     string
	Sample        bool   // a sample of the current data set
	Dataset       string // the data set of a sample
	Real          bool   // one of the site's real images (samples/index.json)
	Label         int    // true label, -1 if unknown
	Width, Height int    // original size
	Input         []float32
	Format        string
	// Dicom describes a DICOM file (modality, window); nil for others.
	Dicom *protocol.Decoded
	// C, H, W is the shape Input was decoded for.
	C, H, W int
}

// heatState is one pane's saliency map.
type heatState struct {
	ID          int
	Busy        bool
	Done, Total int
	Method      string
	Model       string
	Class       int
	Map         []float32
	Info        protocol.MapInfo
	Scale       HeatScale
	Err         string
	Agree       metrics.Agreement
	AgreeOK     bool
}

// App is the root component and holds all the state of the page.
type App struct {
	env  vugu.EventEnv
	eng  *Engine
	surf *Surface

	EngineState string // "starting", "preparing", "ready", "failed"
	EngineMsg   string
	EngineDone  int
	EngineTotal int
	Model       protocol.ModelInfo
	Models      []protocol.ModelInfo // every model the picker offers
	Dataset     protocol.DatasetInfo
	PickerOpen  bool
	Switching   string // the model being loaded, "" if none
	Samples     []*SampleItem
	Real        []*RealItem
	RealMsg     string // why the real images are missing, if they are
	UserImages  []*UserImage
	userBytes   map[string][]byte // file bytes of opened images, by picture key
	memos       map[string]*modelMemo
	// unsaved holds masks (PNG) the browser refused to store, by picture
	// key, so they are not lost while the page is open.
	unsaved     map[string][]byte
	StorageWarn string
	// windows holds the DICOM window (centre, width) the user chose, by
	// picture key.
	windows       map[string][2]float64
	Pic           *Picture
	Opening       string
	openSeq       int
	Error         string
	Notice        string
	firstSaliency bool
	started       bool

	Method        string
	Class         int // -1: the predicted class
	Opacity       float64
	Cmap          Colormap
	ShowHeat      bool
	CompareMode   string
	CompareMethod string
	Probs         [][]float64 // [original] or [original, fine-tuned]
	Main, Cmp     heatState

	Tool           string
	Brush          float64 // diameter in screen pixels
	FillOpacity    float64
	OutlineOpacity float64
	ShowMask       bool
	MaskModel      []float32
	MaskArea       int

	TrainMethod string
	Lambda      float64
	LR          float64
	Epochs      int
	Restart     bool
	TrainID     int
	TrainState  string
	TrainMsg    string
	TrainUpd    protocol.TrainUpdate
	History     []protocol.EpochReport
	HasTuned    bool
	LastClickMs float64

	// pointer state
	stroking, panning bool
	spaceDown         bool
	lastX, lastY      float64
}

// NewApp returns the app with its default settings.
func NewApp() *App {
	return &App{
		EngineState: "starting", EngineMsg: "Starting the engine…",
		Method: "gradient", Class: -1, Opacity: 0.7, Cmap: Inferno, ShowHeat: true,
		CompareMode: CompareOff, CompareMethod: "gradcam",
		Tool: ToolBrush, Brush: 24, FillOpacity: 0.35, OutlineOpacity: 0.9, ShowMask: true,
		TrainMethod: "masked", Lambda: 10, LR: 3e-3, Epochs: 3,
		userBytes: make(map[string][]byte), memos: make(map[string]*modelMemo), unsaved: make(map[string][]byte),
	}
}

// Start connects the app to the page: it starts the engine worker, creates
// the canvases and installs keyboard, drag-and-drop and pointer handlers.
// Call it once, before the render loop, from the main goroutine.
func (a *App) Start(env vugu.EventEnv) {
	if a.started {
		return
	}
	a.started = true
	a.env = env
	a.loadSettings()
	a.surf = NewSurface()
	a.applyStyles()
	a.installHandlers()
	a.loadUserImages()
	a.loadRealImages()
	a.eng = NewEngine(env, engineScript(), a.onOther)
	init := &protocol.Header{Kind: protocol.Init}
	if m, ok := storageGet(keyModel); ok && m != "" {
		init.Select = &protocol.SelectRequest{Model: m}
	}
	a.eng.Send(init, nil, a.onInit)
}

// engineScript returns the engine worker's URL: worker.js, with the page's
// ?workers=K passed on (K engine workers for Integrated Gradients and
// SmoothGrad; 1 computes everything in one worker, for comparisons) and
// its ?stall-helpers=1 (helper workers that never answer, for testing that
// the engine worker recovers).
func engineScript() string {
	params := global().Get("URLSearchParams").New(global().Get("location").Get("search"))
	var q []string
	if v := params.Call("get", "workers"); v.Truthy() {
		if k, err := strconv.Atoi(v.String()); err == nil && k > 0 {
			q = append(q, "workers="+strconv.Itoa(k))
		}
	}
	if v := params.Call("get", "stall-helpers"); v.Truthy() && v.String() == "1" {
		q = append(q, "stall=1")
	}
	if len(q) == 0 {
		return "worker.js"
	}
	return "worker.js?" + strings.Join(q, "&")
}

// locked runs f with the event environment locked and requests a render.
func (a *App) locked(f func()) {
	a.env.Lock()
	defer a.env.UnlockRender()
	f()
}

// onOther handles messages that answer no pending request.
func (a *App) onOther(r Reply) {
	switch r.Kind {
	case protocol.Failed:
		if r.ID == 0 || r.Text == "fatal" {
			a.EngineState = "failed"
			a.EngineMsg = r.Error
			a.Error = r.Error
			document().Get("body").Get("dataset").Set("engine", "failed")
		}
	case protocol.Log:
		if r.ID == 0 {
			return
		}
		a.EngineMsg = r.Text
	}
}

func (a *App) onInit(r Reply) {
	switch r.Kind {
	case protocol.Log:
		if a.EngineState != "ready" {
			a.EngineState = "preparing"
		}
		a.EngineMsg = r.Text
	case protocol.Progress:
		a.EngineState = "preparing"
		a.EngineDone, a.EngineTotal = r.Done, r.Total
		a.EngineMsg = "Training a starter model in your browser…"
	case protocol.Failed:
		a.EngineState = "failed"
		a.EngineMsg = "The engine could not start: " + r.Error
		a.Error = a.EngineMsg
		document().Get("body").Get("dataset").Set("engine", "failed")
	case protocol.Ready:
		a.modelReady(r)
		a.useDatasetSettings()
		document().Get("body").Get("dataset").Set("engine", "ready")
		mark("se-engine-ready")
		a.restoreLast()
	}
}

// modelReady installs a model description and its samples.
func (a *App) modelReady(r Reply) {
	a.EngineState = "ready"
	a.EngineMsg = ""
	if r.Model != nil {
		a.Model = *r.Model
	}
	if r.Models != nil {
		a.Models = r.Models
	}
	if r.Dataset != nil {
		a.Dataset = *r.Dataset
	}
	a.HasTuned = a.Model.HasTuned
	storageSet(keyModel, a.Model.Key)
	for _, s := range a.Samples {
		global().Get("URL").Call("revokeObjectURL", s.URL)
	}
	a.Samples = nil
	for i, s := range r.Samples {
		if 2*i >= len(r.Bufs) {
			break
		}
		png := r.Bufs[2*i]
		url := global().Get("URL").Call("createObjectURL", newBlob(png, "image/png")).String()
		item := &SampleItem{Sample: s, URL: url, png: png}
		if 2*i+1 < len(r.Bufs) {
			item.mask = r.Bufs[2*i+1]
		}
		a.Samples = append(a.Samples, item)
	}
	if a.Class >= len(a.Model.Classes) {
		a.Class = -1
	}
}

// restoreLast reopens the image last viewed with the current data set, or
// its first sample of the positive (last) class, or its first sample.
func (a *App) restoreLast() {
	last, _ := storageGet(keyLast + a.Model.Dataset)
	for _, s := range a.Samples {
		if s.Key == last {
			a.OpenSample(s)
			return
		}
	}
	for _, u := range a.UserImages {
		if u.Key == last {
			a.OpenUserImage(u)
			return
		}
	}
	for _, r := range a.Real {
		if r.Key == last {
			a.OpenReal(r)
			return
		}
	}
	if s := a.DefaultSample(); s != nil {
		a.OpenSample(s)
	}
}

// DefaultSample is the sample shown first: the first one of the positive
// class (cardiomegaly, two crosses), else the first.
func (a *App) DefaultSample() *SampleItem {
	for _, s := range a.Samples {
		if s.Label == len(a.Model.Classes)-1 {
			return s
		}
	}
	if len(a.Samples) > 0 {
		return a.Samples[0]
	}
	return nil
}

// ClassName returns the name of class i.
func (a *App) ClassName(i int) string {
	if i >= 0 && i < len(a.Model.Classes) {
		return a.Model.Classes[i]
	}
	return "unknown"
}

// --- Opening images ---

// OpenSample shows a built-in sample.
func (a *App) OpenSample(s *SampleItem) {
	a.openBytes(&Picture{Name: s.Title, Key: s.Key, Sample: true, Dataset: a.Model.Dataset, Label: s.Label}, s.png)
}

// OpenUserImage reopens one of the user's images: in full resolution if its
// file is still in memory, otherwise at model resolution.
func (a *App) OpenUserImage(u *UserImage) {
	label := u.Label(a.Model.Classes)
	if b, ok := a.userBytes[u.Key]; ok {
		a.openBytes(&Picture{Name: u.Name, Key: u.Key, Label: label}, b)
		return
	}
	m := a.Model
	x, ok := u.Input(m.C, m.H, m.W)
	if !ok {
		a.Error = "“" + u.Name + "” was stored for a model of another input size; open the file again to use it with " + m.Name + "."
		return
	}
	a.openSeq++
	a.showPicture(&Picture{Key: u.Key, Name: u.Name, Label: label, Width: u.Width, Height: u.Height, Input: x, Format: "stored", C: m.C, H: m.H, W: m.W}, js.Undefined())
}

// OpenFile reads a File chosen or dropped by the user and opens it.
func (a *App) OpenFile(f js.Value) {
	name := f.Get("name").String()
	size := f.Get("size").Float()
	if size > 64<<20 {
		a.Error = fmt.Sprintf("Could not open “%s”: the file has %.0f MB; the limit is 64 MB.", name, size/(1<<20))
		return
	}
	a.Opening = name
	a.Error = ""
	go func() {
		b, err := readFile(f)
		a.locked(func() {
			if err != nil {
				a.Opening = ""
				a.Error = "Could not read “" + name + "”: " + err.Error()
				return
			}
			sum := sha256.Sum256(b)
			key := "file-" + hex.EncodeToString(sum[:8])
			label := -1
			for _, u := range a.UserImages {
				if u.Key == key {
					label = u.Label(a.Model.Classes)
				}
			}
			a.openBytes(&Picture{Name: name, Key: key, Label: label}, b)
		})
	}()
}

// openBytes decodes an image file (PNG, JPEG or DICOM) in the engine and
// shows it as pic (whose Key, Name and kind are set). The current image
// stays on screen if the file cannot be read.
func (a *App) openBytes(pic *Picture, b []byte) {
	if a.EngineState != "ready" || a.Switching != "" {
		a.Error = "The engine is still loading; try again in a moment."
		return
	}
	a.openSeq++
	seq := a.openSeq
	a.Opening = pic.Name
	m := a.Model
	a.eng.Send(&protocol.Header{Kind: protocol.Decode, DecodeRq: a.decodeRequest(pic)}, [][]byte{b}, func(r Reply) {
		if seq != a.openSeq {
			return
		}
		if r.Kind == protocol.Failed {
			a.Opening = ""
			a.Error = "Could not open “" + pic.Name + "”: " + strings.TrimSuffix(r.Error, ".") + ". The app keeps the current image; PNG, JPEG and uncompressed or RLE DICOM files open."
			return
		}
		if r.Kind != protocol.Result || r.Decoded == nil || len(r.Bufs) < 1 {
			return
		}
		x, err := protocol.Floats(r.Bufs[0], m.C*m.H*m.W)
		if err != nil {
			a.Opening = ""
			a.Error = "Could not open “" + pic.Name + "”: " + err.Error()
			return
		}
		pic.Width, pic.Height, pic.Input, pic.Format = r.Decoded.Width, r.Decoded.Height, x, r.Decoded.Format
		pic.C, pic.H, pic.W = m.C, m.H, m.W
		keep := func() {
			if !pic.Sample {
				a.userBytes[pic.Key] = b
			}
			if !pic.Sample && !pic.Real {
				a.rememberUserImage(pic)
			}
		}
		if r.Decoded.Format == "dicom" {
			d := *r.Decoded
			pic.Dicom = &d
			if len(r.Bufs) < 2 {
				a.Opening = ""
				a.Error = "Could not open “" + pic.Name + "”: the engine sent no pixels."
				return
			}
			keep()
			a.showPicture(pic, displayCanvas(r.Bufs[1], d.Width, d.Height, d.Color))
			return
		}
		// Let the browser decode the file for display at full resolution.
		go func() {
			bmp, err := await(global().Call("createImageBitmap", newBlob(b, "image/"+pic.Format)))
			a.locked(func() {
				if seq != a.openSeq {
					return
				}
				if err != nil {
					bmp = js.Undefined() // shown from the model input instead
				}
				keep()
				a.showPicture(pic, bmp)
			})
		}()
	})
}

// decodeRequest describes pic's file to the engine, with the window the
// user chose for a DICOM image.
func (a *App) decodeRequest(pic *Picture) *protocol.DecodeRequest {
	req := &protocol.DecodeRequest{Name: pic.Name}
	if pic.Real {
		for _, r := range a.Real {
			if r.Key == pic.Key {
				req.Name = r.File
			}
		}
	}
	if w, ok := a.windows[pic.Key]; ok {
		req.Window, req.Center, req.Width = true, w[0], w[1]
	}
	return req
}

// displayCanvas draws DICOM display pixels (grey bytes, or RGBA for colour)
// into a new canvas.
func displayCanvas(pix []byte, w, h int, color bool) js.Value {
	c := newCanvas(w, h, "")
	rgba := pix
	if !color {
		rgba = make([]byte, 4*w*h)
		for i, v := range pix[:min(len(pix), w*h)] {
			rgba[4*i], rgba[4*i+1], rgba[4*i+2], rgba[4*i+3] = v, v, v, 255
		}
	}
	if len(rgba) == 4*w*h {
		putRGBA(c.Call("getContext", "2d"), rgba, w, h)
	}
	return c
}

// inputCanvas renders a model input (c×h×w, c = 1 or 3) as a canvas, for
// images whose file is not available and for thumbnails.
func inputCanvas(x []float32, c, h, w int) js.Value {
	cv := newCanvas(w, h, "")
	rgba := make([]byte, 4*w*h)
	hw := w * h
	if len(x) < c*hw {
		return cv
	}
	for i := range hw {
		for ch := range 3 {
			v := x[i]
			if c == 3 {
				v = x[ch*hw+i]
			}
			rgba[4*i+ch] = uint8(min(max(v, 0), 1)*255 + 0.5)
		}
		rgba[4*i+3] = 255
	}
	putRGBA(cv.Call("getContext", "2d"), rgba, w, h)
	return cv
}

// showPicture makes pic the current image and starts its analysis.
func (a *App) showPicture(pic *Picture, bmp js.Value) {
	a.Opening = ""
	a.Error = ""
	a.Pic = pic
	src := bmp
	w, h := pic.Width, pic.Height
	if !src.Truthy() {
		src = inputCanvas(pic.Input, pic.C, pic.H, pic.W)
	}
	a.surf.SetImage(src, w, h)
	a.Main, a.Cmp = heatState{}, heatState{}
	a.Probs = nil
	a.restoreMask()
	a.applyStyles()
	storageSet(keyLast+a.Model.Dataset, pic.Key)
	a.analyze()
}

// --- Prediction and saliency ---

// mainModel is the model the main pane explains.
func (a *App) mainModel() string {
	if a.HasTuned {
		return protocol.Tuned
	}
	return protocol.Original
}

// ModelLabel names a model for captions.
func (a *App) ModelLabel(m string) string {
	if m == protocol.Tuned && a.HasTuned {
		return "fine-tuned model"
	}
	return "original model"
}

// PredictedClass returns the class with the highest probability by the
// main model, or -1.
func (a *App) PredictedClass() int {
	p := a.mainProbs()
	if p == nil {
		return -1
	}
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

func (a *App) mainProbs() []float64 {
	if len(a.Probs) == 0 {
		return nil
	}
	if a.HasTuned && len(a.Probs) > 1 {
		return a.Probs[1]
	}
	return a.Probs[0]
}

// ExplainedClass is the class the maps explain.
func (a *App) ExplainedClass() int {
	if a.Class >= 0 {
		return a.Class
	}
	return a.PredictedClass()
}

// analyze requests predictions, then the saliency maps.
func (a *App) analyze() {
	if a.Pic == nil || a.EngineState != "ready" || a.Switching != "" {
		return
	}
	pic := a.Pic
	models := []string{protocol.Original}
	if a.HasTuned {
		models = append(models, protocol.Tuned)
	}
	a.eng.Send(&protocol.Header{Kind: protocol.Predict, Predict: &protocol.PredictRequest{Models: models}}, [][]byte{protocol.FloatBytes(pic.Input)}, func(r Reply) {
		if a.Pic != pic {
			return
		}
		if r.Kind == protocol.Failed {
			a.Error = "Prediction failed: " + r.Error
			return
		}
		a.Probs = r.Probs
		a.refreshMaps()
	})
}

// refreshMaps requests the maps the current settings show.
func (a *App) refreshMaps() {
	a.requestMap(false)
	if a.CompareMode != CompareOff {
		a.requestMap(true)
	} else {
		a.eng.Cancel(a.Cmp.ID)
		a.Cmp = heatState{}
	}
	a.updateLabels()
}

// paneSpec returns the method and model a pane shows.
func (a *App) paneSpec(cmp bool) (method, model string) {
	if !cmp {
		return a.Method, a.mainModel()
	}
	if a.CompareMode == CompareBeforeAfter {
		return a.Method, protocol.Original
	}
	return a.CompareMethod, a.mainModel()
}

// requestMap asks the engine for one pane's map, cancelling the previous
// request for that pane.
func (a *App) requestMap(cmp bool) {
	if a.Pic == nil {
		return
	}
	st := &a.Main
	if cmp {
		st = &a.Cmp
	}
	a.eng.Cancel(st.ID)
	method, model := a.paneSpec(cmp)
	class := a.ExplainedClass()
	if class < 0 {
		class = 0
	}
	pic := a.Pic
	*st = heatState{Busy: true, Method: method, Model: model, Class: class, Map: st.Map, Info: st.Info, Scale: st.Scale}
	req := &protocol.SaliencyRequest{Method: method, Model: model, Class: class}
	if method == "gradient" {
		req.Blur = 0
	}
	var id int
	id = a.eng.Send(&protocol.Header{Kind: protocol.Saliency, Saliency: req}, [][]byte{protocol.FloatBytes(pic.Input)}, func(r Reply) {
		if a.Pic != pic || st.ID != id {
			return
		}
		switch r.Kind {
		case protocol.Progress:
			st.Done, st.Total = r.Done, r.Total
		case protocol.Failed:
			st.Busy = false
			st.Err = r.Error
			if r.Error != "Cancelled" {
				a.Error = "Saliency failed: " + r.Error
			}
		case protocol.Result:
			st.Busy = false
			m, err := protocol.Floats(r.Bufs[0], -1)
			if err != nil || r.Map == nil || len(m) != r.Map.H*r.Map.W {
				st.Err = "bad map"
				return
			}
			st.Map, st.Info = m, *r.Map
			if !cmp { // for the end-to-end tests and make bench-web
				ds := document().Get("body").Get("dataset")
				setJS(ds, "mapMax", r.Map.Max)
				setJS(ds, "mapMillis", r.Map.Millis)
			}
			st.Scale = ScaleFor(m)
			a.surf.DrawHeat(cmp, m, r.Map.W, r.Map.H, st.Scale, a.Cmap)
			a.updateAgreement()
			if !cmp && !a.firstSaliency {
				a.firstSaliency = true
				mark("se-first-saliency")
			}
		}
	})
	st.ID = id
}

// CancelMaps stops the saliency maps being computed.
func (a *App) CancelMaps() {
	for _, st := range []*heatState{&a.Main, &a.Cmp} {
		if st.Busy {
			a.eng.Cancel(st.ID)
			st.Busy = false
			st.Err = "Cancelled"
		}
	}
}

// redrawHeat redraws both maps (after a colour map change).
func (a *App) redrawHeat() {
	for i, st := range []*heatState{&a.Main, &a.Cmp} {
		if st.Map != nil {
			a.surf.DrawHeat(i == 1, st.Map, st.Info.W, st.Info.H, st.Scale, a.Cmap)
		}
	}
}

func (a *App) updateLabels() {
	m1, mo1 := a.paneSpec(false)
	m2, mo2 := a.paneSpec(true)
	a.surf.SetLabels(MethodLabel(m1)+" · "+a.ModelLabel(mo1), MethodLabel(m2)+" · "+a.ModelLabel(mo2))
	a.surf.ShowCompare(a.CompareMode != CompareOff && a.Pic != nil)
}

// SetMethod changes the main pane's method.
func (a *App) SetMethod(m string) {
	a.Method = m
	a.saveSettings()
	a.refreshMaps()
}

// SetCompare changes the comparison mode.
func (a *App) SetCompare(mode string) {
	a.CompareMode = mode
	a.saveSettings()
	a.refreshMaps()
	a.surf.Layout()
}

// SetCompareMethod changes the second pane's method.
func (a *App) SetCompareMethod(m string) {
	a.CompareMethod = m
	a.saveSettings()
	a.refreshMaps()
}

// SetClass changes the explained class (-1: predicted).
func (a *App) SetClass(c int) {
	a.Class = c
	a.refreshMaps()
}

// SetColormap changes the palette.
func (a *App) SetColormap(c Colormap) {
	a.Cmap = c
	a.saveSettings()
	a.redrawHeat()
}

// SetOpacity changes the heat map opacity.
func (a *App) SetOpacity(v float64) {
	a.Opacity = min(max(v, 0), 1)
	a.applyStyles()
}

func (a *App) applyStyles() {
	if a.surf == nil {
		return
	}
	op := a.Opacity
	if !a.ShowHeat {
		op = 0
	}
	a.surf.SetHeatOpacity(op)
	a.surf.SetMaskStyle(a.FillOpacity, a.OutlineOpacity, a.ShowMask)
}

// --- Mask ---

// maskChanged updates everything that depends on the mask after an edit.
func (a *App) maskChanged() {
	if a.Pic == nil {
		return
	}
	alpha := a.surf.MaskAlpha()
	a.surf.DrawOutline(alpha)
	a.MaskModel = DownsampleMask(alpha, a.surf.RW, a.surf.RH, a.Model.W, a.Model.H)
	a.MaskArea = 0
	for _, v := range a.MaskModel {
		if v > 0 {
			a.MaskArea++
		}
	}
	a.updateAgreement()
	a.saveMask(alpha)
}

// saveMask stores the current picture's mask. If the browser refuses (a
// full quota, or storage disabled), the mask is kept in memory for this
// page and the user is told to export it.
func (a *App) saveMask(alpha []byte) {
	key := keyMaskPrefix + a.Pic.Key
	if MaskEmpty(alpha) {
		storageRemove(key)
		delete(a.unsaved, a.Pic.Key)
		a.storageRecovered()
		return
	}
	b, err := EncodeMaskPNG(alpha, a.surf.RW, a.surf.RH, a.Pic.Width, a.Pic.Height)
	if err != nil {
		a.Error = "Could not encode the mask: " + err.Error()
		return
	}
	if err := storageSet(key, base64.StdEncoding.EncodeToString(b)); err != nil {
		a.unsaved[a.Pic.Key] = b
		a.storageFailed(err)
		return
	}
	delete(a.unsaved, a.Pic.Key)
	a.storageRecovered()
}

// storageFailed tells the user that masks could not be saved.
func (a *App) storageFailed(err error) {
	if n := len(a.unsaved); n > 1 {
		a.StorageWarn = fmt.Sprintf("%d of your masks could not be saved: %s — export them (Export all masks) to keep them. They stay in this page until you close or reload it.", n, err)
		return
	}
	a.StorageWarn = "Your mask could not be saved: " + err.Error() + " — export it (Export mask, or Export all masks) to keep it. It stays in this page until you close or reload it."
}

// storageRecovered clears the warning once every mask is stored.
func (a *App) storageRecovered() {
	if len(a.unsaved) == 0 {
		a.StorageWarn = ""
	}
}

// storedMask returns the mask PNG of a picture key: unsaved in memory, or
// stored in the browser.
func (a *App) storedMask(key string) ([]byte, bool) {
	if b, ok := a.unsaved[key]; ok {
		return b, true
	}
	s, ok := storageGet(keyMaskPrefix + key)
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// restoreMask loads the stored mask of the current picture.
func (a *App) restoreMask() {
	a.MaskModel = make([]float32, a.Model.W*a.Model.H)
	a.MaskArea = 0
	b, ok := a.storedMask(a.Pic.Key)
	if !ok {
		a.surf.DrawOutline(make([]byte, a.surf.RW*a.surf.RH))
		return
	}
	if alpha, err := DecodeMaskPNG(b, a.surf.RW, a.surf.RH); err == nil {
		a.surf.SetMaskAlpha(alpha)
	}
	a.maskChanged()
}

// updateAgreement recomputes the metrics of both maps against the mask.
func (a *App) updateAgreement() {
	for _, st := range []*heatState{&a.Main, &a.Cmp} {
		st.AgreeOK = false
		if st.Map != nil && len(st.Map) == len(a.MaskModel) {
			st.Agree, st.AgreeOK = metrics.Agree(st.Map, a.MaskModel)
		}
	}
}

// Undo undoes the last mask edit.
func (a *App) Undo() {
	if a.surf.Undo() {
		a.maskChanged()
	}
}

// Redo re-applies an undone mask edit.
func (a *App) Redo() {
	if a.surf.Redo() {
		a.maskChanged()
	}
}

// ClearMask erases the mask (undoable).
func (a *App) ClearMask() {
	if a.Pic == nil {
		return
	}
	a.surf.PushUndo()
	a.surf.ClearMask()
	a.maskChanged()
}

// SetBrush sets the brush diameter in screen pixels.
func (a *App) SetBrush(d float64) {
	a.Brush = min(max(d, 2), 300)
}

// ReferenceMask returns the reference mask of the current picture if it is
// a built-in sample (the data set's own annotation), or nil.
func (a *App) ReferenceMask() []byte {
	if a.Pic == nil || !a.Pic.Sample {
		return nil
	}
	for _, s := range a.Samples {
		if s.Key == a.Pic.Key {
			return s.mask
		}
	}
	return nil
}

// UseReferenceMask replaces the mask with the sample's reference mask
// (undoable).
func (a *App) UseReferenceMask() {
	b := a.ReferenceMask()
	if b == nil {
		return
	}
	alpha, err := DecodeMaskPNG(b, a.surf.RW, a.surf.RH)
	if err != nil {
		a.Error = "Could not read the reference mask: " + err.Error()
		return
	}
	a.surf.PushUndo()
	a.surf.SetMaskAlpha(alpha)
	a.maskChanged()
}

// ExportMask downloads the mask as a PNG at the image's size.
func (a *App) ExportMask() {
	if a.Pic == nil {
		return
	}
	b, err := EncodeMaskPNG(a.surf.MaskAlpha(), a.surf.RW, a.surf.RH, a.Pic.Width, a.Pic.Height)
	if err != nil {
		a.Error = "Could not export the mask: " + err.Error()
		return
	}
	download(b, baseName(a.Pic.Name)+"-mask.png", "image/png")
}

// ImportMask reads a mask PNG chosen by the user into the current image.
func (a *App) ImportMask(f js.Value) {
	if a.Pic == nil {
		a.Error = "Open an image before importing its mask."
		return
	}
	name := f.Get("name").String()
	pic := a.Pic
	go func() {
		b, err := readFile(f)
		a.locked(func() {
			if a.Pic != pic {
				return
			}
			var alpha []byte
			if err == nil {
				alpha, err = DecodeMaskPNG(b, a.surf.RW, a.surf.RH)
			}
			if err != nil {
				a.Error = "Could not import the mask “" + name + "”: " + err.Error()
				return
			}
			a.surf.PushUndo()
			a.surf.SetMaskAlpha(alpha)
			a.maskChanged()
			a.Notice = "Mask imported from “" + name + "”."
		})
	}()
}

func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "image"
	}
	return b.String()
}

// --- The user's images ---

// rememberUserImage adds or refreshes a user image in the stored list.
func (a *App) rememberUserImage(p *Picture) {
	var u *UserImage
	for _, v := range a.UserImages {
		if v.Key == p.Key {
			u = v
		}
	}
	if u == nil {
		u = &UserImage{Key: p.Key, Name: p.Name, Width: p.Width, Height: p.Height}
		u.SetLabel(a.Model.Classes, p.Label)
		u.Thumb = a.thumb(p.Input, p.C, p.H, p.W)
		a.UserImages = append([]*UserImage{u}, a.UserImages...)
	} else if _, ok := u.Input(p.C, p.H, p.W); ok {
		return
	}
	u.SetInput(p.C, p.H, p.W, p.Input)
	a.saveUserImages()
}

func (a *App) thumb(x []float32, c, h, w int) string {
	cv := inputCanvas(x, c, h, w)
	return cv.Call("toDataURL", "image/png").String()
}

func (a *App) saveUserImages() {
	b, _ := json.Marshal(a.UserImages)
	if err := storageSet(keyImages, string(b)); err != nil {
		a.Notice = "Your list of images could not be saved (" + err.Error() + "): it will not survive a reload. Your masks are saved separately."
	}
}

func (a *App) loadUserImages() {
	s, ok := storageGet(keyImages)
	if !ok {
		return
	}
	var list []*UserImage
	if json.Unmarshal([]byte(s), &list) != nil {
		return
	}
	for _, u := range list {
		u.migrate()
	}
	a.UserImages = list
}

// thumbs fills in thumbnails of stored user images.
func (a *App) thumbs() {
	for _, u := range a.UserImages {
		if u.Thumb != "" {
			continue
		}
		if x, c, h, w, ok := u.AnyInput(); ok {
			u.Thumb = a.thumb(x, c, h, w)
		}
	}
}

// CurrentUserImage returns the stored record of the current picture, if it
// is one of the user's images.
func (a *App) CurrentUserImage() *UserImage {
	if a.Pic == nil || a.Pic.Sample || a.Pic.Real {
		return nil
	}
	for _, u := range a.UserImages {
		if u.Key == a.Pic.Key {
			return u
		}
	}
	return nil
}

// SetLabel sets the true label of the current user image.
func (a *App) SetLabel(l int) {
	u := a.CurrentUserImage()
	if u == nil {
		return
	}
	u.SetLabel(a.Model.Classes, l)
	a.Pic.Label = u.Label(a.Model.Classes)
	a.saveUserImages()
}

// RemoveUserImage forgets one of the user's images and its mask.
func (a *App) RemoveUserImage(u *UserImage) {
	for i, v := range a.UserImages {
		if v == u {
			a.UserImages = append(a.UserImages[:i:i], a.UserImages[i+1:]...)
		}
	}
	delete(a.userBytes, u.Key)
	delete(a.unsaved, u.Key)
	storageRemove(keyMaskPrefix + u.Key)
	a.storageRecovered()
	a.saveUserImages()
}

// ClearData removes everything the app stored in this browser.
func (a *App) ClearData() {
	for _, k := range storageKeys(storagePrefix) {
		storageRemove(k)
	}
	a.UserImages = nil
	a.userBytes = make(map[string][]byte)
	a.unsaved = make(map[string][]byte)
	a.StorageWarn = ""
	if a.Pic != nil {
		a.surf.undo, a.surf.redo = nil, nil
		a.surf.ClearMask()
		a.maskChanged()
	}
	a.Notice = "Your labels, masks and images were removed from this browser."
}

// TrainingExamples returns the user's images labelled for the current
// model's classes, with a mask and an input of its shape, as the training
// request's labels and buffers.
func (a *App) TrainingExamples() (labels []int, images, masks []float32) {
	m := a.Model
	for _, u := range a.UserImages {
		l := u.Label(m.Classes)
		if l < 0 {
			continue
		}
		x, ok := u.Input(m.C, m.H, m.W)
		if !ok {
			continue
		}
		b, ok := a.storedMask(u.Key)
		if !ok {
			continue
		}
		alpha, err := DecodeMaskPNG(b, u.Width, u.Height)
		if err != nil || MaskEmpty(alpha) {
			continue
		}
		labels = append(labels, l)
		images = append(images, x...)
		masks = append(masks, DownsampleMask(alpha, u.Width, u.Height, m.W, m.H)...)
	}
	return labels, images, masks
}

// UsableUserImages counts the user's images that fine-tuning will use.
func (a *App) UsableUserImages() int {
	m := a.Model
	n := 0
	for _, u := range a.UserImages {
		if u.Label(m.Classes) < 0 {
			continue
		}
		if _, ok := u.Input(m.C, m.H, m.W); !ok {
			continue
		}
		if _, ok := a.storedMask(u.Key); ok {
			n++
		}
	}
	return n
}

// --- Settings ---

type settings struct {
	Method, CompareMethod, CompareMode string
	Cmap                               Colormap
	Opacity, FillOpacity, Outline      float64
	Brush                              float64
}

func (a *App) saveSettings() {
	b, _ := json.Marshal(settings{a.Method, a.CompareMethod, a.CompareMode, a.Cmap, a.Opacity, a.FillOpacity, a.OutlineOpacity, a.Brush})
	storageSet(keySettings, string(b))
}

func (a *App) loadSettings() {
	s, ok := storageGet(keySettings)
	if !ok {
		return
	}
	var st settings
	if json.Unmarshal([]byte(s), &st) != nil {
		return
	}
	if knownMethod(st.Method) {
		a.Method = st.Method
	}
	if knownMethod(st.CompareMethod) {
		a.CompareMethod = st.CompareMethod
	}
	switch st.CompareMode {
	case CompareOff, CompareMethod, CompareBeforeAfter:
		a.CompareMode = st.CompareMode
	}
	for _, c := range Colormaps() {
		if c == st.Cmap {
			a.Cmap = c
		}
	}
	if st.Opacity > 0 && st.Opacity <= 1 {
		a.Opacity = st.Opacity
	}
	if st.FillOpacity >= 0 && st.FillOpacity <= 1 {
		a.FillOpacity = st.FillOpacity
	}
	if st.Outline >= 0 && st.Outline <= 1 {
		a.OutlineOpacity = st.Outline
	}
	if st.Brush >= 2 && st.Brush <= 300 {
		a.Brush = st.Brush
	}
}

// --- Formatting helpers for templates ---

// Pct formats a fraction as a percentage.
func Pct(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*v)
}

// Num formats a score with three decimals.
func Num(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}
