package onnxpb

import (
	"fmt"
	"math"
	"math/bits"

	"google.golang.org/protobuf/encoding/protowire"
)

// Decode parses an .onnx file (a ModelProto) within lim (zero fields take
// their defaults). It returns a *FormatError, *UnsupportedError or
// *LimitError, and no model, if the file is invalid, uses what this package
// does not carry, or exceeds lim. The model does not alias b.
func Decode(b []byte, lim Limits) (*Model, error) {
	d, err := newDecoder(b, lim)
	if err != nil {
		return nil, err
	}
	m, err := d.model(b)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeTensor parses a standalone TensorProto, such as the input_0.pb and
// output_0.pb files of ONNX's backend tests, within lim.
func DecodeTensor(b []byte, lim Limits) (*Tensor, error) {
	d, err := newDecoder(b, lim)
	if err != nil {
		return nil, err
	}
	t, err := d.tensor(b)
	if err != nil {
		return nil, err
	}
	return t, nil
}

type decoder struct {
	lim   Limits
	items int64
}

func newDecoder(b []byte, lim Limits) (*decoder, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxBytes {
		return nil, &LimitError{What: "file size", Limit: lim.MaxBytes, Got: int64(len(b))}
	}
	return &decoder{lim: lim}, nil
}

// take counts n more decoded items against the limit.
func (d *decoder) take(n int) error {
	d.items += int64(n)
	if d.items > d.lim.MaxItems {
		return &LimitError{What: "items", Limit: d.lim.MaxItems, Got: d.items}
	}
	return nil
}

// ModelProto field numbers.
const (
	modelIRVersion       = 1
	modelProducerName    = 2
	modelProducerVersion = 3
	modelDomain          = 4
	modelModelVersion    = 5
	modelDocString       = 6
	modelGraph           = 7
	modelOpsetImport     = 8
	modelMetadataProps   = 14
	modelTrainingInfo    = 20
	modelFunctions       = 25
)

func (d *decoder) model(b []byte) (*Model, error) {
	m := &Model{}
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case modelIRVersion:
			m.IRVersion, err = fl.int64()
		case modelProducerName:
			m.ProducerName, err = fl.str()
		case modelProducerVersion:
			m.ProducerVersion, err = fl.str()
		case modelDomain:
			m.Domain, err = fl.str()
		case modelModelVersion:
			m.ModelVersion, err = fl.int64()
		case modelDocString:
			m.DocString, err = fl.str()
		case modelGraph:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			if m.Graph != nil {
				return formatErr("two graphs")
			}
			m.Graph, err = d.graph(fl.b)
			err = at(err, "graph")
		case modelOpsetImport:
			var o OperatorSet
			o, err = d.opset(fl.b, fl)
			err = at(err, fmt.Sprintf("opset_import[%d]", len(m.OpsetImport)))
			m.OpsetImport = append(m.OpsetImport, o)
		case modelMetadataProps:
			var p StringPair
			p, err = d.stringPair(fl)
			err = at(err, fmt.Sprintf("metadata_props[%d]", len(m.MetadataProps)))
			m.MetadataProps = append(m.MetadataProps, p)
		case modelTrainingInfo:
			m.TrainingInfo++
			err = fl.want(protowire.BytesType)
		case modelFunctions:
			m.Functions++
			err = fl.want(protowire.BytesType)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (d *decoder) opset(b []byte, fl field) (OperatorSet, error) {
	var o OperatorSet
	if err := fl.want(protowire.BytesType); err != nil {
		return o, err
	}
	if err := d.take(1); err != nil {
		return o, err
	}
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case 1:
			o.Domain, err = fl.str()
		case 2:
			o.Version, err = fl.int64()
		}
		return err
	})
	return o, err
}

func (d *decoder) stringPair(fl field) (StringPair, error) {
	var p StringPair
	if err := fl.want(protowire.BytesType); err != nil {
		return p, err
	}
	if err := d.take(1); err != nil {
		return p, err
	}
	err := eachField(fl.b, func(fl field) (err error) {
		switch fl.num {
		case 1:
			p.Key, err = fl.str()
		case 2:
			p.Value, err = fl.str()
		}
		return err
	})
	return p, err
}

// GraphProto field numbers.
const (
	graphNode               = 1
	graphName               = 2
	graphInitializer        = 5
	graphDocString          = 10
	graphInput              = 11
	graphOutput             = 12
	graphValueInfo          = 13
	graphSparseInitializer  = 15
	graphQuantAnnotation    = 14
	graphNodeNameField      = 3 // NodeProto.name, for error locations
	tensorNameField         = 8 // TensorProto.name
	valueInfoNameField      = 1
	attributeNameField      = 1
	graphMaxNameInErrorPath = 64
)

func (d *decoder) graph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case graphNode:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			var n *Node
			n, err = d.node(fl.b)
			err = at(err, fmt.Sprintf("node[%d]%s", len(g.Nodes), nameOf(fl.b, graphNodeNameField)))
			g.Nodes = append(g.Nodes, n)
		case graphName:
			g.Name, err = fl.str()
		case graphDocString:
			g.DocString, err = fl.str()
		case graphInitializer:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = d.tensor(fl.b)
			err = at(err, fmt.Sprintf("initializer[%d]%s", len(g.Initializers), nameOf(fl.b, tensorNameField)))
			g.Initializers = append(g.Initializers, t)
		case graphInput, graphOutput, graphValueInfo:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			list := &g.Inputs
			name := "input"
			switch fl.num {
			case graphOutput:
				list, name = &g.Outputs, "output"
			case graphValueInfo:
				list, name = &g.ValueInfo, "value_info"
			}
			var v *ValueInfo
			v, err = d.valueInfo(fl.b)
			err = at(err, fmt.Sprintf("%s[%d]%s", name, len(*list), nameOf(fl.b, valueInfoNameField)))
			*list = append(*list, v)
		case graphSparseInitializer:
			err = unsupported("sparse initializers")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// nameOf finds the string field num of message b, for an error location;
// it is only called once decoding has failed.
func nameOf(b []byte, num protowire.Number) string {
	name := ""
	_ = eachField(b, func(fl field) error {
		if fl.num == num && fl.typ == protowire.BytesType {
			name = string(fl.b)
		}
		return nil
	})
	if name == "" {
		return ""
	}
	if len(name) > graphMaxNameInErrorPath {
		name = name[:graphMaxNameInErrorPath] + "…"
	}
	return fmt.Sprintf(" %q", name)
}

// NodeProto field numbers.
const (
	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDocString = 6
	nodeDomain    = 7
)

func (d *decoder) node(b []byte) (*Node, error) {
	if err := d.take(1); err != nil {
		return nil, err
	}
	n := &Node{}
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case nodeInput, nodeOutput:
			var s string
			if s, err = fl.str(); err != nil {
				return err
			}
			if err = d.take(1); err != nil {
				return err
			}
			if fl.num == nodeInput {
				n.Inputs = append(n.Inputs, s)
			} else {
				n.Outputs = append(n.Outputs, s)
			}
		case nodeName:
			n.Name, err = fl.str()
		case nodeOpType:
			n.OpType, err = fl.str()
		case nodeDomain:
			n.Domain, err = fl.str()
		case nodeDocString:
			n.DocString, err = fl.str()
		case nodeAttribute:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			var a *Attribute
			a, err = d.attribute(fl.b)
			err = at(err, "attribute"+nameOf(fl.b, attributeNameField))
			n.Attributes = append(n.Attributes, a)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// AttributeProto field numbers.
const (
	attrName          = 1
	attrF             = 2
	attrI             = 3
	attrS             = 4
	attrT             = 5
	attrG             = 6
	attrFloats        = 7
	attrInts          = 8
	attrStrings       = 9
	attrTensors       = 10
	attrGraphs        = 11
	attrDocString     = 13
	attrTP            = 14
	attrTypeProtos    = 15
	attrType          = 20
	attrRefAttrName   = 21
	attrSparseTensor  = 22
	attrSparseTensors = 23
)

// attrKind maps a value field number to the attribute type it implies.
var attrKind = map[protowire.Number]AttrType{
	attrF: AttrFloat, attrI: AttrInt, attrS: AttrString, attrT: AttrTensor, attrG: AttrGraph,
	attrFloats: AttrFloats, attrInts: AttrInts, attrStrings: AttrStrings, attrTensors: AttrTensors,
	attrGraphs: AttrGraphs, attrTP: AttrTypeProto, attrTypeProtos: AttrTypeProtos,
	attrSparseTensor: AttrSparseTensor, attrSparseTensors: AttrSparseTensors,
}

func (d *decoder) attribute(b []byte) (*Attribute, error) {
	if err := d.take(1); err != nil {
		return nil, err
	}
	a := &Attribute{}
	var seen AttrType // the kind of the value fields present, if any
	err := eachField(b, func(fl field) (err error) {
		if k, ok := attrKind[fl.num]; ok {
			if seen != AttrUndefined && seen != k {
				return formatErr("values of two types, %s and %s", seen, k)
			}
			seen = k
		}
		switch fl.num {
		case attrName:
			a.Name, err = fl.str()
		case attrRefAttrName:
			a.RefAttrName, err = fl.str()
		case attrDocString:
			a.DocString, err = fl.str()
		case attrType:
			var t int32
			t, err = fl.int32()
			a.Type = AttrType(t)
		case attrF:
			a.F, err = fl.float32()
		case attrI:
			a.I, err = fl.int64()
		case attrS:
			a.S, err = fl.bytes()
		case attrT:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			if a.T != nil {
				return formatErr("two tensor values")
			}
			a.T, err = d.tensor(fl.b)
			err = at(err, "t")
		case attrFloats:
			n := len(a.Floats)
			if a.Floats, err = appendFloat32s(a.Floats, fl); err == nil {
				err = d.take(len(a.Floats) - n)
			}
		case attrInts:
			n := len(a.Ints)
			if a.Ints, err = appendVarints(a.Ints, fl); err == nil {
				err = d.take(len(a.Ints) - n)
			}
		case attrStrings:
			var s []byte
			if s, err = fl.bytes(); err == nil {
				a.Strings = append(a.Strings, s)
				err = d.take(1)
			}
		case attrTensors:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			var t *Tensor
			t, err = d.tensor(fl.b)
			err = at(err, fmt.Sprintf("tensors[%d]", len(a.Tensors)))
			a.Tensors = append(a.Tensors, t)
		case attrG, attrGraphs, attrTP, attrTypeProtos, attrSparseTensor, attrSparseTensors:
			// Recognized, not decoded: see the package documentation.
			err = fl.want(protowire.BytesType)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case a.Type == AttrUndefined:
		// IR version 1 files may omit the type; it follows from the value.
		a.Type = seen
	case a.Type < AttrFloat || a.Type > AttrTypeProtos:
		return nil, formatErr("unknown attribute type %d", int32(a.Type))
	case seen != AttrUndefined && seen != a.Type:
		return nil, formatErr("type %s with a %s value", a.Type, seen)
	}
	if a.Type == AttrUndefined && a.RefAttrName == "" {
		return nil, formatErr("no type and no value")
	}
	return a, nil
}

// ValueInfoProto, TypeProto and TensorShapeProto field numbers.
const (
	valueInfoName      = 1
	valueInfoType      = 2
	valueInfoDocString = 3

	typeTensor = 1 // TypeProto.tensor_type; every other value field is a non-tensor type
	typeSeq    = 4
	typeMap    = 5
	typeSparse = 8
	typeOpt    = 9

	tensorTypeElem  = 1
	tensorTypeShape = 2

	shapeDim      = 1
	dimValue      = 1
	dimParam      = 2
	dimDenotation = 3
)

func (d *decoder) valueInfo(b []byte) (*ValueInfo, error) {
	if err := d.take(1); err != nil {
		return nil, err
	}
	v := &ValueInfo{}
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case valueInfoName:
			v.Name, err = fl.str()
		case valueInfoDocString:
			v.DocString, err = fl.str()
		case valueInfoType:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			err = at(d.typeProto(fl.b, v), "type")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (d *decoder) typeProto(b []byte, v *ValueInfo) error {
	return eachField(b, func(fl field) (err error) {
		switch fl.num {
		case typeSeq, typeMap, typeSparse, typeOpt:
			v.NotTensor = true
			err = fl.want(protowire.BytesType)
		case typeTensor:
			if err = fl.want(protowire.BytesType); err != nil {
				return err
			}
			err = eachField(fl.b, func(fl field) (err error) {
				switch fl.num {
				case tensorTypeElem:
					var t int32
					t, err = fl.int32()
					v.ElemType = DataType(t)
				case tensorTypeShape:
					if err = fl.want(protowire.BytesType); err != nil {
						return err
					}
					v.HasShape = true
					v.Shape = []Dim{}
					err = at(d.shape(fl.b, v), "shape")
				}
				return err
			})
		}
		return err
	})
}

func (d *decoder) shape(b []byte, v *ValueInfo) error {
	return eachField(b, func(fl field) error {
		if fl.num != shapeDim {
			return nil
		}
		if err := fl.want(protowire.BytesType); err != nil {
			return err
		}
		if err := d.take(1); err != nil {
			return err
		}
		var dim Dim
		err := eachField(fl.b, func(fl field) (err error) {
			switch fl.num {
			case dimValue:
				dim.Value, err = fl.int64()
				dim.HasValue, dim.Param = true, ""
			case dimParam:
				dim.Param, err = fl.str()
				dim.Value, dim.HasValue = 0, false
			}
			return err
		})
		if err != nil {
			return at(err, fmt.Sprintf("dim[%d]", len(v.Shape)))
		}
		v.Shape = append(v.Shape, dim)
		return nil
	})
}

// TensorProto field numbers.
const (
	tensorDims         = 1
	tensorDataType     = 2
	tensorSegment      = 3
	tensorFloatData    = 4
	tensorInt32Data    = 5
	tensorStringData   = 6
	tensorInt64Data    = 7
	tensorName         = 8
	tensorRawData      = 9
	tensorDoubleData   = 10
	tensorUint64Data   = 11
	tensorDocString    = 12
	tensorExternalData = 13
	tensorDataLocation = 14

	dataLocationExternal = 1
)

// elemSize is the size in bytes of one element of the decodable types.
var elemSize = map[DataType]int{Float: 4, Double: 8, Int32: 4, Int64: 8}

func (d *decoder) tensor(b []byte) (*Tensor, error) {
	if err := d.take(1); err != nil {
		return nil, err
	}
	t := &Tensor{}
	var (
		raw                      []byte
		hasRaw, segment, strs    bool
		uint64s                  bool
		external                 bool
		location                 string
		floats                   []float32
		doubles                  []float64
		int32s                   []int32
		int64s                   []int64
		hasF, hasD, hasI32, hasI bool
	)
	err := eachField(b, func(fl field) (err error) {
		switch fl.num {
		case tensorDims:
			n := len(t.Dims)
			if t.Dims, err = appendVarints(t.Dims, fl); err == nil {
				err = d.take(len(t.Dims) - n)
			}
		case tensorDataType:
			var v int32
			v, err = fl.int32()
			t.DataType = DataType(v)
		case tensorName:
			t.Name, err = fl.str()
		case tensorDocString:
			t.DocString, err = fl.str()
		case tensorRawData:
			err = fl.want(protowire.BytesType)
			raw, hasRaw = fl.b, true
		case tensorFloatData:
			floats, err = appendFloat32s(floats, fl)
			hasF = true
		case tensorDoubleData:
			doubles, err = appendFloat64s(doubles, fl)
			hasD = true
		case tensorInt32Data:
			int32s, err = appendVarints(int32s, fl)
			hasI32 = true
		case tensorInt64Data:
			int64s, err = appendVarints(int64s, fl)
			hasI = true
		case tensorStringData:
			strs = true
		case tensorUint64Data:
			uint64s = true
		case tensorSegment:
			segment = true
		case tensorDataLocation:
			var v int64
			v, err = fl.int64()
			external = external || v == dataLocationExternal
		case tensorExternalData:
			var p StringPair
			p, err = d.stringPair(fl)
			external = true
			if p.Key == "location" {
				location = p.Value
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if external {
		file := ""
		if location != "" {
			file = fmt.Sprintf(" (in the file %q)", location)
		}
		return nil, unsupported("tensor data stored outside the .onnx file%s: save the model with its weights inside, e.g. onnx.save_model(onnx.load(path), out, save_as_external_data=False)", file)
	}
	if segment {
		return nil, unsupported("segmented tensors")
	}
	size, ok := elemSize[t.DataType]
	if !ok {
		return nil, unsupported("tensor data type %s (FLOAT, DOUBLE, INT32 and INT64 are supported)", t.DataType)
	}
	n, err := numElements(t.Dims)
	if err != nil {
		return nil, err
	}
	if strs || uint64s {
		return nil, formatErr("%s tensor with string or uint64 data", t.DataType)
	}
	typed := []struct {
		dt  DataType
		has bool
	}{{Float, hasF}, {Double, hasD}, {Int32, hasI32}, {Int64, hasI}}
	for _, ty := range typed {
		dt, has := ty.dt, ty.has
		if has && (dt != t.DataType || hasRaw) {
			if hasRaw {
				return nil, formatErr("%s tensor with both raw_data and %s data", t.DataType, dt)
			}
			return nil, formatErr("%s tensor with %s data", t.DataType, dt)
		}
	}
	if hasRaw {
		// n ≤ MaxInt/8 (numElements), so the product cannot overflow.
		if len(raw) != n*size {
			return nil, formatErr("%d elements of %s need %d bytes of raw_data, not %d", n, t.DataType, n*size, len(raw))
		}
		switch t.DataType {
		case Float:
			t.Float = make([]float32, n)
			for i := range t.Float {
				t.Float[i] = math.Float32frombits(le32(raw[4*i:]))
			}
		case Double:
			t.Double = make([]float64, n)
			for i := range t.Double {
				t.Double[i] = math.Float64frombits(le64(raw[8*i:]))
			}
		case Int32:
			t.Int32 = make([]int32, n)
			for i := range t.Int32 {
				t.Int32[i] = int32(le32(raw[4*i:]))
			}
		case Int64:
			t.Int64 = make([]int64, n)
			for i := range t.Int64 {
				t.Int64[i] = int64(le64(raw[8*i:]))
			}
		}
		return t, nil
	}
	got := 0
	switch t.DataType {
	case Float:
		t.Float, got = nonNil(floats), len(floats)
	case Double:
		t.Double, got = nonNil(doubles), len(doubles)
	case Int32:
		t.Int32, got = nonNil(int32s), len(int32s)
	case Int64:
		t.Int64, got = nonNil(int64s), len(int64s)
	}
	if got != n {
		return nil, formatErr("%d elements of %s by its dims, %d values in the file", n, t.DataType, got)
	}
	return t, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// numElements returns the product of dims, refusing negative dims and
// products above MaxInt/8 (which no file within the size limits can hold).
func numElements(dims []int64) (int, error) {
	const maxN = math.MaxInt / 8
	n := uint64(1)
	for _, v := range dims {
		if v < 0 {
			return 0, formatErr("negative dimension %d in %v", v, dims)
		}
		hi, lo := bits.Mul64(n, uint64(v))
		if hi != 0 || lo > maxN {
			return 0, formatErr("dims %v hold more elements than any file can", dims)
		}
		n = lo
	}
	return int(n), nil
}
