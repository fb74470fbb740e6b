package onnx

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/saliency"
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
//
// The imported graph is kept for the next call of the same benchmark (the
// testing package calls it once with b.N = 1 before the timed run), so the
// process's CPU time grows by exactly b.N passes from the first call to the
// second: scripts/bench-onnx-cpu.sh measures that way, with CPU time, on two
// builds side by side.
func benchmarkImageNet(b *testing.B, arch string, grad bool) {
	m := imageNetModel(b, arch)
	d := make([]float32, m.g.Classes())
	d[0] = 1
	b.ReportAllocs()
	b.ResetTimer()
	var times []time.Duration
	for range b.N {
		start := time.Now()
		m.g.Forward(m.x, 1, false)
		if grad {
			m.g.Backward(d, false)
		}
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64(slices.Min(times).Microseconds())/1000, "min-ms")
}

type imageNet struct {
	g *graph.Graph
	x []float32
}

var imageNetModels = map[string]imageNet{}

// imageNetModel imports arch's fixture once per process and runs it once
// forward and backward, so that every buffer is sized.
func imageNetModel(b *testing.B, arch string) imageNet {
	if m, ok := imageNetModels[arch]; ok {
		return m
	}
	base := filepath.Join(ptDir(b), arch)
	m := imageNet{ptImport(b, base+".onnx").Graph, ptNpy(b, base+".input.npy").Float32s()}
	m.g.Forward(m.x, 1, false)
	m.g.Backward(make([]float32, m.g.Classes()), false)
	imageNetModels[arch] = m
	return m
}

func BenchmarkImageNetResNet18Forward(b *testing.B)      { benchmarkImageNet(b, "resnet18", false) }
func BenchmarkImageNetResNet18InputGrad(b *testing.B)    { benchmarkImageNet(b, "resnet18", true) }
func BenchmarkImageNetMobileNetV2Forward(b *testing.B)   { benchmarkImageNet(b, "mobilenet_v2", false) }
func BenchmarkImageNetMobileNetV2InputGrad(b *testing.B) { benchmarkImageNet(b, "mobilenet_v2", true) }

// benchmarkImageNetIG times Integrated Gradients with steps steps on one
// 224×224 image of an imported torchvision classifier, called as one engine
// worker of the app calls it (wasm/host Attribution: default batch, one
// part, the logit of the top class). Besides the mean per map (ns/op) it
// reports the fastest map (min-ms), the batch the saliency package chose
// (batch), the garbage collections per map (gc/map), and the runtime's
// MemStats.Sys when the benchmark function starts (start-MB; in a 1x run,
// with the model imported and run once) and after the last map (peak-MB).
// In wasm, Sys is the linear memory the Go runtime has taken with
// memory.grow, less the binary's static data: the runtime gets memory only
// by growing the linear memory (runtime/mem_wasm.go sbrk), a wasm memory
// never shrinks, and Sys counts every byte so obtained, released or not, so
// its last value is the process's peak. It includes the imported model and
// whatever ran before in the process, so run one case per process:
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench 'ImageNetResNet18IG32$' -benchtime 1x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/onnx
func benchmarkImageNetIG(b *testing.B, arch string, steps int) {
	m := imageNetModel(b, arch)
	logits := m.g.Forward(m.x, 1, false)
	class := 0
	for i, v := range logits {
		if v > logits[class] {
			class = i
		}
	}
	ran := 0
	opt := saliency.Options{Class: class, Steps: steps, Seed: 1, Progress: func(done, _ int) {
		if ran == 0 {
			ran = done
		}
	}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	var times []time.Duration
	for range b.N {
		start := time.Now()
		if _, err := saliency.Attribute(context.Background(), m.g, m.x, saliency.IntegratedGradients, opt); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(slices.Min(times).Microseconds())/1000, "min-ms")
	b.ReportMetric(float64(ran), "batch")
	b.ReportMetric(float64(after.NumGC-before.NumGC)/float64(b.N), "gc/map")
	b.ReportMetric(float64(before.Sys)/(1<<20), "start-MB")
	b.ReportMetric(float64(after.Sys)/(1<<20), "peak-MB")
}

func BenchmarkImageNetResNet18IG32(b *testing.B)    { benchmarkImageNetIG(b, "resnet18", 32) }
func BenchmarkImageNetDenseNet121IG32(b *testing.B) { benchmarkImageNetIG(b, "densenet121", 32) }
func BenchmarkImageNetMobileNetV2IG32(b *testing.B) { benchmarkImageNetIG(b, "mobilenet_v2", 32) }
