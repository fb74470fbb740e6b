package onnxpb

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode returns m as an .onnx file (a ModelProto). Tensors are written as
// little-endian raw_data; attributes of the types that Decode does not
// decode (graphs, sparse tensors, type protos) are written as their type
// alone and have to be absent from a model meant for another runtime.
// Encode does not check that m is a valid ONNX model (use an importer or
// onnx.checker for that); it writes exactly what m holds.
func Encode(m *Model) []byte {
	var b []byte
	b = appendInt(b, modelIRVersion, m.IRVersion)
	b = appendStr(b, modelProducerName, m.ProducerName)
	b = appendStr(b, modelProducerVersion, m.ProducerVersion)
	b = appendStr(b, modelDomain, m.Domain)
	b = appendInt(b, modelModelVersion, m.ModelVersion)
	b = appendStr(b, modelDocString, m.DocString)
	if m.Graph != nil {
		b = appendMsg(b, modelGraph, encodeGraph(m.Graph))
	}
	for _, o := range m.OpsetImport {
		var ob []byte
		ob = appendStr(ob, 1, o.Domain)
		ob = appendInt(ob, 2, o.Version)
		b = appendMsg(b, modelOpsetImport, ob)
	}
	for _, p := range m.MetadataProps {
		b = appendMsg(b, modelMetadataProps, encodePair(p))
	}
	return b
}

// EncodeTensor returns t as a standalone TensorProto (the format of ONNX's
// backend-test input_0.pb files).
func EncodeTensor(t *Tensor) []byte { return encodeTensor(t) }

func encodePair(p StringPair) []byte {
	var b []byte
	b = appendStr(b, 1, p.Key)
	return appendStr(b, 2, p.Value)
}

func encodeGraph(g *Graph) []byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendMsg(b, graphNode, encodeNode(n))
	}
	b = appendStr(b, graphName, g.Name)
	for _, t := range g.Initializers {
		b = appendMsg(b, graphInitializer, encodeTensor(t))
	}
	b = appendStr(b, graphDocString, g.DocString)
	for _, v := range g.Inputs {
		b = appendMsg(b, graphInput, encodeValueInfo(v))
	}
	for _, v := range g.Outputs {
		b = appendMsg(b, graphOutput, encodeValueInfo(v))
	}
	for _, v := range g.ValueInfo {
		b = appendMsg(b, graphValueInfo, encodeValueInfo(v))
	}
	return b
}

func encodeNode(n *Node) []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, nodeInput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, nodeOutput, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendStr(b, nodeName, n.Name)
	b = appendStr(b, nodeOpType, n.OpType)
	for _, a := range n.Attributes {
		b = appendMsg(b, nodeAttribute, encodeAttribute(a))
	}
	b = appendStr(b, nodeDocString, n.DocString)
	return appendStr(b, nodeDomain, n.Domain)
}

func encodeAttribute(a *Attribute) []byte {
	var b []byte
	b = appendStr(b, attrName, a.Name)
	b = appendStr(b, attrDocString, a.DocString)
	b = protowire.AppendTag(b, attrType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(a.Type))
	b = appendStr(b, attrRefAttrName, a.RefAttrName)
	if a.RefAttrName != "" {
		return b
	}
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.I))
	case AttrString:
		b = protowire.AppendTag(b, attrS, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	case AttrTensor:
		if a.T != nil {
			b = appendMsg(b, attrT, encodeTensor(a.T))
		}
	// The list fields are not declared packed in onnx.proto, so their
	// canonical encoding is one field per element.
	case AttrFloats:
		for _, f := range a.Floats {
			b = protowire.AppendTag(b, attrFloats, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	case AttrInts:
		for _, v := range a.Ints {
			b = protowire.AppendTag(b, attrInts, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	case AttrStrings:
		for _, s := range a.Strings {
			b = protowire.AppendTag(b, attrStrings, protowire.BytesType)
			b = protowire.AppendBytes(b, s)
		}
	case AttrTensors:
		for _, t := range a.Tensors {
			b = appendMsg(b, attrTensors, encodeTensor(t))
		}
	}
	return b
}

func encodeValueInfo(v *ValueInfo) []byte {
	var b []byte
	b = appendStr(b, valueInfoName, v.Name)
	if v.NotTensor {
		// The element type is not kept; an empty sequence type marks the
		// value as not a tensor.
		b = appendMsg(b, valueInfoType, appendMsg(nil, typeSeq, nil))
	} else {
		var tt []byte
		if v.ElemType != Undefined {
			tt = protowire.AppendTag(tt, tensorTypeElem, protowire.VarintType)
			tt = protowire.AppendVarint(tt, uint64(v.ElemType))
		}
		if v.HasShape {
			var sb []byte
			for _, d := range v.Shape {
				var db []byte
				if d.HasValue {
					db = protowire.AppendTag(db, dimValue, protowire.VarintType)
					db = protowire.AppendVarint(db, uint64(d.Value))
				} else {
					db = appendStr(db, dimParam, d.Param)
				}
				sb = appendMsg(sb, shapeDim, db)
			}
			tt = appendMsg(tt, tensorTypeShape, sb)
		}
		var ty []byte
		ty = appendMsg(ty, typeTensor, tt)
		b = appendMsg(b, valueInfoType, ty)
	}
	return appendStr(b, valueInfoDocString, v.DocString)
}

func encodeTensor(t *Tensor) []byte {
	var b []byte
	for _, d := range t.Dims {
		b = protowire.AppendTag(b, tensorDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.DataType))
	b = appendStr(b, tensorName, t.Name)
	b = appendStr(b, tensorDocString, t.DocString)
	var n int
	switch t.DataType {
	case Float:
		n = 4 * len(t.Float)
	case Int32:
		n = 4 * len(t.Int32)
	case Double:
		n = 8 * len(t.Double)
	case Int64:
		n = 8 * len(t.Int64)
	}
	if n == 0 {
		return b
	}
	b = protowire.AppendTag(b, tensorRawData, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	switch t.DataType {
	case Float:
		for _, v := range t.Float {
			b = appendLE32(b, math.Float32bits(v))
		}
	case Int32:
		for _, v := range t.Int32 {
			b = appendLE32(b, uint32(v))
		}
	case Double:
		for _, v := range t.Double {
			b = appendLE64(b, math.Float64bits(v))
		}
	case Int64:
		for _, v := range t.Int64 {
			b = appendLE64(b, uint64(v))
		}
	}
	return b
}

func appendLE32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendLE64(b []byte, v uint64) []byte {
	return appendLE32(appendLE32(b, uint32(v)), uint32(v>>32))
}

// appendStr writes a string field unless it is empty (proto2 optional
// fields that are absent and empty read back the same).
func appendStr(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendInt writes an int64 field unless it is zero.
func appendInt(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendMsg(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}
