//go:build !windows

package main

// isAddrInUse reports whether err says the address is taken, beyond
// syscall.EADDRINUSE, which errors.Is already finds on Unix.
func isAddrInUse(error) bool { return false }
