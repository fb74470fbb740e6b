package graph

import "saliencyexplorer/engine/kernels"

// UseWinograd makes the eligible convolutions follow the kernels' rule (on)
// or all run as im2col + GEMM (off), for the external benchmarks.
func UseWinograd(on bool) {
	winogradRule = kernels.WinogradGeom.Pays
	if !on {
		winogradRule = func(kernels.WinogradGeom, int) bool { return false }
	}
}
