package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultAddr is the address the server listens on unless told otherwise:
// the loopback interface only, so the site is not exposed to the network.
const DefaultAddr = "127.0.0.1:8080"

// Timeouts and limits of the http.Server started by Run and Serve.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 2 * time.Minute // large wasm binaries on slow links
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 32 << 10
	ShutdownTimeout   = 10 * time.Second
)

// Run listens on addr (host:port; port 0 picks a free one), serves site
// until ctx is cancelled and then shuts the server down gracefully, waiting
// up to ShutdownTimeout for requests in flight. It writes a line
// "Saliency Explorer: serving on http://ADDR/" with the actual address to
// logw once listening, and server errors after that. It returns nil after a
// clean shutdown.
func Run(ctx context.Context, addr string, site fs.FS, logw io.Writer) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listening on %s: %w", addr, err)
	}
	return Serve(ctx, ln, site, logw)
}

// Serve is Run on a listener the caller has opened. It closes ln.
func Serve(ctx context.Context, ln net.Listener, site fs.FS, logw io.Writer) error {
	if logw == nil {
		logw = io.Discard
	}
	out := &lockedWriter{w: logw}
	logger := log.New(out, "", log.LstdFlags)
	srv := newHTTPServer(NewHandler(site, Options{ErrorLog: logger, LoopbackHostsOnly: isLoopbackAddr(ln.Addr())}), logger)

	fmt.Fprintf(out, "Saliency Explorer: serving on %s\n", displayURL(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("server: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		<-errc
		return fmt.Errorf("server: shutting down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: serving on %s: %w", ln.Addr(), err)
	}
	fmt.Fprintln(out, "Saliency Explorer: stopped")
	return nil
}

// isLoopbackAddr reports whether a listener accepts loopback connections
// only.
func isLoopbackAddr(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// newHTTPServer returns the http.Server configuration used by Serve.
//
// "OPTIONS *" reaches the handler, which answers 405 like every method but
// GET and HEAD (net/http would otherwise answer it 200 itself). Some
// responses net/http writes itself, before any handler runs, and they
// cannot carry the security headers: 431 for headers over MaxHeaderBytes,
// 400 for requests it cannot parse (malformed request line or headers, a
// missing or invalid Host, a bad Transfer-Encoding), 417 for an Expect
// header other than 100-continue, and 505 for unsupported HTTP versions.
// Each is a short text/plain body with Connection: close and no content
// from the site.
func newHTTPServer(h http.Handler, logger *log.Logger) *http.Server {
	return &http.Server{
		Handler:                      h,
		DisableGeneralOptionsHandler: true,
		ReadHeaderTimeout:            ReadHeaderTimeout,
		ReadTimeout:                  ReadTimeout,
		WriteTimeout:                 WriteTimeout,
		IdleTimeout:                  IdleTimeout,
		MaxHeaderBytes:               MaxHeaderBytes,
		ErrorLog:                     logger,
	}
}

// displayURL returns the URL a browser on this machine should open for a
// server listening on addr: an unspecified IP (all interfaces) is shown as
// the matching loopback address.
func displayURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String() + "/"
	}
	ip := tcp.IP
	switch {
	case ip == nil || (ip.IsUnspecified() && ip.To4() != nil):
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port)) + "/"
}

// lockedWriter serializes writes from the server's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
