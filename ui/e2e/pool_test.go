//go:build !js

package e2e

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// mapFor selects the saliency method (another one first, if it is already
// selected, so that a new map is made) and waits for its map: drawn, with
// the page's data-map-max and data-map-millis set by its result. It
// returns those two.
func mapFor(t *testing.T, ctx context.Context, method string) (mx, millis float64) {
	t.Helper()
	cur, _ := eval[string](ctx, `document.querySelector('[data-testid=saliency-method]').value`)
	if cur == method {
		other := "gradient"
		if method == other {
			other = "gradxinput"
		}
		mapFor(t, ctx, other)
	}
	if _, err := eval[bool](ctx, `(() => { delete document.body.dataset.mapMax; delete document.body.dataset.mapMillis;
		const s = document.querySelector('[data-testid=saliency-method]'); s.value = `+jsString(method)+`;
		s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.body.dataset.mapMax !== undefined && !document.querySelector('.viewer-busy') && `+alphaCount("saliency-canvas")+` > 0`, 120*time.Second); err != nil {
		t.Fatalf("%s map: %v (error %q)", method, err, text(ctx, "[data-testid=error]"))
	}
	mx, _ = eval[float64](ctx, `Number(document.body.dataset.mapMax)`)
	millis, _ = eval[float64](ctx, `Number(document.body.dataset.mapMillis)`)
	return mx, millis
}

// firstView opens the page with ?workers=k (and query, if not empty) in a
// fresh browser and waits for the first sample's map. The count is of the
// engine workers the browser has started.
func firstView(t *testing.T, origin string, k int, query string) (context.Context, *recorder, *workerCount) {
	t.Helper()
	ctx, rec := browser(t, 180*time.Second)
	workers := countWorkers(ctx)
	url := fmt.Sprintf("%s/?workers=%d", origin, k)
	if query != "" {
		url += "&" + query
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	return ctx, rec, workers
}

// workerCount counts the dedicated workers a browser has started: the
// page's engine worker and its helpers (the page starts no other). It asks
// the browser, not the server, because the service worker precaches
// worker.js (one request, no worker) and then serves it (workers, no
// request).
type workerCount struct {
	mu  sync.Mutex
	ids map[target.ID]bool
}

// countWorkers starts counting the dedicated workers of the browser of ctx.
func countWorkers(ctx context.Context) *workerCount {
	c := &workerCount{ids: map[target.ID]bool{}}
	chromedp.ListenBrowser(ctx, func(ev any) {
		if e, ok := ev.(*target.EventTargetCreated); ok && e.TargetInfo.Type == "worker" {
			c.mu.Lock()
			c.ids[e.TargetInfo.TargetID] = true
			c.mu.Unlock()
		}
	})
	return c
}

// started returns the number of dedicated workers started so far.
func (c *workerCount) started() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids)
}

// TestWorkerPool computes an Integrated Gradients map of the first sample
// in one engine worker (?workers=1), split across two (?workers=2: the
// engine worker starts one helper worker), and split across two whose
// helper never answers (?stall-helpers=1: the engine worker must give up on
// it after its patience and compute that part itself). It checks that all
// three are drawn, that the helpers were started, that the maxima agree
// within 1e-4 and that no console errors appear.
func TestWorkerPool(t *testing.T) {
	origin := serveSite(t)
	var maxima []float64
	var samples []string
	for _, c := range []struct {
		k     int
		query string
	}{{1, ""}, {2, ""}, {2, "stall-helpers=1"}} {
		ctx, rec, workers := firstView(t, origin, c.k, c.query)
		samples = append(samples, activeSample(ctx))
		mx, ms := mapFor(t, ctx, "integrated")
		t.Logf("workers=%d %s: Integrated Gradients of %q: max %.6g, %.0f ms, %d engine workers", c.k, c.query, samples[len(samples)-1], mx, ms, workers.started())
		maxima = append(maxima, mx)
		if started := workers.started(); started != c.k {
			t.Errorf("workers=%d: %d engine workers started, want %d", c.k, started, c.k)
		}
		// The stalled helper's part is computed here: one worker made it.
		want := c.k
		if c.query != "" {
			want = 1
		}
		if made, _ := eval[int](ctx, `Number(document.body.dataset.mapWorkers)`); made != want {
			t.Errorf("workers=%d %s: the map was made by %d engine workers, want %d", c.k, c.query, made, want)
		}
		if c.query != "" && ms < 2500 {
			t.Errorf("with a silent helper the map took %.0f ms: was the helper waited for at all?", ms)
		}
		errs, _ := rec.snapshot()
		for _, e := range errs {
			t.Errorf("workers=%d: console: %s", c.k, e)
		}
	}
	for i := 1; i < len(samples); i++ {
		if samples[i] != samples[0] {
			t.Fatalf("the runs show different samples: %q", samples)
		}
		if !(maxima[0] > 0) || math.Abs(maxima[i]-maxima[0]) > 1e-4*maxima[0] {
			t.Errorf("map maxima: %v with one worker, %v in run %d", maxima[0], maxima[i], i)
		}
	}
}

// TestWorkerPoolONNX loads a torchvision MobileNetV2 exported to ONNX
// through "Load model…", opens a colour photograph and computes its
// Integrated Gradients map in one engine worker (?workers=1) and split
// across two (?workers=2: the helper is handed the imported graph). The
// page's data-map-workers must say how many workers made the map (two
// means the helper's part counted, not computed again here), and the two
// maps' maxima must agree within 1e-4.
func TestWorkerPoolONNX(t *testing.T) {
	model := onnxFixture(t, "mobilenet_v2")
	photo, _ := filepath.Abs("../../assets/samples/images/retina.jpg")
	origin := serveSite(t)
	var maxima []float64
	for _, k := range []int{1, 2} {
		ctx, rec := browser(t, 300*time.Second)
		if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/?workers=%d", origin, k))); err != nil {
			t.Fatal(err)
		}
		engineReady(t, ctx, rec)
		upload(t, ctx, "[data-testid=load-model]", model)
		if err := waitJS(ctx, `document.querySelector('[data-testid=model-card]') && document.querySelector('[data-testid=model-name]').textContent === 'mobilenet_v2' && !document.querySelector('[data-testid=model-chip] .spinner')`, 120*time.Second); err != nil {
			t.Fatalf("loading mobilenet_v2.onnx: %v (chip %q, error %q)", err, chipName(ctx), text(ctx, "[data-testid=error]"))
		}
		upload(t, ctx, "[data-testid=file-input]", photo)
		saliencyShown(t, ctx, "retina.jpg")
		mx, ms := mapFor(t, ctx, "integrated")
		workers, _ := eval[int](ctx, `Number(document.body.dataset.mapWorkers)`)
		t.Logf("workers=%d: Integrated Gradients (32 steps) of MobileNetV2 on retina.jpg: max %.6g, %.0f ms, made by %d engine workers", k, mx, ms, workers)
		if workers != k {
			t.Errorf("workers=%d: the map was made by %d engine workers, want %d", k, workers, k)
		}
		maxima = append(maxima, mx)
		errs, _ := rec.snapshot()
		for _, e := range errs {
			t.Errorf("workers=%d: console: %s", k, e)
		}
	}
	if !(maxima[0] > 0) || math.Abs(maxima[1]-maxima[0]) > 1e-4*maxima[0] {
		t.Errorf("map maxima: %v with one worker, %v with two", maxima[0], maxima[1])
	}
}

// TestTrainPool fine-tunes the shipped Phantom baseline with RRR for one
// epoch (19 batches of 32 films) in one engine worker (?workers=1) and
// data-parallel across two (?workers=2: each step's batch split in two
// shards, the helper computing one, the gradients summed into one
// step). The page's data-train-workers must say how many workers made the
// steps, and the epoch's mean training loss must agree within 1e-4: the
// same steps up to float32 summation order. Then again across two whose
// helper never answers (?stall-helpers=1): the engine worker gives up on it
// after its patience and computes its shards itself, so the run ends, its
// last steps made by one worker, with the same loss. The split run is
// paused and resumed on the way. The time from the first step to the
// run's end (the epoch's evaluation included, the pause not) is logged.
func TestTrainPool(t *testing.T) {
	origin := serveSite(t)
	var losses []float64
	for _, c := range []struct {
		k     int
		query string
	}{{1, ""}, {2, ""}, {2, "stall-helpers=1"}} {
		k := c.k
		ctx, rec, _ := firstView(t, origin, k, c.query)
		if got := chipName(ctx); got != "phantom-baseline" {
			unavailable(t, "the first model is %q, not the shipped phantom-baseline", got)
		}
		setField(t, ctx, "train-method", "rrr")
		setField(t, ctx, "train-epochs", "1")
		click(t, ctx, "[data-testid=train-start]")
		if err := waitJS(ctx, `document.body.dataset.trainWorkers !== undefined`, 180*time.Second); err != nil {
			t.Fatalf("workers=%d: no training step: %v (status %q, error %q)", k, err, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
		}
		start := time.Now()
		var pausedFor time.Duration
		if k == 2 && c.query == "" {
			// Pause while the steps run (the click most likely lands while
			// a step waits for the helper): the run must stay paused, no
			// step's report undoing it, then resume.
			pausedAt := time.Now()
			click(t, ctx, "[data-testid=train-pause]")
			if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'paused'`, 30*time.Second); err != nil {
				t.Fatalf("pausing: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
			}
			time.Sleep(4 * time.Second) // a step in flight ends and reports
			status := text(ctx, "[data-testid=train-status]")
			if st, _ := eval[string](ctx, `document.querySelector('[data-testid=train-status]').dataset.state`); st != "paused" {
				t.Errorf("the paused run shows state %q after a step's report (status %q)", st, status)
			}
			time.Sleep(1500 * time.Millisecond)
			if now := text(ctx, "[data-testid=train-status]"); now != status {
				t.Errorf("a paused run went on: status %q, then %q", status, now)
			}
			click(t, ctx, "[data-testid=train-pause]")
			pausedFor = time.Since(pausedAt)
		}
		if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done' || document.querySelector('[data-testid=train-status]').dataset.state === 'failed'`, 300*time.Second); err != nil {
			t.Fatalf("workers=%d: training did not finish: %v (status %q)", k, err, text(ctx, "[data-testid=train-status]"))
		}
		elapsed := time.Since(start) - pausedFor
		if st, _ := eval[string](ctx, `document.querySelector('[data-testid=train-status]').dataset.state`); st != "done" {
			t.Fatalf("workers=%d: training %s: %q (error %q)", k, st, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
		}
		workers, _ := eval[int](ctx, `Number(document.body.dataset.trainWorkers)`)
		loss, _ := eval[float64](ctx, `Number(document.body.dataset.trainEpochLoss)`)
		t.Logf("workers=%d %s: Phantom RRR, 1 epoch: first step → done in %v, training loss %.7g, last step made by %d engine workers", k, c.query, elapsed.Round(time.Millisecond), loss, workers)
		want := k
		if c.query != "" {
			want = 1 // the silent helper was dropped
		}
		if workers != want {
			t.Errorf("workers=%d %s: the last step was made by %d engine workers, want %d", k, c.query, workers, want)
		}
		losses = append(losses, loss)
		errs, _ := rec.snapshot()
		for _, e := range errs {
			t.Errorf("workers=%d: console: %s", k, e)
		}
	}
	for i := 1; i < len(losses); i++ {
		if !(losses[0] > 0) || math.Abs(losses[i]-losses[0]) > 1e-4*losses[0] {
			t.Errorf("epoch training loss %v with one worker, %v in run %d", losses[0], losses[i], i)
		}
	}
}
