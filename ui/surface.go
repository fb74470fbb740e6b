package ui

import (
	"image/color"
	"math"

	js "github.com/vugu/vugu/js"
)

// Display raster limits: small images are enlarged by a whole factor to at
// least minRaster pixels on their longer side (so brush strokes and mask
// outlines are finer than one image pixel), large ones are shown at full
// resolution up to maxRaster.
const (
	minRaster = 512
	maxRaster = 4096
	// crispBelow is the side under which enlarged images keep square pixels.
	crispBelow = 100
)

// rasterSize returns the display raster for a w×h image.
func rasterSize(w, h int) (rw, rh int) {
	side := max(w, h)
	switch {
	case side < minRaster:
		k := (minRaster + side - 1) / side
		return w * k, h * k
	case side > maxRaster:
		s := float64(maxRaster) / float64(side)
		return max(1, int(float64(w)*s+0.5)), max(1, int(float64(h)*s+0.5))
	}
	return w, h
}

// pane is one view: the image with a heat map on top, inside a clipping box.
type pane struct {
	box, stage, img, heat, label js.Value
	// frame outlines the part of the picture the model sees, when that is
	// not all of it, and dims the rest; frameLabel says so.
	frame, frameLabel js.Value
	heatCtx           js.Value
	hw, hh            int // heat canvas size
}

func newPane(class string) *pane {
	p := &pane{box: newDiv("pane " + class), stage: newDiv("stage")}
	p.img = newCanvas(1, 1, "layer layer-image")
	p.heat = newCanvas(1, 1, "layer layer-heat")
	p.label = newDiv("pane-label")
	p.frame = newDiv("model-frame")
	p.frameLabel = newDiv("model-frame-label")
	p.frame.Call("appendChild", p.frameLabel)
	p.frame.Get("style").Set("display", "none")
	p.stage.Call("appendChild", p.img)
	p.stage.Call("appendChild", p.heat)
	p.stage.Call("appendChild", p.frame)
	p.box.Call("appendChild", p.stage)
	p.box.Call("appendChild", p.label)
	p.heatCtx = p.heat.Call("getContext", "2d")
	return p
}

// Surface owns the canvases of the viewer: the main pane (image, heat map,
// mask and mask outline, brush cursor) and the comparison pane (image and a
// second heat map), which share one zoom and pan.
type Surface struct {
	root      js.Value
	main, cmp *pane
	mask      js.Value // raster-sized, alpha = mask
	maskCtx   js.Value
	outline   js.Value
	outCtx    js.Value
	cursor    js.Value
	imgCtx    js.Value

	RW, RH int // raster size
	// Frame is the part of the raster the model sees, which the heat maps
	// cover (SetFrame).
	Frame        Frame
	Zoom         float64
	PanX, PanY   float64 // offset of the image centre from the pane centre, in screen pixels
	CompareShown bool

	undo, redo []js.Value // ImageData snapshots of the mask
	heatBuf    []byte
	alphaBuf   []byte
}

// NewSurface creates the canvases (detached until Attach).
func NewSurface() *Surface {
	s := &Surface{Zoom: 1}
	s.root = newDiv("surface")
	s.main = newPane("pane-main")
	s.cmp = newPane("pane-compare")
	s.mask = newCanvas(1, 1, "layer layer-mask")
	s.outline = newCanvas(1, 1, "layer layer-outline")
	s.maskCtx = s.mask.Call("getContext", "2d", map[string]interface{}{"willReadFrequently": true})
	s.outCtx = s.outline.Call("getContext", "2d")
	s.imgCtx = s.main.img.Call("getContext", "2d")
	s.main.stage.Call("appendChild", s.mask)
	s.main.stage.Call("appendChild", s.outline)
	s.cursor = newDiv("brush-cursor")
	s.main.box.Call("appendChild", s.cursor)
	s.root.Call("appendChild", s.main.box)
	s.root.Call("appendChild", s.cmp.box)
	s.main.heat.Call("setAttribute", "data-testid", "saliency-canvas")
	s.mask.Call("setAttribute", "data-testid", "mask-canvas")
	s.cmp.heat.Call("setAttribute", "data-testid", "compare-canvas")
	s.main.frame.Call("setAttribute", "data-testid", "model-frame")
	s.cmp.frame.Call("setAttribute", "data-testid", "compare-frame")
	s.cmp.box.Get("style").Set("display", "none")
	return s
}

// Attach puts the surface into host (an element vugu rendered empty).
func (s *Surface) Attach(host js.Value) {
	if !host.Truthy() {
		return
	}
	if host.Call("contains", s.root).Bool() {
		return
	}
	host.Call("appendChild", s.root)
	s.Layout()
}

// MainBox returns the element that receives pointer input.
func (s *Surface) MainBox() js.Value { return s.main.box }

// SetImage sizes the raster for a w×h image and draws src (an ImageBitmap
// or canvas) into it. The mask and undo history are cleared.
func (s *Surface) SetImage(src js.Value, w, h int) {
	s.RW, s.RH = rasterSize(w, h)
	for _, c := range []js.Value{s.main.img, s.cmp.img, s.mask, s.outline} {
		c.Set("width", s.RW)
		c.Set("height", s.RH)
	}
	// Shrinking, or enlarging a real scan: smooth. Enlarging a small
	// synthetic image (a model-sized sample): keep its pixels crisp, since
	// they are what the model sees.
	smooth := s.RW < w || max(w, h) >= crispBelow
	s.imgCtx.Set("imageSmoothingEnabled", smooth)
	s.imgCtx.Call("drawImage", src, 0, 0, s.RW, s.RH)
	cctx := s.cmp.img.Call("getContext", "2d")
	cctx.Call("drawImage", s.main.img, 0, 0)
	pix := "auto"
	if !smooth && s.RW > w {
		pix = "pixelated"
	}
	for _, c := range []js.Value{s.main.img, s.cmp.img} {
		c.Get("style").Set("imageRendering", pix)
	}
	s.undo, s.redo = nil, nil
	s.maskCtx.Call("clearRect", 0, 0, s.RW, s.RH)
	s.outCtx.Call("clearRect", 0, 0, s.RW, s.RH)
	s.ClearHeat(false)
	s.ClearHeat(true)
	s.SetFrame(Frame{0, 0, float64(s.RW), float64(s.RH)}, "")
	s.ResetView()
}

// SetFrame lays both panes' heat maps over f, the part of the raster the
// model sees. When f is not the whole raster, it is outlined and labelled,
// and the rest of the picture is dimmed: it is there for context only.
func (s *Surface) SetFrame(f Frame, label string) {
	s.Frame = f
	whole := f.Whole(s.RW, s.RH)
	for _, p := range []*pane{s.main, s.cmp} {
		hs, fs := p.heat.Get("style"), p.frame.Get("style")
		if whole {
			for _, k := range []string{"left", "top", "width", "height"} {
				hs.Set(k, "")
			}
			fs.Set("display", "none")
			continue
		}
		for _, st := range []js.Value{hs, fs} {
			st.Set("left", fmtF4(f.X0)+"px")
			st.Set("top", fmtF4(f.Y0)+"px")
			st.Set("width", fmtF4(f.X1-f.X0)+"px")
			st.Set("height", fmtF4(f.Y1-f.Y0)+"px")
		}
		// The outline and the label scale with the raster, so that they
		// look the same at the fitted zoom whatever the picture's size.
		t := max(1, float64(max(s.RW, s.RH))/400)
		fs.Set("outlineWidth", fmtF4(t)+"px")
		fs.Set("display", "block")
		p.frameLabel.Set("textContent", label)
		p.frameLabel.Get("style").Set("fontSize", fmtF4(max(12, float64(max(s.RW, s.RH))/40))+"px")
	}
}

// ShowCompare shows or hides the comparison pane.
func (s *Surface) ShowCompare(on bool) {
	if on == s.CompareShown {
		return
	}
	s.CompareShown = on
	d := "none"
	if on {
		d = ""
	}
	s.cmp.box.Get("style").Set("display", d)
	s.Layout()
}

// SetLabels sets the captions of the panes.
func (s *Surface) SetLabels(main, cmp string) {
	s.main.label.Set("textContent", main)
	s.cmp.label.Set("textContent", cmp)
}

// ResetView fits the image in the pane.
func (s *Surface) ResetView() {
	s.Zoom, s.PanX, s.PanY = 1, 0, 0
	s.Layout()
}

// fit returns the scale at which the raster fits the main pane.
func (s *Surface) fit() (scale, bw, bh float64) {
	bw = s.main.box.Get("clientWidth").Float()
	bh = s.main.box.Get("clientHeight").Float()
	if s.RW == 0 || bw == 0 || bh == 0 {
		return 1, bw, bh
	}
	return math.Min(bw/float64(s.RW), bh/float64(s.RH)) * 0.96, bw, bh
}

// Layout applies the zoom and pan to both panes.
func (s *Surface) Layout() {
	if s.RW == 0 {
		return
	}
	f, bw, bh := s.fit()
	sc := f * s.Zoom
	tx := bw/2 + s.PanX - float64(s.RW)*sc/2
	ty := bh/2 + s.PanY - float64(s.RH)*sc/2
	tr := "translate(" + fmtF(tx) + "px," + fmtF(ty) + "px) scale(" + strconvF(sc) + ")"
	for _, p := range []*pane{s.main, s.cmp} {
		st := p.stage.Get("style")
		st.Set("width", itoa(s.RW)+"px")
		st.Set("height", itoa(s.RH)+"px")
		st.Set("transform", tr)
	}
}

func strconvF(v float64) string { return fmtF4(v) }

// ZoomAt multiplies the zoom by factor, keeping the point (px, py) of the
// main pane (in client coordinates relative to the pane) fixed.
func (s *Surface) ZoomAt(factor, px, py float64) {
	nz := math.Min(math.Max(s.Zoom*factor, 0.25), 64)
	factor = nz / s.Zoom
	_, bw, bh := s.fit()
	cx, cy := bw/2+s.PanX, bh/2+s.PanY // image centre on screen
	s.PanX += (cx - px) * (factor - 1)
	s.PanY += (cy - py) * (factor - 1)
	s.Zoom = nz
	s.Layout()
}

// Pan moves the view by (dx, dy) screen pixels.
func (s *Surface) Pan(dx, dy float64) {
	s.PanX += dx
	s.PanY += dy
	s.Layout()
}

// toRaster converts client coordinates to raster coordinates, and returns
// the number of raster pixels per screen pixel.
func (s *Surface) toRaster(cx, cy float64) (x, y, per float64) {
	r := s.mask.Call("getBoundingClientRect")
	w := r.Get("width").Float()
	if w == 0 {
		return 0, 0, 1
	}
	per = float64(s.RW) / w
	x = (cx - r.Get("left").Float()) * per
	y = (cy - r.Get("top").Float()) * float64(s.RH) / r.Get("height").Float()
	return x, y, per
}

// PushUndo saves the mask before a change.
func (s *Surface) PushUndo() {
	if s.RW == 0 {
		return
	}
	s.undo = append(s.undo, s.maskCtx.Call("getImageData", 0, 0, s.RW, s.RH))
	limit := max(5, (256<<20)/(4*s.RW*s.RH))
	if len(s.undo) > limit {
		s.undo = s.undo[len(s.undo)-limit:]
	}
	s.redo = nil
}

// Undo restores the mask before the last change; it reports whether there
// was one.
func (s *Surface) Undo() bool { return s.step(&s.undo, &s.redo) }

// Redo re-applies an undone change.
func (s *Surface) Redo() bool { return s.step(&s.redo, &s.undo) }

// step moves one history entry: it saves the current mask on to and puts
// back the last mask of from, reporting whether from had one.
func (s *Surface) step(from, to *[]js.Value) bool {
	if len(*from) == 0 {
		return false
	}
	*to = append(*to, s.maskCtx.Call("getImageData", 0, 0, s.RW, s.RH))
	last := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	s.maskCtx.Call("putImageData", last, 0, 0)
	return true
}

// CanUndo and CanRedo report whether the history has steps.
func (s *Surface) CanUndo() bool { return len(s.undo) > 0 }

// CanRedo reports whether an undone change can be re-applied.
func (s *Surface) CanRedo() bool { return len(s.redo) > 0 }

// maskColor is the mask's fill colour; its opacity is the canvas's CSS
// opacity.
const maskColor = "#19d3ff"

// Stroke paints (or erases) a round-capped line of the given diameter in
// raster pixels.
func (s *Surface) Stroke(x0, y0, x1, y1, diameter float64, erase bool) {
	ctx := s.maskCtx
	op := "source-over"
	if erase {
		op = "destination-out"
	}
	ctx.Set("globalCompositeOperation", op)
	ctx.Set("strokeStyle", maskColor)
	ctx.Set("fillStyle", maskColor)
	ctx.Set("lineCap", "round")
	ctx.Set("lineJoin", "round")
	ctx.Set("lineWidth", diameter)
	ctx.Call("beginPath")
	if x0 == x1 && y0 == y1 {
		ctx.Call("arc", x0, y0, diameter/2, 0, 2*math.Pi)
		ctx.Call("fill")
	} else {
		ctx.Call("moveTo", x0, y0)
		ctx.Call("lineTo", x1, y1)
		ctx.Call("stroke")
	}
	ctx.Set("globalCompositeOperation", "source-over")
}

// ClearMask erases the whole mask.
func (s *Surface) ClearMask() {
	s.maskCtx.Call("clearRect", 0, 0, s.RW, s.RH)
}

// MaskAlpha reads the mask raster (RW×RH alpha bytes).
func (s *Surface) MaskAlpha() []byte {
	if s.RW == 0 {
		return nil
	}
	rgba := getRGBA(s.maskCtx, s.RW, s.RH)
	if cap(s.alphaBuf) < s.RW*s.RH {
		s.alphaBuf = make([]byte, s.RW*s.RH)
	}
	a := s.alphaBuf[:s.RW*s.RH]
	AlphaFromRGBA(a, rgba)
	return a
}

// SetMaskAlpha replaces the mask with a raster of RW×RH alpha bytes.
func (s *Surface) SetMaskAlpha(alpha []byte) {
	rgba := make([]byte, 4*len(alpha))
	for i, a := range alpha {
		if maskInside(a) {
			rgba[4*i], rgba[4*i+1], rgba[4*i+2], rgba[4*i+3] = 0x19, 0xd3, 0xff, 255
		}
	}
	putRGBA(s.maskCtx, rgba, s.RW, s.RH)
}

// DrawOutline redraws the mask outline from the mask raster.
func (s *Surface) DrawOutline(alpha []byte) {
	if s.RW == 0 {
		return
	}
	rgba := make([]byte, 4*s.RW*s.RH)
	t := max(1, s.RW/400)
	OutlineRGBA(rgba, alpha, s.RW, s.RH, t, color.RGBA{255, 214, 10, 255})
	putRGBA(s.outCtx, rgba, s.RW, s.RH)
}

// SetMaskStyle sets the opacity of the mask fill and outline.
func (s *Surface) SetMaskStyle(fill, outline float64, visible bool) {
	if !visible {
		fill, outline = 0, 0
	}
	s.mask.Get("style").Set("opacity", fmtF4(fill))
	s.outline.Get("style").Set("opacity", fmtF4(outline))
}

// SetHeatOpacity sets the heat maps' opacity.
func (s *Surface) SetHeatOpacity(v float64) {
	s.main.heat.Get("style").Set("opacity", fmtF4(v))
	s.cmp.heat.Get("style").Set("opacity", fmtF4(v))
}

// DrawHeat draws a w×h map on the main or comparison pane.
func (s *Surface) DrawHeat(cmp bool, m []float32, w, h int, sc HeatScale, cm Colormap) {
	p := s.main
	if cmp {
		p = s.cmp
	}
	if p.hw != w || p.hh != h {
		p.heat.Set("width", w)
		p.heat.Set("height", h)
		p.hw, p.hh = w, h
	}
	if cap(s.heatBuf) < 4*w*h {
		s.heatBuf = make([]byte, 4*w*h)
	}
	buf := s.heatBuf[:4*w*h]
	lut := cm.LUT()
	HeatRGBA(buf, m, sc, &lut)
	putRGBA(p.heatCtx, buf, w, h)
}

// ClearHeat removes a pane's heat map.
func (s *Surface) ClearHeat(cmp bool) {
	p := s.main
	if cmp {
		p = s.cmp
	}
	p.heatCtx.Call("clearRect", 0, 0, p.heat.Get("width").Int(), p.heat.Get("height").Int())
}

// ShowCursor places the brush outline at client position (cx, cy) with a
// diameter in screen pixels, or hides it when diameter is 0.
func (s *Surface) ShowCursor(cx, cy, diameter float64, erase bool) {
	st := s.cursor.Get("style")
	if diameter <= 0 {
		st.Set("display", "none")
		return
	}
	r := s.main.box.Call("getBoundingClientRect")
	st.Set("display", "block")
	st.Set("width", fmtF(diameter)+"px")
	st.Set("height", fmtF(diameter)+"px")
	st.Set("left", fmtF(cx-r.Get("left").Float()-diameter/2)+"px")
	st.Set("top", fmtF(cy-r.Get("top").Float()-diameter/2)+"px")
	if erase {
		s.cursor.Set("className", "brush-cursor erase")
	} else {
		s.cursor.Set("className", "brush-cursor")
	}
}

// ImageCanvas returns the main image canvas (the full display raster).
func (s *Surface) ImageCanvas() js.Value { return s.main.img }

// ReplaceImage redraws the image layers from src (for example after a DICOM
// window change) without touching the mask, the heat maps or the view. It
// reports false, doing nothing, if the raster for a w×h image differs from
// the current one; call SetImage then.
func (s *Surface) ReplaceImage(src js.Value, w, h int) bool {
	rw, rh := rasterSize(w, h)
	if rw != s.RW || rh != s.RH || s.RW == 0 {
		return false
	}
	s.imgCtx.Call("clearRect", 0, 0, s.RW, s.RH)
	s.imgCtx.Call("drawImage", src, 0, 0, s.RW, s.RH)
	cctx := s.cmp.img.Call("getContext", "2d")
	cctx.Call("drawImage", s.main.img, 0, 0)
	return true
}

// ZoomPercent is the zoom shown in the toolbar.
func (s *Surface) ZoomPercent() string {
	if s == nil {
		return "100 %"
	}
	return itoa(int(s.Zoom*100+0.5)) + " %"
}

// Layers returns the image and heat map canvases of the main or the
// comparison pane (for drawing a figure).
func (s *Surface) Layers(cmp bool) (img, heat js.Value) {
	p := s.main
	if cmp {
		p = s.cmp
	}
	return p.img, p.heat
}
