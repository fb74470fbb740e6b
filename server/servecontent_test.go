package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRangeAndPreconditions checks the Range and conditional requests
// http.ServeContent answers for the handler (issue #9), on the plain and
// the gzip variant, and that its errors carry the security headers and no
// validators.
func TestRangeAndPreconditions(t *testing.T) {
	h := NewHandler(testSite(t), Options{})
	etag := do(t, h, http.MethodGet, "/app.wasm", nil).Header().Get("ETag")
	gzETag := do(t, h, http.MethodGet, "/app.wasm", map[string]string{"Accept-Encoding": "gzip"}).Header().Get("ETag")
	gzBytes := gz(t, wasmBytes)
	tests := []struct {
		name   string
		header map[string]string
		want   int
		body   []byte // nil: not checked
		enc    string // Content-Encoding
	}{
		{"range", map[string]string{"Range": "bytes=0-9"}, http.StatusPartialContent, wasmBytes[:10], ""},
		{"suffix range", map[string]string{"Range": "bytes=-7"}, http.StatusPartialContent, wasmBytes[len(wasmBytes)-7:], ""},
		{"gzip range", map[string]string{"Range": "bytes=0-3", "Accept-Encoding": "gzip"}, http.StatusPartialContent, gzBytes[:4], "gzip"},
		{"range past the end", map[string]string{"Range": "bytes=999999-"}, http.StatusRequestedRangeNotSatisfiable, nil, ""},
		{"If-Range matching", map[string]string{"Range": "bytes=2-5", "If-Range": etag}, http.StatusPartialContent, wasmBytes[2:6], ""},
		{"If-Range stale", map[string]string{"Range": "bytes=2-5", "If-Range": `"old"`}, http.StatusOK, wasmBytes, ""},
		{"If-Match matching", map[string]string{"If-Match": etag}, http.StatusOK, wasmBytes, ""},
		{"If-Match stale", map[string]string{"If-Match": `"old"`}, http.StatusPreconditionFailed, nil, ""},
		{"If-None-Match on gzip", map[string]string{"If-None-Match": gzETag, "Accept-Encoding": "gzip"}, http.StatusNotModified, []byte{}, ""},
	}
	for _, tc := range tests {
		rec := do(t, h, http.MethodGet, "/app.wasm", tc.header)
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.want)
			continue
		}
		checkSecurityHeaders(t, tc.name, rec.Header())
		if tc.body != nil && !bytes.Equal(rec.Body.Bytes(), tc.body) {
			t.Errorf("%s: body of %d bytes, want %d", tc.name, rec.Body.Len(), len(tc.body))
		}
		if got := rec.Header().Get("Content-Encoding"); got != tc.enc {
			t.Errorf("%s: Content-Encoding %q, want %q", tc.name, got, tc.enc)
		}
		if tc.want >= 400 {
			for _, k := range []string{"ETag", "Content-Encoding", "Vary"} {
				if v := rec.Header().Get(k); v != "" {
					t.Errorf("%s: error response carries %s %q", tc.name, k, v)
				}
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: error response with Cache-Control %q, want no-store", tc.name, cc)
			}
		}
		if tc.want == http.StatusPartialContent && !strings.HasPrefix(rec.Header().Get("Content-Range"), "bytes ") {
			t.Errorf("%s: Content-Range %q", tc.name, rec.Header().Get("Content-Range"))
		}
	}
}

// serve starts Serve on a listener at addr and returns its URL.
func serve(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, testSite(t), io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/"
}

// raw sends one request verbatim and returns the response.
func raw(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v", request, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// TestOptionsStar checks that "OPTIONS *", which net/http answers 200 by
// itself unless told not to, gets 405 like every other method (issue #10).
func TestOptionsStar(t *testing.T) {
	base := serve(t, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	resp, body := raw(t, addr, "OPTIONS * HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" || string(body) != "405 Method Not Allowed\n" {
		t.Errorf("OPTIONS *: status %d, Allow %q, body %q", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	checkSecurityHeaders(t, "OPTIONS *", resp.Header)
}

// TestLoopbackHostsOnly checks the defence against DNS rebinding: a server
// on a loopback address answers only requests whose Host names this
// machine (issue #10).
func TestLoopbackHostsOnly(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.1", true},
		{"127.1.2.3:80", true},
		{"localhost:8080", true},
		{"LOCALHOST.", true},
		{"app.localhost:8080", true},
		{"[::1]:8080", true},
		{"[::1]", true},
		{"", false},
		{"attacker.example:8080", false},
		{"attacker.example", false},
		{"localhost.attacker.example", false},
		{"127.0.0.1.nip.io:8080", false},
		{"192.168.1.20:8080", false},
		{"0.0.0.0:8080", false},
		{"2130706433:8080", false}, // 127.0.0.1 as a number: not an address literal
		{"[::ffff:c0a8:0114]:8080", false},
	} {
		if got := isLoopbackHost(tc.host); got != tc.ok {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", tc.host, got, tc.ok)
		}
	}

	h := NewHandler(testSite(t), Options{LoopbackHostsOnly: true})
	for host, want := range map[string]int{"localhost:8080": http.StatusOK, "attacker.example:8080": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %q: status %d, want %d", host, rec.Code, want)
		}
		checkSecurityHeaders(t, "Host "+host, rec.Header())
	}
	if rec := do(t, NewHandler(testSite(t), Options{}), http.MethodGet, "http://attacker.example/", nil); rec.Code != http.StatusOK {
		t.Errorf("without LoopbackHostsOnly, another Host: status %d, want 200", rec.Code)
	}

	// Over TCP: Serve on loopback turns the check on.
	base := serve(t, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	for host, want := range map[string]int{addr: http.StatusOK, "localhost": http.StatusOK, "rebound.attacker.example:" + addr[strings.LastIndex(addr, ":")+1:]: http.StatusForbidden} {
		resp, body := raw(t, addr, fmt.Sprintf("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host))
		if resp.StatusCode != want {
			t.Errorf("Serve, Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
		if want == http.StatusForbidden && (bytes.Contains(body, indexHTML) || string(body) != "403 Forbidden\n") {
			t.Errorf("Serve, Host %q: body %q", host, body)
		}
		checkSecurityHeaders(t, "Serve, Host "+host, resp.Header)
	}
	for _, tc := range []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 1}, false},
		{&net.TCPAddr{IP: net.ParseIP("192.168.1.20"), Port: 1}, false},
		{&net.UnixAddr{Name: "sock", Net: "unix"}, false},
	} {
		if got := isLoopbackAddr(tc.addr); got != tc.want {
			t.Errorf("isLoopbackAddr(%v) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}
