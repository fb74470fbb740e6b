package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"

	"saliencyexplorer/wasm/protocol"
)

// MapCheck is the state of "Check this map" (protocol.Check): the last
// check's report with its strip of maps, the one running, and what each
// was asked about, so that the panel says when the map on screen is no
// longer the one checked.
type MapCheck struct {
	ID          int // the running request, 0 if none (see Busy)
	Done, Total int
	Err         string

	Report *protocol.CheckReport
	// Thumbs are the URLs of the strip's maps as PNG images (blob: URLs
	// in the page: data: URLs of them would not fit vugu's render
	// buffer): the trained model's, then one per step of the cascade.
	Thumbs []string
	// Of is what the report is about; pending what the running check is.
	Of      CheckSubject
	pending CheckSubject
}

// CheckSubject is what a check is about: a picture, model, method, class
// and target, with the labels the panel shows.
type CheckSubject struct {
	Picture, Model, Method, Target string
	Class                          int
	ModelKey                       string // the model in use (Session.Model.Key)

	MethodLabel, ClassName, ModelName string
}

// Busy reports whether a check is running.
func (c *MapCheck) Busy() bool { return c.ID != 0 }

// Progress is the running check's fraction done.
func (c *MapCheck) Progress() float64 {
	if c.Total <= 0 {
		return 0
	}
	return float64(c.Done) / float64(c.Total)
}

// Start records a check of s as running (request id).
func (c *MapCheck) Start(id int, s CheckSubject) {
	c.ID, c.Done, c.Total, c.Err = id, 0, 0, ""
	c.pending = s
}

// SubjectOf returns what a check started now is about: the main pane's
// map of the picture on screen (nil: none).
func SubjectOf(v *View, s *Session) CheckSubject {
	method, model := v.PaneSpec(false, s.MainModel())
	class := max(v.ExplainedClass(s.HasTuned), 0)
	sub := CheckSubject{Method: method, Model: model, Target: v.Target, Class: class, ModelKey: s.Model.Key,
		MethodLabel: s.MethodLabel(method), ClassName: s.ClassName(class), ModelName: s.Model.Name}
	if v.Pic != nil {
		sub.Picture = v.Pic.Key
	}
	if model == protocol.Tuned {
		sub.ModelName += " (fine-tuned)"
	}
	return sub
}

// Same reports whether two subjects are the same map.
func (s CheckSubject) Same(o CheckSubject) bool {
	return s.Picture == o.Picture && s.Model == o.Model && s.Method == o.Method && s.Target == o.Target && s.Class == o.Class && s.ModelKey == o.ModelKey
}

// Finish records a check's report and maps (1+len(r.Layers) maps of
// r.MapH×r.MapW), drawn with palette cmap as PNG files that url gives
// URLs to. The previous report's thumbnails are handed to revoke once the
// new ones exist; if the reply is unusable the previous report, and its
// thumbnails, stay as they were.
func (c *MapCheck) Finish(r *protocol.CheckReport, maps []float32, cmap Colormap, url func(png []byte) string, revoke func(url string)) error {
	c.ID = 0
	n := r.MapH * r.MapW
	if n <= 0 || len(maps) != (len(r.Layers)+1)*n {
		c.Err = "the engine sent maps of the wrong size"
		return fmt.Errorf("ui: check maps: %d values for %d maps of %d×%d", len(maps), len(r.Layers)+1, r.MapH, r.MapW)
	}
	thumbs := make([]string, 0, len(r.Layers)+1)
	for i := 0; i <= len(r.Layers); i++ {
		b, err := ThumbPNG(maps[i*n:(i+1)*n], r.MapW, r.MapH, cmap)
		if err != nil {
			for _, u := range thumbs {
				revoke(u)
			}
			c.Err = "the check's maps could not be drawn"
			return err
		}
		thumbs = append(thumbs, url(b))
	}
	for _, u := range c.Thumbs {
		revoke(u)
	}
	c.Of, c.Report, c.Thumbs, c.Err = c.pending, r, thumbs, ""
	return nil
}

// Fail records a failed or cancelled check.
func (c *MapCheck) Fail(msg string) {
	c.ID, c.Err = 0, msg
}

// ThumbPNG draws a map whose values lie in [0, 1] (w×h) with palette cmap,
// opaque, as a PNG file for the strip.
func ThumbPNG(m []float32, w, h int, cmap Colormap) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	lut := cmap.LUT()
	HeatRGBA(img.Pix, m, HeatScale{0, 1}, &lut)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("ui: map thumbnail: %w", err)
	}
	return b.Bytes(), nil
}

// StripItem is one map of the strip: its label, image and similarity to
// the trained model's map.
type StripItem struct {
	Key, Name, Src string
	Spearman, SSIM string
	Title          string
}

// Strip returns the strip's maps: the trained model's, then one per step.
func (c *MapCheck) Strip() []StripItem {
	r := c.Report
	if r == nil || len(c.Thumbs) != len(r.Layers)+1 {
		return nil
	}
	out := []StripItem{{Key: "orig", Name: "trained", Src: c.Thumbs[0], Spearman: "ρ 1", SSIM: "SSIM 1",
		Title: "The map of the model as trained"}}
	for i, l := range r.Layers {
		out = append(out, StripItem{Key: itoa(i) + l.Name, Name: l.Name, Src: c.Thumbs[i+1],
			Spearman: "ρ " + fmtSim(float64(l.Spearman)), SSIM: "SSIM " + fmtSim(float64(l.SSIM)),
			Title: fmt.Sprintf("%s and every layer above it re-initialised: Spearman %s, SSIM %s with the trained model's map", l.Name, fmtSim(float64(l.Spearman)), fmtSim(float64(l.SSIM)))})
	}
	return out
}

// fmtSim formats a similarity, "–" when it is undefined (a constant map).
func fmtSim(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtArea formats an area under a curve.
func fmtArea(v protocol.MaybeFloat) string {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return "–"
	}
	return fmt.Sprintf("%.3f", float64(v))
}

var _ ChartData = (*MapCheck)(nil)

// The charts of a check (LineChart kinds).
const (
	ChartRandomisation = "randomisation" // Spearman and SSIM per step
	ChartDeletion      = "deletion"
	ChartInsertion     = "insertion"
)

// ChartSeries implements ChartData.
func (c *MapCheck) ChartSeries(kind string) []Series {
	r := c.Report
	if r == nil {
		return nil
	}
	curve := func(v []protocol.MaybeFloat) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	switch kind {
	case ChartRandomisation:
		sp, ss := []float64{1}, []float64{1}
		for _, l := range r.Layers {
			sp = append(sp, float64(l.Spearman))
			ss = append(ss, float64(l.SSIM))
		}
		return []Series{{"Spearman", "s1", sp}, {"SSIM", "s4", ss}}
	case ChartDeletion:
		return []Series{{"map · area " + fmtArea(r.DeletionAUC), "s1", curve(r.Deletion)}, {"random · area " + fmtArea(r.RandomDeletionAUC), "s3", curve(r.RandomDeletion)}}
	case ChartInsertion:
		return []Series{{"map · area " + fmtArea(r.InsertionAUC), "s1", curve(r.Insertion)}, {"random · area " + fmtArea(r.RandomInsertionAUC), "s3", curve(r.RandomInsertion)}}
	}
	return nil
}

// ChartLen implements ChartData.
func (c *MapCheck) ChartLen(kind string) int {
	r := c.Report
	switch {
	case r == nil:
		return 0
	case kind == ChartRandomisation:
		return len(r.Layers) + 1
	}
	return r.Steps + 1
}

// ChartX implements ChartData.
func (c *MapCheck) ChartX(kind string, i int) string {
	r := c.Report
	switch {
	case r == nil:
		return ""
	case kind == ChartRandomisation && i == 1:
		return "trained"
	case kind == ChartRandomisation && i-2 < len(r.Layers):
		return "down to " + r.Layers[i-2].Name
	case kind == ChartDeletion:
		return Pct(float64(i-1)/float64(max(1, r.Steps))) + " of pixels deleted"
	}
	return Pct(float64(i-1)/float64(max(1, r.Steps))) + " of pixels inserted"
}

// ChartXLabel implements ChartData.
func (c *MapCheck) ChartXLabel(kind string) string {
	switch kind {
	case ChartRandomisation:
		return "layers re-initialised, output → input"
	case ChartDeletion:
		return "pixels deleted 0 → 100 %"
	}
	return "pixels inserted 0 → 100 %"
}

// ChartEmpty implements ChartData.
func (c *MapCheck) ChartEmpty(string) string { return "not checked yet" }

// Reading says in one line per check what the numbers mean.
func (c *MapCheck) Reading() []string {
	r := c.Report
	if r == nil {
		return nil
	}
	var out []string
	if n := len(r.Layers); n > 0 {
		top, all := float64(r.Layers[0].Spearman), float64(r.Layers[n-1].Spearman)
		switch {
		case math.IsNaN(all):
			out = append(out, "Randomisation: with every layer re-initialised the map is constant, so it cannot be compared; the map did depend on the trained weights.")
		case math.Abs(all) < 0.3:
			out = append(out, fmt.Sprintf("Randomisation: the map changes as the model is destroyed (Spearman %s after the top layer, %s with every layer random): it depends on what the model learned, as a faithful map must.", fmtSim(top), fmtSim(all)))
		case all >= 0.6:
			out = append(out, fmt.Sprintf("Randomisation: the map barely changes when the model's weights are destroyed (Spearman %s with every layer random): it shows the image more than the model, and fails this check (Adebayo et al., 2018).", fmtSim(all)))
		default:
			out = append(out, fmt.Sprintf("Randomisation: the map changes only partly when the model is destroyed (Spearman %s with every layer random): part of it comes from the image, not from what the model learned.", fmtSim(all)))
		}
	}
	const tie = 0.02
	del, rdel := float64(r.DeletionAUC), float64(r.RandomDeletionAUC)
	switch {
	case math.IsNaN(del) || math.IsNaN(rdel):
	case del < rdel-tie:
		out = append(out, fmt.Sprintf("Deletion: lower area than random (%.3f against %.3f): removing the highlighted pixels first hurts the prediction faster, so the map points at what the model uses.", del, rdel))
	case del > rdel+tie:
		out = append(out, fmt.Sprintf("Deletion: higher area than random (%.3f against %.3f): removing the highlighted pixels first hurts the prediction more slowly than removing pixels at random, so the map does not point at what the model uses.", del, rdel))
	default:
		out = append(out, fmt.Sprintf("Deletion: about the same area as random (%.3f against %.3f): the highlighted pixels matter no more to the prediction than any others.", del, rdel))
	}
	ins, rins := float64(r.InsertionAUC), float64(r.RandomInsertionAUC)
	switch {
	case math.IsNaN(ins) || math.IsNaN(rins):
	case ins > rins+tie:
		out = append(out, fmt.Sprintf("Insertion: higher area than random (%.3f against %.3f): adding the highlighted pixels back first restores the prediction faster, so they carry the evidence.", ins, rins))
	case ins < rins-tie:
		out = append(out, fmt.Sprintf("Insertion: lower area than random (%.3f against %.3f): adding the highlighted pixels back first restores the prediction more slowly than random pixels do.", ins, rins))
	default:
		out = append(out, fmt.Sprintf("Insertion: about the same area as random (%.3f against %.3f): the highlighted pixels restore the prediction no faster than any others.", ins, rins))
	}
	return out
}
