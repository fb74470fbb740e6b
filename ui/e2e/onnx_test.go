//go:build !js

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	cdpstorage "github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// onnxFixture returns the path of a torchvision export made by
// `make onnx-fixtures`, skipping the test (failing it when CI=true) when
// it is absent.
func onnxFixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../../.cache/onnx", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		unavailable(t, "%s is missing (run `make onnx-fixtures`)", p)
	}
	return p
}

// TestONNXModel loads a torchvision ResNet-18 exported to ONNX through
// "Load model…", opens a colour photograph, shows its prediction and
// Grad-CAM, paints a mask, runs one fine-tuning step on that image and
// exports the model as ONNX, whose downloaded bytes must import again. It
// keeps to one image, batch 1, one step: ResNet-18 at 224² in wasm is slow.
// SE_ONNX_SHOT writes the screenshot of the explained model (README).
func TestONNXModel(t *testing.T) {
	model := onnxFixture(t, "resnet18")
	origin := serveSite(t)
	ctx, rec := browser(t, 300*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)

	// A broken .onnx file is refused with the importer's reason, and the
	// model in use stays.
	before := chipName(ctx)
	broken := filepath.Join(t.TempDir(), "broken.onnx")
	if err := os.WriteFile(broken, []byte("\x08\x07\x12\x07pytorch"), 0o644); err != nil {
		t.Fatal(err)
	}
	upload(t, ctx, "[data-testid=load-model]", broken)
	if err := waitJS(ctx, `document.querySelector('[data-testid=error]') && document.querySelector('[data-testid=error]').textContent.includes('broken.onnx')`, 30*time.Second); err != nil {
		t.Errorf("a broken ONNX file: no message: %v", err)
	}
	if got := chipName(ctx); got != before {
		t.Errorf("after a refused model the chip names %q, want %q still", got, before)
	}
	t.Logf("refused: %s", text(ctx, "[data-testid=error]"))
	eval[bool](ctx, `(document.querySelector('.banner-error .banner-close').click(), true)`)

	// Load the model with a labels file.
	labels := filepath.Join(t.TempDir(), "labels.txt")
	var names []string
	for i := range 1000 {
		names = append(names, "imagenet class "+strconv.Itoa(i))
	}
	if err := os.WriteFile(labels, []byte(strings.Join(names, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	upload(t, ctx, "[data-testid=load-model]", model, labels)
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-card]') && document.querySelector('[data-testid=model-name]').textContent === 'resnet18' && !document.querySelector('[data-testid=model-chip] .spinner')`, 120*time.Second); err != nil {
		t.Fatalf("loading resnet18.onnx: %v (chip %q, error %q, console %q)", err, chipName(ctx), text(ctx, "[data-testid=error]"), func() []string { e, _ := rec.snapshot(); return e }())
	}
	t.Logf("resnet18.onnx loaded in %v", time.Since(start).Round(time.Millisecond))
	if in := text(ctx, "[data-testid=card-input]"); !strings.Contains(in, "3×224×224") || !strings.Contains(in, "1000 classes") {
		t.Errorf("model card input %q", in)
	}
	// torchvision's preprocessing: ImageNet mean/std, resize then crop.
	setField(t, ctx, "card-normalize", "imagenet")
	if err := waitJS(ctx, `document.querySelector('[data-testid=card-normalize]').value === 'imagenet'`, 30*time.Second); err != nil {
		t.Errorf("choosing ImageNet normalization: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	setField(t, ctx, "card-resize", "crop")
	if err := waitJS(ctx, `document.querySelector('[data-testid=card-resize]').value === 'crop'`, 30*time.Second); err != nil {
		t.Errorf("choosing resize-then-crop: %v", err)
	}
	// The model list says where the model came from.
	click(t, ctx, "[data-testid=model-chip]")
	if err := waitJS(ctx, `[...document.querySelectorAll('[data-testid=model-option]')].some(e => e.textContent.includes('resnet18.onnx'))`, 10*time.Second); err != nil {
		t.Errorf("the model list does not say the model came from resnet18.onnx: %q", text(ctx, "[data-testid=model-menu]"))
	}
	eval[bool](ctx, `(document.querySelector('.picker-backdrop').click(), true)`)

	// A colour photograph: prediction and Grad-CAM.
	photo, _ := filepath.Abs("../../assets/samples/images/retina.jpg")
	upload(t, ctx, "[data-testid=file-input]", photo)
	saliencyShown(t, ctx, "retina.jpg")
	if n, _ := eval[int](ctx, `document.querySelectorAll('[data-testid=prediction] .prob-row').length`); n > 10 {
		t.Errorf("the prediction panel lists %d classes; want the most probable few", n)
	}
	setField(t, ctx, "saliency-method", "gradcam")
	if err := waitJS(ctx, `document.querySelector('[data-testid=saliency-method]').value === 'gradcam' && !document.querySelector('.viewer-busy') && `+alphaCount("saliency-canvas")+` > 0`, 60*time.Second); err != nil {
		t.Fatalf("Grad-CAM: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
	t.Logf("prediction: %s", text(ctx, "[data-testid=prediction] .probs"))
	if shot := os.Getenv("SE_ONNX_SHOT"); shot != "" {
		screenshot(t, ctx, filepath.Join("../..", shot))
	}

	// Paint a mask, label the image, and run one fine-tuning step.
	paintBox(t, ctx, 0.3, 0.3, 0.7, 0.7)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0`, 10*time.Second); err != nil {
		t.Fatalf("no mask painted: %v", err)
	}
	if _, err := eval[bool](ctx, `(() => { const s = document.querySelector('[data-testid=prediction] label.truth select'); s.value = '1'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`); err != nil {
		t.Fatalf("labelling the image: %v", err)
	}
	setField(t, ctx, "train-epochs", "1")
	if err := waitJS(ctx, `!document.querySelector('[data-testid=train-start]').disabled`, 10*time.Second); err != nil {
		t.Fatalf("training cannot start: %v (%s)", err, text(ctx, "[data-testid=train-data]"))
	}
	click(t, ctx, "[data-testid=train-start]")
	start = time.Now()
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done' || document.querySelector('[data-testid=train-status]').dataset.state === 'failed'`, 180*time.Second); err != nil {
		t.Fatalf("training did not finish: %v (status %q, error %q)", err, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
	}
	if st, _ := eval[string](ctx, `document.querySelector('[data-testid=train-status]').dataset.state`); st != "done" {
		t.Fatalf("training %s: %q (error %q)", st, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
	}
	t.Logf("one fine-tuning step in %v: %s", time.Since(start).Round(time.Millisecond), text(ctx, "[data-testid=train-status]"))
	// The browser keeps the model and its fine-tuned copy, once each.
	start = time.Now()
	if err := waitJS(ctx, `["file", "tuned:file"].every(k => (document.body.dataset.keptSaved || "").split(" ").includes(k))`, 120*time.Second); err != nil {
		t.Errorf("the imported ResNet-18 and its fine-tuned copy were not kept: %v (saved %q, error %q)", err,
			func() string { s, _ := eval[string](ctx, `document.body.dataset.keptSaved || ""`); return s }(), text(ctx, "[data-testid=error]"))
	} else if u, err := chromedp.Call(ctx, cdpstorage.GetUsageAndQuota, cdpstorage.GetUsageAndQuotaParams{Origin: origin}); err == nil {
		t.Logf("kept in the browser within %v: the site's storage holds %.1f MB", time.Since(start).Round(time.Millisecond), u.Usage/(1<<20))
	}

	// Export as ONNX: the downloaded file imports again.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("download folder: %v", err)
	}
	click(t, ctx, "[data-testid=export-model]")
	var name string
	var b []byte
	for deadline := time.Now().Add(120 * time.Second); name == "" && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		ents, _ := os.ReadDir(downloads)
		for _, e := range ents {
			if filepath.Ext(e.Name()) == ".onnx" {
				name = e.Name()
			}
		}
	}
	if name == "" {
		t.Fatalf("Export model downloaded no .onnx file (error %q, notice %q)", text(ctx, "[data-testid=error]"), text(ctx, ".banner-notice"))
	}
	b, err := os.ReadFile(filepath.Join(downloads, name))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := onnxpb.Decode(b, onnxpb.DefaultLimits())
	if err != nil {
		t.Fatalf("the exported %s (%d bytes) does not decode: %v", name, len(b), err)
	}
	imp, err := onnx.Import(pb, onnx.Options{})
	if err != nil {
		t.Fatalf("the exported %s does not import: %v", name, err)
	}
	if in := imp.Graph.Input(); in.C != 3 || in.H != 224 || in.W != 224 || imp.Graph.Classes() != 1000 {
		t.Errorf("the exported model takes %v to %d classes", in, imp.Graph.Classes())
	}
	if v, _ := pb.Metadata("saliency.normalize"); v != "imagenet" {
		t.Errorf("the export's saliency.normalize is %q, want imagenet", v)
	}
	if v, _ := pb.Metadata("fine_tuned_from"); v != "resnet18" {
		t.Errorf("the export's fine_tuned_from is %q, want resnet18", v)
	}
	t.Logf("exported %s: %d bytes, re-imports as %v → %d classes", name, len(b), imp.Graph.Input(), imp.Graph.Classes())

	// After a reload the model is back from the browser, with its card's
	// preprocessing and its fine-tuned copy: the same prediction.
	time.Sleep(time.Second)
	before = text(ctx, "[data-testid=prediction] .probs")
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.body.dataset.kept === "restored"`, 120*time.Second); err != nil {
		t.Fatalf("the kept ResNet-18 was not restored: %v (page %.300q)", err, text(ctx, "body"))
	}
	t.Logf("ResNet-18 and its fine-tuned copy restored %v after the reload", time.Since(start).Round(time.Millisecond))
	if chip := chipName(ctx); chip != "resnet18" {
		t.Errorf("after the reload the model is %q", chip)
	}
	if v, _ := eval[string](ctx, `document.querySelector('[data-testid=card-normalize]').value + ' ' + document.querySelector('[data-testid=card-resize]').value`); v != "imagenet crop" {
		t.Errorf("after the reload the card's preprocessing is %q, want imagenet crop", v)
	}
	saliencyShown(t, ctx, "retina.jpg")
	time.Sleep(time.Second)
	if after := text(ctx, "[data-testid=prediction] .probs"); after != before || !strings.Contains(after, "after") {
		t.Errorf("the prediction after the reload differs:\nbefore %q\nafter  %q", before, after)
	}
	errs, _ := rec.snapshot()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
}
