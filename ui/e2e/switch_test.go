//go:build !js

package e2e

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// slowOpening makes the page's decoding of pictures for display take
// bitmap ms more, and holds its requests to switch model or data set for
// sel ms before the engine gets them: the windows in which a switch and
// an opening cross, made wide enough to hit every time.
func slowOpening(t *testing.T, ctx context.Context, bitmap, sel int) {
	t.Helper()
	if _, err := eval[bool](ctx, `(() => {
		const bmp = window.createImageBitmap;
		window.createImageBitmap = (...a) => new Promise(r => setTimeout(r, `+strconv.Itoa(bitmap)+`)).then(() => bmp(...a));
		const post = Worker.prototype.postMessage;
		Worker.prototype.postMessage = function(m, tr) {
			if (m && typeof m.h === 'string' && m.h.includes('"kind":"select"')) { setTimeout(() => post.call(this, m, tr), `+strconv.Itoa(sel)+`); return; }
			return post.call(this, m, tr);
		};
		return true; })()`); err != nil {
		t.Fatal(err)
	}
}

// picName returns the name of the picture on screen.
func picName(ctx context.Context) string { return text(ctx, ".pic-name") }

// TestSwitchWhileOpening switches data set while a picture is being opened
// (issue #11). A sample of the data set left, clicked just before the
// switch, must not show under the new one once its late answer comes: the
// user's image on screen, which the new model reads, stays. A file of the
// user's opened just after the switch, before the new model is there,
// must show once it is.
func TestSwitchWhileOpening(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	photo := filepath.Join(t.TempDir(), "on-screen.png")
	writeCrossesPNG(t, photo, 56, 56)
	upload(t, ctx, "[data-testid=file-input]", photo)
	saliencyShown(t, ctx, "on-screen.png")

	// Crosses and Decoy-MNIST models both read 1×28×28: the user's image
	// stays on screen across the switch.
	slowOpening(t, ctx, 2000, 700)
	if _, err := eval[bool](ctx, `(document.querySelectorAll('[data-testid=sample-gallery] .thumb')[3].click(),
		document.querySelector('[data-testid=dataset-switcher] button[data-dataset="decoy-mnist"]').click(), true)`); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset === 'decoy-mnist' && !document.querySelector('[data-testid=model-chip] .spinner')`, 60*time.Second); err != nil {
		t.Fatalf("switching to Decoy-MNIST: %v (%s)", err, galleryState(ctx, "decoy-mnist"))
	}
	time.Sleep(3 * time.Second) // the sample's late answer comes, or not
	if name := picName(ctx); name != "on-screen.png" {
		t.Errorf("after switching data set while a Crosses sample opened, the picture is %q (%s), want on-screen.png still", name, galleryState(ctx, ""))
	}
	saliencyShown(t, ctx, "on-screen.png")

	// A Decoy-MNIST sample on screen, then a switch to Crosses and, at
	// once, a file of the user's: the file shows, not Crosses' last sample.
	sample := clickSample(t, ctx, 1)
	saliencyShown(t, ctx, sample)
	late := filepath.Join(t.TempDir(), "dropped-late.png")
	writeCrossesPNG(t, late, 84, 84)
	click(t, ctx, `[data-testid=dataset-switcher] button[data-dataset="crosses"]`)
	upload(t, ctx, "[data-testid=file-input]", late)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset === 'crosses' && !document.querySelector('[data-testid=model-chip] .spinner')`, 60*time.Second); err != nil {
		t.Fatalf("switching to Crosses: %v (%s)", err, galleryState(ctx, "crosses"))
	}
	saliencyShown(t, ctx, "dropped-late.png")
	time.Sleep(3 * time.Second)
	if name := picName(ctx); name != "dropped-late.png" {
		t.Errorf("the file opened during the switch was replaced by %q (%s)", name, galleryState(ctx, ""))
	}
	if e := text(ctx, "[data-testid=error]"); e != "" {
		t.Errorf("error %q", e)
	}
}
