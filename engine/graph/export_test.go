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

// UseStride2Phases makes the eligible stride-2 convolutions follow the
// kernels' rule in averaged passes (on) or all run as im2col + GEMM (off),
// for the external benchmarks.
func UseStride2Phases(on bool) {
	stride2Rule = kernels.Stride2Geom.Pays
	if !on {
		stride2Rule = func(kernels.Stride2Geom, int) bool { return false }
	}
}
