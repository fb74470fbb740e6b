package graph

import "fmt"

// AttrKind is the type of an attribute value, as in ONNX's AttributeProto.
type AttrKind int

// The attribute kinds an op uses.
const (
	AttrInt AttrKind = iota + 1
	AttrFloat
	AttrString
	AttrInts
	AttrFloats
)

// Attr is one attribute value; Kind says which field holds it.
type Attr struct {
	Kind   AttrKind
	Int    int64
	Float  float32
	String string
	Ints   []int64
	Floats []float32
}

// Attrs are an op's attributes by ONNX name.
type Attrs map[string]Attr

// Int returns attribute name as an int, def if absent, or an error if it is
// of another kind or out of the int range.
func (a Attrs) Int(name string, def int) (int, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	if v.Kind != AttrInt {
		return 0, fmt.Errorf("attribute %s is not an int", name)
	}
	if v.Int < -1<<31 || v.Int > 1<<31-1 {
		return 0, fmt.Errorf("attribute %s = %d out of range", name, v.Int)
	}
	return int(v.Int), nil
}

// Float returns attribute name as a float, def if absent.
func (a Attrs) Float(name string, def float32) (float32, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	if v.Kind != AttrFloat {
		return 0, fmt.Errorf("attribute %s is not a float", name)
	}
	return v.Float, nil
}

// Str returns attribute name as a string, def if absent.
func (a Attrs) Str(name, def string) (string, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	if v.Kind != AttrString {
		return "", fmt.Errorf("attribute %s is not a string", name)
	}
	return v.String, nil
}

// Ints returns attribute name as ints, def if absent.
func (a Attrs) Ints(name string, def []int) ([]int, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	if v.Kind != AttrInts {
		return nil, fmt.Errorf("attribute %s is not a list of ints", name)
	}
	out := make([]int, len(v.Ints))
	for i, x := range v.Ints {
		if x < -1<<31 || x > 1<<31-1 {
			return nil, fmt.Errorf("attribute %s[%d] = %d out of range", name, i, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

// Floats returns attribute name as floats, def if absent.
func (a Attrs) Floats(name string, def []float32) ([]float32, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	if v.Kind != AttrFloats {
		return nil, fmt.Errorf("attribute %s is not a list of floats", name)
	}
	return v.Floats, nil
}

// IntAttr, FloatAttr, StringAttr, IntsAttr and FloatsAttr make attribute
// values (for Attrs methods of ops and for tests).
func IntAttr(v int) Attr          { return Attr{Kind: AttrInt, Int: int64(v)} }
func FloatAttr(v float32) Attr    { return Attr{Kind: AttrFloat, Float: v} }
func StringAttr(v string) Attr    { return Attr{Kind: AttrString, String: v} }
func FloatsAttr(v []float32) Attr { return Attr{Kind: AttrFloats, Floats: v} }
func IntsAttr(v []int) Attr {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return Attr{Kind: AttrInts, Ints: out}
}

// only returns an error if a holds an attribute not in names (an op refuses
// attributes it does not implement rather than ignoring them).
func (a Attrs) only(names ...string) error {
	for k := range a {
		found := false
		for _, n := range names {
			if k == n {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("attribute %s is not supported", k)
		}
	}
	return nil
}
