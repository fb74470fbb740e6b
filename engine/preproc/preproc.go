// Package preproc describes how an image becomes a model's input tensor:
// how it is resized to the input's H×W and how its [0, 1] pixel values are
// normalized per channel. One registry of presets serves the app and the
// explain command; a model file can carry its preprocessing in metadata
// (ONNX metadata_props, or the meta of the engine's own architecture JSON)
// under the keys below, so that a model exported with them opens ready to
// use.
//
// Metadata keys (values are strings):
//
//	saliency.resize     "stretch" (the whole image scaled to H×W, torchvision's
//	                    Resize((H, W))) or "crop" (torchvision's
//	                    Resize(round(H·256/224)) then CenterCrop((H, W)): the
//	                    shorter side scaled, the centre kept)
//	saliency.normalize  a preset name: "unit" ([0, 1], no change),
//	                    "imagenet" (torchvision's mean/std), "symmetric"
//	                    ([-1, 1]), "xray" ([-1024, 1024], torchxrayvision)
//	saliency.mean       per-channel means, comma-separated (with
//	saliency.std        per-channel standard deviations) instead of a preset
//	saliency.labels     class names, one per line, or a JSON array of strings
//
// Normalization is x′ = (x − mean[c]) / std[c] for pixel values x in [0, 1].
//
// Resampling follows torchvision, not the engine's built-in models: a
// PyTorch model was trained on images that transforms.Resize shrank with
// its antialiased bilinear filter (PIL's BILINEAR), so Spec.Image resizes
// with imageio.ResizeBilinear, which matches it within PIL's 8-bit rounding
// (checked against torchvision's own output in preproc_test.go). The
// built-in models were trained on imageio's area average and keep it: they
// do not go through a Spec.
package preproc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"saliencyexplorer/engine/imageio"
)

// Metadata keys; see the package documentation.
const (
	KeyResize    = "saliency.resize"
	KeyNormalize = "saliency.normalize"
	KeyMean      = "saliency.mean"
	KeyStd       = "saliency.std"
	KeyLabels    = "saliency.labels"
)

// Resize modes.
const (
	Stretch = "stretch"
	Crop    = "crop"
)

// Spec is a model's preprocessing. A Spec with no Mean and Std leaves the
// values in [0, 1].
type Spec struct {
	Resize string    // Stretch ("" too) or Crop
	Preset string    // the preset Mean and Std came from, if any
	Mean   []float32 // per channel, or one value for every channel
	Std    []float32
}

// Preset is a named normalization.
type Preset struct {
	Name, Label string
	Mean, Std   []float32
}

// Presets returns the normalization presets, in menu order.
func Presets() []Preset {
	return []Preset{
		{Name: "unit", Label: "[0, 1]"},
		{Name: "imagenet", Label: "ImageNet mean/std", Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
		{Name: "symmetric", Label: "[-1, 1]", Mean: []float32{0.5}, Std: []float32{0.5}},
		{Name: "xray", Label: "[-1024, 1024] (torchxrayvision)", Mean: []float32{0.5}, Std: []float32{1.0 / 2048}},
	}
}

// PresetSpec returns the Spec of the preset called name.
func PresetSpec(name string) (Spec, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return Spec{Preset: name, Mean: p.Mean, Std: p.Std}, nil
		}
	}
	names := make([]string, 0, 4)
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	return Spec{}, fmt.Errorf("preproc: unknown normalization %q (want one of %s, or a mean and std)", name, strings.Join(names, ", "))
}

// FromMetadata reads a Spec and the labels from a model's metadata. Absent
// keys leave the defaults (stretch, [0, 1], no labels); a malformed value
// is an error naming its key.
func FromMetadata(md map[string]string) (Spec, []string, error) {
	var s Spec
	if v, ok := md[KeyNormalize]; ok {
		p, err := PresetSpec(strings.TrimSpace(v))
		if err != nil {
			return Spec{}, nil, fmt.Errorf("metadata %s: %w", KeyNormalize, err)
		}
		s = p
	}
	if m, ok := md[KeyMean]; ok {
		sd, ok := md[KeyStd]
		if !ok {
			return Spec{}, nil, fmt.Errorf("metadata %s without %s", KeyMean, KeyStd)
		}
		var err error
		if s.Mean, err = ParseFloats(m); err != nil {
			return Spec{}, nil, fmt.Errorf("metadata %s: %w", KeyMean, err)
		}
		if s.Std, err = ParseFloats(sd); err != nil {
			return Spec{}, nil, fmt.Errorf("metadata %s: %w", KeyStd, err)
		}
		s.Preset = ""
	}
	if v, ok := md[KeyResize]; ok {
		s.Resize = strings.TrimSpace(v)
	}
	if err := s.Check(0); err != nil {
		return Spec{}, nil, fmt.Errorf("metadata: %w", err)
	}
	var labels []string
	if v, ok := md[KeyLabels]; ok {
		var err error
		if labels, err = ParseLabels([]byte(v)); err != nil {
			return Spec{}, nil, fmt.Errorf("metadata %s: %w", KeyLabels, err)
		}
	}
	return s, labels, nil
}

// Metadata returns the keys that describe s, for writing into a model file.
func (s Spec) Metadata() map[string]string {
	md := map[string]string{}
	if s.Resize != "" {
		md[KeyResize] = s.Resize
	}
	if s.Preset != "" {
		md[KeyNormalize] = s.Preset
	} else if len(s.Mean) > 0 {
		md[KeyMean], md[KeyStd] = formatFloats(s.Mean), formatFloats(s.Std)
	}
	return md
}

// Check reports a Spec that cannot apply to c channels (0: any count).
func (s Spec) Check(c int) error {
	if s.Resize != "" && s.Resize != Stretch && s.Resize != Crop {
		return fmt.Errorf("preproc: resize %q (want %s or %s)", s.Resize, Stretch, Crop)
	}
	if len(s.Mean) != len(s.Std) {
		return fmt.Errorf("preproc: %d means and %d standard deviations", len(s.Mean), len(s.Std))
	}
	if len(s.Mean) > 1 && c > 0 && len(s.Mean) != c {
		return fmt.Errorf("preproc: %d means for a model of %d channels", len(s.Mean), c)
	}
	for i, v := range s.Std {
		if !(v > 0) || math.IsInf(float64(v), 0) || math.IsNaN(float64(s.Mean[i])) || math.IsInf(float64(s.Mean[i]), 0) {
			return fmt.Errorf("preproc: mean %v, std %v: want finite values and std > 0", s.Mean[i], v)
		}
	}
	return nil
}

// ParseFloats reads comma-separated numbers such as "0.485,0.456,0.406".
func ParseFloats(s string) ([]float32, error) {
	var out []float32
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil {
			return nil, fmt.Errorf("preproc: %q is not a number", f)
		}
		out = append(out, float32(v))
	}
	return out, nil
}

func formatFloats(v []float32) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(float64(f), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

// ParseLabels reads class names: a JSON array of strings, a JSON object
// from class index to name ({"0": "tench", "1": "goldfish"}, every index
// from 0 to its count − 1 present; a value may also be a [id, name] pair,
// as in the imagenet_class_index.json that Keras and torchvision examples
// use), or one name per line (blank lines at the end ignored).
func ParseLabels(b []byte) ([]string, error) {
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, "[") {
		var labels []string
		if err := json.Unmarshal([]byte(t), &labels); err != nil {
			return nil, fmt.Errorf("preproc: labels: %w", err)
		}
		return labels, nil
	}
	if strings.HasPrefix(t, "{") {
		return objectLabels([]byte(t))
	}
	if t == "" {
		return nil, nil
	}
	labels := strings.Split(strings.ReplaceAll(t, "\r\n", "\n"), "\n")
	for i := range labels {
		labels[i] = strings.TrimSpace(labels[i])
	}
	return labels, nil
}

// Normalize applies the Spec's mean and std in place to x, C×H×W values
// in [0, 1].
func (s Spec) Normalize(x []float32, c int) {
	if len(s.Mean) == 0 {
		return
	}
	hw := len(x) / c
	for ch := 0; ch < c; ch++ {
		m, sd := s.Mean[0], s.Std[0]
		if len(s.Mean) > 1 {
			m, sd = s.Mean[ch], s.Std[ch]
		}
		plane := x[ch*hw : (ch+1)*hw]
		for i, v := range plane {
			plane[i] = (v - m) / sd
		}
	}
}

// Image turns planar pixels (sc×sh×sw, values in [0, 1], sc = 1 or 3) into
// the model input (c×h×w): resized as the Spec says (a colour source
// becomes grey for c = 1, a grey one is repeated for c = 3), then
// normalized. It also returns the resized pixels before normalization, for
// display.
//
// The resize is torchvision's, so that an imported model sees what it was
// trained and evaluated on: transforms.Resize((h, w)) for Stretch, and
// Resize(round(h·256/224)) then CenterCrop((h, w)) for Crop, both with
// Resize's default antialiased bilinear filter (imageio.ResizeBilinear).
// The built-in models keep imageio's area average (imageio.Decode), which
// they were trained with.
func (s Spec) Image(src []float32, sc, sh, sw, c, h, w int) (x, display []float32, err error) {
	if err := s.Check(c); err != nil {
		return nil, nil, err
	}
	f := imageio.Frame{H: h, W: w}
	if s.Resize == Crop {
		f = cropFrame(sh, sw, h, w)
	}
	display = make([]float32, c*h*w)
	if err := imageio.ResizeBilinear(display, c, h, w, src, sc, sh, sw, f); err != nil {
		return nil, nil, err
	}
	x = append([]float32(nil), display...)
	s.Normalize(x, c)
	return x, display, nil
}

// Rect is a rectangle in a source image's pixel coordinates: x rightwards,
// y downwards, pixel (i, j) covering [i, i+1)×[j, j+1). Its sides are
// fractional where a resize scales by a fraction, and may lie outside the
// image where a crop is larger than the scaled image (zero padding).
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Window returns the part of an sh×sw source image that resize mode turns
// into an h×w model input: the whole image for Stretch (or ""), and for
// Crop the window that torchvision's Resize(round(h·256/224)) +
// CenterCrop((h, w)) keeps, as Image crops it (cropFrame): input pixel
// (i, j) is made from the source around the part [X0 + i·kx, X0 +
// (i+1)·kx) × [Y0 + j·ky, Y0 + (j+1)·ky), kx = (X1 − X0)/w, ky = (Y1 −
// Y0)/h. The app lays heat maps over it and maps painted masks through it.
// It panics if sh, sw, h or w is below 1.
func Window(resize string, sh, sw, h, w int) Rect {
	if sh < 1 || sw < 1 || h < 1 || w < 1 {
		panic("preproc: Window: sizes must be positive")
	}
	if resize != Crop {
		return Rect{0, 0, float64(sw), float64(sh)}
	}
	f := cropFrame(sh, sw, h, w)
	kx, ky := float64(sw)/float64(f.W), float64(sh)/float64(f.H)
	return Rect{float64(f.Left) * kx, float64(f.Top) * ky, float64(f.Left+w) * kx, float64(f.Top+h) * ky}
}

// cropFrame returns where torchvision's Resize(S) + CenterCrop((h, w)),
// with S = round(h·256/224), puts an sh×sw image: the shorter side scaled
// to S and the longer to ⌊S·long/short⌋ (Resize's
// _compute_resized_output_size), and the h×w window at offsets
// int(round((size − crop)/2)), Python's round halving to even (CenterCrop);
// a crop larger than the scaled image is centred in zeros, offset −⌊(crop −
// size)/2⌋, as CenterCrop's padding puts it.
func cropFrame(sh, sw, h, w int) imageio.Frame {
	S := int(math.Round(float64(h) * 256 / 224))
	f := imageio.Frame{H: S, W: S}
	if sw <= sh {
		f.H = int(float64(S*sh) / float64(sw))
	} else {
		f.W = int(float64(S*sw) / float64(sh))
	}
	offset := func(size, crop int) int {
		if crop > size {
			return -((crop - size) / 2)
		}
		return int(math.RoundToEven(float64(size-crop) / 2))
	}
	f.Top, f.Left = offset(f.H, h), offset(f.W, w)
	return f
}

// objectLabels reads a JSON object from class index to name (or to an
// [id, name] pair).
func objectLabels(b []byte) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("preproc: labels: %w", err)
	}
	labels := make([]string, len(m))
	seen := make([]bool, len(m))
	for k, raw := range m {
		i, err := strconv.Atoi(strings.TrimSpace(k))
		if err != nil || i < 0 || i >= len(m) {
			return nil, fmt.Errorf("preproc: labels: key %q is not a class index 0..%d", k, len(m)-1)
		}
		if seen[i] {
			return nil, fmt.Errorf("preproc: labels: class %d named twice", i)
		}
		seen[i] = true
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			var pair []string
			if err := json.Unmarshal(raw, &pair); err != nil || len(pair) == 0 {
				return nil, fmt.Errorf("preproc: labels: class %d: want a name or an [id, name] pair", i)
			}
			name = pair[len(pair)-1]
		}
		labels[i] = name
	}
	return labels, nil
}
