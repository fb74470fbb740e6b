package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
	"saliencyexplorer/engine/preproc"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// DefaultMemoryBudget is the memory, in bytes, the Host lets a model and
// the work on it take: a wasm32 module addresses at most 4 GiB, and Go's
// collector needs room beside the live heap, so 1.5 GiB of live data is
// what a browser tab runs without the worker failing to grow its memory.
const DefaultMemoryBudget = 1536 << 20

// SetMemoryBudget sets the bytes an imported model and the work on it may
// take (0: DefaultMemoryBudget). Models, saliency maps and fine-tuning
// runs estimated to need more are refused with a message saying so.
func (h *Host) SetMemoryBudget(bytes int64) { h.budget = bytes }

func (h *Host) memoryBudget() int64 {
	if h.budget > 0 {
		return h.budget
	}
	return DefaultMemoryBudget
}

// imported is what the Host keeps of a model imported from ONNX beside its
// graph: how images become its input, its Grad-CAM layer, what fine-tuning
// trains, and what export writes back.
type imported struct {
	file  string
	head  string // the final Softmax or LogSoftmax Import removed, if any
	pre   preproc.Spec
	layer string // Grad-CAM's feature map
	train string // protocol.TrainHead or protocol.TrainAll
	// headParams are the parameters TrainHead trains.
	headParams map[string]bool
	// form changes whenever pre does, so kept pictures are decoded again.
	form uint64
}

// mb formats bytes as megabytes for messages.
func mb(b int64) string { return fmt.Sprintf("%d MB", (b+(1<<20)-1)>>20) }

// LoadONNX imports an ONNX model from the user's file and makes it
// current; labels, if not empty, is a labels file (one class name per line,
// a JSON array, or a JSON object from index to name). The preprocessing
// and labels come from the file's metadata_props (engine/preproc's keys)
// unless mf overrides them. A model the importer refuses, or whose weights
// and activations exceed the memory budget, is refused with the
// importer's message and the current model stays in use.
func (h *Host) LoadONNX(file, labels []byte, mf protocol.ModelFile, st Status) error {
	budget := h.memoryBudget()
	if int64(len(file)) > budget/2 {
		return fmt.Errorf("the model file is %s; the browser's memory allows models up to %s", mb(int64(len(file))), mb(budget/2))
	}
	pb, err := onnxpb.Decode(file, onnxpb.DefaultLimits())
	if err != nil {
		return fmt.Errorf("this is not an ONNX model the app can read: %w", err)
	}
	// One example's forward and backward activations (×2) and the two
	// copies of the weights (the original and the fine-tuned) must fit.
	maxValues := int(max(budget/4/2-int64(len(file))/2, 1))
	imp, err := onnx.Import(pb, onnx.Options{MaxValues: maxValues})
	if err != nil {
		if strings.Contains(err.Error(), "more than the budget") {
			return fmt.Errorf("%w: the model's activations do not fit the browser's memory (%s)", err, mb(budget))
		}
		return err
	}
	g := imp.Graph
	if need := fitAveraged(budget, func() int64 { return runMemory(g) }, g); need > budget {
		return fmt.Errorf("the model needs about %s to run and explain one image; the browser's memory allows %s", mb(need), mb(budget))
	}
	in := g.Input()
	if in.C != 1 && in.C != 3 {
		return fmt.Errorf("the model takes %d×%d×%d inputs; the app feeds it images, of 1 (grey) or 3 (colour) channels", in.C, in.H, in.W)
	}
	if in.H < 2 || in.W < 2 {
		return fmt.Errorf("the model takes %d×%d×%d inputs, not an image", in.C, in.H, in.W)
	}
	md := map[string]string{}
	for _, p := range pb.MetadataProps {
		md[p.Key] = p.Value
	}
	pre, names, mdErr := preproc.FromMetadata(md)
	if mdErr != nil {
		pre, names = preproc.Spec{}, nil
		st.note(fmt.Sprintf("The model's preprocessing metadata is not usable (%v); using [0, 1] and stretch: check the model card.", mdErr))
	}
	if len(labels) > 0 {
		if names, err = preproc.ParseLabels(labels); err != nil {
			return fmt.Errorf("the labels file: %w", err)
		}
	}
	if mf.Labels != nil {
		names = mf.Labels
	}
	if names, err = classNames(names, g.Classes()); err != nil {
		return err
	}
	if mf.Preproc != nil {
		if pre, err = specOf(*mf.Preproc); err != nil {
			return err
		}
	}
	if err := pre.Check(in.C); err != nil {
		return err
	}
	layers := g.SpatialTensors()
	if len(layers) == 0 {
		return errors.New("the model has no spatial feature map (C×H×W with H·W > 1) after its input: it is not an image classifier the app can explain")
	}
	im := &imported{file: mf.Name, head: imp.Head, pre: pre, layer: layers[len(layers)-1], train: protocol.TrainHead}
	im.headParams = headParams(g)
	name := strings.TrimSuffix(mf.Name, ".onnx")
	if name == "" {
		name = "your ONNX model"
	}
	if v := md["saliency.name"]; v != "" {
		name = v
	}
	h.installSlot(protocol.UserModelKey, &slot{orig: g, imp: im}, model.ManifestEntry{Name: name, Classes: names, Method: "imported"}, "onnx")
	// Its samples are the site's gallery of its data set, as for a model
	// from files, whether or not a shipped model read it before (a
	// restored model's pictures keep their keys).
	h.loadGallery(st)
	return nil
}

// runMemory estimates the bytes a model takes to explain one image: two
// copies of it (the original and the fine-tuned one) and one example's
// activations with their gradients.
func runMemory(m nn.Trainable) int64 {
	return 2*copyMemory(m) + 4*2*int64(m.ValuesPerExample())
}

// fitAveraged returns need(), an estimate of the memory the graphs gs
// and the work on them take, made to fit budget if it can: when it does
// not with their averaged forwards' F(4×4, 3×3) and stride-2 phases'
// filters (graph.Graph.AveragedValues), which only speed Integrated
// Gradients and SmoothGrad up, but does without them, it leaves averaged
// forwards disallowed on the graphs (graph.Graph.SetAveragedForwardsAllowed),
// so that those methods run F(2×2, 3×3) forwards and im2col's stride-2
// convolutions there and in every copy of the graphs, and returns the
// estimate without them.
func fitAveraged(budget int64, need func() int64, gs ...*graph.Graph) int64 {
	n := need()
	if n <= budget {
		return n
	}
	var off []*graph.Graph
	for _, g := range gs {
		if g.AveragedForwardsAllowed() {
			g.SetAveragedForwardsAllowed(false)
			off = append(off, g)
		}
	}
	if len(off) == 0 {
		return n
	}
	if m := need(); m <= budget {
		return m
	}
	for _, g := range off { // no use: the refusal changes nothing
		g.SetAveragedForwardsAllowed(true)
	}
	return n
}

// copyMemory estimates the bytes one copy of a model takes once it has
// run: its weights and state, and what an imported model's convolutions
// keep derived from their filters across passes (graph.DerivedValues:
// packed and transformed filters, about three times ResNet-18's weights).
func copyMemory(m nn.Trainable) int64 {
	params, _, state := m.Weights()
	n := int64(len(params) + len(state))
	if g, ok := m.(*graph.Graph); ok {
		n += g.DerivedValues()
	}
	return 4 * n
}

// classNames checks names against the model's k classes, naming them
// "class i" when there are none.
func classNames(names []string, k int) ([]string, error) {
	if names == nil {
		names = make([]string, k)
		for i := range names {
			names[i] = fmt.Sprintf("class %d", i)
		}
	}
	if len(names) != k {
		return nil, fmt.Errorf("%d labels for a model of %d classes", len(names), k)
	}
	return names, nil
}

// specOf converts the protocol's preprocessing to a preproc.Spec: a preset
// by name, or a mean and std.
func specOf(p protocol.Preproc) (preproc.Spec, error) {
	var s preproc.Spec
	if p.Preset != "" {
		var err error
		if s, err = preproc.PresetSpec(p.Preset); err != nil {
			return preproc.Spec{}, err
		}
	} else {
		s.Mean, s.Std = p.Mean, p.Std
	}
	s.Resize = p.Resize
	return s, s.Check(0)
}

// protoPreproc converts a preproc.Spec for the page.
func protoPreproc(s preproc.Spec) *protocol.Preproc {
	r := s.Resize
	if r == "" {
		r = preproc.Stretch
	}
	p := &protocol.Preproc{Resize: r, Preset: s.Preset, Mean: s.Mean, Std: s.Std}
	if p.Preset == "" && len(p.Mean) == 0 {
		p.Preset = "unit"
	}
	return p
}

// headParams returns the parameters of the classifier head and the last
// block: those read after the last fork of the graph (the last batched
// spatial tensor read by more than one node: a residual block's input, a
// dense block's last shared features, a squeeze-excite gate's input),
// or, in a graph without forks, those from the last convolution on.
func headParams(g *graph.Graph) map[string]bool {
	readers := map[string]int{}
	var lastConvIn string
	for _, nd := range g.Nodes() {
		for _, t := range nd.Inputs {
			if info, ok := g.Info(t); ok && info.Batched {
				readers[t]++
			}
		}
		if nd.Op.Type() == "Conv" && len(nd.Inputs) > 0 {
			lastConvIn = nd.Inputs[0]
		}
	}
	from := lastConvIn
	for _, t := range g.SpatialTensors() {
		if readers[t] > 1 {
			from = t
		}
	}
	out := map[string]bool{}
	if from == "" {
		from = g.FeatureTensor()
	}
	for _, name := range g.ParamsAfter(from) {
		out[name] = true
	}
	return out
}

// describe fills the model card's fields of info.
func (im *imported) describe(info *protocol.ModelInfo, g nn.Trainable) {
	info.File = im.file
	info.Preproc = protoPreproc(im.pre)
	for _, p := range preproc.Presets() {
		info.Presets = append(info.Presets, protocol.PresetInfo{Name: p.Name, Label: p.Label, Mean: p.Mean, Std: p.Std})
	}
	info.Layers = g.SpatialTensors()
	info.Layer = im.layer
	info.Train = im.train
	info.ValuesPerExample = g.ValuesPerExample()
	info.Trained = 0
	if gg, ok := g.(*graph.Graph); ok {
		for _, p := range gg.NamedParams() {
			if im.trains(p.Name) {
				info.Trained += len(p.Value)
			}
		}
	}
}

// trains reports whether fine-tuning trains the named parameter.
func (im *imported) trains(name string) bool {
	return im.train == protocol.TrainAll || im.headParams[name]
}

// trainCopy returns a new fine-tuning copy of the slot's model: for an
// imported graph, with every parameter that is not trained frozen.
func (s *slot) trainCopy() nn.Trainable {
	if g, ok := s.orig.(*graph.Graph); ok && s.imp != nil {
		return g.Freeze(func(name string) bool { return !s.imp.trains(name) })
	}
	return clone(s.orig)
}

// graphs returns the slot's models that are graphs (those imported from
// ONNX): the original and, once made, the fine-tuned copy.
func (s *slot) graphs() []*graph.Graph {
	var gs []*graph.Graph
	for _, m := range []nn.Trainable{s.orig, s.tuned} {
		if g, ok := m.(*graph.Graph); ok {
			gs = append(gs, g)
		}
	}
	return gs
}

// idleGraphs is graphs without the network a run is training: fitAveraged
// may change a graph's averaged forwards, which drops its transformed
// filters, and the trainer's goroutine uses those of its network.
func (h *Host) idleGraphs() []*graph.Graph {
	var gs []*graph.Graph
	for _, g := range h.cur.graphs() {
		if !h.Training() || nn.Trainable(g) != h.run.net {
			gs = append(gs, g)
		}
	}
	return gs
}

// clone returns an independent copy of a model.
func clone(m nn.Trainable) nn.Trainable {
	switch m := m.(type) {
	case *nn.Network:
		return m.Clone()
	case *graph.Graph:
		return m.Clone()
	}
	panic(fmt.Sprintf("host: cannot copy a %T", m))
}

// Configure edits the current model's card: its preprocessing (pictures
// kept so far are decoded again for the next request), class names,
// Grad-CAM layer and what fine-tuning trains. It applies to models
// imported from ONNX; a refused edit changes nothing.
func (h *Host) Configure(req protocol.ConfigureRequest) error {
	if h.cur == nil {
		return errors.New("the model is not loaded yet")
	}
	s := h.cur
	im := s.imp
	if im == nil {
		return errors.New("this model's preprocessing is fixed: only models loaded from ONNX files can be configured")
	}
	next := *im
	if req.Preproc != nil {
		pre, err := specOf(*req.Preproc)
		if err == nil {
			err = pre.Check(s.orig.Input().C)
		}
		if err != nil {
			return err
		}
		next.pre = pre
		next.form++
	}
	names := s.info.Classes
	if req.Labels != nil {
		var err error
		if names, err = classNames(req.Labels, s.orig.Classes()); err != nil {
			return err
		}
	}
	if req.Layer != "" {
		if _, ok := s.orig.TensorShape(req.Layer); !ok || !contains(s.orig.SpatialTensors(), req.Layer) {
			return fmt.Errorf("%q is not one of the model's spatial feature maps", req.Layer)
		}
		next.layer = req.Layer
	}
	switch req.Train {
	case "":
	case protocol.TrainHead, protocol.TrainAll:
		next.train = req.Train
	default:
		return fmt.Errorf("train %q: want %q or %q", req.Train, protocol.TrainHead, protocol.TrainAll)
	}
	if next.train != im.train {
		h.StopTraining()
		if s.tuned != nil {
			g := s.tuned.(*graph.Graph)
			s.tuned = g.Freeze(func(name string) bool { return !next.trains(name) })
			s.tunedVersion = h.tick()
		}
	}
	*im = next
	s.info.Classes = names
	im.describe(&s.info, s.orig)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// decodeImported decodes an image file for an imported model: at full
// resolution, then resized and normalized as its preprocessing says (grey
// repeated for 3 channels, colour made grey for 1).
func (h *Host) decodeImported(b []byte, req protocol.DecodeRequest, im *imported, in nn.Shape) (protocol.Decoded, []float32, []byte, error) {
	var dec protocol.Decoded
	var disp []byte
	var src []float32
	var sc, sh, sw int
	if IsDICOM(b, req.Name) {
		d, pix, channels, err := dicomPlanes(b, req, h.dicomLimits)
		if err != nil {
			return protocol.Decoded{}, nil, nil, err
		}
		dec, src, sc, sh, sw = d, pix, channels, d.Height, d.Width
		disp = displayBytes(pix, channels, sh*sw)
	} else {
		format, w, hh, err := imageio.Config(b)
		if err != nil {
			return protocol.Decoded{}, nil, nil, notAnImage(err)
		}
		pic, err := imageio.Decode(b, 3, hh, w, h.imageLimits)
		if err != nil {
			return protocol.Decoded{}, nil, nil, notAnImage(err)
		}
		dec = protocol.Decoded{Format: format, Width: w, Height: hh, Color: pic.Color}
		src, sc, sh, sw = pic.Pix, 3, hh, w
		if !pic.Color {
			src, sc = src[:hh*w], 1
		}
	}
	x, _, err := im.pre.Image(src, sc, sh, sw, in.C, in.H, in.W)
	if err != nil {
		return protocol.Decoded{}, nil, nil, err
	}
	return dec, x, disp, nil
}

// notAnImage rewords imageio's error for a file that is no image at all.
func notAnImage(err error) error {
	var u *imageio.UnsupportedError
	if errors.As(err, &u) && strings.Contains(u.Msg, "not a PNG or JPEG") {
		return errors.New("this is not a PNG, JPEG or DICOM file")
	}
	return err
}

// ExportONNX returns the named model (Original or Tuned) as an ONNX opset
// 13 file: an imported model with its current weights, the final Softmax
// it was loaded with, and its preprocessing and labels as metadata (so it
// opens again as it is); a built-in network converted to a graph first.
func (h *Host) ExportONNX(which string) ([]byte, error) {
	m, err := h.network(which)
	if err != nil {
		return nil, err
	}
	s := h.cur
	var g *graph.Graph
	switch m := m.(type) {
	case *graph.Graph:
		g = m
	case *nn.Network:
		if g, err = graph.FromNetwork(m); err != nil {
			return nil, fmt.Errorf("converting the model to a graph: %w", err)
		}
	default:
		return nil, fmt.Errorf("host: cannot export a %T", m)
	}
	opt := onnx.ExportOptions{Metadata: map[string]string{"exported_by": "Saliency Explorer", "saliency.name": s.info.Name}}
	if s.imp != nil {
		opt.Head = s.imp.head
		for k, v := range s.imp.pre.Metadata() {
			opt.Metadata[k] = v
		}
	}
	if lb, err := json.Marshal(s.info.Classes); err == nil {
		opt.Metadata[preproc.KeyLabels] = string(lb)
	}
	if which == protocol.Tuned && s.tuned != nil {
		opt.Metadata["fine_tuned_from"] = s.info.Name
		opt.Metadata["method"] = s.tunedWith
	}
	return onnx.ExportBytes(g, opt)
}

// TrainingMemory estimates the bytes a fine-tuning run of the current
// model with batch examples of method takes: both copies of the model,
// the trained values' gradients, Adam's two moments and the trainer's two
// copies (best and previous), and the activations of one shard of the
// batch (train.Trainer shards a batch so that a shard's activations fit
// its limit).
func (h *Host) TrainingMemory(method train.Method, batch int) int64 {
	s := h.cur
	params, _, _ := s.orig.Weights()
	trained := int64(len(params))
	if s.imp != nil {
		trained = int64(s.info.Trained)
	}
	per := int64(2 * s.orig.ValuesPerExample())
	if method == train.ActDiff || method == train.GradMask || method == train.RRR {
		per *= 2
	}
	const shardLimit = 1 << 27 // train's maxStepActivations
	shard := min(int64(batch), max(1, shardLimit/per))
	return 2*copyMemory(s.orig) + 4*(5*trained+shard*per)
}

// checkTrainingMemory refuses a run that would not fit the memory budget.
func (h *Host) checkTrainingMemory(method train.Method, batch int) error {
	budget := h.memoryBudget()
	need := fitAveraged(budget, func() int64 { return h.TrainingMemory(method, batch) }, h.cur.graphs()...)
	if need <= budget {
		return nil
	}
	what := "the whole model"
	if h.cur.imp != nil && h.cur.imp.train != protocol.TrainAll {
		what = "the head and last block"
	}
	return fmt.Errorf("fine-tuning %s this way needs about %s; the browser's memory allows %s: train fewer layers (the head and last block), use the cross-entropy objective, or a smaller batch", what, mb(need), mb(budget))
}

// checkSaliencyMemory refuses a saliency map whose single example does not
// fit the memory budget (the saliency package batches the rest).
func (h *Host) checkSaliencyMemory(m nn.Model) error {
	need := 4 * 2 * int64(m.ValuesPerExample())
	if budget := h.memoryBudget(); need > budget {
		return fmt.Errorf("a saliency map of this model needs about %s; the browser's memory allows %s", mb(need), mb(budget))
	}
	return nil
}
