//go:build windows

package main

import (
	"errors"
	"syscall"
)

// wsaeaddrinuse is Winsock's "address already in use" (WSAEADDRINUSE).
const wsaeaddrinuse = syscall.Errno(10048)

// isAddrInUse reports whether err says the address is taken: on Windows
// the listener fails with WSAEADDRINUSE rather than syscall.EADDRINUSE.
func isAddrInUse(err error) bool { return errors.Is(err, wsaeaddrinuse) }
