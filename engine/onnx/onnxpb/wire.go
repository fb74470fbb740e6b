package onnxpb

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field: its number, wire type and value,
// either a scalar (v, for varint, fixed32 and fixed64) or the bytes of a
// length-delimited field (b, a view into the input, never a copy).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// eachField calls f for every field of the message b in order. Lengths are
// checked against the bytes present by protowire before any slice is made;
// groups (unused by ONNX) are skipped.
func eachField(b []byte, f func(field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return formatErr("bad field tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		fl := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			fl.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			fl.v = uint64(v)
		case protowire.Fixed64Type:
			fl.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			fl.b, n = protowire.ConsumeBytes(b)
		case protowire.StartGroupType:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return formatErr("field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		default:
			return formatErr("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			return formatErr("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(fl); err != nil {
			return err
		}
	}
	return nil
}

func (fl field) want(typ protowire.Type) error {
	if fl.typ != typ {
		return formatErr("field %d: wire type %d, want %d", fl.num, fl.typ, typ)
	}
	return nil
}

func (fl field) str() (string, error) {
	if err := fl.want(protowire.BytesType); err != nil {
		return "", err
	}
	return string(fl.b), nil
}

func (fl field) bytes() ([]byte, error) {
	if err := fl.want(protowire.BytesType); err != nil {
		return nil, err
	}
	return append([]byte(nil), fl.b...), nil
}

func (fl field) int64() (int64, error) {
	if err := fl.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(fl.v), nil
}

// int32 reads an int32 field, which protobuf writes as a sign-extended
// 64-bit varint.
func (fl field) int32() (int32, error) {
	if err := fl.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int32(fl.v), nil
}

func (fl field) float32() (float32, error) {
	if err := fl.want(protowire.Fixed32Type); err != nil {
		return 0, err
	}
	return math.Float32frombits(uint32(fl.v)), nil
}

// The append functions read one element of a repeated scalar field, or all
// of a packed run of them (protobuf parsers must accept both encodings).
// Each packed element is read from bytes that are present, so the slice
// never grows past what the input holds.

func appendVarints[T int32 | int64](dst []T, fl field) ([]T, error) {
	switch fl.typ {
	case protowire.VarintType:
		return append(dst, T(fl.v)), nil
	case protowire.BytesType:
		b := fl.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, formatErr("field %d: packed varint: %v", fl.num, protowire.ParseError(n))
			}
			dst = append(dst, T(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, formatErr("field %d: wire type %d for a repeated integer", fl.num, fl.typ)
}

func appendFloat32s(dst []float32, fl field) ([]float32, error) {
	switch fl.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(fl.v))), nil
	case protowire.BytesType:
		if len(fl.b)%4 != 0 {
			return nil, formatErr("field %d: packed floats of %d bytes, not a multiple of 4", fl.num, len(fl.b))
		}
		dst = growTo(dst, len(fl.b)/4)
		for i := 0; i < len(fl.b); i += 4 {
			dst = append(dst, math.Float32frombits(le32(fl.b[i:])))
		}
		return dst, nil
	}
	return nil, formatErr("field %d: wire type %d for a repeated float", fl.num, fl.typ)
}

func appendFloat64s(dst []float64, fl field) ([]float64, error) {
	switch fl.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(fl.v)), nil
	case protowire.BytesType:
		if len(fl.b)%8 != 0 {
			return nil, formatErr("field %d: packed doubles of %d bytes, not a multiple of 8", fl.num, len(fl.b))
		}
		dst = growTo(dst, len(fl.b)/8)
		for i := 0; i < len(fl.b); i += 8 {
			dst = append(dst, math.Float64frombits(le64(fl.b[i:])))
		}
		return dst, nil
	}
	return nil, formatErr("field %d: wire type %d for a repeated double", fl.num, fl.typ)
}

// growTo makes room for n more elements; n is at most the bytes present.
func growTo[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]T, len(s), len(s)+n)
	copy(t, s)
	return t
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }
