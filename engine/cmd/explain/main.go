// Command explain runs a model on images and explains its prediction with a
// saliency method, for researchers who script the engine:
//
//	go run ./engine/cmd/explain -model FILE(.onnx|.json) -input FILE(.npy|.png|.jpg|.dcm)
//	    [-method grad|gradxinput|smoothgrad|ig|gradcam|occlusion] [-class N]
//	    [-json OUT.json] [-map OUT.npy] [-png OUT.png]
//
// It prints, per input, the predicted class and the top probabilities. The
// JSON holds the raw logits (the values before a final Softmax, if the
// model ends in one), the probabilities and the class explained (default:
// the top one). -map writes the method's raw attribution as float32 .npy,
// shape C×H×W, signed, before absolute value and channel reduction (for
// grad exactly ∂f_c/∂x; Grad-CAM and occlusion, which are per pixel, give
// 1×H×W); -png writes the heat map over the image.
//
// A .npy input is used as the model's input tensor as it is (shape with
// N = 1 or without the batch axis); an image (PNG, JPEG or DICOM) goes
// through the model's preprocessing: the resize and normalization stored in
// the model's metadata (see engine/preproc), or those of -resize,
// -normalize, -mean and -std. Several -input flags, or a folder, run as a
// batch with one line per input; -map and -png then name folders, and the
// JSON is an array. A .json model is the engine's own architecture file,
// with its weights in the .safetensors file of the same name (or -weights).
//
// An input that cannot be read is reported on its line and the others still
// run; the exit status is 1 if any input failed, 2 for bad arguments.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
