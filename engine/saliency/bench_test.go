package saliency

import (
	"context"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
)

// benchSpec is the default small CNN on a side×side grey image: three
// conv 3×3 (pad 1) + ReLU stages of the given widths, max-pooling after the
// first two, then global average pooling and a two-class linear layer.
func benchSpec(side int, widths [3]int) nn.Spec {
	conv := func(n int) nn.LayerSpec { return nn.LayerSpec{Type: "conv", Out: n, Kernel: 3, Pad: 1} }
	return nn.Spec{
		Name:    "bench",
		Input:   nn.Shape{C: 1, H: side, W: side},
		Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{
			conv(widths[0]), {Type: "relu"}, {Type: "maxpool", Kernel: 2},
			conv(widths[1]), {Type: "relu"}, {Type: "maxpool", Kernel: 2},
			conv(widths[2]), {Type: "relu"},
			{Type: "gap"}, {Type: "linear", Out: 2},
		},
	}
}

var (
	spec28 = benchSpec(28, [3]int{8, 16, 32})
	spec64 = benchSpec(64, [3]int{16, 32, 64})
)

func benchmarkMethod(b *testing.B, spec nn.Spec, m Method, opt Options) {
	net := mustNet(b, spec, 1)
	x := randImage(rand.New(rand.NewPCG(2, 3)), spec.Input)
	ctx := context.Background()
	if _, err := Map(ctx, net, x, m, opt); err != nil { // warm the buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Map(ctx, net, x, m, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradient28(b *testing.B) { benchmarkMethod(b, spec28, Gradient, Options{}) }
func BenchmarkGradient64(b *testing.B) { benchmarkMethod(b, spec64, Gradient, Options{}) }
func BenchmarkIntegratedGradients32Steps28(b *testing.B) {
	benchmarkMethod(b, spec28, IntegratedGradients, Options{Steps: 32})
}
func BenchmarkIntegratedGradients32Steps64(b *testing.B) {
	benchmarkMethod(b, spec64, IntegratedGradients, Options{Steps: 32})
}
func BenchmarkSmoothGrad25Samples28(b *testing.B) {
	benchmarkMethod(b, spec28, SmoothGrad, Options{Samples: 25})
}
func BenchmarkGradCAM28(b *testing.B) { benchmarkMethod(b, spec28, GradCAM, Options{}) }
func BenchmarkOcclusion4x2Window28(b *testing.B) {
	benchmarkMethod(b, spec28, Occlusion, Options{Window: 4, Stride: 2})
}
func BenchmarkBlurSigma1At64(b *testing.B) {
	src := randImage(rand.New(rand.NewPCG(4, 5)), nn.Shape{C: 1, H: 64, W: 64})
	dst := make([]float32, len(src))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Blur(dst, src, 64, 64, 1)
	}
}
