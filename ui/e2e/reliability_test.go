//go:build !js

package e2e

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
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
	// A model loaded from a file works, and the page says it will not be
	// kept: the browser's database did not open.
	file := filepath.Join(t.TempDir(), "blocked-net.onnx")
	writeCrossesONNX(t, file, 5)
	upload(t, ctx, "[data-testid=load-model]", file)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-name]').textContent === 'blocked-net' && !document.querySelector('[data-testid=model-chip] .spinner')`, 60*time.Second); err != nil {
		t.Fatalf("loading an ONNX model without storage: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	if err := waitJS(ctx, `(document.querySelector('[data-testid=error]') || {textContent: ''}).textContent.includes('did not keep the model you loaded (its database did not open')`, 30*time.Second); err != nil {
		t.Errorf("no word that the loaded model is not kept: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	errs, _ := rec.snapshot()
	for _, e := range errs {
		if strings.Contains(e, "panic") || strings.Contains(e, "exception") {
			t.Errorf("page error: %s", e)
		}
	}
}

// writeBombPNG writes a real decompression bomb: a PNG of 8192×8192 16-bit
// RGBA pixels, all zero (512 MB decoded, about 650 KB on disk).
func writeBombPNG(t *testing.T, path string) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	const side = 8192
	ihdr := binary.BigEndian.AppendUint32(nil, side)
	ihdr = binary.BigEndian.AppendUint32(ihdr, side)
	chunk("IHDR", append(ihdr, 16, 6, 0, 0, 0)) // 16-bit RGBA
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+side*8) // filter byte and the pixels
	for range side {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileFiles opens, as a user could, a decompression-bomb PNG as an
// image and as a mask, and a model whose metadata names a data set of
// another shape (issue #10: the bomb took ~10 s and over a gigabyte; the
// model killed the engine). Each gets a message, the picture and model
// stay, and the engine goes on answering.
func TestHostileFiles(t *testing.T) {
	origin := serveSite(t)
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	first := activeSample(ctx)
	saliencyShown(t, ctx, first)

	bomb := filepath.Join(t.TempDir(), "bomb.png")
	writeBombPNG(t, bomb)
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("[data-testid=file-input]"), []string{bomb})); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('megapixels')`, 30*time.Second); err != nil {
		t.Fatalf("no message for the bomb PNG: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	msg := text(ctx, "[data-testid=error]")
	t.Logf("bomb PNG as an image, after %v: %s", time.Since(start).Round(time.Millisecond), msg)
	if !strings.Contains(msg, "8192×8192") || !strings.Contains(msg, "bomb.png") {
		t.Errorf("the message %q does not name the file and its size", msg)
	}
	if got := text(ctx, ".pic-name"); got != first {
		t.Errorf("after the bomb the picture is %q, want %q still", got, first)
	}
	chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=error] .banner-close")))

	// The same file as a mask: refused from its header, on the page.
	start = time.Now()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`input[accept="image/png,.png"]`), []string{bomb})); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('too large')`, 30*time.Second); err != nil {
		t.Fatalf("no message for the bomb PNG as a mask: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	t.Logf("bomb PNG as a mask, after %v: %s", time.Since(start).Round(time.Millisecond), text(ctx, "[data-testid=error]"))
	chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=error] .banner-close")))

	// A 1×28×28 model that says it was trained on Phantom (1×64×64).
	net, err := nn.New(model.CrossesCNN(), 1)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err := model.Save(net, map[string]string{"dataset": "phantom"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "odd.json"), filepath.Join(dir, "odd.safetensors")}
	for i, b := range [][]byte{arch, weights} {
		if err := os.WriteFile(files[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("[data-testid=load-model]"), files)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('1×64×64')`, 60*time.Second); err != nil {
		t.Fatalf("no message naming the shapes for the model: %v (notice %q, error %q)", err, text(ctx, "[role=status]"), text(ctx, "[data-testid=error]"))
	}
	t.Logf("model of another shape: %s", text(ctx, "[data-testid=error]"))
	if state, _ := eval[string](ctx, `document.body.dataset.engine`); state != "ready" || strings.Contains(text(ctx, "body"), "stopped unexpectedly") {
		t.Fatalf("after loading the model the engine is %q: %s", state, text(ctx, "[data-testid=error]"))
	}
	// The engine still answers, with the model on screen: another sample
	// gets its prediction and map.
	saliencyShown(t, ctx, clickSample(t, ctx, 2))
	for _, e := range func() []string { errs, _ := rec.snapshot(); return errs }() {
		if strings.Contains(e, "panic") || strings.Contains(e, "exception") {
			t.Errorf("page error: %s", e)
		}
	}
}
