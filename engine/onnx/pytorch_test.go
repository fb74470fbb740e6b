package onnx

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/npy"
	"saliencyexplorer/engine/onnx/onnxpb"
	"saliencyexplorer/engine/train"
)

// ptTol is the agreement the issue asks of the engine against PyTorch:
// max |got − want| / max |want| over a tensor.
const ptTol = 1e-4

// ptDir returns the fixtures of `make onnx-fixtures`, or skips (fails under
// CI=true) without them.
func ptDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../../.cache/onnx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node-summary.json")); err != nil {
		msg := "run make onnx-fixtures: the PyTorch references under " + dir + " are missing"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires them")
		}
		t.Skip(msg)
	}
	return dir
}

func ptNpy(t testing.TB, path string) *npy.Array {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}

func ptImport(t testing.TB, path string) *Imported {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.Decode(b, onnxpb.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	imp, err := Import(m, Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return imp
}

// ptRel returns max |got − want| / max |want| and the index of the largest
// difference; it fails t if the lengths differ or a value is not finite.
func ptRel(t testing.TB, what string, got []float32, want []float64) (float64, int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var maxDiff, maxAbs float64
	at := 0
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("%s[%d] = %v", what, i, g)
		}
		if d := math.Abs(g - w); d > maxDiff {
			maxDiff, at = d, i
		}
		maxAbs = math.Max(maxAbs, math.Abs(w))
	}
	if maxAbs == 0 {
		t.Fatalf("%s: the reference is all zeros", what)
	}
	return maxDiff / maxAbs, at
}

// TestPyTorchClassifiers imports torchvision's ResNet-18, DenseNet-121,
// MobileNetV2 and EfficientNet-B0 as PyTorch exported them and checks the
// engine's logits and input gradient of the top logit against PyTorch's
// (computed in float64 from the same float32 weights): the logits within
// 1e-4 relative (max abs difference over max abs value).
//
// The input gradient is held to 1e-4 where that question is well posed. A
// network of ReLU, ReLU6 and max-pool units has an input gradient that is
// piecewise constant in its activations: a unit within float32 rounding of
// its kink takes either branch, and the gradient jumps. The fixture
// measures this for each model: PyTorch's own float32 gradient against its
// float64 one, and the float64 gradient at the input perturbed by 1e-6
// relative (about float32's rounding). Where either moves the gradient by
// more than 1e-4 (the three ReLU networks: 3e-4 to 3e-2), no float32
// engine can be held to 1e-4, and the bound is ten times that movement, a
// check for gross errors only; where neither does (EfficientNet-B0, whose
// SiLU is smooth: 3e-5), the bound is 1e-4. The op-by-op backward passes are
// checked against finite differences in package graph.
func TestPyTorchClassifiers(t *testing.T) {
	if testing.Short() {
		t.Skip("four 224×224 ImageNet models: the native suite runs them")
	}
	dir := ptDir(t)
	for _, arch := range []string{"resnet18", "densenet121", "mobilenet_v2", "efficientnet_b0"} {
		t.Run(arch, func(t *testing.T) {
			base := filepath.Join(dir, arch)
			start := time.Now()
			imp := ptImport(t, base+".onnx")
			loaded := time.Since(start)
			x := ptNpy(t, base+".input.npy")
			wantLogits := ptNpy(t, base+".logits.npy")
			wantGrad := ptNpy(t, base+".grad.npy")
			var info struct {
				Class        int     `json:"class"`
				Float32Rel   float64 `json:"torch_float32_grad_rel"`
				PerturbedRel float64 `json:"grad_rel_at_1e-6_perturbed_input"`
			}
			b, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &info); err != nil {
				t.Fatal(err)
			}
			g := imp.Graph
			if in := g.Input(); in.C != 3 || in.H != 224 || in.W != 224 {
				t.Fatalf("input %v, want 3×224×224", in)
			}
			start = time.Now()
			logits := g.Forward(x.Float32s(), 1, false)
			fwd := time.Since(start)
			rl, at := ptRel(t, "logits", logits, wantLogits.Data)
			top := 0
			for i, v := range logits {
				if v > logits[top] {
					top = i
				}
			}
			if top != info.Class {
				t.Errorf("top class %d, PyTorch's %d", top, info.Class)
			}
			d := make([]float32, len(logits))
			d[info.Class] = 1
			start = time.Now()
			grad := g.Backward(d, false)
			bwd := time.Since(start)
			rg, atg := ptRel(t, "input gradient", grad, wantGrad.Data)
			moves := math.Max(info.Float32Rel, info.PerturbedRel)
			gradTol := ptTol
			if moves > ptTol {
				gradTol = math.Max(ptTol, 10*moves)
			}
			t.Logf("%s: logits within %.2g relative, input gradient of logit %d within %.2g (bound %.2g: PyTorch float32 within %.2g of float64, float64 moves %.2g at a 1e-6 perturbed input); import %v, forward %v, backward %v",
				arch, rl, info.Class, rg, gradTol, info.Float32Rel, info.PerturbedRel, loaded.Round(time.Millisecond), fwd.Round(time.Millisecond), bwd.Round(time.Millisecond))
			if rl > ptTol {
				t.Errorf("logits differ from PyTorch's by %.3g relative (> %g); at %d: %g, want %g", rl, ptTol, at, logits[at], wantLogits.Data[at])
			}
			if rg > gradTol {
				t.Errorf("input gradient differs from PyTorch's by %.3g relative (> %.3g); at %d: %g, want %g", rg, gradTol, atg, grad[atg], wantGrad.Data[atg])
			}
		})
	}
}

// TestPyTorchSmallCNNCrossEntropy checks the weight gradient of the mean
// cross-entropy of the small conv net's batch against PyTorch's.
func TestPyTorchSmallCNNCrossEntropy(t *testing.T) {
	dir := ptDir(t)
	base := filepath.Join(dir, "smallcnn")
	imp := ptImport(t, base+".onnx")
	g := imp.Graph
	x := ptNpy(t, base+".x.npy")
	labels := ptNpy(t, base+".labels.npy")
	n, k := x.Shape[0], g.Classes()
	logits := g.Forward(x.Float32s(), n, true)
	rl, _ := ptRel(t, "logits", logits, ptNpy(t, base+".logits.npy").Data)
	if rl > ptTol {
		t.Errorf("logits differ from PyTorch's by %.3g relative", rl)
	}
	// d(mean CE)/d logits = (softmax − onehot) / N.
	d := make([]float32, n*k)
	for b := 0; b < n; b++ {
		row := logits[b*k : (b+1)*k]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - mx))
		}
		for j, v := range row {
			d[b*k+j] = float32(math.Exp(float64(v-mx)) / sum / float64(n))
		}
		d[b*k+int(labels.Data[b])] -= 1 / float32(n)
	}
	g.ZeroGrad()
	g.Backward(d, true)
	ptCheckParamGrads(t, g.NamedParams(), base, "ce", 1)
}

// ptRelOrAbs is ptRel, except that an all-zero reference (GradMask's bias
// gradients: a piecewise-linear net's input gradient does not depend on
// its biases) is compared absolutely: the result is the largest |got|.
func ptAllZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func ptRelOrAbs(t testing.TB, what string, got []float32, want []float64) (float64, int) {
	t.Helper()
	if !ptAllZero(want) {
		return ptRel(t, what, got, want)
	}
	var m float64
	at := 0
	for i, g := range got {
		if a := math.Abs(float64(g)); a > m {
			m, at = a, i
		}
	}
	return m, at
}

// TestPyTorchSmallCNNPenalties checks the weight gradients of the RRR and
// GradMask penalties (METHODS.md), which the engine computes exactly with a
// tangent pass and the reverse of the dual pass, against PyTorch's double
// backward (create_graph=True) on the small conv net with max-pool: the
// objective's gradient at λ = 1 minus its gradient at λ = 0 is the
// penalty's.
func TestPyTorchSmallCNNPenalties(t *testing.T) {
	dir := ptDir(t)
	base := filepath.Join(dir, "smallcnn")
	imp := ptImport(t, base+".onnx")
	g := imp.Graph
	x := ptNpy(t, base+".x.npy")
	masks := ptNpy(t, base+".masks.npy")
	labels := ptNpy(t, base+".labels.npy")
	var info struct {
		Values map[string]float64 `json:"values"`
	}
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	batch := train.Batch{X: x.Float32s(), Masks: masks.Float32s(), N: x.Shape[0]}
	for _, l := range labels.Data {
		batch.Labels = append(batch.Labels, int(l))
	}
	for _, m := range []train.Method{train.RRR, train.GradMask} {
		t.Run(string(m), func(t *testing.T) {
			grads := func(lambda float64) ([]float32, train.Terms) {
				o, err := train.NewObjective(m, lambda, 1)
				if err != nil {
					t.Fatal(err)
				}
				g.ZeroGrad()
				terms := o.Compute(g, batch)
				return append([]float32(nil), g.Grads...), terms
			}
			ce, _ := grads(0)
			full, terms := grads(1)
			if want := info.Values[string(m)]; math.Abs(terms.Penalty-want) > 1e-4*math.Abs(want) {
				t.Errorf("penalty %.7g, PyTorch's %.7g", terms.Penalty, want)
			}
			if want := info.Values["ce"]; math.Abs(terms.CE-want) > 1e-4*math.Abs(want) {
				t.Errorf("cross-entropy %.7g, PyTorch's %.7g", terms.CE, want)
			}
			for i := range full {
				g.Grads[i] = full[i] - ce[i]
			}
			ptCheckParamGrads(t, g.NamedParams(), base, string(m), 1)
		})
	}
}

// ptCheckParamGrads compares each trainable parameter's gradient with
// PyTorch's smallcnn.<term>.<name>.npy scaled by scale.
func ptCheckParamGrads(t *testing.T, params []*nn.Param, base, term string, scale float64) {
	t.Helper()
	checked := 0
	for _, p := range params {
		if !p.Trainable {
			continue
		}
		path := fmt.Sprintf("%s.%s.%s.npy", base, term, p.Name)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("parameter %s has no PyTorch gradient (%s)", p.Name, path)
			continue
		}
		want := ptNpy(t, path)
		for i := range want.Data {
			want.Data[i] *= scale
		}
		r, at := ptRelOrAbs(t, term+" gradient of "+p.Name, p.Grad, want.Data)
		how := "relative"
		if ptAllZero(want.Data) {
			how = "absolute (PyTorch's is exactly 0)"
		}
		t.Logf("%s: ∂%s/∂%s within %.2g %s", term, term, p.Name, r, how)
		if r > ptTol {
			t.Errorf("∂%s/∂%s differs from PyTorch's by %.3g relative; at %d: %g, want %g", term, p.Name, r, at, p.Grad[at], want.Data[at])
		}
		checked++
	}
	if checked == 0 {
		t.Error("no trainable parameter")
	}
}
