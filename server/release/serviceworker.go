package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"saliencyexplorer/server"
)

// ServiceWorkerName is the service worker's file in the site.
const ServiceWorkerName = "sw.js"

// buildMarker starts the value, up to the end of its line, that
// ServiceWorker replaces with the build's description: in assets/sw.js
// `const BUILD = /* build */ { version: "dev", release: "", files: [] };`.
const buildMarker = "/* build */ "

// swBuild is what the service worker knows about its build.
type swBuild struct {
	Version string   `json:"version"` // hash of the cached files and the template
	Release string   `json:"release"` // e.g. git describe, for people
	Files   []string `json:"files"`   // relative URLs to cache, "./" first
}

// ServiceWorker returns the site's service worker for this build: the
// sw.js of site with its BUILD value (after buildMarker) replaced by the list of
// files to cache (every file the server serves: "./", index.html, scripts,
// wasm, models, samples; not sw.js itself, dotfiles or .gz siblings) and a
// version that is a hash of those files' names and contents and of the
// template, so any change to the site makes a new cache. release is a name
// for people (git describe), shown by nothing but the worker's answer to a
// "version" message.
func ServiceWorker(site fs.FS, release string) ([]byte, error) {
	tmpl, err := fs.ReadFile(site, ServiceWorkerName)
	if err != nil {
		return nil, fmt.Errorf("service worker: %w", err)
	}
	if n := bytes.Count(tmpl, []byte(buildMarker)); n != 1 {
		return nil, fmt.Errorf("service worker: %s has %d build markers %q, want 1", ServiceWorkerName, n, buildMarker)
	}
	// The value runs to the ";" ending the marker's line; what was there
	// (the template's, or an earlier build's) is not part of the version.
	start := bytes.Index(tmpl, []byte(buildMarker)) + len(buildMarker)
	end := bytes.IndexByte(tmpl[start:], '\n')
	if end < 0 || !bytes.HasSuffix(bytes.TrimRight(tmpl[start:start+end], " \r"), []byte(";")) {
		return nil, fmt.Errorf("service worker: the line of the build marker in %s must end with ';'", ServiceWorkerName)
	}
	end = start + bytes.LastIndexByte(tmpl[start:start+end], ';')
	sum := sha256.New()
	sum.Write(tmpl[:start])
	sum.Write(tmpl[end:])
	b := swBuild{Release: release, Files: []string{"./"}}
	err = fs.WalkDir(site, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || name == ServiceWorkerName || strings.HasSuffix(name, ".gz") {
			return nil
		}
		if _, ok := server.ContentType(name); !ok {
			return nil
		}
		data, err := fs.ReadFile(site, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(data))
		sum.Write(data)
		b.Files = append(b.Files, name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("service worker: %w", err)
	}
	b.Version = hex.EncodeToString(sum.Sum(nil)[:8])
	j, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("service worker: %w", err)
	}
	out := append([]byte(nil), tmpl[:start]...)
	out = append(out, j...)
	return append(out, tmpl[end:]...), nil
}
