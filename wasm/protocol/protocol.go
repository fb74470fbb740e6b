// Package protocol defines the messages between the user interface (page)
// and the engine worker (a Web Worker running Go compiled to WebAssembly).
//
// A message is a JSON-encoded Header plus a list of binary buffers, sent
// together with postMessage({h: headerJSON, b: [ArrayBuffer, ...]}) with the
// buffers transferred, not copied. Float tensors travel as little-endian
// float32 bytes (see Floats and FloatBytes). Every request carries an ID
// chosen by the page; every reply to it (results, progress, errors) carries
// the same ID. Requests are handled one at a time in arrival order, except
// the control messages (cancel, pause, resume, stop), which act at once.
//
// The package is plain Go: it builds natively, so its encoding is tested on
// the host, and both binaries share it.
package protocol

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"saliencyexplorer/engine/jsonfloat"
)

// Kind names a message type.
type Kind string

// Requests from the page to the worker.
const (
	// Init asks the worker to load the site's model catalog and a model
	// (Select.Model if set and shipped, else the default: the Phantom
	// baseline, else the first model listed). Reply: Ready.
	Init Kind = "init"
	// Select switches to another model of the catalog (SelectRequest).
	// Reply: Ready. Fine-tuned copies are kept per model, so switching
	// back restores them.
	Select Kind = "select"
	// Decode asks for an image file (PNG, JPEG or DICOM) to be decoded to
	// model input (DecodeRequest). Buffers: [file bytes]. Reply: Decoded,
	// buffers [input float32] for PNG and JPEG, which the page displays
	// itself, or [input float32, display pixels] for DICOM (see Decoded).
	// With Header.Picture set, the worker keeps the picture under that key
	// (re-decoding it if the model's input changes), so that Predict and
	// Saliency can name it instead of sending its input.
	Decode Kind = "decode"
	// Keep asks the worker to keep a model input the page holds (an image
	// of the user's stored at model resolution, whose file is gone) under
	// Header.Picture. Buffers: [input float32]. Reply: Result.
	Keep Kind = "keep"
	// Predict asks for class probabilities of the picture Header.Picture
	// (kept by Decode or Keep). Reply: Probs (one per model in
	// Predict.Models order, see PredictRequest).
	Predict Kind = "predict"
	// Saliency asks for a saliency map of the picture Header.Picture.
	// Reply: Map, buffers [map float32 H×W]; Progress messages before it.
	Saliency Kind = "saliency"
	// Train starts fine-tuning (see TrainRequest). Buffers: [images, masks]
	// of the user's own examples (possibly empty). Replies: TrainUpdate
	// messages until the run ends.
	Train Kind = "train"
	// Export asks for a model's files. Reply: buffers [arch JSON, weights].
	Export Kind = "export"
	// LoadModel replaces the model. Buffers: [arch JSON, weights], or,
	// with ModelFile.Format "onnx", [model.onnx] or [model.onnx, labels]
	// (labels one per line, or a JSON array or object). Reply: Ready. A
	// refused model leaves the current one in use.
	LoadModel Kind = "load-model"
	// RestoreTuned gives a restarted engine the fine-tuned copy of the
	// current model that the page kept (the files Export wrote for it).
	// Buffers: [arch JSON, weights], or, for a model imported from ONNX,
	// [model.onnx] (Export's ONNX file). Reply: Result.
	RestoreTuned Kind = "restore-tuned"
	// Crash stops the engine program on purpose, as a crash would. The
	// worker honours it only when started with ?test-hooks=1 (tests of
	// the page's recovery); with Header.Text "panic" the request panics
	// instead, which the worker recovers from, answering with an error,
	// and with "hang" the engine loops for ever (the page's watchdog).
	Crash Kind = "crash"
	// Configure changes how images become the current model's input, its
	// class names and Grad-CAM's layer (ConfigureRequest). Reply: Ready.
	Configure Kind = "configure"

	// Check asks whether a saliency map of the picture Header.Picture means
	// anything (engine/sanity): the map of Check's method, model, class
	// and target after re-initialising the model's layers one by one from
	// the output down (cascading model-parameter randomisation, on a copy:
	// the model in use is unchanged), and the deletion and insertion
	// curves of the class's probability in the map's pixel order and in a
	// random order. Reply: Result with Checked, buffers [maps float32:
	// 1+len(Checked.Layers) maps of Checked.MapH×MapW, the trained
	// model's first, each in absolute value divided by its maximum];
	// Progress messages before it. Cancel stops it. A check estimated to
	// take too long is refused with the estimate.
	Check Kind = "check"

	// SaliencyPart asks a helper engine worker (one of the main worker's
	// pool, never the page) for part Saliency.Part of Saliency.Parts of a
	// split Integrated Gradients, SmoothGrad or occlusion attribution.
	// Buffers: [input float32], or [input float32, and the model's two
	// files, ModelFile saying their format] when the helper's model
	// changes. Reply: Result, buffers [raw attribution float32]; Progress
	// messages before it.
	SaliencyPart Kind = "saliency-part"

	// TrainShard asks a helper engine worker for the parameter gradient of
	// one shard of a training step's batch (Shard). Buffers: [trainable
	// parameters float32, images N×C×H×W, masks N×H×W], then S(x)
	// N×C×H×W if Shard.Shuffled, then the model's two files (ModelFile
	// says their format) when the helper does not hold the run's model
	// yet. Reply: Result, Update with the shard's Loss, CE and Penalty,
	// buffers [gradient float32].
	TrainShard Kind = "train-shard"

	// Cancel stops the request Target (a saliency map or training run).
	Cancel Kind = "cancel"
	// Pause and Resume pause and resume the running training.
	Pause  Kind = "pause"
	Resume Kind = "resume"
)

// Replies from the worker to the page.
const (
	Ready    Kind = "ready"    // reply to Init, Select and LoadModel: Model, Models, Dataset, Samples, Registry
	Result   Kind = "result"   // a request's result
	Progress Kind = "progress" // Done of Total units of a request's work
	Failed   Kind = "error"    // a request failed: Error
	Update   Kind = "train"    // a training run's progress: TrainUpdate
	Log      Kind = "log"      // a line for the status bar (Text)
)

// Which model a request is about.
const (
	Original = "original" // the loaded model
	Tuned    = "tuned"    // the fine-tuned copy (falls back to Original before any training)
)

// Header is a message's JSON part. Only the fields of its Kind are set.
type Header struct {
	ID     int    `json:"id"`
	Kind   Kind   `json:"kind"`
	Target int    `json:"target,omitempty"` // Cancel: the request to cancel
	Error  string `json:"error,omitempty"`  // Failed: a message for the user
	Text   string `json:"text,omitempty"`   // Log
	// Picture is the page's key of a picture: Decode and Keep keep the
	// picture under it; Predict and Saliency name it.
	Picture string `json:"picture,omitempty"`

	Model    *ModelInfo       `json:"model,omitempty"`
	Models   []ModelInfo      `json:"models,omitempty"`  // Ready: every model the page can switch to
	Dataset  *DatasetInfo     `json:"dataset,omitempty"` // Ready: the current model's data set
	Samples  []Sample         `json:"samples,omitempty"`
	Select   *SelectRequest   `json:"select,omitempty"`
	DecodeRq *DecodeRequest   `json:"decodeRequest,omitempty"`
	Decoded  *Decoded         `json:"decoded,omitempty"`
	Predict  *PredictRequest  `json:"predict,omitempty"`
	Probs    [][]float64      `json:"probs,omitempty"`
	Saliency *SaliencyRequest `json:"saliency,omitempty"`
	Map      *MapInfo         `json:"map,omitempty"`
	// Check is a Check request's map (Method, Model, Class, Target and
	// the method's settings); Checked its reply.
	Check    *SaliencyRequest `json:"check,omitempty"`
	Checked  *CheckReport     `json:"checked,omitempty"`
	Done     int              `json:"done,omitempty"`
	Total    int              `json:"total,omitempty"`
	Train    *TrainRequest    `json:"train,omitempty"`
	Update   *TrainUpdate     `json:"update,omitempty"`
	Export   *ExportRequest   `json:"export,omitempty"`
	Registry *Registry        `json:"registry,omitempty"` // Ready
	// ModelFile describes the files of a LoadModel request, or the model
	// files a SaliencyPart request hands a helper (Format host.HelperNetwork
	// or host.HelperGraph).
	ModelFile *ModelFile `json:"modelFile,omitempty"`
	// Configure is a Configure request.
	Configure *ConfigureRequest `json:"configure,omitempty"`
	// Shard is a TrainShard request.
	Shard *ShardRequest `json:"shard,omitempty"`
	// Millis is the time the worker took for a Predict request's forward
	// passes (for benchmarks).
	Millis float64 `json:"millis,omitempty"`
}

// ModelFile describes the files of a LoadModel request.
type ModelFile struct {
	// Format is "onnx" for an ONNX model, "" for the engine's own
	// architecture JSON and safetensors pair.
	Format string `json:"format,omitempty"`
	// Name is the model file's name, for the model list.
	Name string `json:"name,omitempty"`
	// Preproc, if set, overrides the preprocessing the file's metadata
	// gives (the page keeps the user's edits per model).
	Preproc *Preproc `json:"preproc,omitempty"`
	// Labels, if set, overrides the class names.
	Labels []string `json:"labels,omitempty"`
}

// Preproc is how an image becomes a model's input (engine/preproc.Spec):
// Resize "stretch" or "crop" (torchvision's resize then centre crop),
// Preset one of Presets' names, or Mean and Std per channel (one value
// for every channel, or C).
type Preproc struct {
	Resize string    `json:"resize"`
	Preset string    `json:"preset,omitempty"`
	Mean   []float32 `json:"mean,omitempty"`
	Std    []float32 `json:"std,omitempty"`
}

// PresetInfo is a normalization preset of the model card's menu.
type PresetInfo struct {
	Name  string    `json:"name"`
	Label string    `json:"label"`
	Mean  []float32 `json:"mean,omitempty"`
	Std   []float32 `json:"std,omitempty"`
}

// ConfigureRequest edits the current model's card. Nil fields are kept.
type ConfigureRequest struct {
	Preproc *Preproc `json:"preproc,omitempty"`
	Labels  []string `json:"labels,omitempty"`
	// Layer names the feature map Grad-CAM weighs (one of
	// ModelInfo.Layers; "" keeps it).
	Layer string `json:"layer,omitempty"`
	// Train names what fine-tuning trains: TrainHead ("" too) or TrainAll.
	Train string `json:"train,omitempty"`
}

// What fine-tuning an imported model trains.
const (
	TrainHead = "head" // the classifier head and the last block
	TrainAll  = "all"  // every parameter
)

// Registry is what the engine offers, from the engine's own lists; it
// comes with every Ready message, and the page builds its menus from it.
type Registry struct {
	Methods    []MethodInfo    `json:"methods"`    // saliency methods, in menu order
	Targets    []TargetInfo    `json:"targets"`    // what a map explains, in menu order (the first is the page's default)
	Objectives []ObjectiveInfo `json:"objectives"` // training objectives, in menu order
	// Datasets are the built-in data sets with their suggested settings
	// (DatasetInfo without Samples and Train, which depend on what the
	// worker holds).
	Datasets []DatasetInfo `json:"datasets"`
}

// MethodInfo describes a saliency method (SaliencyRequest.Method is its ID).
type MethodInfo struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Help  string `json:"help"`
	// Split reports that the worker splits its work across helper
	// workers; Default is then its default number of samples or steps (0
	// for occlusion, whose number of windows depends on the image).
	Split   bool `json:"split,omitempty"`
	Default int  `json:"default,omitempty"`
}

// TargetInfo describes what a saliency map explains for its class
// (SaliencyRequest.Target and TrainRequest.Target are its ID; see
// saliency.TargetInfo).
type TargetInfo struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Help  string `json:"help"`
	// Symbol names the target in a formula, with %s for the class name:
	// "log p(%s)".
	Symbol string `json:"symbol"`
}

// ObjectiveInfo describes a training objective (TrainRequest.Method is
// its ID).
type ObjectiveInfo struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Help  string `json:"help"`
	// Penalty reports that λ weighs a penalty term (otherwise it is
	// ignored).
	Penalty bool `json:"penalty,omitempty"`
}

// ModelInfo describes a model: the loaded one (Header.Model) or one the
// page can switch to (Header.Models).
type ModelInfo struct {
	// Key selects the model in a SelectRequest: the manifest name of a
	// shipped model, UserModelKey for the model the user loaded from files,
	// StarterKey for the model trained at start-up.
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Dataset string   `json:"dataset"`
	Method  string   `json:"method"` // how it was trained
	C       int      `json:"c"`
	H       int      `json:"h"`
	W       int      `json:"w"`
	Classes []string `json:"classes"`
	Params  int      `json:"params"`
	TestAUC float64  `json:"testAUC"`
	TestAcc float64  `json:"testAccuracy"`
	TestIoU float64  `json:"testIoU"`
	// TestMass is the mean relevance mass of input-gradient saliency
	// inside the masks (the share of the map on the evidence).
	TestMass float64 `json:"testMass"`
	// ScoreTarget is the target (TargetInfo.ID) TestIoU and TestMass
	// explain: "logit" for the shipped manifests' scores.
	ScoreTarget string  `json:"scoreTarget,omitempty"`
	Lambda      float64 `json:"lambda,omitempty"` // penalty weight it was trained with
	// ScoreSet says where the test scores come from, e.g. "the shipped
	// test split" or "24 sample images"; empty if there are none.
	ScoreSet string `json:"scoreSet,omitempty"`
	Source   string `json:"source"` // "shipped", "starter" (trained in the browser), "file" or "onnx"
	HasTuned bool   `json:"hasTuned"`

	// Imported (ONNX) models only.
	//
	// File is the name of the file the model came from.
	File string `json:"file,omitempty"`
	// Preproc is how images become its input.
	Preproc *Preproc `json:"preproc,omitempty"`
	// Presets are the normalization presets to choose from.
	Presets []PresetInfo `json:"presets,omitempty"`
	// Layers are Grad-CAM's candidate feature maps, in execution order;
	// Layer is the one it uses.
	Layers []string `json:"layers,omitempty"`
	Layer  string   `json:"layer,omitempty"`
	// Train says what fine-tuning trains (TrainHead or TrainAll) and
	// Trained how many parameters that is.
	Train   string `json:"train,omitempty"`
	Trained int    `json:"trained,omitempty"`
	// ValuesPerExample is the activation values one example keeps in a
	// forward pass (memory: ×4 bytes, ×2 with the gradient).
	ValuesPerExample int `json:"valuesPerExample,omitempty"`
}

// Keys of models that are not in the site's manifest.
const (
	UserModelKey = "file"    // the model loaded from the user's files
	StarterKey   = "starter" // trained in the browser when the site ships none
)

// SelectRequest names the model to switch to (ModelInfo.Key), or a data
// set whose baseline model to switch to.
type SelectRequest struct {
	Model   string `json:"model,omitempty"`
	Dataset string `json:"dataset,omitempty"`
}

// DatasetInfo describes the current model's data set: where its samples
// come from and what fine-tuning trains on.
type DatasetInfo struct {
	Name  string `json:"name"`  // e.g. "phantom"
	Title string `json:"title"` // e.g. "Phantom chest films"
	// Samples is "gallery" (the shipped sample file), "generated" (drawn
	// in the browser) or "" (none).
	Samples string `json:"samples"`
	// Generated reports whether the browser can generate the training
	// split; if not, fine-tuning uses part of the gallery.
	Generated bool `json:"generated"`
	// Train says in plain words what fine-tuning trains on.
	Train string `json:"train"`
	// Shift says how the test split differs from the training split, in
	// plain words ("the shortcut is reversed").
	Shift string `json:"shift,omitempty"`
	// Shortcut names what gives the class away in the training split
	// ("the laterality marker"); Images names its images in the plural
	// ("films").
	Shortcut string `json:"shortcut,omitempty"`
	Images   string `json:"images,omitempty"`
	// LR is a suggested fine-tuning learning rate for this data set.
	LR float64 `json:"lr,omitempty"`
	// Lambda is a suggested λ per penalty method ("rrr", "gradmask",
	// "actdiff") for this data set.
	Lambda map[string]float64 `json:"lambda,omitempty"`
}

// Sample is a built-in example image. Its PNG, reference mask (PNG, white
// inside) and nothing else travel as buffers of the Ready message, two per
// sample in order.
type Sample struct {
	Key   string `json:"key"`   // stable name, e.g. "crosses-test-3"
	Label int    `json:"label"` // true class
	Title string `json:"title"`
}

// DecodeRequest describes the file of a Decode request.
type DecodeRequest struct {
	Name string `json:"name"` // file name (its extension helps recognize DICOM)
	// Window, if set, re-windows a grey-scale DICOM image with Center and
	// Width (modality units) instead of the file's own window.
	Window bool    `json:"window,omitempty"`
	Center float64 `json:"center,omitempty"`
	Width  float64 `json:"width,omitempty"`
}

// Decoded describes a decoded image file.
type Decoded struct {
	Format string `json:"format"` // "png", "jpeg" or "dicom"
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Color  bool   `json:"color"`
	// DICOM only. The reply's second buffer holds the display pixels,
	// Height×Width bytes (grey) or Height×Width×4 (RGBA, colour images).
	Modality       string  `json:"modality,omitempty"`
	Photometric    string  `json:"photometric,omitempty"`
	Frames         int     `json:"frames,omitempty"`
	WindowCenter   float64 `json:"windowCenter,omitempty"`
	WindowWidth    float64 `json:"windowWidth,omitempty"`
	WindowFromFile bool    `json:"windowFromFile,omitempty"`
	// DefaultCenter and DefaultWidth are the window Decode chose before any
	// override (the file's, or the image's range), for a reset button.
	DefaultCenter float64 `json:"defaultCenter,omitempty"`
	DefaultWidth  float64 `json:"defaultWidth,omitempty"`
}

// PredictRequest asks for predictions by one or more models.
type PredictRequest struct {
	Models []string `json:"models"` // Original and/or Tuned; Probs follows this order
}

// SaliencyRequest asks for one map.
type SaliencyRequest struct {
	Method string `json:"method"`
	Model  string `json:"model"` // Original or Tuned
	// Class is the class the map explains; PredictedClass (any negative
	// class) asks for the class Model predicts for the picture, which the
	// reply's MapInfo.Class then names.
	Class   int     `json:"class"`
	Blur    float64 `json:"blur,omitempty"`
	Samples int     `json:"samples,omitempty"`
	Steps   int     `json:"steps,omitempty"`
	Window  int     `json:"window,omitempty"`
	// Target is what the map explains (TargetInfo.ID; "" is the logit).
	Target string `json:"target,omitempty"`
	// Part and Parts split the work across engine workers (SaliencyPart
	// requests only; see saliency.Options.Part).
	Part  int `json:"part,omitempty"`
	Parts int `json:"parts,omitempty"`
}

// PredictedClass as a SaliencyRequest's Class asks the engine to explain
// the class the model predicts (its most probable one), so that a page can
// ask for the first map together with the prediction instead of after it.
const PredictedClass = -1

// TopClass returns the index of the largest of a prediction's
// probabilities, the first of equal ones (0 for none): the class the engine
// explains for PredictedClass, and the one the page shows as predicted, so
// both agree on ties.
func TopClass(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// ShardRequest is one shard of a training step's batch for a helper
// worker (TrainShard): N examples of a batch of Total, their labels, and
// the objective.
type ShardRequest struct {
	Method string  `json:"method"`
	Lambda float64 `json:"lambda"`
	N      int     `json:"n"`
	Total  int     `json:"total"`
	Labels []int   `json:"labels"`
	// Shuffled says that S(x) follows the masks among the buffers.
	Shuffled bool `json:"shuffled,omitempty"`
}

// MapInfo describes a saliency map in the reply's first buffer.
type MapInfo struct {
	H      int     `json:"h"`
	W      int     `json:"w"`
	Max    float64 `json:"max"` // the largest value, for the colour bar
	Min    float64 `json:"min"`
	Millis float64 `json:"millis"` // time taken
	// Class is the class the map explains: the request's, or the
	// predicted class the engine chose for PredictedClass.
	Class int `json:"class"`
	// Workers is the number of engine workers whose parts make the map
	// (1 unless Integrated Gradients, SmoothGrad or occlusion was split
	// across the helper pool).
	Workers int `json:"workers,omitempty"`
}

// MaybeFloat is a number that may be missing: JSON writes NaN and
// infinities as null, and null reads back as NaN. A rank correlation of a
// constant map, for one, is NaN, and -1 (what other fields use for "not
// available") is a real correlation.
type MaybeFloat = jsonfloat.Maybe

// CheckReport is the reply to a Check request.
type CheckReport struct {
	Method string `json:"method"`
	Class  int    `json:"class"`
	// Layers are the steps of the cascade from the output down: after
	// step i, Layers[0..i] are all re-initialised. Units is the number of
	// layers with parameters; if it exceeds len(Layers), adjacent layers
	// were merged into one step.
	Layers []CheckLayer `json:"layers"`
	Units  int          `json:"units"`
	// MapH×MapW is the size of the maps in the reply's buffer (the model's
	// input, shrunk to at most 64 pixels a side by averaging).
	MapH int `json:"mapH"`
	MapW int `json:"mapW"`
	// Steps is the number of equal steps of the curves: each curve holds
	// Steps+1 probabilities of Class, at 0, 1/Steps, …, 1 of the pixels
	// deleted (set to 0) or inserted (into a blurred copy of the image).
	Steps           int          `json:"steps"`
	Deletion        []MaybeFloat `json:"deletion"`
	Insertion       []MaybeFloat `json:"insertion"`
	RandomDeletion  []MaybeFloat `json:"randomDeletion"`
	RandomInsertion []MaybeFloat `json:"randomInsertion"`
	// The areas under the curves, over the fraction of pixels in [0, 1].
	DeletionAUC        MaybeFloat `json:"deletionAUC"`
	InsertionAUC       MaybeFloat `json:"insertionAUC"`
	RandomDeletionAUC  MaybeFloat `json:"randomDeletionAUC"`
	RandomInsertionAUC MaybeFloat `json:"randomInsertionAUC"`
	Millis             float64    `json:"millis"`
}

// CheckLayer is one step of the cascade: Name says which layers it
// re-initialised (the top-level layer's index and kind, "6 linear", or an
// imported model's node name), Spearman and SSIM compare the map then
// with the trained model's (NaN when either map is constant).
type CheckLayer struct {
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Spearman MaybeFloat `json:"spearman"`
	SSIM     MaybeFloat `json:"ssim"`
}

// TrainRequest starts a fine-tuning run from the current fine-tuned model
// (or from the original, if Restart or if there is none yet).
type TrainRequest struct {
	Method    string  `json:"method"`
	Lambda    float64 `json:"lambda"`
	LR        float64 `json:"lr"`
	Epochs    int     `json:"epochs"`
	BatchSize int     `json:"batchSize,omitempty"`
	// MaxSteps, if positive, ends the run after that many batches (a quick
	// trial run); the last partial epoch is evaluated.
	MaxSteps int `json:"maxSteps,omitempty"`
	// Restart starts again from the original model.
	Restart bool `json:"restart,omitempty"`
	// Labels of the user's examples, whose images (N×C×H×W) and masks
	// (N×H×W) are the request's two buffers.
	Labels []int  `json:"labels,omitempty"`
	Seed   uint64 `json:"seed,omitempty"`
	// Target is what the saliency maps of the charts' agreement (IoU,
	// mass in the mask) explain (TargetInfo.ID; "" is the logit).
	Target string `json:"target,omitempty"`
}

// Training states.
const (
	StateRunning = "running"
	StatePaused  = "paused"
	StateDone    = "done"    // finished all epochs or stopped early
	StateStopped = "stopped" // stopped by the user
	StateFailed  = "failed"
)

// TrainUpdate reports a training run's progress.
type TrainUpdate struct {
	State   string  `json:"state"`
	Epoch   int     `json:"epoch"`
	Epochs  int     `json:"epochs"`
	Batch   int     `json:"batch"`
	Batches int     `json:"batches"`
	Steps   int     `json:"steps"` // batches run so far in this run
	Loss    float64 `json:"loss"`
	CE      float64 `json:"ce"`
	Penalty float64 `json:"penalty"`
	// EpochEnd is set after each evaluated epoch.
	EpochEnd *EpochReport `json:"epochEnd,omitempty"`
	Message  string       `json:"message,omitempty"`
	// Workers is the number of engine workers whose shards made the
	// step's gradient (1 unless the helper pool splits training).
	Workers int `json:"workers,omitempty"`
}

// EpochReport is one point of the training charts.
type EpochReport struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"trainLoss"`
	ValidLoss float64 `json:"validLoss"`
	ValidAcc  float64 `json:"validAcc"`
	ValidAUC  float64 `json:"validAUC"`
	TestAcc   float64 `json:"testAcc"`
	TestAUC   float64 `json:"testAUC"`
	MeanIoU   float64 `json:"meanIoU"` // test images, input gradient of the true class
	// MeanMass is the mean relevance mass of those maps inside the masks.
	MeanMass float64 `json:"meanMass"`
	// Target is what those maps explain (TrainRequest.Target, "logit" if
	// it was empty); BaseIoU and BaseMass are the original model's
	// agreement on the same images and target, the run's "before".
	Target   string  `json:"target,omitempty"`
	BaseIoU  float64 `json:"baseIoU"`
	BaseMass float64 `json:"baseMass"`
	Best     bool    `json:"best"`
}

// ExportRequest names the model to export.
type ExportRequest struct {
	Model string `json:"model"`
	// Format "onnx" asks for one buffer, the model as ONNX opset 13; ""
	// for the engine's architecture JSON and safetensors weights (built-in
	// networks only).
	Format string `json:"format,omitempty"`
}

// Marshal encodes h as JSON. NaN and infinite numbers, which JSON cannot
// hold, are replaced by -1 in the fields that may carry them.
func Marshal(h *Header) ([]byte, error) {
	sanitize(h)
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("protocol: encoding %s message: %w", h.Kind, err)
	}
	return b, nil
}

// Unmarshal decodes a header.
func Unmarshal(b []byte) (*Header, error) {
	var h Header
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("protocol: decoding message: %w", err)
	}
	if h.Kind == "" {
		return nil, fmt.Errorf("protocol: message without a kind")
	}
	return &h, nil
}

func finite(v *float64) {
	if math.IsNaN(*v) || math.IsInf(*v, 0) {
		*v = -1
	}
}

func sanitize(h *Header) {
	for _, m := range append([]*ModelInfo{h.Model}, modelPtrs(h.Models)...) {
		if m != nil {
			finite(&m.TestAUC)
			finite(&m.TestAcc)
			finite(&m.TestIoU)
			finite(&m.TestMass)
			finite(&m.Lambda)
		}
	}
	if d := h.Decoded; d != nil {
		for _, v := range []*float64{&d.WindowCenter, &d.WindowWidth, &d.DefaultCenter, &d.DefaultWidth} {
			finite(v)
		}
	}
	for _, p := range h.Probs {
		for i := range p {
			finite(&p[i])
		}
	}
	if m := h.Map; m != nil {
		finite(&m.Max)
		finite(&m.Min)
	}
	if u := h.Update; u != nil {
		finite(&u.Loss)
		finite(&u.CE)
		finite(&u.Penalty)
		if e := u.EpochEnd; e != nil {
			for _, v := range []*float64{&e.TrainLoss, &e.ValidLoss, &e.ValidAcc, &e.ValidAUC, &e.TestAcc, &e.TestAUC, &e.MeanIoU, &e.MeanMass, &e.BaseIoU, &e.BaseMass} {
				finite(v)
			}
		}
	}
}

func modelPtrs(ms []ModelInfo) []*ModelInfo {
	p := make([]*ModelInfo, len(ms))
	for i := range ms {
		p[i] = &ms[i]
	}
	return p
}

// FloatBytes returns x as little-endian float32 bytes.
func FloatBytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// Floats decodes little-endian float32 bytes. It returns an error if the
// length is not a multiple of four or want ≥ 0 values are expected and the
// count differs.
func Floats(b []byte, want int) ([]float32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("protocol: %d bytes is not a whole number of float32 values", len(b))
	}
	if want >= 0 && len(b)/4 != want {
		return nil, fmt.Errorf("protocol: got %d float32 values, want %d", len(b)/4, want)
	}
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x, nil
}

// RealIndex is samples/index.json in the built site: the real images
// (DICOM, PNG, JPEG) the app offers beside the data sets' samples, written
// by ../sampleindex at build time.
type RealIndex struct {
	Images []RealImage `json:"images"`
}

// RealImage is one file of the RealIndex. Paths are relative to the index.
type RealImage struct {
	File      string `json:"file"`              // e.g. "dicom/CT_small.dcm"
	Title     string `json:"title"`             // e.g. "CT small"
	Format    string `json:"format"`            // "dicom", "png" or "jpeg"
	Bytes     int    `json:"bytes"`             // file size
	Supported bool   `json:"supported"`         // the app can decode it
	Problem   string `json:"problem,omitempty"` // why not, if not
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Modality  string `json:"modality,omitempty"` // DICOM modality, e.g. "CT"
	Thumb     string `json:"thumb,omitempty"`    // thumbnail PNG, if decodable
	About     string `json:"about,omitempty"`    // what the image shows (SOURCES.md)
	Source    string `json:"source,omitempty"`   // package and licence (SOURCES.md)
}
