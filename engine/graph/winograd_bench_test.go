package graph_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nntest"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// loadResNet18 imports torchvision ResNet-18 from the fixture of
// `make onnx-fixtures`, skipping b when it is missing.
func loadResNet18(b *testing.B) *graph.Graph {
	b.Helper()
	raw, err := os.ReadFile("../../.cache/onnx/resnet18.onnx")
	if err != nil {
		b.Skipf("run make onnx-fixtures: %v", err)
	}
	m, err := onnxpb.Decode(raw, onnxpb.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	imp, err := onnx.Import(m, onnx.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return imp.Graph
}

// BenchmarkResNet18Winograd times torchvision ResNet-18 (the fixture of
// `make onnx-fixtures`) at 224×224 with the 3×3 stride-1 convolutions on
// kernels.WinogradConv where its rule says so ("rule") and all on im2col +
// GEMM ("im2col"), interleaved in one process: each iteration runs one pass
// of each, and it reports the fastest of each in ms and im2col / rule (see
// kernels.BenchmarkMatMulSIMD for why the fastest). A pass is the forward
// ("fwd") or the forward and the input gradient of a logit ("grad"), for
// batches of 1 and 8 (8 steps of Integrated Gradients at once).
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench ResNet18Winograd -benchtime 5x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/graph
func BenchmarkResNet18Winograd(b *testing.B) {
	g := loadResNet18(b)
	defer graph.UseWinograd(true)
	for _, n := range []int{1, 8} {
		for _, grad := range []bool{false, true} {
			name := "fwd"
			if grad {
				name = "grad"
			}
			b.Run(fmt.Sprintf("%s/n%d", name, n), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				x := nntest.Rand(rng, n*3*224*224)
				d := make([]float32, n*g.Classes())
				for e := 0; e < n; e++ {
					d[e*g.Classes()] = 1
				}
				pass := func(on bool) time.Duration {
					graph.UseWinograd(on)
					start := time.Now()
					g.Forward(x, n, false)
					if grad {
						g.Backward(d, false)
					}
					return time.Since(start)
				}
				interleaved(b, "rule", pass)
			})
		}
	}
}

// BenchmarkResNet18Stride2 times torchvision ResNet-18's forward and input
// gradient of a logit at Integrated Gradients' batch of 2 with averaged
// forwards, its three 3×3 stride-2 convolutions by their phases
// ("phases") and on im2col + GEMM ("im2col"), interleaved pass by pass in
// one process; it reports the fastest pass of each in ms and, as
// BenchmarkResNet18Winograd does, im2col / phases ("speedup").
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench ResNet18Stride2 -benchtime 10x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/graph
func BenchmarkResNet18Stride2(b *testing.B) {
	g := loadResNet18(b)
	defer graph.UseStride2Phases(true)
	g.SetAveragedForwards(true)
	const n = 2
	rng := rand.New(rand.NewPCG(1, 2))
	x := nntest.Rand(rng, n*3*224*224)
	d := make([]float32, n*g.Classes())
	for e := 0; e < n; e++ {
		d[e*g.Classes()] = 1
	}
	pass := func(on bool) time.Duration {
		graph.UseStride2Phases(on)
		start := time.Now()
		g.Forward(x, n, false)
		g.Backward(d, false)
		return time.Since(start)
	}
	interleaved(b, "phases", pass)
}

// interleaved runs pass(true), the path named on, and pass(false), im2col
// + GEMM, once each to size every buffer and transform the filters, then
// one after the other per iteration of b, and reports the fastest of each
// in ms (on-ms, im2col-ms) and im2col / on ("speedup").
func interleaved(b *testing.B, on string, pass func(on bool) time.Duration) {
	pass(true)
	pass(false)
	var ton, toff []time.Duration
	for b.Loop() {
		ton = append(ton, pass(true))
		toff = append(toff, pass(false))
	}
	mon, moff := slices.Min(ton).Seconds()*1e3, slices.Min(toff).Seconds()*1e3
	b.ReportMetric(mon, on+"-ms")
	b.ReportMetric(moff, "im2col-ms")
	b.ReportMetric(moff/mon, "speedup")
}
