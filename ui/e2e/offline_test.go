//go:build !js

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"saliencyexplorer/server"
	"saliencyexplorer/server/release"
)

// distHTML is the single-file build that `make dist-html` writes.
const distHTML = "../../dist/saliency-explorer.html"

// trap is an HTTP proxy that answers nothing: the browser is told to send
// every request through it (loopback included), so any connection it sees,
// from the page, a worker or the browser itself, is a request that should
// not have been made.
type trap struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string
}

func newTrap(t *testing.T) *trap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := &trap{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			tr.mu.Lock()
			tr.seen = append(tr.seen, strings.TrimSpace(line))
			tr.mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return tr
}

// browserServices are the hosts of Chromium's own background services
// (component updates, account checks, network time) that the flags of
// TestSingleFile do not silence. Their requests are the browser's, not the
// page's: the page's Content-Security-Policy allows it no connection at
// all. Every other host fails the test.
var browserServices = []string{"update.googleapis.com", "accounts.google.com", "clients2.google.com", "optimizationguide-pa.googleapis.com"}

// requests returns the request lines the trap received, apart from those
// to browserServices, which it returns separately.
func (tr *trap) requests() (page, browser []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, line := range tr.seen {
		_, target, _ := strings.Cut(line, " ")
		target, _, _ = strings.Cut(target, " ")
		host := target
		if u, err := url.Parse(target); err == nil && u.Host != "" {
			host = u.Host
		}
		host, _, _ = strings.Cut(host, ":")
		if slices.Contains(browserServices, host) {
			browser = append(browser, line)
		} else {
			page = append(page, line)
		}
	}
	return page, browser
}

// offlineTab opens a new tab in the browser of parent with the network
// emulated offline, and returns it with its recorder and a function that
// closes it.
func offlineTab(t *testing.T, parent context.Context) (context.Context, *recorder, func()) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	rec := &recorder{}
	if err := chromedp.Listen(ctx, rec.listen); err != nil {
		cancel()
		t.Fatalf("new tab: %v", err)
	}
	for _, err := range []error{
		chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)),
		call(ctx, network.Enable, network.EnableParams{}),
		call(ctx, runtime.Enable, cdp.Empty{}),
		call(ctx, cdplog.Enable, cdp.Empty{}),
		call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}),
		func() error {
			_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}})
			return err
		}(),
	} {
		if err != nil {
			cancel()
			t.Fatalf("new tab: %v", err)
		}
	}
	return ctx, rec, func() {
		if err := chromedp.Cancel(ctx); err != nil {
			t.Errorf("closing the tab: %v", err)
		}
		cancel()
	}
}

// checkNoRequests fails the test for any request the page made other than
// opening the file itself and reading the blob: and data: URLs it makes of
// its own contents, and for any console error.
func checkNoRequests(t *testing.T, rec *recorder, page string) {
	t.Helper()
	errs, reqs := rec.snapshot()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
	blobs := 0
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		switch {
		case err != nil:
			t.Errorf("request to an unparsable URL %q", r.URL)
		case r.URL == page && r.Method == "GET":
		case u.Scheme == "blob" || u.Scheme == "data":
			blobs++
		default:
			t.Errorf("the single file made a request: %s %s", r.Method, r.URL)
		}
	}
	t.Logf("%d page requests, all of them the file itself or its own blob:/data: URLs (%d)", len(reqs), blobs)
}

// TestSingleFile opens dist/saliency-explorer.html from file:// in a
// browser whose every request goes to a proxy that answers nothing and
// whose tabs are offline, and walks the journey: a prediction and its map,
// another saliency method, a painted mask that is there again after the
// tab is closed and the file opened anew, one fine-tuning epoch on Crosses
// and the export of the fine-tuned model. No request may reach the proxy,
// and the page may load nothing but the file and its own blob: URLs.
func TestSingleFile(t *testing.T) {
	fi, err := os.Stat(distHTML)
	if err != nil {
		unavailable(t, "the single file is not built (run `make dist-html` or `make dist`)")
	}
	if site, err := os.Stat(filepath.Join(siteDir, "app.wasm")); err == nil && site.ModTime().After(fi.ModTime()) {
		unavailable(t, "%s is older than the site; run `make dist-html`", distHTML)
	}
	abs, err := filepath.Abs(distHTML)
	if err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: abs, RawQuery: "workers=2"}).String()
	tr := newTrap(t)
	bctx, _ := browser(t, 300*time.Second,
		chromedp.ProxyServer("http://"+tr.ln.Addr().String()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		// Chromium's own background traffic (network time, component and
		// extension updates, account checks, optimization hints) is not the
		// page's, but would reach the trap too.
		chromedp.Flag("disable-features", "NetworkTimeServiceQuerying,OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("metrics-recording-only", true),
	)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("download folder: %v", err)
	}

	// First opening: a prediction and its map, another method's map, and a
	// painted mask.
	ctx, rec, closeTab := offlineTab(t, bctx)
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	t.Logf("engine ready %v after opening the file (%.1f MB)", time.Since(start).Round(time.Millisecond), float64(fi.Size())/1e6)
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	title := activeSample(ctx)
	saliencyShown(t, ctx, title)
	t.Logf("prediction by %s for %q: %s", chipName(ctx), title, text(ctx, "[data-testid=prediction]"))
	// Every saliency method; with ?workers=2 the slow ones are split with a
	// helper worker, which the engine worker starts from a blob URL too.
	for _, m := range []string{"gradxinput", "smoothgrad", "integrated", "gradcam", "occlusion", "gradient"} {
		if _, err := eval[bool](ctx, `(() => { delete document.body.dataset.mapMax;
			const s = document.querySelector('[data-testid=saliency-method]'); s.value = `+jsString(m)+`;
			s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, `document.body.dataset.mapMax !== undefined && !document.querySelector('.viewer-busy') && (+document.body.dataset.mapMax === 0 || `+alphaCount("saliency-canvas")+` > 0)`, 120*time.Second); err != nil {
			t.Fatalf("%s map: %v (error %q)", m, err, text(ctx, "[data-testid=error]"))
		}
		mx, _ := eval[string](ctx, `document.body.dataset.mapMax`)
		ms, _ := eval[string](ctx, `document.body.dataset.mapMillis`)
		t.Logf("%s map: max %s in %s ms", m, mx, ms)
	}
	if err := waitJS(ctx, `document.querySelectorAll('[data-testid=real-gallery] img').length > 0 && [...document.querySelectorAll('[data-testid=real-gallery] img')].every(i => i.complete && i.naturalWidth > 0)`, 10*time.Second); err != nil {
		t.Errorf("the real images' thumbnails are not shown: %v", err)
	}
	paintBox(t, ctx, 0.3, 0.3, 0.7, 0.7)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0 && document.querySelector('[data-testid=metric-iou]')`, 10*time.Second); err != nil {
		t.Fatalf("painting: %v", err)
	}
	// The pointer leaves the image, so the brush outline is not counted.
	if err := chromedp.Do(ctx, chromedp.MouseEvent(chromedp.MouseMoved, 5, 5)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	painted, _ := eval[string](ctx, maskGrid)
	checkNoRequests(t, rec, page)
	closeTab()

	// Opened again: the same picture with its mask; then fine-tuning on
	// Crosses and the export of the fine-tuned model.
	ctx, rec, closeTab = offlineTab(t, bctx)
	defer closeTab()
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	saliencyShown(t, ctx, title)
	if err := waitJS(ctx, alphaCount("mask-canvas")+` > 0`, 10*time.Second); err != nil {
		t.Fatalf("the mask painted before closing the file is gone: %v", err)
	}
	// The mask is stored binary and drawn again; the brush's anti-aliased
	// edge is not, so compare the two on a coarse grid.
	again, _ := eval[string](ctx, maskGrid)
	same, on := 0, 0
	for i := range min(len(again), len(painted)) {
		if again[i] == painted[i] {
			same++
		}
		if painted[i] == '1' {
			on++
		}
	}
	if len(again) != len(painted) || on == 0 || float64(same) < 0.98*float64(len(painted)) {
		t.Errorf("the mask after reopening differs: %d of %d grid cells agree (%d painted before, grids of %d and %d)", same, len(painted), on, len(painted), len(again))
	} else {
		t.Logf("the mask after reopening: %d of %d grid cells agree, %d painted", same, len(painted), on)
	}
	pickDataset(t, ctx, "crosses")
	trained := chipName(ctx)
	setField(t, ctx, "train-epochs", "1")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=train-start]"))); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `document.querySelector('[data-testid=train-status]').dataset.state === 'done'`, 150*time.Second); err != nil {
		t.Fatalf("fine-tuning did not finish: %v (status %q, error %q)", err, text(ctx, "[data-testid=train-status]"), text(ctx, "[data-testid=error]"))
	}
	t.Logf("fine-tuning %s: %s", trained, text(ctx, "[data-testid=train-status]"))
	if err := waitJS(ctx, `document.querySelector('[data-testid=model-chip] .chip-tuned')`, 10*time.Second); err != nil {
		t.Errorf("the model is not marked fine-tuned: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=export-model]"))); err != nil {
		t.Fatal(err)
	}
	var arch, weights string
	deadline := time.Now().Add(20 * time.Second)
	for (arch == "" || weights == "") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		ents, _ := os.ReadDir(downloads)
		for _, e := range ents {
			switch filepath.Ext(e.Name()) {
			case ".json":
				arch = filepath.Join(downloads, e.Name())
			case ".safetensors":
				weights = filepath.Join(downloads, e.Name())
			}
		}
	}
	if arch == "" || weights == "" {
		t.Fatalf("the export did not download a .json and a .safetensors file (got %q, %q)", arch, weights)
	}
	var spec map[string]any
	if b, err := os.ReadFile(arch); err != nil || json.Unmarshal(b, &spec) != nil || len(spec) == 0 {
		t.Errorf("the exported architecture %s is not a JSON object (%v)", arch, err)
	}
	if st, err := os.Stat(weights); err != nil || st.Size() < 1000 {
		t.Errorf("the exported weights %s are missing or tiny (%v)", weights, err)
	} else {
		t.Logf("exported %s and %s (%d bytes)", filepath.Base(arch), filepath.Base(weights), st.Size())
	}
	checkNoRequests(t, rec, page)
	leaked, own := tr.requests()
	if len(leaked) > 0 {
		t.Errorf("%d requests reached the network: %q", len(leaked), leaked)
	}
	t.Logf("the network saw no request of the page; %d of Chromium's own background services", len(own))
}

// overlay is a file system that shows files over a base, and hides
// others (the build's .gz siblings of replaced files).
type overlay struct {
	base   fs.FS
	files  map[string][]byte
	hidden map[string]bool
}

func (o overlay) Open(name string) (fs.File, error) {
	if o.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if b, ok := o.files[name]; ok {
		return fstest.MapFS{name: {Data: b}}.Open(name)
	}
	return o.base.Open(name)
}

// restartable serves a handler on one address, stopped and started again
// at will.
type restartable struct {
	t    *testing.T
	addr string
	srv  *http.Server
	done chan error
}

func (r *restartable) start(h http.Handler) {
	r.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port was ours a moment ago
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("listening again on %s: %v", r.addr, err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	r.done = make(chan error, 1)
	go func() { r.done <- r.srv.Serve(ln) }()
}

func (r *restartable) stop() {
	r.t.Helper()
	if r.srv == nil {
		return
	}
	r.srv.Close()
	if err := <-r.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		r.t.Errorf("server: %v", err)
	}
	r.srv = nil
}

// maskGrid is a JavaScript expression giving the mask canvas on a 32×32
// grid, one character per cell: 1 where most of the cell is painted.
const maskGrid = `(() => { const c = document.querySelector('[data-testid=mask-canvas]'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	const G = 32, n = new Array(G*G).fill(0), tot = new Array(G*G).fill(0);
	for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) { const k = Math.floor(y*G/c.height)*G + Math.floor(x*G/c.width); tot[k]++; if (d[4*(y*c.width+x)+3] > 0) n[k]++; }
	return n.map((v, k) => v*2 > tot[k] ? '1' : '0').join(''); })()`

// sampleShown waits until a sample of the gallery is open with its map.
func sampleShown(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := waitJS(ctx, `document.querySelector('[data-testid=sample-gallery] .thumb.active')`, 30*time.Second); err != nil {
		t.Fatalf("no sample selected: %v", err)
	}
	saliencyShown(t, ctx, activeSample(ctx))
}

// swCaches is a JavaScript expression listing the service worker's caches.
const swCaches = `caches.keys().then(k => k.filter(n => n.startsWith('saliency-explorer-')))`

// TestServiceWorker loads the served app once, stops the server and
// reloads: the service worker serves the app, its models and a real
// image, and the engine works. Then the server comes back with a changed
// build (another index.html, so another sw.js): the next load installs it,
// the page says a new version is ready, and the load after that shows the
// new build from a cache that replaced the old one.
func TestServiceWorker(t *testing.T) {
	if _, err := os.Stat(filepath.Join(siteDir, release.ServiceWorkerName)); err != nil {
		unavailable(t, "the site is not built (run `make build`)")
	}
	site := os.DirFS(siteDir)
	index, err := fs.ReadFile(site, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	const marker = `<meta name="se-build" content="changed">`
	changed := overlay{base: site,
		files:  map[string][]byte{"index.html": bytes.Replace(index, []byte("<head>"), []byte("<head>\n"+marker), 1)},
		hidden: map[string]bool{"index.html.gz": true, "sw.js.gz": true}}
	sw, err := release.ServiceWorker(changed, "changed")
	if err != nil {
		t.Fatal(err)
	}
	changed.files["sw.js"] = sw

	srv := &restartable{t: t, addr: "127.0.0.1:0"}
	srv.start(server.NewHandler(site, server.Options{}))
	defer srv.stop()
	origin := "http://" + srv.addr
	ctx, rec := browser(t, 240*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	sampleShown(t, ctx)
	// The worker has cached the whole build once it controls the page.
	if err := waitJS(ctx, `navigator.serviceWorker.controller`, 60*time.Second); err != nil {
		t.Fatalf("no service worker took over the page: %v", err)
	}
	first, err := eval[[]string](ctx, swCaches)
	if err != nil || len(first) != 1 {
		t.Fatalf("caches after the first load: %q (%v), want one", first, err)
	}

	// No server: the reloaded app still works, its models and a real
	// image included. The engine worker, served from the cache, still
	// gets the page's ?workers=1.
	srv.stop()
	if _, err := http.Get(origin + "/"); err == nil {
		t.Fatalf("the server still answers after being stopped")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/?workers=1")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	sampleShown(t, ctx)
	if seen := workerSearches(t, ctx); !slices.ContainsFunc(seen, func(s string) bool {
		q, err := url.ParseQuery(strings.TrimPrefix(s, "?"))
		return err == nil && q.Get("workers") == "1"
	}) {
		t.Errorf("the engine worker served from the cache sees the query %q, want one with workers=1", seen)
	}
	pickDataset(t, ctx, "crosses")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=real-gallery] button[data-file="dicom/CT_small.dcm"]`))); err != nil {
		t.Fatal(err)
	}
	saliencyShown(t, ctx, "CT small")
	t.Logf("offline: the app, the Crosses model and a DICOM sample came from cache %s", first[0])

	// A changed build: installed on the next load, shown on the one after.
	srv.start(server.NewHandler(changed, server.Options{}))
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if err := waitJS(ctx, `document.getElementById('se-update')`, 60*time.Second); err != nil {
		t.Errorf("no notice of the new version: %v", err)
	} else {
		t.Logf("notice: %s", text(ctx, "#se-update"))
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if ok, _ := eval[bool](ctx, `!!document.querySelector('meta[name=se-build][content=changed]')`); !ok {
		t.Errorf("the reloaded page is not the changed build")
	}
	saliencyShown(t, ctx, "CT small") // the picture open before, kept
	second, err := eval[[]string](ctx, swCaches)
	if err != nil || len(second) != 1 || second[0] == first[0] {
		t.Errorf("caches after the update: %q (%v), want one, not %q", second, err, first[0])
	}
	t.Logf("caches: %s, then %s", first[0], second[0])
	errs, _ := rec.snapshot()
	for _, e := range errs {
		t.Errorf("console: %s", e)
	}
}

// workerSearches returns the location.search of each dedicated worker the
// page has (its engine worker), as the worker itself sees it.
func workerSearches(t *testing.T, ctx context.Context) []string {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, ti := range infos {
		if ti.Type != "worker" || !ti.Attached {
			continue
		}
		// Detach on cancel: closing the target would end the worker.
		wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID), chromedp.WithDetachOnCancel())
		tctx, tcancel := context.WithTimeout(wctx, 10*time.Second)
		search, err := eval[string](tctx, `self.location.search`)
		tcancel()
		cancel()
		if err != nil {
			t.Logf("worker %s: %v", ti.URL, err)
			continue
		}
		seen = append(seen, search)
	}
	return seen
}
