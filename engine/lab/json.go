package lab

import (
	"encoding/json"
	"fmt"
	"reflect"

	"saliencyexplorer/engine/jsonfloat"
)

// JSON cannot hold NaN or an infinity, and encoding/json refuses to write
// them, yet a lab run can measure NaN: a test AUC of a diverged model, an
// agreement over no positive image, a sanity-check average with nothing to
// average. Run, Summary and Sanity therefore write every NaN or infinite
// float64 (alone or in a []float64) as null, and read null back as NaN, so
// that a -json file always writes and -merge reads it back as it was
// (±Inf comes back as NaN too).

// nullFloat is the number type Run, Summary and Sanity's float64 fields
// become when they go to JSON.
type nullFloat = jsonfloat.Maybe

var (
	float64Type    = reflect.TypeFor[float64]()
	float64sType   = reflect.TypeFor[[]float64]()
	nullFloatType  = reflect.TypeFor[nullFloat]()
	nullFloatsType = reflect.TypeFor[[]nullFloat]()
)

// nullNaNType returns struct type t with its float64 and []float64 fields
// turned into nullFloat and []nullFloat, names and tags kept, so that
// encoding/json treats it exactly as t except for those numbers. The new
// type has no methods, so marshalling it does not come back here.
func nullNaNType(t reflect.Type) reflect.Type {
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		f := t.Field(i)
		switch f.Type {
		case float64Type:
			f.Type = nullFloatType
		case float64sType:
			f.Type = nullFloatsType
		}
		fields[i] = f
	}
	return reflect.StructOf(fields)
}

// copyFields copies the fields of struct src into struct dst of the same
// layout, converting float64 and nullFloat (and their slices) either way.
func copyFields(dst, src reflect.Value) {
	for i := range src.NumField() {
		s, d := src.Field(i), dst.Field(i)
		if s.Kind() == reflect.Slice && s.Type().Elem().Kind() == reflect.Float64 && s.Type() != d.Type() {
			if s.IsNil() {
				continue
			}
			out := reflect.MakeSlice(d.Type(), s.Len(), s.Len())
			for j := range s.Len() {
				out.Index(j).SetFloat(s.Index(j).Float())
			}
			d.Set(out)
			continue
		}
		d.Set(s.Convert(d.Type()))
	}
}

// marshalNullNaN encodes struct v as encoding/json does, with NaN and
// infinite floats as null.
func marshalNullNaN(v any) ([]byte, error) {
	src := reflect.ValueOf(v)
	dst := reflect.New(nullNaNType(src.Type())).Elem()
	copyFields(dst, src)
	b, err := json.Marshal(dst.Interface())
	if err != nil {
		return nil, fmt.Errorf("lab: encoding %s: %w", src.Type().Name(), err)
	}
	return b, nil
}

// unmarshalNullNaN decodes b into the struct ptr points to, null numbers
// as NaN.
func unmarshalNullNaN(b []byte, ptr any) error {
	dst := reflect.ValueOf(ptr).Elem()
	tmp := reflect.New(nullNaNType(dst.Type()))
	copyFields(tmp.Elem(), dst) // fields absent from b keep their values
	if err := json.Unmarshal(b, tmp.Interface()); err != nil {
		return err
	}
	copyFields(dst, tmp.Elem())
	return nil
}

// MarshalJSON writes r with NaN and infinite measurements as null.
func (r Run) MarshalJSON() ([]byte, error) { return marshalNullNaN(r) }

// UnmarshalJSON reads r, null measurements as NaN.
func (r *Run) UnmarshalJSON(b []byte) error { return unmarshalNullNaN(b, r) }

// MarshalJSON writes s with NaN and infinite measurements as null.
func (s Summary) MarshalJSON() ([]byte, error) { return marshalNullNaN(s) }

// UnmarshalJSON reads s, null measurements as NaN.
func (s *Summary) UnmarshalJSON(b []byte) error { return unmarshalNullNaN(b, s) }

// MarshalJSON writes s with NaN and infinite measurements as null.
func (s Sanity) MarshalJSON() ([]byte, error) { return marshalNullNaN(s) }

// UnmarshalJSON reads s, null measurements as NaN.
func (s *Sanity) UnmarshalJSON(b []byte) error { return unmarshalNullNaN(b, s) }
