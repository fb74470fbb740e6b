package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var servingLine = regexp.MustCompile(`(?m)^Saliency Explorer: serving on (http://127\.0\.0\.1:[0-9]+/)$`)

// waitForURL waits until Run has printed its start-up line and returns the
// URL from it.
func waitForURL(t *testing.T, out *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before serving: %v (output %q)", err, out.String())
		case <-deadline:
			t.Fatalf("no start-up line after 10s; output %q", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	gate := &gateFS{
		FS:       testSite(t),
		slowName: "main.js",
		entered:  make(chan struct{}),
		release:  make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "127.0.0.1:0", gate, &out) }()
	base := waitForURL(t, &out, done)

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + "app.wasm")
	if err != nil {
		t.Fatalf("GET app.wasm: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading app.wasm: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, wasmBytes) {
		t.Errorf("GET app.wasm: status %d, %d bytes; want 200 and the file", resp.StatusCode, len(body))
	}
	if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
		t.Errorf("GET app.wasm: Content-Type %q, want application/wasm", got)
	}
	checkSecurityHeaders(t, "Run GET app.wasm", resp.Header)

	// Start a request that stays in flight until released, then cancel.
	gate.armed.Store(true)
	type result struct {
		status int
		body   []byte
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"main.js", nil)
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := client.Do(req)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		inflight <- result{resp.StatusCode, b, err}
	}()
	select {
	case <-gate.entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("in-flight request never reached the file system")
	}
	cancel()

	// Run must wait for the request in flight...
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	// ...and new connections must be refused meanwhile.
	if conn, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/"), time.Second); err == nil {
		conn.Close()
		t.Errorf("listener still accepts connections after cancel")
	}
	close(gate.release)

	select {
	case r := <-inflight:
		if r.err != nil || r.status != http.StatusOK || !bytes.Equal(r.body, mainJS) {
			t.Errorf("in-flight request: status %d, %d bytes, err %v; want 200 and main.js", r.status, len(r.body), r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("in-flight request did not finish")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil (clean shutdown)", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatalf("Run did not return after cancel")
	}
	if !strings.HasSuffix(out.String(), "Saliency Explorer: stopped\n") {
		t.Errorf("output %q does not end with the stop line", out.String())
	}
}

func TestRunErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	tests := []struct {
		name, addr, want string
	}{
		{"bad port", "127.0.0.1:notaport", "listening on 127.0.0.1:notaport"},
		{"port in use", ln.Addr().String(), "listening on " + ln.Addr().String()},
	}
	for _, tt := range tests {
		var out syncBuffer
		err := Run(t.Context(), tt.addr, testSite(t), &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Run(%q) = %v, want an error mentioning %q", tt.name, tt.addr, err, tt.want)
		}
		if strings.Contains(out.String(), "serving on") {
			t.Errorf("%s: printed %q although listening failed", tt.name, out.String())
		}
	}
}

func TestServeReturnsListenerErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ln.Close() // Serve's Accept fails at once
	err = Serve(t.Context(), ln, testSite(t), nil)
	if err == nil || errors.Is(err, http.ErrServerClosed) || !strings.Contains(err.Error(), "server: serving on") {
		t.Errorf("Serve on a closed listener = %v, want a wrapped accept error", err)
	}
}

func TestRunWithCancelledContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, testSite(t), io.Discard) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve with a cancelled context = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Serve with a cancelled context did not return")
	}
}

func TestHTTPServerLimits(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), nil)
	tests := []struct {
		name string
		got  time.Duration
	}{
		{"ReadHeaderTimeout", srv.ReadHeaderTimeout},
		{"ReadTimeout", srv.ReadTimeout},
		{"WriteTimeout", srv.WriteTimeout},
		{"IdleTimeout", srv.IdleTimeout},
	}
	for _, tt := range tests {
		if tt.got <= 0 || tt.got > 10*time.Minute {
			t.Errorf("%s = %v, want a positive timeout of at most 10m", tt.name, tt.got)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v exceeds ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want a positive limit below the 1 MiB default", srv.MaxHeaderBytes)
	}
	if ShutdownTimeout <= 0 {
		t.Errorf("ShutdownTimeout = %v, want positive", ShutdownTimeout)
	}
	if DefaultAddr != "127.0.0.1:8080" {
		t.Errorf("DefaultAddr = %q, want 127.0.0.1:8080", DefaultAddr)
	}
}

func TestOversizedHeadersRejected(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "127.0.0.1:0", testSite(t), &out) }()
	base := waitForURL(t, &out, done)
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET with huge header: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with huge header: status %d, want 431", resp.StatusCode)
	}
}

func TestDisplayURL(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080/"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080/"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "http://[::1]:80/"},
		{&net.TCPAddr{Port: 9000}, "http://127.0.0.1:9000/"},
		{&net.TCPAddr{IP: net.ParseIP("192.168.1.20"), Port: 1}, "http://192.168.1.20:1/"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 8080}, "http://[::1]:8080/"},
		{&net.UnixAddr{Name: "sock", Net: "unix"}, "http://sock/"},
	}
	for _, tt := range tests {
		if got := displayURL(tt.addr); got != tt.want {
			t.Errorf("displayURL(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
