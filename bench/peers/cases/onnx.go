package cases

import (
	"fmt"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/onnx"
	"saliencyexplorer/engine/onnx/onnxpb"
)

// ONNXBench is a model imported from an .onnx file into the graph engine,
// as the app imports one, for the forward pass against ONNX Runtime Web on
// the same file (bench-peers' ONNX table).
type ONNXBench struct {
	Graph *graph.Graph
	// InputShape is the input's shape without the batch axis.
	InputShape []int
	x          []float32
}

// LoadONNX decodes and imports an .onnx file (the default limits, the
// final Softmax, if any, removed as the app does).
func LoadONNX(file []byte) (*ONNXBench, error) {
	pb, err := onnxpb.Decode(file, onnxpb.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("decoding the ONNX file: %w", err)
	}
	im, err := onnx.Import(pb, onnx.Options{})
	if err != nil {
		return nil, fmt.Errorf("importing the ONNX model: %w", err)
	}
	return &ONNXBench{Graph: im.Graph, InputShape: im.InputShape[1:]}, nil
}

// SetInput sets the batch-1 input that Forward runs on.
func (o *ONNXBench) SetInput(x []float32) error {
	size := 1
	for _, d := range o.InputShape {
		size *= d
	}
	if len(x) != size {
		return fmt.Errorf("input has %d values, want %v", len(x), o.InputShape)
	}
	o.x = append(o.x[:0], x...)
	return nil
}

// Forward runs the graph on the input and returns a copy of the logits.
func (o *ONNXBench) Forward() []float32 {
	return append([]float32(nil), o.Graph.Forward(o.x, 1, false)...)
}

// Run is Forward without the copy: the timed case.
func (o *ONNXBench) Run() {
	o.Graph.Forward(o.x, 1, false)
}
