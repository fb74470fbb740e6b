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
// (performance marks se-engine-ready and se-first-saliency, the moment
// the page draws the map into its canvas) and to the first animation
// frame after that (the page's render in the task that drew it is over:
// what the user sees comes with that frame), with the
// timeline of each load (the marks along the page's and the engine
// worker's start-up, and the fetches). SE_SITE_BASE names other built
// sites to load in alternation (before/after comparisons), SE_BENCH_ROUNDS
// the rounds (3), SE_BENCH_WARM=1 adds a returning visit in the same
// profile after each cold load. Run it with `make bench-web`; it is skipped
// unless SE_BENCH_WEB=1.
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

	// Cold loads, each in a fresh browser profile; with SE_SITE_BASE (other
	// built sites, separated by commas) the sites take turns, round after
	// round. The timeline is printed for this site's loads.
	sites := benchSites(t, origin)
	runs, _ := strconv.Atoi(cmp.Or(os.Getenv("SE_BENCH_ROUNDS"), "3"))
	ready, first, cpus, frames := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
	// SE_BENCH_WARM=1 also times a returning visit after each cold load.
	warm := os.Getenv("SE_BENCH_WARM") == "1"
	warmReady, warmFrames := map[string][]float64{}, map[string][]float64{}
	for i := range runs {
		for j, s := range sites {
			// Each load in a subtest of its own, so that its browser is
			// closed before the next load: a browser left running went on
			// with its page's work (the service worker's install, which
			// fetches and stores every file of the site) during the loads
			// after it.
			t.Run(fmt.Sprintf("round%d-site%d", i+1, j+1), func(t *testing.T) {
				ctx, _ := browser(t, 120*time.Second)
				// The first animation frame after the first map was drawn
				// (se-first-saliency): the page's own work in the task that
				// drew it (its render) is over then, whichever build runs.
				onNewDocument(t, ctx, `
				const seFrame = () => {
					if (performance.getEntriesByName('se-first-saliency').length > 0) { window.seMapFrame = performance.now(); return; }
					requestAnimationFrame(seFrame);
				};
				requestAnimationFrame(seFrame);`)
				cpu0 := browserCPU(ctx)
				if err := chromedp.Do(ctx, chromedp.Navigate(s.origin+"/")); err != nil {
					t.Fatal(err)
				}
				if err := waitJS(ctx, `window.seMapFrame > 0`, 100*time.Second); err != nil {
					t.Fatalf("%s, run %d: %v", s.name, i, err)
				}
				cpu := browserCPU(ctx) - cpu0
				r, _ := eval[float64](ctx, `performance.getEntriesByName('se-engine-ready')[0].startTime`)
				f, _ := eval[float64](ctx, `performance.getEntriesByName('se-first-saliency')[0].startTime`)
				p, _ := eval[float64](ctx, `window.seMapFrame`)
				// The engine worker's Init, from its request to its Ready.
				init, _ := eval[float64](ctx, `(() => { const m = n => performance.getEntriesByName(n)[0]; return m('se-w-init') && m('se-w-init-done') ? m('se-w-init-done').startTime - m('se-w-init').startTime : -1; })()`)
				fmt.Printf("%s, cold load %d: engine ready %6.0f ms, first saliency map %6.0f ms, its frame %6.0f ms (browser CPU time from navigation to a little after it %.0f ms; the worker's Init %.0f ms)\n", s.name, i+1, r, f, p, cpu.Seconds()*1000, init)
				cpus[s.name] = append(cpus[s.name], cpu.Seconds()*1000)
				frames[s.name] = append(frames[s.name], p)
				if s.origin == origin {
					timeline(t, ctx)
				}
				ready[s.name] = append(ready[s.name], r)
				first[s.name] = append(first[s.name], f)
				if warm {
					// A returning visit: the same profile, so the HTTP cache,
					// the service worker and V8's cache of the compiled module.
					time.Sleep(2 * time.Second) // the browser writes its caches
					if err := chromedp.Do(ctx, chromedp.Navigate(s.origin+"/")); err != nil {
						t.Fatal(err)
					}
					if err := waitJS(ctx, `window.seMapFrame > 0`, 100*time.Second); err != nil {
						t.Fatalf("%s, run %d, returning: %v", s.name, i, err)
					}
					r, _ := eval[float64](ctx, `performance.getEntriesByName('se-engine-ready')[0].startTime`)
					p, _ := eval[float64](ctx, `window.seMapFrame`)
					fmt.Printf("%s, returning load %d: engine ready %6.0f ms, first map's frame %6.0f ms\n", s.name, i+1, r, p)
					warmReady[s.name] = append(warmReady[s.name], r)
					warmFrames[s.name] = append(warmFrames[s.name], p)
				}
			})
		}
	}
	if t.Failed() {
		return
	}
	if warm {
		for _, s := range sites {
			r, p := slices.Sorted(slices.Values(warmReady[s.name])), slices.Sorted(slices.Values(warmFrames[s.name]))
			fmt.Printf("%s, returning visits, median of %d: navigation → data-engine=ready %.0f ms (%.0f–%.0f), → the first map's frame %.0f ms (%.0f–%.0f)\n",
				s.name, runs, r[runs/2], r[0], r[runs-1], p[runs/2], p[0], p[runs-1])
		}
	}
	for _, s := range sites {
		r, f, c, p := slices.Sorted(slices.Values(ready[s.name])), slices.Sorted(slices.Values(first[s.name])), slices.Sorted(slices.Values(cpus[s.name])), slices.Sorted(slices.Values(frames[s.name]))
		fmt.Printf("%s, median of %d: navigation → data-engine=ready %.0f ms (%.0f–%.0f), → first saliency map %.0f ms (%.0f–%.0f), → its frame %.0f ms (%.0f–%.0f); browser CPU time %.0f ms\n",
			s.name, runs, r[runs/2], r[0], r[runs-1], f[runs/2], f[0], f[runs-1], p[runs/2], p[0], p[runs-1], c[runs/2])
	}
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
// the Start click (the training set's generation included) and from the
// first step's report ("batch 1 of 19") to the run's end (the epoch's
// evaluation included), measured in the page, and the CPU time the
// browser's processes took meanwhile (page, engine workers and the rest;
// on a shared machine the wall-clock time measures the load as much).
// SE_SITE_BASE names other built sites, separated by commas (e.g. an older
// commit's server/site), timed in alternation with this one, round after
// round (SE_BENCH_ROUNDS, 3); SE_BENCH_QUERIES lists the page queries to
// time (default "workers=1,": one engine worker, then the default pool);
// SE_BENCH_MARKS=1 prints the engine worker's marks of each run (data set
// generation, steps, the epoch's report); SE_BENCH_IDLE the seconds to
// wait between the first map and the click (1). Skipped unless
// SE_BENCH_TRAIN=1.
func TestBenchTrain(t *testing.T) {
	if os.Getenv("SE_BENCH_TRAIN") != "1" {
		t.Skip("set SE_BENCH_TRAIN=1")
	}
	sites := benchSites(t, serveSite(t))
	queries := strings.Split(cmp.Or(os.Getenv("SE_BENCH_QUERIES"), "workers=1,"), ",")
	rounds, _ := strconv.Atoi(cmp.Or(os.Getenv("SE_BENCH_ROUNDS"), "3"))
	type key struct{ site, query string }
	cpuTime := map[key][]float64{}
	fromStep := map[key][]float64{}
	fromClick := map[key][]float64{}
	for r := range rounds {
		for j, s := range sites {
			for _, q := range queries {
				// Each run in a subtest of its own, so that its browser is closed
				// before the next run (as in TestBenchWeb): a browser left running
				// went on with its page's work during the runs after it.
				t.Run(fmt.Sprintf("round%d-site%d-%s", r+1, j+1, cmp.Or(q, "default")), func(t *testing.T) {
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
					// The first map and the page settle; SE_BENCH_IDLE (seconds)
					// waits longer, as a user looking at the map would, while
					// the engine draws the training set ahead.
					idle, _ := strconv.ParseFloat(cmp.Or(os.Getenv("SE_BENCH_IDLE"), "1"), 64)
					time.Sleep(time.Duration(idle * float64(time.Second)))
					setField(t, ctx, "train-method", "rrr")
					setField(t, ctx, "train-epochs", "1")
					if _, err := eval[bool](ctx, `(() => {
						window.seBench = {click: performance.now()};
						new MutationObserver(() => {
							const st = document.querySelector('[data-testid=train-status]');
							if (!st) return;
							const now = performance.now();
							if (!seBench.step && /batch \d+ of/.test(st.textContent)) seBench.step = now;
							if (!seBench.end && (st.dataset.state === 'done' || st.dataset.state === 'failed')) { seBench.end = now; seBench.state = st.dataset.state; }
						}).observe(document.body, {subtree: true, attributes: true, childList: true, characterData: true});
						document.querySelector('[data-testid=train-start]').click();
						return true; })()`); err != nil {
						t.Fatal(err)
					}
					cpu0 := browserCPU(ctx)
					if err := waitJS(ctx, `window.seBench.end`, 280*time.Second); err != nil {
						t.Fatalf("%s ?%s: %v (status %q)", s.name, q, err, text(ctx, "[data-testid=train-status]"))
					}
					type times struct {
						Click, Step, End float64
						State            string
					}
					tm, _ := eval[times](ctx, `({Click: seBench.click, Step: seBench.step || NaN, End: seBench.end, State: seBench.state})`)
					if tm.State != "done" {
						t.Fatalf("%s ?%s: training %s: %q", s.name, q, tm.State, text(ctx, "[data-testid=train-status]"))
					}
					cpu := browserCPU(ctx) - cpu0
					if os.Getenv("SE_BENCH_MARKS") == "1" {
						trainMarks(ctx, tm.Click)
					}
					k := key{s.name, q}
					fromClick[k] = append(fromClick[k], tm.End-tm.Click)
					fromStep[k] = append(fromStep[k], tm.End-tm.Step)
					cpuTime[k] = append(cpuTime[k], cpu.Seconds()*1000)
					fmt.Printf("round %d %s ?%s: Phantom RRR epoch: click → done %.0f ms, first step → done %.0f ms, browser CPU time (click → done) %.0f ms\n", r+1, s.name, q, tm.End-tm.Click, tm.End-tm.Step, cpu.Seconds()*1000)
				})
			}
		}
	}
	for _, s := range sites {
		for _, q := range queries {
			k := key{s.name, q}
			a, b, c := slices.Sorted(slices.Values(fromClick[k])), slices.Sorted(slices.Values(cpuTime[k])), slices.Sorted(slices.Values(fromStep[k]))
			if len(a) == 0 {
				continue // every run of it failed (its subtests say why)
			}
			fmt.Printf("median of %d, %s ?%s: click → done %.0f ms (%.0f–%.0f), first step → done %.0f ms (%.0f–%.0f), browser CPU time %.0f ms (%.0f–%.0f)\n",
				len(a), s.name, q, a[len(a)/2], a[0], a[len(a)-1], c[len(c)/2], c[0], c[len(c)-1], b[len(b)/2], b[0], b[len(b)-1])
		}
	}
}

// browserCPU returns the CPU time (user and system) taken so far by the
// browser of ctx and every process under it, from /proc (Linux; 0
// elsewhere).
func browserCPU(ctx context.Context) time.Duration {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0
	}
	root := c.Browser.Process().Pid
	type proc struct{ ppid, ticks int }
	procs := map[int]proc{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime stime: fields 4, 14 and 15; comm may hold spaces.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.Atoi(f[11])
		st, _ := strconv.Atoi(f[12])
		procs[pid] = proc{ppid, ut + st}
	}
	var total int
	for pid, p := range procs {
		for q := pid; q > 1; q = procs[q].ppid {
			if q == root {
				total += p.ticks
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ
}

// trainMarks prints the engine worker's marks of a training run made after
// the page's time from (ms), with the time since the previous one.
func trainMarks(ctx context.Context, from float64) {
	type entry struct {
		Name  string
		Start float64
	}
	es, _ := eval[[]entry](ctx, `performance.getEntriesByType('mark').filter(e => e.name.startsWith('se-w-') && e.startTime >= `+strconv.FormatFloat(from, 'f', 3, 64)+`).map(e => ({Name: e.name, Start: e.startTime}))`)
	prev := from
	for _, e := range es {
		fmt.Printf("  %8.0f ms (+%6.0f)  %s\n", e.Start-from, e.Start-prev, e.Name)
		prev = e.Start
	}
}

// benchSite is a built site a benchmark loads: its directory and origin.
type benchSite struct{ name, origin string }

// benchSites returns the sites a benchmark takes turns on: those
// SE_SITE_BASE names (built sites, separated by commas), then this one,
// served at origin.
func benchSites(t *testing.T, origin string) []benchSite {
	var sites []benchSite
	for base := range strings.SplitSeq(os.Getenv("SE_SITE_BASE"), ",") {
		if base != "" {
			o, _ := serveFSLogged(t, os.DirFS(base))
			sites = append(sites, benchSite{base, o})
		}
	}
	return append(sites, benchSite{siteDir, origin})
}
