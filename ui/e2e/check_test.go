//go:build !js

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/sanity"
)

// cascadeSteps returns the number of steps of the cascading randomisation
// of a shipped model: its top-level layers with parameters, counted from
// the site's architecture file, independently of the page.
func cascadeSteps(t *testing.T, key string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(siteDir, "models", key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := model.ParseArch(b)
	if err != nil {
		t.Fatal(err)
	}
	net, err := nn.New(a.Spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(sanity.ParamLayers(net))
}

// checkShown runs "Check this map" (by keyboard: focus and Enter) and
// waits for the strip of steps+1 maps, each with its Spearman and SSIM,
// the three charts with their lines, and the readings.
func checkShown(t *testing.T, ctx context.Context, rec *recorder, steps int) {
	t.Helper()
	if err := waitJS(ctx, `!document.querySelector('[data-testid=check-run]').disabled`, 30*time.Second); err != nil {
		t.Fatalf("the check button stays disabled: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`[data-testid=check-run]`)), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatalf("pressing Enter on the check button: %v", err)
	}
	want := strconv.Itoa(steps + 1)
	if err := waitJS(ctx, `document.querySelectorAll('[data-testid=check-strip] figure').length === `+want+
		` && !document.querySelector('[data-testid=check-progress]')`, 120*time.Second); err != nil {
		errs, _ := rec.snapshot()
		t.Fatalf("no strip of %s maps: %v (panel: %q; console: %q)", want, err, text(ctx, "[data-testid=check-panel]"), errs)
	}
	if e := text(ctx, "[data-testid=check-error]"); e != "" {
		t.Errorf("check error: %s", e)
	}
	// Every map is a decoded image; every caption has two numbers.
	captions, err := eval[[]string](ctx, `[...document.querySelectorAll('[data-testid=check-strip] figure')].map(f => f.querySelector('img').naturalWidth + ' ' + f.querySelector('figcaption').textContent)`)
	if err != nil {
		t.Fatal(err)
	}
	num := regexp.MustCompile(`^[1-9][0-9]* .+ρ (1|-?[01]\.[0-9]{2}|–)SSIM (1|-?[01]\.[0-9]{2}|–)$`)
	for i, c := range captions {
		if !num.MatchString(c) {
			t.Errorf("map %d: %q, want an image with its name, ρ and SSIM", i, c)
		}
	}
	if !strings.Contains(captions[0], "trained") {
		t.Errorf("the strip starts with %q, want the trained model's map", captions[0])
	}
	for _, kind := range []string{"randomisation", "deletion", "insertion"} {
		n, err := eval[int](ctx, `[...document.querySelectorAll('[data-testid=check-panel] .chart[data-kind=`+kind+`] path.line')].filter(p => (p.getAttribute('d') || '').includes('L')).length`)
		if err != nil || n != 2 {
			t.Errorf("%s chart: %d lines drawn (%v), want 2", kind, n, err)
		}
	}
	legend := text(ctx, `[data-testid=check-panel] .chart[data-kind=deletion] .chart-head`)
	if !regexp.MustCompile(`map · area 0\.[0-9]{3}.*random · area 0\.[0-9]{3}`).MatchString(legend) {
		t.Errorf("deletion legend %q, want both areas", legend)
	}
	reading := text(ctx, "[data-testid=check-reading]")
	for _, w := range []string{"Randomisation:", "Deletion:", "Insertion:"} {
		if !strings.Contains(reading, w) {
			t.Errorf("reading lacks %q: %s", w, reading)
		}
	}
	t.Logf("check: %s | %s | %s", text(ctx, "[data-testid=check-about]"), strings.Join(captions, " · "), reading)
}

// setMethod chooses the main pane's saliency method.
func setMethod(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	if _, err := eval[bool](ctx, `(() => { const s = document.querySelector('[data-testid=saliency-method]'); s.value = `+jsString(id)+`;
		return s.dispatchEvent(new Event('change', {bubbles: true})); })()`); err != nil {
		t.Fatal(err)
	}
}

// TestCheckMap runs "Check this map" on a Phantom sample with the Phantom
// baseline, then (Gradient × input) on a Crosses sample with the Crosses
// baseline: each shows the strip of the model's layers + 1 maps, the
// similarities, both curves and their readings; the prediction is as
// before; a slow check (Integrated Gradients) shows progress and cancels.
func TestCheckMap(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 300*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	key := chipName(ctx)
	if key != "phantom-baseline" {
		t.Fatalf("first model %q, want phantom-baseline", key)
	}
	before := text(ctx, "[data-testid=prediction]")
	steps := cascadeSteps(t, key)
	checkShown(t, ctx, rec, steps)
	if _, err := eval[bool](ctx, `(document.querySelector('[data-testid=check-result]').scrollIntoView({block: "end"}), true)`); err != nil {
		t.Error(err)
	}
	screenshot(t, ctx, filepath.Join(os.TempDir(), "saliency-explorer-check.png"))
	if after := text(ctx, "[data-testid=prediction]"); after != before {
		t.Errorf("the prediction changed with the check: %q, then %q", before, after)
	}
	// Another method makes the report stale, and says so; a check of a
	// slow method shows its progress and stops on Cancel, keeping the
	// last finished check.
	setMethod(t, ctx, "integrated")
	if err := waitJS(ctx, `document.querySelector('[data-testid=check-stale]')`, 10*time.Second); err != nil {
		t.Errorf("the check is not marked stale after choosing another method: %v", err)
	}
	click(t, ctx, "[data-testid=check-run]")
	if err := waitJS(ctx, `document.querySelector('[data-testid=check-progress]')`, 10*time.Second); err != nil {
		t.Fatalf("no progress for a slow check: %v", err)
	}
	click(t, ctx, "[data-testid=check-cancel]")
	if err := waitJS(ctx, `!document.querySelector('[data-testid=check-progress]') && document.querySelector('[data-testid=check-error]') && document.querySelector('[data-testid=check-error]').textContent.includes('Cancelled')`, 10*time.Second); err != nil {
		t.Errorf("cancel: %v (panel %q)", err, text(ctx, "[data-testid=check-panel]"))
	}
	if n, _ := eval[int](ctx, `document.querySelectorAll('[data-testid=check-strip] figure').length`); n != steps+1 {
		t.Errorf("after cancelling, the strip holds %d maps, want the last check's %d", n, steps+1)
	}
	// The engine goes on answering: the map of the new method comes.
	saliencyShown(t, ctx, activeSample(ctx))

	setMethod(t, ctx, "gradxinput")
	pickDataset(t, ctx, "crosses")
	checkShown(t, ctx, rec, cascadeSteps(t, chipName(ctx)))
	if text(ctx, "[data-testid=check-stale]") != "" {
		t.Error("a fresh check is marked stale")
	}
	if errs, _ := rec.snapshot(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
