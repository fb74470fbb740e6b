package saliency

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"

	"saliencyexplorer/engine/nn"
)

// Method names an attribution method. Its value is stable and may be stored
// in settings or sent between the UI and the engine worker.
type Method string

// The attribution methods; see the package documentation.
const (
	Gradient            Method = "gradient"
	GradientXInput      Method = "gradxinput"
	SmoothGrad          Method = "smoothgrad"
	IntegratedGradients Method = "integrated"
	GradCAM             Method = "gradcam"
	Occlusion           Method = "occlusion"
)

// MethodInfo describes an attribution method: MethodInfos is the one list
// of methods that the engine worker and the page's menus read. A new method
// joins the Method constants, that list and Attribute's switch.
type MethodInfo struct {
	Method Method
	Label  string // menu name, e.g. "Input gradient"
	Help   string // one line: what the map shows, and how fast it is
	// Split reports that the method sums many examples (SmoothGrad's
	// samples, Integrated Gradients' steps, occlusion's windows), so that
	// Options.Part and Options.Parts can split its work across engine
	// workers.
	Split bool
	// Default is the default number of those examples, if it does not
	// depend on the image (0 for occlusion and the methods not split).
	Default int
	// examples returns the number of examples opt asks for on an input of
	// shape in (0: Default).
	examples func(in nn.Shape, opt Options) int
}

// Examples returns how many examples (samples, steps, or occlusion windows
// plus the unoccluded image) a split method runs in all with opt on an
// input of shape in, whatever its part, or 0 for a method that is not
// split or options that Attribute refuses.
func (i MethodInfo) Examples(in nn.Shape, opt Options) int {
	if i.examples == nil {
		return 0
	}
	if n := i.examples(in, opt); n != 0 {
		return n
	}
	return i.Default
}

// occlusionExamples returns the number of windows plus one of occlusion
// with opt on an input of shape in, or 0 if the window or stride is out of
// range.
func occlusionExamples(in nn.Shape, opt Options) int {
	win, stride, ok := occlusionWindow(in, opt)
	if !ok {
		return 0
	}
	return 1 + windowCount(in.H, win, stride)*windowCount(in.W, win, stride)
}

// occlusionWindow applies the defaults of Window and Stride for an input
// of shape in and reports whether they are in range.
func occlusionWindow(in nn.Shape, opt Options) (win, stride int, ok bool) {
	side := min(in.H, in.W)
	win, stride = opt.Window, opt.Stride
	if win == 0 {
		win = min(side, max(2, int(math.Round(float64(side)/7))))
	}
	if win < 1 || win > side {
		return win, stride, false
	}
	if stride == 0 {
		stride = max(1, win/2)
	}
	return win, stride, stride >= 1 && stride <= win
}

// MethodInfos returns every method in the order a menu should list them:
// the plain gradient first, then its refinements, then the two methods
// that do not differentiate with respect to the input.
func MethodInfos() []MethodInfo {
	return []MethodInfo{
		{Method: Gradient, Label: "Input gradient", Help: "How much each pixel changes the score (fast)."},
		{Method: GradientXInput, Label: "Gradient × input", Help: "Gradient weighted by pixel brightness (fast)."},
		{Method: SmoothGrad, Label: "SmoothGrad", Help: "Gradient averaged over noisy copies (slower).",
			Split: true, Default: DefaultSamples, examples: func(_ nn.Shape, o Options) int { return o.Samples }},
		{Method: IntegratedGradients, Label: "Integrated Gradients", Help: "Gradient integrated from a black image (slower).",
			Split: true, Default: DefaultSteps, examples: func(_ nn.Shape, o Options) int { return o.Steps }},
		{Method: GradCAM, Label: "Grad-CAM", Help: "Which regions of the last feature map support the class (fast, coarse)."},
		{Method: Occlusion, Label: "Occlusion", Help: "Score drop when a patch is covered (slow).",
			Split: true, examples: occlusionExamples},
	}
}

// Methods returns every method in the order of MethodInfos.
func Methods() []Method {
	var out []Method
	for _, i := range MethodInfos() {
		out = append(out, i.Method)
	}
	return out
}

// Info returns the description of m, and whether m is a known method.
func (m Method) Info() (MethodInfo, bool) {
	for _, i := range MethodInfos() {
		if i.Method == m {
			return i, true
		}
	}
	return MethodInfo{}, false
}

// Label returns the method's human-readable name, such as "Input gradient",
// or the raw string for an unknown method.
func (m Method) Label() string {
	if i, ok := m.Info(); ok {
		return i.Label
	}
	return string(m)
}

func (m Method) known() bool {
	_, ok := m.Info()
	return ok
}

// Integrated Gradients baselines (Options.Baseline).
const (
	BaselineZeros   = "zeros"   // x′ = 0
	BaselineBlurred = "blurred" // x′ = x blurred per channel with σ = BlurredBaselineSigma
)

// Defaults applied to zero-valued Options fields, and limits on the rest.
const (
	DefaultSamples = 25   // SmoothGrad samples
	DefaultNoise   = 0.15 // SmoothGrad noise σ over the input's range
	DefaultSteps   = 32   // Integrated Gradients steps
	DefaultBatch   = 32   // examples per forward pass

	// NoNoise as Options.Noise asks SmoothGrad for σ = 0 (zero means the
	// default), which makes it equal to the plain gradient.
	NoNoise = -1.0

	// BlurredBaselineSigma is the Gaussian σ, in pixels, of the blurred
	// Integrated Gradients baseline: large enough to erase strokes a few
	// pixels wide while keeping the image's coarse brightness.
	BlurredBaselineSigma = 5.0

	// MaxExamples bounds Samples, Steps and Batch, and the number of
	// occlusion windows is bounded by MaxWindows.
	MaxExamples = 4096
	MaxWindows  = 1 << 16

	maxNoise = 10  // σ of ten ranges already drowns any image
	maxBlur  = 256 // pixels

	// maxBatchActivations caps the activations and gradients one batch
	// keeps, 2 × batch × Model.ValuesPerExample, at 32 Mi floats (128
	// MiB). The harness networks (at most 0.26 Mi values per 64×64 image)
	// keep their full batches; an imported 224×224 network runs two
	// examples at a time (ResNet-18 keeps 5.9 Mi values per image) or one
	// (DenseNet-121 keeps 45 Mi). Larger batches buy such a network
	// nothing: its convolutions multiply image by image, with filters
	// packed once while they stay unchanged (engine/graph), and
	// Integrated Gradients with 32 steps on ResNet-18 took the same time
	// at batch 1 as at 5, in 301 MB of wasm memory instead of 530
	// (docs/performance.md). Two rather than one leaves a kernel that
	// works on the whole batch (a Winograd convolution of a 7×7 map, 16
	// tiles per image) more than one image.
	maxBatchActivations = 1 << 25

	// maxBatchValues caps a batch's input at 16 Mi floats (64 MiB),
	// whatever Options.Batch says, so a large image cannot make one batch
	// allocate without bound.
	maxBatchValues = 1 << 24
)

// Options configures Attribute and Map. Zero values select the defaults, so
// Options{Class: c} is a complete request.
type Options struct {
	Class int // class c whose target is explained, 0 ≤ c < Classes()

	// Target is the function of the logits explained for the class: its
	// logit f_c (TargetLogit, also ""), log p_c or p_c. Every method
	// differentiates or measures it in place of f_c below.
	Target Target

	// Blur is the σ, in pixels, of the Gaussian blur Map applies to the
	// final map (0: none). METHODS suggests σ = 1 for the input gradient.
	// Attribute ignores it.
	Blur float64

	Samples int     // SmoothGrad samples (0: DefaultSamples)
	Noise   float64 // SmoothGrad σ as a fraction of max(x) − min(x) (0: DefaultNoise; negative, e.g. NoNoise: none)
	Seed    uint64  // SmoothGrad noise seed

	Steps    int    // Integrated Gradients steps (0: DefaultSteps)
	Baseline string // Integrated Gradients baseline: BaselineZeros ("" too) or BaselineBlurred

	// Occlusion slides a Window×Window square moved by Stride pixels, with
	// one more row and column of windows flush with the bottom and right
	// edges when the stride does not land there, so every pixel is covered.
	// The window is filled with Fill in every channel. Window 0 selects
	// max(2, round(min(H, W)/7)), at most min(H, W); Stride 0 selects
	// max(1, Window/2).
	Window, Stride int
	Fill           float32

	// Layer names the feature map Grad-CAM weighs, one of the model's
	// SpatialTensors; empty selects the last of them.
	Layer string

	// Batch is the most examples per forward pass (0: DefaultBatch). It is
	// lowered further if a batch's input would exceed 16 Mi values, or its
	// activations and their gradients 32 Mi values.
	Batch int

	// Part and Parts split SmoothGrad's samples, Integrated Gradients'
	// steps or occlusion's windows across workers. With Parts = n > 1 a call computes only part
	// Part (0 ≤ Part < n) of them — contiguous, sizes differing by at most
	// one, the noise of each sample the same as in the whole — normalized as
	// the whole, so the n calls' Attribute results add up to the whole
	// call's (up to float32 rounding); MapOf turns the sum into the heat
	// map. Parts 0 means 1. The other methods take no parts.
	Part, Parts int

	// Progress, if non-nil, is called after every batch with the number of
	// examples run so far and the total the call will run: 1 for Gradient,
	// GradientXInput and GradCAM, Samples, Steps (those of the part, with
	// Parts), or the number of occlusion windows (of the part) plus one for
	// the unoccluded image (which every part runs, and only part 0
	// counts, so that the parts' totals add up to the whole's).
	Progress func(done, total int)
}

// ArgError reports an invalid argument to Attribute or Map: a class out of
// range, an image of the wrong size or with non-finite values, an unknown
// method, or an option outside its range.
type ArgError struct {
	Arg string // "class", "x", "method", "Steps", ...
	Msg string
}

func (e *ArgError) Error() string { return "saliency: invalid " + e.Arg + ": " + e.Msg }

var _ error = (*ArgError)(nil)

func argErr(arg, format string, a ...any) error {
	return &ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}

// resolve validates every argument of a call and returns the options with
// defaults applied. It is the one place where defaults and limits live.
func resolve(net nn.Model, x []float32, m Method, opt Options) (Options, error) {
	if !m.known() {
		return opt, argErr("method", "unknown method %q", string(m))
	}
	if net == nil || isNilNetwork(net) {
		return opt, argErr("network", "nil network")
	}
	in := net.Input()
	if k := net.Classes(); opt.Class < 0 || opt.Class >= k {
		return opt, argErr("class", "class %d out of range 0..%d", opt.Class, k-1)
	}
	if len(x) != in.Size() {
		return opt, argErr("x", "image has %d values, want %v = %d", len(x), in, in.Size())
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return opt, argErr("x", "value %v at index %d", v, i)
		}
	}
	if opt.Target == "" {
		opt.Target = TargetLogit
	}
	if _, ok := opt.Target.Info(); !ok {
		return opt, argErr("Target", "unknown target %q", string(opt.Target))
	}
	if !(opt.Blur >= 0 && opt.Blur <= maxBlur) {
		return opt, argErr("Blur", "σ %v not in [0, %d]", opt.Blur, maxBlur)
	}
	if opt.Batch == 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Batch < 1 || opt.Batch > MaxExamples {
		return opt, argErr("Batch", "%d not in 1..%d", opt.Batch, MaxExamples)
	}
	if opt.Parts == 0 {
		opt.Parts = 1
	}
	if opt.Parts < 1 || opt.Parts > MaxExamples {
		return opt, argErr("Parts", "%d not in 1..%d", opt.Parts, MaxExamples)
	}
	if opt.Part < 0 || opt.Part >= opt.Parts {
		return opt, argErr("Part", "%d not in 0..%d", opt.Part, opt.Parts-1)
	}
	if info, _ := m.Info(); opt.Parts > 1 && !info.Split {
		return opt, argErr("Parts", "%s computes one example and cannot be split into %d parts", m.Label(), opt.Parts)
	}
	switch m {
	case SmoothGrad:
		if opt.Samples == 0 {
			opt.Samples = DefaultSamples
		}
		if opt.Samples < 1 || opt.Samples > MaxExamples {
			return opt, argErr("Samples", "%d not in 1..%d", opt.Samples, MaxExamples)
		}
		switch {
		case opt.Noise == 0:
			opt.Noise = DefaultNoise
		case opt.Noise < 0:
			opt.Noise = 0
		}
		if !(opt.Noise <= maxNoise) { // also rejects NaN
			return opt, argErr("Noise", "%v not in [0, %d]", opt.Noise, maxNoise)
		}
	case IntegratedGradients:
		if opt.Steps == 0 {
			opt.Steps = DefaultSteps
		}
		if opt.Steps < 1 || opt.Steps > MaxExamples {
			return opt, argErr("Steps", "%d not in 1..%d", opt.Steps, MaxExamples)
		}
		switch opt.Baseline {
		case "":
			opt.Baseline = BaselineZeros
		case BaselineZeros, BaselineBlurred:
		default:
			return opt, argErr("Baseline", "unknown baseline %q; want %q or %q", opt.Baseline, BaselineZeros, BaselineBlurred)
		}
	case GradCAM:
		spatial := net.SpatialTensors()
		if len(spatial) == 0 {
			return opt, argErr("method", "Grad-CAM needs a layer with a spatial output larger than 1×1, and the network has none")
		}
		if opt.Layer == "" {
			opt.Layer = spatial[len(spatial)-1]
		} else if !slices.Contains(spatial, opt.Layer) {
			return opt, argErr("Layer", "%q is not one of the network's spatial feature maps %v", opt.Layer, spatial)
		}
	case Occlusion:
		side := min(in.H, in.W)
		opt.Window, opt.Stride, _ = occlusionWindow(in, opt)
		if opt.Window < 1 || opt.Window > side {
			return opt, argErr("Window", "%d not in 1..%d (the image is %d×%d)", opt.Window, side, in.H, in.W)
		}
		if opt.Stride < 1 || opt.Stride > opt.Window {
			return opt, argErr("Stride", "%d not in 1..%d (the window)", opt.Stride, opt.Window)
		}
		if f := float64(opt.Fill); math.IsNaN(f) || math.IsInf(f, 0) {
			return opt, argErr("Fill", "%v is not finite", opt.Fill)
		}
		if n := windowCount(in.H, opt.Window, opt.Stride) * windowCount(in.W, opt.Window, opt.Stride); n > MaxWindows {
			return opt, argErr("Window", "%d×%d windows with stride %d make %d occlusions, more than %d", opt.Window, opt.Window, opt.Stride, n, MaxWindows)
		}
	}
	return opt, nil
}

// Attribute returns method m's raw attribution of the target f_c, c =
// opt.Class (the logit, or log p_c or p_c as opt.Target says), for the
// single image x (C×H×W, the network's input shape):
//
//	Gradient             C×H×W  ∂f_c/∂x
//	GradientXInput       C×H×W  x ⊙ ∂f_c/∂x
//	SmoothGrad           C×H×W  mean over samples of ∂f_c/∂x at x + ε, ε ~ N(0, σ²)
//	IntegratedGradients  C×H×W  (x − x′) ⊙ mean_k ∂f_c/∂x at x′ + α_k(x − x′), α_k = (k+½)/m
//	GradCAM              H×W    ReLU(Σ_k α_k A^k) upsampled bilinearly, α_k = mean of ∂f_c/∂A^k
//	Occlusion            H×W    mean, over the windows covering a pixel, of f_c(x) − f_c(x occluded)
//
// The gradient results are signed; Integrated Gradients satisfies
// Σ attribution ≈ f_c(x) − f_c(x′). It returns an *ArgError for invalid
// arguments, and an error wrapping ctx.Err() if ctx is cancelled between
// batches; no result comes back with an error. x is not modified, and net
// must not be modified during the call.
func Attribute(ctx context.Context, net nn.Model, x []float32, m Method, opt Options) ([]float32, error) {
	opt, err := resolve(net, x, m, opt)
	if err != nil {
		return nil, err
	}
	r := newRun(ctx, net, x, m, opt)
	defer averagedForwards(net, m == IntegratedGradients || m == SmoothGrad && opt.Noise > 0)()
	var out []float32
	switch m {
	case Gradient, GradientXInput:
		out, err = r.gradient(m == GradientXInput)
	case SmoothGrad:
		out, err = r.smoothGrad()
	case IntegratedGradients:
		out, err = r.integratedGradients()
	case GradCAM:
		out, err = r.gradCAM()
	case Occlusion:
		out, err = r.occlusion()
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Map returns the H×W heat map for method m: Attribute's result reduced over
// channels by the maximum absolute value for the gradient methods (so the
// input gradient's map is |∂f_c/∂x|), or as it is for Grad-CAM and
// occlusion, then blurred with σ = opt.Blur pixels if that is positive. It
// returns the same errors as Attribute.
func Map(ctx context.Context, net nn.Model, x []float32, m Method, opt Options) ([]float32, error) {
	a, err := Attribute(ctx, net, x, m, opt)
	if err != nil {
		return nil, err
	}
	return MapOf(net.Input(), a, m, opt.Blur)
}

// MapOf turns an attribution a of method m for an input of shape in (as
// Attribute returns it, or the sum of the parts of a split call) into the
// H×W heat map, as Map does, blurred with σ = blur pixels if positive. a is
// not modified. It returns an *ArgError if a has the wrong size or blur is
// out of range.
func MapOf(in nn.Shape, a []float32, m Method, blur float64) ([]float32, error) {
	if !m.known() {
		return nil, argErr("method", "unknown method %q", string(m))
	}
	if !(blur >= 0 && blur <= maxBlur) {
		return nil, argErr("Blur", "σ %v not in [0, %d]", blur, maxBlur)
	}
	hw := in.H * in.W
	out := make([]float32, hw)
	if m == GradCAM || m == Occlusion {
		if len(a) != hw {
			return nil, argErr("attribution", "%d values, want %d×%d", len(a), in.H, in.W)
		}
		copy(out, a)
	} else {
		if len(a) != in.Size() {
			return nil, argErr("attribution", "%d values, want %v", len(a), in)
		}
		reduceMaxAbs(out, a, in.C, hw)
	}
	if blur > 0 {
		Blur(out, out, in.H, in.W, blur)
	}
	return out, nil
}

// reduceMaxAbs writes dst[p] = max_c |src[c·HW + p]| for src C×HW.
func reduceMaxAbs(dst, src []float32, c, hw int) {
	for p := range dst {
		dst[p] = 0
	}
	for ch := 0; ch < c; ch++ {
		for p, v := range src[ch*hw : (ch+1)*hw] {
			if v < 0 {
				v = -v
			}
			if v > dst[p] {
				dst[p] = v
			}
		}
	}
}

// isNilNetwork reports whether net is a typed nil pointer (a nil
// *nn.Network passed as an nn.Model).
func isNilNetwork(net nn.Model) bool {
	v := reflect.ValueOf(net)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
