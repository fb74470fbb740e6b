//go:build !js

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
)

// TestKeptModels fine-tunes Crosses for an epoch and loads a model from
// files, then reloads the page (issue #10: both were lost with the tab).
// After the reload the fine-tuned copy is back in the engine (the same
// predictions as before the reload, its before → after scores in the chip,
// its training history in the panel), the model from files is in the
// model list again under its file's name, and the page says what it
// restored.
func TestKeptModels(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 300*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	sample := clickSample(t, ctx, 2)
	saliencyShown(t, ctx, sample)

	setField(t, ctx, "train-method", "masked")
	setField(t, ctx, "train-epochs", "1")
	click(t, ctx, "[data-testid=train-start]")
	status := `document.querySelector('[data-testid=train-status]')`
	if err := waitJS(ctx, status+`.dataset.state === 'done'`, 180*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q)", err, text(ctx, "[data-testid=train-status]"))
	}
	saved := func(key string) {
		t.Helper()
		if err := waitJS(ctx, `(document.body.dataset.keptSaved || "").split(" ").includes(`+jsString(key)+`)`, 30*time.Second); err != nil {
			t.Fatalf("%s was not kept: %v (saved %q, error %q)", key, err, text(ctx, "body"), text(ctx, "[data-testid=error]"))
		}
	}
	saved("tuned:crosses-baseline")

	// A model from files, then back to the fine-tuned Crosses model.
	net, err := nn.New(model.CrossesCNN(), 3)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err := model.Save(net, map[string]string{"dataset": "crosses", "method": "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "my-kept-model.json"), filepath.Join(dir, "my-kept-model.safetensors")}
	for i, b := range [][]byte{arch, weights} {
		if err := os.WriteFile(files[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	upload(t, ctx, "[data-testid=load-model]", files...)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'my-kept-model'`, 60*time.Second); err != nil {
		t.Fatalf("loading the model: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	saved("file")
	pickModel(t, ctx, "crosses-baseline")
	saliencyShown(t, ctx, sample)
	time.Sleep(time.Second) // the prediction of both models settles
	before := text(ctx, "[data-testid=prediction]")
	if !strings.Contains(before, "after") {
		t.Fatalf("the prediction before the reload shows no fine-tuned model: %q", before)
	}
	meta := text(ctx, "[data-testid=model-chip] .chip-meta")

	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.body.dataset.kept === "restored"`, 120*time.Second); err != nil {
		t.Fatalf("the kept models were not restored: %v (page %.300q)", err, text(ctx, "body"))
	}
	saliencyShown(t, ctx, sample)
	if chip := chipName(ctx); chip != "crosses-baseline" {
		t.Errorf("after the reload the model is %q", chip)
	}
	if notice := text(ctx, ".banner-notice"); !strings.Contains(notice, "Restored from this browser") || !strings.Contains(notice, "my-kept-model") || !strings.Contains(notice, "fine-tuned copy of crosses-baseline") {
		t.Errorf("the page does not say what it restored: %q (error %q)", notice, text(ctx, "[data-testid=error]"))
	}
	if m := text(ctx, "[data-testid=model-chip] .chip-meta"); m != meta || !regexp.MustCompile(`\d\.\d+ → \d\.\d+`).MatchString(m) {
		t.Errorf("chip after the reload %q, before %q", m, meta)
	}
	time.Sleep(time.Second)
	if after := text(ctx, "[data-testid=prediction]"); after != before {
		t.Errorf("predictions differ after the reload (the fine-tuned copy was not restored):\nbefore %q\nafter  %q", before, after)
	}
	if st := text(ctx, "[data-testid=train-status]"); !strings.Contains(st, "Kept in this browser") || !strings.Contains(st, "fine-tuned in this browser from crosses-baseline") {
		t.Errorf("the training panel after the reload: %q", st)
	}
	if charts := text(ctx, "[data-testid=train-charts]"); strings.Contains(charts, "no epochs yet") {
		t.Errorf("the training history was not restored: %q", charts)
	}
	keys, _ := options(ctx)
	if !strings.Contains(strings.Join(keys, " "), "file") {
		t.Errorf("the model from files is not in the list after the reload: %v", keys)
	}
	// The model from files is in the engine again: switching to it works.
	click(t, ctx, "[data-testid=model-chip]")
	click(t, ctx, `[data-testid=model-option][data-key="file"]`)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'my-kept-model' && !document.querySelector('.opening')`, 60*time.Second); err != nil {
		t.Errorf("switching to the kept model from files: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	saliencyShown(t, ctx, sample)
}

// TestKeptMask paints a mask on an image of the user's of 840×560 pixels
// and reloads the page (issue #10: masks were base64 strings in
// localStorage, whose few megabytes fill quickly with images). The mask
// is kept in IndexedDB as a PNG at the picture's 840×560, not in
// localStorage, and after the reload the image opens again with the same
// mask, pixel for pixel.
func TestKeptMask(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	photo := filepath.Join(t.TempDir(), "kept-photo.png")
	writeCrossesPNG(t, photo, 840, 560)
	upload(t, ctx, "[data-testid=file-input]", photo)
	saliencyShown(t, ctx, "kept-photo.png")
	stroke(t, ctx)
	if err := waitJS(ctx, `+document.querySelector('[data-testid=mask-area]').textContent > 0`, 10*time.Second); err != nil {
		t.Fatalf("painting: %v", err)
	}
	area := text(ctx, "[data-testid=mask-area]")
	pixels, _ := eval[int](ctx, alphaCount("mask-canvas"))
	// What the browser keeps: one PNG of the picture's size, nothing in
	// localStorage.
	const stored = `new Promise((ok, bad) => { const q = indexedDB.open('saliency-explorer'); q.onerror = bad;
		q.onsuccess = () => { const g = q.result.transaction('masks').objectStore('masks').getAll(); g.onerror = bad;
		g.onsuccess = () => Promise.all(g.result.map(u => createImageBitmap(new Blob([u], {type: 'image/png'})).then(b => b.width + '×' + b.height))).then(ok, bad); }; })`
	var sizes []string
	deadline := time.Now().Add(10 * time.Second)
	for len(sizes) == 0 && time.Now().Before(deadline) {
		sizes, _ = eval[[]string](ctx, stored)
		time.Sleep(100 * time.Millisecond)
	}
	if len(sizes) != 1 || sizes[0] != "840×560" {
		t.Errorf("masks in IndexedDB: %v, want one of 840×560", sizes)
	}
	if n, _ := eval[int](ctx, `Object.keys(localStorage).filter(k => k.startsWith('se.v1.mask.')).length`); n != 0 {
		t.Errorf("%d masks in localStorage", n)
	}
	// The image's model input (1×28×28 float32) is in IndexedDB too, and
	// the list of images in localStorage is stored without it.
	const inputs = `new Promise((ok, bad) => { const q = indexedDB.open('saliency-explorer'); q.onerror = bad;
		q.onsuccess = () => { const g = q.result.transaction('inputs').objectStore('inputs').getAll(); g.onerror = bad;
		g.onsuccess = () => ok(g.result.map(u => u.byteLength)); }; })`
	var inputSizes []int
	deadline = time.Now().Add(10 * time.Second)
	for len(inputSizes) == 0 && time.Now().Before(deadline) {
		inputSizes, _ = eval[[]int](ctx, inputs)
		time.Sleep(100 * time.Millisecond)
	}
	if len(inputSizes) != 1 || inputSizes[0] != 4*28*28 {
		t.Errorf("inputs in IndexedDB: %v bytes, want one of %d", inputSizes, 4*28*28)
	}
	if list, _ := eval[string](ctx, `localStorage.getItem('se.v1.images') || ''`); !strings.Contains(list, "kept-photo.png") || strings.Contains(list, `"inputs"`) {
		t.Errorf("the list of images in localStorage: %.200s", list)
	}

	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('.pic-name') && document.querySelector('.pic-name').textContent === 'kept-photo.png'`, 60*time.Second); err != nil {
		t.Fatalf("the image was not reopened after the reload: %v", err)
	}
	// The mask is kept binary, so the brush's soft edge is not: allow for
	// it in the mask's area at model resolution.
	before, _ := strconv.Atoi(area)
	if err := waitJS(ctx, `document.querySelector('[data-testid=mask-area]') && +document.querySelector('[data-testid=mask-area]').textContent > 0`, 20*time.Second); err != nil {
		t.Fatalf("no mask after the reload: %v", err)
	}
	if after, _ := strconv.Atoi(text(ctx, "[data-testid=mask-area]")); after < before*8/10 || after > before {
		t.Errorf("mask area after the reload %d, before %d", after, before)
	}
	// The mask is kept binary (inside or not), so the brush's soft edge
	// is not: allow for it.
	if n, _ := eval[int](ctx, alphaCount("mask-canvas")); n < pixels*9/10 || n > pixels {
		t.Errorf("mask pixels after the reload %d, before %d", n, pixels)
	}
	if w, _ := eval[int](ctx, `document.querySelector('[data-testid=mask-canvas]').width`); w != 840 {
		t.Errorf("the mask canvas is %d pixels wide after the reload, want the picture's 840", w)
	}
}

// TestKeptSampleMask paints a mask on the sample shown first and reloads
// the page with the browser's database held back (issue #12: opening it
// and reading the masks took over a second in a fresh profile, and the
// first sample waited for it). The sample opens again and its map is
// drawn before the database has answered; the mask comes back once it
// has.
func TestKeptSampleMask(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('.pic-name') && document.querySelector('.pic-name').textContent !== ''`, 60*time.Second); err != nil {
		t.Fatalf("no first sample: %v", err)
	}
	name := text(ctx, ".pic-name")
	saliencyShown(t, ctx, name)
	stroke(t, ctx)
	if err := waitJS(ctx, `+document.querySelector('[data-testid=mask-area]').textContent > 0`, 10*time.Second); err != nil {
		t.Fatalf("painting: %v", err)
	}
	area := text(ctx, "[data-testid=mask-area]")
	const inDB = `new Promise((ok, bad) => { const q = indexedDB.open('saliency-explorer'); q.onerror = bad;
		q.onsuccess = () => { const g = q.result.transaction('masks').objectStore('masks').count(); g.onerror = bad; g.onsuccess = () => ok(g.result); }; })`
	if err := waitJS(ctx, inDB+`.then(n => n === 1)`, 10*time.Second); err != nil {
		t.Fatalf("the mask did not reach the database: %v", err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?test-hooks=1&db-delay=2000")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	saliencyShown(t, ctx, name)
	order, _ := eval[[]float64](ctx, `['se-first-saliency', 'se-db-ready'].map(n => (performance.getEntriesByName(n)[0] || {startTime: -1}).startTime)`)
	if len(order) != 2 || order[0] < 0 || (order[1] >= 0 && order[1] < order[0]) {
		t.Errorf("first map at %v ms, database ready at %v ms: the sample waited for the database", order[0], order[1])
	}
	// The mask is kept binary, so the brush's soft edge is not: allow for
	// it in the mask's area at model resolution.
	before, _ := strconv.Atoi(area)
	if err := waitJS(ctx, `document.querySelector('[data-testid=mask-area]') && +document.querySelector('[data-testid=mask-area]').textContent > 0`, 20*time.Second); err != nil {
		t.Fatalf("no mask after the reload: %v", err)
	}
	if after, _ := strconv.Atoi(text(ctx, "[data-testid=mask-area]")); after < before*8/10 || after > before {
		t.Errorf("mask area after the reload %d, before %d", after, before)
	}
	if n, _ := eval[int](ctx, alphaCount("mask-canvas")); n == 0 {
		t.Errorf("no mask drawn after the reload")
	}
}

// TestUnrestoredKept: a fine-tuned copy kept in the browser that the engine
// cannot read (here, three bytes) is not restored, and the page says so;
// it stays in the database (tried again at the next visit, not silently
// lost) until the user presses Forget, after which a reload no longer
// tries it.
func TestUnrestoredKept(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 180*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	pickDataset(t, ctx, "crosses")
	if chip := chipName(ctx); chip != "crosses-baseline" {
		t.Fatalf("the Crosses model is %q", chip)
	}
	const key = "tuned:crosses-baseline"
	const plant = `new Promise((ok, bad) => { const q = indexedDB.open('saliency-explorer'); q.onerror = bad;
		q.onsuccess = () => { const tx = q.result.transaction('models', 'readwrite');
		tx.objectStore('models').put({bufs: [new Uint8Array([1, 2, 3])], info: JSON.stringify({name: "broken", origin: "a test"})}, '` + key + `');
		tx.oncomplete = () => ok(true); tx.onerror = bad; }; })`
	if _, err := eval[bool](ctx, plant); err != nil {
		t.Fatal(err)
	}
	const stored = `new Promise((ok, bad) => { const q = indexedDB.open('saliency-explorer'); q.onerror = bad;
		q.onsuccess = () => { const g = q.result.transaction('models').objectStore('models').getAllKeys(); g.onerror = bad;
		g.onsuccess = () => ok(g.result.includes('` + key + `')); }; })`
	notRestored := func(round string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		engineReady(t, ctx, rec)
		if err := waitJS(ctx, `(document.querySelector('.banner-notice') || {}).textContent?.includes('Not restored')`, 60*time.Second); err != nil {
			t.Fatalf("%s: the page does not say the copy was not restored: %v (notice %q, error %q)", round, err, text(ctx, ".banner-notice"), text(ctx, "[data-testid=error]"))
		}
		if notice := text(ctx, ".banner-notice"); !strings.Contains(notice, "fine-tuned copy of") || !strings.Contains(notice, "Forget") {
			t.Errorf("%s: notice %q", round, notice)
		}
		if ok, err := eval[bool](ctx, stored); err != nil || !ok {
			t.Errorf("%s: the copy is no longer in the database (%v)", round, err)
		}
		if chip := chipName(ctx); chip != "crosses-baseline" {
			t.Errorf("%s: the model is %q", round, chip)
		}
	}
	notRestored("first reload")
	notRestored("second reload") // still kept: nothing is removed without the user

	click(t, ctx, "[data-testid=notice-forget]")
	if err := waitJS(ctx, `(document.querySelector('.banner-notice') || {}).textContent?.includes('Removed from this browser')`, 10*time.Second); err != nil {
		t.Fatalf("after Forget: %v (notice %q)", err, text(ctx, ".banner-notice"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := eval[bool](ctx, stored)
		if err == nil && !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Forget left the copy in the database (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, alphaCount("saliency-canvas")+` > 0`, 60*time.Second); err != nil {
		t.Fatalf("no map after the last reload: %v", err)
	}
	time.Sleep(time.Second)
	if notice := text(ctx, ".banner-notice"); strings.Contains(notice, "Not restored") {
		t.Errorf("after Forget and a reload: %q", notice)
	}
}
