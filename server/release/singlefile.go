package release

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"saliencyexplorer/server"
)

// WorkerScripts are the files that make up an engine worker, in the order
// they run: the resource loader, Go's wasm_exec.js and worker.js (which
// imports the first two itself only when served).
var WorkerScripts = []string{"loader.js", "wasm_exec.js", "worker.js"}

// notBundled lists files of the served site that have no use in the single
// file: the service worker and the web app manifest need an http(s) origin.
var notBundled = map[string]bool{"sw.js": true, "manifest.webmanifest": true}

// singleFileCSP is the page's own Content-Security-Policy, which its
// workers inherit: inline scripts and styles (the whole app is inline),
// WebAssembly, workers from the blob URLs the loader makes, images from
// blob: and data: URLs, and no connection at all (the loader reads its
// Blobs without fetch), so the file cannot reach the network even if some
// code tried.
const singleFileCSP = "default-src 'none'; " +
	"script-src 'unsafe-inline' 'wasm-unsafe-eval'; " +
	"worker-src blob:; " +
	"connect-src 'none'; " +
	"img-src blob: data:; " +
	"style-src 'unsafe-inline'; " +
	"base-uri 'none'; " +
	"form-action 'none'"

// File is one file of the site carried by the single HTML file.
type File struct {
	Name   string // path in the site, e.g. "models/manifest.json"
	Type   string // content type the loader gives it
	Size   int64  // bytes in the site
	Stored int64  // bytes in the HTML file (gzip-compressed if that is smaller, then base64)
	Gzip   bool   // stored gzip-compressed, decompressed by the browser
}

// SingleFileStats describes a bundle written by SingleFile.
type SingleFileStats struct {
	Size  int64  // bytes of the HTML file
	Files []File // the site's files inside it (not counting inlined scripts and styles)
}

// indexEntry is the loader's view of one File (see assets/loader.js).
type indexEntry struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	Type string `json:"type"`
	Gzip bool   `json:"gzip"`
}

// SingleFile writes the whole site as one HTML page that runs from file://
// without a server or a network: the scripts and style sheets index.html
// links are inlined (scripts moved to the end of the body, in order, as
// their defer attributes ask), the icon becomes a data: URL, and every
// other file the server would serve (wasm binaries, models, samples) is
// embedded base64-encoded, gzip-compressed where that makes it smaller, in
// a <script type="application/octet-stream"> element that assets/loader.js
// turns into a Blob. The engine worker's scripts (WorkerScripts) go into
// one text element from which the loader starts workers by blob URL.
func SingleFile(site fs.FS, w io.Writer) (SingleFileStats, error) {
	var stats SingleFileStats
	page, err := fs.ReadFile(site, "index.html")
	if err != nil {
		return stats, fmt.Errorf("single file: %w", err)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return stats, fmt.Errorf("single file: parsing index.html: %w", err)
	}
	inlined := map[string]bool{"index.html": true}
	var scripts []string // page scripts in document order
	var body *html.Node
	var fail error
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if fail == nil {
				fail = rewrite(site, n, c, inlined, &scripts)
			}
			if c.Parent == n {
				visit(c)
			}
			c = next
		}
		if n.DataAtom == atom.Body {
			body = n
		}
	}
	visit(doc)
	if fail != nil {
		return stats, fmt.Errorf("single file: %w", fail)
	}
	if body == nil {
		return stats, fmt.Errorf("single file: index.html has no body")
	}
	if !slices.Contains(scripts, "loader.js") {
		return stats, fmt.Errorf("single file: index.html does not load loader.js, which reads the embedded files")
	}

	// The embedded files, then the worker's script, then the page's.
	var idx struct {
		Files  []indexEntry `json:"files"`
		Worker string       `json:"worker"`
	}
	for _, name := range WorkerScripts {
		inlined[name] = true
	}
	err = fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && name != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || inlined[name] || notBundled[name] || strings.HasSuffix(name, ".gz") {
			return nil
		}
		typ, ok := server.ContentType(name)
		if !ok {
			return nil // the server would not serve it either
		}
		b, err := fs.ReadFile(site, name)
		if err != nil {
			return err
		}
		// Images stay as they are: they are compressed already, and the
		// page shows them by blob URL (<img>), which needs their bytes.
		data, gz := b, false
		if !strings.HasPrefix(typ, "image/") || typ == "image/svg+xml" {
			data, gz, err = compress(b)
		}
		if err != nil {
			return fmt.Errorf("compressing %s: %w", name, err)
		}
		id := "se-f" + strconv.Itoa(len(idx.Files))
		enc := base64.StdEncoding.EncodeToString(data)
		body.AppendChild(rawScript("application/octet-stream", id, enc))
		idx.Files = append(idx.Files, indexEntry{Name: name, ID: id, Type: typ, Gzip: gz})
		stats.Files = append(stats.Files, File{Name: name, Type: typ, Size: int64(len(b)), Stored: int64(len(enc)), Gzip: gz})
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("single file: %w", err)
	}
	var worker strings.Builder
	for _, name := range WorkerScripts {
		b, err := readScript(site, name)
		if err != nil {
			return stats, fmt.Errorf("single file: worker script: %w", err)
		}
		worker.WriteString(b)
		worker.WriteString("\n")
	}
	idx.Worker = "se-worker"
	body.AppendChild(rawScript("text/plain", idx.Worker, worker.String()))
	ij, err := json.Marshal(idx)
	if err != nil {
		return stats, fmt.Errorf("single file: %w", err)
	}
	body.AppendChild(rawScript("application/json", "se-files", string(ij)))
	for _, name := range scripts {
		src, err := readScript(site, name)
		if err != nil {
			return stats, fmt.Errorf("single file: %w", err)
		}
		body.AppendChild(rawScript("", "", src))
	}

	cw := &countingWriter{w: w}
	if err := html.Render(cw, doc); err != nil {
		return stats, fmt.Errorf("single file: writing: %w", err)
	}
	stats.Size = cw.n
	return stats, nil
}

// rewrite inlines or drops child c of parent n: style sheets become <style>,
// the icon a data: URL, scripts are removed here (and appended later, in
// order), the manifest and preload links are dropped, and a CSP meta tag follows the
// charset. It records the files it inlined.
func rewrite(site fs.FS, n, c *html.Node, inlined map[string]bool, scripts *[]string) error {
	if c.Type != html.ElementNode {
		return nil
	}
	switch c.DataAtom {
	case atom.Meta:
		if attr(c, "charset") != "" {
			meta := &html.Node{Type: html.ElementNode, Data: "meta", DataAtom: atom.Meta, Attr: []html.Attribute{
				{Key: "http-equiv", Val: "Content-Security-Policy"}, {Key: "content", Val: singleFileCSP}}}
			n.InsertBefore(meta, c.NextSibling)
		}
	case atom.Link:
		href := attr(c, "href")
		switch rel := strings.ToLower(attr(c, "rel")); {
		case rel == "stylesheet":
			css, err := fs.ReadFile(site, local(href))
			if err != nil {
				return fmt.Errorf("style sheet: %w", err)
			}
			if bytes.Contains(bytes.ToLower(css), []byte("</style")) {
				return fmt.Errorf("style sheet %s contains </style", href)
			}
			inlined[local(href)] = true
			style := &html.Node{Type: html.ElementNode, Data: "style", DataAtom: atom.Style}
			style.AppendChild(&html.Node{Type: html.TextNode, Data: string(css)})
			n.InsertBefore(style, c)
			n.RemoveChild(c)
		case strings.Contains(rel, "icon"):
			b, err := fs.ReadFile(site, local(href))
			if err != nil {
				return fmt.Errorf("icon: %w", err)
			}
			typ, _ := server.ContentType(href)
			setAttr(c, "href", "data:"+typ+";base64,"+base64.StdEncoding.EncodeToString(b))
			inlined[local(href)] = true
		case rel == "manifest" || rel == "preload": // the page holds its files
			n.RemoveChild(c)
		}
	case atom.Script:
		if src := attr(c, "src"); src != "" {
			*scripts = append(*scripts, local(src))
			inlined[local(src)] = true
			n.RemoveChild(c)
		}
	}
	return nil
}

// local turns a relative URL of index.html into a path in the site.
func local(href string) string {
	href, _, _ = strings.Cut(href, "?")
	return path.Clean(strings.TrimPrefix(href, "./"))
}

// readScript reads a script to be inlined, which must not end the element
// it goes into early.
func readScript(site fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(site, name)
	if err != nil {
		return "", err
	}
	if bytes.Contains(bytes.ToLower(b), []byte("</script")) {
		return "", fmt.Errorf("%s contains </script and cannot be inlined", name)
	}
	return string(b), nil
}

// rawScript returns a <script> element holding text (typ and id optional).
func rawScript(typ, id, text string) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: "script", DataAtom: atom.Script}
	if typ != "" {
		n.Attr = append(n.Attr, html.Attribute{Key: "type", Val: typ})
	}
	if id != "" {
		n.Attr = append(n.Attr, html.Attribute{Key: "id", Val: id})
	}
	n.AppendChild(&html.Node{Type: html.TextNode, Data: text})
	return n
}

// compress returns b gzip-compressed, and true, if that saves at least 5%;
// else b itself (PNG and JPEG files are compressed already).
func compress(b []byte) ([]byte, bool, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, false, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, false, err
	}
	if err := zw.Close(); err != nil {
		return nil, false, err
	}
	if buf.Len() < len(b)*95/100 {
		return buf.Bytes(), true, nil
	}
	return b, false, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
