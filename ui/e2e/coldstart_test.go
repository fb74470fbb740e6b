//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/wasm/host"
)

// startFiles returns the site's files the engine worker's Init reads when
// the page asks for the model name ("" on a first visit: the default), as
// the server sees them: the manifest, the model's architecture and
// weights, its data set's sample gallery and sample pack.
func startFiles(t *testing.T, name string) []string {
	t.Helper()
	m := siteManifest(t)
	e := m.Default()
	if name != "" {
		var ok bool
		if e, ok = m.Model(name); !ok {
			t.Fatalf("the site ships no model %q", name)
		}
	}
	g, ok := m.Gallery(e.Dataset, model.SplitTest)
	if !ok {
		t.Fatalf("the site has no %s gallery", e.Dataset)
	}
	files := []string{"manifest.json", e.Arch, e.Weights, g.File, host.SamplePackName(g.File)}
	for i, f := range files {
		if _, err := os.Stat(filepath.Join(siteDir, "models", f)); err != nil {
			t.Fatalf("the built site lacks models/%s: %v", f, err)
		}
		files[i] = "/models/" + f
	}
	return files
}

// siteManifest returns the built site's models/manifest.json, parsed as
// the engine parses it.
func siteManifest(t *testing.T) *model.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(siteDir, "models", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.ParseManifest(b)
	if err != nil {
		t.Fatalf("the site's manifest: %v", err)
	}
	return m
}

// firstMapDrawn waits for the page's first map (its se-first-saliency
// mark).
func firstMapDrawn(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := waitJS(ctx, `performance.getEntriesByName('se-first-saliency').length > 0`, 60*time.Second); err != nil {
		t.Fatalf("no first map: %v (error %q)", err, text(ctx, "[data-testid=error]"))
	}
}

// holdBackPage makes the page's (not a worker's) WebAssembly[fn] (its
// compile or instantiate) answer d later than it would, from the next
// navigation on: the engine worker started meanwhile gets ahead of the
// page's Go program.
func holdBackPage(t *testing.T, ctx context.Context, fn string, d time.Duration) {
	t.Helper()
	onNewDocument(t, ctx, fmt.Sprintf(`
		if (typeof document !== 'undefined') {
			const f = WebAssembly[%[1]q];
			WebAssembly[%[1]q] = (...a) => f.apply(WebAssembly, a).then(v => new Promise(r => setTimeout(() => r(v), %[2]d)));
		}`, fn, d.Milliseconds()))
}

// TestEngineFilesAhead: on a first visit the engine worker fetches the
// files its Init reads as soon as its script runs, while the page compiles
// the module (worker.js, seLoader.ahead), and the engine then takes those
// responses instead of fetching each file again; the service worker, whose
// install fetches every file of the site, is registered only after the
// first map is drawn (boot.js; issue #12). The page's compile is held back
// 1.5 s here, so the Init's own fetches would come after it.
//
// A returning user whose last model is not the default (localStorage's
// se.v1.model, which boot.js passes to the worker) gets that model's files
// fetched ahead the same way, and not the default's.
func TestEngineFilesAhead(t *testing.T) {
	site := os.DirFS(siteDir)
	t.Run("first visit", func(t *testing.T) { engineFilesAhead(t, site, "") })
	t.Run("returning", func(t *testing.T) { engineFilesAhead(t, site, "crosses-masked") })
	// A manifest entry without a name is named after its arch file, and
	// Go reads field names without regard to case: the guess of worker.js
	// must do as the engine does.
	t.Run("unnamed entry", func(t *testing.T) {
		engineFilesAhead(t, unnamedSite(t, "crosses-masked"), "crosses-masked")
	})
}

// unnamedSite returns the built site with the manifest entry of the model
// name listed without its name, its other fields' names capitalized.
func unnamedSite(t *testing.T, name string) fs.FS {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(siteDir, "models", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	models, _ := m["models"].([]any)
	found := false
	for i, x := range models {
		e, _ := x.(map[string]any)
		if e["name"] != name {
			continue
		}
		if e["arch"] != name+".json" {
			t.Fatalf("the model %s's arch file is %v, not named after it", name, e["arch"])
		}
		found = true
		caps := map[string]any{}
		for k, v := range e {
			if k != "name" {
				caps[strings.ToUpper(k[:1])+k[1:]] = v
			}
		}
		models[i] = caps
	}
	if !found {
		t.Fatalf("the site ships no model %q", name)
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if parsed, err := model.ParseManifest(b); err != nil {
		t.Fatal(err)
	} else if _, ok := parsed.Model(name); !ok {
		t.Fatalf("the engine finds no %q in the rewritten manifest", name)
	}
	return overlay{base: os.DirFS(siteDir), files: map[string][]byte{"models/manifest.json": b}, hidden: map[string]bool{"models/manifest.json.gz": true}}
}

// engineFilesAhead is TestEngineFilesAhead on site with the model last
// used set to last ("": none).
func engineFilesAhead(t *testing.T, site fs.FS, last string) {
	origin, srv := serveFSLogged(t, site)
	srv.noStore = true // a file the engine fetched again would reach the server twice
	files := startFiles(t, last)
	ctx, rec := browser(t, 120*time.Second)
	holdBackPage(t, ctx, "compileStreaming", 1500*time.Millisecond)
	if last != "" {
		onNewDocument(t, ctx, fmt.Sprintf(`
			if (typeof document !== 'undefined') localStorage.setItem('se.v1.model', %q);`, last))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	firstMapDrawn(t, ctx)
	if got := chipName(ctx); last != "" && got != last {
		t.Errorf("the page shows the model %q, want %q (the model last used)", got, last)
	}
	marks, err := eval[map[string]float64](ctx, `Object.fromEntries(['se-compiled', 'se-first-saliency'].map(n => [n, performance.timeOrigin + performance.getEntriesByName(n)[0].startTime]))`)
	if err != nil {
		t.Fatal(err)
	}
	at := func(ms float64) time.Time { return time.UnixMicro(int64(ms * 1000)) }
	compiled, firstMap := at(marks["se-compiled"]), at(marks["se-first-saliency"])
	before := map[string][]time.Time{} // requests the server got before the first map
	for _, r := range srv.list() {
		if r.At.Before(firstMap) {
			before[r.URL] = append(before[r.URL], r.At)
		}
	}
	for _, f := range files {
		switch ts := before[f]; {
		case len(ts) == 0:
			t.Errorf("%s was not requested before the first map", f)
		case len(ts) > 1:
			t.Errorf("%s was requested %d times before the first map: the engine did not take the response fetched ahead", f, len(ts))
		case compiled.Sub(ts[0]) < 500*time.Millisecond:
			t.Errorf("%s was requested %v before the page's compile ended (want 500ms or more): not fetched ahead", f, compiled.Sub(ts[0]))
		}
	}
	for u := range before {
		if u == "/sw.js" || strings.HasPrefix(u, "/models/") && !slices.Contains(files, u) {
			t.Errorf("%s was requested before the first map: not a file of the start-up (a wrong guess ahead, or the service worker installed on the first map's way)", u)
		}
	}
	// The service worker still comes, after the map.
	if err := waitJS(ctx, `!!navigator.serviceWorker.controller`, 60*time.Second); err != nil {
		t.Errorf("no service worker controls the page after the first map: %v", err)
	}
	if errs, _ := rec.snapshot(); len(errs) > 0 {
		t.Errorf("errors on the console: %q", errs)
	}
}

// TestServiceWorkerWithoutMap: a page whose first map does not come (here
// the page's Go program never starts: its instantiation is held back
// longer than the test) still registers the service worker, 10 s after
// the page's load (boot.js's swWait), and not before.
func TestServiceWorkerWithoutMap(t *testing.T) {
	origin := serveSite(t)
	ctx, _ := browser(t, 60*time.Second)
	holdBackPage(t, ctx, "instantiate", 5*time.Minute)
	onNewDocument(t, ctx, `
		if (typeof document !== 'undefined' && navigator.serviceWorker) {
			const register = navigator.serviceWorker.register.bind(navigator.serviceWorker);
			navigator.serviceWorker.register = (...a) => { window.seRegisteredAt = performance.now(); return register(...a); };
		}`)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `window.seRegisteredAt !== undefined`, 15*time.Second); err != nil {
		t.Fatalf("no service worker was registered without a first map: %v", err)
	}
	times, err := eval[map[string]float64](ctx, `({registered: seRegisteredAt, load: performance.getEntriesByType('navigation')[0].loadEventStart, maps: performance.getEntriesByName('se-first-saliency').length})`)
	if err != nil {
		t.Fatal(err)
	}
	if times["maps"] != 0 {
		t.Fatalf("a first map was drawn: the test did not hold the page back (%v)", times)
	}
	if wait := times["registered"] - times["load"]; wait < 9900 {
		t.Errorf("the service worker was registered %.0f ms after the page's load, want 10 s", wait)
	}
	if ok, err := eval[bool](ctx, `navigator.serviceWorker.getRegistration().then(r => !!r)`); err != nil || !ok {
		t.Errorf("the page has no service worker registration (%v)", err)
	}
}
