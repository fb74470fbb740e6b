//go:build !unix

package main

import "math"

// cpuMs returns NaN: this platform has no getrusage, so the harness reports
// wall-clock time alone for the native column.
func cpuMs() float64 { return math.NaN() }
