//go:build !js

package e2e

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpstorage "github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/onnx"
)

// writeCrossesONNX writes a Crosses CNN (1×28×28, two classes, weights
// drawn from seed) as an ONNX file the way an exporter hands one over: a
// small model the browser imports, fine-tunes and restores in seconds.
func writeCrossesONNX(t *testing.T, path string, seed uint64) {
	t.Helper()
	net, err := nn.New(model.CrossesCNN(), seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range net.Params { // away from the initial values: a non-trivial prediction
		net.Params[i] += 0.05 * float32(math.Sin(float64(i)*1.3))
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.ExportBytes(g, onnx.ExportOptions{Head: "Softmax"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cardState reads the model card's fields: resize, normalization, labels,
// Grad-CAM layer and what fine-tuning trains.
func cardState(ctx context.Context) string {
	s, _ := eval[string](ctx, `['card-resize', 'card-normalize', 'card-layer', 'card-train'].map(id => { const e = document.querySelector('[data-testid=' + id + ']'); return e ? e.value : '-'; }).join(' | ')
		+ ' | ' + (document.querySelector('[data-testid=card-labels]') || {value: '-'}).value.replace(/\n/g, ',')`)
	return s
}

// TestKeptONNX loads a model from an ONNX file, edits its model card
// (resize, normalization, labels, Grad-CAM layer, what fine-tuning
// trains), fine-tunes it for one epoch, then reloads the page and, after
// that, crashes the engine (issue #11: the fine-tuned copy of an imported
// model was never kept, as it has no JSON+safetensors form, and the card's
// edits were not given back to a restarted engine). Each time the model is
// back under its file's name with its card as edited and its fine-tuned
// copy: the same prediction, before and after fine-tuning, as before.
func TestKeptONNX(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 300*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")

	file := filepath.Join(t.TempDir(), "kept-net.onnx")
	writeCrossesONNX(t, file, 5)
	upload(t, ctx, "[data-testid=load-model]", file)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-card]') && document.querySelector('[data-testid=model-name]').textContent === 'kept-net' && !document.querySelector('[data-testid=model-chip] .spinner') && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Fatalf("loading kept-net.onnx: %v (chip %q, error %q)", err, chipName(ctx), text(ctx, "[data-testid=error]"))
	}
	sample := clickSample(t, ctx, 2)
	saliencyShown(t, ctx, sample)

	// Edit every field of the card, each waited for.
	layers, _ := eval[[]string](ctx, `[...document.querySelectorAll('[data-testid=card-layer] option')].map(o => o.value)`)
	if len(layers) < 2 {
		t.Fatalf("the card offers the layers %q; want at least two", layers)
	}
	edit := func(id, value, check string) {
		t.Helper()
		setField(t, ctx, id, value)
		if err := waitJS(ctx, check+` && !document.querySelector('.viewer-busy')`, 30*time.Second); err != nil {
			t.Fatalf("editing %s: %v (card %q, error %q)", id, err, cardState(ctx), text(ctx, "[data-testid=error]"))
		}
	}
	edit("card-resize", "crop", `document.querySelector('[data-testid=card-resize]').value === 'crop'`)
	edit("card-normalize", "symmetric", `document.querySelector('[data-testid=card-normalize]').value === 'symmetric'`)
	edit("card-labels", "no cross\ntwo crosses", `document.querySelector('[data-testid=card-labels]').value === 'no cross\ntwo crosses'`)
	edit("card-layer", layers[0], `document.querySelector('[data-testid=card-layer]').value === `+jsString(layers[0]))
	edit("card-train", "all", `document.querySelector('[data-testid=card-train]').value === 'all'`)
	saliencyShown(t, ctx, sample)
	card := cardState(ctx)
	t.Logf("card: %s", card)

	setField(t, ctx, "train-epochs", "1")
	if err := waitJS(ctx, `!document.querySelector('[data-testid=train-start]').disabled`, 10*time.Second); err != nil {
		t.Fatalf("training cannot start: %v (%s)", err, text(ctx, "[data-testid=train-data]"))
	}
	click(t, ctx, "[data-testid=train-start]")
	status := `document.querySelector('[data-testid=train-status]')`
	if err := waitJS(ctx, status+`.dataset.state === 'done' || `+status+`.dataset.state === 'failed'`, 180*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	if st, _ := eval[string](ctx, status+`.dataset.state`); st != "done" {
		t.Fatalf("training %s: %q (error %q)", st, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
	}
	for _, key := range []string{"file", "tuned:file"} {
		if err := waitJS(ctx, `(document.body.dataset.keptSaved || "").split(" ").includes(`+jsString(key)+`)`, 60*time.Second); err != nil {
			t.Fatalf("%s was not kept in the browser: %v (saved %q, error %q)", key, err,
				func() string { s, _ := eval[string](ctx, `document.body.dataset.keptSaved || ""`); return s }(), text(ctx, "[data-testid=error]"))
		}
	}
	saliencyShown(t, ctx, sample)
	time.Sleep(time.Second) // the prediction of both models settles
	before := text(ctx, "[data-testid=prediction]")
	if !strings.Contains(before, "after") || !strings.Contains(before, "cross") {
		t.Fatalf("the prediction before the reload shows no fine-tuned model or not the card's labels: %q", before)
	}
	same := func(when string) {
		t.Helper()
		if chip := chipName(ctx); chip != "kept-net" {
			t.Errorf("%s: the model is %q, want kept-net", when, chip)
		}
		if c := cardState(ctx); c != card {
			t.Errorf("%s: the model card is %q, before %q", when, c, card)
		}
		saliencyShown(t, ctx, sample)
		time.Sleep(time.Second)
		if after := text(ctx, "[data-testid=prediction]"); after != before {
			t.Errorf("%s: the prediction differs (the fine-tuned copy or the card was not restored):\nbefore %q\nafter  %q", when, before, after)
		}
		if e := text(ctx, "[data-testid=error]"); e != "" {
			t.Errorf("%s: error %q", when, e)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.body.dataset.kept === "restored"`, 120*time.Second); err != nil {
		t.Fatalf("the kept models were not restored: %v (page %.300q)", err, text(ctx, "body"))
	}
	if notice := text(ctx, ".banner-notice"); !strings.Contains(notice, "kept-net") || !strings.Contains(notice, "fine-tuned copy") || strings.Contains(notice, "Not restored") {
		t.Errorf("after the reload the page says %q", notice)
	}
	same("after the reload")

	eval[bool](ctx, `(seTestHooks.crash("exit"), true)`)
	if err := waitJS(ctx, `document.body.dataset.restarts === "1" && document.body.dataset.engine === "ready"`, 120*time.Second); err != nil {
		t.Fatalf("the engine was not restarted: %v (page %.400q)", err, text(ctx, "body"))
	}
	if notice := text(ctx, ".banner-notice"); !strings.Contains(notice, "fine-tuned copy") || strings.Contains(notice, "Not restored") {
		t.Errorf("after the crash the page says %q", notice)
	}
	same("after the engine's restart")

	// Another model under the same file name does not get this card; the
	// first file, opened again, does.
	other := filepath.Join(t.TempDir(), "kept-net.onnx")
	writeCrossesONNX(t, other, 6)
	loadAs := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(".banner-notice .banner-close")); err != nil {
			t.Fatalf("dismissing the notice: %v", err)
		}
		if err := waitJS(ctx, `!document.querySelector('.banner-notice')`, 10*time.Second); err != nil {
			t.Fatalf("the notice stays: %v", err)
		}
		upload(t, ctx, "[data-testid=load-model]", path)
		if err := waitJS(ctx, `(document.querySelector('.banner-notice') || {textContent: ''}).textContent.trim().startsWith('Loaded kept-net.onnx') && !document.querySelector('[data-testid=model-chip] .spinner') && !document.querySelector('.opening') && !document.querySelector('.viewer-busy')`, 60*time.Second); err != nil {
			t.Fatalf("loading %s: %v (error %q, notice %q)", path, err, text(ctx, "[data-testid=error]"), text(ctx, ".banner-notice"))
		}
	}
	loadAs(other)
	if c := cardState(ctx); c == card || strings.Contains(c, "no cross") || strings.HasPrefix(c, "crop") {
		t.Errorf("another file named kept-net.onnx has the edited card %q", c)
	}
	loadAs(file)
	if c := cardState(ctx); c != card {
		t.Errorf("kept-net.onnx opened again has the card %q, edited %q", c, card)
	}
}

// TestKeptONNXQuota loads and fine-tunes an imported model in a browser
// whose storage quota is nearly used up (issue #11: a ResNet-18 is 45 MB,
// and its fine-tuned copy as much again). The page says, for each, that
// the browser did not keep it and why; the model and its fine-tuned copy
// stay in the page, so that a crashed engine still gets them back with
// the same prediction.
func TestKeptONNXQuota(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	sample := clickSample(t, ctx, 1)
	saliencyShown(t, ctx, sample)

	usage, err := chromedp.Call(ctx, cdpstorage.GetUsageAndQuota, cdpstorage.GetUsageAndQuotaParams{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	quota := usage.Usage + 2048
	if err := call(ctx, cdpstorage.OverrideQuotaForOrigin, cdpstorage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: &quota}); err != nil {
		t.Fatal(err)
	}
	t.Logf("storage: %.0f bytes used, quota set to %.0f", usage.Usage, quota)

	file := filepath.Join(t.TempDir(), "kept-net.onnx")
	writeCrossesONNX(t, file, 5)
	upload(t, ctx, "[data-testid=load-model]", file)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'kept-net' && !document.querySelector('[data-testid=model-chip] .spinner') && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Fatalf("loading kept-net.onnx: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	refused := func(what string) {
		t.Helper()
		if err := waitJS(ctx, `(document.querySelector('[data-testid=error]') || {textContent: ''}).textContent.includes(`+jsString("did not keep "+what)+`)`, 30*time.Second); err != nil {
			t.Fatalf("no word that the browser did not keep %s: %v (error %q, saved %q)", what, err, text(ctx, "[data-testid=error]"),
				func() string { s, _ := eval[string](ctx, `document.body.dataset.keptSaved || ""`); return s }())
		}
		msg := text(ctx, "[data-testid=error]")
		if !strings.Contains(msg, "storage is full") || !regexp.MustCompile(`\d+ [KM]B`).MatchString(msg) || !strings.Contains(msg, "Export model") {
			t.Errorf("the message does not say why, how much, or what to do: %q", msg)
		}
		t.Logf("refused: %s", msg)
		eval[bool](ctx, `(document.querySelector('.banner-error .banner-close').click(), true)`)
	}
	refused("the model you loaded")
	sample = clickSample(t, ctx, 2)
	saliencyShown(t, ctx, sample)
	edit := func(id, value string) {
		t.Helper()
		setField(t, ctx, id, value)
		if err := waitJS(ctx, `document.querySelector('[data-testid=`+id+`]').value === `+jsString(value)+` && !document.querySelector('.viewer-busy')`, 30*time.Second); err != nil {
			t.Fatalf("editing %s: %v (card %q, error %q)", id, err, cardState(ctx), text(ctx, "[data-testid=error]"))
		}
	}
	edit("card-normalize", "symmetric")
	edit("card-resize", "crop")
	card := cardState(ctx)

	setField(t, ctx, "train-epochs", "1")
	click(t, ctx, "[data-testid=train-start]")
	status := `document.querySelector('[data-testid=train-status]')`
	if err := waitJS(ctx, status+`.dataset.state === 'done' || `+status+`.dataset.state === 'failed'`, 180*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	refused("the fine-tuned model")
	saliencyShown(t, ctx, sample)
	time.Sleep(time.Second)
	before := text(ctx, "[data-testid=prediction]")
	if !strings.Contains(before, "after") {
		t.Fatalf("the prediction shows no fine-tuned model: %q", before)
	}

	eval[bool](ctx, `(seTestHooks.crash("exit"), true)`)
	if err := waitJS(ctx, `document.body.dataset.restarts === "1" && document.body.dataset.engine === "ready"`, 120*time.Second); err != nil {
		t.Fatalf("the engine was not restarted: %v (page %.400q)", err, text(ctx, "body"))
	}
	if chip := chipName(ctx); chip != "kept-net" {
		t.Errorf("after the restart the model is %q, want kept-net", chip)
	}
	if c := cardState(ctx); c != card {
		t.Errorf("after the restart the model card is %q, before %q", c, card)
	}
	saliencyShown(t, ctx, sample)
	time.Sleep(time.Second)
	if after := text(ctx, "[data-testid=prediction]"); after != before {
		t.Errorf("the prediction differs after the restart:\nbefore %q\nafter  %q", before, after)
	}
}
