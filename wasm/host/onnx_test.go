package host

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/wasm/protocol"
)

// smallONNX exports a small residual network (c×24×20 input, 3 classes)
// as an ONNX file with the given metadata, the way PyTorch's exporter
// would hand it over: a graph with forks (residual blocks), BatchNorm and
// a Gemm head.
func smallONNX(t *testing.T, c int, md map[string]string) []byte {
	t.Helper()
	return resNetONNX(t, c, 4, md)
}

// resNetONNX is smallONNX's model of width w (channels of its first
// stage; 64 makes its 3×3 convolutions run as Winograd).
func resNetONNX(t *testing.T, c, w int, md map[string]string) []byte {
	t.Helper()
	net, err := nn.New(model.ResNet("small", nn.Shape{C: c, H: 24, W: 20}, []string{"a", "b", "c"}, w), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Weights away from their initial values (the head starts at zero),
	// so that every map is non-zero.
	for i := range net.Params {
		net.Params[i] += 0.1 * float32(math.Sin(float64(i)*1.7))
	}
	g, err := graph.FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.ExportBytes(g, onnx.ExportOptions{Head: "Softmax", Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngOf encodes a w×h picture: a colour gradient, or grey.
func pngOf(t *testing.T, w, h int, colour bool) []byte {
	t.Helper()
	var im image.Image
	if colour {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), uint8((37 * (x + y)) % 256), 255})
			}
		}
		im = m
	} else {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				m.SetGray(x, y, color.Gray{uint8((7*x + 3*y) % 256)})
			}
		}
		im = m
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// startedHost returns a Host running the starter model (no site), for
// checking that a refused model leaves it in use.
func startedHost(t *testing.T) *Host {
	t.Helper()
	h := New(nil)
	net, err := nn.New(model.CrossesCNN(), 1)
	if err != nil {
		t.Fatal(err)
	}
	// As shipped: not scored on generated images, which takes seconds.
	h.install(protocol.StarterKey, net, model.ManifestEntry{Name: "Crosses CNN (starter)", Dataset: "crosses"}, "shipped")
	return h
}

// wantInput computes what a model of c channels should get for a picture,
// independently of the Host: decoded at full size, then engine/preproc.
func wantInput(t *testing.T, file []byte, spec preproc.Spec, c int) []float32 {
	t.Helper()
	_, w, h, err := imageio.Config(file)
	if err != nil {
		t.Fatal(err)
	}
	im, err := imageio.Decode(file, 3, h, w, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	src, sc := im.Pix, 3
	if !im.Color {
		src, sc = src[:h*w], 1
	}
	x, _, err := spec.Image(src, sc, h, w, c, 24, 20)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestLoadONNXCard loads an ONNX model whose metadata carries its
// preprocessing and labels: the model card shows them, pictures are
// resized and normalized as they say (a colour picture for a 3-channel
// model, a grey one repeated; a colour one made grey for a 1-channel
// model), and the prediction is the model's on that input.
func TestLoadONNXCard(t *testing.T) {
	md := map[string]string{preproc.KeyNormalize: "imagenet", preproc.KeyResize: "crop", preproc.KeyLabels: `["cat", "dog", "fish"]`}
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 3, md), nil, protocol.ModelFile{Format: "onnx", Name: "small.onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	info := h.Info()
	if info.Source != "onnx" || info.Key != protocol.UserModelKey || info.File != "small.onnx" || info.Name != "small" {
		t.Errorf("model %q key %q source %q file %q", info.Name, info.Key, info.Source, info.File)
	}
	if info.C != 3 || info.H != 24 || info.W != 20 {
		t.Errorf("input %d×%d×%d, want 3×24×20", info.C, info.H, info.W)
	}
	if strings.Join(info.Classes, ",") != "cat,dog,fish" {
		t.Errorf("classes %q", info.Classes)
	}
	if p := info.Preproc; p == nil || p.Preset != "imagenet" || p.Resize != preproc.Crop {
		t.Errorf("preprocessing %+v, want imagenet and crop", p)
	}
	if len(info.Layers) == 0 || info.Layer != info.Layers[len(info.Layers)-1] || len(info.Presets) < 4 {
		t.Errorf("layers %q layer %q presets %d", info.Layers, info.Layer, len(info.Presets))
	}
	if info.Trained <= 0 || info.Trained >= info.Params || info.Train != protocol.TrainHead {
		t.Errorf("trains %d of %d parameters (%s), want the head and last block", info.Trained, info.Params, info.Train)
	}
	spec := preproc.Spec{Resize: preproc.Crop, Preset: "imagenet", Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}
	for _, colour := range []bool{true, false} {
		file := pngOf(t, 50, 37, colour)
		_, x, _, err := h.Open("pic", file, protocol.DecodeRequest{Name: "p.png"})
		if err != nil {
			t.Fatal(err)
		}
		want := wantInput(t, file, spec, 3)
		if d := maxDiff(x, want); d > 1e-6 {
			t.Errorf("colour %v: input differs from engine/preproc's by %g", colour, d)
		}
		if !colour {
			// Undo the normalization: the three channels are the same grey.
			plane := func(c int) []float32 {
				p := append([]float32(nil), x[c*24*20:(c+1)*24*20]...)
				for i := range p {
					p[i] = p[i]*spec.Std[c] + spec.Mean[c]
				}
				return p
			}
			if d := max(maxDiff(plane(0), plane(1)), maxDiff(plane(0), plane(2))); d > 1e-6 {
				t.Errorf("a grey picture's channels differ by %g", d)
			}
		}
		probs, err := h.Predict(x, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := h.cur.orig.(*graph.Graph)
		direct := softmax(g.Forward(want, 1, false))
		for i := range direct {
			if math.Abs(probs[0][i]-direct[i]) > 1e-6 {
				t.Errorf("colour %v: probabilities %v, the graph gives %v", colour, probs[0], direct)
				break
			}
		}
	}

	// A colour picture for a 1-channel model is made grey.
	h1 := startedHost(t)
	if err := h1.LoadONNX(smallONNX(t, 1, nil), nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if i := h1.Info(); i.Preproc == nil || i.Preproc.Preset != "unit" || i.Preproc.Resize != preproc.Stretch || i.Classes[2] != "class 2" {
		t.Errorf("defaults without metadata: %+v, classes %q", i.Preproc, i.Classes)
	}
	file := pngOf(t, 40, 30, true)
	_, x, _, err := h1.Open("pic", file, protocol.DecodeRequest{Name: "p.png"})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(x, wantInput(t, file, preproc.Spec{}, 1)); d > 1e-6 {
		t.Errorf("1-channel input differs from engine/preproc's grey by %g", d)
	}
}

// TestLoadONNXRefused: files that are not models, models the importer
// refuses, models over the memory budget and wrong labels are refused with
// a message, and the model in use stays.
func TestLoadONNXRefused(t *testing.T) {
	good := smallONNX(t, 3, nil)
	pb, err := onnxpb.Decode(good, onnxpb.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	pb.Graph.Nodes[len(pb.Graph.Nodes)/2].OpType = "LSTM"
	unsupported := onnxpb.Encode(pb)
	cases := []struct {
		name         string
		file, labels []byte
		budget       int64
		want         string
	}{
		{"not onnx", []byte("hello, I am not a model"), nil, 0, "not an ONNX model"},
		{"unsupported op", unsupported, nil, 0, "LSTM"},
		{"over budget", good, nil, 1 << 16, "memory"},
		{"labels count", good, []byte("a\nb\n"), 0, "2 labels for a model of 3 classes"},
		{"labels json", good, []byte(`["a", 3]`), 0, "labels"},
	}
	for _, c := range cases {
		h := startedHost(t)
		if c.budget > 0 {
			h.SetMemoryBudget(c.budget)
		}
		err := h.LoadONNX(c.file, c.labels, protocol.ModelFile{Format: "onnx"}, Status{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		if h.Info().Key != protocol.StarterKey {
			t.Errorf("%s: the current model is %q, want the starter still", c.name, h.Info().Key)
		}
	}
	// A labels file as a JSON object is accepted.
	h := startedHost(t)
	if err := h.LoadONNX(good, []byte(`{"2": "z", "0": "x", "1": "y"}`), protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(h.Info().Classes, ""); got != "xyz" {
		t.Errorf("classes %q from a JSON object", got)
	}
}

// TestConfigureONNX edits the model card: a new normalization changes the
// input of a picture opened before; a bad edit changes nothing; the
// chosen Grad-CAM layer is the one the map weighs.
func TestConfigureONNX(t *testing.T) {
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 3, nil), nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	file := pngOf(t, 40, 30, true)
	if _, _, _, err := h.Open("pic", file, protocol.DecodeRequest{Name: "p.png"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Configure(protocol.ConfigureRequest{Preproc: &protocol.Preproc{Resize: "stretch", Preset: "symmetric"}}); err != nil {
		t.Fatal(err)
	}
	x, err := h.Input("pic")
	if err != nil {
		t.Fatal(err)
	}
	sym, _ := preproc.PresetSpec("symmetric")
	if d := maxDiff(x, wantInput(t, file, sym, 3)); d > 1e-6 {
		t.Errorf("after choosing [-1, 1], the kept picture's input differs by %g", d)
	}
	for _, bad := range []protocol.ConfigureRequest{
		{Preproc: &protocol.Preproc{Preset: "nope"}},
		{Preproc: &protocol.Preproc{Mean: []float32{0, 0}, Std: []float32{1, 1}}},
		{Preproc: &protocol.Preproc{Mean: []float32{0}, Std: []float32{0}}},
		{Labels: []string{"one"}},
		{Layer: "no such tensor"},
		{Train: "some"},
	} {
		before := h.Info()
		if err := h.Configure(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
		after := h.Info()
		if after.Preproc.Preset != before.Preproc.Preset || after.Layer != before.Layer || after.Train != before.Train || len(after.Classes) != 3 {
			t.Errorf("a refused edit %+v changed the card", bad)
		}
	}
	layers := h.Info().Layers
	first := layers[0]
	if err := h.Configure(protocol.ConfigureRequest{Layer: first, Labels: []string{"x", "y", "z"}}); err != nil {
		t.Fatal(err)
	}
	if i := h.Info(); i.Layer != first || i.Classes[1] != "y" {
		t.Errorf("layer %q classes %q", i.Layer, i.Classes)
	}
	differ := false
	for class := range 3 {
		req := protocol.SaliencyRequest{Method: string(saliency.GradCAM), Class: class}
		got, err := h.Attribution(context.Background(), x, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := saliency.Attribute(context.Background(), h.cur.orig, x, saliency.GradCAM, saliency.Options{Class: class, Layer: first})
		if err != nil {
			t.Fatal(err)
		}
		last, err := saliency.Attribute(context.Background(), h.cur.orig, x, saliency.GradCAM, saliency.Options{Class: class})
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(got, want); d != 0 {
			t.Errorf("class %d: the Host's Grad-CAM differs from that of layer %q by %g", class, first, d)
		}
		differ = differ || maxDiff(got, last) != 0
	}
	if !differ {
		t.Errorf("Grad-CAM of layer %q is that of the last layer for every class: the test cannot tell them apart", first)
	}
}

// TestFineTuneONNX fine-tunes an imported model one step on one of the
// user's masked images: by default only the head and the last block move;
// with "all" the stem moves too. The exported ONNX file opens again with
// the fine-tuned logits, its preprocessing and labels.
func TestFineTuneONNX(t *testing.T) {
	md := map[string]string{preproc.KeyNormalize: "imagenet", preproc.KeyLabels: `["cat", "dog", "fish"]`}
	for _, which := range []string{protocol.TrainHead, protocol.TrainAll} {
		h := startedHost(t)
		if err := h.LoadONNX(smallONNX(t, 3, md), nil, protocol.ModelFile{Format: "onnx", Name: "small.onnx"}, Status{}); err != nil {
			t.Fatal(err)
		}
		if err := h.Configure(protocol.ConfigureRequest{Train: which}); err != nil {
			t.Fatal(err)
		}
		_, x, _, err := h.Open("pic", pngOf(t, 40, 30, true), protocol.DecodeRequest{Name: "p.png"})
		if err != nil {
			t.Fatal(err)
		}
		mask := make([]float32, 24*20)
		for i := range 24 * 10 {
			mask[i] = 1
		}
		req := protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.05, Epochs: 1, MaxSteps: 1, Labels: []int{2}}
		if err := h.StartTraining(req, x, mask, Status{}); err != nil {
			t.Fatal(err)
		}
		for h.Training() {
			if _, err := h.Step(); err != nil {
				t.Fatal(err)
			}
		}
		orig := h.cur.orig.(*graph.Graph)
		tuned := h.cur.tuned.(*graph.Graph)
		moved := map[string]bool{}
		tv := map[string][]float32{}
		for _, p := range tuned.NamedParams() {
			tv[p.Name] = p.Value
		}
		for _, p := range orig.NamedParams() {
			moved[p.Name] = maxDiff(p.Value, tv[p.Name]) > 0
		}
		head := h.cur.imp.headParams
		for name, m := range moved {
			trains := which == protocol.TrainAll || head[name]
			if m && !trains {
				t.Errorf("%s: frozen parameter %s moved", which, name)
			}
		}
		stem := orig.NamedParams()[0].Name
		if moved[stem] != (which == protocol.TrainAll) {
			t.Errorf("%s: stem %s moved %v", which, stem, moved[stem])
		}
		anyHead := false
		for name := range head {
			anyHead = anyHead || moved[name]
		}
		if !anyHead {
			t.Errorf("%s: no parameter of the head moved", which)
		}

		b, err := h.ExportONNX(protocol.Tuned)
		if err != nil {
			t.Fatal(err)
		}
		h2 := startedHost(t)
		if err := h2.LoadONNX(b, nil, protocol.ModelFile{Format: "onnx", Name: "again.onnx"}, Status{}); err != nil {
			t.Fatalf("the exported file does not open again: %v", err)
		}
		i2 := h2.Info()
		if strings.Join(i2.Classes, ",") != "cat,dog,fish" || i2.Preproc.Preset != "imagenet" || i2.Name != "small" {
			t.Errorf("re-opened: classes %q preprocessing %+v name %q", i2.Classes, i2.Preproc, i2.Name)
		}
		want := append([]float32(nil), tuned.Forward(x, 1, false)...)
		got := h2.cur.orig.Forward(x, 1, false)
		if d := maxDiff(got, want); d > 1e-5 {
			t.Errorf("%s: re-imported logits differ from the fine-tuned model's by %g", which, d)
		}
		if d := maxDiff(got, orig.Forward(x, 1, false)); d == 0 {
			t.Errorf("%s: the export has the original weights", which)
		}
	}
}

// TestLoadMemoryCountsDerived: the memory a model needs to run counts
// what its convolutions keep derived from their filters (packed and
// transformed copies: for 3×3 convolutions that run as Winograd, like
// ResNet-18's, several times the weights themselves), so a budget that
// fits both copies' weights, the activations and only one copy's derived
// values refuses the model, and one that fits the whole estimate takes
// it. (A model whose convolutions keep less is refused on such a budget
// already by the importer's own limit, which reserves twice the file per
// copy.) The estimate is the one without averaged forwards' filters,
// which a model that fits only without them does without
// (TestLoadMemoryAveragedForwards).
func TestLoadMemoryCountsDerived(t *testing.T) {
	file := resNetONNX(t, 3, 64, nil)
	h := startedHost(t)
	if err := h.LoadONNX(file, nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	g := h.cur.orig.(*graph.Graph)
	g.SetAveragedForwardsAllowed(false)
	params, _, state := g.Weights()
	weights := 4 * int64(len(params)+len(state))
	derived := 4 * g.DerivedValues()
	if derived <= 2*weights {
		t.Fatalf("derived %d bytes, weights %d: the convolutions keep a copy, and Winograd's transforms (16 and 36 values per 9 of a 3×3 filter), of their filters", derived, weights)
	}
	activations := 4 * 2 * int64(g.ValuesPerExample())
	need := runMemory(g)
	if need != 2*(weights+derived)+activations {
		t.Fatalf("runMemory %d, want two copies of %d + %d bytes and %d of activations", need, weights, derived, activations)
	}
	for _, c := range []struct {
		budget int64
		ok     bool
	}{{2*weights + activations + derived, false}, {need - 1, false}, {need, true}} {
		h := startedHost(t)
		h.SetMemoryBudget(c.budget)
		err := h.LoadONNX(file, nil, protocol.ModelFile{Format: "onnx"}, Status{})
		if c.ok && err != nil {
			t.Errorf("budget %d: %v", c.budget, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "to run and explain one image")) {
			t.Errorf("budget %d (the model needs %d): error %v, want a refusal naming the memory it needs to run", c.budget, need, err)
		}
	}
}

// TestLoadMemoryAveragedForwards: a model whose 3×3 convolutions run as
// Winograd keeps averaged forwards when it fits the memory budget with
// their F(4×4, 3×3) filters; one that fits only without them loads with
// them disallowed, and its Integrated Gradients map is, bit for bit, that
// of the model with averaged forwards turned off (F(2×2, 3×3) forwards),
// which differs from the map with them; one that does not fit even
// without them is refused.
func TestLoadMemoryAveragedForwards(t *testing.T) {
	file := resNetONNX(t, 3, 64, nil)
	load := func(budget int64) (*Host, error) {
		h := startedHost(t)
		h.SetMemoryBudget(budget)
		return h, h.LoadONNX(file, nil, protocol.ModelFile{Format: "onnx"}, Status{})
	}
	free, err := load(0)
	if err != nil {
		t.Fatal(err)
	}
	g := free.cur.orig.(*graph.Graph)
	averaged := 4 * g.AveragedValues()
	if averaged <= 0 || !g.AveragedForwardsAllowed() {
		t.Fatalf("averaged forwards' filters %d bytes, allowed %v: the model's 3×3 convolutions do not take them", averaged, g.AveragedForwardsAllowed())
	}
	need := runMemory(g)
	without := need - 2*averaged // two copies of the model
	with, err := load(need)
	if err != nil {
		t.Fatalf("budget %d, as much as the model needs: %v", need, err)
	}
	if !with.cur.orig.(*graph.Graph).AveragedForwardsAllowed() {
		t.Error("a model that fits with its averaged forwards lost them")
	}
	tight, err := load(need - 1)
	if err != nil {
		t.Fatalf("budget %d, enough without averaged forwards (%d): %v", need-1, without, err)
	}
	tg := tight.cur.orig.(*graph.Graph)
	if tg.AveragedForwardsAllowed() {
		t.Fatal("a model that fits only without averaged forwards keeps them")
	}
	if got := runMemory(tg); got != without {
		t.Errorf("its estimate %d bytes, want %d without averaged forwards", got, without)
	}
	if _, err := load(without - 1); err == nil || !strings.Contains(err.Error(), "memory allows") {
		t.Errorf("budget %d, under what the model needs without averaged forwards (%d): error %v, want a refusal naming the memory", without-1, without, err)
	}
	// The reference: the unconstrained model with averaged forwards off.
	g.SetAveragedForwardsAllowed(false)
	x := make([]float32, g.Input().Size())
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.37))
	}
	// Of the probability: the gradient of a ReLU network's logit depends
	// on its forward only through which units pass, which a forward's
	// rounding rarely flips; the probability's depends on the logits.
	ig := func(h *Host) []float32 {
		m, err := h.Attribution(context.Background(), x, protocol.SaliencyRequest{Method: "integrated", Model: protocol.Original, Class: 1, Steps: 4, Target: "prob"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	f2 := ig(free)
	if got := ig(tight); !slices.Equal(got, f2) {
		t.Error("the model that fits only without averaged forwards explains with other forwards than F(2×2, 3×3)")
	}
	if got := ig(with); slices.Equal(got, f2) {
		t.Error("the model that fits with averaged forwards explains as with them off")
	}
	if tg.AveragedForwardsAllowed() || tight.cur.orig.(*graph.Graph).AveragedForwardsAllowed() {
		t.Error("explaining allowed averaged forwards again")
	}
}

// TestTrainingMemoryRefused: a fine-tuning run estimated over the memory
// budget is refused before it starts, with the numbers.
func TestTrainingMemoryRefused(t *testing.T) {
	h := startedHost(t)
	if err := h.LoadONNX(smallONNX(t, 3, nil), nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
		t.Fatal(err)
	}
	x, mask := make([]float32, 3*24*20), make([]float32, 24*20)
	need := h.TrainingMemory("rrr", 1)
	h.SetMemoryBudget(need - 1)
	err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.01, Epochs: 1, Labels: []int{0}}, x, mask, Status{})
	if err == nil || !strings.Contains(err.Error(), "memory allows") {
		t.Errorf("error %v, want a refusal naming the memory", err)
	}
	if h.Training() {
		t.Error("a refused run is running")
	}
	h.SetMemoryBudget(need)
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.01, Epochs: 1, Labels: []int{0}}, x, mask, Status{}); err != nil {
		t.Errorf("a run that fits: %v", err)
	}
}

// TestTrainingMemoryAveragedForwards: a fine-tuning run that fits the
// memory budget only without the model's averaged forwards' filters
// starts, with averaged forwards disallowed on the model and its
// fine-tuned copy; one that does not fit even so is refused and leaves
// them allowed.
func TestTrainingMemoryAveragedForwards(t *testing.T) {
	file := resNetONNX(t, 3, 64, nil)
	x, mask := make([]float32, 3*24*20), make([]float32, 24*20)
	req := protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.01, Epochs: 1, Labels: []int{0}}
	for _, fits := range []bool{true, false} {
		h := startedHost(t)
		if err := h.LoadONNX(file, nil, protocol.ModelFile{Format: "onnx"}, Status{}); err != nil {
			t.Fatal(err)
		}
		g := h.cur.orig.(*graph.Graph)
		need := h.TrainingMemory("rrr", 1)
		without := need - 2*4*g.AveragedValues()
		budget := map[bool]int64{true: need - 1, false: without - 1}[fits]
		h.SetMemoryBudget(budget)
		err := h.StartTraining(req, x, mask, Status{})
		if fits {
			if err != nil {
				t.Fatalf("budget %d, enough without averaged forwards (%d): %v", budget, without, err)
			}
			if g.AveragedForwardsAllowed() || h.cur.tuned.(*graph.Graph).AveragedForwardsAllowed() {
				t.Error("the run fits only without averaged forwards, and the model or its fine-tuned copy keeps them")
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "memory allows") {
			t.Errorf("budget %d, under what the run needs without averaged forwards (%d): error %v, want a refusal naming the memory", budget, without, err)
		}
		if !g.AveragedForwardsAllowed() {
			t.Error("a refused run took the model's averaged forwards")
		}
	}
}

// TestRestoreTunedONNX fine-tunes an imported model, keeps its fine-tuned
// copy as ExportONNX writes it, and gives it to a fresh Host that loaded
// the same file (as a restarted engine, or the next visit, does): the
// copy predicts as before, fine-tuning it goes on training what the card
// says, and copies that do not fit are refused without installing
// anything.
func TestRestoreTunedONNX(t *testing.T) {
	file := smallONNX(t, 3, map[string]string{preproc.KeyNormalize: "imagenet"})
	mf := protocol.ModelFile{Format: "onnx", Name: "small.onnx"}
	h := startedHost(t)
	if err := h.LoadONNX(file, nil, mf, Status{}); err != nil {
		t.Fatal(err)
	}
	_, x, _, err := h.Open("pic", pngOf(t, 40, 30, true), protocol.DecodeRequest{Name: "p.png"})
	if err != nil {
		t.Fatal(err)
	}
	req := protocol.TrainRequest{Method: "rrr", Lambda: 1, LR: 0.05, Epochs: 1, MaxSteps: 1, Labels: []int{2}}
	if err := h.StartTraining(req, x, make([]float32, 24*20), Status{}); err != nil {
		t.Fatal(err)
	}
	for h.Training() {
		if _, err := h.Step(); err != nil {
			t.Fatal(err)
		}
	}
	want, err := h.Predict(x, []string{protocol.Original, protocol.Tuned})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := h.ExportONNX(protocol.Tuned)
	if err != nil {
		t.Fatal(err)
	}

	h2 := startedHost(t)
	if err := h2.LoadONNX(file, nil, mf, Status{}); err != nil {
		t.Fatal(err)
	}
	if err := h2.RestoreTunedONNX(kept); err != nil {
		t.Fatalf("restoring: %v", err)
	}
	if !h2.Info().HasTuned {
		t.Errorf("the restored copy is not reported")
	}
	got, err := h2.Predict(x, []string{protocol.Original, protocol.Tuned})
	if err != nil {
		t.Fatal(err)
	}
	for m := range want {
		for c := range want[m] {
			if math.Abs(got[m][c]-want[m][c]) > 1e-6 {
				t.Errorf("model %d class %d: restored %v, before %v", m, c, got[m][c], want[m][c])
			}
		}
	}
	if math.Abs(got[0][2]-got[1][2]) < 1e-9 {
		t.Errorf("the restored copy predicts like the original (%v): it was not installed", got)
	}
	// What fine-tuning trains is the card's (the head only, by default):
	// the restored copy trains what the copy fine-tuned before did.
	before, _, _ := h.cur.tuned.Weights()
	after, _, _ := h2.cur.tuned.Weights()
	all, _, _ := h2.cur.orig.Weights()
	if len(after) != len(before) || len(after) == len(all) {
		t.Errorf("the restored copy trains %d values, the copy before %d (the whole model has %d)", len(after), len(before), len(all))
	}

	// Copies that do not fit are refused; the model keeps no copy.
	other := smallONNX(t, 1, nil)
	for name, b := range map[string][]byte{
		"another model": other,
		"not ONNX":      []byte("not a model"),
		"truncated":     kept[:len(kept)/2],
	} {
		h3 := startedHost(t)
		if err := h3.LoadONNX(file, nil, mf, Status{}); err != nil {
			t.Fatal(err)
		}
		err := h3.RestoreTunedONNX(b)
		if err == nil || !strings.Contains(err.Error(), "fine-tuned copy") {
			t.Errorf("%s: err = %v", name, err)
		}
		if h3.Info().HasTuned {
			t.Errorf("%s: a copy was installed", name)
		}
	}
	if err := startedHost(t).RestoreTunedONNX(kept); err == nil {
		t.Errorf("an ONNX copy was given to a built-in model")
	}
	if err := New(nil).RestoreTunedONNX(kept); err == nil {
		t.Errorf("restoring without a model accepted")
	}
}
