//go:build !js

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEngineCrash crashes the engine on purpose (the page's ?test-hooks=1)
// while it fine-tunes Crosses, after the first epoch (issue #10: the page
// said "running · Epoch 1 of 5 · batch 14 of 16" forever). The page must
// say what happened, start a fresh engine and give it back the model, the
// fine-tuned copy from the end of epoch 1 (its predictions are the same as
// before the crash), the picture and the painted mask; the run is
// reported as interrupted at the epoch reached, never as running, and a
// new run can start. A request that panics inside the engine is answered
// with an error and the engine goes on, without a restart.
func TestEngineCrash(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 300*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")

	// A panic in a request is recovered at the worker's message boundary.
	eval[bool](ctx, `(seTestHooks.crash("panic"), true)`)
	if err := waitJS(ctx, `/internal error in the engine \(test hook: a request panicked/i.test(document.body.dataset.hookReply || "")`, 20*time.Second); err != nil {
		t.Fatalf("the panicking request got no error reply: %v (reply %q)", err, text(ctx, "body"))
	}
	if r, _ := eval[string](ctx, `document.body.dataset.restarts || ""`); r != "" {
		t.Fatalf("a recovered panic restarted the engine (%s restarts)", r)
	}
	sample := clickSample(t, ctx, 1)
	saliencyShown(t, ctx, sample)

	stroke(t, ctx)
	if err := waitJS(ctx, `+document.querySelector('[data-testid=mask-area]').textContent > 0`, 10*time.Second); err != nil {
		t.Fatalf("painting: %v", err)
	}
	area := text(ctx, "[data-testid=mask-area]")
	maskPixels, _ := eval[int](ctx, alphaCount("mask-canvas"))

	setField(t, ctx, "train-method", "masked")
	setField(t, ctx, "train-epochs", "20")
	// The run is paused, from the page itself, the moment its status shows
	// epoch 2 (an epoch takes well under a second here), so that the page
	// has caught up with the engine when it crashes: the prediction on
	// screen and the fine-tuned copy the page kept both come from the end
	// of epoch 1 (both are asked for at its end).
	if _, err := eval[bool](ctx, `(new MutationObserver((_, o) => {
		const s = document.querySelector('[data-testid=train-status]');
		if (s && /Epoch 2 of 20 · batch/.test(s.textContent)) { document.querySelector('[data-testid=train-pause]').click(); o.disconnect(); }
	}).observe(document.body, {subtree: true, childList: true, characterData: true}), true)`); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "[data-testid=train-start]")
	status := `document.querySelector('[data-testid=train-status]')`
	if err := waitJS(ctx, status+`.dataset.state === 'paused'`, 180*time.Second); err != nil {
		t.Fatalf("the run was not paused in epoch 2: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	time.Sleep(time.Second)
	m := regexp.MustCompile(`Paused at epoch (\d+) of 20 · batch (\d+) of (\d+)`).FindStringSubmatch(text(ctx, "[data-testid=train-status]"))
	if m == nil {
		t.Fatalf("paused status %q", text(ctx, "[data-testid=train-status]"))
	}
	epoch, _ := strconv.Atoi(m[1])
	kept := epoch - 1 // paused in an epoch: the last one ended is kept
	if m[2] == m[3] {
		kept = epoch // paused right at an epoch's end
	}
	before := text(ctx, "[data-testid=prediction]")
	chipBefore := text(ctx, "[data-testid=model-name]")
	eval[bool](ctx, `(seTestHooks.crash("exit"), true)`)

	if err := waitJS(ctx, `document.body.dataset.restarts === "1" && document.body.dataset.engine === "ready"`, 120*time.Second); err != nil {
		t.Fatalf("the engine was not restarted: %v (page %.400q)", err, text(ctx, "body"))
	}
	if banner := text(ctx, ".banner-notice"); !strings.Contains(banner, "stopped unexpectedly") || !strings.Contains(banner, "restarted") {
		t.Errorf("the page does not say what happened: notice %q, error %q", banner, text(ctx, "[data-testid=error]"))
	}
	saliencyShown(t, ctx, sample)
	st := text(ctx, "[data-testid=train-status]")
	state, _ := eval[string](ctx, status+`.dataset.state`)
	if state != "interrupted" || !strings.Contains(st, fmt.Sprintf("Interrupted at epoch %d of 20", epoch)) || !strings.Contains(st, fmt.Sprintf("end of epoch %d.", kept)) {
		t.Errorf("training status after the crash: state %q, %q", state, st)
	}
	if chip := text(ctx, "[data-testid=model-name]"); chip != chipBefore {
		t.Errorf("model after the restart %q, before %q", chip, chipBefore)
	}
	if meta := text(ctx, "[data-testid=model-chip] .chip-meta"); !regexp.MustCompile(`\d\.\d+ → \d\.\d+`).MatchString(meta) {
		t.Errorf("the chip does not show the fine-tuned copy's scores: %q", meta)
	}
	if after := text(ctx, "[data-testid=prediction]"); after != before {
		t.Errorf("predictions differ after the restart (the fine-tuned copy was not restored):\nbefore %q\nafter  %q", before, after)
	}
	if a := text(ctx, "[data-testid=mask-area]"); a != area {
		t.Errorf("mask area after the restart %q, before %q", a, area)
	}
	if n, _ := eval[int](ctx, alphaCount("mask-canvas")); n != maskPixels {
		t.Errorf("mask pixels after the restart %d, before %d", n, maskPixels)
	}
	// The status stays truthful: no late "running".
	time.Sleep(2 * time.Second)
	if state, _ := eval[string](ctx, status+`.dataset.state`); state != "interrupted" {
		t.Errorf("training state became %q after the restart", state)
	}
	// The fresh engine trains again.
	setField(t, ctx, "train-epochs", "1")
	click(t, ctx, "[data-testid=train-start]")
	if err := waitJS(ctx, status+`.dataset.state === 'done'`, 180*time.Second); err != nil {
		t.Errorf("a run after the restart: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	if r, _ := eval[string](ctx, `document.body.dataset.restarts`); r != "1" {
		t.Errorf("%s restarts, want 1", r)
	}
}

// TestEngineWatchdog makes the engine loop for ever while a request waits
// (?test-hooks=1, with the watchdog's patience at 5 s): the page must take
// it for dead, say so, and restart it with the picture.
func TestEngineWatchdog(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 180*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1&watchdog=5")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	sample := clickSample(t, ctx, 3)
	saliencyShown(t, ctx, sample)
	// A paused run sends nothing, and is not taken for a hung engine.
	setField(t, ctx, "train-epochs", "40")
	// Paused from the page the moment a batch shows (a run can end within
	// a second here).
	if _, err := eval[bool](ctx, `(new MutationObserver((_, o) => {
		const s = document.querySelector('[data-testid=train-status]');
		if (s && /batch [1-9]/.test(s.textContent)) { document.querySelector('[data-testid=train-pause]').click(); o.disconnect(); }
	}).observe(document.body, {subtree: true, childList: true, characterData: true}), true)`); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "[data-testid=train-start]")
	status := `document.querySelector('[data-testid=train-status]')`
	if err := waitJS(ctx, status+`.dataset.state === 'paused'`, 60*time.Second); err != nil {
		t.Fatalf("pause: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	time.Sleep(8 * time.Second)
	if r, _ := eval[string](ctx, `document.body.dataset.restarts || ""`); r != "" {
		t.Fatalf("a paused run was taken for a hung engine (%s restarts)", r)
	}
	click(t, ctx, "[data-testid=train-pause]")
	if err := waitJS(ctx, status+`.dataset.state === 'running'`, 20*time.Second); err != nil {
		t.Fatalf("the run did not resume: %v", err)
	}
	click(t, ctx, "[data-testid=train-stop]")
	if err := waitJS(ctx, status+`.dataset.state === 'stopped'`, 60*time.Second); err != nil {
		t.Fatalf("the resumed run did not stop: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	saliencyShown(t, ctx, sample)
	eval[bool](ctx, `(seTestHooks.crash("hang"), true)`)
	if err := waitJS(ctx, `document.body.dataset.restarts === "1" && document.body.dataset.engine === "ready"`, 60*time.Second); err != nil {
		t.Fatalf("the hung engine was not restarted: %v (page %.300q)", err, text(ctx, "body"))
	}
	if n := text(ctx, ".banner-notice"); !strings.Contains(n, "did not answer for 5s") {
		t.Errorf("the notice does not say the engine hung: %q", n)
	}
	saliencyShown(t, ctx, sample)
	clickSample(t, ctx, 4)
	saliencyShown(t, ctx, activeSampleAfter(t, ctx, sample))
}

// activeSampleAfter waits until the active sample is no longer prev and
// returns it.
func activeSampleAfter(t *testing.T, ctx context.Context, prev string) string {
	t.Helper()
	if err := waitJS(ctx, `(() => { const b = document.querySelector('[data-testid=sample-gallery] .thumb.active'); return b && b.title !== `+jsString(prev)+`; })()`, 20*time.Second); err != nil {
		t.Fatalf("the sample clicked was not opened: %v", err)
	}
	return activeSample(ctx)
}
