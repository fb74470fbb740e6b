package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/safetensors"
)

func mustNet(t testing.TB, spec nn.Spec, seed uint64) *nn.Network {
	t.Helper()
	net, err := nn.New(spec, seed)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func TestPresetsValidate(t *testing.T) {
	for _, s := range []nn.Spec{CrossesCNN(), CNN64([]string{"a", "b"}), ResNet64([]string{"a", "b"})} {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

// TestRoundTrip saves and loads networks (including BatchNorm state) and
// checks identical outputs.
func TestRoundTrip(t *testing.T) {
	for _, spec := range []nn.Spec{CrossesCNN(), ResNet64([]string{"normal", "cardiomegaly"})} {
		net := mustNet(t, spec, 7)
		for i := range net.State {
			net.State[i] = 0.5 + float32(i%7)/10 // non-default running statistics
		}
		arch, weights, err := Save(net, map[string]string{"dataset": "test"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(arch, weights)
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		in := spec.Input.Size()
		x := make([]float32, 2*in)
		for i := range x {
			x[i] = float32(math.Sin(float64(i)))
		}
		a := append([]float32(nil), net.Forward(x, 2, false)...)
		b := got.Forward(x, 2, false)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: logit %d = %v after load, want %v", spec.Name, i, b[i], a[i])
			}
		}
	}
}

// TestLoadRejects is a table of broken files, each with the text its error
// must contain. No network may come back with an error.
func TestLoadRejects(t *testing.T) {
	net := mustNet(t, CrossesCNN(), 1)
	arch, weights, err := Save(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, otherW, _ := Save(mustNet(t, CNN64([]string{"a", "b"}), 1), nil)

	withTensor := func(mut func([]safetensors.Tensor) []safetensors.Tensor) []byte {
		ts, md, err := safetensors.Decode(weights, safetensors.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		delete(md, "spec_sha256")
		var buf bytes.Buffer
		if err := safetensors.Encode(&buf, mut(ts), md); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	nanWeights := append([]byte(nil), weights...)
	hdr := binary.LittleEndian.Uint64(nanWeights[:8])
	binary.LittleEndian.PutUint32(nanWeights[8+hdr:], math.Float32bits(float32(math.NaN())))

	cases := []struct {
		name          string
		arch, weights []byte
		want          string
	}{
		{"empty arch", nil, weights, "not valid JSON"},
		{"arch not json", []byte("{nope"), weights, "not valid JSON"},
		{"wrong format", []byte(`{"format":"keras","version":1,"spec":{}}`), weights, `format "keras"`},
		{"future version", []byte(`{"format":"saliency-explorer-model","version":9,"spec":{}}`), weights, "version 9"},
		{"unknown field", []byte(`{"format":"saliency-explorer-model","version":1,"spec":{},"extra":1}`), weights, "unknown field"},
		{"unknown layer", bytes.Replace(arch, []byte(`"maxpool"`), []byte(`"lstm"`), 1), weights, `unknown layer type "lstm"`},
		{"absurd size", bytes.Replace(arch, []byte(`"H": 28`), []byte(`"H": 100000000`), 1), weights, "out of range"},
		{"huge arch", append(bytes.Repeat([]byte(" "), MaxArchBytes), arch...), weights, "more than"},
		{"truncated weights", arch, weights[:len(weights)-10], "safetensors"},
		{"bad header length", arch, append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, weights[8:]...), "header"},
		{"NaN weight", arch, nanWeights, "NaN"},
		{"weights of another model", arch, otherW, "different architecture"},
		{"missing tensor", arch, withTensor(func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] }), "missing"},
		{"extra tensor", arch, withTensor(func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "layers.99.weight", Shape: []int{1}, Data: []float32{1}})
		}), "not part of architecture"},
		{"wrong shape", arch, withTensor(func(ts []safetensors.Tensor) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "layers.0.weight" {
					ts[i].Shape = []int{8, 9}
				}
			}
			return ts
		}), "has shape [8 9]"},
	}
	for _, tc := range cases {
		got, err := Load(tc.arch, tc.weights)
		if err == nil {
			t.Errorf("%s: Load succeeded", tc.name)
			continue
		}
		if got != nil {
			t.Errorf("%s: a network came back with the error", tc.name)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
		var me *Error
		if !errors.As(err, &me) || !strings.Contains(err.Error(), "make models") {
			t.Errorf("%s: error %q is not a *model.Error saying how to regenerate", tc.name, err)
		}
	}
}

// FuzzLoad checks that no pair of byte strings makes Load panic, and that
// whatever loads has finite weights.
func FuzzLoad(f *testing.F) {
	net, _ := nn.New(CrossesCNN(), 1)
	arch, weights, _ := Save(net, nil)
	f.Add(arch, weights)
	f.Add(arch, weights[:100])
	f.Add([]byte(`{"format":"saliency-explorer-model","version":1,"spec":{"input":{"C":1,"H":2,"W":2},"classes":["a","b"],"layers":[{"type":"flatten"},{"type":"linear","out":2}]}}`), []byte{})
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		a, _ := os.ReadFile(s)
		f.Add(a, weights)
	}
	f.Fuzz(func(t *testing.T, arch, weights []byte) {
		net, err := Load(arch, weights)
		if err != nil {
			if net != nil {
				t.Fatal("network returned with an error")
			}
			return
		}
		if err := net.CheckFinite(); err != nil {
			t.Fatal(err)
		}
	})
}
