//go:build !js

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBlockedStorage opens the app in a Chromium profile that blocks every
// site's data (the setting "Don't allow sites to save data on your
// device"), where reading window.localStorage throws a SecurityError. The
// app must start, say that masks will not be kept, and work: a prediction
// and a saliency map on the first sample, a painted mask (issue #10: the
// app never started).
func TestBlockedStorage(t *testing.T) {
	origin := serveSite(t)
	profile := t.TempDir()
	if err := os.MkdirAll(filepath.Join(profile, "Default"), 0o755); err != nil {
		t.Fatal(err)
	}
	prefs := `{"profile":{"default_content_setting_values":{"cookies":2}}}`
	if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), []byte(prefs), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, rec := browserWithProfile(t, 180*time.Second, profile)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	// The profile really blocks storage: the page's own read throws.
	thrown, err := eval[string](ctx, `(() => { try { window.localStorage; return "" } catch (e) { return e.name } })()`)
	if err != nil || thrown != "SecurityError" {
		t.Fatalf("reading localStorage in the blocking profile threw %q (%v), want SecurityError", thrown, err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=storage-warning]')`, 10*time.Second); err != nil {
		t.Fatalf("no storage warning: %v", err)
	}
	if w := text(ctx, "[data-testid=storage-warning]"); !strings.Contains(w, "will not be kept") {
		t.Errorf("storage warning %q does not say masks will not be kept", w)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	stroke(t, ctx)
	if err := waitJS(ctx, `document.querySelector('[data-testid=mask-area]') && +document.querySelector('[data-testid=mask-area]').textContent > 0`, 10*time.Second); err != nil {
		t.Errorf("painting without storage: %v", err)
	}
	if w := text(ctx, "[data-testid=storage-warning]"); !strings.Contains(w, "saved") && !strings.Contains(w, "kept") {
		t.Errorf("after painting the warning is %q", w)
	}
	errs, _ := rec.snapshot()
	for _, e := range errs {
		if strings.Contains(e, "panic") || strings.Contains(e, "exception") {
			t.Errorf("page error: %s", e)
		}
	}
}
