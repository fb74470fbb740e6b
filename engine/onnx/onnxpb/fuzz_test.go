package onnxpb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode and DecodeTensor under small
// limits. Neither may panic or return a value with an error, and whatever
// decodes must encode to bytes that decode to the same model. Seeds: the
// sample model, a tensor, and a few of ONNX's backend test files when
// installed.
func FuzzDecode(f *testing.F) {
	f.Add(Encode(sampleModel()))
	f.Add(EncodeTensor(&Tensor{Name: "t", Dims: []int64{2}, DataType: Float, Float: []float32{1, 2}}))
	f.Add([]byte{})
	for _, name := range []string{"test_conv_with_strides_padding", "test_constant", "test_if", "test_maxpool_2d_pads"} {
		if b, err := os.ReadFile(filepath.Join(nodeTestDir, name, "model.onnx")); err == nil {
			f.Add(b)
		}
		if b, err := os.ReadFile(filepath.Join(nodeTestDir, name, "test_data_set_0", "input_0.pb")); err == nil {
			f.Add(b)
		}
	}
	lim := Limits{MaxBytes: 1 << 20, MaxItems: 1 << 12}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, lim)
		if (m == nil) == (err == nil) {
			t.Fatalf("Decode: model %v with error %v", m, err)
		}
		if err == nil {
			e := Encode(m)
			m2, err := Decode(e, lim)
			if err != nil {
				t.Fatalf("re-encoded model does not decode: %v", err)
			}
			if !bytes.Equal(Encode(m2), e) {
				t.Fatal("Encode(Decode(Encode(m))) differs from Encode(m)")
			}
		}
		tt, err := DecodeTensor(b, lim)
		if (tt == nil) == (err == nil) {
			t.Fatalf("DecodeTensor: tensor %v with error %v", tt, err)
		}
		if err == nil {
			if tt.NumElements() != len(tt.Float)+len(tt.Double)+len(tt.Int32)+len(tt.Int64) {
				t.Fatalf("tensor with dims %v holds %d+%d+%d+%d values", tt.Dims, len(tt.Float), len(tt.Double), len(tt.Int32), len(tt.Int64))
			}
			if _, err := DecodeTensor(EncodeTensor(tt), lim); err != nil {
				t.Fatalf("re-encoded tensor does not decode: %v", err)
			}
		}
	})
}
