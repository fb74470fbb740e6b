package server

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"
)

func TestEmbeddedSiteServesRoot(t *testing.T) {
	site, err := Site()
	if err != nil {
		t.Fatalf("Site: %v", err)
	}
	h := NewHandler(site, Options{})
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := do(t, h, method, "/", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s /: status %d, want 200", method, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s /: Content-Type %q", method, got)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s /: Cache-Control %q, want no-cache", method, got)
		}
		checkSecurityHeaders(t, method+" / (embedded)", rec.Header())
	}
	if rec := do(t, h, http.MethodGet, "/.gitignore", nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /.gitignore: status %d, want 404", rec.Code)
	}
}

func TestPlaceholderSite(t *testing.T) {
	site, err := Placeholder()
	if err != nil {
		t.Fatalf("Placeholder: %v", err)
	}
	page, err := fs.ReadFile(site, "index.html")
	if err != nil {
		t.Fatalf("reading placeholder index.html: %v", err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "not been built", "make run"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("placeholder index.html lacks %q", want)
		}
	}
	rec := do(t, NewHandler(site, Options{}), http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || rec.Body.String() != string(page) {
		t.Errorf("GET / on the placeholder: status %d, body %q; want 200 and index.html", rec.Code, rec.Body.String())
	}
	// The placeholder must not reference anything: the CSP forbids inline
	// scripts, and there are no other files to load.
	if strings.Contains(string(page), "<script") {
		t.Errorf("placeholder index.html contains a script")
	}
}

func TestSiteFallsBackToPlaceholder(t *testing.T) {
	built, err := fs.Sub(builtSite, "site")
	if err != nil {
		t.Fatalf("fs.Sub: %v", err)
	}
	site, err := Site()
	if err != nil {
		t.Fatalf("Site: %v", err)
	}
	want := "placeholder"
	if _, err := fs.Stat(built, "index.html"); err == nil {
		want = "built"
	}
	page, err := fs.ReadFile(site, "index.html")
	if err != nil {
		t.Fatalf("reading index.html of Site(): %v", err)
	}
	isPlaceholder := strings.Contains(string(page), "not been built")
	if (want == "placeholder") != isPlaceholder {
		t.Errorf("Site() serves the placeholder = %v, want the %s site", isPlaceholder, want)
	}
}
