//go:build !js

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// layoutProblems returns what is wrong with the page's layout at the
// current viewport: sideways overflow, elements off-screen or overlapping.
const layoutProblems = `(() => {
	const out = [];
	const vw = innerWidth, vh = innerHeight;
	const de = document.documentElement;
	if (de.scrollWidth > vw + 1) out.push("the page scrolls sideways: " + de.scrollWidth + " > " + vw);
	const box = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect() : null; };
	const overlap = (a, b) => a && b && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
	// inside: the element's first 60 pixels (a panel's heading and first
	// row, a control) are on screen without scrolling.
	const inside = (s) => { const b = box(s); if (!b) { out.push(s + " missing"); return; }
		if (b.right > vw + 1 || b.left < -1 || b.top < -1 || b.top + Math.min(b.height, 60) > vh + 1) out.push(s + " is off-screen: " + JSON.stringify([b.left, b.top, b.right, b.bottom].map(Math.round))); };
	if (overlap(box('.brand'), box('.model-chip'))) out.push("the model chip covers the title");
	if (overlap(box('.model-chip'), box('.top-actions'))) out.push("the model chip covers the buttons");
	for (const b of document.querySelectorAll('.top-actions .btn')) { const r = b.getBoundingClientRect();
		if (r.right > vw + 1 || r.bottom > vh + 1) out.push("button " + b.textContent.trim() + " is off-screen"); }
	// The columns end above the footer (what does not fit scrolls inside
	// them), so the footer covers nothing.
	const f = box('.footer');
	for (const s of ['.center', '.side-left', '.side-right']) { const b = box(s); if (b && f && b.bottom > f.top + 1) out.push(s + " runs under the footer"); }
	for (const s of ['.viewer-host', '[data-testid=prediction]', '[data-testid=saliency-method]', '[data-testid=sample-gallery]', '.toolbar', '[data-testid=metrics]', '.colorbar-row']) inside(s);
	const tb = box('.toolbar');
	for (const e of document.querySelectorAll('.toolbar button, .toolbar label')) { const r = e.getBoundingClientRect();
		if (r.width > 0 && (r.right > tb.right + 1 || r.right > vw + 1)) out.push("toolbar control cut off: " + e.textContent.trim().slice(0, 30)); }
	const v = box('.viewer-host'); if (v && (v.width < 200 || v.height < 200)) out.push("the viewer is " + Math.round(v.width) + "×" + Math.round(v.height));
	return out;
})()`

// TestLayout opens the app at a laptop's and a small window's size and
// checks that nothing overflows sideways or covers anything, and that the
// main journey (samples, viewer, prediction, method) is on screen without
// scrolling. Screenshots go to $SE_SHOTS.
func TestLayout(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 120*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
	for _, size := range [][2]int{{1366, 768}, {800, 700}, {1440, 900}} {
		w, h := size[0], size[1]
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		probs, err := eval[[]string](ctx, layoutProblems)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range probs {
			t.Errorf("%d×%d: %s", w, h, p)
		}
		if dir := os.Getenv("SE_SHOTS"); dir != "" {
			screenshot(t, ctx, filepath.Join(dir, fmt.Sprintf("layout-%dx%d.png", w, h)))
		}
	}
}
