//go:build !js

package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

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

// firstView opens the page with ?workers=k in a fresh browser and waits for
// the first sample's map.
func firstView(t *testing.T, origin string, k int) (context.Context, *recorder) {
	t.Helper()
	ctx, rec := browser(t, 180*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/?workers=%d", origin, k))); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	return ctx, rec
}

// TestWorkerPool computes an Integrated Gradients map of the first sample
// in one engine worker (?workers=1) and split across two (?workers=2: the
// engine worker starts one helper worker), and checks that both are drawn,
// that the helper was started, that their maxima agree within 1e-4 and
// that no console errors appear.
func TestWorkerPool(t *testing.T) {
	origin, srvLog := serveSiteLogged(t)
	maxima := map[int]float64{}
	var samples []string
	for _, k := range []int{1, 2} {
		before := countServed(srvLog, "/worker.js")
		ctx, rec := firstView(t, origin, k)
		samples = append(samples, activeSample(ctx))
		mx, ms := mapFor(t, ctx, "integrated")
		t.Logf("workers=%d: Integrated Gradients of %q: max %.6g, %.0f ms", k, samples[len(samples)-1], mx, ms)
		maxima[k] = mx
		if started := countServed(srvLog, "/worker.js") - before; started != k {
			t.Errorf("workers=%d: %d engine workers started, want %d", k, started, k)
		}
		errs, _ := rec.snapshot()
		for _, e := range errs {
			t.Errorf("workers=%d: console: %s", k, e)
		}
	}
	if samples[0] != samples[1] {
		t.Fatalf("the two runs show different samples: %q", samples)
	}
	if !(maxima[1] > 0) || math.Abs(maxima[1]-maxima[2]) > 1e-4*maxima[1] {
		t.Errorf("map maxima: %v with one worker, %v with two", maxima[1], maxima[2])
	}
}

// countServed counts the server's requests for path.
func countServed(s *served, path string) int {
	n := 0
	for _, r := range s.list() {
		if r.URL == path {
			n++
		}
	}
	return n
}
