package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMethods(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		method string
		want   int
	}{
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusOK},
		{http.MethodPost, http.StatusMethodNotAllowed},
		{http.MethodPut, http.StatusMethodNotAllowed},
		{http.MethodPatch, http.StatusMethodNotAllowed},
		{http.MethodDelete, http.StatusMethodNotAllowed},
		{http.MethodOptions, http.StatusMethodNotAllowed},
		{http.MethodTrace, http.StatusMethodNotAllowed},
		{"PROPFIND", http.StatusMethodNotAllowed},
		{"get", http.StatusMethodNotAllowed}, // methods are case-sensitive
	}
	for _, tt := range tests {
		for _, target := range []string{"/", "/app.wasm", "/missing.js", "/../secret.txt"} {
			rec := do(t, h, tt.method, target, nil)
			what := tt.method + " " + target
			want := tt.want
			if want == http.StatusOK && target == "/missing.js" {
				want = http.StatusNotFound
			}
			if want == http.StatusOK && target == "/../secret.txt" {
				want = http.StatusBadRequest
			}
			if rec.Code != want {
				t.Errorf("%s: status %d, want %d", what, rec.Code, want)
			}
			checkSecurityHeaders(t, what, rec.Header())
			allow := rec.Header().Get("Allow")
			switch {
			case want == http.StatusMethodNotAllowed && allow != "GET, HEAD":
				t.Errorf("%s: Allow = %q, want %q", what, allow, "GET, HEAD")
			case want != http.StatusMethodNotAllowed && allow != "":
				t.Errorf("%s: unexpected Allow = %q", what, allow)
			}
			if want == http.StatusMethodNotAllowed {
				if got := rec.Body.String(); got != "405 Method Not Allowed\n" {
					t.Errorf("%s: body %q, want generic 405 text", what, got)
				}
			}
		}
	}
}

func TestMethodNotAllowedOverRealServer(t *testing.T) {
	srv := httptest.NewServer(NewHandler(testSite(t), Options{}))
	defer srv.Close()
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		req, err := http.NewRequest(method, srv.URL+"/index.html", strings.NewReader("uploaded data"))
		if err != nil {
			t.Fatalf("%s: NewRequest: %v", method, err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s: Allow = %q, want %q", method, got, "GET, HEAD")
		}
		if bytes.Contains(body, indexHTML) {
			t.Errorf("%s: body contains the file", method)
		}
		checkSecurityHeaders(t, method, resp.Header)
	}
}

func TestContentTypes(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		target, want string
	}{
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/docs/guide.html", "text/html; charset=utf-8"},
		{"/app.wasm", "application/wasm"},
		{"/UPPER.WASM", "application/wasm"},
		{"/main.js", "text/javascript; charset=utf-8"},
		{"/wasm_exec.js", "text/javascript; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/logo.png", "image/png"},
		{"/manifest.json", "application/json"},
		{"/icon.svg", "image/svg+xml"},
		{"/model.safetensors", "application/octet-stream"},
		{"/scan.dcm", "application/dicom"},
		{"/deep/er/still/asset.woff2", "font/woff2"},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", tt.target, rec.Code)
			continue
		}
		if got := rec.Header().Values("Content-Type"); len(got) != 1 || got[0] != tt.want {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.target, got, tt.want)
		}
	}
}

func TestContentTypeTable(t *testing.T) {
	extra := map[string]string{".nii": "application/x-nifti", ".png": "image/x-custom", ".raw": ""}
	tests := []struct {
		name     string
		extra    map[string]string
		want     string
		wantOK   bool
		describe string
	}{
		{"a.wasm", nil, "application/wasm", true, "wasm"},
		{"dir/A.WaSm", nil, "application/wasm", true, "case-insensitive"},
		{"a.js", nil, "text/javascript; charset=utf-8", true, "js"},
		{"a.safetensors", nil, "application/octet-stream", true, "safetensors"},
		{"a.dcm", nil, "application/dicom", true, "dicom"},
		{"a.exe", nil, "application/octet-stream", false, "unknown extension"},
		{"Makefile", nil, "application/octet-stream", false, "no extension"},
		{"a.js.gz", nil, "application/octet-stream", false, "gz not served"},
		{"a.nii", extra, "application/x-nifti", true, "extra type"},
		{"a.png", extra, "image/x-custom", true, "extra overrides"},
		{"a.raw", extra, "application/octet-stream", true, "extra empty type"},
	}
	for _, tt := range tests {
		got, ok := contentType(tt.name, tt.extra)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: contentType(%q) = %q, %v; want %q, %v", tt.describe, tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
	for ext, typ := range mimeTypes {
		if !strings.HasPrefix(ext, ".") || strings.ToLower(ext) != ext || typ == "" {
			t.Errorf("mimeTypes[%q] = %q: keys must be lower-case with a dot, types non-empty", ext, typ)
		}
	}
}

func TestExtraTypesOption(t *testing.T) {
	h := NewHandler(testSite(t), Options{ExtraTypes: map[string]string{"NII": "application/x-nifti"}})
	rec := do(t, h, http.MethodGet, "/volume.nii", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/x-nifti" {
		t.Errorf("GET /volume.nii with ExtraTypes: status %d, Content-Type %q; want 200 application/x-nifti", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = do(t, NewHandler(testSite(t), Options{}), http.MethodGet, "/volume.nii", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /volume.nii without ExtraTypes: status %d, want 404", rec.Code)
	}
}

func TestGzipNegotiation(t *testing.T) {
	root := testRoot(t)
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		target, acceptEncoding string
		wantGzip, wantVary     bool
		wantType               string
	}{
		{"/app.wasm", "", false, true, "application/wasm"},
		{"/app.wasm", "gzip", true, true, "application/wasm"},
		{"/app.wasm", "gzip, deflate, br, zstd", true, true, "application/wasm"},
		{"/app.wasm", "GZIP", true, true, "application/wasm"},
		{"/app.wasm", "x-gzip", true, true, "application/wasm"},
		{"/app.wasm", "br;q=1.0, gzip;q=0.8", true, true, "application/wasm"},
		{"/app.wasm", "br, deflate", false, true, "application/wasm"},
		{"/app.wasm", "identity", false, true, "application/wasm"},
		{"/app.wasm", "gzip;q=0", false, true, "application/wasm"},
		{"/app.wasm", "gzip; q=0.000", false, true, "application/wasm"},
		{"/app.wasm", "*", true, true, "application/wasm"},
		{"/app.wasm", "*;q=0", false, true, "application/wasm"},
		{"/app.wasm", "*, gzip;q=0", false, true, "application/wasm"},
		{"/app.wasm", "gzip;q=bogus", false, true, "application/wasm"},
		{"/app.wasm", "gzipped", false, true, "application/wasm"},
		{"/main.js", "gzip", true, true, "text/javascript; charset=utf-8"},
		{"/main.js", "", false, true, "text/javascript; charset=utf-8"},
		{"/", "gzip", true, true, "text/html; charset=utf-8"},
		{"/style.css", "gzip", false, false, "text/css; charset=utf-8"}, // no style.css.gz
		{"/style.css", "", false, false, "text/css; charset=utf-8"},
	}
	for _, tt := range tests {
		name := strings.TrimPrefix(tt.target, "/")
		if name == "" {
			name = "index.html"
		}
		plain := root["site/"+name].Data
		want := plain
		if tt.wantGzip {
			want = root["site/"+name+".gz"].Data
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			what := fmt.Sprintf("%s %s Accept-Encoding=%q", method, tt.target, tt.acceptEncoding)
			hdr := map[string]string{}
			if tt.acceptEncoding != "" {
				hdr["Accept-Encoding"] = tt.acceptEncoding
			}
			rec := do(t, h, method, tt.target, hdr)
			if rec.Code != http.StatusOK {
				t.Errorf("%s: status %d, want 200", what, rec.Code)
				continue
			}
			res := rec.Header()
			if got := res.Get("Content-Encoding"); (got == "gzip") != tt.wantGzip || (got != "" && got != "gzip") {
				t.Errorf("%s: Content-Encoding %q, want gzip=%v", what, got, tt.wantGzip)
			}
			if got := res.Get("Vary"); (got == "Accept-Encoding") != tt.wantVary || (got != "" && got != "Accept-Encoding") {
				t.Errorf("%s: Vary %q, want Accept-Encoding=%v", what, got, tt.wantVary)
			}
			if got := res.Get("Content-Type"); got != tt.wantType {
				t.Errorf("%s: Content-Type %q, want %q", what, got, tt.wantType)
			}
			if got := res.Get("Content-Length"); got != strconv.Itoa(len(want)) {
				t.Errorf("%s: Content-Length %q, want %d", what, got, len(want))
			}
			if method == http.MethodHead {
				if rec.Body.Len() != 0 {
					t.Errorf("%s: HEAD response has a %d-byte body", what, rec.Body.Len())
				}
				continue
			}
			if !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("%s: body differs from the expected file (%d bytes, want %d)", what, rec.Body.Len(), len(want))
			}
			if tt.wantGzip {
				zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatalf("%s: body is not gzip: %v", what, err)
				}
				got, err := io.ReadAll(zr)
				if err != nil || !bytes.Equal(got, plain) {
					t.Errorf("%s: decompressed body differs from %s (err %v)", what, name, err)
				}
			}
		}
	}
}

func TestGzipOverRealServer(t *testing.T) {
	srv := httptest.NewServer(NewHandler(testSite(t), Options{}))
	defer srv.Close()
	// The default transport asks for gzip and transparently decompresses.
	resp, err := srv.Client().Get(srv.URL + "/app.wasm")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if !resp.Uncompressed {
		t.Errorf("transport did not receive a gzip-encoded response")
	}
	if !bytes.Equal(body, wasmBytes) {
		t.Errorf("decompressed body differs from app.wasm")
	}
	if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
		t.Errorf("Content-Type %q, want application/wasm", got)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"deflate", "gzip"}, true}, // several header lines
		{[]string{" gzip ; q=0.5 "}, true},
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip;q=-1"}, false},
		{[]string{"gzip;q=0", "*"}, false},
		{[]string{"*;q=0.1"}, true},
		{[]string{"identity;q=1, *;q=0"}, false},
		{[]string{"gzip;level=9"}, true},
		{[]string{"br"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.values); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestETag(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	first := do(t, h, http.MethodGet, "/app.wasm", nil)
	etag := first.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag %q is not a quoted strong entity tag", etag)
	}
	gzipped := do(t, h, http.MethodGet, "/app.wasm", map[string]string{"Accept-Encoding": "gzip"})
	gzETag := gzipped.Header().Get("ETag")
	if gzETag == "" || gzETag == etag {
		t.Errorf("gzip variant ETag %q must be set and differ from the plain one %q", gzETag, etag)
	}
	if other := do(t, h, http.MethodGet, "/main.js", nil).Header().Get("ETag"); other == etag {
		t.Errorf("different files share ETag %q", etag)
	}
	again := NewHandler(testSite(t), Options{})
	if got := do(t, again, http.MethodGet, "/app.wasm", nil).Header().Get("ETag"); got != etag {
		t.Errorf("ETag not stable across handlers: %q then %q", etag, got)
	}

	tests := []struct {
		method, ifNoneMatch, acceptEncoding string
		want                                int
	}{
		{http.MethodGet, etag, "", http.StatusNotModified},
		{http.MethodHead, etag, "", http.StatusNotModified},
		{http.MethodGet, "W/" + etag, "", http.StatusNotModified},
		{http.MethodGet, `"nope", ` + etag, "", http.StatusNotModified},
		{http.MethodGet, "*", "", http.StatusNotModified},
		{http.MethodGet, gzETag, "gzip", http.StatusNotModified},
		{http.MethodGet, gzETag, "", http.StatusOK},   // cached gzip, now asks plain
		{http.MethodGet, etag, "gzip", http.StatusOK}, // cached plain, now asks gzip
		{http.MethodGet, `"nope"`, "", http.StatusOK},
		{http.MethodGet, strings.Trim(etag, `"`), "", http.StatusOK}, // unquoted is not a match
	}
	for _, tt := range tests {
		what := fmt.Sprintf("%s If-None-Match=%s Accept-Encoding=%q", tt.method, tt.ifNoneMatch, tt.acceptEncoding)
		hdr := map[string]string{"If-None-Match": tt.ifNoneMatch}
		if tt.acceptEncoding != "" {
			hdr["Accept-Encoding"] = tt.acceptEncoding
		}
		rec := do(t, h, tt.method, "/app.wasm", hdr)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", what, rec.Code, tt.want)
			continue
		}
		checkSecurityHeaders(t, what, rec.Header())
		if rec.Header().Get("ETag") == "" {
			t.Errorf("%s: no ETag", what)
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Vary %q, want Accept-Encoding", what, rec.Header().Get("Vary"))
		}
		if rec.Header().Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("%s: Cache-Control %q", what, rec.Header().Get("Cache-Control"))
		}
		if tt.want == http.StatusNotModified {
			if rec.Body.Len() != 0 {
				t.Errorf("%s: 304 with a %d-byte body", what, rec.Body.Len())
			}
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
				if v := rec.Header().Get(k); v != "" {
					t.Errorf("%s: 304 with %s %q", what, k, v)
				}
			}
		}
	}
}

func TestCacheControl(t *testing.T) {
	tests := []struct {
		target string
		opts   Options
		want   string
	}{
		{"/", Options{}, "no-cache"},
		{"/index.html", Options{}, "no-cache"},
		{"/docs/", Options{}, "no-cache"},
		{"/docs/guide.html", Options{}, "no-cache"},
		{"/app.wasm", Options{}, "public, max-age=3600"},
		{"/main.js", Options{}, "public, max-age=3600"},
		{"/style.css", Options{}, "public, max-age=3600"},
		{"/model.safetensors", Options{}, "public, max-age=3600"},
		{"/app.wasm", Options{MaxAge: 90 * time.Second}, "public, max-age=90"},
		{"/app.wasm", Options{MaxAge: -time.Second}, "public, max-age=3600"},
		{"/", Options{MaxAge: 90 * time.Second}, "no-cache"},
		{"/missing.js", Options{}, "no-store"},
	}
	for _, tt := range tests {
		h := NewHandler(testSite(t), tt.opts)
		for _, ae := range []string{"", "gzip"} {
			rec := do(t, h, http.MethodGet, tt.target, map[string]string{"Accept-Encoding": ae})
			if got := rec.Header().Values("Cache-Control"); len(got) != 1 || got[0] != tt.want {
				t.Errorf("GET %s (MaxAge %v, Accept-Encoding %q): Cache-Control %q, want %q", tt.target, tt.opts.MaxAge, ae, got, tt.want)
			}
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	etag := do(t, NewHandler(testSite(t), Options{}), http.MethodGet, "/style.css", nil).Header().Get("ETag")
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		method, target string
		header         map[string]string
		want           int
	}{
		{http.MethodGet, "/", nil, http.StatusOK},
		{http.MethodHead, "/app.wasm", nil, http.StatusOK},
		{http.MethodGet, "/app.wasm", map[string]string{"Accept-Encoding": "gzip"}, http.StatusOK},
		{http.MethodGet, "/style.css", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{http.MethodGet, "/docs", nil, http.StatusMovedPermanently},
		{http.MethodGet, "/missing.js", nil, http.StatusNotFound},
		{http.MethodHead, "/missing.js", nil, http.StatusNotFound},
		{http.MethodGet, "/../secret.txt", nil, http.StatusBadRequest},
		{http.MethodPost, "/", nil, http.StatusMethodNotAllowed},
		{http.MethodDelete, "/missing.js", nil, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		what := tt.method + " " + tt.target
		rec := do(t, h, tt.method, tt.target, tt.header)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", what, rec.Code, tt.want)
		}
		checkSecurityHeaders(t, what, rec.Header())
	}

	// An internal error (the file vanished after start-up) gets them too,
	// with a generic body.
	var buf bytes.Buffer
	flaky := &flakyFS{FS: testSite(t)}
	fh := NewHandler(flaky, Options{ErrorLog: log.New(&buf, "", 0)})
	flaky.broken.Store(true)
	rec := do(t, fh, http.MethodGet, "/app.wasm", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("GET with failing file system: status %d, want 500", rec.Code)
	}
	checkSecurityHeaders(t, "500", rec.Header())
	if got := rec.Body.String(); got != "500 Internal Server Error\n" {
		t.Errorf("500 body %q, want the generic status text", got)
	}
	for _, k := range []string{"ETag", "Vary", "Content-Encoding"} {
		if v := rec.Header().Get(k); v != "" {
			t.Errorf("500 response carries %s %q", k, v)
		}
	}
	if !strings.Contains(buf.String(), "disk on fire") {
		t.Errorf("error log %q lacks the underlying error", buf.String())
	}
}

func TestDirectories(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		target       string
		want         int
		wantLocation string
		wantBody     string
	}{
		{"/", http.StatusOK, "", string(indexHTML)},
		{"/docs/", http.StatusOK, "", "<p>docs</p>"},
		{"/docs", http.StatusMovedPermanently, "/docs/", ""},
		{"/docs?x=1", http.StatusMovedPermanently, "/docs/", ""},
		{"/deep/er/still", http.StatusMovedPermanently, "/deep/er/still/", ""},
		{"/deep/er/still/", http.StatusOK, "", "<p>deep</p>"},
		{"/deep/", http.StatusNotFound, "", ""}, // directory without index.html
		{"/deep", http.StatusNotFound, "", ""},
		{"/nodir/", http.StatusNotFound, "", ""},
		{"/nodir", http.StatusNotFound, "", ""},
		{"/docs/index.html", http.StatusOK, "", "<p>docs</p>"},
		{"/docs/index.html/", http.StatusNotFound, "", ""},
		{"/app.wasm/", http.StatusNotFound, "", ""},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.target, rec.Code, tt.want)
			continue
		}
		if got := rec.Header().Get("Location"); got != tt.wantLocation {
			t.Errorf("GET %s: Location %q, want %q", tt.target, got, tt.wantLocation)
		}
		if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
			t.Errorf("GET %s: body %q, want %q", tt.target, rec.Body.String(), tt.wantBody)
		}
		if tt.want == http.StatusNotFound {
			if got := rec.Body.String(); got != "404 Not Found\n" {
				t.Errorf("GET %s: 404 body %q is not the generic text (a listing?)", tt.target, got)
			}
		}
	}
}

func TestOddButLegalNames(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		target string
		want   int
		body   string
	}{
		{"/weird%20name.css", http.StatusOK, "a{}"},
		{"/q%3F.css", http.StatusOK, "b{}"},
		{"/percent%252e%252e.css", http.StatusOK, "c{}"},
		{"/percent%2e%2e.css", http.StatusNotFound, ""},
		{"/app.wasm?v=123#frag", http.StatusOK, string(wasmBytes)},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.target, rec.Code, tt.want)
		}
		if tt.body != "" && rec.Body.String() != tt.body {
			t.Errorf("GET %s: body %q, want %q", tt.target, rec.Body.String(), tt.body)
		}
	}
}

// hostileTargets are request targets that must never yield anything but an
// error: path escapes, dotfiles, symlinks, unknown extensions, raw .gz files.
var hostileTargets = []string{
	"/../etc/passwd",
	"/../secret.txt",
	"/%2e%2e/%2e%2e/etc/passwd",
	"/%2e%2e/secret.txt",
	"/%2E%2E/secret.txt",
	"/..%2fsecret.txt",
	"/..%2Fsecret.txt",
	"/%2fsecret.txt",
	"/%2F..%2F..%2Fsecret.txt",
	"/docs%2f..%2f..%2fsecret.txt",
	"/a/../../x",
	"/a/../../secret.txt",
	"/docs/../../secret.txt",
	"/docs/..",
	"/./index.html",
	"/docs/./guide.html",
	"//etc/passwd",
	"//secret.txt",
	"/docs//guide.html",
	`/\..\x`,
	`/..\secret.txt`,
	"/%5c..%5csecret.txt",
	"/%5C..%5Csecret.txt",
	"/%00",
	"/index.html%00",
	"/index.html%00.js",
	"/%0a",
	"/%7f",
	"/C:/Windows/win.ini",
	"/C:%5cWindows%5cwin.ini",
	"*",
	"http://example.com/../secret.txt",
	"/secret.txt",
	"/site/secret.txt",
	"/nodir/",   // directory without index.html
	"/deep/er/", // directory without index.html
	"/.env.js",  // dotfile
	"/.hidden/config.json",
	"/docs/.draft.html",
	"/%2eenv.js",
	"/link.js", // symlink pointing outside the site
	"/dirlink/secret.txt",
	"/dirlink/site/index.html",
	"/notes.unknownext", // unknown extension
	"/Makefile",         // no extension
	"/orphan.gz",
	"/app.wasm.gz", // precompressed files are only sent as encodings
	"/main.js.gz",
}

func TestHostilePaths(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	for _, target := range hostileTargets {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			what := method + " " + target
			rec := do(t, h, method, target, map[string]string{"Accept-Encoding": "gzip"})
			checkHostileResponse(t, what, rec.Code, rec.Header(), rec.Body.Bytes())
		}
	}
}

// TestHostilePathsOverRealServer sends the hostile targets verbatim over TCP,
// so that no client library cleans them up first.
func TestHostilePathsOverRealServer(t *testing.T) {
	srv := httptest.NewServer(NewHandler(testSite(t), Options{}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, target := range hostileTargets {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Errorf("GET %s: reading response: %v", target, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		checkHostileResponse(t, "raw GET "+target, resp.StatusCode, resp.Header, body)
	}
}

func checkHostileResponse(t *testing.T, what string, code int, header http.Header, body []byte) {
	t.Helper()
	if code != http.StatusBadRequest && code != http.StatusNotFound {
		t.Errorf("%s: status %d, want 400 or 404", what, code)
	}
	for _, bad := range [][]byte{[]byte(secret), []byte(hiddenSecret), []byte("root:"), indexHTML} {
		if bytes.Contains(body, bad) {
			t.Errorf("%s: body leaks %q", what, bad)
		}
	}
	if len(body) > 0 && string(body) != strconv.Itoa(code)+" "+http.StatusText(code)+"\n" {
		t.Errorf("%s: body %q is not the generic status text", what, body)
	}
	checkSecurityHeaders(t, what, header)
}

func TestResolve(t *testing.T) {
	tests := []struct {
		target, name string
		status       int
	}{
		{"/", "index.html", http.StatusOK},
		{"/a/b.js", "a/b.js", http.StatusOK},
		{"/a/", "a/index.html", http.StatusOK},
		{"/a%20b.js", "a b.js", http.StatusOK},
		{"/../x", "", http.StatusBadRequest},
		{"/a/..", "", http.StatusBadRequest},
		{"/a/.", "", http.StatusBadRequest},
		{"//x", "", http.StatusBadRequest},
		{"/a%2fb", "", http.StatusBadRequest},
		{"/a%5cb", "", http.StatusBadRequest},
		{`/a\b`, "", http.StatusBadRequest},
		{"/a%00", "", http.StatusBadRequest},
		{"/a%09b", "", http.StatusBadRequest},
		{"*", "", http.StatusBadRequest},
		{"/.git/config", "", http.StatusNotFound},
		{"/a/.x", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.target, nil)
		name, status := resolve(req.URL)
		if name != tt.name || status != tt.status {
			t.Errorf("resolve(%q) = %q, %d; want %q, %d", tt.target, name, status, tt.name, tt.status)
		}
	}
}

func TestErrorBodiesAreGeneric(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/private-name-xyz.js", http.StatusNotFound},
		{http.MethodGet, "/private-name-xyz/../../etc", http.StatusBadRequest},
		{http.MethodPut, "/private-name-xyz.js", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		rec := do(t, h, tt.method, tt.target, nil)
		body := rec.Body.String()
		if rec.Code != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.target, rec.Code, tt.want)
		}
		if strings.Contains(body, "private-name-xyz") || strings.Contains(body, "/") {
			t.Errorf("%s %s: body %q echoes the request", tt.method, tt.target, body)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.target, got)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
			t.Errorf("%s %s: Content-Length %q, body is %d bytes", tt.method, tt.target, got, len(body))
		}
	}
}

func TestUnreadableFilesAreSkipped(t *testing.T) {
	var buf bytes.Buffer
	flaky := &flakyFS{FS: testSite(t), match: "app.wasm"}
	flaky.broken.Store(true)
	h := NewHandler(flaky, Options{ErrorLog: log.New(&buf, "", 0)})
	rec := do(t, h, http.MethodGet, "/app.wasm", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("file unreadable at start-up: status %d, want 404", rec.Code)
	}
	if !strings.Contains(buf.String(), "indexing site file app.wasm") {
		t.Errorf("error log %q does not report the unreadable file", buf.String())
	}
	if rec := do(t, h, http.MethodGet, "/main.js", nil); rec.Code != http.StatusOK {
		t.Errorf("readable file next to an unreadable one: status %d, want 200", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "disk on fire") {
		t.Errorf("body %q leaks the error", rec.Body.String())
	}
}
