package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// platforms are the release's targets (Makefile PLATFORMS).
var platforms = [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"windows", "amd64"}, {"darwin", "amd64"}, {"darwin", "arm64"}}

// TestReleaseBinaries builds the server for every release platform, with
// the site as `make build` left it embedded and the flags of `make dist`,
// then starts the one for this machine without arguments (the browser
// turned off) and checks that it says where it serves and answers there
// with the app.
func TestReleaseBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling five binaries: not in -short")
	}
	goexe, err := exec.LookPath("go")
	if err != nil {
		goexe = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	var native string
	for _, p := range platforms {
		name := "explorer-server-" + p[0] + "-" + p[1]
		if p[0] == "windows" {
			name += ".exe"
		}
		out := filepath.Join(dir, name)
		cmd := exec.Command(goexe, "build", "-trimpath", "-ldflags=-s -w -X main.version=test", "-o", out, ".")
		cmd.Env = append(os.Environ(), "GOOS="+p[0], "GOARCH="+p[1], "CGO_ENABLED=0")
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil || fi.Size() < 1<<20 {
			t.Fatalf("%s: %v (size %v)", name, err, fi)
		}
		t.Logf("%s: %.1f MB in %v", name, float64(fi.Size())/1e6, time.Since(start).Round(time.Millisecond))
		if p[0] == runtime.GOOS && p[1] == runtime.GOARCH {
			native = out
		}
	}
	if native == "" {
		t.Skipf("no release binary runs on %s/%s", runtime.GOOS, runtime.GOARCH)
	}

	cmd := exec.Command(native)
	cmd.Env = append(os.Environ(), "SALIENCY_EXPLORER_NO_BROWSER=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Errorf("the server did not stop on SIGINT")
		}
	}()
	open := regexp.MustCompile(`^\s+Open (http://127\.0\.0\.1:\d+/) in a web browser\.$`)
	var url string
	timeout := time.After(20 * time.Second)
	for url == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the server exited before saying where it serves: %v", <-exited)
			}
			t.Logf("server: %s", line)
			if m := open.FindStringSubmatch(line); m != nil {
				url = m[1]
			}
		case <-timeout:
			t.Fatal("the server did not print the address to open")
		}
	}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, body := get("")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Saliency Explorer") {
		t.Fatalf("GET /: %s %.200q", resp.Status, body)
	}
	if _, err := os.Stat("../../site/app.wasm"); errors.Is(err, os.ErrNotExist) {
		t.Logf("the site is not built: the binary serves the placeholder page (run `make build` to embed the app)")
		return
	}
	for path, typ := range map[string]string{"app.wasm": "application/wasm", "sw.js": "text/javascript; charset=utf-8", "manifest.webmanifest": "application/manifest+json", "models/manifest.json": "application/json"} {
		if resp, _ := get(path); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != typ {
			t.Errorf("GET /%s: %s, Content-Type %q, want 200 %s", path, resp.Status, resp.Header.Get("Content-Type"), typ)
		}
	}
	if !strings.Contains(body, `src="loader.js"`) || !strings.Contains(body, `rel="manifest"`) {
		t.Errorf("GET /: not the built app's page: %.300q", body)
	}
}

func TestBrowserCommand(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	found := func(string) (string, error) { return "/usr/bin/xdg-open", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	tests := []struct {
		goos string
		env  func(string) string
		look func(string) (string, error)
		want string
	}{
		{"windows", env(), missing, "rundll32 url.dll,FileProtocolHandler"},
		{"darwin", env(), missing, "open"},
		{"linux", env("DISPLAY", ":0"), found, "/usr/bin/xdg-open"},
		{"linux", env("WAYLAND_DISPLAY", "wayland-0"), found, "/usr/bin/xdg-open"},
		{"linux", env(), found, ""},                  // a console or SSH session
		{"linux", env("DISPLAY", ":0"), missing, ""}, // no xdg-open
		{"plan9", env("DISPLAY", ":0"), found, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(browserCommandFor(tt.goos, tt.env, tt.look), " "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.goos, got, tt.want)
		}
	}
}
