package onnx

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// benchmarkImageNet times one 224×224 image through an imported torchvision
// classifier from `make onnx-fixtures`: the forward pass alone, or the
// forward pass and the input gradient of a logit (one step of a gradient
// saliency map, one of Integrated Gradients' 32). Besides the mean it
// reports the fastest iteration (min-ms): on a machine whose cores are
// shared, wall-clock time includes waiting for a core, and the fastest of
// several runs is the one least interrupted. The wasm build (the engine as
// the browser runs it):
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench ImageNet -benchtime 5x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/onnx
func benchmarkImageNet(b *testing.B, arch string, grad bool) {
	base := filepath.Join(ptDir(b), arch)
	g := ptImport(b, base+".onnx").Graph
	x := ptNpy(b, base+".input.npy").Float32s()
	d := make([]float32, g.Classes())
	d[0] = 1
	g.Forward(x, 1, false) // sizes the buffers
	b.ReportAllocs()
	b.ResetTimer()
	var times []time.Duration
	for range b.N {
		start := time.Now()
		g.Forward(x, 1, false)
		if grad {
			g.Backward(d, false)
		}
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64(slices.Min(times).Microseconds())/1000, "min-ms")
}

func BenchmarkImageNetResNet18Forward(b *testing.B)      { benchmarkImageNet(b, "resnet18", false) }
func BenchmarkImageNetResNet18InputGrad(b *testing.B)    { benchmarkImageNet(b, "resnet18", true) }
func BenchmarkImageNetMobileNetV2Forward(b *testing.B)   { benchmarkImageNet(b, "mobilenet_v2", false) }
func BenchmarkImageNetMobileNetV2InputGrad(b *testing.B) { benchmarkImageNet(b, "mobilenet_v2", true) }
