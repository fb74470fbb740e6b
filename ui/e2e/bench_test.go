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

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
)

// TestBenchWeb prints the size of the wasm bundles (raw and gzipped, as
// served) and, over a few cold loads with a fresh browser profile, the time
// from navigation to data-engine=ready and to the first saliency map
// (performance marks se-engine-ready and se-first-saliency). Run it with
// `make bench-web`; it is skipped unless SE_BENCH_WEB=1.
func TestBenchWeb(t *testing.T) {
	if os.Getenv("SE_BENCH_WEB") != "1" {
		t.Skip("set SE_BENCH_WEB=1 (make bench-web)")
	}
	origin := serveSite(t)
	fmt.Println("bundle            raw        gzip")
	var total, totalGz int64
	// What a first visit downloads before the first map: every wasm binary
	// of the site (one since issue #12, two before), the scripts, the page
	// and its style sheet.
	bins, err := filepath.Glob(filepath.Join(siteDir, "*.wasm"))
	if err != nil || len(bins) == 0 {
		t.Fatalf("no wasm binary in %s (%v)", siteDir, err)
	}
	names := []string{"wasm_exec.js", "loader.js", "vugu-render.js", "index.html", "style.css", "boot.js", "worker.js"}
	for _, b := range bins {
		names = append(names, filepath.Base(b))
	}
	for _, name := range names {
		raw, err1 := os.Stat(filepath.Join(siteDir, name))
		gz, err2 := os.Stat(filepath.Join(siteDir, name+".gz"))
		if err1 != nil || err2 != nil {
			t.Errorf("%s: %v %v", name, err1, err2)
			continue
		}
		total += raw.Size()
		totalGz += gz.Size()
		fmt.Printf("%-15s %8.1f kB %8.1f kB\n", name, float64(raw.Size())/1000, float64(gz.Size())/1000)
	}
	fmt.Printf("%-15s %8.1f kB %8.1f kB\n", "total", float64(total)/1000, float64(totalGz)/1000)

	const runs = 3
	var ready, first []float64
	for i := range runs {
		ctx, _ := browser(t, 120*time.Second)
		if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, `performance.getEntriesByName('se-first-saliency').length > 0`, 100*time.Second); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		r, _ := eval[float64](ctx, `performance.getEntriesByName('se-engine-ready')[0].startTime`)
		f, _ := eval[float64](ctx, `performance.getEntriesByName('se-first-saliency')[0].startTime`)
		fmt.Printf("cold load %d: engine ready %6.0f ms, first saliency map %6.0f ms\n", i+1, r, f)
		ready = append(ready, r)
		first = append(first, f)
	}
	slices.Sort(ready)
	slices.Sort(first)
	fmt.Printf("median of %d: navigation → data-engine=ready %.0f ms, → first saliency map %.0f ms\n", runs, ready[runs/2], first[runs/2])
}

// TestBenchWorkers times Integrated Gradients maps (32 steps) of a Phantom
// sample (64×64, the CNN64 network with seed-1 weights, loaded from files)
// with one engine worker (?workers=1) and split across two (?workers=2),
// each in a fresh headless Chromium: the worker's own time (data-map-millis)
// of 7 maps after a warm-up map, median and range. Run it with `make
// bench-web`; it is skipped unless SE_BENCH_WEB=1.
func TestBenchWorkers(t *testing.T) {
	if os.Getenv("SE_BENCH_WEB") != "1" {
		t.Skip("set SE_BENCH_WEB=1 (make bench-web)")
	}
	net, err := nn.New(model.CNN64(data.PhantomClassNames), 1)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err := model.Save(net, map[string]string{"dataset": "phantom", "method": "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "phantom-cnn64.json"), filepath.Join(dir, "phantom-cnn64.safetensors")}
	for i, b := range [][]byte{arch, weights} {
		if err := os.WriteFile(files[i], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	origin := serveSite(t)
	const runs = 7
	for _, k := range []int{1, 2} {
		ctx, _, _ := firstView(t, origin, k, "")
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("input[type=file][multiple]"), files)); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset === "phantom" && document.querySelector('[data-testid=sample-gallery] .thumb.active') && !document.querySelector('.opening')`, 120*time.Second); err != nil {
			t.Fatalf("loading the Phantom model: %v (error %q)", err, text(ctx, "[data-testid=error]"))
		}
		saliencyShown(t, ctx, activeSample(ctx))
		mapFor(t, ctx, "integrated") // warm-up (starts the helpers)
		var ms []float64
		for range runs {
			_, m := mapFor(t, ctx, "integrated")
			ms = append(ms, m)
		}
		slices.Sort(ms)
		fmt.Printf("Integrated Gradients, 32 steps, Phantom 64×64 (CNN64), workers=%d: median %.0f ms (%.0f–%.0f ms over %d maps)\n", k, ms[runs/2], ms[0], ms[runs-1], runs)
	}
}
