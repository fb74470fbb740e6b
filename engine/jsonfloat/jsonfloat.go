// Package jsonfloat holds a number that JSON can carry even when it is NaN
// or infinite. JSON has no NaN, and encoding/json refuses to write one, yet
// a measurement may be undefined: the rank correlation of a constant map,
// the AUC of a diverged model. Such a value is written as null and read
// back as NaN (an infinity comes back as NaN too).
package jsonfloat

import (
	"encoding/json"
	"math"
)

// Maybe is a float64 that JSON writes as null when it is NaN or infinite,
// and reads from null as NaN.
type Maybe float64

// MarshalJSON implements json.Marshaler.
func (f Maybe) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Maybe) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Maybe(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Maybe(v)
	return nil
}
