// Command explorer-server serves the Saliency Explorer site embedded into it
// at build time. It needs no other files and no network access beyond the
// address it listens on.
//
// Usage:
//
//	explorer-server [-addr host:port] [-open=false]
//
// Without -addr it listens on 127.0.0.1:8080, or on a free port of
// 127.0.0.1 if 8080 is taken, prints the address to open and opens it in
// the default browser where that needs no extra permission (Windows, macOS,
// a Linux desktop session); -open=false or the environment variable
// SALIENCY_EXPLORER_NO_BROWSER=1 turns that off. It stops gracefully on
// SIGINT (Ctrl-C) or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"saliencyexplorer/server"
)

// version is the release, set by `make dist` (-ldflags -X main.version=...).
var version = "dev"

func main() {
	addr := flag.String("addr", "", "`host:port` to listen on (port 0 picks a free port; default "+server.DefaultAddr+", or a free port if that is taken)")
	open := flag.Bool("open", true, "open the app in the default browser, where the system allows it without extra permissions")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "explorer-server: unexpected arguments: %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if os.Getenv("SALIENCY_EXPLORER_NO_BROWSER") != "" {
		*open = false
	}
	if err := run(*addr, *open); err != nil {
		fmt.Fprintf(os.Stderr, "explorer-server: %v\n", err)
		os.Exit(1)
	}
}

func run(addr string, open bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	site, err := server.Site()
	if err != nil {
		return err
	}
	ln, err := listen(ctx, addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Printf("Saliency Explorer %s\n\n    Open %s in a web browser.\n\nEverything runs in the browser on this computer; nothing is uploaded. Press Ctrl+C to stop.\n\n", version, url)
	if open {
		if err := openBrowser(ctx, url); err != nil {
			fmt.Printf("(could not open a browser: %v; open the address above yourself)\n", err)
		}
	}
	return server.Serve(ctx, ln, site, os.Stdout)
}

// listen opens addr, or, when no address was asked for, the default one
// or else any free port of the loopback interface (a second copy of the
// server, or another program on 8080, is no reason to fail).
func listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	if addr != "" {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listening on %s: %w", addr, err)
		}
		return ln, nil
	}
	ln, err := lc.Listen(ctx, "tcp", server.DefaultAddr)
	if err == nil {
		return ln, nil
	}
	if !errors.Is(err, syscall.EADDRINUSE) && !isAddrInUse(err) {
		return nil, fmt.Errorf("listening on %s: %w", server.DefaultAddr, err)
	}
	host, _, _ := net.SplitHostPort(server.DefaultAddr)
	ln, err2 := lc.Listen(ctx, "tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, fmt.Errorf("listening on %s (%v) or any free port: %w", server.DefaultAddr, err, err2)
	}
	return ln, nil
}

// openBrowser asks the system to open url in the default browser, with
// the command each system provides to every user for that.
func openBrowser(ctx context.Context, url string) error {
	argv := browserCommand(os.Getenv)
	if argv == nil {
		return errors.New("no desktop session")
	}
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], url)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it; the browser outlives it
	return nil
}
