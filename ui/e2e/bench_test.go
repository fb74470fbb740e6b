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
	for _, name := range []string{"app.wasm", "worker.wasm", "wasm_exec.js", "vugu-render.js", "index.html", "style.css", "boot.js", "worker.js"} {
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
