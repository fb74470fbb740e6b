package onnx

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
)

// plainModel hides a graph's affine prefix (it offers nn.Model and
// nn.AveragedForwards, so that both paths run the same forwards).
type plainModel struct {
	nn.Model
	nn.AveragedForwards
}

// TestResNet18Prefix checks that the imported ResNet-18's affine prefix is
// its first convolution (the exporter folds bn1 into it), and that
// SmoothGrad and Integrated Gradients through it give the attribution of
// the plain path. SmoothGrad's forward passes are the same through the
// prefix, and only the order of its backward's sums differs: it is held to
// 1e-5 of the attribution's largest magnitude (measured: 2e-7).
// Integrated Gradients' steps start from T(x′) + α(T(x) − T(x′)), which
// rounds differently from T(x′ + α(x − x′)); in a ReLU and max-pool
// network such a difference can flip a unit at its kink and move the
// gradient by up to about 1e-2 (measured here: IG of 5 steps moves by 6e-3
// when every input value moves up by one ulp, and through the prefix by
// 1e-3; of 3 steps, by 1e-7 and 8e-3; of the 4 steps below, 3e-7 through
// the prefix with F(2×2, 3×3) forwards, 5e-3 with the averaged forwards
// saliency now runs, F(4×4, 3×3)). Its bound, 5e-2, catches gross
// errors only; package saliency checks the prefix's algebra tightly on
// small graphs.
func TestResNet18Prefix(t *testing.T) {
	if testing.Short() {
		t.Skip("a 224×224 ImageNet model: the native suite runs it")
	}
	base := filepath.Join(ptDir(t), "resnet18")
	g := ptImport(t, base+".onnx").Graph
	nodes, out := g.Prefix()
	if len(nodes) != 1 || g.Nodes()[0].Op.Type() != "Conv" || g.PrefixSize() != 64*112*112 {
		t.Fatalf("prefix %v (output %s, %d values), want the first Conv (64×112×112)", nodes, out, g.PrefixSize())
	}
	x := ptNpy(t, base+".input.npy").Float32s()
	// New filters' first input gradient runs F(2×2, 3×3) and later ones
	// F(4×4, 3×3) (kernels.WinogradConvBackInput): a batch of two first, so
	// that both paths run the same tiles whichever method comes first.
	g.Forward(append(slices.Clone(x), x...), 2, false)
	g.Backward(make([]float32, 2*g.Classes()), false)
	for m, tol := range map[saliency.Method]float64{saliency.SmoothGrad: 1e-5, saliency.IntegratedGradients: 5e-2} {
		opt := saliency.Options{Class: 1, Steps: 4, Samples: 2, Seed: 1}
		want, err := saliency.Attribute(context.Background(), plainModel{g, g}, x, m, opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := saliency.Attribute(context.Background(), g, x, m, opt)
		if err != nil {
			t.Fatal(err)
		}
		var scale, worst float64
		for i := range want {
			scale = math.Max(scale, math.Abs(float64(want[i])))
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		}
		t.Logf("%s: max |diff| %.3g, %.3g of max |attribution| %.3g", m, worst, worst/scale, scale)
		if scale == 0 || worst > tol*scale {
			t.Errorf("%s: through the prefix differs from the plain path by %.3g, max |attribution| %.3g", m, worst, scale)
		}
	}
}
