package release

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"
)

// testSite is a small site shaped like the built one.
func testSite() fstest.MapFS {
	return fstest.MapFS{
		"index.html": {Data: []byte(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>T</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml"><link rel="manifest" href="manifest.webmanifest"><link rel="preload" href="app.wasm" as="fetch" crossorigin>
<link rel="stylesheet" href="style.css"><script src="wasm_exec.js" defer></script><script src="loader.js" defer></script><script src="boot.js" defer></script>
</head><body><div id="mount">loading</div></body></html>`)},
		"style.css":            {Data: []byte("body { color: red }")},
		"favicon.svg":          {Data: []byte("<svg></svg>")},
		"manifest.webmanifest": {Data: []byte("{}")},
		"wasm_exec.js":         {Data: []byte("var Go = 1;")},
		"loader.js":            {Data: []byte("var seLoader = 1;")},
		"boot.js":              {Data: []byte("boot();")},
		"worker.js":            {Data: []byte("work();")},
		"sw.js":                {Data: []byte("const BUILD = /* build */ { version: \"dev\", release: \"\", files: [] };\nrest();\n")},
		"app.wasm":             {Data: bytes.Repeat([]byte("\x00asm wasm wasm "), 1000)},
		"app.wasm.gz":          {Data: []byte("stale")},
		"models/m.json":        {Data: []byte(`{"a": 1}`)},
		"samples/t.png":        {Data: []byte("\x89PNG not really")},
		".hidden.js":           {Data: []byte("secret")},
		"notes.exe":            {Data: []byte("MZ")},
	}
}

func TestSingleFile(t *testing.T) {
	var out bytes.Buffer
	stats, err := SingleFile(testSite(), &out)
	if err != nil {
		t.Fatal(err)
	}
	page := out.String()
	if stats.Size != int64(out.Len()) {
		t.Errorf("Size %d, wrote %d", stats.Size, out.Len())
	}
	for _, bad := range []string{`src="`, `href="style.css"`, `href="favicon.svg"`, "manifest", "preload", "stale", "secret", "MZ"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page still contains %q", bad)
		}
	}
	for _, want := range []string{"<style>body { color: red }</style>", "data:image/svg+xml;base64,", "Content-Security-Policy", "default-src &#39;none&#39;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Page scripts run in order after everything they read; the worker's
	// script is the loader, wasm_exec.js and worker.js.
	order := []string{`id="se-f`, `id="se-worker">var seLoader = 1;` + "\nvar Go = 1;\nwork();", `id="se-files"`, "<script>var Go = 1;</script>", "<script>var seLoader = 1;</script>", "<script>boot();</script>", "</body>"}
	at := 0
	for _, s := range order {
		i := strings.Index(page[at:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order in\n%s", s, page)
		}
		at += i
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "script" && n.FirstChild != nil {
			scripts[attr(n, "id")] = n.FirstChild.Data
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var idx struct {
		Files []indexEntry
	}
	if err := json.Unmarshal([]byte(scripts["se-files"]), &idx); err != nil {
		t.Fatal(err)
	}
	got := map[string]indexEntry{}
	for _, f := range idx.Files {
		got[f.Name] = f
	}
	if len(got) != 3 {
		t.Errorf("embedded files %v, want app.wasm, models/m.json, samples/t.png", idx.Files)
	}
	for name, want := range map[string]struct {
		typ  string
		gzip bool
	}{"app.wasm": {"application/wasm", true}, "models/m.json": {"application/json", false}, "samples/t.png": {"image/png", false}} {
		f, ok := got[name]
		if !ok || f.Type != want.typ || f.Gzip != want.gzip {
			t.Errorf("%s: %+v, want type %s gzip %v", name, f, want.typ, want.gzip)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(scripts[f.ID])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Gzip {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(b, testSite()[name].Data) {
			t.Errorf("%s does not round-trip", name)
		}
	}
}

func TestSingleFileRefusesWhatCannotBeInlined(t *testing.T) {
	site := testSite()
	site["boot.js"] = &fstest.MapFile{Data: []byte(`x = "</script><script>alert(1)";`)}
	if _, err := SingleFile(site, io.Discard); err == nil || !strings.Contains(err.Error(), "</script") {
		t.Errorf("a script holding </script: err %v", err)
	}
	site = testSite()
	delete(site, "style.css")
	if _, err := SingleFile(site, io.Discard); err == nil {
		t.Errorf("a missing style sheet gave no error")
	}
}

var buildLine = regexp.MustCompile(`const BUILD = /\* build \*/ (\{.*\});`)

func TestServiceWorker(t *testing.T) {
	site := testSite()
	b, err := ServiceWorker(site, "v1.2")
	if err != nil {
		t.Fatal(err)
	}
	m := buildLine.FindSubmatch(b)
	if m == nil || !bytes.HasSuffix(b, []byte("\nrest();\n")) {
		t.Fatalf("sw.js: %s", b)
	}
	var build swBuild
	if err := json.Unmarshal(m[1], &build); err != nil {
		t.Fatal(err)
	}
	want := []string{"./", "app.wasm", "boot.js", "favicon.svg", "index.html", "loader.js", "manifest.webmanifest", "models/m.json", "samples/t.png", "style.css", "wasm_exec.js", "worker.js"}
	if strings.Join(build.Files, " ") != strings.Join(want, " ") || build.Release != "v1.2" || len(build.Version) != 16 {
		t.Errorf("build %+v, want files %v", build, want)
	}
	// Filling in a filled sw.js again gives the same; a changed file a new version.
	site["sw.js"] = &fstest.MapFile{Data: b}
	again, err := ServiceWorker(site, "v1.2")
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("refilling changed the worker (%v)", err)
	}
	site["models/m.json"] = &fstest.MapFile{Data: []byte(`{"a": 2}`)}
	other, err := ServiceWorker(site, "v1.2")
	if err != nil {
		t.Fatal(err)
	}
	var build2 swBuild
	json.Unmarshal(buildLine.FindSubmatch(other)[1], &build2)
	if build2.Version == build.Version {
		t.Errorf("a changed model kept version %s", build.Version)
	}
	site["sw.js"] = &fstest.MapFile{Data: []byte("no marker")}
	if _, err := ServiceWorker(site, ""); err == nil {
		t.Errorf("a worker without the build marker gave no error")
	}
}

func TestWriteNotes(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"saliency-explorer.html": "<html>", "explorer-server-windows-amd64.exe": "MZ...", "explorer-server-linux-amd64": "\x7fELF"}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteNotes(dir, "v0.1-3-gabc"); err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsName))
	if err != nil {
		t.Fatal(err)
	}
	// sha256 of "<html>", as `printf '<html>' | sha256sum` prints it.
	const html = "b7d082ee12e91b756ea22e8513b8594eebcf5d39fab813da3cb55794dc888ad7"
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 3 || lines[2] != html+"  saliency-explorer.html" {
		t.Errorf("SHA256SUMS:\n%s", sums)
	}
	notes, err := os.ReadFile(filepath.Join(dir, NotesName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Saliency Explorer v0.1-3-gabc", "| `saliency-explorer.html` | 6 B | `" + html + "` |", "sha256sum -c", "shasum -a 256 -c", "Get-FileHash .\\explorer-server-windows-amd64.exe"} {
		if !strings.Contains(string(notes), want) {
			t.Errorf("RELEASE.md lacks %q:\n%s", want, notes)
		}
	}
}
