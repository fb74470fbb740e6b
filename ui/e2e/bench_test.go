//go:build !js

package e2e

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
		timeline(t, ctx)
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

// timeline prints the page's start-up: its performance marks (se-*; the
// engine worker's, se-w-*, are put on the page's timeline by loader.js) and
// the fetches of the site's main files, in milliseconds from navigation.
func timeline(t *testing.T, ctx context.Context) {
	t.Helper()
	type entry struct {
		Name       string
		Start, End float64
	}
	es, err := eval[[]entry](ctx, `[
		...performance.getEntriesByType('navigation').map(e => ({Name: 'html', Start: e.fetchStart, End: e.responseEnd})),
		...performance.getEntriesByType('resource').filter(e => /\.(wasm|js)$/.test(e.name)).map(e => ({Name: e.name.replace(/^.*\//, ''), Start: e.fetchStart, End: e.responseEnd})),
		...performance.getEntriesByType('mark').filter(e => e.name.startsWith('se-')).map(e => ({Name: e.name, Start: e.startTime, End: e.startTime})),
	].sort((a, b) => a.Start - b.Start)`)
	if err != nil {
		t.Errorf("timeline: %v", err)
		return
	}
	for _, e := range es {
		if e.End > e.Start {
			fmt.Printf("  %7.0f – %5.0f ms  fetch %s\n", e.Start, e.End, e.Name)
		} else {
			fmt.Printf("  %7.0f ms          %s\n", e.Start, e.Name)
		}
	}
}

// TestBenchTrain times one epoch of RRR fine-tuning of the shipped Phantom
// model (19 batches) in the app, in a fresh headless Chromium per run: from
// the Start click, and from the first step's report (the progress bar
// leaves 0), to the run's end (the epoch's evaluation included), measured
// in the page. SE_SITE_BASE names a second built site (e.g. an older
// commit's server/site) timed in alternation with this one, round after
// round; SE_BENCH_QUERIES lists the page queries to time (default
// "workers=1,": one engine worker, then the default pool). Skipped unless
// SE_BENCH_TRAIN=1.
func TestBenchTrain(t *testing.T) {
	if os.Getenv("SE_BENCH_TRAIN") != "1" {
		t.Skip("set SE_BENCH_TRAIN=1")
	}
	type site struct{ name, origin string }
	var sites []site
	if base := os.Getenv("SE_SITE_BASE"); base != "" {
		o, _ := serveFSLogged(t, os.DirFS(base))
		sites = append(sites, site{base, o})
	}
	sites = append(sites, site{siteDir, serveSite(t)})
	queries := strings.Split(cmp.Or(os.Getenv("SE_BENCH_QUERIES"), "workers=1,"), ",")
	rounds, _ := strconv.Atoi(cmp.Or(os.Getenv("SE_BENCH_ROUNDS"), "3"))
	type key struct{ site, query string }
	fromStep := map[key][]float64{}
	fromClick := map[key][]float64{}
	for r := range rounds {
		for _, s := range sites {
			for _, q := range queries {
				ctx, _ := browser(t, 300*time.Second)
				// The last model used is the one the app opens with.
				if err := chromedp.Do(ctx, chromedp.Navigate(s.origin+"/favicon.svg")); err != nil {
					t.Fatal(err)
				}
				if _, err := eval[bool](ctx, `localStorage.setItem('se.v1.model', 'phantom-baseline'), true`); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(s.origin+"/?"+q)); err != nil {
					t.Fatal(err)
				}
				if err := waitJS(ctx, `document.body.dataset.engine === 'ready' && document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 120*time.Second); err != nil {
					t.Fatalf("%s ?%s: %v", s.name, q, err)
				}
				if got := chipName(ctx); !strings.Contains(got, "phantom") {
					t.Fatalf("%s: the model is %q, not phantom-baseline", s.name, got)
				}
				time.Sleep(time.Second) // the first map and the page settle
				setField(t, ctx, "train-method", "rrr")
				setField(t, ctx, "train-epochs", "1")
				if _, err := eval[bool](ctx, `(() => {
					window.seBench = {click: performance.now()};
					new MutationObserver(() => {
						const st = document.querySelector('[data-testid=train-status]');
						if (!st) return;
						const f = st.querySelector('.progress-fill');
						const now = performance.now();
						if (!seBench.step && f && parseFloat(f.style.width) > 0) seBench.step = now;
						if (!seBench.end && (st.dataset.state === 'done' || st.dataset.state === 'failed')) { seBench.end = now; seBench.state = st.dataset.state; }
					}).observe(document.body, {subtree: true, attributes: true, childList: true, characterData: true});
					document.querySelector('[data-testid=train-start]').click();
					return true; })()`); err != nil {
					t.Fatal(err)
				}
				if err := waitJS(ctx, `window.seBench.end`, 280*time.Second); err != nil {
					t.Fatalf("%s ?%s: %v (status %q)", s.name, q, err, text(ctx, "[data-testid=train-status]"))
				}
				type times struct {
					Click, Step, End float64
					State            string
				}
				tm, _ := eval[times](ctx, `({Click: seBench.click, Step: seBench.step || 0, End: seBench.end, State: seBench.state})`)
				if tm.State != "done" {
					t.Fatalf("%s ?%s: training %s: %q", s.name, q, tm.State, text(ctx, "[data-testid=train-status]"))
				}
				k := key{s.name, q}
				fromClick[k] = append(fromClick[k], tm.End-tm.Click)
				fromStep[k] = append(fromStep[k], tm.End-tm.Step)
				fmt.Printf("round %d %s ?%s: Phantom RRR epoch: click → done %.0f ms, first step → done %.0f ms\n", r+1, s.name, q, tm.End-tm.Click, tm.End-tm.Step)
			}
		}
	}
	for _, s := range sites {
		for _, q := range queries {
			k := key{s.name, q}
			a, b := slices.Sorted(slices.Values(fromClick[k])), slices.Sorted(slices.Values(fromStep[k]))
			fmt.Printf("median of %d, %s ?%s: click → done %.0f ms (%.0f–%.0f), first step → done %.0f ms (%.0f–%.0f)\n",
				len(a), s.name, q, a[len(a)/2], a[0], a[len(a)-1], b[len(b)/2], b[0], b[len(b)-1])
		}
	}
}
