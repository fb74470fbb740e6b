package host

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// weightsOf returns copies of the current model's parameters and state.
func weightsOf(h *Host) (params, state []float32) {
	p, _, s := h.cur.orig.Weights()
	return slices.Clone(p), slices.Clone(s)
}

func randInput(seed uint64, n int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

// TestCheckInputMap: through the host, a "saliency method" whose map is the
// input itself ignores the model, so every step of the cascade reports
// Spearman and SSIM 1; there is one step per layer with parameters, the
// maps come back (the original first), progress rises to its total, and
// the model in use is unchanged afterwards.
func TestCheckInputMap(t *testing.T) {
	h := startedHost(t)
	// Weights away from the initializer's draw (which the cascade's seed
	// would draw again).
	p, _, _ := h.cur.orig.Weights()
	for i := range p {
		p[i] += 0.1 * float32(math.Sin(float64(i)*1.7))
	}
	h.checkMap = func(_ context.Context, _ nn.Model, x []float32, _ int) ([]float32, error) {
		return slices.Clone(x), nil
	}
	x := randInput(1, 28*28)
	params, state := weightsOf(h)
	before, _ := h.Predict(x, nil)
	last, total := 0, 0
	r, maps, err := h.Check(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Class: 1}, func(done, tot int) {
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		last, total = done, tot
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != total || total == 0 {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	if len(r.Layers) != 4 || r.Units != 4 || r.Layers[0].Name != "9 linear" {
		t.Fatalf("layers %+v (%d units), want the 4 parameterised layers of CrossesCNN from the linear down", r.Layers, r.Units)
	}
	for _, l := range r.Layers {
		if l.Spearman != 1 || math.Abs(float64(l.SSIM)-1) > 1e-12 {
			t.Errorf("%s: Spearman %v, SSIM %v; the input map cannot change", l.Name, l.Spearman, l.SSIM)
		}
	}
	if r.MapH != 28 || r.MapW != 28 || len(maps) != 5*28*28 {
		t.Fatalf("maps %d of %d×%d, want 5 of 28×28", len(maps), r.MapH, r.MapW)
	}
	var mx float32
	for _, v := range x {
		mx = max(mx, v)
	}
	for i, v := range maps[:28*28] {
		if math.Abs(float64(v-x[i]/mx)) > 1e-6 {
			t.Fatalf("original map at %d is %v, want the input divided by its maximum %v", i, v, x[i]/mx)
		}
	}
	p2, s2 := weightsOf(h)
	after, _ := h.Predict(x, nil)
	if !slices.Equal(params, p2) || !slices.Equal(state, s2) || !slices.Equal(before[0], after[0]) {
		t.Error("the check modified the model in use")
	}
}

// TestCheckLinearDeletion: for a linear two-class model with w₀ = 0 and
// w₁ ≥ 0, gradient × input of class 1 is exactly each pixel's share of the
// logit difference, the true importance. Through the host, its deletion
// curve must fall faster than the random order's (smaller area) and its
// insertion curve rise faster; the curves start and end where they must.
// Randomising the one layer moves the gradient map (Spearman far from 1).
func TestCheckLinearDeletion(t *testing.T) {
	const side = 16
	net, err := nn.New(nn.Spec{Name: "linear", Input: nn.Shape{C: 1, H: side, W: side}, Classes: []string{"a", "b"},
		Layers: []nn.LayerSpec{{Type: "flatten"}, {Type: "linear", Out: 2}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w := net.NamedParams()[0].Value // 2×256
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range side * side {
		w[i] = 0
		w[side*side+i] = 0.05 * rng.Float32()
	}
	clear(net.NamedParams()[1].Value)
	h := New(nil)
	h.install("linear", net, model.ManifestEntry{Name: "linear"}, "shipped")
	x := randInput(2, side*side)
	for _, v := range x {
		if v < 0 {
			t.Fatal("input must be non-negative")
		}
	}
	r, _, err := h.Check(context.Background(), x, protocol.SaliencyRequest{Method: "gradxinput", Class: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != CheckCurveSteps || len(r.Deletion) != CheckCurveSteps+1 || len(r.RandomInsertion) != CheckCurveSteps+1 {
		t.Fatalf("curves of %d and %d points, %d steps", len(r.Deletion), len(r.RandomInsertion), r.Steps)
	}
	if r.Deletion[0] != r.RandomDeletion[0] || !(r.Deletion[0] > 0.5) || r.Insertion[CheckCurveSteps] != r.Deletion[0] {
		t.Errorf("curves start at p = %v (random %v), insertion ends at %v; want the image's own p > 0.5 each", r.Deletion[0], r.RandomDeletion[0], r.Insertion[CheckCurveSteps])
	}
	if !(r.DeletionAUC < r.RandomDeletionAUC-0.05) {
		t.Errorf("deletion area %v by the true importance, %v by random order; want clearly smaller", r.DeletionAUC, r.RandomDeletionAUC)
	}
	if !(r.InsertionAUC > r.RandomInsertionAUC+0.01) {
		t.Errorf("insertion area %v by the true importance, %v by random order; want larger", r.InsertionAUC, r.RandomInsertionAUC)
	}
	if len(r.Layers) != 1 || !(r.Layers[0].Spearman < 0.5) {
		t.Errorf("cascade %+v; want one step that moves the map", r.Layers)
	}
}

// TestCheckONNX checks an imported graph: the cascade runs over its nodes
// with parameters, the maps are its 24×20 input's, and the model in use
// (weights, state, predictions) is unchanged afterwards.
func TestCheckONNX(t *testing.T) {
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 1, nil), nil, protocol.ModelFile{Format: "onnx", Name: "small.onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	x := randInput(3, 24*20)
	params, state := weightsOf(h)
	before, _ := h.Predict(x, nil)
	r, maps, err := h.Check(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Class: 2, Target: "logprob"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Layers) < 3 || r.Units != len(r.Layers) || r.MapH != 24 || r.MapW != 20 || len(maps) != (len(r.Layers)+1)*24*20 {
		t.Fatalf("%d layers of %d units, maps %d of %d×%d", len(r.Layers), r.Units, len(maps), r.MapH, r.MapW)
	}
	if r.Layers[0].Kind != "Gemm" || r.Layers[0].Name == "" {
		t.Errorf("first step %+v, want the Gemm head", r.Layers[0])
	}
	if l := r.Layers[len(r.Layers)-1]; !(l.Spearman < 0.9) {
		t.Errorf("with every layer redrawn the gradient map keeps Spearman %v", l.Spearman)
	}
	p2, s2 := weightsOf(h)
	after, _ := h.Predict(x, nil)
	if !slices.Equal(params, p2) || !slices.Equal(state, s2) || !slices.Equal(before[0], after[0]) {
		t.Error("the check modified the imported model")
	}
}

// TestCheckRefused: a check estimated to run past the limit is refused
// with the estimate, after the first map; a cancelled one stops; bad
// requests get errors; the model stays usable.
func TestCheckRefused(t *testing.T) {
	h := startedHost(t)
	x := randInput(4, 28*28)
	h.SetCheckTime(1)
	_, _, err := h.Check(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Class: 0}, nil)
	if !errors.Is(err, ErrCheckTooSlow) || !strings.Contains(err.Error(), "5 maps of") || !strings.Contains(err.Error(), "faster method") {
		t.Errorf("over the time limit: %v", err)
	}
	h.SetCheckTime(0)
	ctx, cancel := context.WithCancel(context.Background())
	_, _, err = h.Check(ctx, x, protocol.SaliencyRequest{Method: "smoothgrad", Samples: 50, Class: 0}, func(done, total int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled check returned %v", err)
	}
	for _, req := range []protocol.SaliencyRequest{{Method: "nope"}, {Method: "gradient", Class: 2}, {Method: "gradient", Class: -1}, {Method: "gradient", Model: "other"}} {
		if _, _, err := h.Check(context.Background(), x, req, nil); err == nil {
			t.Errorf("%+v accepted", req)
		}
	}
	if _, _, err := h.Check(context.Background(), x[:5], protocol.SaliencyRequest{Method: "gradient"}, nil); err == nil {
		t.Error("short input accepted")
	}
	if _, _, err := h.Check(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Class: 1}, nil); err != nil {
		t.Errorf("after refusals: %v", err)
	}
}

// TestShrink averages blocks: 130×70 by 3 gives 44×24 with partial edge
// blocks averaged over what they cover.
func TestShrink(t *testing.T) {
	m := make([]float32, 130*70)
	for i := range m {
		m[i] = float32(i % 70) // the column
	}
	s, h, w := shrink(m, 130, 70, 64)
	if h != 44 || w != 24 || len(s) != h*w {
		t.Fatalf("%d×%d (%d values), want 44×24", h, w, len(s))
	}
	if s[0] != 1 || s[23] != 69 { // columns 0–2; the last block holds column 69 alone
		t.Errorf("first block %v, last column block %v; want 1 and 69", s[0], s[23])
	}
	if _, h, w := shrink(m[:28*28], 28, 28, 64); h != 28 || w != 28 {
		t.Errorf("a small map was shrunk to %d×%d", h, w)
	}
}

// TestCheckMemoryWhileTraining: a check of the model being fine-tuned
// reads a copy of it besides the copy it randomises, and the memory
// estimate counts both: a budget that fits one copy is enough before the
// run and refused during it, naming the two copies.
func TestCheckMemoryWhileTraining(t *testing.T) {
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 3, nil), nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	x, mask := randInput(3, 3*24*20), make([]float32, 24*20)
	copyBytes := copyMemory(h.cur.orig)
	oneCopy := copyBytes + 8*int64(h.cur.orig.ValuesPerExample())
	req := protocol.SaliencyRequest{Method: "gradient", Class: 1, Model: protocol.Tuned}
	h.SetMemoryBudget(oneCopy)
	if _, _, err := h.Check(context.Background(), x, req, nil); err != nil {
		t.Fatalf("before training, with room for one copy: %v", err)
	}
	h.SetMemoryBudget(0)
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.01, Epochs: 1, Labels: []int{0}}, x, mask, Status{}); err != nil {
		t.Fatal(err)
	}
	h.SetMemoryBudget(oneCopy)
	_, _, err := h.Check(context.Background(), x, req, nil)
	if err == nil || !strings.Contains(err.Error(), "two copies") {
		t.Errorf("during training, with room for one copy: %v, want a refusal naming two copies", err)
	}
	h.SetMemoryBudget(oneCopy + copyBytes)
	if _, _, err := h.Check(context.Background(), x, req, nil); err != nil {
		t.Errorf("during training, with room for two copies: %v", err)
	}
}
