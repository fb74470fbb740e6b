//go:build !js

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDecoyMNIST opens the Decoy MNIST data set, which the browser cannot
// generate: its shipped gallery shows ten-class predictions and saliency,
// and fine-tuning fetches the shipped training images (the swatch still
// gives the label away there), trains on them and measures on the gallery.
func TestDecoyMNIST(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	keys, datasets := options(ctx)
	if !slices.Contains(datasets, "decoy-mnist") || !slices.Contains(keys, "decoy-mnist-baseline") || !slices.Contains(keys, "decoy-mnist-rrr") {
		t.Fatalf("the site ships no Decoy MNIST models (run make models): data sets %v, models %v", datasets, keys)
	}
	pickDataset(t, ctx, "decoy-mnist")
	if got := chipName(ctx); got != "decoy-mnist-baseline" {
		t.Errorf("after switching to Decoy MNIST the model is %q, want its baseline", got)
	}
	if n, _ := eval[int](ctx, `document.querySelectorAll('[data-testid=prediction] .prob-row').length`); n != 10 {
		t.Errorf("the prediction panel shows %d class rows, want 10", n)
	}
	if n, _ := eval[int](ctx, `document.querySelectorAll('[data-testid=sample-gallery] .thumb').length`); n < 10 {
		t.Errorf("the gallery shows %d samples", n)
	}
	if note := text(ctx, "[data-testid=dataset-switcher] + *"); !strings.Contains(note, "shade is random") {
		t.Errorf("the data set note says %q; want how the test images differ (the swatch's shade is random)", note)
	}
	if got := text(ctx, "[data-testid=train-data]"); !strings.Contains(got, "training images") {
		t.Errorf("before training the panel says it trains on %q", got)
	}
	extraShot(t, ctx, "decoy-mnist")

	setField(t, ctx, "train-method", "rrr")
	// The data set's fine-tuning λ for RRR, far below the Phantom's 10: the
	// baseline's input gradient on the swatch is large.
	if err := waitJS(ctx, `Number(document.querySelector('[data-testid=train-lambda]').value) === 1e-5`, 5*time.Second); err != nil {
		got, _ := eval[string](ctx, `document.querySelector('[data-testid=train-lambda]').value`)
		t.Errorf("RRR λ on Decoy MNIST is %q, want the suggested 1e-5: %v", got, err)
	}
	setField(t, ctx, "train-epochs", "1")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=train-start]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done'`, 180*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q, error %q)", err, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
	}
	t.Logf("training: %s", text(ctx, "[data-testid=train-status]"))
	trainN, sampleN := galleryCounts(t, "decoy-mnist")
	got := text(ctx, "[data-testid=train-data]")
	if !strings.Contains(got, fmt.Sprintf("%d shipped Decoy MNIST training images", trainN)) || !strings.Contains(got, fmt.Sprintf("%d sample images", sampleN)) {
		t.Errorf("after training the panel says it trained on %q; the manifest lists %d training and %d sample images", got, trainN, sampleN)
	}
	if err := waitJS(ctx, `+document.querySelector('.chart[data-kind=accuracy]').dataset.points >= 1`, 10*time.Second); err != nil {
		t.Errorf("no accuracy chart after training: %v", err)
	}
	extraShot(t, ctx, "decoy-mnist-tuned")
	// The saliency chart draws both the IoU and the share in the masks.
	if n, _ := eval[int](ctx, `[...document.querySelectorAll('.chart[data-kind=iou] path.line')].filter(p => (p.getAttribute('d') || '').startsWith('M')).length`); n != 2 {
		t.Errorf("the saliency chart draws %d lines, want 2 (IoU and in mask)", n)
	}
	if errs, _ := rec.snapshot(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// galleryCounts reads the shipped manifest's image counts of a data set's
// training gallery and sample gallery.
func galleryCounts(t *testing.T, dataset string) (train, samples int) {
	t.Helper()
	b, err := os.ReadFile("../../assets/models/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Galleries []struct {
			Dataset, Split string
			Count          int
		}
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	for _, g := range man.Galleries {
		if g.Dataset != dataset {
			continue
		}
		if g.Split == "train" {
			train = g.Count
		} else {
			samples = g.Count
		}
	}
	if train == 0 || samples == 0 {
		t.Fatalf("the manifest lists %d training and %d sample images of %s", train, samples, dataset)
	}
	return train, samples
}
