//go:build !js

// Command wasmsize breaks a Go WebAssembly binary's size down by Go
// package, so that the first load's cost can be pinned on the dependencies
// that cause it (issue #12). `go tool nm` does not read wasm files.
//
// For each package it sums the bytes of the function bodies in the code
// section (the name section maps function indices to Go symbol names, so
// the binary must be built without -ldflags=-s) and gzips each package's
// bodies on their own at level 9 to estimate its compressed share. The data
// section (read-only data, type descriptors, the function tables that
// stack traces read) cannot be split by package from the wasm file alone
// and is reported as one row, as are the other sections.
//
// Given several binaries it prints one pair of columns per binary, so that
// the page's and the worker's builds can be compared package by package.
//
// Usage:
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go build -trimpath -o /tmp/app.wasm ./ui/cmd/app
//	go run ./wasm/wasmsize [-top 40] [-depth 0] /tmp/app.wasm [more.wasm ...]
//
// -depth N groups packages by their first N path elements (0: whole
// import path), e.g. -depth 2 folds saliencyexplorer/engine/... into one
// row.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	top := flag.Int("top", 40, "rows to print, largest first (0: all)")
	depth := flag.Int("depth", 0, "group packages by their first N import-path elements (0: the whole path)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: wasmsize [-top N] [-depth N] file.wasm [file.wasm ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var bins []*breakdown
	for _, path := range flag.Args() {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wasmsize:", err)
			os.Exit(1)
		}
		b, err := analyse(raw, *depth)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wasmsize: %s: %v\n", path, err)
			os.Exit(1)
		}
		b.name = filepath.Base(path)
		bins = append(bins, b)
	}
	if err := printTable(os.Stdout, bins, *top); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

// share is one row's size: raw bytes and the bytes of gzip -9 on them alone.
type share struct {
	raw, gz int
}

// breakdown is one binary's sizes by row name.
type breakdown struct {
	name  string
	total share // the whole file
	rows  map[string]share
}

// analyse splits a wasm binary into package rows (function bodies) and
// section rows (everything else).
func analyse(raw []byte, depth int) (*breakdown, error) {
	m, err := parseModule(raw)
	if err != nil {
		return nil, err
	}
	if m.names == nil {
		return nil, errors.New("no name section: build without -ldflags=-s to see packages")
	}
	byPkg := map[string]*bytes.Buffer{}
	for i, body := range m.bodies {
		name, ok := m.names[m.imported+i]
		pkg := "(unnamed functions)"
		if ok {
			pkg = "pkg " + group(packageOf(name), depth)
		}
		buf := byPkg[pkg]
		if buf == nil {
			buf = new(bytes.Buffer)
			byPkg[pkg] = buf
		}
		buf.Write(body)
	}
	b := &breakdown{total: share{len(raw), gzipLen(raw)}, rows: map[string]share{}}
	for pkg, buf := range byPkg {
		b.rows[pkg] = share{buf.Len(), gzipLen(buf.Bytes())}
	}
	for _, s := range m.sections {
		if s.id == sectionCode {
			// The code section's own bytes beyond the bodies (counts, sizes).
			overhead := len(s.data)
			for _, body := range m.bodies {
				overhead -= len(body)
			}
			b.rows["section code (sizes and counts)"] = share{overhead, overhead}
			continue
		}
		key := "section " + s.name()
		prev := b.rows[key]
		b.rows[key] = share{prev.raw + len(s.data), prev.gz + gzipLen(s.data)}
	}
	return b, nil
}

// packageOf returns the package of a function's name in the name section.
// Go's wasm linker writes symbol names with '/', '(', ')' and '*' as '_'
// ("saliencyexplorer_engine_nn.__Conv_.Forward"), so the package is the
// name up to its first '.', after a leading module domain such as
// "github.com_" or "golang.org_". Generic instantiations' shapes are cut;
// linker-made names ("type_.eq.x", "go_buildid") fall in their own prefix.
func packageOf(sym string) string {
	if i := strings.IndexByte(sym, '['); i >= 0 {
		sym = sym[:i]
	}
	start := 0
	if i := strings.IndexByte(sym, '_'); i > 0 && domain.MatchString(sym[:i]) {
		start = i + 1
	}
	pkg := sym
	if i := strings.IndexByte(sym[start:], '.'); i >= 0 {
		pkg = sym[:start+i]
	}
	if strings.HasSuffix(pkg, "_") || !strings.Contains(sym, ".") {
		return pkg // linker-made: "type_" (type:), "go_buildid"
	}
	// Undo the mangling for reading; a path element with a real '_' in it
	// would show as two (none in this module's dependencies).
	return strings.ReplaceAll(pkg, "_", "/")
}

// domain matches the host part of a module path.
var domain = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|org|net|io|in|dev)$`)

// group keeps the first depth elements of an import path (all if depth <= 0).
func group(pkg string, depth int) string {
	if depth <= 0 {
		return pkg
	}
	parts := strings.Split(pkg, "/")
	if len(parts) <= depth {
		return pkg
	}
	return strings.Join(parts[:depth], "/") + "/..."
}

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// printTable writes a markdown table: one row per package or section,
// largest first by the first binary's gzip share, with raw and gzip bytes
// per binary.
func printTable(w io.Writer, bins []*breakdown, top int) error {
	keys := map[string]bool{}
	for _, b := range bins {
		for k := range b.rows {
			keys[k] = true
		}
	}
	order := make([]string, 0, len(keys))
	for k := range keys {
		order = append(order, k)
	}
	weight := func(k string) int {
		best := 0
		for _, b := range bins {
			best = max(best, b.rows[k].gz)
		}
		return best
	}
	sort.Slice(order, func(i, j int) bool {
		wi, wj := weight(order[i]), weight(order[j])
		if wi != wj {
			return wi > wj
		}
		return order[i] < order[j]
	})
	head, rule := "| package or section |", "|---|"
	for _, b := range bins {
		head += fmt.Sprintf(" %s KB | %s KB gz |", b.name, b.name)
		rule += "--:|--:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	rest := make([]share, len(bins))
	for i, k := range order {
		if top > 0 && i >= top {
			for j, b := range bins {
				rest[j].raw += b.rows[k].raw
				rest[j].gz += b.rows[k].gz
			}
			continue
		}
		line := "| " + k + " |"
		for _, b := range bins {
			line += cells(b.rows[k])
		}
		fmt.Fprintln(w, line)
	}
	if top > 0 && len(order) > top {
		line := fmt.Sprintf("| %d more rows |", len(order)-top)
		for j := range bins {
			line += cells(rest[j])
		}
		fmt.Fprintln(w, line)
	}
	line := "| **whole file** (gzip of the file, not the sum) |"
	for _, b := range bins {
		line += cells(b.total)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func cells(s share) string {
	if s.raw == 0 {
		return " – | – |"
	}
	return fmt.Sprintf(" %.1f | %.1f |", float64(s.raw)/1000, float64(s.gz)/1000)
}
