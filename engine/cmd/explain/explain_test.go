package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/npy"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/preproc"
)

// testNet returns a small 3-channel network with non-trivial parameters.
func testNet(t *testing.T, c int) *nn.Network {
	t.Helper()
	spec := model.SmallCNN("small", nn.Shape{C: c, H: 12, W: 12}, []string{"cat", "dog", "bird"}, [3]int{4, 6, 8})
	net, err := nn.New(spec, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range net.NamedParams() {
		for i := range p.Value {
			p.Value[i] += 0.1 * float32(rng.NormFloat64())
		}
	}
	return net
}

// writeONNX exports net with a final Softmax and the given metadata.
func writeONNX(t *testing.T, dir string, net *nn.Network, md map[string]string) (string, *graph.Graph) {
	t.Helper()
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.ExportBytes(g, onnx.ExportOptions{Head: "Softmax", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, g
}

func writePNG(t *testing.T, path string, w, h int, grey bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			r, g, b := byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))
			if grey {
				g, b = r, r
			}
			img.SetNRGBA(x, y, color.NRGBA{r, g, b, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func readNpy(t *testing.T, p string) *npy.Array {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestONNXImage runs an exported ONNX model (ending in a Softmax, with its
// normalization and labels in metadata) on a PNG and checks every output
// against the model computed independently: the JSON's logits are the
// values before the Softmax for the preprocessed image, its probabilities
// their softmax; -map is exactly ∂f_c/∂x; -png is the heat map's picture.
func TestONNXImage(t *testing.T) {
	dir := t.TempDir()
	net := testNet(t, 3)
	md := map[string]string{preproc.KeyNormalize: "symmetric", preproc.KeyLabels: "cat\ndog\nbird"}
	modelPath, g := writeONNX(t, dir, net, md)
	img := writePNG(t, filepath.Join(dir, "in.png"), 30, 20, false)
	code, out, errOut := runCmd(t, "-model", modelPath, "-input", filepath.Join(dir, "in.png"), "-class", "1",
		"-json", filepath.Join(dir, "r.json"), "-map", filepath.Join(dir, "m.npy"), "-png", filepath.Join(dir, "m.png"))
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, `of class 1 "dog"`) || strings.Count(out, "\n") != 1 {
		t.Errorf("output %q", out)
	}
	// The input as the model should see it: the PNG resized as
	// torchvision's Resize((12, 12)) does, in [-1, 1].
	im, err := imageio.Decode(img, 3, 20, 30, imageio.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 3*12*12)
	if err := imageio.ResizeBilinear(x, 3, 12, 12, im.Pix, 3, 20, 30, imageio.Frame{}); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		x[i] = 2*x[i] - 1
	}
	logits := append([]float32(nil), g.Forward(x, 1, false)...)
	d := make([]float32, 3)
	d[1] = 1
	grad := g.Backward(d, false)

	var r result
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Class != 1 || r.Label != "dog" || r.Method != "gradient" {
		t.Errorf("JSON class %d %q method %q", r.Class, r.Label, r.Method)
	}
	var sum float64
	for i := range logits {
		if math.Abs(float64(r.Logits[i]-logits[i])) > 1e-5 {
			t.Errorf("logit %d: %v, want %v", i, r.Logits[i], logits[i])
		}
		sum += float64(r.Probabilities[i])
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("probabilities sum to %v", sum)
	}
	p := softmax(logits)
	for i := range p {
		if math.Abs(float64(r.Probabilities[i]-p[i])) > 1e-6 {
			t.Errorf("probability %d: %v, want %v", i, r.Probabilities[i], p[i])
		}
	}
	a := readNpy(t, filepath.Join(dir, "m.npy"))
	if want := []int{3, 12, 12}; len(a.Shape) != 3 || a.Shape[0] != 3 || a.Shape[1] != 12 || a.Shape[2] != 12 {
		t.Fatalf("map shape %v, want %v", a.Shape, want)
	}
	for i, v := range a.Float32s() {
		if math.Abs(float64(v-grad[i])) > 1e-6*(1+math.Abs(float64(grad[i]))) {
			t.Fatalf("map value %d: %v, want ∂f_1/∂x = %v", i, v, grad[i])
		}
	}
	f, err := os.Open(filepath.Join(dir, "m.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 12*18 || cfg.Height != 12*18 {
		t.Errorf("png %dx%d, %v", cfg.Width, cfg.Height, err)
	}
}

// TestJSONModelNpyBatch runs the engine's own .json model on a folder of
// .npy arrays (with and without the batch axis), a grey PNG and a broken
// file: one line each, the broken one reported without stopping the rest,
// exit status 1, a JSON array, and maps named after the inputs;
// gradient × input is x ⊙ ∂f_c/∂x.
func TestJSONModelNpyBatch(t *testing.T) {
	dir := t.TempDir()
	net := testNet(t, 1)
	arch, weights, err := model.Save(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "m.json"), arch, 0o644)
	os.WriteFile(filepath.Join(dir, "m.safetensors"), weights, 0o644)
	in := filepath.Join(dir, "inputs")
	os.Mkdir(in, 0o755)
	rng := rand.New(rand.NewPCG(7, 8))
	xs := map[string][]float32{}
	for name, shape := range map[string][]int{"a": {1, 1, 12, 12}, "b": {1, 12, 12}} {
		x := make([]float32, 144)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		xs[name] = x
		os.WriteFile(filepath.Join(in, name+".npy"), npy.Encode(shape, x), 0o644)
	}
	writePNG(t, filepath.Join(in, "c.png"), 24, 24, true)
	os.WriteFile(filepath.Join(in, "d.npy"), []byte("not an array"), 0o644)
	os.WriteFile(filepath.Join(in, "e.npy"), npy.Encode([]int{2, 12, 12}, make([]float32, 288)), 0o644)
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("ignored"), 0o644)

	maps := filepath.Join(dir, "maps")
	code, out, errOut := runCmd(t, "-model", filepath.Join(dir, "m.json"), "-input", in, "-method", "gradxinput",
		"-class", "2", "-json", filepath.Join(dir, "r.json"), "-map", maps)
	if code != 1 {
		t.Errorf("exit %d, want 1 (two inputs fail): %s %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), out)
	}
	if !strings.Contains(lines[3], "d.npy: error: npy: not a .npy file") || !strings.Contains(lines[4], "e.npy: error: array of shape [2 12 12]") {
		t.Errorf("error lines:\n%s\n%s", lines[3], lines[4])
	}
	var rs []result
	b, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(b, &rs); err != nil || len(rs) != 5 || rs[3].Error == "" || rs[0].Label != "bird" {
		t.Fatalf("JSON %v (%v)", rs, err)
	}
	for name, x := range xs {
		logits := net.Forward(x, 1, false)
		d := make([]float32, 3)
		d[2] = 1
		grad := net.Backward(d, false)
		a := readNpy(t, filepath.Join(maps, name+".npy"))
		got := a.Float32s()
		for i := range x {
			if want := x[i] * grad[i]; math.Abs(float64(got[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
				t.Fatalf("%s: map value %d: %v, want x·∂f/∂x = %v", name, i, got[i], want)
			}
		}
		var r result
		for _, rr := range rs {
			if strings.HasSuffix(rr.Input, name+".npy") {
				r = rr
			}
		}
		for i := range logits {
			if math.Abs(float64(r.Logits[i]-logits[i])) > 1e-5 {
				t.Errorf("%s: logit %d %v, want %v", name, i, r.Logits[i], logits[i])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(maps, "c.npy")); err != nil {
		t.Errorf("no map for the PNG: %v", err)
	}
}

// TestMethodsAndDICOM runs every method on a shipped DICOM file with a
// one-channel model, and checks the map shapes.
func TestMethodsAndDICOM(t *testing.T) {
	dir := t.TempDir()
	modelPath, _ := writeONNX(t, dir, testNet(t, 1), nil)
	dcm := "../../../assets/samples/dicom/CT_small.dcm"
	for m, shape := range map[string]string{"grad": "[1 12 12]", "smoothgrad": "[1 12 12]", "ig": "[1 12 12]", "gradcam": "[1 12 12]", "occlusion": "[1 12 12]", "gradxinput": "[1 12 12]"} {
		mp := filepath.Join(dir, m+".npy")
		code, out, errOut := runCmd(t, "-model", modelPath, "-input", dcm, "-method", m, "-samples", "4", "-steps", "4", "-map", mp)
		if code != 0 {
			t.Errorf("%s: exit %d: %s %s", m, code, out, errOut)
			continue
		}
		if a := readNpy(t, mp); fmt.Sprint(a.Shape) != shape {
			t.Errorf("%s: map shape %v, want %s", m, a.Shape, shape)
		}
	}
}

// TestBadArguments checks that mistakes give a clear message and status 2.
func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	modelPath, _ := writeONNX(t, dir, testNet(t, 3), nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-input", "x.npy"}, "-model is required"},
		{[]string{"-model", modelPath}, "-input is required"},
		{[]string{"-model", modelPath, "-input", "x.npy", "-method", "lrp"}, `unknown -method "lrp"`},
		{[]string{"-model", filepath.Join(dir, "missing.onnx"), "-input", "x.npy"}, "missing.onnx"},
		{[]string{"-model", modelPath, "-input", "x.npy", "-normalize", "zscore"}, `unknown normalization "zscore"`},
		{[]string{"-model", modelPath, "-input", dir}, "no .npy, .png, .jpg or .dcm files"},
	} {
		code, out, errOut := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q (stdout %q), want 2 and %q", c.args, code, errOut, out, c.want)
		}
	}
	os.WriteFile(filepath.Join(dir, "x.npy"), npy.Encode([]int{3, 12, 12}, make([]float32, 432)), 0o644)
	code, out, _ := runCmd(t, "-model", modelPath, "-input", filepath.Join(dir, "x.npy"), "-class", "7")
	if code != 1 || !strings.Contains(out, "-class 7: the model has 3 classes") {
		t.Errorf("class out of range: exit %d, %q", code, out)
	}
}

// TestTorchvisionExports runs the command on the four torchvision exports
// of `make onnx-fixtures` (skipped without them, required under CI=true)
// with Grad-CAM, and checks the logits it reports against PyTorch's within
// 1e-4 relative.
func TestTorchvisionExports(t *testing.T) {
	if testing.Short() {
		t.Skip("four 224×224 ImageNet models: the native suite runs them")
	}
	dir := "../../../.cache/onnx"
	if _, err := os.Stat(filepath.Join(dir, "node-summary.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("run make onnx-fixtures; CI=true requires them")
		}
		t.Skip("run make onnx-fixtures: the torchvision exports are missing")
	}
	out := t.TempDir()
	for _, arch := range []string{"resnet18", "densenet121", "mobilenet_v2", "efficientnet_b0"} {
		base := filepath.Join(dir, arch)
		js := filepath.Join(out, arch+".json")
		code, stdout, stderr := runCmd(t, "-model", base+".onnx", "-input", base+".input.npy", "-method", "gradcam", "-json", js)
		if code != 0 {
			t.Errorf("%s: exit %d: %s %s", arch, code, stdout, stderr)
			continue
		}
		var r result
		b, _ := os.ReadFile(js)
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		want := readNpy(t, base+".logits.npy").Data
		var d, m float64
		for i, w := range want {
			d = math.Max(d, math.Abs(float64(r.Logits[i])-w))
			m = math.Max(m, math.Abs(w))
		}
		if d/m > 1e-4 {
			t.Errorf("%s: logits differ from PyTorch's by %.3g relative", arch, d/m)
		}
		if len(r.MapShape) != 3 || r.MapShape[1] != 224 {
			t.Errorf("%s: Grad-CAM map shape %v", arch, r.MapShape)
		}
	}
}
