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
)

// Kind names a message type.
type Kind string

// Requests from the page to the worker.
const (
	// Init asks the worker to load its model and built-in samples. Buffers:
	// none, or [arch, weights] of a model to load instead of the shipped one.
	Init Kind = "init"
	// Decode asks for an image file to be decoded to model input.
	// Buffers: [file bytes]. Reply: Decoded, buffers [input float32].
	Decode Kind = "decode"
	// Predict asks for class probabilities. Buffers: [input float32].
	// Reply: Probs (one per model in Predict.Models order... see PredictRequest).
	Predict Kind = "predict"
	// Saliency asks for a saliency map. Buffers: [input float32].
	// Reply: Map, buffers [map float32 H×W]; Progress messages before it.
	Saliency Kind = "saliency"
	// Train starts fine-tuning (see TrainRequest). Buffers: [images, masks]
	// of the user's own examples (possibly empty). Replies: TrainUpdate
	// messages until the run ends.
	Train Kind = "train"
	// Export asks for a model's files. Reply: buffers [arch JSON, weights].
	Export Kind = "export"
	// LoadModel replaces the model. Buffers: [arch JSON, weights].
	// Reply: Model.
	LoadModel Kind = "load-model"

	// Cancel stops the request Target (a saliency map or training run).
	Cancel Kind = "cancel"
	// Pause and Resume pause and resume the running training.
	Pause  Kind = "pause"
	Resume Kind = "resume"
)

// Replies from the worker to the page.
const (
	Ready    Kind = "ready"    // reply to Init and LoadModel: Model, Samples
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

	Model    *ModelInfo       `json:"model,omitempty"`
	Samples  []Sample         `json:"samples,omitempty"`
	Decoded  *Decoded         `json:"decoded,omitempty"`
	Predict  *PredictRequest  `json:"predict,omitempty"`
	Probs    [][]float64      `json:"probs,omitempty"`
	Saliency *SaliencyRequest `json:"saliency,omitempty"`
	Map      *MapInfo         `json:"map,omitempty"`
	Done     int              `json:"done,omitempty"`
	Total    int              `json:"total,omitempty"`
	Train    *TrainRequest    `json:"train,omitempty"`
	Update   *TrainUpdate     `json:"update,omitempty"`
	Export   *ExportRequest   `json:"export,omitempty"`
}

// ModelInfo describes the loaded model.
type ModelInfo struct {
	Name     string   `json:"name"`
	Dataset  string   `json:"dataset"`
	Method   string   `json:"method"` // how it was trained
	C        int      `json:"c"`
	H        int      `json:"h"`
	W        int      `json:"w"`
	Classes  []string `json:"classes"`
	Params   int      `json:"params"`
	TestAUC  float64  `json:"testAUC"`
	TestAcc  float64  `json:"testAccuracy"`
	TestIoU  float64  `json:"testIoU"`
	Source   string   `json:"source"` // "shipped", "starter" (trained in the browser) or "file"
	HasTuned bool     `json:"hasTuned"`
}

// Sample is a built-in example image. Its PNG, reference mask (PNG, white
// inside) and nothing else travel as buffers of the Ready message, two per
// sample in order.
type Sample struct {
	Key   string `json:"key"`   // stable name, e.g. "crosses-test-3"
	Label int    `json:"label"` // true class
	Title string `json:"title"`
}

// Decoded describes a decoded user image.
type Decoded struct {
	Format string `json:"format"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Color  bool   `json:"color"`
}

// PredictRequest asks for predictions by one or more models.
type PredictRequest struct {
	Models []string `json:"models"` // Original and/or Tuned; Probs follows this order
}

// SaliencyRequest asks for one map.
type SaliencyRequest struct {
	Method  string  `json:"method"`
	Model   string  `json:"model"` // Original or Tuned
	Class   int     `json:"class"`
	Blur    float64 `json:"blur,omitempty"`
	Samples int     `json:"samples,omitempty"`
	Steps   int     `json:"steps,omitempty"`
	Window  int     `json:"window,omitempty"`
}

// MapInfo describes a saliency map in the reply's first buffer.
type MapInfo struct {
	H      int     `json:"h"`
	W      int     `json:"w"`
	Max    float64 `json:"max"` // the largest value, for the colour bar
	Min    float64 `json:"min"`
	Millis float64 `json:"millis"` // time taken
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
	Best      bool    `json:"best"`
}

// ExportRequest names the model to export.
type ExportRequest struct {
	Model string `json:"model"`
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
	if m := h.Model; m != nil {
		finite(&m.TestAUC)
		finite(&m.TestAcc)
		finite(&m.TestIoU)
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
			for _, v := range []*float64{&e.TrainLoss, &e.ValidLoss, &e.ValidAcc, &e.ValidAUC, &e.TestAcc, &e.TestAUC, &e.MeanIoU} {
				finite(v)
			}
		}
	}
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
