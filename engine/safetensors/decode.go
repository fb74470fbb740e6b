package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// dtypeSizes gives the element size in bytes of the supported dtypes.
var dtypeSizes = map[string]int{"F16": 2, "F32": 4, "F64": 8}

// knownDtypes lists the dtypes defined by the safetensors format that this
// package does not support; they yield an UnsupportedError rather than a
// FormatError.
var knownDtypes = map[string]bool{
	"BOOL": true, "U8": true, "I8": true, "U16": true, "I16": true,
	"U32": true, "I32": true, "U64": true, "I64": true, "BF16": true,
	"F8_E4M3": true, "F8_E5M2": true, "F8_E8M0": true, "F4": true,
	"F6_E2M3": true, "F6_E3M2": true, "C64": true,
}

// entry is one tensor's header entry.
type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end int
	size       int // bytes per element
	count      int // number of elements
}

// Decode parses a safetensors file held entirely in data and returns its
// tensors, converted to float32, and its metadata (nil if the header has no
// "__metadata__" entry). The tensors are returned in order of their data
// offsets, which is the order Encode would need to reproduce the file's
// layout; tensors with equal offsets (possible only for empty tensors) are
// ordered by name.
//
// Decode checks the whole file against the format and lim before
// allocating tensor data. It returns a *FormatError for a malformed file, a
// file exceeding lim or a file holding NaN or infinite values, and an
// *UnsupportedError for a dtype other than F32, F16 or F64 or for an F64
// value outside the float32 range. On error it returns no tensors and no
// metadata.
func Decode(data []byte, lim Limits) ([]Tensor, map[string]string, error) {
	lim = lim.withDefaults()
	if len(data) < 8 {
		return nil, nil, formatErr("", "file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	rest := uint64(len(data) - 8)
	switch {
	case n == 0:
		return nil, nil, formatErr("", "header length is 0")
	case n > uint64(lim.MaxHeaderBytes):
		return nil, nil, formatErr("", "header length %d exceeds the limit of %d bytes (absurd size)", n, lim.MaxHeaderBytes)
	case n > rest:
		return nil, nil, formatErr("", "header length %d is larger than the remaining %d bytes of the file", n, rest)
	}
	header := data[8 : 8+n]
	buf := data[8+n:]

	entries, meta, err := parseHeader(header, lim)
	if err != nil {
		return nil, nil, err
	}
	total := 0
	for i := range entries {
		if err := checkEntry(&entries[i], len(buf), lim, &total); err != nil {
			return nil, nil, err
		}
	}

	// The tensors must tile the buffer exactly.
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	pos := 0
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return nil, nil, formatErr(e.name, "data_offsets [%d %d] overlap tensor %q, which ends at %d", e.begin, e.end, prev, pos)
		case e.begin > pos:
			return nil, nil, formatErr("", "bytes [%d %d) of the data buffer are not covered by any tensor", pos, e.begin)
		}
		pos, prev = e.end, e.name
	}
	if pos != len(buf) {
		return nil, nil, formatErr("", "data buffer is %d bytes but tensors cover only %d (trailing bytes)", len(buf), pos)
	}

	tensors := make([]Tensor, len(entries))
	for i, e := range entries {
		d, err := convert(e, buf[e.begin:e.end])
		if err != nil {
			return nil, nil, err
		}
		tensors[i] = Tensor{Name: e.name, Shape: e.shape, Data: d}
	}
	return tensors, meta, nil
}

// checkEntry validates e's dtype, shape and offsets against a data buffer
// of bufLen bytes and the limits, and fills in e.size and e.count. total
// accumulates the number of elements across tensors.
func checkEntry(e *entry, bufLen int, lim Limits, total *int) error {
	size, ok := dtypeSizes[e.dtype]
	if !ok {
		if knownDtypes[e.dtype] {
			return unsupportedErr(e.name, "dtype %s (only F32, F16 and F64 are supported)", e.dtype)
		}
		return formatErr(e.name, "unknown dtype %q", e.dtype)
	}
	for _, d := range e.shape {
		if d < 0 {
			return formatErr(e.name, "negative dimension %d in shape %v", d, e.shape)
		}
	}
	count, ok := numElements(e.shape)
	if !ok {
		return formatErr(e.name, "element count of shape %v overflows", e.shape)
	}
	if count > lim.MaxTotalElements-*total {
		return formatErr(e.name, "shape %v brings the total element count above the limit of %d", e.shape, lim.MaxTotalElements)
	}
	*total += count
	if count > math.MaxInt/size {
		return formatErr(e.name, "byte size of shape %v of %s overflows", e.shape, e.dtype)
	}
	nbytes := count * size
	switch {
	case e.begin > e.end:
		return formatErr(e.name, "data_offsets [%d %d] begin after they end", e.begin, e.end)
	case e.end > bufLen:
		return formatErr(e.name, "data_offsets [%d %d] exceed the %d-byte data buffer (truncated data?)", e.begin, e.end, bufLen)
	case e.end-e.begin != nbytes:
		return formatErr(e.name, "data_offsets [%d %d] do not match shape %v of %s (%d bytes)", e.begin, e.end, e.shape, e.dtype, nbytes)
	}
	e.size, e.count = size, count
	return nil
}

// convert decodes e's little-endian elements b to float32, rejecting
// non-finite values.
func convert(e entry, b []byte) ([]float32, error) {
	out := make([]float32, e.count)
	for i := range out {
		var v float32
		switch e.dtype {
		case "F32":
			v = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case "F16":
			v = float16to32(binary.LittleEndian.Uint16(b[2*i:]))
		case "F64":
			f := math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, formatErr(e.name, "contains %s at index %d", nonFiniteName(f), i)
			}
			v = float32(f)
			if math.IsInf(float64(v), 0) {
				return nil, unsupportedErr(e.name, "F64 value %g at index %d is outside the float32 range", f, i)
			}
		}
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, formatErr(e.name, "contains %s at index %d", nonFiniteName(f), i)
		}
		out[i] = v
	}
	return out, nil
}

// float16to32 converts IEEE 754 binary16 bits to float32. It is exact.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0: // zero or subnormal: mant * 2^-24
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
	}
}

// parser reads the JSON header token by token, so that duplicate keys are
// detected and nothing is allocated beyond the limits.
type parser struct {
	dec *json.Decoder
	lim Limits
}

// parseHeader parses the JSON header into entries (in header order) and
// metadata.
func parseHeader(header []byte, lim Limits) ([]entry, map[string]string, error) {
	p := &parser{dec: json.NewDecoder(bytes.NewReader(header)), lim: lim}
	p.dec.UseNumber()
	tok, err := p.token("")
	if err != nil {
		return nil, nil, err
	}
	if tok != json.Delim('{') {
		return nil, nil, formatErr("", "header is not a JSON object (starts with %s)", describe(tok))
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = make(map[string]bool)
	)
	for p.dec.More() {
		name, err := p.key("", "header")
		if err != nil {
			return nil, nil, err
		}
		if seen[name] {
			if name == metadataKey {
				return nil, nil, formatErr("", "duplicate %s entry", metadataKey)
			}
			return nil, nil, formatErr(name, "duplicate tensor name")
		}
		seen[name] = true
		if name == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if len(entries) >= lim.MaxTensors {
			return nil, nil, formatErr("", "more than the limit of %d tensors", lim.MaxTensors)
		}
		e, err := p.entry(name)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := p.token(""); err != nil { // the closing '}'
		return nil, nil, err
	}
	if tok, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, nil, formatErr("", "invalid JSON after the header object: %v", err)
		}
		return nil, nil, formatErr("", "unexpected %s after the header object", describe(tok))
	}
	return entries, meta, nil
}

// token returns the next JSON token, turning syntax errors and the end of
// the header into FormatErrors about tensor.
func (p *parser) token(tensor string) (json.Token, error) {
	tok, err := p.dec.Token()
	if err == io.EOF {
		return nil, formatErr(tensor, "header JSON ends unexpectedly")
	}
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, formatErr(tensor, "header is not valid JSON: %v (at byte %d)", err, se.Offset)
		}
		return nil, formatErr(tensor, "header is not valid JSON: %v", err)
	}
	return tok, nil
}

// key reads an object key; where names the object for error messages.
func (p *parser) key(tensor, where string) (string, error) {
	tok, err := p.token(tensor)
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok { // unreachable for valid JSON, but cheap to guard
		return "", formatErr(tensor, "expected a key in %s, got %s", where, describe(tok))
	}
	return s, nil
}

// metadata reads the value of "__metadata__": an object of strings, or null.
func (p *parser) metadata() (map[string]string, error) {
	tok, err := p.token("")
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, formatErr("", "%s is %s, not a JSON object", metadataKey, describe(tok))
	}
	meta := make(map[string]string)
	for p.dec.More() {
		k, err := p.key("", metadataKey)
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, formatErr("", "duplicate %s key %q", metadataKey, k)
		}
		tok, err := p.token("")
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, formatErr("", "%s value for key %q is %s, not a string", metadataKey, k, describe(tok))
		}
		meta[k] = v
	}
	if _, err := p.token(""); err != nil { // the closing '}'
		return nil, err
	}
	return meta, nil
}

// entry reads one tensor's header entry.
func (p *parser) entry(name string) (entry, error) {
	e := entry{name: name}
	tok, err := p.token(name)
	if err != nil {
		return e, err
	}
	if tok != json.Delim('{') {
		return e, formatErr(name, "header entry is %s, not a JSON object", describe(tok))
	}
	var hasDtype, hasShape, hasOffsets bool
	for p.dec.More() {
		k, err := p.key(name, "the tensor entry")
		if err != nil {
			return e, err
		}
		switch k {
		case "dtype":
			if hasDtype {
				return e, formatErr(name, "duplicate field %q", k)
			}
			hasDtype = true
			tok, err := p.token(name)
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, formatErr(name, "dtype is %s, not a string", describe(tok))
			}
			e.dtype = s
		case "shape":
			if hasShape {
				return e, formatErr(name, "duplicate field %q", k)
			}
			hasShape = true
			v, err := p.ints(name, "shape", p.lim.MaxRank)
			if err != nil {
				return e, err
			}
			e.shape = v
		case "data_offsets":
			if hasOffsets {
				return e, formatErr(name, "duplicate field %q", k)
			}
			hasOffsets = true
			v, err := p.ints(name, "data_offsets", 2)
			if err != nil {
				return e, err
			}
			if len(v) != 2 {
				return e, formatErr(name, "data_offsets has %d values, want 2", len(v))
			}
			e.begin, e.end = v[0], v[1]
		default:
			return e, formatErr(name, "unknown field %q in header entry", k)
		}
	}
	if _, err := p.token(name); err != nil { // the closing '}'
		return e, err
	}
	switch {
	case !hasDtype:
		return e, formatErr(name, "header entry has no dtype")
	case !hasShape:
		return e, formatErr(name, "header entry has no shape")
	case !hasOffsets:
		return e, formatErr(name, "header entry has no data_offsets")
	}
	return e, nil
}

// ints reads a JSON array of at most max integers that fit in an int. It
// reports negative values only for data_offsets; negative dimensions are
// reported by checkEntry, which knows the whole shape.
func (p *parser) ints(name, field string, max int) ([]int, error) {
	tok, err := p.token(name)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, formatErr(name, "%s is %s, not an array of integers", field, describe(tok))
	}
	v := []int{}
	for p.dec.More() {
		tok, err := p.token(name)
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, formatErr(name, "%s contains %s, not an integer", field, describe(tok))
		}
		x, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || x > math.MaxInt || x < math.MinInt {
			return nil, formatErr(name, "%s contains %s, which is not an integer in range", field, truncate(string(num)))
		}
		if field == "data_offsets" && x < 0 {
			return nil, formatErr(name, "data_offsets contains negative offset %d", x)
		}
		if len(v) == max {
			if field == "shape" {
				return nil, formatErr(name, "shape has more than the limit of %d dimensions", max)
			}
			return nil, formatErr(name, "%s has more than %d values", field, max)
		}
		v = append(v, int(x))
	}
	if _, err := p.token(name); err != nil { // the closing ']'
		return nil, err
	}
	return v, nil
}

// describe names the kind of a JSON token for error messages.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// truncate shortens s for inclusion in an error message.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
