//go:build !js

// Command vugujs writes vugu's DOM renderer helper script to standard
// output, so the build can serve it as a file (vugu-render.js).
//
// vugu's domrender.New installs the helper with window.eval, which the
// site's Content-Security-Policy forbids (script-src has no 'unsafe-eval').
// The page loads the helper from this file before the UI starts, and
// assets/boot.js makes window.eval a no-op once the helper is present, so
// the renderer's own eval call does nothing. The script is taken from the
// vugu module in use (the jsHelperScript constant of domrender), so it
// always matches the renderer compiled into the UI.
//
// Usage:
//
//	go run ./wasm/vugujs > server/site/vugu-render.js
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "vugujs: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/vugu/vugu/domrender").Output()
	if err != nil {
		return fmt.Errorf("locating the vugu module: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	src := filepath.Join(dir, "renderer-js-script.go")
	f, err := parser.ParseFile(token.NewFileSet(), src, nil, 0)
	if err != nil {
		return err
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name != "jsHelperScript" || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return fmt.Errorf("%s: jsHelperScript is not a string literal", src)
				}
				js, err := strconv.Unquote(lit.Value)
				if err != nil {
					return err
				}
				fmt.Printf("// vugu DOM renderer helper, extracted from %s by wasm/vugujs.\n%s\n", filepath.Base(src), js)
				return nil
			}
		}
	}
	return fmt.Errorf("%s: no jsHelperScript constant", src)
}
