//go:build !js

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBenchONNX records, per torchvision architecture exported by `make
// onnx-fixtures` (ResNet-18, DenseNet-121, MobileNetV2, EfficientNet-B0,
// 3×224×224), in a fresh headless Chromium with one engine worker: the
// time from choosing the .onnx file to the model being ready (read,
// import, build), the worker's time for one forward pass (median of 3
// predictions), and the worker's time for an Integrated Gradients map
// (32 steps). Run it with `make bench-onnx`; it is skipped unless
// SE_BENCH_ONNX=1. It prints a Markdown table row per architecture
// (docs/performance.md).
func TestBenchONNX(t *testing.T) {
	if os.Getenv("SE_BENCH_ONNX") != "1" {
		t.Skip("set SE_BENCH_ONNX=1 (make bench-onnx)")
	}
	origin := serveSite(t)
	photo, _ := filepath.Abs("../../assets/samples/images/retina.jpg")
	fmt.Println("| architecture | file | load | forward (median of 3) | Integrated Gradients, 32 steps |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, arch := range []string{"resnet18", "densenet121", "mobilenet_v2", "efficientnet_b0"} {
		// Each architecture in a subtest of its own, so that its browser is
		// closed before the next one loads (as in TestBenchWeb).
		t.Run(arch, func(t *testing.T) {
			model := onnxFixture(t, arch)
			st, _ := os.Stat(model)
			ctx, rec := browser(t, 600*time.Second)
			if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?workers=1")); err != nil {
				t.Fatal(err)
			}
			engineReady(t, ctx, rec)
			start := time.Now()
			upload(t, ctx, "[data-testid=load-model]", model)
			if err := waitJS(ctx, `document.querySelector('[data-testid=model-card]') && document.querySelector('[data-testid=model-name]').textContent === `+jsString(arch)+` && !document.querySelector('[data-testid=model-chip] .spinner')`, 300*time.Second); err != nil {
				t.Fatalf("loading %s: %v (error %q)", arch, err, text(ctx, "[data-testid=error]"))
			}
			load := time.Since(start)
			upload(t, ctx, "[data-testid=file-input]", photo)
			saliencyShown(t, ctx, "retina.jpg")
			var fwd []float64
			for i := range 3 {
				if i > 0 {
					// Predict again: a new normalization makes the picture new.
					preset := []string{"imagenet", "unit"}[i%2]
					eval[bool](ctx, `(delete document.body.dataset.predictMillis, true)`)
					setField(t, ctx, "card-normalize", preset)
				}
				if err := waitJS(ctx, `document.body.dataset.predictMillis !== undefined`, 120*time.Second); err != nil {
					t.Fatalf("%s: no prediction time: %v", arch, err)
				}
				ms, _ := eval[float64](ctx, `Number(document.body.dataset.predictMillis)`)
				fwd = append(fwd, ms)
			}
			slices.Sort(fwd)
			_, ig := mapFor(t, ctx, "integrated")
			fmt.Printf("| %s | %.1f MB | %.1f s | %.0f ms | %.1f s |\n", arch, float64(st.Size())/1e6, load.Seconds(), fwd[1], ig/1000)
		})
	}
}
