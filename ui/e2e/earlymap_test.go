//go:build !js

package e2e

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEarlyMapStale: the first map of a picture is asked for as soon as
// the engine has decoded it, for the settings of that moment (issue #12).
// If the user changes what the map explains while the picture is still
// opening, the early map must not show: the map on screen is the one of
// the new setting.
func TestEarlyMapStale(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 180*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	first := clickSample(t, ctx, 1)
	saliencyShown(t, ctx, first)
	labelLogit, maxLogit := showTarget(t, ctx, "logit")
	_, maxLP := showTarget(t, ctx, "logprob")
	if math.Abs(maxLogit-maxLP) <= 1e-6*math.Abs(maxLogit) {
		t.Fatalf("the logit and log-probability maps of %q have the same top (%g): the test cannot tell them apart", first, maxLogit)
	}
	other := clickSample(t, ctx, 2)
	saliencyShown(t, ctx, other)

	// Reopen the first sample with its display decoding held back, and
	// change the target while it opens (after the early map was asked).
	slowOpening(t, ctx, 1500, 0)
	if _, err := eval[bool](ctx, `(() => { window.seSaliency = [];
		const post = Worker.prototype.postMessage;
		Worker.prototype.postMessage = function(m, tr) {
			if (m && typeof m.h === 'string' && m.h.includes('"kind":"saliency"')) window.seSaliency.push(m.h);
			return post.call(this, m, tr);
		}; return true; })()`); err != nil {
		t.Fatal(err)
	}
	clickSample(t, ctx, 1)
	if err := waitJS(ctx, `window.seSaliency.some(h => h.includes('"class":-1'))`, 20*time.Second); err != nil {
		t.Fatalf("no early map of the predicted class was asked for: %v", err)
	}
	if _, err := eval[bool](ctx, `(() => { const e = document.querySelector('[data-testid=saliency-target]'); e.value = 'logit';
		e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, first)
	mx, err := eval[float64](ctx, `+document.body.dataset.mapMax`)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mx-maxLogit) > 1e-6*math.Abs(maxLogit) {
		t.Errorf("after changing to the logit while %q opened, the map's top is %g; the logit map's is %g (the log-probability map's %g)", first, mx, maxLogit, maxLP)
	}
	if label := text(ctx, ".pane-main .pane-label"); label != labelLogit {
		t.Errorf("pane label %q, want %q", label, labelLogit)
	}
	reqs, _ := eval[string](ctx, `window.seSaliency.join('\n')`)
	if !strings.Contains(reqs, `"target":"logit"`) {
		t.Errorf("no map of the logit was asked for: %s", reqs)
	}
}

// TestFirstPictureAndThumbnails: on a first load the first picture, a
// built-in sample, shows from the pixels the page decodes itself, without
// the browser's createImageBitmap (stalled here for good), and the sample
// thumbnails come after the first map, in a frame of their own: the
// browser paints a frame with the map and no thumbnails, then all the
// thumbnails show at once, with the real images' list (issue #12).
func TestFirstPictureAndThumbnails(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	// Before the page's scripts: a bitmap that never comes, and per
	// animation frame, whether the first map was drawn and how many
	// thumbnails the page holds.
	onNewDocument(t, ctx, `
		window.createImageBitmap = () => new Promise(() => {});
		window.seFrames = [];
		const frame = () => {
			const mapped = performance.getEntriesByName('se-first-saliency').length > 0;
			const thumbs = document.querySelectorAll('[data-testid=sample-gallery] .thumb').length;
			if (mapped) seFrames.push(thumbs);
			if (seFrames.length < 600 && !(mapped && thumbs > 0)) requestAnimationFrame(frame);
		};
		requestAnimationFrame(frame);`)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `performance.getEntriesByName('se-first-saliency').length > 0`, 30*time.Second); err != nil {
		t.Fatalf("no first map with the browser's image decoder stalled: %v (opening %q, error %q)", err, text(ctx, ".opening"), text(ctx, "[data-testid=error]"))
	}
	if err := waitJS(ctx, `document.querySelectorAll('[data-testid=sample-gallery] .thumb').length > 0`, 10*time.Second); err != nil {
		n, _ := eval[int](ctx, `document.querySelectorAll("[data-testid=sample-gallery] .thumb").length`)
		fr, _ := eval[[]int](ctx, `window.seFrames`)
		t.Fatalf("the sample thumbnails did not come after the first map: %v (%d thumbnails; per frame %v)", err, n, fr)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	// The real images' list, fetched while the page starts and shown
	// with the held thumbnails, is there too.
	if err := waitJS(ctx, `document.querySelectorAll('[data-testid=real-gallery] button').length > 0`, 10*time.Second); err != nil {
		t.Errorf("the real images are not listed after the first map: %v", err)
	}
	frames, err := eval[[]int](ctx, `window.seFrames`)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 || frames[0] != 0 {
		t.Errorf("thumbnails per frame from the first map on: %v; want a frame with the map and none first", frames)
	}
	want, _ := eval[int](ctx, `document.querySelectorAll('[data-testid=sample-gallery] .thumb').length`)
	if n := len(frames); n == 0 || frames[n-1] != want {
		t.Errorf("thumbnails per frame from the first map on: %v; want all %d at the end", frames, want)
	}
}

// TestEngineBeforePage: the engine worker, started by boot.js, may have
// said it started before the page's Go program takes it over (here the
// page's instantiation is held back 1.5 s); the page then handles that
// message while it creates its Engine, and must start as usual. The
// worker loads the model meanwhile, without waiting for the page's Init,
// and its timeline marks the Init done before the warm-up after it.
func TestEngineBeforePage(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	holdBackPage(t, ctx, "instantiate", 1500*time.Millisecond)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	// The thumbnails show once the first map is drawn.
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample opened: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	saliencyShown(t, ctx, activeSample(ctx))
	started, _ := eval[float64](ctx, `performance.getEntriesByName('se-w-go')[0].startTime`)
	ui, _ := eval[float64](ctx, `performance.getEntriesByName('se-ui-start')[0].startTime`)
	if started >= ui {
		t.Errorf("the worker's Go started at %.0f ms, the page's at %.0f ms: the test did not hold the page back", started, ui)
	}
	// The worker did not wait for the page's Init to load the model the
	// page asks for (host.StartAhead).
	ahead, _ := markTimes(ctx, "se-w-ahead-done", "se-w-ahead-failed", "se-w-init")
	if done, ok := ahead["se-w-ahead-done"]; !ok || done >= ui || ahead["se-w-ahead-failed"] > 0 {
		t.Errorf("the worker's start ahead ended at %.0f ms (marks %v), the page's Go started at %.0f ms: it waited for the page", done, ahead, ui)
	}
	// The timeline shows the Init done before the warm-up that follows it
	// starts (make bench-web reads the Init's length from it).
	order, _ := markTimes(ctx, "se-w-init-done", "se-w-warming")
	if done, ok := order["se-w-init-done"]; !ok || order["se-w-warming"] == 0 || done > order["se-w-warming"] {
		t.Errorf("the worker's marks %v: want se-w-init-done, then se-w-warming", order)
	}
	if errs, _ := rec.snapshot(); len(errs) > 0 {
		t.Errorf("errors on the console: %q", errs)
	}
}

// TestWorkerModuleFirst: the engine worker gets the compiled module before
// the page's Go program starts its long first task (boot.js waits for the
// worker's se-w-instantiated): the browser holds a page's messages to a
// new worker until the page's main thread is free, so the module posted
// at compile time reached the worker only after the page's start-up, up
// to 1.4 s late (issue #12). Checked when the worker's script ran before
// the compile ended and the page did not wait its 300 ms at most (a
// worker slow to instantiate).
func TestWorkerModuleFirst(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	marks, err := eval[map[string]float64](ctx, `Object.fromEntries(['se-w-script', 'se-compiled', 'se-w-instantiated', 'se-ui-start'].map(n => [n, performance.getEntriesByName(n)[0].startTime]))`)
	if err != nil {
		t.Fatal(err)
	}
	if marks["se-w-script"] >= marks["se-compiled"] {
		t.Skipf("the worker's script ran after the compile ended (%v): nothing to check", marks)
	}
	if marks["se-ui-start"]-marks["se-compiled"] >= 300 {
		t.Skipf("the page waited the 300 ms it waits at most (a slow worker; %v): nothing to check", marks)
	}
	if marks["se-w-instantiated"] > marks["se-ui-start"] {
		t.Errorf("the worker instantiated the module at %.0f ms, after the page's Go started at %.0f ms (marks %v)", marks["se-w-instantiated"], marks["se-ui-start"], marks)
	}
}

// TestFirstMapOneRender: on a first load, the page's handling of the
// engine's Ready and of the first picture's Decode reply renders nothing
// (issue #12): the first picture, its prediction and its map show in one
// render, and the replies on the way to the map are taken as they come,
// not after a full render each. Checked by hooking vugu's renderer and the
// page's performance marks: a render in the same task as the mark
// se-engine-ready or se-decoded is one of those renders. (A render a timer
// makes when the map is slow, firstViewWait later, runs in
// a task of its own.) The page then shows the picture with its prediction
// and map.
func TestFirstMapOneRender(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	onNewDocument(t, ctx, `
		if (typeof document !== 'undefined') {
			window.seInTask = {};     // marks made in the task running now
			window.seRenderedIn = {}; // marks whose task rendered
			window.seRenders = [];    // the render tasks, by time
			const mark = performance.mark.bind(performance);
			performance.mark = function(name, opts) {
				if (!opts) {
					seInTask[name] = true;
					queueMicrotask(() => { delete seInTask[name]; });
				}
				return mark(name, opts);
			};
			let render, inRender = false;
			Object.defineProperty(window, 'vuguRender', {
				configurable: true,
				get() { return render; },
				set(f) {
					render = function(...args) {
						for (const n in seInTask) seRenderedIn[n] = true;
						if (!inRender) {
							inRender = true;
							seRenders.push(performance.now());
							queueMicrotask(() => { inRender = false; });
						}
						return f.apply(this, args);
					};
				},
			});
		}`)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	firstMapDrawn(t, ctx)
	saliencyShown(t, ctx, activeSample(ctx))
	got, err := eval[map[string]bool](ctx, `window.seRenderedIn`)
	if err != nil {
		t.Fatal(err)
	}
	renders, _ := eval[[]float64](ctx, `window.seRenders`)
	marks, _ := eval[map[string]float64](ctx, `Object.fromEntries(['se-engine-ready', 'se-decoded', 'se-first-saliency'].map(n => [n, performance.getEntriesByName(n)[0].startTime]))`)
	if len(renders) == 0 || !got["se-first-saliency"] {
		t.Fatalf("the hook saw no render with the first map (renders at %v ms; marks %v): the test cannot see renders", renders, marks)
	}
	for _, m := range []string{"se-engine-ready", "se-decoded"} {
		if got[m] {
			t.Errorf("the task that made the mark %s rendered the page (renders at %v ms; marks %v)", m, renders, marks)
		}
	}
}

// TestPanelsAfterFirstMap: on a first load the panels under the picture
// and the maps (metrics, checks, fine-tuning) are not built while the page
// starts, nor in the render that shows the first map (issue #12: they
// cost the render before the engine is ready, which shares the cores with
// the engine's start-up, and the first map's render); they come after
// the frame that shows the first map, with the sample thumbnails, and
// data-engine=ready is set once they are there.
func TestPanelsAfterFirstMap(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	// Per animation frame until the panels show: whether the first map
	// was drawn, whether any panel is there, and the engine attribute.
	onNewDocument(t, ctx, `
		window.seFrames = [];
		const frame = () => {
			const mapped = performance.getEntriesByName('se-first-saliency').length > 0;
			const panels = ['metrics', 'check-panel', 'train-start'].filter(id => document.querySelector('[data-testid=' + id + ']')).length;
			const host = document.querySelector('.viewer-host');
			const r = host ? host.getBoundingClientRect() : null;
			seFrames.push({mapped, panels, engine: document.body ? document.body.dataset.engine || '' : '', viewer: r ? r.width + 'x' + r.height : ''});
			if (seFrames.length < 2000 && panels < 3) requestAnimationFrame(frame);
		};
		requestAnimationFrame(frame);`)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if n, _ := eval[int](ctx, `['metrics', 'check-panel', 'train-start'].filter(id => document.querySelector('[data-testid=' + id + ']')).length`); n != 3 {
		t.Errorf("data-engine=ready with %d of the 3 panels on the page", n)
	}
	type frame struct {
		Mapped bool
		Panels int
		Engine string
		Viewer string // the viewer's size
	}
	frames, err := eval[[]frame](ctx, `window.seFrames`)
	if err != nil {
		t.Fatal(err)
	}
	first := slices.IndexFunc(frames, func(f frame) bool { return f.Mapped })
	if first < 0 {
		t.Fatalf("no frame with the first map before the panels showed: %+v", frames)
	}
	for i, f := range frames[:first+1] {
		if f.Panels > 0 || f.Engine == "ready" {
			t.Errorf("frame %d (the first map's is %d) has %d panels, data-engine %q", i, first, f.Panels, f.Engine)
			break
		}
	}
	if last := frames[len(frames)-1]; last.Panels != 3 {
		t.Errorf("the last frame recorded has %d of the 3 panels", last.Panels)
	}
	// The first picture is fitted to the viewer when it shows: the panels
	// coming later must not change the viewer's size (the training charts
	// under it, deferred at first, did, and the picture overflowed it).
	if f, last := frames[first], frames[len(frames)-1]; f.Viewer != last.Viewer || f.Viewer == "" {
		t.Errorf("the viewer is %s with the first map, %s with the panels", f.Viewer, last.Viewer)
	}
	saliencyShown(t, ctx, activeSample(ctx))
}
