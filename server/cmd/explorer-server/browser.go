package main

import (
	"os/exec"
	"runtime"
)

// browserCommand returns the command (without the URL) that opens a URL in
// the default browser on this system, or nil where there is none to use:
// on Linux and the BSDs, only in a desktop session (DISPLAY or
// WAYLAND_DISPLAY set) with xdg-open installed; never over SSH alone.
func browserCommand(getenv func(string) string) []string {
	return browserCommandFor(runtime.GOOS, getenv, exec.LookPath)
}

func browserCommandFor(goos string, getenv func(string) string, lookPath func(string) (string, error)) []string {
	switch goos {
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	case "darwin":
		return []string{"open"}
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			return nil
		}
		if p, err := lookPath("xdg-open"); err == nil {
			return []string{p}
		}
	}
	return nil
}
