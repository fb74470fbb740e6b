package onnx

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
)

// TestResNet18AveragedForwards checks, on the imported ResNet-18, the
// saliency methods' use of the graph's averaged forwards
// (nn.AveragedForwards: F(4×4, 3×3) for the forwards of Integrated
// Gradients' batches of 2). Integrated Gradients' attribution with them
// stays within igAveragedTol of the one with F(2×2, 3×3) forwards (the
// graph behind plainForwards), and differs from it, so the switch is
// applied; the input gradient, one pass, is bit for bit the one with
// F(2×2, 3×3) forwards.
func TestResNet18AveragedForwards(t *testing.T) {
	if testing.Short() {
		t.Skip("a 224×224 ImageNet model: the native suite runs it")
	}
	base := filepath.Join(ptDir(t), "resnet18")
	g := ptImport(t, base+".onnx").Graph
	x := ptNpy(t, base+".input.npy").Float32s()
	plain := plainForwards{g, g}
	attribute := func(m saliency.Method, averaged bool) []float32 {
		var net nn.Model = plain
		if averaged {
			net = g
		}
		a, err := saliency.Attribute(context.Background(), net, x, m, saliency.Options{Class: 30, Steps: igAveragedSteps})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	want, got := attribute(saliency.IntegratedGradients, false), attribute(saliency.IntegratedGradients, true)
	var scale, worst float64
	for i := range want {
		scale = math.Max(scale, math.Abs(float64(want[i])))
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("IG(%d): averaged forwards move the attribution by %.3g of its largest magnitude %.3g", igAveragedSteps, worst/scale, scale)
	if worst == 0 {
		t.Error("Integrated Gradients with averaged forwards is bit for bit the one without: F(4×4, 3×3) forwards were not used")
	}
	if worst > igAveragedTol*scale {
		t.Errorf("averaged forwards move Integrated Gradients by %.3g of its largest magnitude, more than %g", worst/scale, igAveragedTol)
	}
	if !slices.Equal(attribute(saliency.Gradient, true), attribute(saliency.Gradient, false)) {
		t.Error("the input gradient differs with averaged forwards available: a single gradient must keep F(2×2, 3×3) forwards")
	}
}

// The Integrated Gradients of TestResNet18AveragedForwards: 4 steps (two
// batches of 2), which averaged forwards moved by 5.4e-3 of the
// attribution's largest magnitude (8 steps: 8.0e-3, 32: 4.5e-3;
// TestIGErrorReport). The bound is about four times that, and an eighth
// of what the 32-step map's own discretisation moves it (0.16 against 128
// steps), the error the switch was weighed against.
const (
	igAveragedSteps = 4
	igAveragedTol   = 2e-2
)

// BenchmarkResNet18IGAveraged times Integrated Gradients with 32 steps on
// the ResNet-18 fixture with averaged forwards (F(4×4, 3×3) forwards, as
// saliency runs it) and without (plainForwards: F(2×2, 3×3)), alternately
// in one process, and reports the fastest map of each (f4-ms, f2-ms) and
// their ratio: steadier than two processes on a loaded machine. Run one
// pair per iteration, in wasm:
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench ResNet18IGAveraged -benchtime 3x \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/onnx
func BenchmarkResNet18IGAveraged(b *testing.B) {
	m := imageNetModel(b, "resnet18")
	opt := saliency.Options{Class: 30, Steps: 32}
	attribute := func(net nn.Model) time.Duration {
		start := time.Now()
		if _, err := saliency.Attribute(context.Background(), net, m.x, saliency.IntegratedGradients, opt); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	plain := plainForwards{m.g, m.g}
	attribute(m.g) // both forms of the filters made before timing
	var f2, f4 []time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			f2 = append(f2, attribute(plain))
			f4 = append(f4, attribute(m.g))
		} else {
			f4 = append(f4, attribute(m.g))
			f2 = append(f2, attribute(plain))
		}
	}
	b2, b4 := slices.Min(f2), slices.Min(f4)
	b.ReportMetric(float64(b2.Microseconds())/1000, "f2-ms")
	b.ReportMetric(float64(b4.Microseconds())/1000, "f4-ms")
	b.ReportMetric(float64(b4)/float64(b2), "f4/f2")
}
