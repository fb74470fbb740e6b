package onnxpb

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// sampleModel uses every field Decode keeps: every decodable attribute
// type, the undecoded ones, tensors of the four data types, shapes with
// values, symbols and unknown dims, metadata.
func sampleModel() *Model {
	return &Model{
		IRVersion:       8,
		OpsetImport:     []OperatorSet{{Domain: "", Version: 13}, {Domain: "com.example", Version: 1}},
		ProducerName:    "pytorch",
		ProducerVersion: "1.13.1",
		Domain:          "org.example",
		ModelVersion:    3,
		DocString:       "a test model",
		MetadataProps:   []StringPair{{"se.normalize", "imagenet"}, {"se.labels", "cat\ndog"}},
		Graph: &Graph{
			Name:      "main",
			DocString: "graph doc",
			Nodes: []*Node{
				{Name: "conv1", OpType: "Conv", Inputs: []string{"x", "w", ""}, Outputs: []string{"y"},
					Attributes: []*Attribute{
						{Name: "pads", Type: AttrInts, Ints: []int64{1, 1, -1, 1 << 40}},
						{Name: "alpha", Type: AttrFloat, F: -0.25},
						{Name: "group", Type: AttrInt, I: -7},
						{Name: "auto_pad", Type: AttrString, S: []byte("SAME_UPPER")},
						{Name: "scales", Type: AttrFloats, Floats: []float32{0.5, float32(math.Inf(1)), -3}},
						{Name: "modes", Type: AttrStrings, Strings: [][]byte{[]byte("a"), []byte("bc")}},
					}},
				{OpType: "Constant", Domain: "", Outputs: []string{"c"}, DocString: "node doc",
					Attributes: []*Attribute{{Name: "value", Type: AttrTensor, DocString: "attr doc",
						T: &Tensor{Name: "cv", Dims: []int64{2}, DataType: Int64, Int64: []int64{-1, 1 << 50}}}}},
				{OpType: "Custom", Domain: "com.example", Inputs: []string{"y"}, Outputs: []string{"z"},
					Attributes: []*Attribute{
						{Name: "ts", Type: AttrTensors, Tensors: []*Tensor{
							{Dims: []int64{1, 2}, DataType: Double, Double: []float64{1.5, -2}},
							{DataType: Int32, Int32: []int32{-9}},
						}},
						{Name: "body", Type: AttrGraph},
						{Name: "ref", Type: AttrInt, RefAttrName: "outer"},
					}},
			},
			Initializers: []*Tensor{
				{Name: "w", Dims: []int64{2, 1, 1, 2}, DataType: Float, Float: []float32{1, -2, 3.5, 0}},
				{Name: "empty", Dims: []int64{0, 3}, DataType: Float, Float: []float32{}},
			},
			Inputs: []*ValueInfo{{Name: "x", ElemType: Float, HasShape: true,
				Shape: []Dim{{Param: "batch"}, {Value: 3, HasValue: true}, {}, {Value: 224, HasValue: true}}}},
			Outputs:   []*ValueInfo{{Name: "z", ElemType: Float}, {Name: "seq", NotTensor: true}},
			ValueInfo: []*ValueInfo{{Name: "y", ElemType: Float, HasShape: true, Shape: []Dim{}, DocString: "vi doc"}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	m := sampleModel()
	b := Encode(m)
	got, err := Decode(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		diffModels(t, got, m)
	}
	if !bytes.Equal(Encode(got), b) {
		t.Error("Encode is not stable over a round trip")
	}
	if got.Opset() != 13 {
		t.Errorf("Opset() = %d, want 13", got.Opset())
	}
	if v, ok := got.Metadata("se.labels"); !ok || v != "cat\ndog" {
		t.Errorf("Metadata(se.labels) = %q, %v", v, ok)
	}
	if a := got.Graph.Nodes[0].Attr("pads"); a == nil || a.Ints[3] != 1<<40 {
		t.Errorf("Attr(pads) = %+v", a)
	}
}

func TestDecodeTensor(t *testing.T) {
	for _, tt := range []*Tensor{
		{Name: "f", Dims: []int64{2, 3}, DataType: Float, Float: []float32{1, 2, 3, 4, 5, float32(math.Copysign(0, -1))}},
		{Dims: []int64{3}, DataType: Double, Double: []float64{math.Pi, -1e300, 5e-324}},
		{Dims: []int64{2}, DataType: Int32, Int32: []int32{math.MinInt32, math.MaxInt32}},
		{Dims: nil, DataType: Int64, Int64: []int64{math.MinInt64}},
	} {
		got, err := DecodeTensor(EncodeTensor(tt), Limits{})
		if err != nil {
			t.Fatalf("%v: %v", tt.DataType, err)
		}
		if !reflect.DeepEqual(got, tt) {
			t.Errorf("round trip of %+v gave %+v", tt, got)
		}
	}
}

// TestTypedFields decodes tensors written the way older exporters write
// them: float_data, int32_data, int64_data and double_data, packed and
// unpacked, rather than raw_data.
func TestTypedFields(t *testing.T) {
	tag := protowire.AppendTag
	header := func(dt DataType, dims ...int64) []byte {
		var b []byte
		for _, d := range dims {
			b = tag(b, tensorDims, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(d))
		}
		b = tag(b, tensorDataType, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(dt))
	}
	// FLOAT, packed.
	var packed []byte
	for _, v := range []float32{1.5, -2} {
		packed = appendLE32(packed, math.Float32bits(v))
	}
	b := tag(header(Float, 2), tensorFloatData, protowire.BytesType)
	b = protowire.AppendBytes(b, packed)
	if got, err := DecodeTensor(b, Limits{}); err != nil || !reflect.DeepEqual(got.Float, []float32{1.5, -2}) {
		t.Errorf("packed float_data: %v, %v", got, err)
	}
	// FLOAT, unpacked.
	b = header(Float, 2)
	for _, v := range []float32{3, 4} {
		b = tag(b, tensorFloatData, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(v))
	}
	if got, err := DecodeTensor(b, Limits{}); err != nil || !reflect.DeepEqual(got.Float, []float32{3, 4}) {
		t.Errorf("unpacked float_data: %v, %v", got, err)
	}
	// INT64, packed varints including a negative one (10 bytes).
	var pv []byte
	for _, v := range []int64{-1, 300, 0} {
		pv = protowire.AppendVarint(pv, uint64(v))
	}
	b = tag(header(Int64, 3), tensorInt64Data, protowire.BytesType)
	b = protowire.AppendBytes(b, pv)
	if got, err := DecodeTensor(b, Limits{}); err != nil || !reflect.DeepEqual(got.Int64, []int64{-1, 300, 0}) {
		t.Errorf("packed int64_data: %v, %v", got, err)
	}
	// INT32, unpacked, negative (sign-extended varint).
	b = header(Int32, 2)
	for _, v := range []int32{-5, 7} {
		b = tag(b, tensorInt32Data, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(v)))
	}
	if got, err := DecodeTensor(b, Limits{}); err != nil || !reflect.DeepEqual(got.Int32, []int32{-5, 7}) {
		t.Errorf("int32_data: %v, %v", got, err)
	}
	// DOUBLE, packed.
	b = tag(header(Double, 1), tensorDoubleData, protowire.BytesType)
	b = protowire.AppendBytes(b, appendLE64(nil, math.Float64bits(-0.125)))
	if got, err := DecodeTensor(b, Limits{}); err != nil || !reflect.DeepEqual(got.Double, []float64{-0.125}) {
		t.Errorf("double_data: %v, %v", got, err)
	}
	if got := (&Tensor{DataType: Double, Double: []float64{2.5}}).Float32s(); !reflect.DeepEqual(got, []float32{2.5}) {
		t.Errorf("Float32s of a DOUBLE tensor = %v", got)
	}
	if got := (&Tensor{DataType: Int32, Int32: []int32{-4}}).Int64s(); !reflect.DeepEqual(got, []int64{-4}) {
		t.Errorf("Int64s of an INT32 tensor = %v", got)
	}
}

// corrupt builds a tensor or model message from fields appended by f.
func msg(f func(b []byte) []byte) []byte { return f(nil) }

func TestCorrupt(t *testing.T) {
	tag := protowire.AppendTag
	varint := func(b []byte, num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(tag(b, num, protowire.VarintType), v)
	}
	bytesF := func(b []byte, num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(tag(b, num, protowire.BytesType), v)
	}
	model := func(tensor []byte) []byte {
		return bytesF(nil, modelGraph, bytesF(nil, graphInitializer, tensor))
	}
	floatTensor := func(dims []int64, raw []byte) []byte {
		var b []byte
		for _, d := range dims {
			b = varint(b, tensorDims, uint64(d))
		}
		b = varint(b, tensorDataType, uint64(Float))
		b = bytesF(b, tensorName, []byte("w"))
		return bytesF(b, tensorRawData, raw)
	}
	good := Encode(sampleModel())

	var format *FormatError
	var unsup *UnsupportedError
	var limit *LimitError
	cases := []struct {
		name   string
		b      []byte
		lim    Limits
		target any
		want   string // substring of the message
	}{
		{"truncated", good[:len(good)-3], Limits{}, &format, "invalid file"},
		{"length beyond the end", append(tag(nil, modelGraph, protowire.BytesType), 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2), Limits{}, &format, "field 7"},
		{"bad tag", []byte{0x80}, Limits{}, &format, "bad field tag"},
		{"field number 0", []byte{0x00, 0x00}, Limits{}, &format, "bad field tag"},
		{"end group", []byte{0x0c}, Limits{}, &format, "wire type"},
		{"wrong wire type", varint(nil, modelGraph, 3), Limits{}, &format, "wire type 0, want 2"},
		{"two graphs", append(bytesF(nil, modelGraph, nil), bytesF(nil, modelGraph, nil)...), Limits{}, &format, "two graphs"},
		{"raw data too short", model(floatTensor([]int64{2, 2}, make([]byte, 12))), Limits{}, &format, `graph.initializer[0] "w": 4 elements of FLOAT need 16 bytes of raw_data, not 12`},
		{"negative dim", model(floatTensor([]int64{uint64max()}, nil)), Limits{}, &format, "negative dimension"},
		{"huge dims, no data", model(floatTensor([]int64{1 << 40, 1 << 40}, nil)), Limits{}, &format, "more elements than any file"},
		{"large dims, little data", model(floatTensor([]int64{1 << 30, 1 << 20}, make([]byte, 8))), Limits{}, &format, "need"},
		{"no data", model(msg(func(b []byte) []byte { return varint(varint(b, tensorDims, 5), tensorDataType, uint64(Float)) })), Limits{}, &format, "5 elements of FLOAT by its dims, 0 values"},
		{"typed data of another type", model(msg(func(b []byte) []byte {
			b = varint(varint(b, tensorDims, 1), tensorDataType, uint64(Float))
			return varint(b, tensorInt64Data, 1)
		})), Limits{}, &format, "FLOAT tensor with INT64 data"},
		{"raw and typed data", model(msg(func(b []byte) []byte {
			b = varint(varint(b, tensorDims, 1), tensorDataType, uint64(Float))
			b = bytesF(b, tensorRawData, make([]byte, 4))
			return bytesF(b, tensorFloatData, make([]byte, 4))
		})), Limits{}, &format, "both raw_data and FLOAT"},
		{"packed floats not a multiple of 4", model(msg(func(b []byte) []byte {
			b = varint(varint(b, tensorDims, 1), tensorDataType, uint64(Float))
			return bytesF(b, tensorFloatData, make([]byte, 5))
		})), Limits{}, &format, "not a multiple of 4"},
		{"external data", model(msg(func(b []byte) []byte {
			b = varint(varint(b, tensorDims, 1), tensorDataType, uint64(Float))
			b = bytesF(b, tensorExternalData, bytesF(bytesF(nil, 1, []byte("location")), 2, []byte("weights.bin")))
			return varint(b, tensorDataLocation, 1)
		})), Limits{}, &unsup, `tensor data stored outside the .onnx file (in the file "weights.bin")`},
		{"float16", model(msg(func(b []byte) []byte {
			return bytesF(varint(varint(b, tensorDims, 1), tensorDataType, uint64(Float16)), tensorRawData, make([]byte, 2))
		})), Limits{}, &unsup, "tensor data type FLOAT16"},
		{"sparse initializer", bytesF(nil, modelGraph, bytesF(nil, graphSparseInitializer, nil)), Limits{}, &unsup, "graph: sparse initializers"},
		{"attribute of two types", bytesF(nil, modelGraph, bytesF(nil, graphNode,
			bytesF(bytesF(nil, nodeName, []byte("n1")), nodeAttribute, varint(bytesF(bytesF(nil, attrName, []byte("a")), attrS, []byte("x")), attrI, 1)))),
			Limits{}, &format, `graph.node[0] "n1".attribute "a": values of two types, STRING and INT`},
		{"attribute type against value", bytesF(nil, modelGraph, bytesF(nil, graphNode,
			bytesF(nil, nodeAttribute, varint(varint(nil, attrType, uint64(AttrFloats)), attrI, 1)))),
			Limits{}, &format, "type FLOATS with a INT value"},
		{"attribute without type or value", bytesF(nil, modelGraph, bytesF(nil, graphNode, bytesF(nil, nodeAttribute, bytesF(nil, attrName, []byte("a"))))),
			Limits{}, &format, "no type and no value"},
		{"file size", good, Limits{MaxBytes: 100}, &limit, "file size"},
		{"items", good, Limits{MaxItems: 10}, &limit, "items"},
		// 100 kB of empty nodes (2 bytes each) would be 50,000 Node structs.
		{"many empty nodes", bytesF(nil, modelGraph, bytes.Repeat([]byte{0x0a, 0x00}, 50000)), Limits{MaxItems: 1000}, &limit, "items 1001 exceeds the limit of 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(c.b, c.lim)
			if err == nil {
				t.Fatalf("no error; model %+v", m)
			}
			if m != nil {
				t.Errorf("a model came back with the error %v", err)
			}
			if !errors.As(err, c.target) {
				t.Errorf("error %T %q, want %T", err, err, c.target)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func uint64max() int64 { return -1 }

func TestDecodeSkipsUnknownFields(t *testing.T) {
	b := Encode(sampleModel())
	// A field from a future ONNX version, of each wire type, and a group.
	extra := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 5)
	extra = protowire.AppendFixed64(protowire.AppendTag(extra, 98, protowire.Fixed64Type), 5)
	extra = protowire.AppendFixed32(protowire.AppendTag(extra, 97, protowire.Fixed32Type), 5)
	extra = protowire.AppendBytes(protowire.AppendTag(extra, 96, protowire.BytesType), []byte("future"))
	extra = protowire.AppendTag(extra, 95, protowire.StartGroupType)
	extra = protowire.AppendTag(extra, 95, protowire.EndGroupType)
	got, err := Decode(append(extra, b...), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sampleModel()) {
		t.Error("unknown fields changed the decoded model")
	}
}

// diffModels reports which part of two models differs.
func diffModels(t *testing.T, got, want *Model) {
	t.Helper()
	g, w := *got, *want
	g.Graph, w.Graph = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("model fields: got %+v, want %+v", g, w)
	}
	if (got.Graph == nil) != (want.Graph == nil) {
		t.Fatalf("graph: got %v, want %v", got.Graph, want.Graph)
	}
	if got.Graph == nil {
		return
	}
	lists := []struct {
		name      string
		got, want any
	}{
		{"nodes", got.Graph.Nodes, want.Graph.Nodes},
		{"initializers", got.Graph.Initializers, want.Graph.Initializers},
		{"inputs", got.Graph.Inputs, want.Graph.Inputs},
		{"outputs", got.Graph.Outputs, want.Graph.Outputs},
		{"value_info", got.Graph.ValueInfo, want.Graph.ValueInfo},
	}
	for _, l := range lists {
		gv, wv := reflect.ValueOf(l.got), reflect.ValueOf(l.want)
		if gv.Len() != wv.Len() {
			t.Errorf("%s: %d, want %d", l.name, gv.Len(), wv.Len())
			continue
		}
		for i := range gv.Len() {
			if a, b := gv.Index(i).Interface(), wv.Index(i).Interface(); !reflect.DeepEqual(a, b) {
				t.Errorf("%s[%d]: got %+v, want %+v", l.name, i, reflect.Indirect(gv.Index(i)), reflect.Indirect(wv.Index(i)))
			}
		}
	}
}
