package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// rawFile builds a file from a header string (not padded) and a buffer.
func rawFile(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, buf...)
}

// le32 returns the little-endian bytes of float32 values.
func le32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// le64 returns the little-endian bytes of float64 values.
func le64(vals ...float64) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// le16 returns the little-endian bytes of raw binary16 values.
func le16(bits ...uint16) []byte {
	var b []byte
	for _, v := range bits {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return b
}

// sameTensors reports whether a and b hold the same names, shapes and
// bit-identical data, in the same order. It treats nil and empty slices
// as equal.
func sameTensors(a, b []Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Shape) != len(b[i].Shape) || len(a[i].Data) != len(b[i].Data) {
			return false
		}
		for j := range a[i].Shape {
			if a[i].Shape[j] != b[i].Shape[j] {
				return false
			}
		}
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				return false
			}
		}
	}
	return true
}

// sameMetadata reports whether a and b hold the same entries, treating nil
// and empty maps as equal.
func sameMetadata(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func seq(n int, scale float32) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i-n/2) * scale
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	tensors := []Tensor{
		{Name: "conv1.weight", Shape: []int{2, 1, 3, 3}, Data: seq(18, 0.125)},
		{Name: "conv1.bias", Shape: []int{2}, Data: []float32{-0.5, float32(math.Copysign(0, -1))}},
		{Name: "scale", Shape: []int{}, Data: []float32{math.MaxFloat32}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: "fc.weight", Shape: []int{1, 2, 1, 2, 1}, Data: []float32{math.SmallestNonzeroFloat32, 1e-20, 3, -4}},
		{Name: "name with \"quotes\", <html> & ünïcödé", Shape: []int{3}, Data: []float32{1, 2, 3}},
	}
	metadata := map[string]string{"format": "pt", "arch": `{"layers":[{"type":"conv"}]}`}
	for _, meta := range []map[string]string{metadata, nil} {
		var buf bytes.Buffer
		if err := Encode(&buf, tensors, meta); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		data := buf.Bytes()
		n := binary.LittleEndian.Uint64(data)
		if n%8 != 0 {
			t.Errorf("header length %d is not a multiple of 8", n)
		}
		got, gotMeta, err := Decode(data, DefaultLimits())
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if !sameTensors(got, tensors) {
			t.Errorf("Decode(Encode(tensors)) = %v, want %v", got, tensors)
		}
		if !sameMetadata(gotMeta, meta) {
			t.Errorf("metadata = %v, want %v", gotMeta, meta)
		}
		if meta == nil && gotMeta != nil {
			t.Errorf("metadata = %#v, want nil for a file without metadata", gotMeta)
		}
	}
}

func TestRoundTripEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, nil, nil); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	want := rawFile("{}      ", nil)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode(nil, nil) = %q, want %q", buf.Bytes(), want)
	}
	got, meta, err := Decode(buf.Bytes(), DefaultLimits())
	if err != nil || len(got) != 0 || meta != nil {
		t.Errorf("Decode = %v, %v, %v; want no tensors, nil metadata, nil error", got, meta, err)
	}
}

// TestEncodeBytes checks Encode against a file built by hand from the
// format description.
func TestEncodeBytes(t *testing.T) {
	tensors := []Tensor{
		{Name: "b", Shape: []int{}, Data: []float32{0.5}},
		{Name: "a", Shape: []int{2}, Data: []float32{1, -2}},
	}
	meta := map[string]string{"format": "pt"}

	header := `{"__metadata__":{"format":"pt"},` +
		`"b":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
	// 85 + 53 = 138 bytes of JSON, padded with 6 spaces to 144 = 0x90.
	header += "      "
	want := []byte{0x90, 0, 0, 0, 0, 0, 0, 0}
	want = append(want, header...)
	want = append(want,
		0x00, 0x00, 0x00, 0x3f, // 0.5
		0x00, 0x00, 0x80, 0x3f, // 1.0
		0x00, 0x00, 0x00, 0xc0, // -2.0
	)
	if len(header) != 0x90 {
		t.Fatalf("test bug: hand-built header is %d bytes, want 144", len(header))
	}

	var buf bytes.Buffer
	if err := Encode(&buf, tensors, meta); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode:\n got %q\nwant %q", buf.Bytes(), want)
	}

	got, gotMeta, err := Decode(want, DefaultLimits())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !sameTensors(got, tensors) || !sameMetadata(gotMeta, meta) {
		t.Errorf("Decode = %v, %v; want %v, %v", got, gotMeta, tensors, meta)
	}
}

// TestDecodeOrder checks that tensors come back ordered by data offset
// (ties between empty tensors broken by name), not in header order.
func TestDecodeOrder(t *testing.T) {
	header := `{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},` +
		`"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},` +
		`"y":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},` +
		`"v":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"__metadata__":null}`
	got, meta, err := Decode(rawFile(header, le32(1, 2)), DefaultLimits())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	var names []string
	for _, ts := range got {
		names = append(names, ts.Name)
	}
	if want := []string{"v", "y", "z", "w"}; !reflect.DeepEqual(names, want) {
		t.Errorf("order = %v, want %v", names, want)
	}
	if meta != nil {
		t.Errorf("metadata = %v, want nil for null __metadata__", meta)
	}
}

func TestDecodePadding(t *testing.T) {
	header := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}` + "   \n\t "
	got, _, err := Decode(rawFile(header, le32(7)), DefaultLimits())
	if err != nil {
		t.Fatalf("Decode of whitespace-padded header: %v", err)
	}
	if len(got) != 1 || got[0].Data[0] != 7 {
		t.Errorf("Decode = %v, want one tensor holding 7", got)
	}
}

func TestDecodeConversions(t *testing.T) {
	f16 := []uint16{
		0x3c00, // 1
		0xc000, // -2
		0x3555, // 0x1.554p-2
		0x0001, // smallest subnormal, 2^-24
		0x83ff, // largest negative subnormal
		0x7bff, // 65504, the largest finite
		0x8000, // -0
		0x0400, // smallest normal, 2^-14
	}
	wantF16 := []float32{1, -2, 0x1.554p-2, 0x1p-24, -0x3ffp-24, 65504, float32(math.Copysign(0, -1)), 0x1p-14}
	f64 := []float64{0.1, -3.5, 1e-50, math.MaxFloat32, -1e300 * 1e-300}
	wantF64 := []float32{float32(0.1), -3.5, 0, math.MaxFloat32, -1}

	header := `{"h":{"dtype":"F16","shape":[2,4],"data_offsets":[0,16]},` +
		`"d":{"dtype":"F64","shape":[5],"data_offsets":[16,56]}}`
	buf := append(le16(f16...), le64(f64...)...)
	got, _, err := Decode(rawFile(header, buf), DefaultLimits())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := []Tensor{
		{Name: "h", Shape: []int{2, 4}, Data: wantF16},
		{Name: "d", Shape: []int{5}, Data: wantF64},
	}
	if !sameTensors(got, want) {
		t.Errorf("Decode = %v, want %v", got, want)
	}

	// Every finite binary16 value converts exactly: check against a
	// float64 evaluation of the definition.
	for h := 0; h < 1<<16; h++ {
		exp, mant := (h>>10)&0x1f, h&0x3ff
		var w float64
		switch exp {
		case 0x1f:
			continue
		case 0:
			w = math.Ldexp(float64(mant), -24)
		default:
			w = math.Ldexp(float64(mant|0x400), exp-25)
		}
		if h&0x8000 != 0 {
			w = -w
		}
		if got := float16to32(uint16(h)); float64(got) != w || math.Signbit(float64(got)) != math.Signbit(w) {
			t.Fatalf("float16to32(%#04x) = %v, want %v", h, got, w)
		}
	}
}

func TestDecodeLimitsDefaults(t *testing.T) {
	// A zero Limits means DefaultLimits, not "nothing allowed".
	header := `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	if _, _, err := Decode(rawFile(header, le32(1)), Limits{}); err != nil {
		t.Errorf("Decode with zero Limits: %v", err)
	}
}

// entryJSON builds a header entry.
func entryJSON(name, dtype, shape, offsets string) string {
	return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
}

func TestDecodeErrors(t *testing.T) {
	one := entryJSON("a", "F32", "[1]", "[0,4]")
	nineDims := "[1,1,1,1,1,1,1,1,1]"
	tests := []struct {
		name        string
		data        []byte
		lim         Limits // zero means DefaultLimits
		want        string // substring of the error message
		unsupported bool   // want *UnsupportedError rather than *FormatError
	}{
		{name: "empty file", data: nil, want: "file is 0 bytes, shorter than the 8-byte header length"},
		{name: "short file", data: []byte{1, 2, 3}, want: "shorter than the 8-byte"},
		{name: "zero header length", data: make([]byte, 8), want: "header length is 0"},
		{name: "header longer than file", data: append([]byte{100, 0, 0, 0, 0, 0, 0, 0}, "{}"...), want: "header length 100 is larger than the remaining 2 bytes"},
		{name: "absurd header length", data: []byte{0, 0, 0, 0, 0, 0, 0, 0x40, '{', '}'}, want: "absurd size"},
		{name: "max uint64 header length", data: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'}, want: "absurd size"},
		{name: "header over custom limit", data: rawFile(`{}      `, nil), lim: Limits{MaxHeaderBytes: 4}, want: "header length 8 exceeds the limit of 4 bytes"},
		{name: "invalid JSON", data: rawFile(`{nope}`, nil), want: "header is not valid JSON"},
		{name: "truncated JSON", data: rawFile(`{"a":{"dtype":`, nil), want: `tensor "a": header JSON ends unexpectedly`},
		{name: "header is array", data: rawFile(`[1,2]`, nil), want: "header is not a JSON object (starts with an array)"},
		{name: "header is string", data: rawFile(`"x"`, nil), want: "header is not a JSON object (starts with a string)"},
		{name: "trailing JSON", data: rawFile(`{} {}`, nil), want: "unexpected an object after the header object"},
		{name: "NUL padding", data: rawFile("{}\x00\x00", nil), want: "after the header object"},
		{name: "entry not object", data: rawFile(`{"a":5}`, nil), want: `tensor "a": header entry is a number, not a JSON object`},
		{name: "missing dtype", data: rawFile(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, le32(1)), want: `tensor "a": header entry has no dtype`},
		{name: "missing shape", data: rawFile(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, le32(1)), want: `tensor "a": header entry has no shape`},
		{name: "missing offsets", data: rawFile(`{"a":{"dtype":"F32","shape":[1]}}`, le32(1)), want: `tensor "a": header entry has no data_offsets`},
		{name: "dtype not string", data: rawFile(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, le32(1)), want: "dtype is a number, not a string"},
		{name: "shape not array", data: rawFile(`{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}`, le32(1)), want: "shape is a string, not an array of integers"},
		{name: "shape has float", data: rawFile(`{`+entryJSON("a", "F32", "[2.5]", "[0,4]")+`}`, le32(1)), want: "shape contains 2.5, which is not an integer"},
		{name: "shape has null", data: rawFile(`{`+entryJSON("a", "F32", "[null]", "[0,4]")+`}`, le32(1)), want: "shape contains null, not an integer"},
		{name: "shape has nested array", data: rawFile(`{`+entryJSON("a", "F32", "[[1]]", "[0,4]")+`}`, le32(1)), want: "shape contains an array"},
		{name: "huge dim", data: rawFile(`{`+entryJSON("a", "F32", "[1e400]", "[0,4]")+`}`, le32(1)), want: "shape contains 1e400, which is not an integer in range"},
		{name: "dim beyond int64", data: rawFile(`{`+entryJSON("a", "F32", "[9223372036854775808]", "[0,4]")+`}`, le32(1)), want: "not an integer in range"},
		{name: "negative dim", data: rawFile(`{`+entryJSON("a", "F32", "[-1,3]", "[0,4]")+`}`, le32(1)), want: `tensor "a": negative dimension -1 in shape [-1 3]`},
		{name: "negative dim after zero", data: rawFile(`{`+entryJSON("a", "F32", "[0,-3]", "[0,0]")+`}`, nil), want: "negative dimension -3"},
		{name: "element count overflow", data: rawFile(`{`+entryJSON("a", "F32", "[4294967296,4294967296,4294967296]", "[0,4]")+`}`, le32(1)), want: "element count of shape [4294967296 4294967296 4294967296] overflows"},
		{name: "element count overflow to zero", data: rawFile(`{`+entryJSON("a", "F32", "[4294967296,4294967296]", "[0,0]")+`}`, nil), want: "overflows"},
		{name: "too many elements", data: rawFile(`{`+entryJSON("a", "F32", "[65536,65536]", "[0,4]")+`}`, le32(1)), want: "above the limit of 67108864"},
		{name: "too many elements in total", data: rawFile(`{`+entryJSON("a", "F32", "[2]", "[0,8]")+","+entryJSON("b", "F32", "[2]", "[8,16]")+`}`, le32(1, 2, 3, 4)), lim: Limits{MaxTotalElements: 3}, want: `tensor "b": shape [2] brings the total element count above the limit of 3`},
		{name: "rank over limit", data: rawFile(`{`+entryJSON("a", "F32", nineDims, "[0,4]")+`}`, le32(1)), want: "shape has more than the limit of 8 dimensions"},
		{name: "too many tensors", data: rawFile(`{`+entryJSON("a", "F32", "[0]", "[0,0]")+","+entryJSON("b", "F32", "[0]", "[0,0]")+","+entryJSON("c", "F32", "[0]", "[0,0]")+`}`, nil), lim: Limits{MaxTensors: 2}, want: "more than the limit of 2 tensors"},
		{name: "offsets not array", data: rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":{}}}`, le32(1)), want: "data_offsets is an object, not an array of integers"},
		{name: "one offset", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[4]")+`}`, le32(1)), want: "data_offsets has 1 values, want 2"},
		{name: "three offsets", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[0,4,8]")+`}`, le32(1, 2)), want: "data_offsets has more than 2 values"},
		{name: "negative offset", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[-4,0]")+`}`, le32(1)), want: "data_offsets contains negative offset -4"},
		{name: "string offset", data: rawFile(`{`+entryJSON("a", "F32", "[1]", `["0",4]`)+`}`, le32(1)), want: "data_offsets contains a string, not an integer"},
		{name: "offsets mismatch shape", data: rawFile(`{`+entryJSON("conv1.weight", "F32", "[3,3]", "[0,100]")+`}`, make([]byte, 100)), want: `safetensors: tensor "conv1.weight": data_offsets [0 100] do not match shape [3 3] of F32 (36 bytes)`},
		{name: "offsets mismatch F16", data: rawFile(`{`+entryJSON("a", "F16", "[2]", "[0,8]")+`}`, make([]byte, 8)), want: "do not match shape [2] of F16 (4 bytes)"},
		{name: "begin after end", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[8,4]")+`}`, make([]byte, 8)), want: "data_offsets [8 4] begin after they end"},
		{name: "offsets beyond buffer", data: rawFile(`{`+entryJSON("a", "F32", "[2]", "[0,8]")+`}`, le32(1)), want: "data_offsets [0 8] exceed the 4-byte data buffer"},
		{name: "huge offsets", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[9223372036854775803,9223372036854775807]")+`}`, le32(1)), want: "exceed the 4-byte data buffer"},
		{name: "truncated data", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[0,4]")+","+entryJSON("b", "F32", "[2]", "[4,12]")+`}`, le32(1, 2)), want: `tensor "b": data_offsets [4 12] exceed the 8-byte data buffer`},
		{name: "overlap", data: rawFile(`{`+entryJSON("a", "F32", "[2]", "[0,8]")+","+entryJSON("b", "F32", "[2]", "[4,12]")+`}`, le32(1, 2, 3)), want: `tensor "b": data_offsets [4 12] overlap tensor "a", which ends at 8`},
		{name: "same offsets", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[0,4]")+","+entryJSON("b", "F32", "[1]", "[0,4]")+`}`, le32(1)), want: `overlap tensor "a"`},
		{name: "hole", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[0,4]")+","+entryJSON("b", "F32", "[1]", "[8,12]")+`}`, le32(1, 2, 3)), want: "bytes [4 8) of the data buffer are not covered by any tensor"},
		{name: "hole at start", data: rawFile(`{`+entryJSON("a", "F32", "[1]", "[4,8]")+`}`, le32(1, 2)), want: "bytes [0 4) of the data buffer are not covered"},
		{name: "empty tensor in hole", data: rawFile(`{`+entryJSON("a", "F32", "[0]", "[4,4]")+`}`, le32(1)), want: "bytes [0 4) of the data buffer are not covered"},
		{name: "trailing bytes", data: rawFile(`{`+one+`}`, le32(1, 2)), want: "data buffer is 8 bytes but tensors cover only 4 (trailing bytes)"},
		{name: "data without tensors", data: rawFile(`{}`, []byte{0}), want: "trailing bytes"},
		{name: "duplicate name", data: rawFile(`{`+one+","+entryJSON("a", "F32", "[1]", "[4,8]")+`}`, le32(1, 2)), want: `tensor "a": duplicate tensor name`},
		{name: "duplicate field", data: rawFile(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, le32(1)), want: `tensor "a": duplicate field "dtype"`},
		{name: "unknown field", data: rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`, le32(1)), want: `unknown field "extra"`},
		{name: "duplicate metadata", data: rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), want: "duplicate __metadata__ entry"},
		{name: "duplicate metadata key", data: rawFile(`{"__metadata__":{"k":"a","k":"b"}}`, nil), want: `duplicate __metadata__ key "k"`},
		{name: "metadata not object", data: rawFile(`{"__metadata__":"x"}`, nil), want: "__metadata__ is a string, not a JSON object"},
		{name: "metadata value number", data: rawFile(`{"__metadata__":{"epochs":10}}`, nil), want: `__metadata__ value for key "epochs" is a number, not a string`},
		{name: "metadata value object", data: rawFile(`{"__metadata__":{"cfg":{"a":"b"}}}`, nil), want: `value for key "cfg" is an object, not a string`},
		{name: "unknown dtype", data: rawFile(`{`+entryJSON("a", "F33", "[1]", "[0,4]")+`}`, le32(1)), want: `tensor "a": unknown dtype "F33"`},
		{name: "NaN", data: rawFile(`{`+entryJSON("w", "F32", "[3]", "[0,12]")+`}`, le32(1, float32(math.NaN()), 3)), want: `tensor "w": contains NaN at index 1`},
		{name: "+Inf", data: rawFile(`{`+entryJSON("w", "F32", "[2]", "[0,8]")+`}`, le32(1, float32(math.Inf(1)))), want: `tensor "w": contains +Inf at index 1`},
		{name: "F16 -Inf", data: rawFile(`{`+entryJSON("h", "F16", "[2]", "[0,4]")+`}`, le16(0x3c00, 0xfc00)), want: `tensor "h": contains -Inf at index 1`},
		{name: "F16 NaN", data: rawFile(`{`+entryJSON("h", "F16", "[]", "[0,2]")+`}`, le16(0x7e00)), want: `tensor "h": contains NaN at index 0`},
		{name: "F64 NaN", data: rawFile(`{`+entryJSON("d", "F64", "[2]", "[0,16]")+`}`, le64(0, math.NaN())), want: `tensor "d": contains NaN at index 1`},
		{name: "BF16", data: rawFile(`{`+entryJSON("a", "BF16", "[1]", "[0,2]")+`}`, []byte{0, 0}), want: `safetensors: unsupported: tensor "a": dtype BF16`, unsupported: true},
		{name: "I64", data: rawFile(`{`+entryJSON("a", "I64", "[1]", "[0,8]")+`}`, make([]byte, 8)), want: "dtype I64", unsupported: true},
		{name: "F64 out of float32 range", data: rawFile(`{`+entryJSON("d", "F64", "[2]", "[0,16]")+`}`, le64(1, -1e39)), want: `tensor "d": F64 value -1e+39 at index 1 is outside the float32 range`, unsupported: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := tt.lim
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			tensors, meta, err := Decode(tt.data, lim)
			if err == nil {
				t.Fatalf("Decode succeeded with %v, %v; want error containing %q", tensors, meta, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode error = %q, want it to contain %q", err, tt.want)
			}
			if tensors != nil || meta != nil {
				t.Errorf("Decode returned tensors %v and metadata %v alongside error %v", tensors, meta, err)
			}
			var fe *FormatError
			var ue *UnsupportedError
			if tt.unsupported && !errors.As(err, &ue) {
				t.Errorf("Decode error %v is a %T, want *UnsupportedError", err, err)
			}
			if !tt.unsupported && !errors.As(err, &fe) {
				t.Errorf("Decode error %v is a %T, want *FormatError", err, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     string
	}{
		{"length mismatch", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1, 2, 3}}}, nil, `tensor "a": shape [2 2] has 4 elements but Data has 3`},
		{"negative dim", []Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, nil, "invalid shape [-1]"},
		{"overflow", []Tensor{{Name: "a", Shape: []int{1 << 40, 1 << 40}, Data: nil}}, nil, "invalid shape"},
		{"duplicate", []Tensor{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{2}}}, nil, `duplicate tensor name "a"`},
		{"reserved name", []Tensor{{Name: "__metadata__", Data: []float32{1}}}, nil, "reserved"},
		{"invalid UTF-8 name", []Tensor{{Name: "a\xff", Data: []float32{1}}}, nil, "not valid UTF-8"},
		{"invalid UTF-8 metadata", nil, map[string]string{"k": "\xfe"}, `metadata value for key "k" is not valid UTF-8`},
		{"NaN", []Tensor{{Name: "a", Shape: []int{2}, Data: []float32{0, float32(math.NaN())}}}, nil, `tensor "a" has NaN at index 1`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Encode(&buf, tt.tensors, tt.metadata)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Encode error = %v, want it to contain %q", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Encode wrote %d bytes before failing validation", tt.name, buf.Len())
		}
	}
}

// failWriter fails after n successful writes.
type failWriter struct{ n int }

var errWrite = errors.New("write failed")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errWrite
	}
	w.n--
	return len(p), nil
}

func TestEncodeWriteError(t *testing.T) {
	ts := []Tensor{{Name: "a", Shape: []int{3}, Data: []float32{1, 2, 3}}}
	for n := 0; n < 3; n++ {
		if err := Encode(&failWriter{n: n}, ts, nil); err != errWrite {
			t.Errorf("Encode with writer failing after %d writes: error = %v, want %v", n, err, errWrite)
		}
	}
}
