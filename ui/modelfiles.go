package ui

import (
	"path"
	"strings"
)

// modelFormats names the model files of other frameworks by extension.
var modelFormats = map[string]string{
	".pt":      "a PyTorch",
	".pth":     "a PyTorch",
	".ckpt":    "a checkpoint",
	".h5":      "a Keras (HDF5)",
	".hdf5":    "a Keras (HDF5)",
	".keras":   "a Keras",
	".pb":      "a TensorFlow",
	".tflite":  "a TensorFlow Lite",
	".mlmodel": "a Core ML",
	".pkl":     "a Python pickle",
}

// modelFileMessage says what to do with a model file opened as an image,
// or returns "" if the name is not a model file's.
func modelFileMessage(name string) string {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))
	kind, ok := modelFormats[ext]
	if !ok {
		return ""
	}
	return "“" + name + "” is " + kind + " model file, not an image. Saliency Explorer opens ONNX models and its own model files: use Load model… with an .onnx file (export a PyTorch model with torch.onnx.export), or the .json and .safetensors pair that Export model writes; images open as PNG, JPEG or DICOM."
}

// loadedModelName names a model loaded from files after its architecture
// file ("my-model.json" → "my-model"), so it does not carry the name of the
// shipped model it was exported from.
func loadedModelName(archFile string) string {
	name := path.Base(strings.ReplaceAll(archFile, "\\", "/"))
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if name == "" || name == "." || name == "/" {
		return "your model"
	}
	return name
}
