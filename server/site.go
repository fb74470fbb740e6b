package server

import (
	"embed"
	"fmt"
	"io/fs"
)

// builtSite holds the folder server/site as it was when the binary was built.
// `make` copies the built site there; on a fresh clone it contains only a
// .gitignore, and Site falls back to the placeholder page.
//
//go:embed all:site
var builtSite embed.FS

// placeholderSite holds a one-page site telling the user to run `make run`.
//
//go:embed placeholder
var placeholderSite embed.FS

// Site returns the site embedded into the binary, rooted so that "index.html"
// is the start page. If the build did not put an index.html into server/site,
// Site returns the placeholder site instead, whose index.html explains how to
// build the real one.
func Site() (fs.FS, error) {
	built, err := fs.Sub(builtSite, "site")
	if err != nil {
		return nil, fmt.Errorf("server: opening embedded site: %w", err)
	}
	if fi, err := fs.Stat(built, "index.html"); err == nil && fi.Mode().IsRegular() {
		return built, nil
	}
	return Placeholder()
}

// Placeholder returns the embedded placeholder site, a single index.html
// saying that the site has not been built yet.
func Placeholder() (fs.FS, error) {
	sub, err := fs.Sub(placeholderSite, "placeholder")
	if err != nil {
		return nil, fmt.Errorf("server: opening embedded placeholder site: %w", err)
	}
	return sub, nil
}
