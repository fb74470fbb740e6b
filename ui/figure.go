package ui

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// figureLines is the text of a saved figure, line by line: the picture,
// the model, the prediction, what the maps show and on which colour
// scale, the agreement with the mask, and any warning about the picture.
func (a *App) figureLines(now time.Time) []string {
	v, s := a.View, a.Session
	pic, m := v.Pic, s.Model
	if pic == nil {
		return nil
	}
	var lines []string
	l := fmt.Sprintf("%s · %d×%d", pic.Name, pic.Width, pic.Height)
	if d := pic.Dicom; d != nil {
		l += " · DICOM " + d.Modality
		if !d.Color {
			l += " · window " + trimFloat(d.WindowCenter) + " / " + trimFloat(d.WindowWidth)
		}
	}
	if pic.Label >= 0 {
		l += " · true class " + s.ClassName(pic.Label)
	}
	lines = append(lines, l)
	model := "Model: " + m.Name + " (" + s.ObjectiveLabel(m.Method) + ")"
	if s.HasTuned {
		model += ", fine-tuned in the browser"
	}
	if m.Dataset != "" {
		model += " · " + s.DatasetTitle(m.Dataset)
	}
	lines = append(lines, model)
	if cw, ch, crop := ModelCrop(m, pic.Width, pic.Height); crop {
		lines = append(lines, fmt.Sprintf("The model sees the centre %d×%d of the picture (outlined; resized to %d×%d): the maps cover it, the mask counts inside it.", cw, ch, m.W, m.H))
	}
	if p := v.MainProbs(s.HasTuned); p != nil {
		var parts []string
		for i, x := range p {
			parts = append(parts, s.ClassName(i)+" "+Pct(x))
		}
		pred := "Prediction: " + strings.Join(parts, " · ")
		if s.HasTuned && len(v.Probs) > 1 {
			var before []string
			for i, x := range v.Probs[0] {
				before = append(before, s.ClassName(i)+" "+Pct(x))
			}
			pred += " (before fine-tuning: " + strings.Join(before, " · ") + ")"
		}
		lines = append(lines, pred)
	}
	panes := []bool{false}
	if v.CompareMode != CompareOff && v.Cmp.Map != nil {
		panes = append(panes, true)
	}
	for _, cmp := range panes {
		st := v.Pane(cmp)
		if st.Map == nil {
			continue
		}
		side := ""
		if len(panes) > 1 {
			side = map[bool]string{false: "Left: ", true: "Right: "}[cmp]
		}
		l := side + v.PaneLabel(cmp, s) // names the class and the target
		if a.Mask.Area > 0 && st.AgreeOK {
			hit := "miss"
			if st.Agree.Pointing {
				hit = "hit"
			}
			l += fmt.Sprintf(" · mask agreement: IoU %s, relevance mass %s, pointing game %s", Num(st.Agree.IoU), Pct(st.Agree.RelevanceMass), hit)
		}
		lines = append(lines, l)
	}
	if n := v.ScaleNote(); strings.HasPrefix(n, "top ") {
		lines = append(lines, "Colour scale ("+v.Cmap.Label()+"): 0 to "+strings.TrimPrefix(n, "top "))
	} else if n != "" {
		lines = append(lines, "Colour scale ("+v.Cmap.Label()+"): "+n)
	}
	if w := CaveatText(Caveats(pic, m, a.Library.SampleStats, s.DatasetTitle(m.Dataset)), m.Name); w != "" {
		lines = append(lines, w)
	}
	lines = append(lines, "Saliency Explorer · "+now.UTC().Format("2006-01-02 15:04 UTC"))
	return lines
}

// SaveFigure downloads a PNG of the picture with its map(s), the colour
// bar, and the text of figureLines, for a slide or a note.
func (a *App) SaveFigure() {
	v := a.View
	if v.Pic == nil || v.Main.Map == nil {
		a.Error = "Open an image and wait for its map before saving a figure."
		return
	}
	const S, pad, lineH = 420, 16, 18
	panes := []bool{false}
	if v.CompareMode != CompareOff && v.Cmp.Map != nil {
		panes = append(panes, true)
	}
	lines := a.figureLines(time.Now())
	W := len(panes)*S + (len(panes)+1)*pad
	wrapped := wrapLines(lines, (W-2*pad)/7)
	H := pad + S + pad + 24 + pad + len(wrapped)*lineH + pad
	cv := newCanvas(W, H, "")
	ctx := cv.Call("getContext", "2d")
	ctx.Set("fillStyle", "#ffffff")
	ctx.Call("fillRect", 0, 0, W, H)
	rw, rh := float64(a.surf.RW), float64(a.surf.RH)
	scale := min(S/rw, S/rh)
	dw, dh := rw*scale, rh*scale
	for i, cmp := range panes {
		x0 := float64(pad + i*(S+pad))
		x, y := x0+(S-dw)/2, float64(pad)+(S-dh)/2
		ctx.Set("fillStyle", "#000000")
		ctx.Call("fillRect", x0, pad, S, S)
		img, heat := a.surf.Layers(cmp)
		ctx.Set("imageSmoothingEnabled", false)
		ctx.Call("drawImage", img, x, y, dw, dh)
		ctx.Set("imageSmoothingEnabled", true)
		// The heat map covers the part the model sees (Surface.SetFrame).
		f := a.surf.Frame
		fx, fy, fw, fh := x+f.X0*scale, y+f.Y0*scale, (f.X1-f.X0)*scale, (f.Y1-f.Y0)*scale
		ctx.Set("globalAlpha", v.HeatOpacity())
		ctx.Call("drawImage", heat, fx, fy, fw, fh)
		ctx.Set("globalAlpha", 1)
		if !f.Whole(a.surf.RW, a.surf.RH) {
			// Dim what the model does not see, and outline its crop.
			// (One path, the crop a hole in the picture: no seams.)
			ctx.Set("fillStyle", "rgba(0,0,0,0.5)")
			ctx.Call("beginPath")
			ctx.Call("rect", x, y, dw, dh)
			ctx.Call("rect", fx, fy, fw, fh)
			ctx.Call("fill", "evenodd")
			ctx.Set("strokeStyle", "#ffffff")
			ctx.Set("lineWidth", 1)
			ctx.Call("setLineDash", []any{4, 3})
			ctx.Call("strokeRect", fx-0.5, fy-0.5, fw+1, fh+1)
			ctx.Call("setLineDash", []any{})
		}
		if !cmp && a.Mask.ShowMask && a.Mask.Area > 0 {
			ctx.Call("drawImage", a.surf.outline, x, y, dw, dh)
		}
		label := v.PaneLabel(cmp, a.Session)
		ctx.Set("font", "13px sans-serif")
		tw := ctx.Call("measureText", label).Get("width").Float()
		ctx.Set("fillStyle", "rgba(10,12,15,0.75)")
		ctx.Call("fillRect", x0+6, pad+6, tw+12, 20)
		ctx.Set("fillStyle", "#ffffff")
		ctx.Call("fillText", label, x0+12, pad+21)
	}
	// The colour bar.
	y := float64(pad + S + pad)
	lut := v.Cmap.LUT()
	for i := range 256 {
		c := lut[i]
		ctx.Set("fillStyle", fmt.Sprintf("rgb(%d,%d,%d)", c[0], c[1], c[2]))
		ctx.Call("fillRect", float64(pad+40)+float64(i)*200/256, y+4, 200.0/256+0.5, 12)
	}
	ctx.Set("fillStyle", "#111111")
	ctx.Set("font", "12px sans-serif")
	ctx.Call("fillText", "0", pad+28, y+15)
	ctx.Call("fillText", v.ScaleNote(), pad+248, y+15)
	ctx.Set("font", "13px sans-serif")
	for i, l := range wrapped {
		ctx.Call("fillText", l, pad, y+24+float64(pad)+float64(i*lineH)+4)
	}
	url := cv.Call("toDataURL", "image/png").String()
	b, err := base64.StdEncoding.DecodeString(url[strings.IndexByte(url, ',')+1:])
	if err != nil {
		a.Error = "Could not save the figure: " + err.Error()
		return
	}
	download(b, baseName(v.Pic.Name)+"-figure.png", "image/png")
	a.Notice = "Saved " + baseName(v.Pic.Name) + "-figure.png."
}

// wrapLines breaks lines longer than n characters at spaces.
func wrapLines(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		for len([]rune(l)) > n {
			r := []rune(l)
			cut := strings.LastIndex(string(r[:n]), " ")
			if cut <= 0 {
				cut = len(string(r[:n]))
			}
			out = append(out, l[:cut])
			l = "  " + strings.TrimLeft(l[cut:], " ")
		}
		out = append(out, l)
	}
	return out
}
