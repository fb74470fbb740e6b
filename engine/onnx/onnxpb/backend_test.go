package onnxpb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// nodeTestDir is where Debian's libonnx-testdata installs ONNX's backend
// node tests: model.onnx and test_data_set_*/{input,output}_*.pb per test.
const nodeTestDir = "/usr/lib/python3/dist-packages/onnx/backend/test/data/node"

// backendFiles returns the node tests' model and tensor files, or skips
// (fails under CI=true) when the package is not installed.
func backendFiles(t testing.TB) (models, tensors []string) {
	t.Helper()
	models, _ = filepath.Glob(filepath.Join(nodeTestDir, "*", "model.onnx"))
	tensors, _ = filepath.Glob(filepath.Join(nodeTestDir, "*", "test_data_set_*", "*.pb"))
	if len(models) == 0 {
		msg := "ONNX backend tests not found under " + nodeTestDir + " (apt-get install libonnx-testdata)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires them")
		}
		t.Skip(msg)
	}
	return models, tensors
}

// TestBackendFilesDecode decodes every model and tensor file of ONNX's
// backend node tests, written by ONNX's own Python tools: each must decode,
// or be refused as unsupported (a data type this package does not carry),
// never be called invalid; and each decoded model must survive an
// Encode/Decode round trip unchanged.
func TestBackendFilesDecode(t *testing.T) {
	models, tensors := backendFiles(t)
	var okModels, unsupModels, okTensors, unsupTensors int
	for _, p := range models {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(b, Limits{})
		var ue *UnsupportedError
		switch {
		case errors.As(err, &ue):
			unsupModels++
			continue
		case err != nil:
			t.Errorf("%s: %v", p, err)
			continue
		}
		okModels++
		if m.Graph == nil || len(m.Graph.Nodes) == 0 || len(m.OpsetImport) == 0 {
			t.Errorf("%s: no graph, nodes or opset: %+v", p, m)
			continue
		}
		again, err := Decode(Encode(m), Limits{})
		if err != nil {
			t.Errorf("%s: re-encoded model: %v", p, err)
			continue
		}
		if !equalModels(again, m) {
			t.Errorf("%s: Decode(Encode(m)) differs from m", p)
		}
	}
	cache := map[string]*Model{}
	for _, p := range tensors {
		if !tensorFile(t, p, cache) {
			continue // a SequenceProto or OptionalProto
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = DecodeTensor(b, Limits{})
		var ue *UnsupportedError
		switch {
		case errors.As(err, &ue):
			unsupTensors++
		case err != nil:
			t.Errorf("%s: %v", p, err)
		default:
			okTensors++
		}
	}
	t.Logf("models: %d decoded, %d unsupported; tensors: %d decoded, %d unsupported", okModels, unsupModels, okTensors, unsupTensors)
	if okModels < len(models)/2 || okTensors < len(tensors)/2 {
		t.Errorf("fewer than half of the files decoded")
	}
}

// equalModels compares two models by their encoding, which also handles
// NaN values in tensors.
func equalModels(a, b *Model) bool { return string(Encode(a)) == string(Encode(b)) }

// tensorFile reports whether the backend test file p (…/test_x/
// test_data_set_0/input_1.pb) holds a tensor: whether the model's value
// it stands for is declared a tensor. cache holds the models decoded so far.
func tensorFile(t testing.TB, p string, cache map[string]*Model) bool {
	dir := filepath.Dir(filepath.Dir(p))
	m, seen := cache[dir]
	if !seen {
		b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		m, _ = Decode(b, Limits{})
		cache[dir] = m
	}
	if m == nil {
		return true // decode the tensor anyway
	}
	base := filepath.Base(p)
	list := m.Graph.Inputs
	var i int
	if _, err := fmt.Sscanf(base, "input_%d.pb", &i); err != nil {
		list = m.Graph.Outputs
		if _, err := fmt.Sscanf(base, "output_%d.pb", &i); err != nil {
			t.Fatalf("%s: not an input_N.pb or output_N.pb", p)
		}
	}
	return i >= len(list) || !list[i].NotTensor
}
