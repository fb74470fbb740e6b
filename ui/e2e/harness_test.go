//go:build !js

package e2e

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"saliencyexplorer/server"
)

// siteDir is the built site, relative to this package, or $SE_SITE (for
// running a check against another build, such as one without a fix).
var siteDir = cmp.Or(os.Getenv("SE_SITE"), "../../server/site")

// unavailable skips the test, or fails it when CI=true.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("e2e: %s (CI=true, so this is a failure)", msg)
	}
	t.Skipf("e2e: skipped: %s", msg)
}

// chromiumPath finds the browser.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	unavailable(t, "Chromium is not installed (apt-get install chromium, or set CHROMIUM)")
	return ""
}

// served records the requests the server answered, including those of the
// engine worker, which the page's DevTools network log does not show.
type served struct {
	mu   sync.Mutex
	reqs []request
	// noStore, set before the page loads, sends every file with
	// Cache-Control: no-store, so the browser asks for it each time.
	noStore bool
}

func (s *served) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, request{Method: r.Method, URL: r.URL.Path, At: time.Now()})
		noStore := s.noStore
		s.mu.Unlock()
		if noStore {
			w = noStoreWriter{w}
		}
		h.ServeHTTP(w, r)
	})
}

// noStoreWriter replaces the response's Cache-Control with no-store.
type noStoreWriter struct{ http.ResponseWriter }

func (w noStoreWriter) WriteHeader(code int) {
	w.Header().Set("Cache-Control", "no-store")
	w.ResponseWriter.WriteHeader(code)
}

func (w noStoreWriter) Write(b []byte) (int, error) {
	if w.Header().Get("Cache-Control") != "no-store" {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (s *served) list() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// serveSite serves the built site with the real handler and returns its
// origin, e.g. "http://127.0.0.1:41234".
func serveSite(t testing.TB) string {
	origin, _ := serveSiteLogged(t)
	return origin
}

// serveSiteLogged is serveSite that also returns the server's request log.
func serveSiteLogged(t testing.TB) (string, *served) {
	t.Helper()
	return serveFSLogged(t, os.DirFS(siteDir))
}

// serveFSLogged serves site (the built site, or a variant of it) and
// returns its origin and request log.
func serveFSLogged(t testing.TB, site fs.FS) (string, *served) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(siteDir, "app.wasm")); err != nil {
		unavailable(t, "the site is not built (run `make build` or `make test-e2e`)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := &served{}
	srv := &http.Server{Handler: log.wrap(server.NewHandler(site, server.Options{})), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), log
}

// request is one network request the page made.
type request struct {
	Method, URL string
	// At is when the server received it (zero in the page's log).
	At time.Time
}

// recorder collects console errors, uncaught exceptions and requests.
type recorder struct {
	mu       sync.Mutex
	errors   []string
	requests []request
}

func (r *recorder) listen(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			parts = append(parts, string(a.Value)+a.Description)
		}
		msg := strings.Join(parts, " ")
		// Go's wasm runtime prints panics with console.log and the exit
		// status with console.warn, so those count as errors too.
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert ||
			strings.Contains(msg, "panic:") || strings.Contains(msg, "fatal error:") || strings.Contains(msg, "exit code") {
			r.errors = append(r.errors, "console."+string(ev.Type)+": "+msg)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		r.errors = append(r.errors, "exception: "+msg)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			r.errors = append(r.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		r.requests = append(r.requests, request{Method: ev.Request.Method, URL: ev.Request.URL})
	}
}

func (r *recorder) snapshot() (errs []string, reqs []request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...), append([]request(nil), r.requests...)
}

// browser starts a headless Chromium with a fresh profile (and any extra
// options) and returns a tab context with a recorder attached.
func browser(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) (context.Context, *recorder) {
	t.Helper()
	return browserWithProfile(t, timeout, t.TempDir(), extra...)
}

// browserWithProfile is browser with a given profile directory (for
// settings written into it before the browser starts).
func browserWithProfile(t testing.TB, timeout time.Duration, profile string, extra ...chromedp.ExecAllocatorOption) (context.Context, *recorder) {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-device-scale-factor", "1"),
	}
	opts = append(opts, extra...)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	rec := &recorder{}
	// The first call starts the browser; it must not carry the timeout.
	if err := chromedp.Listen(ctx, rec.listen); err != nil {
		cancel()
		acancel()
		unavailable(t, "Chromium (%s) did not start: %v", exe, err)
	}
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	for _, err := range []error{
		chromedp.Do(tctx, chromedp.EmulateViewport(1440, 900)),
		call(tctx, network.Enable, network.EnableParams{}),
		call(tctx, runtime.Enable, cdp.Empty{}),
		call(tctx, cdplog.Enable, cdp.Empty{}),
	} {
		if err != nil {
			t.Fatalf("enabling DevTools domains: %v", err)
		}
	}
	return tctx, rec
}

// call sends a DevTools command and ignores its result.
func call[P, R any](ctx context.Context, cmd cdp.Command[P, R], params P) error {
	_, err := chromedp.Call(ctx, cmd, params)
	return err
}

// onNewDocument runs the JavaScript src in every document (and worker
// global) the page loads from the next navigation on, before its own
// scripts.
func onNewDocument(t testing.TB, ctx context.Context, src string) {
	t.Helper()
	if err := call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
		t.Fatalf("adding a script to new documents: %v", err)
	}
}

// waitJS polls a JavaScript expression until it is truthy.
func waitJS(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")", chromedp.EvalAwaitPromise))
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v waiting for %s", timeout, expr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval evaluates a JavaScript expression (promises are awaited).
func eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// markTimes returns the start times, in milliseconds from navigation, of
// the page's performance marks of those names it has made (the first of
// each name); a mark not made is left out.
func markTimes(ctx context.Context, names ...string) (map[string]float64, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = jsString(n)
	}
	return eval[map[string]float64](ctx, `Object.fromEntries([`+strings.Join(quoted, ", ")+`].filter(n => performance.getEntriesByName(n).length).map(n => [n, performance.getEntriesByName(n)[0].startTime]))`)
}

// alphaCount is a JavaScript expression counting the non-transparent pixels
// of the canvas with the given data-testid.
func alphaCount(testid string) string {
	return `(() => { const c = document.querySelector('[data-testid=` + testid + `]'); if (!c || !c.width) return 0;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`
}

// text returns the text of the element matching a CSS selector.
func text(ctx context.Context, sel string) string {
	s, _ := eval[string](ctx, `(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.textContent : ""; })()`)
	return strings.Join(strings.Fields(s), " ")
}

func jsString(s string) string {
	s = strings.NewReplacer(`\`, `\\`, "'", `\'`, "\n", `\n`, "\r", `\r`).Replace(s)
	return "'" + s + "'"
}

// nodeCenter returns the centre of the first element matching sel, in
// viewport coordinates.
func nodeBox(ctx context.Context, sel string) (x, y, w, h float64, err error) {
	type box struct{ X, Y, W, H float64 }
	r, err := eval[box](ctx, `(() => { const b = document.querySelector(`+jsString(sel)+`).getBoundingClientRect();
		return {X: b.left, Y: b.top, W: b.width, H: b.height}; })()`)
	return r.X, r.Y, r.W, r.H, err
}
