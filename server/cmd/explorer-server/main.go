// Command explorer-server serves the Saliency Explorer site embedded into it
// at build time. It needs no other files and no network access beyond the
// address it listens on, which is 127.0.0.1:8080 unless -addr says otherwise.
//
// Usage:
//
//	explorer-server [-addr host:port]
//
// It stops gracefully on SIGINT (Ctrl-C) or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"saliencyexplorer/server"
)

func main() {
	addr := flag.String("addr", server.DefaultAddr, "`host:port` to listen on (port 0 picks a free port)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "explorer-server: unexpected arguments: %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "explorer-server: %v\n", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	site, err := server.Site()
	if err != nil {
		return err
	}
	return server.Run(ctx, addr, site, os.Stdout)
}
