package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/npy"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/engine/saliency"
)

// methodNames maps the command's method names (and the engine's) to the
// saliency methods.
var methodNames = map[string]saliency.Method{
	"grad": saliency.Gradient, "gradxinput": saliency.GradientXInput, "smoothgrad": saliency.SmoothGrad,
	"ig": saliency.IntegratedGradients, "gradcam": saliency.GradCAM, "occlusion": saliency.Occlusion,
	string(saliency.Gradient): saliency.Gradient, string(saliency.IntegratedGradients): saliency.IntegratedGradients,
}

// Input size limits: a .npy or image file larger than this is refused.
const maxInputBytes = 256 << 20

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// config is the parsed command line.
type config struct {
	model, weights, labels string
	inputs                 []string
	method                 saliency.Method
	class                  int
	jsonOut, mapOut, png   string
	opt                    saliency.Options
	resize, normalize      string
	mean, std              string
}

// loaded is a model ready to run.
type loaded struct {
	net    nn.Model
	head   string // "Softmax" or "LogSoftmax" if the ONNX model ended in one
	labels []string
	pre    preproc.Spec
}

// result is one input's line and JSON entry.
type result struct {
	Input          string    `json:"input"`
	Error          string    `json:"error,omitempty"`
	Predicted      int       `json:"predicted"`
	PredictedLabel string    `json:"predicted_label,omitempty"`
	Class          int       `json:"class"`
	Label          string    `json:"label,omitempty"`
	Method         string    `json:"method"`
	Logits         []float32 `json:"logits"`
	Probabilities  []float32 `json:"probabilities"`
	MapShape       []int     `json:"map_shape,omitempty"`
	Map            string    `json:"map,omitempty"`
	PNG            string    `json:"png,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "explain:", err)
		}
		return 2
	}
	m, err := loadModel(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "explain:", err)
		return 2
	}
	inputs, err := expandInputs(cfg.inputs)
	if err != nil {
		fmt.Fprintln(stderr, "explain:", err)
		return 2
	}
	batch := len(inputs) > 1 || isDir(cfg.inputs[0])
	for _, dir := range []string{cfg.mapOut, cfg.png} {
		if batch && dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				fmt.Fprintln(stderr, "explain:", err)
				return 2
			}
		}
	}
	var results []result
	status := 0
	for _, in := range inputs {
		r, err := explainOne(ctx, cfg, m, in, batch)
		if err != nil {
			r = result{Input: in, Error: err.Error(), Method: string(cfg.method)}
			fmt.Fprintf(stdout, "%s: error: %v\n", in, err)
			status = 1
		} else {
			fmt.Fprintln(stdout, line(r))
		}
		results = append(results, r)
	}
	if cfg.jsonOut != "" {
		var v any = results
		if !batch {
			v = results[0]
		}
		b, err := json.MarshalIndent(v, "", " ")
		if err == nil {
			err = os.WriteFile(cfg.jsonOut, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "explain:", err)
			return 1
		}
	}
	return status
}

func parse(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var inputs multiFlag
	var method string
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.model, "model", "", "model file: .onnx, or the engine's .json architecture (weights in the .safetensors beside it)")
	fs.StringVar(&cfg.weights, "weights", "", "safetensors weights of a .json model (default: the .json path with .safetensors)")
	fs.StringVar(&cfg.labels, "labels", "", "class names, one per line or a JSON array (default: the model's)")
	fs.Var(&inputs, "input", "input file (.npy, .png, .jpg, .dcm) or folder; repeat for a batch")
	fs.StringVar(&method, "method", "grad", "grad, gradxinput, smoothgrad, ig, gradcam or occlusion")
	fs.IntVar(&cfg.class, "class", -1, "class to explain (default: the predicted one)")
	fs.StringVar(&cfg.jsonOut, "json", "", "write logits, probabilities and the class explained to this JSON file")
	fs.StringVar(&cfg.mapOut, "map", "", "write the raw attribution (C×H×W float32 .npy) here (a folder for a batch)")
	fs.StringVar(&cfg.png, "png", "", "write the heat map over the image as PNG here (a folder for a batch)")
	fs.StringVar(&cfg.resize, "resize", "", "image resize: stretch or crop (default: the model's metadata, else stretch)")
	fs.StringVar(&cfg.normalize, "normalize", "", "normalization preset: unit, imagenet, symmetric, xray (default: the model's metadata, else unit)")
	fs.StringVar(&cfg.mean, "mean", "", "per-channel means, comma-separated (with -std), instead of a preset")
	fs.StringVar(&cfg.std, "std", "", "per-channel standard deviations, comma-separated")
	fs.IntVar(&cfg.opt.Steps, "steps", 0, "Integrated Gradients steps (0: the engine's default)")
	fs.IntVar(&cfg.opt.Samples, "samples", 0, "SmoothGrad samples (0: the engine's default)")
	fs.Uint64Var(&cfg.opt.Seed, "seed", 1, "SmoothGrad noise seed")
	fs.StringVar(&cfg.opt.Baseline, "baseline", "", "Integrated Gradients baseline: zeros or blurred")
	fs.IntVar(&cfg.opt.Window, "window", 0, "occlusion window (0: the engine's default)")
	fs.IntVar(&cfg.opt.Stride, "stride", 0, "occlusion stride (0: half the window)")
	fs.StringVar(&cfg.opt.Layer, "layer", "", "Grad-CAM's feature map, a tensor name (default: the last spatial one)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.inputs = append(inputs, fs.Args()...)
	switch {
	case cfg.model == "":
		return cfg, errors.New("-model is required")
	case len(cfg.inputs) == 0:
		return cfg, errors.New("-input is required")
	}
	m, ok := methodNames[method]
	if !ok {
		return cfg, fmt.Errorf("unknown -method %q (want grad, gradxinput, smoothgrad, ig, gradcam or occlusion)", method)
	}
	cfg.method = m
	return cfg, nil
}

func loadModel(cfg config) (*loaded, error) {
	b, err := readLimited(cfg.model, onnxpb.DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	m := &loaded{}
	md := map[string]string{}
	switch strings.ToLower(filepath.Ext(cfg.model)) {
	case ".onnx":
		pb, err := onnxpb.Decode(b, onnxpb.Limits{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.model, err)
		}
		imp, err := onnx.Import(pb, onnx.Options{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.model, err)
		}
		m.net, m.head = imp.Graph, imp.Head
		for _, p := range pb.MetadataProps {
			md[p.Key] = p.Value
		}
	case ".json":
		wpath := cfg.weights
		if wpath == "" {
			wpath = strings.TrimSuffix(cfg.model, filepath.Ext(cfg.model)) + ".safetensors"
		}
		w, err := readLimited(wpath, onnxpb.DefaultMaxBytes)
		if err != nil {
			return nil, err
		}
		net, err := model.Load(b, w)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.model, err)
		}
		arch, _ := model.ParseArch(b) // Load has validated it
		m.net, m.labels = net, net.Spec.Classes
		md = arch.Meta
	default:
		return nil, fmt.Errorf("%s: a model is an .onnx file or the engine's .json architecture", cfg.model)
	}
	pre, labels, err := preproc.FromMetadata(md)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.model, err)
	}
	if labels != nil {
		m.labels = labels
	}
	if cfg.labels != "" {
		b, err := readLimited(cfg.labels, 16<<20)
		if err != nil {
			return nil, err
		}
		if m.labels, err = preproc.ParseLabels(b); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.labels, err)
		}
	}
	if m.labels != nil && len(m.labels) != m.net.Classes() {
		return nil, fmt.Errorf("%d labels for a model of %d classes", len(m.labels), m.net.Classes())
	}
	if cfg.normalize != "" {
		p, err := preproc.PresetSpec(cfg.normalize)
		if err != nil {
			return nil, err
		}
		pre.Preset, pre.Mean, pre.Std = p.Preset, p.Mean, p.Std
	}
	if cfg.mean != "" || cfg.std != "" {
		if pre.Mean, err = preproc.ParseFloats(cfg.mean); err != nil {
			return nil, fmt.Errorf("-mean: %w", err)
		}
		if pre.Std, err = preproc.ParseFloats(cfg.std); err != nil {
			return nil, fmt.Errorf("-std: %w", err)
		}
		pre.Preset = ""
	}
	if cfg.resize != "" {
		pre.Resize = cfg.resize
	}
	if err := pre.Check(m.net.Input().C); err != nil {
		return nil, err
	}
	m.pre = pre
	return m, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MB", path, limit>>20)
	}
	return b, nil
}

var inputExts = map[string]bool{".npy": true, ".png": true, ".jpg": true, ".jpeg": true, ".dcm": true}

// expandInputs replaces folders by their input files, sorted.
func expandInputs(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if !isDir(p) {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && inputExts[strings.ToLower(filepath.Ext(e.Name()))] {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: no .npy, .png, .jpg or .dcm files", p)
		}
		sort.Strings(names)
		out = append(out, names...)
	}
	return out, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// loadInput returns the model input for a file and the pixels to draw the
// heat map over (C×H×W in [0, 1]).
func loadInput(path string, m *loaded) (x, display []float32, err error) {
	in := m.net.Input()
	b, err := readLimited(path, maxInputBytes)
	if err != nil {
		return nil, nil, err
	}
	var src []float32
	var sc, sh, sw int
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		a, err := npy.Decode(b)
		if err != nil {
			return nil, nil, err
		}
		return npyInput(a, in)
	case ".png", ".jpg", ".jpeg":
		_, w, h, err := imageio.Config(b)
		if err != nil {
			return nil, nil, err
		}
		im, err := imageio.Decode(b, 3, h, w, imageio.DefaultLimits())
		if err != nil {
			return nil, nil, err
		}
		src, sc, sh, sw = im.Pix, 3, h, w
		if !im.Color {
			src, sc = src[:h*w], 1
		}
	case ".dcm":
		im, err := dicomio.Decode(b, dicomio.DefaultLimits())
		if err != nil {
			return nil, nil, err
		}
		src, sc, sh, sw = im.Pixels, im.Channels, im.Rows, im.Cols
	default:
		return nil, nil, fmt.Errorf("unknown input type %q (want .npy, .png, .jpg or .dcm)", ext)
	}
	if in.C != 1 && in.C != 3 {
		return nil, nil, fmt.Errorf("the model takes %v, not an image of 1 or 3 channels: give a .npy input", in)
	}
	return m.pre.Image(src, sc, sh, sw, in.C, in.H, in.W)
}

// npyInput checks an array against the model's input shape: C×H×W, with or
// without a batch axis of 1.
func npyInput(a *npy.Array, in nn.Shape) (x, display []float32, err error) {
	shape := a.Shape
	if len(shape) > 0 && shape[0] == 1 && len(shape) == 4 {
		shape = shape[1:]
	}
	if len(shape) != 3 || shape[0] != in.C || shape[1] != in.H || shape[2] != in.W {
		return nil, nil, fmt.Errorf("array of shape %v; the model takes %d×%d×%d (or 1×%d×%d×%d)", a.Shape, in.C, in.H, in.W, in.C, in.H, in.W)
	}
	x = a.Float32s()
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, nil, fmt.Errorf("value %d of the array is %v", i, v)
		}
	}
	// Display each channel stretched to [0, 1].
	display = make([]float32, len(x))
	hw := in.H * in.W
	for c := 0; c < in.C; c++ {
		p := x[c*hw : (c+1)*hw]
		lo, hi := p[0], p[0]
		for _, v := range p {
			lo, hi = min(lo, v), max(hi, v)
		}
		for i, v := range p {
			if hi > lo {
				display[c*hw+i] = (v - lo) / (hi - lo)
			}
		}
	}
	return x, display, nil
}

func explainOne(ctx context.Context, cfg config, m *loaded, path string, batch bool) (result, error) {
	r := result{Input: path, Method: string(cfg.method)}
	x, display, err := loadInput(path, m)
	if err != nil {
		return r, err
	}
	k := m.net.Classes()
	r.Logits = append([]float32(nil), m.net.Forward(x, 1, false)...)
	r.Probabilities = softmax(r.Logits)
	for i, v := range r.Logits {
		if v > r.Logits[r.Predicted] {
			r.Predicted = i
		}
	}
	r.Class = r.Predicted
	if cfg.class >= 0 {
		if cfg.class >= k {
			return r, fmt.Errorf("-class %d: the model has %d classes (0 to %d)", cfg.class, k, k-1)
		}
		r.Class = cfg.class
	}
	r.PredictedLabel, r.Label = m.label(r.Predicted), m.label(r.Class)
	opt := cfg.opt
	opt.Class = r.Class
	attr, err := saliency.Attribute(ctx, m.net, x, cfg.method, opt)
	if err != nil {
		return r, err
	}
	in := m.net.Input()
	r.MapShape = []int{in.C, in.H, in.W}
	if len(attr) == in.H*in.W {
		r.MapShape = []int{1, in.H, in.W}
	}
	if cfg.mapOut != "" {
		r.Map = outPath(cfg.mapOut, path, ".npy", batch)
		if err := os.WriteFile(r.Map, npy.Encode(r.MapShape, attr), 0o644); err != nil {
			return r, err
		}
	}
	if cfg.png != "" {
		heat, err := saliency.MapOf(in, attr, cfg.method, 0)
		if err != nil {
			return r, err
		}
		r.PNG = outPath(cfg.png, path, ".png", batch)
		if err := writeOverlay(r.PNG, display, in, heat); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (m *loaded) label(c int) string {
	if c < len(m.labels) {
		return m.labels[c]
	}
	return ""
}

// outPath is out itself for one input, or out/<input name><ext> in a batch.
func outPath(out, input, ext string, batch bool) string {
	if !batch {
		return out
	}
	base := filepath.Base(input)
	return filepath.Join(out, strings.TrimSuffix(base, filepath.Ext(base))+ext)
}

func softmax(z []float32) []float32 {
	p := make([]float32, len(z))
	mx := z[0]
	for _, v := range z {
		mx = max(mx, v)
	}
	var s float64
	for i, v := range z {
		e := math.Exp(float64(v - mx))
		p[i] = float32(e)
		s += e
	}
	for i := range p {
		p[i] = float32(float64(p[i]) / s)
	}
	return p
}

// line is the printed summary of one result.
func line(r result) string {
	name := func(c int, label string) string {
		if label != "" {
			return fmt.Sprintf("%d %q", c, label)
		}
		return fmt.Sprint(c)
	}
	idx := make([]int, len(r.Probabilities))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return r.Probabilities[idx[a]] > r.Probabilities[idx[b]] })
	var top []string
	for _, i := range idx[:min(3, len(idx))] {
		top = append(top, fmt.Sprintf("%d: %.4f", i, r.Probabilities[i]))
	}
	s := fmt.Sprintf("%s: predicted %s (p = %.4f); top %s; %s of class %s", r.Input, name(r.Predicted, r.PredictedLabel),
		r.Probabilities[r.Predicted], strings.Join(top, ", "), r.Method, name(r.Class, r.Label))
	if r.Map != "" {
		s += "; map " + r.Map
	}
	if r.PNG != "" {
		s += "; png " + r.PNG
	}
	return s
}

// writeOverlay draws the heat map (H×W, scaled to its maximum) in a
// black-red-yellow-white ramp over the image, half transparent, enlarged to
// at least 224 pixels on the longer side.
func writeOverlay(path string, display []float32, in nn.Shape, heat []float32) error {
	var hi float32
	for _, v := range heat {
		hi = max(hi, float32(math.Abs(float64(v))))
	}
	scale := max(1, 224/max(in.H, in.W))
	img := image.NewNRGBA(image.Rect(0, 0, in.W*scale, in.H*scale))
	hw := in.H * in.W
	for y := 0; y < in.H*scale; y++ {
		for x := 0; x < in.W*scale; x++ {
			p := (y/scale)*in.W + x/scale
			var r, g, b float32
			if in.C == 3 {
				r, g, b = display[p], display[hw+p], display[2*hw+p]
			} else {
				r = display[p]
				g, b = r, r
			}
			var t float32
			if hi > 0 {
				t = float32(math.Abs(float64(heat[p]))) / hi
			}
			hr, hg, hb := ramp(t)
			a := 0.6 * t
			img.SetNRGBA(x, y, color.NRGBA{
				R: byte(255 * ((1-a)*r + a*hr)), G: byte(255 * ((1-a)*g + a*hg)), B: byte(255 * ((1-a)*b + a*hb)), A: 255,
			})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ramp maps t in [0, 1] to black → red → yellow → white.
func ramp(t float32) (r, g, b float32) {
	t = min(max(t, 0), 1)
	return min(1, 3*t), min(1, max(0, 3*t-1)), max(0, 3*t-2)
}
