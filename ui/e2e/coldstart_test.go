//go:build !js

package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/wasm/host"
)

// startFiles returns the site's files the engine worker's Init reads on a
// first visit, as the server sees them: the manifest, the default model's
// architecture and weights, its data set's sample gallery and sample pack.
func startFiles(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(siteDir, "models", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Default()
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

// TestEngineFilesAhead: on a first visit the engine worker fetches the
// files its Init reads as soon as its script runs, while the page compiles
// the module (worker.js, seLoader.ahead), and the engine then takes those
// responses instead of fetching each file again; the service worker, whose
// install fetches every file of the site, is registered only after the
// first map is drawn (boot.js; issue #12). The page's compile is held back
// 1.5 s here, so the Init's own fetches would come after it.
func TestEngineFilesAhead(t *testing.T) {
	origin, srv := serveSiteLogged(t)
	srv.noStore = true // a file the engine fetched again would reach the server twice
	files := startFiles(t)
	ctx, rec := browser(t, 120*time.Second)
	if err := call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		if (typeof document !== 'undefined') {
			const compile = WebAssembly.compileStreaming;
			WebAssembly.compileStreaming = (...a) => compile.apply(WebAssembly, a).then(m => new Promise(r => setTimeout(() => r(m), 1500)));
		}`}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `performance.getEntriesByName('se-first-saliency').length > 0`, 60*time.Second); err != nil {
		t.Fatalf("no first map: %v (error %q)", err, text(ctx, "[data-testid=error]"))
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
			t.Errorf("%s was requested before the first map: the service worker was installed on the first map's way", u)
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
