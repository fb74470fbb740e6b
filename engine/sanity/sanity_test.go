package sanity

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
)

func cnnSpec() nn.Spec {
	return nn.Spec{
		Name: "cnn", Input: nn.Shape{C: 1, H: 12, W: 12}, Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "relu"},
			{Type: "conv", Out: 4, Kernel: 3, Pad: 1},
			{Type: "batchnorm"},
			{Type: "relu"},
			{Type: "gap"},
			{Type: "linear", Out: 2},
		},
	}
}

func linearSpec(h, w int) nn.Spec {
	return nn.Spec{
		Name: "linear", Input: nn.Shape{C: 1, H: h, W: w}, Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{{Type: "flatten"}, {Type: "linear", Out: 2}},
	}
}

func randImage(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

func gradientMap(ctx context.Context, net *nn.Network, x []float32, c int) ([]float32, error) {
	return saliency.Map(ctx, net, x, saliency.Gradient, saliency.Options{Class: c})
}

// TestRandomiseInputMapUnchanged: a "saliency method" whose map is the input
// itself ignores the model, so every step of the cascade must report
// Spearman 1 and SSIM 1; the steps go from the output down over the layers
// with parameters; the network is left as it was.
func TestRandomiseInputMapUnchanged(t *testing.T) {
	net, err := nn.New(cnnSpec(), 1)
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), net.Params...)
	x := randImage(rand.New(rand.NewPCG(1, 1)), 144)
	input := func(_ context.Context, _ *nn.Network, x []float32, _ int) ([]float32, error) {
		return append([]float32(nil), x...), nil
	}
	steps, err := Randomise(context.Background(), net, x, 1, input, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantLayers := []int{6, 3, 2, 0} // linear, batchnorm, conv, conv
	if len(steps) != len(wantLayers) {
		t.Fatalf("%d steps, want %d: %+v", len(steps), len(wantLayers), steps)
	}
	for i, s := range steps {
		if s.Layer != wantLayers[i] {
			t.Errorf("step %d randomises layer %d, want %d", i, s.Layer, wantLayers[i])
		}
		if math.Abs(s.Spearman-1) > 1e-12 || math.Abs(s.SSIM-1) > 1e-12 {
			t.Errorf("step %d (layer %d): Spearman %v, SSIM %v; the input map cannot change", i, s.Layer, s.Spearman, s.SSIM)
		}
	}
	for i := range before {
		if net.Params[i] != before[i] {
			t.Fatal("Randomise modified the network")
		}
	}
}

// TestRandomiseGradientOfLinearModel: the input gradient of a linear model
// is the weight row, so re-initialising its one layer makes the map an
// independent draw: the rank correlation must fall to about zero (784
// pixels: standard error ≈ 0.036).
func TestRandomiseGradientOfLinearModel(t *testing.T) {
	net, err := nn.New(linearSpec(28, 28), 1)
	if err != nil {
		t.Fatal(err)
	}
	x := randImage(rand.New(rand.NewPCG(2, 2)), 784)
	steps, err := Randomise(context.Background(), net, x, 0, gradientMap, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || steps[0].Kind != "linear" {
		t.Fatalf("steps %+v, want one for the linear layer", steps)
	}
	if s := steps[0]; math.Abs(s.Spearman) > 0.15 || math.Abs(s.SSIM) > 0.2 {
		t.Errorf("after re-initialising the model the gradient map has Spearman %v, SSIM %v with the original; want ≈ 0", s.Spearman, s.SSIM)
	}
	// The same seed as the network's own initialization re-draws the same
	// weights: the map must not change (so the test above measures the
	// re-initialisation, not noise).
	same, err := Randomise(context.Background(), net, x, 0, gradientMap, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s := same[0]; math.Abs(s.Spearman-1) > 1e-9 {
		t.Errorf("re-initialising with the network's own seed changed the map: Spearman %v", s.Spearman)
	}
}

// TestDeletionBeatsRandomOnLinearModel: for a linear two-class model the
// true importance of pixel i for class c is (w_c,i − w_o,i)·x_i (its share
// of the logit difference). Deleting pixels in that order must lower p_c
// faster than a random order (smaller deletion area), and inserting them in
// that order must raise it faster (larger insertion area), on average over
// images.
func TestDeletionBeatsRandomOnLinearModel(t *testing.T) {
	const h, w = 16, 16
	net, err := nn.New(linearSpec(h, w), 3)
	if err != nil {
		t.Fatal(err)
	}
	wts := net.NamedParams()[0].Value // 2×256, row-major
	rng := rand.New(rand.NewPCG(3, 3))
	var del, delRand, ins, insRand float64
	const images = 20
	for i := 0; i < images; i++ {
		x := randImage(rng, h*w)
		f := append([]float32(nil), net.Forward(x, 1, false)...)
		c := 0
		if f[1] > f[0] {
			c = 1
		}
		imp := make([]float32, h*w)
		for p := range imp {
			imp[p] = (wts[c*h*w+p] - wts[(1-c)*h*w+p]) * x[p]
		}
		cv, err := DeletionInsertion(net, x, c, Order(imp), 16)
		if err != nil {
			t.Fatal(err)
		}
		rv, err := DeletionInsertion(net, x, c, RandomOrder(h*w, uint64(i)), 16)
		if err != nil {
			t.Fatal(err)
		}
		if cv.Deletion[0] != cv.Insertion[16] || math.Abs(cv.Deletion[0]-softmaxAt(f, c)) > 1e-6 {
			t.Fatalf("curve ends: deletion starts at %v, insertion ends at %v, p_c(x) = %v", cv.Deletion[0], cv.Insertion[16], softmaxAt(f, c))
		}
		del += cv.DeletionAUC
		delRand += rv.DeletionAUC
		ins += cv.InsertionAUC
		insRand += rv.InsertionAUC
	}
	if del >= delRand-0.05*images {
		t.Errorf("deletion area %.3f by true importance, %.3f by random order; want clearly smaller", del/images, delRand/images)
	}
	if ins <= insRand+0.05*images {
		t.Errorf("insertion area %.3f by true importance, %.3f by random order; want clearly larger", ins/images, insRand/images)
	}
	// The reversed order (least important first) must do worse than random.
	x := randImage(rng, h*w)
	imp := make([]float32, h*w)
	for p := range imp {
		imp[p] = -(wts[p] - wts[h*w+p]) * x[p]
	}
	worst, _ := DeletionInsertion(net, x, 0, Order(imp), 16)
	rnd, _ := DeletionInsertion(net, x, 0, RandomOrder(h*w, 99), 16)
	if worst.DeletionAUC <= rnd.DeletionAUC {
		t.Errorf("deleting the least important pixels first gives area %v, random %v; want larger", worst.DeletionAUC, rnd.DeletionAUC)
	}
}

func TestDeletionInsertionErrors(t *testing.T) {
	net, _ := nn.New(linearSpec(8, 8), 1)
	x := make([]float32, 64)
	order := RandomOrder(64, 1)
	for _, c := range []struct {
		x      []float32
		order  []int
		class  int
		steps  int
		reason string
	}{
		{x[:10], order, 0, 4, "short input"},
		{x, order[:5], 0, 4, "short order"},
		{x, order, 2, 4, "class"},
		{x, order, 0, 0, "steps"},
	} {
		if _, err := DeletionInsertion(net, c.x, c.class, c.order, c.steps); err == nil {
			t.Errorf("%s accepted", c.reason)
		}
	}
}
