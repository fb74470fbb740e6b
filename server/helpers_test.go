package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

// Markers of content that must never be served.
const (
	secret       = "TOP-SECRET-OUTSIDE-THE-SITE"
	hiddenSecret = "HIDDEN-DOTFILE-CONTENT"
)

var (
	indexHTML = []byte("<!DOCTYPE html><title>Saliency Explorer</title><p>home</p>\n")
	wasmBytes = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("engine "), 512)...)
	mainJS    = bytes.Repeat([]byte("console.log('saliency');\n"), 64)
)

// gz compresses b.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatalf("gzip write: %v", err)
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("gzip close: %v", err)
	}
	return buf.Bytes()
}

// testRoot returns a file system holding a site under "site/" and, outside
// it, secret.txt. Handlers are given fs.Sub(root, "site"), so nothing they
// serve may ever contain the secret.
func testRoot(t testing.TB) fstest.MapFS {
	t.Helper()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"secret.txt":                     file(secret),
		"site/index.html":                {Data: indexHTML},
		"site/index.html.gz":             {Data: gz(t, indexHTML)},
		"site/app.wasm":                  {Data: wasmBytes},
		"site/app.wasm.gz":               {Data: gz(t, wasmBytes)},
		"site/main.js":                   {Data: mainJS},
		"site/main.js.gz":                {Data: gz(t, mainJS)},
		"site/wasm_exec.js":              file("// wasm_exec\n"),
		"site/style.css":                 file("body { margin: 0 }\n"),
		"site/logo.png":                  file("\x89PNG\r\n\x1a\n"),
		"site/manifest.json":             file(`{"name":"Saliency Explorer"}`),
		"site/icon.svg":                  file(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"site/model.safetensors":         file("\x08\x00\x00\x00\x00\x00\x00\x00{}      "),
		"site/scan.dcm":                  file("DICM"),
		"site/UPPER.WASM":                file("\x00asm"),
		"site/volume.nii":                file("nifti"),
		"site/notes.unknownext":          file("unknown extension"),
		"site/Makefile":                  file("no extension"),
		"site/orphan.gz":                 {Data: gz(t, []byte("no uncompressed sibling"))},
		"site/docs/index.html":           file("<p>docs</p>"),
		"site/docs/guide.html":           file("<p>guide</p>"),
		"site/nodir/file.css":            file("p{}"),
		"site/.env.js":                   file(hiddenSecret),
		"site/.hidden/config.json":       file(hiddenSecret),
		"site/docs/.draft.html":          file(hiddenSecret),
		"site/link.js":                   {Data: []byte("../secret.txt"), Mode: fs.ModeSymlink},
		"site/dirlink":                   {Data: []byte(".."), Mode: fs.ModeSymlink},
		"site/weird name.css":            file("a{}"),
		"site/q?.css":                    file("b{}"),
		"site/percent%2e%2e.css":         file("c{}"),
		"site/deep/er/still/index.html":  file("<p>deep</p>"),
		"site/deep/er/still/asset.woff2": file("wOF2"),
	}
}

// testSite returns the "site" sub-tree of testRoot.
func testSite(t testing.TB) fs.FS {
	t.Helper()
	sub, err := fs.Sub(testRoot(t), "site")
	if err != nil {
		t.Fatalf("fs.Sub: %v", err)
	}
	return sub
}

// do runs one request through h and returns the recorded response.
func do(t testing.TB, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkSecurityHeaders fails t unless every security header is set exactly.
func checkSecurityHeaders(t testing.TB, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy":      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; style-src-elem 'self'; worker-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: header %s = %q, want exactly [%q]", what, k, got, v)
		}
	}
}

// flakyFS wraps an fs.FS; once broken is set, opening any name containing
// match (any name at all if match is empty) fails with an error whose text
// contains a file system path.
type flakyFS struct {
	fs.FS
	match  string
	broken atomic.Bool
}

func (f *flakyFS) Open(name string) (fs.File, error) {
	if f.broken.Load() && strings.Contains(name, f.match) {
		return nil, &fs.PathError{Op: "open", Path: "/srv/private/" + name, Err: errors.New("disk on fire")}
	}
	return f.FS.Open(name)
}

// gateFS wraps an fs.FS; once armed, opening slowName blocks until release is
// closed, after signalling on entered.
type gateFS struct {
	fs.FS
	slowName string
	armed    atomic.Bool
	entered  chan struct{}
	release  chan struct{}
	once     sync.Once
}

func (g *gateFS) Open(name string) (fs.File, error) {
	if name == g.slowName && g.armed.Load() {
		g.once.Do(func() { close(g.entered) })
		<-g.release
	}
	return g.FS.Open(name)
}
