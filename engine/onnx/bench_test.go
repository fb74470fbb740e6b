package onnx

import (
	"path/filepath"
	"testing"
)

// benchmarkImageNet times one 224×224 image through an imported torchvision
// classifier from `make onnx-fixtures`: the forward pass alone, or the
// forward pass and the input gradient of the top logit (one step of a
// gradient saliency map, one of Integrated Gradients' 32).
func benchmarkImageNet(b *testing.B, arch string, grad bool) {
	base := filepath.Join(ptDir(b), arch)
	g := ptImport(b, base+".onnx").Graph
	x := ptNpy(b, base+".input.npy").Float32s()
	d := make([]float32, g.Classes())
	d[0] = 1
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		g.Forward(x, 1, false)
		if grad {
			g.Backward(d, false)
		}
	}
}

func BenchmarkResNet18Forward(b *testing.B)      { benchmarkImageNet(b, "resnet18", false) }
func BenchmarkResNet18InputGrad(b *testing.B)    { benchmarkImageNet(b, "resnet18", true) }
func BenchmarkMobileNetV2Forward(b *testing.B)   { benchmarkImageNet(b, "mobilenet_v2", false) }
func BenchmarkMobileNetV2InputGrad(b *testing.B) { benchmarkImageNet(b, "mobilenet_v2", true) }
