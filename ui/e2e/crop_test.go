//go:build !js

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/preproc"
)

// writePNG writes a w×h colour PNG whose pixel (x, y) is c(x, y).
func writePNG(t *testing.T, path string, w, h int, c func(x, y int) color.RGBA) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, c(x, y))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
}

// box is an element's bounding box in viewport pixels.
type box struct{ X, Y, W, H float64 }

func (b box) String() string { return fmt.Sprintf("(%.1f, %.1f) %.1f×%.1f", b.X, b.Y, b.W, b.H) }

// near reports whether two boxes agree within a pixel on every side.
func (b box) near(o box) bool {
	return math.Abs(b.X-o.X) <= 1 && math.Abs(b.Y-o.Y) <= 1 && math.Abs(b.X+b.W-o.X-o.W) <= 1 && math.Abs(b.Y+b.H-o.Y-o.H) <= 1
}

// boxOf returns the box of the element with the given data-testid.
func boxOf(t *testing.T, ctx context.Context, testid string) box {
	t.Helper()
	return boxAt(t, ctx, "[data-testid="+testid+"]")
}

// boxAt returns the box of the first element matching a CSS selector
// (failing the test, and returning an empty box, if there is none).
func boxAt(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	x, y, w, h, err := nodeBox(ctx, sel)
	if err != nil {
		t.Errorf("the box of %s: %v", sel, err)
	}
	return box{x, y, w, h}
}

// TestONNXCrop loads an ONNX model (the small CNN of `make onnx-fixtures`,
// 1×16×16) set to torchvision's resize then centre crop, opens a 300×200
// colour picture, and checks that the heat maps of both panes lie exactly
// over the centre crop the model sees, outlined and labelled, with the
// whole picture still shown around it; that a mask imported over a known
// region counts the input pixels of that region and nothing outside the
// crop; and that choosing stretch lays the map over the whole picture
// again.
//
// The crop, worked out by hand from torchvision's arithmetic: the shorter
// side (200) is scaled to S = round(16·256/224) = 18, the longer to
// ⌊18·300/200⌋ = 27, and the 16×16 window of that starts at
// (round(5.5) = 6, 1); so k = 200/18 = 300/27 picture pixels per input
// pixel, and the model sees 177.8 pixels square from (66.7, 11.1).
func TestONNXCrop(t *testing.T) {
	model := onnxFixture(t, "smallcnn")
	const W, H = 300, 200
	const k = 200.0 / 18
	crop := preproc.Rect{X0: 6 * k, Y0: k, X1: 22 * k, Y1: 17 * k}
	if r := preproc.Window(preproc.Crop, H, W, 16, 16); math.Abs(r.X0-crop.X0)+math.Abs(r.Y0-crop.Y0)+math.Abs(r.X1-crop.X1)+math.Abs(r.Y1-crop.Y1) > 1e-9 {
		t.Fatalf("preproc.Window = %+v, want %+v", r, crop)
	}
	dir := t.TempDir()
	pic := filepath.Join(dir, "wide.png")
	writePNG(t, pic, W, H, func(x, y int) color.RGBA {
		return color.RGBA{uint8(255 * x / W), uint8(255 * y / H), uint8((5 * (x + y)) % 256), 255}
	})
	origin := serveSite(t)
	ctx, rec := browser(t, 180*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	upload(t, ctx, "[data-testid=load-model]", model)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-card]') && document.querySelector('[data-testid=model-name]').textContent === 'smallcnn' && !document.querySelector('[data-testid=model-chip] .spinner')`, 60*time.Second); err != nil {
		t.Fatalf("loading smallcnn.onnx: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	setField(t, ctx, "card-resize", "crop")
	if err := waitJS(ctx, `document.querySelector('[data-testid=card-resize]').value === 'crop'`, 30*time.Second); err != nil {
		t.Fatalf("choosing resize-then-crop: %v", err)
	}
	upload(t, ctx, "[data-testid=file-input]", pic)
	saliencyShown(t, ctx, "wide.png")

	// The whole picture is shown (the mask canvas spans it); the map lies
	// over the crop, scaled like the picture.
	whole := boxOf(t, ctx, "mask-canvas")
	if r := whole.W / whole.H; math.Abs(r-1.5) > 0.01 {
		t.Fatalf("the picture is shown %v, not 3:2", whole)
	}
	s := whole.W / W
	want := box{whole.X + crop.X0*s, whole.Y + crop.Y0*whole.H/H, (crop.X1 - crop.X0) * s, (crop.Y1 - crop.Y0) * whole.H / H}
	if got := boxOf(t, ctx, "saliency-canvas"); !got.near(want) {
		t.Errorf("the heat map lies at %v; the crop the model sees is at %v (the picture at %v)", got, want, whole)
	}
	if got := boxOf(t, ctx, "model-frame"); !got.near(want) {
		t.Errorf("the crop's outline lies at %v, want %v", got, want)
	}
	if l := text(ctx, "[data-testid=model-frame]"); !strings.Contains(l, "centre crop") {
		t.Errorf("the crop's label is %q", l)
	}
	if c := text(ctx, "[data-testid=image-info]"); !strings.Contains(c, "centre 178×178") {
		t.Errorf("the caption %q does not say the model sees the centre 178×178", c)
	}

	// A second method beside it: its map lies over the crop too.
	setField(t, ctx, "compare-mode", "method")
	// (Drawn once it has the model's 16×16; it may be blank.)
	if err := waitJS(ctx, `!document.querySelector('.viewer-busy') && document.querySelector('[data-testid=compare-canvas]').width === 16`, 60*time.Second); err != nil {
		t.Fatalf("the second map: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	img := boxAt(t, ctx, ".pane-compare .layer-image") // the panes shrank side by side
	s = img.W / W
	wantCmp := box{img.X + crop.X0*s, img.Y + crop.Y0*s, (crop.X1 - crop.X0) * s, (crop.Y1 - crop.Y0) * s}
	if got := boxOf(t, ctx, "compare-canvas"); !got.near(wantCmp) {
		t.Errorf("the second map lies at %v; its pane's crop is at %v (its picture at %v)", got, wantCmp, img)
	}
	setField(t, ctx, "compare-mode", "off")

	// A mask over input columns 3 to 8 and rows 5 to 11 (11.1 picture
	// pixels each: x from 100 to 166.7, y from 66.7 to 144.4; the region
	// painted covers more than half of each of those input pixels and
	// none of the others), and a strip left of the crop that the model
	// never sees: 6 × 7 = 42 input pixels.
	maskPNG := filepath.Join(dir, "wide-mask.png")
	in, out := image.Rect(100, 67, 166, 144), image.Rect(0, 0, 50, H)
	writePNG(t, maskPNG, W, H, func(x, y int) color.RGBA {
		if p := image.Pt(x, y); p.In(in) || p.In(out) {
			return color.RGBA{255, 255, 255, 255}
		}
		return color.RGBA{0, 0, 0, 255}
	})
	upload(t, ctx, `input[type=file][accept="image/png,.png"]`, maskPNG)
	if err := waitJS(ctx, `document.querySelector('[data-testid=mask-area]')`, 20*time.Second); err != nil {
		t.Fatalf("the imported mask: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	if a := text(ctx, "[data-testid=mask-area]"); a != "42" {
		t.Errorf("the mask covers %s input pixels, want 42 (the region, none of the strip outside the crop)", a)
	}
	checkFigure(t, ctx, W, H, crop)
	if shot := os.Getenv("SE_CROP_SHOT"); shot != "" {
		screenshot(t, ctx, shot)
	}

	// After a reload the picture's file is gone: the page shows the input
	// it stored (the model's view) where the crop lies, black around it,
	// so the mask and the maps stay where they were.
	if err := waitJS(ctx, `(document.body.dataset.keptSaved || '').split(' ').includes('file')`, 20*time.Second); err != nil {
		t.Fatalf("the browser did not keep the model: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	// (The page may come back on the built-in model; the kept one is in
	// its menu.)
	if err := waitJS(ctx, `document.querySelector('.banner-notice') && document.querySelector('.banner-notice').textContent.includes('Restored') && !document.querySelector('[data-testid=model-chip] .spinner')`, 60*time.Second); err != nil {
		t.Fatalf("after the reload: %v (notice %q)", err, text(ctx, ".banner-notice"))
	}
	if chipName(ctx) != "smallcnn" {
		click(t, ctx, "[data-testid=model-chip]")
		if err := waitJS(ctx, `document.querySelector('[data-testid=model-option][data-key="file"]')`, 10*time.Second); err != nil {
			t.Fatalf("after the reload the model menu has no smallcnn: %q", text(ctx, "[data-testid=model-menu]"))
		}
		click(t, ctx, `[data-testid=model-option][data-key="file"]`)
	}
	// (Nor does the model come back with its card's edits: set crop.)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'smallcnn' && document.querySelector('[data-testid=card-resize]')`, 60*time.Second); err != nil {
		t.Fatalf("after the reload: %v (model %q)", err, chipName(ctx))
	}
	setField(t, ctx, "card-resize", "crop")
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'smallcnn' && document.querySelector('[data-testid=card-resize]') && document.querySelector('[data-testid=card-resize]').value === 'crop' && document.querySelector('.pic-name') && document.querySelector('.pic-name').textContent === 'wide.png' && !document.querySelector('.viewer-busy')`, 60*time.Second); err != nil {
		t.Fatalf("after the reload: %v (model %q, picture %q, error %q)", err, chipName(ctx), text(ctx, ".pic-name"), text(ctx, "[data-testid=error]"))
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=mask-area]') && document.querySelector('[data-testid=mask-area]').textContent === '42'`, 20*time.Second); err != nil {
		t.Errorf("after the reload the mask covers %q input pixels, want 42", text(ctx, "[data-testid=mask-area]"))
	}
	type px struct{ R, G, B int }
	// The image canvas is the 600×400 raster: picture pixel (x, y) at (2x, 2y).
	at := func(x, y int) px {
		p, _ := eval[px](ctx, fmt.Sprintf(`(() => { const d = document.querySelector('.pane-main .layer-image').getContext('2d').getImageData(%d, %d, 1, 1).data; return {R: d[0], G: d[1], B: d[2]}; })()`, 2*x+1, 2*y+1))
		return p
	}
	if p := at(int(crop.X0)-3, 100); p != (px{}) {
		t.Errorf("after the reload the picture left of the crop is %v, want black (the model never saw it)", p)
	}
	if p := at(int(crop.X0+crop.X1)/2, int(crop.Y0+crop.Y1)/2); p.R+p.G+p.B < 100 {
		t.Errorf("after the reload the crop's centre is %v: the model's view is not drawn there", p)
	}
	whole = boxOf(t, ctx, "mask-canvas")
	s = whole.W / W
	want = box{whole.X + crop.X0*s, whole.Y + crop.Y0*whole.H/H, (crop.X1 - crop.X0) * s, (crop.Y1 - crop.Y0) * whole.H / H}
	if got := boxOf(t, ctx, "saliency-canvas"); !got.near(want) {
		t.Errorf("after the reload the heat map lies at %v; the crop is at %v", got, want)
	}

	// Stretch: the model sees the whole picture, and the map covers it.
	setField(t, ctx, "card-resize", "stretch")
	if err := waitJS(ctx, `document.querySelector('[data-testid=card-resize]').value === 'stretch' && !document.querySelector('.viewer-busy') && getComputedStyle(document.querySelector('[data-testid=model-frame]')).display === 'none'`, 60*time.Second); err != nil {
		t.Fatalf("choosing stretch: %v", err)
	}
	whole = boxOf(t, ctx, "mask-canvas")
	if got := boxOf(t, ctx, "saliency-canvas"); !got.near(whole) {
		t.Errorf("stretched, the heat map lies at %v, not over the picture at %v", got, whole)
	}
	errs, _ := rec.snapshot()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
}

// checkFigure saves the figure of the picture (c(x, y) of TestONNXCrop, one
// pane) and checks that it dims the picture just outside the crop on all
// four sides, as the page does: the figure draws its 420×420 pane with
// the 600×400 display raster scaled by 0.7, so picture pixel (x, y) lies
// at (16 + 1.4x, 86 + 1.4y).
func checkFigure(t *testing.T, ctx context.Context, w, h int, crop preproc.Rect) {
	t.Helper()
	if _, err := eval[bool](ctx, `(window.__seDownloads = [], HTMLAnchorElement.prototype.click = function() {
		if (this.download) { window.__seDownloads.push({name: this.download, href: this.href}); return; } }, true)`); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "[data-testid=save-figure]")
	if err := waitJS(ctx, `window.__seDownloads.some(d => d.name.endsWith('-figure.png'))`, 10*time.Second); err != nil {
		t.Fatalf("Save figure downloaded nothing: %v", err)
	}
	// The page's CSP lets images, not fetch, read blob: URLs.
	u, _ := eval[string](ctx, `new Promise(ok => { const d = window.__seDownloads.find(d => d.name.endsWith('-figure.png'));
		const im = new Image(); im.onload = () => { const c = document.createElement('canvas'); c.width = im.naturalWidth; c.height = im.naturalHeight;
		c.getContext('2d').drawImage(im, 0, 0); ok(c.toDataURL('image/png')); }; im.src = d.href; })`)
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(u, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("the figure: %v", err)
	}
	fig, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the figure: %v", err)
	}
	if dir := os.Getenv("SE_SHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "crop-figure.png"), b, 0o644)
	}
	midX, midY := int(crop.X0+crop.X1)/2, int(crop.Y0+crop.Y1)/2
	for _, p := range []image.Point{
		{int(crop.X0) - 6, midY}, {int(crop.X1) + 6, midY}, // beside the crop
		{midX, int(crop.Y0) - 6}, {midX, int(crop.Y1) + 6}, // above, below
	} {
		// Red and green grow smoothly across the picture (blue does not).
		r, g, _, _ := fig.At(int(16+1.4*float64(p.X)), int(86+1.4*float64(p.Y))).RGBA()
		wr, wg := 0.5*float64(255*p.X/w), 0.5*float64(255*p.Y/h)
		if math.Abs(float64(r>>8)-wr) > 5 || math.Abs(float64(g>>8)-wg) > 5 {
			t.Errorf("the figure at picture pixel %v, outside the crop, is red %d green %d; want it dimmed to %.0f, %.0f", p, r>>8, g>>8, wr, wg)
		}
	}
}
