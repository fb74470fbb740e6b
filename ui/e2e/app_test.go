//go:build !js

package e2e

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// writeCrossesPNG writes a w×h grey PNG with two bright crosses.
func writeCrossesPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 20
	}
	for _, c := range [][2]int{{w / 3, h / 3}, {2 * w / 3, 2 * h / 3}} {
		for d := -h / 12; d <= h/12; d++ {
			for k := -h / 60; k <= h/60; k++ {
				g.SetGray(c[0]+d, c[1]+k, color.Gray{255})
				g.SetGray(c[0]+k, c[1]+d, color.Gray{255})
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, g); err != nil {
		t.Fatal(err)
	}
}

// engineReady waits for the worker to load its model.
func engineReady(t *testing.T, ctx context.Context, rec *recorder) {
	t.Helper()
	if err := waitJS(ctx, `document.body.dataset.engine === "ready" || document.body.dataset.engine === "failed"`, 120*time.Second); err != nil {
		errs, _ := rec.snapshot()
		t.Fatalf("engine: %v; page: %.300s; console: %q", err, text(ctx, "body"), errs)
	}
	if state, _ := eval[string](ctx, `document.body.dataset.engine`); state != "ready" {
		t.Fatalf("engine state %q: %s", state, text(ctx, "[data-testid=error]"))
	}
}

// saliencyShown waits until the picture named title has its prediction and
// a non-empty saliency map.
func saliencyShown(t *testing.T, ctx context.Context, title string) {
	t.Helper()
	expr := `document.querySelector('.pic-name') && document.querySelector('.pic-name').textContent === ` + jsString(title) +
		` && document.querySelectorAll('[data-testid=prediction] .prob-row').length >= 2` +
		` && !document.querySelector('.viewer-busy') && ` + alphaCount("saliency-canvas") + ` > 0`
	if err := waitJS(ctx, expr, 60*time.Second); err != nil {
		t.Fatalf("saliency for %q: %v (prediction panel: %q, error: %q)", title, err, text(ctx, "[data-testid=prediction]"), text(ctx, "[data-testid=error]"))
	}
}

// clickSample opens sample i (0-based) and returns its title.
func clickSample(t *testing.T, ctx context.Context, i int) string {
	t.Helper()
	sel := `[data-testid=sample-gallery] button:nth-of-type(` + strconv.Itoa(i+1) + `)`
	// The thumbnails show once the first picture's map is drawn.
	if err := waitJS(ctx, `!!document.querySelector(`+jsString(sel)+`)`, 20*time.Second); err != nil {
		t.Fatalf("sample %d is not in the gallery: %v", i, err)
	}
	title, err := eval[string](ctx, `document.querySelector(`+jsString(sel)+`).title`)
	if err != nil {
		t.Fatalf("sample %d: %v", i, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("clicking sample %d: %v", i, err)
	}
	return title
}

// screenshot saves a PNG of the page.
func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// clickLatency clicks a tool button through the DevTools input pipeline
// and returns the milliseconds until the page shows the change.
func clickLatency(t *testing.T, ctx context.Context, tool string) float64 {
	t.Helper()
	sel := `.toolbar button[title^="` + tool + `"]`
	x, y, w, h, err := nodeBox(ctx, sel)
	if err != nil {
		t.Fatalf("%s button: %v", tool, err)
	}
	// Arm an observer that records when the button becomes active.
	_, err = eval[bool](ctx, `(() => { const b = document.querySelector(`+jsString(sel)+`); window.__seClick = null;
		const o = new MutationObserver(() => { if (b.classList.contains('active') && window.__seClick === null) { window.__seClick = performance.now() - window.__seT0; o.disconnect(); } });
		o.observe(b, {attributes: true}); return true; })()`)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := x+w/2, y+h/2
	if err := chromedp.Do(ctx,
		chromedp.MouseEvent(chromedp.MouseMoved, cx, cy),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := eval[bool](ctx, `(window.__seT0 = performance.now(), true)`)
			return err
		}),
		chromedp.MouseClickXY(cx, cy),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `window.__seClick !== null`, 10*time.Second); err != nil {
		t.Fatalf("click on %s not handled: %v", tool, err)
	}
	ms, _ := eval[float64](ctx, `window.__seClick`)
	return ms
}

// stroke drags the left button across the middle of the mask canvas.
func stroke(t *testing.T, ctx context.Context) {
	t.Helper()
	x, y, w, h, err := nodeBox(ctx, "[data-testid=mask-canvas]")
	if err != nil {
		t.Fatal(err)
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x+w*0.25, y+h*0.45),
		chromedp.MouseEvent(chromedp.MousePressed, x+w*0.25, y+h*0.45, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.Buttons = 1; p.ClickCount = 1 }),
	}
	for i := 1; i <= 12; i++ {
		f := float64(i) / 12
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x+w*(0.25+0.5*f), y+h*(0.45+0.1*f), func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x+w*0.75, y+h*0.55, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// setField sets an input or select's value and fires its change event.
func setField(t *testing.T, ctx context.Context, testid, value string) {
	t.Helper()
	_, err := eval[bool](ctx, `(() => { const e = document.querySelector('[data-testid=`+testid+`]'); e.value = `+jsString(value)+`;
		e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	if err != nil {
		t.Fatalf("setting %s: %v", testid, err)
	}
}

// extraShot saves a screenshot into $SE_SHOTS (a folder), if it is set,
// for looking at views the README screenshot does not show.
func extraShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if dir := os.Getenv("SE_SHOTS"); dir != "" {
		screenshot(t, ctx, filepath.Join(dir, name+".png"))
	}
}

// chipName returns the model named in the header's chip.
func chipName(ctx context.Context) string { return text(ctx, "[data-testid=model-name]") }

// activeSample returns the title of the highlighted sample in the gallery.
func activeSample(ctx context.Context) string {
	s, _ := eval[string](ctx, `(() => { const b = document.querySelector('[data-testid=sample-gallery] .thumb.active'); return b ? b.title : ""; })()`)
	return s
}

// pickModel opens the model menu and chooses the model with the given key,
// then waits until the chip names it and its saliency map is shown.
func pickModel(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=model-chip]"))); err != nil {
		t.Fatal(err)
	}
	sel := `[data-testid=model-option][data-key="` + key + `"]`
	if err := waitJS(ctx, `document.querySelector(`+jsString(sel)+`)`, 5*time.Second); err != nil {
		t.Fatalf("model menu: %v (menu: %q)", err, text(ctx, "[data-testid=model-menu]"))
	}
	t.Logf("model menu: %s", text(ctx, "[data-testid=model-menu]"))
	extraShot(t, ctx, "model-menu")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === `+jsString(key)+` && !document.querySelector('[data-testid=model-chip] .spinner') && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Fatalf("switching to %s: %v (chip %q, error %q)", key, err, chipName(ctx), text(ctx, "[data-testid=error]"))
	}
}

// pickDataset switches data set with the gallery's switcher and waits for
// its samples and a saliency map.
func pickDataset(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sel := `[data-testid=dataset-switcher] button[data-dataset="` + name + `"]`
	// Let the picture being opened (the first view's sample) settle first,
	// a guard of the test's own: the page drops a sample of the data set
	// it leaves (issue #11), but a test that wants a sample of the new
	// one should not race the old one.
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active') && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Logf("before switching to %s: the current picture did not settle: %v (%s)", name, err, galleryState(ctx, ""))
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("data set button %s: %v", name, err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset === `+jsString(name)+
		` && document.querySelectorAll('[data-testid=sample-gallery] .thumb').length > 0 && document.querySelector('[data-testid=sample-gallery] .thumb.active') && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Fatalf("switching to data set %s: %v (%s; error %q)", name, err, galleryState(ctx, name), text(ctx, "[data-testid=error]"))
	}
	saliencyShown(t, ctx, activeSample(ctx))
}

// galleryState says which of pickDataset's conditions fail for data set
// want ("" for any): the gallery shows another data set, has no samples,
// no active sample, or a picture is still being opened; then what the
// gallery and the picture are.
func galleryState(ctx context.Context, want string) string {
	s, err := eval[string](ctx, `(() => { const want = `+jsString(want)+`;
		const g = document.querySelector('[data-testid=sample-gallery]'); const a = g && g.querySelector('.thumb.active');
		const o = document.querySelector('.opening'); const p = document.querySelector('.pic-name'); const n = g ? g.querySelectorAll('.thumb').length : 0;
		const failed = [];
		if (want && (!g || g.dataset.dataset !== want)) failed.push('the gallery shows ' + JSON.stringify(g ? g.dataset.dataset : null) + ', not ' + JSON.stringify(want));
		if (n === 0) failed.push('the gallery has no samples');
		if (!a) failed.push('no sample is active');
		if (o) failed.push('still ' + JSON.stringify(o.textContent.trim()));
		return (failed.length ? 'failed: ' + failed.join('; ') : 'every condition holds now') + ' (' + n + ' samples, active ' + JSON.stringify(a ? a.title : null)
			+ ', picture ' + JSON.stringify(p ? p.textContent : null) + ')'; })()`)
	if err != nil {
		return "gallery state unknown: " + err.Error()
	}
	return s
}

// options returns the model keys the menu offers, by data set.
func options(ctx context.Context) (keys []string, datasets []string) {
	keys, _ = eval[[]string](ctx, `(() => { const b = document.querySelector('[data-testid=model-chip]'); b.click();
		const k = [...document.querySelectorAll('[data-testid=model-option]')].map(e => e.dataset.key); b.click(); return k; })()`)
	datasets, _ = eval[[]string](ctx, `[...document.querySelectorAll('[data-testid=dataset-switcher] button')].map(e => e.dataset.dataset)`)
	return keys, datasets
}

// canvasLit is a JavaScript expression counting the pixels of the main
// image canvas that are not black.
const canvasLit = `(() => { const c = document.querySelector('.pane-main .layer-image'); if (!c || !c.width) return 0;
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
	for (let i = 0; i < d.length; i += 4) if (d[i] + d[i+1] + d[i+2] > 30) n++; return n; })()`

// paintBox strokes the brush across a box given in fractions of the mask
// canvas (x0, y0, x1, y1), in rows.
func paintBox(t *testing.T, ctx context.Context, fx0, fy0, fx1, fy1 float64) {
	t.Helper()
	x, y, w, h, err := nodeBox(ctx, "[data-testid=mask-canvas]")
	if err != nil {
		t.Fatal(err)
	}
	var steps []chromedp.Action[chromedp.Void]
	for r := 0; r < 4; r++ {
		fy := fy0 + (fy1-fy0)*(float64(r)+0.5)/4
		steps = append(steps,
			chromedp.MouseEvent(chromedp.MouseMoved, x+w*fx0, y+h*fy),
			chromedp.MouseEvent(chromedp.MousePressed, x+w*fx0, y+h*fy, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.Buttons = 1; p.ClickCount = 1 }))
		for i := 1; i <= 8; i++ {
			fx := fx0 + (fx1-fx0)*float64(i)/8
			steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x+w*fx, y+h*fy, func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }))
		}
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x+w*fx1, y+h*fy, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// TestApp walks through the scenario in one browser session: the
// first load (the Phantom baseline with a film and its map), a corrupt
// file, a user image, painting and the metrics, a full storage quota,
// switching models and data sets, a short fine-tuning run with the page
// answering input, before/after across switches, a reload that keeps the
// mask, DICOM files (a shipped sample, a corrupt one, an unsupported one),
// and checks of the console and the network log.
func TestApp(t *testing.T) {
	origin, srvLog := serveSiteLogged(t)
	ctx, rec := browser(t, 240*time.Second)

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	t.Logf("engine ready after %v", time.Since(start).Round(time.Millisecond))
	keys, datasets := options(ctx)
	t.Logf("models %v, data sets %v", keys, datasets)
	hasPhantom := slices.Contains(keys, "phantom-baseline")

	// The first view: the Phantom baseline (or the first model), a sample
	// of its data set selected, its saliency map drawn.
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected on first load: %v", err)
	}
	first := activeSample(ctx)
	saliencyShown(t, ctx, first)
	if hasPhantom {
		if got := chipName(ctx); got != "phantom-baseline" {
			t.Errorf("the model chip names %q on first load, want phantom-baseline", got)
		}
		if ds, _ := eval[string](ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset`); ds != "phantom" {
			t.Errorf("the gallery shows data set %q on first load, want phantom", ds)
		}
	} else {
		t.Logf("no phantom-baseline in the manifest; the first model %q is shown", chipName(ctx))
	}
	t.Logf("first view: %s with %q", chipName(ctx), first)

	// A corrupt file shows an error; the image stays, and the app still works.
	bad := filepath.Join(t.TempDir(), "broken-scan.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("[data-testid=file-input]"), []string{bad})); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('broken-scan.png')`, 20*time.Second); err != nil {
		t.Fatalf("no error message for a corrupt file: %v", err)
	}
	t.Logf("corrupt file: %s", text(ctx, "[data-testid=error]"))
	if got := text(ctx, ".pic-name"); got != first {
		t.Errorf("after a corrupt file the picture is %q, want %q still", got, first)
	}
	// A large image of the user's is shown at full size and analysed at the
	// model's input size; it joins "Your images".
	photo := filepath.Join(t.TempDir(), "two-crosses-photo.png")
	writeCrossesPNG(t, photo, 840, 560)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("[data-testid=file-input]"), []string{photo})); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, "two-crosses-photo.png")
	if w, _ := eval[int](ctx, `document.querySelector('.layer-image').width`); w != 840 {
		t.Errorf("the image canvas is %d pixels wide, want the file's 840", w)
	}
	if err := waitJS(ctx, `[...document.querySelectorAll('.user-name')].some(e => e.textContent === 'two-crosses-photo.png')`, 5*time.Second); err != nil {
		t.Errorf("the image is not listed under Your images: %v", err)
	}

	title := clickSample(t, ctx, 4)
	saliencyShown(t, ctx, title)

	// A brush stroke changes the mask canvas and the metrics.
	if n, _ := eval[int](ctx, alphaCount("mask-canvas")); n != 0 {
		t.Fatalf("mask canvas has %d painted pixels before painting", n)
	}
	metricsBefore := text(ctx, "[data-testid=metrics]")
	stroke(t, ctx)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0 && document.querySelector('[data-testid=metric-iou]')`, 10*time.Second); err != nil {
		t.Fatalf("stroke: %v", err)
	}
	metricsAfter := text(ctx, "[data-testid=metrics]")
	if metricsAfter == metricsBefore {
		t.Errorf("metrics did not change after painting: %q", metricsAfter)
	}
	t.Logf("metrics after a stroke: %s", metricsAfter)
	// Undo removes the stroke.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, alphaCount("mask-canvas")+` === 0`, 10*time.Second); err != nil {
		t.Errorf("Ctrl+Z did not undo the stroke: %v", err)
	}
	// The sample's reference mask (the data set's own annotation) shows
	// where to paint: take its bounding box, undo it and paint that box by
	// hand, as a user would.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=reference-mask]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0 && document.querySelector('[data-testid=metric-iou]')`, 10*time.Second); err != nil {
		t.Fatalf("reference mask: %v", err)
	}
	t.Logf("metrics with the reference mask: %s", text(ctx, "[data-testid=metrics]"))
	type bbox struct{ X0, Y0, X1, Y1 float64 }
	bb, err := eval[bbox](ctx, `(() => { const c = document.querySelector('[data-testid=mask-canvas]'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let x0 = c.width, y0 = c.height, x1 = 0, y1 = 0;
		for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) if (d[4*(y*c.width+x)+3] > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
		return {X0: x0/c.width, Y0: y0/c.height, X1: (x1+1)/c.width, Y1: (y1+1)/c.height}; })()`)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, alphaCount("mask-canvas")+` === 0`, 10*time.Second); err != nil {
		t.Errorf("Ctrl+Z did not undo the reference mask: %v", err)
	}
	// A larger brush (] twice), as one would use for a heart.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("]"), chromedp.KeyEvent("]")); err != nil {
		t.Fatal(err)
	}
	mx, my := (bb.X1-bb.X0)*0.15, (bb.Y1-bb.Y0)*0.2
	paintBox(t, ctx, bb.X0+mx, bb.Y0+my, bb.X1-mx, bb.Y1-my)
	// Move the pointer off the image so the brush outline is not in the
	// screenshot.
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, 5, 5)); err != nil {
		t.Fatal(err)
	}
	eval[bool](ctx, `(document.activeElement && document.activeElement.blur(), true)`)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0 && document.querySelector('[data-testid=metric-iou]')`, 10*time.Second); err != nil {
		t.Fatalf("painting the heart: %v", err)
	}
	t.Logf("metrics with a painted mask: %s", text(ctx, "[data-testid=metrics]"))
	shot := os.Getenv("SE_SCREENSHOT")
	if shot == "" {
		shot = "testdata/out/screenshot.png"
	} else if !filepath.IsAbs(shot) {
		shot = filepath.Join("../..", shot)
	}
	screenshot(t, ctx, shot)

	// A full storage quota: the mask cannot be saved, and the page says so.
	// Masks are kept in IndexedDB (issue #10): its put is made to fail as
	// a full quota does.
	if _, err := eval[bool](ctx, `(window.__sePut = IDBObjectStore.prototype.put, IDBObjectStore.prototype.put = function(v, k) {
		if (this.name === 'masks') throw new DOMException("The quota has been exceeded.", 'QuotaExceededError');
		return window.__sePut.call(this, v, k); }, true)`); err != nil {
		t.Fatal(err)
	}
	stroke(t, ctx)
	if err := waitJS(ctx, `document.querySelector('[data-testid=storage-warning]') && /could not be saved/.test(document.querySelector('[data-testid=storage-warning]').textContent)`, 10*time.Second); err != nil {
		t.Errorf("no warning when the storage is full: %v", err)
	}
	t.Logf("storage full: %s", text(ctx, "[data-testid=storage-warning]"))
	extraShot(t, ctx, "storage-full")
	if _, err := eval[bool](ctx, `(IDBObjectStore.prototype.put = window.__sePut, true)`); err != nil {
		t.Fatal(err)
	}
	// Undoing the stroke saves the painted mask again, and the warning goes.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `!document.querySelector('[data-testid=storage-warning]')`, 10*time.Second); err != nil {
		t.Errorf("the storage warning stayed after a successful save: %v", err)
	}

	// Another model of the same data set (or any other) changes the
	// prediction panel; the image and its mask stay.
	current := chipName(ctx)
	other := ""
	for _, k := range keys {
		if k != current && strings.SplitN(k, "-", 2)[0] == strings.SplitN(current, "-", 2)[0] {
			other = k
			break
		}
	}
	if other == "" {
		for _, k := range keys {
			if k != current {
				other = k
				break
			}
		}
	}
	if other != "" {
		predBefore := text(ctx, "[data-testid=prediction]")
		pickModel(t, ctx, other)
		if err := waitJS(ctx, `document.querySelectorAll('[data-testid=prediction] .prob-row').length >= 2 && document.querySelector('[data-testid=prediction-model]').textContent.includes(`+jsString(other)+`)`, 60*time.Second); err != nil {
			t.Fatalf("prediction after switching to %s: %v", other, err)
		}
		saliencyShown(t, ctx, text(ctx, ".pic-name"))
		predAfter := text(ctx, "[data-testid=prediction]")
		if predAfter == predBefore {
			t.Errorf("the prediction panel did not change with the model: %q", predAfter)
		}
		t.Logf("prediction by %s: %s → by %s: %s", current, predBefore, other, predAfter)
		if n, _ := eval[int](ctx, alphaCount("mask-canvas")); n == 0 && text(ctx, ".pic-name") == title {
			t.Errorf("the painted mask was lost when switching models")
		}
	}

	// The data set switcher changes the gallery; fine-tuning runs on the
	// new data set (Crosses if it ships, being the quickest).
	trainDS := ""
	if slices.Contains(datasets, "crosses") && len(datasets) > 1 {
		trainDS = "crosses"
		gallery := func() string {
			g, _ := eval[string](ctx, `[...document.querySelectorAll('[data-testid=sample-gallery] .thumb')].map(e => e.dataset.key).join()`)
			return g
		}
		from, _ := eval[string](ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset`)
		to := "crosses"
		if from == "crosses" {
			to = datasets[0]
			if to == "crosses" {
				to = datasets[1]
			}
		}
		before := gallery()
		pickDataset(t, ctx, to)
		after := gallery()
		if after == before || !strings.HasPrefix(after, to+"-") {
			t.Errorf("the gallery did not change from %s to %s: %.60s", from, to, after)
		}
		if got := chipName(ctx); !strings.HasPrefix(got, to+"-") {
			t.Errorf("after switching to %s the model is %q", to, got)
		}
		if to != "crosses" {
			pickDataset(t, ctx, "crosses")
		}
	}

	// A short fine-tuning run updates the charts and the status while the
	// page keeps answering input.
	trained := chipName(ctx)
	setField(t, ctx, "train-epochs", "40") // long enough to still run while the clicks land (an epoch of Crosses takes about 0.1 s with SIMD)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=train-start]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'running' && /batch [1-9]/.test(document.querySelector('[data-testid=train-status]').textContent)`, 60*time.Second); err != nil {
		t.Fatalf("training did not start: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	// The engine runs in a worker, so the page answers while a batch is
	// being computed: each click must show while training is still running.
	// Latency is logged, not asserted (speed belongs to benchmarks, and this
	// machine is shared); only a page frozen for whole batches fails.
	var worst float64
	answered := 0
	for i, tool := range []string{"Eraser", "Brush", "Pan", "Brush"} {
		ms := clickLatency(t, ctx, tool)
		running, _ := eval[bool](ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'running'`)
		t.Logf("click %d during training (still running after it: %v): handled in %.1f ms", i, running, ms)
		if running {
			answered++
		}
		worst = max(worst, ms)
	}
	if answered == 0 {
		t.Errorf("no click was answered while training ran (worst %.0f ms): the page waits for the engine", worst)
	}
	if worst > 3000 {
		t.Errorf("a click during training took %.0f ms to show: the page froze", worst)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done'`, 300*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	t.Logf("training %s: %s", trained, text(ctx, "[data-testid=train-status]"))
	checkCharts := func() {
		t.Helper()
		for _, kind := range []string{"loss", "accuracy", "auc", "iou"} {
			expr := `(() => { const c = document.querySelector('.chart[data-kind=` + kind + `]'); return c && +c.dataset.points >= 1 && [...c.querySelectorAll('path.line')].some(p => (p.getAttribute('d') || '').startsWith('M')); })()`
			if err := waitJS(ctx, expr, 10*time.Second); err != nil {
				t.Errorf("chart %s not drawn: %v", kind, err)
			}
		}
	}
	checkCharts()
	// Before/after maps side by side.
	compareShown := alphaCount("compare-canvas") + ` > 0 && !document.querySelector('.viewer-busy') && document.querySelector('.pane-compare').style.display !== 'none'`
	if err := waitJS(ctx, compareShown, 30*time.Second); err != nil {
		t.Errorf("before/after view: %v", err)
	}

	// Back on the Phantom data set: that model was not fine-tuned, so the
	// before/after view is off and the charts are empty; the painted film
	// comes back with its mask. Returning to the fine-tuned model restores
	// its before/after view and charts.
	if trainDS != "" && hasPhantom {
		pickDataset(t, ctx, "phantom")
		if err := waitJS(ctx, `document.querySelector('.pane-compare').style.display === 'none' && document.querySelector('.chart[data-kind=loss]').dataset.points === '0' && !document.querySelector('[data-testid=model-chip] .chip-tuned')`, 10*time.Second); err != nil {
			t.Errorf("the Phantom model shows another model's fine-tuning: %v", err)
		}
		pickModel(t, ctx, trained)
		if err := waitJS(ctx, `document.querySelector('[data-testid=model-chip] .chip-tuned')`, 10*time.Second); err != nil {
			t.Errorf("the fine-tuned %s lost its fine-tuning after a switch: %v", trained, err)
		}
		checkCharts()
		if err := waitJS(ctx, compareShown, 30*time.Second); err != nil {
			t.Errorf("before/after view after switching back: %v", err)
		}
		pickDataset(t, ctx, "phantom")
		if got := text(ctx, ".pic-name"); got != title {
			t.Errorf("back on Phantom the picture is %q, want the painted %q", got, title)
		}
	}

	// After a reload the painted mask is still there.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	saliencyShown(t, ctx, title)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0`, 10*time.Second); err != nil {
		t.Errorf("the mask did not survive a reload: %v", err)
	}
	// The user's photo, whose file is gone after the reload, opens from the
	// input stored at the model's size: the page hands that input to the
	// engine once (keep) and asks for the prediction and maps by its key.
	if _, err := eval[bool](ctx, `(() => { const e = [...document.querySelectorAll('.user-name')].find(e => e.textContent === 'two-crosses-photo.png'); if (e) e.closest('button').click(); return !!e; })()`); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, "two-crosses-photo.png")
	if msg := text(ctx, "[data-testid=error]"); msg != "" {
		t.Errorf("reopening the stored photo: %q", msg)
	}

	// A shipped DICOM sample opens: an image, its size and window.
	if err := waitJS(ctx, `document.querySelector('[data-testid=real-gallery] button[data-file="dicom/CT_small.dcm"]')`, 10*time.Second); err != nil {
		t.Fatalf("no real images listed: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=real-gallery] button[data-file="dicom/CT_small.dcm"]`))); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, "CT small")
	info := text(ctx, "[data-testid=image-info]")
	if !strings.Contains(info, "128×128") || !strings.Contains(info, "DICOM CT") {
		t.Errorf("image info for the CT sample: %q", info)
	}
	if n, _ := eval[int](ctx, canvasLit); n < 1000 {
		t.Errorf("the CT image canvas has %d lit pixels", n)
	}
	t.Logf("DICOM sample: %s", info)
	extraShot(t, ctx, "dicom")
	// A narrower window changes the image and the info line.
	litBefore, _ := eval[int](ctx, canvasLit)
	setField(t, ctx, "window-width", "100")
	if err := waitJS(ctx, `document.querySelector('[data-testid=image-info]').textContent.includes('/ 100')`, 10*time.Second); err != nil {
		t.Errorf("window change: %v (info %q)", err, text(ctx, "[data-testid=image-info]"))
	}
	saliencyShown(t, ctx, "CT small")
	if litAfter, _ := eval[int](ctx, canvasLit); litAfter == litBefore {
		t.Errorf("the window change did not change the image (%d lit pixels)", litAfter)
	}
	// A corrupt DICOM file and an unsupported one show errors; the CT stays.
	corrupt := filepath.Join(t.TempDir(), "corrupt-study.dcm")
	if err := os.WriteFile(corrupt, append(make([]byte, 128), []byte("DICM\x02\x00\x10\x00UI\xff\xffgarbage")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("[data-testid=file-input]"), []string{corrupt})); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('corrupt-study.dcm')`, 20*time.Second); err != nil {
		t.Fatalf("no error message for a corrupt DICOM file: %v", err)
	}
	t.Logf("corrupt DICOM: %s", text(ctx, "[data-testid=error]"))
	if got := text(ctx, ".pic-name"); got != "CT small" {
		t.Errorf("after a corrupt DICOM file the picture is %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=real-gallery] button[data-file="dicom/JPEG2000.dcm"]`))); err == nil {
		if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('JPEG 2000')`, 20*time.Second); err != nil {
			t.Errorf("no clear error for a JPEG 2000 file: %v (%q)", err, text(ctx, "[data-testid=error]"))
		}
		t.Logf("unsupported DICOM: %s", text(ctx, "[data-testid=error]"))
		extraShot(t, ctx, "dicom-unsupported")
	}
	// A shipped colour JPEG and a grey PNG open at their full size.
	for _, c := range []struct{ file, title, size string }{
		{"images/retina.jpg", "retina", "1411×1411"},
		{"images/microaneurysms.png", "microaneurysms", "102×102"},
	} {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=real-gallery] button[data-file="`+c.file+`"]`))); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		saliencyShown(t, ctx, c.title)
		if info := text(ctx, "[data-testid=image-info]"); !strings.Contains(info, c.size) {
			t.Errorf("image info for %s: %q, want the size %s", c.file, info, c.size)
		}
		if n, _ := eval[int](ctx, canvasLit); n < 1000 {
			t.Errorf("%s: the image canvas has %d lit pixels", c.file, n)
		}
	}
	// The app keeps working.
	title = clickSample(t, ctx, 0)
	saliencyShown(t, ctx, title)

	// No console errors; no request but GETs to the origin.
	errs, reqs := rec.snapshot()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
	if len(reqs) == 0 {
		t.Errorf("no network requests recorded")
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Errorf("request to unparsable URL %q", r.URL)
			continue
		}
		switch {
		case u.Scheme == "data":
		case u.Scheme == "blob" && strings.HasPrefix(u.Opaque, origin+"/"):
		case r.Method != "GET":
			t.Errorf("%s %s: only GET requests are allowed", r.Method, r.URL)
		case u.Scheme+"://"+u.Host != origin:
			t.Errorf("request to another origin: %s %s", r.Method, r.URL)
		}
		seen[u.Path] = true
	}
	// The server's log also shows the worker's requests.
	for _, r := range srvLog.list() {
		if r.Method != "GET" {
			t.Errorf("the server received %s %s; only GET is expected", r.Method, r.URL)
		}
		seen[r.URL] = true
	}
	for _, p := range []string{"/", "/app.wasm", "/worker.js", "/models/manifest.json", "/samples/index.json", "/samples/dicom/CT_small.dcm"} {
		if !seen[p] {
			t.Errorf("no request for %s", p)
		}
	}
}
