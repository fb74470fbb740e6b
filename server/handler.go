package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxAge is how long browsers may cache files other than HTML pages
// without revalidating them, unless Options.MaxAge says otherwise.
const DefaultMaxAge = time.Hour

// ContentSecurityPolicy is sent with every response. It allows only the
// site's own scripts (plus compiling WebAssembly), workers, styles and
// images, forbids framing and plugins, and lets the page connect nowhere
// but back to the server, so nothing a user loads can leave the browser.
//
// What it still allows beyond 'self', and why:
//   - img-src data: and blob: — the page shows images it makes itself:
//     sample thumbnails and files the user opens as blob: URLs
//     (URL.createObjectURL), saved-image thumbnails as data: URLs
//     (canvas.toDataURL). Neither can fetch anything from elsewhere.
//   - style-src 'unsafe-inline' — style attributes: vugu renders bar
//     widths, progress and the colour bar as style="…" attributes set from
//     the page's own state. Browsers that know style-src-elem (CSP 3) apply
//     'self' alone to <style> and stylesheet elements, so only attributes
//     stay inline there; others fall back to style-src.
//   - 'wasm-unsafe-eval' in script-src — compiling the engine's WebAssembly;
//     it allows no JavaScript eval.
//
// worker-src no longer allows blob: (every worker, the helpers included,
// starts from worker.js on this server).
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"connect-src 'self'; " +
	"img-src 'self' data: blob:; " +
	"style-src 'self' 'unsafe-inline'; " +
	"style-src-elem 'self'; " +
	"worker-src 'self'; " +
	"object-src 'none'; " +
	"frame-ancestors 'none'; " +
	"base-uri 'none'; " +
	"form-action 'none'"

// securityHeaders are set on every response, errors and redirects included.
var securityHeaders = [...][2]string{
	{"Content-Security-Policy", ContentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
}

// allowedMethods is the value of the Allow header of 405 responses.
const allowedMethods = "GET, HEAD"

// Options tunes the handler returned by NewHandler. The zero value is ready
// to use.
type Options struct {
	// MaxAge is the max-age of the Cache-Control header of files other than
	// HTML pages (which are always sent with "no-cache"). Zero or negative
	// means DefaultMaxAge.
	MaxAge time.Duration

	// ExtraTypes adds file extensions to serve, mapped to their content
	// types, or overrides the content type of a built-in one. Keys are
	// matched case-insensitively, with or without the leading dot; an empty
	// type means application/octet-stream.
	ExtraTypes map[string]string

	// ErrorLog receives problems reading the site, at start-up or while
	// serving. Nil discards them. Request bodies are never logged.
	ErrorLog *log.Logger

	// LoopbackHostsOnly refuses (403) requests whose Host is not a
	// loopback name ("localhost", "*.localhost") or address (127.0.0.0/8,
	// ::1), port ignored. Serve sets it when listening on a loopback
	// address: a page on another site whose DNS name is re-pointed at
	// 127.0.0.1 (DNS rebinding) then sends its own name as Host and is
	// refused, so it cannot read this server's responses.
	LoopbackHostsOnly bool
}

// variant is one stored representation of a file: the file itself or its
// precompressed .gz sibling.
type variant struct {
	name string // path inside the site file system
	size int64
	etag string // strong entity tag, quoted
}

// entry is a file the handler serves.
type entry struct {
	plain        variant
	gz           *variant // nil if the build wrote no name.gz
	contentType  string
	cacheControl string
}

// handler serves the files indexed by NewHandler.
type handler struct {
	site  fs.FS
	files map[string]*entry // by slash-separated path inside site, e.g. "index.html"
	dirs  map[string]bool   // directories (other than the root) holding an index.html
	log   *log.Logger
	// loopbackOnly: see Options.LoopbackHostsOnly.
	loopbackOnly bool
}

// NewHandler returns a handler serving the static files of site, which must
// not change afterwards: the set of files, their sizes and their ETags are
// computed once, here. Only regular files with a known extension are served
// (see Options.ExtraTypes); dotfiles, anything inside a dot directory,
// symlinks and files that cannot be read are skipped, and problems are
// reported to Options.ErrorLog. A file named X.gz is never served itself
// (unless ".gz" is made a known extension) but, if X is served, is sent
// instead of X to clients that accept gzip.
func NewHandler(site fs.FS, opts Options) http.Handler {
	h := &handler{
		site:  site,
		files: make(map[string]*entry),
		dirs:  make(map[string]bool),
		log:   opts.ErrorLog,

		loopbackOnly: opts.LoopbackHostsOnly,
	}
	if h.log == nil {
		h.log = log.New(io.Discard, "", 0)
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	assetCache := "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	extra := make(map[string]string, len(opts.ExtraTypes))
	for ext, typ := range opts.ExtraTypes {
		ext = strings.ToLower(ext)
		if !strings.HasPrefix(ext, ".") {
			ext = "." + ext
		}
		extra[ext] = typ
	}

	gzipped := make(map[string]bool)
	err := fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			h.log.Printf("server: reading site: %v", err)
			if d != nil && d.IsDir() && name != "." {
				return fs.SkipDir
			}
			return nil
		}
		if name == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked, symlinks and devices ignored
		}
		if strings.HasSuffix(name, ".gz") {
			gzipped[name] = true
		}
		typ, ok := contentType(name, extra)
		if !ok {
			return nil
		}
		v, err := h.index(name)
		if err != nil {
			h.log.Printf("server: %v", err)
			return nil
		}
		e := &entry{plain: v, contentType: typ, cacheControl: assetCache}
		if strings.HasPrefix(typ, "text/html") {
			e.cacheControl = "no-cache"
		}
		h.files[name] = e
		if path.Base(name) == "index.html" && path.Dir(name) != "." {
			h.dirs[path.Dir(name)] = true
		}
		return nil
	})
	if err != nil {
		h.log.Printf("server: reading site: %v", err)
	}
	for name, e := range h.files {
		if !gzipped[name+".gz"] {
			continue
		}
		v, err := h.index(name + ".gz")
		if err != nil {
			h.log.Printf("server: %v", err)
			continue
		}
		e.gz = &v
	}
	return h
}

// index reads the named file once to learn its size and content hash.
func (h *handler) index(name string) (variant, error) {
	f, err := h.site.Open(name)
	if err != nil {
		return variant{}, fmt.Errorf("indexing site file %s: %w", name, err)
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	if err != nil {
		return variant{}, fmt.Errorf("indexing site file %s: %w", name, err)
	}
	return variant{
		name: name,
		size: n,
		etag: `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`,
	}, nil
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	for _, kv := range securityHeaders {
		hdr.Set(kv[0], kv[1])
	}
	if h.loopbackOnly && !isLoopbackHost(r.Host) {
		writeError(w, r, http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", allowedMethods)
		writeError(w, r, http.StatusMethodNotAllowed)
		return
	}
	name, status := resolve(r.URL)
	if status != http.StatusOK {
		writeError(w, r, status)
		return
	}
	if e, ok := h.files[name]; ok {
		h.serveFile(w, r, e)
		return
	}
	if h.dirs[name] {
		// A directory named without its trailing slash: redirect, so that
		// relative links in its index.html resolve inside it. name has been
		// validated (no empty or dot segments), so the target is always a
		// path on this server.
		target := (&url.URL{Path: "/" + name + "/"}).EscapedPath()
		hdr.Set("Location", target)
		hdr.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	writeError(w, r, http.StatusNotFound)
}

// isLoopbackHost reports whether a Host header value (host or host:port)
// names this machine: "localhost" or a name under ".localhost" (RFC 6761
// reserves them for loopback and browsers resolve them so themselves), or
// a loopback IP address (127.0.0.0/8, ::1).
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// resolve maps a request URL to the name of a file inside the site, or
// returns the error status to answer with: 400 for paths no honest client
// sends (dot segments, empty segments, backslashes, control bytes, encoded
// slashes), 404 for dotfiles. It never touches the file system.
func resolve(u *url.URL) (name string, status int) {
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		return "", http.StatusBadRequest
	}
	// Encoded slashes and backslashes would be separators once decoded;
	// reject them rather than guess what the client meant.
	if raw := strings.ToLower(u.RawPath); strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		return "", http.StatusBadRequest
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", http.StatusBadRequest
		}
	}
	name = p[1:]
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch {
		case seg == "", seg == ".", seg == "..":
			return "", http.StatusBadRequest
		case strings.HasPrefix(seg, "."):
			return "", http.StatusNotFound
		}
	}
	if !fs.ValidPath(name) {
		return "", http.StatusBadRequest
	}
	return name, http.StatusOK
}

// serveFile answers a GET or HEAD request for e, choosing the gzip variant
// when there is one and the client accepts it. http.ServeContent answers
// conditional requests (If-None-Match, If-Match, If-Range against the
// variant's ETag), Range requests (on the bytes sent: the gzip stream for
// the gzip variant) and HEAD; the files carry no modification time, so
// their ETag is the only validator.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, e *entry) {
	hdr := w.Header()
	v := e.plain
	if e.gz != nil {
		hdr.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			v = *e.gz
		}
	}
	hdr.Set("Cache-Control", e.cacheControl)
	hdr.Set("ETag", v.etag)
	f, err := h.site.Open(v.name)
	if err != nil {
		h.log.Printf("server: opening site file %s: %v", v.name, err)
		writeError(w, r, http.StatusInternalServerError)
		return
	}
	defer f.Close()
	content, ok := f.(io.ReadSeeker)
	if !ok {
		// embed.FS files seek; a file system whose files do not is read
		// into memory (the site's files are at most a few megabytes).
		b, err := io.ReadAll(io.LimitReader(f, v.size))
		if err != nil {
			h.log.Printf("server: reading site file %s: %v", v.name, err)
			writeError(w, r, http.StatusInternalServerError)
			return
		}
		content = bytes.NewReader(b)
	}
	hdr.Set("Content-Type", e.contentType)
	http.ServeContent(contentWriter{w, v.name != e.plain.name}, r, e.plain.name, time.Time{}, content)
}

// contentWriter adjusts the headers of the response http.ServeContent
// writes as it writes them. ServeContent leaves out Content-Length when
// Content-Encoding is already set (it allows for compressing middleware),
// so the gzip variant's encoding is added here, to 200 and 206 responses
// only. Its 412 response (If-Match) keeps the file's Cache-Control and
// ETag, so error responses lose them here and are marked no-store, like
// writeError's: a shared cache must not keep a 412 for an hour.
type contentWriter struct {
	http.ResponseWriter
	gzip bool // the body is a stored .gz file's bytes
}

func (c contentWriter) WriteHeader(code int) {
	hdr := c.Header()
	switch {
	case c.gzip && (code == http.StatusOK || code == http.StatusPartialContent):
		hdr.Set("Content-Encoding", "gzip")
	case code >= 400:
		for _, k := range []string{"ETag", "Vary", "Content-Encoding", "Last-Modified"} {
			hdr.Del(k)
		}
		hdr.Set("Cache-Control", "no-store")
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (c contentWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// writeError answers with a generic plain-text body naming only the status,
// never error details or paths. The security headers must already be set.
func writeError(w http.ResponseWriter, r *http.Request, status int) {
	hdr := w.Header()
	for _, k := range []string{"ETag", "Vary", "Content-Encoding", "Last-Modified"} {
		hdr.Del(k)
	}
	body := strconv.Itoa(status) + " " + http.StatusText(status) + "\n"
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

// acceptsGzip reports whether Accept-Encoding header values allow a gzip
// response: "gzip" (or "x-gzip") with a non-zero quality, or "*" with a
// non-zero quality when gzip is not listed explicitly.
func acceptsGzip(values []string) bool {
	gzip, star := -1.0, -1.0 // quality; -1 means not listed
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			q := 1.0
			for param := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(param, "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
					continue
				}
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || f < 0 {
					f = 0
				}
				q = f
			}
			switch coding {
			case "gzip", "x-gzip":
				gzip = max(gzip, q)
			case "*":
				star = max(star, q)
			}
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}
