// Command release makes the files of a Saliency Explorer release from the
// built site (see package saliencyexplorer/server/release and `make dist`).
//
// Usage:
//
//	release html  -site server/site -o dist/saliency-explorer.html
//	release sw    -site server/site [-version V]
//	release notes -dir dist -version V
//
// html writes the single self-contained HTML file; sw fills in the build
// (version and file list) of the site's service worker, sw.js, in place;
// notes writes SHA256SUMS and RELEASE.md beside the files of dir.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"saliencyexplorer/server/release"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "html":
		err = runHTML(args)
	case "sw":
		err = runSW(args)
	case "notes":
		err = runNotes(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: release html|sw|notes [flags] (see go doc saliencyexplorer/server/cmd/release)")
	os.Exit(2)
}

func runHTML(args []string) error {
	fl := flag.NewFlagSet("html", flag.ExitOnError)
	site := fl.String("site", "server/site", "the built site")
	out := fl.String("o", "dist/saliency-explorer.html", "the HTML file to write")
	fl.Parse(args)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	stats, err := release.SingleFile(os.DirFS(*site), f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	var raw, stored int64
	for _, f := range stats.Files {
		raw += f.Size
		stored += f.Stored
	}
	fmt.Printf("%s: %.1f MB (%d embedded files, %.1f MB as served, %.1f MB stored)\n",
		*out, mb(stats.Size), len(stats.Files), mb(raw), mb(stored))
	return nil
}

func runSW(args []string) error {
	fl := flag.NewFlagSet("sw", flag.ExitOnError)
	site := fl.String("site", "server/site", "the built site, holding the sw.js template")
	version := fl.String("version", "", "release name shown in the worker (default: none)")
	fl.Parse(args)
	b, err := release.ServiceWorker(os.DirFS(*site), *version)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*site, release.ServiceWorkerName), b, 0o644)
}

func runNotes(args []string) error {
	fl := flag.NewFlagSet("notes", flag.ExitOnError)
	dir := fl.String("dir", "dist", "the folder holding the release files")
	version := fl.String("version", "", "the release version (git describe)")
	fl.Parse(args)
	return release.WriteNotes(*dir, *version)
}

func mb(n int64) float64 { return float64(n) / 1e6 }
