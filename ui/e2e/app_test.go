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

// TestApp walks through the scenario in one browser session: load,
// sample and saliency, a corrupt file, a brush stroke and the metrics, a
// short fine-tuning run with the page answering input, a reload that keeps
// the mask, and checks of the console and the network log.
func TestApp(t *testing.T) {
	origin, srvLog := serveSiteLogged(t)
	ctx, rec := browser(t, 170*time.Second)

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	t.Logf("engine ready after %v", time.Since(start).Round(time.Millisecond))

	// A sample gives a prediction and a non-empty saliency map.
	title := clickSample(t, ctx, 1)
	saliencyShown(t, ctx, title)

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
	if got := text(ctx, ".pic-name"); got != title {
		t.Errorf("after a corrupt file the picture is %q, want %q still", got, title)
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

	title = clickSample(t, ctx, 4)
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
	// Undo removes the stroke; the sample's reference mask replaces it.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("z", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, alphaCount("mask-canvas")+` === 0`, 10*time.Second); err != nil {
		t.Errorf("Ctrl+Z did not undo the stroke: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=reference-mask]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0 && document.querySelector('[data-testid=metric-iou]')`, 10*time.Second); err != nil {
		t.Fatalf("reference mask: %v", err)
	}
	t.Logf("metrics with the reference mask: %s", text(ctx, "[data-testid=metrics]"))

	// A short fine-tuning run updates the charts and the status while the
	// page keeps answering input.
	setField(t, ctx, "train-epochs", "1")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=train-start]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'running' && /batch [1-9]/.test(document.querySelector('[data-testid=train-status]').textContent)`, 60*time.Second); err != nil {
		t.Fatalf("training did not start: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	var worst float64
	for i, tool := range []string{"Eraser", "Brush", "Pan", "Brush"} {
		running, _ := eval[bool](ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'running'`)
		ms := clickLatency(t, ctx, tool)
		t.Logf("click %d during training (still running: %v): handled in %.1f ms", i, running, ms)
		worst = max(worst, ms)
	}
	if worst > 200 {
		t.Errorf("a click during training took %.0f ms to show; want under 200 ms", worst)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done'`, 120*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	t.Logf("training: %s", text(ctx, "[data-testid=train-status]"))
	for _, kind := range []string{"loss", "accuracy", "auc", "iou"} {
		expr := `(() => { const c = document.querySelector('.chart[data-kind=` + kind + `]'); return c && +c.dataset.points >= 1 && [...c.querySelectorAll('path.line')].some(p => (p.getAttribute('d') || '').startsWith('M')); })()`
		if err := waitJS(ctx, expr, 10*time.Second); err != nil {
			t.Errorf("chart %s not drawn: %v", kind, err)
		}
	}
	// Before/after maps side by side.
	if err := waitJS(ctx, alphaCount("compare-canvas")+` > 0 && !document.querySelector('.viewer-busy')`, 30*time.Second); err != nil {
		t.Errorf("before/after view: %v", err)
	}
	shot := os.Getenv("SE_SCREENSHOT")
	if shot == "" {
		shot = "testdata/out/screenshot.png"
	} else if !filepath.IsAbs(shot) {
		shot = filepath.Join("../..", shot)
	}
	screenshot(t, ctx, shot)

	// After a reload the painted mask is still there.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	saliencyShown(t, ctx, title)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0`, 10*time.Second); err != nil {
		t.Errorf("the mask did not survive a reload: %v", err)
	}

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
	for _, p := range []string{"/", "/app.wasm", "/worker.js", "/worker.wasm", "/models/manifest.json"} {
		if !seen[p] {
			t.Errorf("no request for %s", p)
		}
	}
}
