package ui

import (
	"slices"
	"time"

	"saliencyexplorer/wasm/protocol"
)

// --- Prediction and saliency ---

// analyze requests predictions, then the saliency maps. A prediction
// asked for when the picture was decoded (predictEarly) is used instead
// of a new one.
func (a *App) analyze() {
	v := a.View
	if v.Pic == nil || !a.Session.Ready() {
		return
	}
	pic := v.Pic
	models := a.predictModels()
	if p := a.early; p != nil {
		a.early = nil
		if p.key == pic.Key && p.seq == v.openSeq && p.model == a.Session.Model.Key && slices.Equal(p.models, models) {
			if p.reply != nil {
				a.predicted(pic, *p.reply)
			} else {
				p.pic = pic // its reply applies when it comes
			}
			return
		}
	}
	a.sendPredict(pic.Key, models, func(r Reply) { a.predicted(pic, r) })
}

// sendPredict asks the engine for the prediction of the picture it holds
// under key by models.
func (a *App) sendPredict(key string, models []string, reply func(Reply)) {
	a.eng.Send(&protocol.Header{Kind: protocol.Predict, Picture: key, Predict: &protocol.PredictRequest{Models: models}}, nil, reply)
}

// predictModels lists the models a prediction asks for.
func (a *App) predictModels() []string {
	models := []string{protocol.Original}
	if a.Session.HasTuned {
		models = append(models, protocol.Tuned)
	}
	return models
}

// predicted takes the prediction for pic and asks for its maps.
func (a *App) predicted(pic *Picture, r Reply) {
	v := a.View
	if v.Pic != pic {
		return
	}
	if r.Kind == protocol.Failed {
		a.failPicture("Prediction failed: " + r.Error)
		return
	}
	v.Probs = r.Probs
	// For make bench-onnx: the worker's time for the forward passes.
	setJS(document().Get("body").Get("dataset"), "predictMillis", r.Millis)
	a.refreshMaps()
	a.waitForFirstMap()
}

// waitForFirstMap skips the render of the reply being handled when the
// first map of a load is on its way (asked for with the prediction, it
// comes some tens of milliseconds after the picture shows and after the
// prediction's reply): one render shows the picture, its prediction and
// its map, unless the engine is silent for firstViewWait
// (putFirstViewOff). A render for the picture and one for the
// prediction, 100–350 ms each at start, held the map's reply back.
func (a *App) waitForFirstMap() {
	v := a.View
	if v.firstSaliency || v.Pic == nil || !(v.Main.Busy || a.earlyMap != nil) {
		return
	}
	a.putFirstViewOff()
}

// earlyPredict is a prediction asked for as soon as the engine has decoded
// a picture, while the page still prepares to show it (the browser decodes
// the file for display, the page renders): the engine computes it
// meanwhile, and analyze takes it over instead of asking after the page
// has shown the picture.
type earlyPredict struct {
	key    string // the picture's key
	seq    int    // View.openSeq of its opening
	model  string // the model it was asked of
	models []string
	reply  *Reply // the reply, if it came before the picture showed
	pic    *Picture
}

// predictEarly asks for the prediction of the picture the engine has just
// decoded under key, for the opening seq (see earlyPredict).
func (a *App) predictEarly(key string, seq int) {
	if !a.Session.Ready() {
		return
	}
	p := &earlyPredict{key: key, seq: seq, model: a.Session.Model.Key, models: a.predictModels()}
	a.early = p
	a.sendPredict(key, p.models, func(r Reply) {
		if p.pic != nil {
			a.predicted(p.pic, r)
			return
		}
		if a.early == p {
			p.reply = &r
			a.eng.SkipRender() // nothing shows it yet
		}
	})
	a.mapEarly(key, seq)
}

// earlyMap is the main pane's map asked for together with the early
// prediction, for the class the model predicts unless the user chose one
// (protocol.PredictedClass): requestMap takes it over if the picture and
// the settings still match when the page asks for that map, and cancels it
// otherwise, so that a map of other settings never shows.
type earlyMap struct {
	key    string // the picture's key
	seq    int    // View.openSeq of its opening
	id     int    // the engine request's ID
	req    protocol.SaliencyRequest
	reply  *Reply      // the result (or failure), if it came before requestMap
	handle func(Reply) // requestMap's handler, once it took the map over
}

// mapEarly asks for the main pane's map of the picture the engine has just
// decoded under key (see earlyMap), cancelling an earlier one.
func (a *App) mapEarly(key string, seq int) {
	v := a.View
	if e := a.earlyMap; e != nil {
		a.eng.Cancel(e.id)
		a.earlyMap = nil
	}
	method, model := v.PaneSpec(false, a.Session.MainModel())
	e := &earlyMap{key: key, seq: seq, req: protocol.SaliencyRequest{Method: method, Model: model, Class: earlyClass(v), Target: v.Target}}
	req := e.req
	if !v.firstSaliency {
		mark("se-first-saliency-sent")
	}
	e.id = a.eng.Send(&protocol.Header{Kind: protocol.Saliency, Picture: key, Saliency: &req}, nil, func(r Reply) {
		if e.handle != nil {
			e.handle(r)
			return
		}
		if r.Kind != protocol.Progress {
			e.reply = &r
		}
		a.eng.SkipRender() // nothing shows it yet
	})
	a.earlyMap = e
}

// earlyClass is the class an early map asks for: the one the user chose,
// or else the one the model predicts.
func earlyClass(v *View) int {
	if v.Class < 0 {
		return protocol.PredictedClass
	}
	return v.Class
}

// takeEarlyMap returns the early map if it is the map of pic that the main
// pane would ask for now (method, model, class and target), and cancels it
// otherwise; nil if there is none to take.
func (a *App) takeEarlyMap(pic *Picture, method, model string, class int, target string) *earlyMap {
	e := a.earlyMap
	if e == nil {
		return nil
	}
	a.earlyMap = nil
	r := e.req
	if e.key != pic.Key || e.seq != a.View.openSeq || r.Method != method || r.Model != model || r.Target != target ||
		r.Class != earlyClass(a.View) || (e.reply != nil && e.reply.Map != nil && e.reply.Map.Class != class) {
		a.eng.Cancel(e.id)
		return nil
	}
	return e
}

// refreshMaps requests the maps the current settings show.
func (a *App) refreshMaps() {
	a.requestMap(false)
	if a.View.CompareMode != CompareOff {
		a.requestMap(true)
	} else {
		a.eng.Cancel(a.View.Cmp.ID)
		a.View.Cmp = heatState{}
	}
	a.updateLabels()
}

// requestMap asks the engine for one pane's map, cancelling the previous
// request for that pane.
func (a *App) requestMap(cmp bool) {
	v := a.View
	if v.Pic == nil {
		return
	}
	st := v.Pane(cmp)
	a.eng.Cancel(st.ID)
	method, model := v.PaneSpec(cmp, a.Session.MainModel())
	class := v.ExplainedClass(a.Session.HasTuned)
	if class < 0 {
		class = 0
	}
	pic := v.Pic
	// Keep the previous map, and what it shows, until the new one comes.
	*st = heatState{Busy: true, Want: method, Method: st.Method, Model: st.Model, Class: st.Class, Target: st.Target, Map: st.Map, Info: st.Info, Scale: st.Scale}
	target := v.Target
	req := &protocol.SaliencyRequest{Method: method, Model: model, Class: class, Target: target}
	if method == "gradient" {
		req.Blur = 0
	}
	var id int
	handle := func(r Reply) {
		if v.Pic != pic || st.ID != id {
			return
		}
		switch r.Kind {
		case protocol.Progress:
			st.Done, st.Total = r.Done, r.Total
		case protocol.Failed:
			if !cmp {
				a.showSamplesAfterPaint()
			}
			st.Busy = false
			st.Err = r.Error
			if r.Error != "Cancelled" {
				a.failPicture("Saliency failed: " + r.Error)
			}
		case protocol.Result:
			st.Busy = false
			m, err := protocol.Floats(r.Bufs[0], -1)
			if err != nil || r.Map == nil || len(m) != r.Map.H*r.Map.W {
				st.Err = "bad map"
				return
			}
			st.Map, st.Info = m, *r.Map
			st.Method, st.Model, st.Class, st.Target = method, model, r.Map.Class, target
			a.updateLabels()
			if !cmp { // for the end-to-end tests and make bench-web
				ds := document().Get("body").Get("dataset")
				setJS(ds, "mapMax", r.Map.Max)
				setJS(ds, "mapMillis", r.Map.Millis)
				setJS(ds, "mapWorkers", max(r.Map.Workers, 1))
			}
			st.Scale = ScaleFor(m)
			if v.SharedScale {
				a.redrawHeat() // the shared top may have changed
			} else {
				a.surf.DrawHeat(cmp, m, r.Map.W, r.Map.H, st.Scale, v.Cmap)
			}
			v.UpdateAgreement(a.Mask.Model)
			if !cmp && !v.firstSaliency {
				v.firstSaliency = true
				mark("se-first-saliency")
			}
			if !cmp {
				a.showSamplesAfterPaint()
			}
		}
	}
	if !cmp {
		if e := a.takeEarlyMap(pic, method, model, class, target); e != nil {
			id = e.id
			st.ID = id
			if e.reply != nil {
				handle(*e.reply)
			} else {
				e.handle = handle
			}
			return
		}
	}
	if !cmp && !v.firstSaliency {
		mark("se-first-saliency-sent")
	}
	id = a.eng.Send(&protocol.Header{Kind: protocol.Saliency, Picture: pic.Key, Saliency: req}, nil, handle)
	st.ID = id
}

// CancelMaps stops the saliency maps being computed.
func (a *App) CancelMaps() {
	for _, st := range []*heatState{&a.View.Main, &a.View.Cmp} {
		if st.Busy {
			a.eng.Cancel(st.ID)
			st.Busy = false
			st.Err = "Cancelled"
		}
	}
	a.updateLabels()
}

// redrawHeat redraws both maps (after a colour map change).
func (a *App) redrawHeat() {
	for i, st := range []*heatState{&a.View.Main, &a.View.Cmp} {
		if st.Map != nil {
			a.surf.DrawHeat(i == 1, st.Map, st.Info.W, st.Info.H, a.View.DrawScale(i == 1), a.View.Cmap)
		}
	}
}

func (a *App) updateLabels() {
	v, s := a.View, a.Session
	a.placeFrame()
	a.surf.SetLabels(v.PaneLabel(false, s), v.PaneLabel(true, s))
	a.surf.ShowCompare(v.CompareMode != CompareOff && v.Pic != nil)
}

// frameLabel marks the centre crop an imported model sees.
const frameLabel = "model sees this centre crop · masks count inside it"

// placeFrame lays the heat maps over the part of the picture the model
// sees (all of it, or an imported model's centre crop).
func (a *App) placeFrame() {
	if a.View.Pic != nil {
		a.surf.SetFrame(a.modelFrame(), frameLabel)
	}
}

// SetMethod changes the main pane's method.
func (a *App) SetMethod(m string) {
	a.View.Method = m
	a.SaveSettings()
	a.refreshMaps()
}

// SetCompare changes the comparison mode.
func (a *App) SetCompare(mode string) {
	a.View.CompareMode = mode
	a.SaveSettings()
	a.refreshMaps()
	a.surf.Layout()
}

// SetTarget changes what the maps explain (protocol.TargetInfo.ID).
func (a *App) SetTarget(t string) {
	a.View.Target = t
	a.SaveSettings()
	a.refreshMaps()
}

// SetCompareMethod changes the second pane's method.
func (a *App) SetCompareMethod(m string) {
	a.View.CompareMethod = m
	a.SaveSettings()
	a.refreshMaps()
}

// SetClass changes the explained class (-1: predicted).
func (a *App) SetClass(c int) {
	a.View.Class = c
	a.refreshMaps()
}

// SetColormap changes the palette.
func (a *App) SetColormap(c Colormap) {
	a.View.Cmap = c
	a.SaveSettings()
	a.redrawHeat()
}

// SetSharedScale chooses one colour scale for both panes, or one each.
func (a *App) SetSharedScale(on bool) {
	a.View.SharedScale = on
	a.SaveSettings()
	a.redrawHeat()
}

// SetOpacity changes the heat map opacity.
func (a *App) SetOpacity(x float64) {
	a.View.Opacity = min(max(x, 0), 1)
	a.ApplyStyles()
}

// ToggleCompare turns the second pane on (before/after once there is a
// fine-tuned copy, else a second method) or off.
func (a *App) ToggleCompare() {
	if a.View.CompareMode != CompareOff {
		a.SetCompare(CompareOff)
		return
	}
	mode := CompareMethod
	if a.Session.HasTuned {
		mode = CompareBeforeAfter
	}
	a.SetCompare(mode)
}

// holdSamplesFor is the longest the sample thumbnails stay off the page
// while the first picture opens (Library.HoldSamples).
const holdSamplesFor = 2 * time.Second

// holdSamples keeps the sample thumbnails off the page until the first
// picture's map has been drawn (showSamplesAfterPaint), its opening or its
// map fails, or holdSamplesFor passes: the renders before the first map
// stay light, and the browser's decoding of the 48 thumbnails comes after
// it.
func (a *App) holdSamples() {
	a.Library.HoldSamples = true
	a.renderAfter(holdSamplesFor, a.releaseSamples)
}

// releaseSamples ends the hold on the sample thumbnails and reports whether
// there was one (a render is then due).
func (a *App) releaseSamples() bool {
	held := a.Library.HoldSamples
	a.Library.HoldSamples = false
	return held
}

// showSamplesAfterPaint shows the held sample thumbnails in a render of
// their own, after the browser has painted the current one (the first
// map's), so that the thumbnails' render and image decoding do not hold
// that paint back.
func (a *App) showSamplesAfterPaint() {
	if !a.Library.HoldSamples {
		return
	}
	go func() {
		afterPaint()
		a.lockedIf(a.releaseSamples)
	}()
}
