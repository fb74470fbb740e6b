package onnxpb

import "fmt"

// Model is an ONNX ModelProto: one graph and the operator sets it uses.
type Model struct {
	IRVersion       int64
	OpsetImport     []OperatorSet
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	Graph           *Graph // nil if the file has none
	// MetadataProps are the model's key/value metadata in file order.
	MetadataProps []StringPair

	// TrainingInfo and Functions count the model's training_info entries
	// and model-local functions (IR ≥ 8), which are not decoded. A node
	// whose op is such a function looks like an unknown op to an importer.
	TrainingInfo int
	Functions    int
}

// OperatorSet is one opset_import entry. The default ONNX domain is "" (or
// "ai.onnx").
type OperatorSet struct {
	Domain  string
	Version int64
}

// StringPair is a StringStringEntryProto: a metadata or external-data entry.
type StringPair struct{ Key, Value string }

// Opset returns the version of the default ONNX operator set ("" or
// "ai.onnx") the model imports, or 0 if it imports none.
func (m *Model) Opset() int64 {
	for _, o := range m.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			return o.Version
		}
	}
	return 0
}

// Metadata returns the value of the metadata_props entry key and whether
// there is one (the last one wins if a key repeats).
func (m *Model) Metadata(key string) (string, bool) {
	v, ok := "", false
	for _, p := range m.MetadataProps {
		if p.Key == key {
			v, ok = p.Value, true
		}
	}
	return v, ok
}

// Graph is a GraphProto: nodes in topological order, the constant tensors
// (initializers), and the typed inputs and outputs.
type Graph struct {
	Name         string
	DocString    string
	Nodes        []*Node
	Initializers []*Tensor
	Inputs       []*ValueInfo
	Outputs      []*ValueInfo
	// ValueInfo holds the optional types of intermediate values.
	ValueInfo []*ValueInfo
}

// Node is a NodeProto: one operator application. An empty string among
// Inputs marks an omitted optional input.
type Node struct {
	Name       string
	OpType     string
	Domain     string
	Inputs     []string
	Outputs    []string
	Attributes []*Attribute
	DocString  string
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attributes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// String names the node for messages: `Conv "conv1"`.
func (n *Node) String() string {
	if n.Name == "" {
		return n.OpType
	}
	return fmt.Sprintf("%s %q", n.OpType, n.Name)
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// The attribute types of onnx.proto.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

var attrTypeNames = map[AttrType]string{
	AttrUndefined: "UNDEFINED", AttrFloat: "FLOAT", AttrInt: "INT", AttrString: "STRING",
	AttrTensor: "TENSOR", AttrGraph: "GRAPH", AttrFloats: "FLOATS", AttrInts: "INTS",
	AttrStrings: "STRINGS", AttrTensors: "TENSORS", AttrGraphs: "GRAPHS",
	AttrSparseTensor: "SPARSE_TENSOR", AttrSparseTensors: "SPARSE_TENSORS",
	AttrTypeProto: "TYPE_PROTO", AttrTypeProtos: "TYPE_PROTOS",
}

func (t AttrType) String() string {
	if s, ok := attrTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("AttrType(%d)", int32(t))
}

// Decoded reports whether attributes of this type carry their value here.
// GRAPH(S), SPARSE_TENSOR(S) and TYPE_PROTO(S) are recognized but not
// decoded (see the package documentation).
func (t AttrType) Decoded() bool {
	switch t {
	case AttrFloat, AttrInt, AttrString, AttrTensor, AttrFloats, AttrInts, AttrStrings, AttrTensors:
		return true
	}
	return false
}

// Attribute is an AttributeProto. Type says which value field is used.
// RefAttrName is set, and no value, for a reference to an attribute of an
// enclosing function.
type Attribute struct {
	Name        string
	Type        AttrType
	RefAttrName string
	DocString   string

	F       float32
	I       int64
	S       []byte
	T       *Tensor
	Floats  []float32
	Ints    []int64
	Strings [][]byte
	Tensors []*Tensor
}

// ValueInfo is a ValueInfoProto: a named value and its type, when that type
// is a tensor. Shape is nil when the file gives no shape (unknown rank).
type ValueInfo struct {
	Name      string
	DocString string
	// NotTensor is set for sequence, map, optional and sparse tensor types;
	// ElemType and Shape are then unset.
	NotTensor bool
	ElemType  DataType
	Shape     []Dim
	HasShape  bool
}

// Dim is one dimension of a ValueInfo's shape: a value, a symbolic name
// such as "batch_size", or neither (unknown).
type Dim struct {
	Value    int64
	HasValue bool
	Param    string
}

func (d Dim) String() string {
	switch {
	case d.HasValue:
		return fmt.Sprint(d.Value)
	case d.Param != "":
		return d.Param
	}
	return "?"
}

// DataType is TensorProto.DataType.
type DataType int32

// The tensor data types of onnx.proto. Only Float, Double, Int32 and Int64
// tensors can be decoded; the others are named for error messages and
// ValueInfo element types.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = [...]string{"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
	"INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"}

func (t DataType) String() string {
	if t >= 0 && int(t) < len(dataTypeNames) {
		return dataTypeNames[t]
	}
	return fmt.Sprintf("DataType(%d)", int32(t))
}

// Tensor is a TensorProto with its data decoded into the one slice that
// matches DataType: Float for FLOAT, Double for DOUBLE, Int32 for INT32 and
// Int64 for INT64. The slice has exactly NumElements values, in row-major
// order.
type Tensor struct {
	Name      string
	DocString string
	Dims      []int64
	DataType  DataType

	Float  []float32
	Double []float64
	Int32  []int32
	Int64  []int64
}

// NumElements returns the product of Dims (1 for a scalar). Decoded
// tensors never overflow it.
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Dims {
		n *= int(d)
	}
	return n
}

// Float32s returns the tensor's values converted to float32 (a copy, except
// for FLOAT tensors, whose slice is returned as it is).
func (t *Tensor) Float32s() []float32 {
	switch t.DataType {
	case Float:
		return t.Float
	case Double:
		return convert[float32](t.Double)
	case Int32:
		return convert[float32](t.Int32)
	case Int64:
		return convert[float32](t.Int64)
	}
	return nil
}

// Int64s returns the tensor's values converted to int64 (a copy, except for
// INT64 tensors). Floating values are truncated toward zero.
func (t *Tensor) Int64s() []int64 {
	switch t.DataType {
	case Int64:
		return t.Int64
	case Int32:
		return convert[int64](t.Int32)
	case Float:
		return convert[int64](t.Float)
	case Double:
		return convert[int64](t.Double)
	}
	return nil
}

func convert[D, S float32 | float64 | int32 | int64](s []S) []D {
	d := make([]D, len(s))
	for i, v := range s {
		d[i] = D(v)
	}
	return d
}
