// Package npy reads and writes NumPy's .npy array files (format versions
// 1.0 to 3.0, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// what researchers hand to and take from engine/cmd/explain, and the form
// of the PyTorch reference fixtures.
//
// Read accepts little-endian float32, float64, int32 and int64, and uint8
// and bool arrays in C order, and returns their values as float64 (exact
// for all but int64 values beyond 2⁵³). The header is parsed as the small
// Python dict literal NumPy writes; the shape's element count is checked
// against the bytes present before any buffer is made. Write writes float32
// arrays, version 1.0.
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Array is an n-dimensional array in C (row-major) order.
type Array struct {
	Shape []int
	// Descr is the NumPy dtype string the file declared, e.g. "<f4".
	Descr string
	Data  []float64
}

// Float32s returns the values converted to float32.
func (a *Array) Float32s() []float32 {
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return out
}

// FormatError reports a file that is not a readable .npy array.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return "npy: " + e.Msg }

func errorf(format string, args ...any) error { return &FormatError{Msg: fmt.Sprintf(format, args...)} }

const magic = "\x93NUMPY"

// maxHeader bounds the header dict; NumPy's own limit is 10,000 bytes.
const maxHeader = 1 << 16

// dtypes maps a descr to its element size and decoder.
var dtypes = map[string]struct {
	size int
	get  func([]byte) float64
}{
	"<f4": {4, func(b []byte) float64 { return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))) }},
	"<f8": {8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }},
	"<i4": {4, func(b []byte) float64 { return float64(int32(binary.LittleEndian.Uint32(b))) }},
	"<i8": {8, func(b []byte) float64 { return float64(int64(binary.LittleEndian.Uint64(b))) }},
	"|u1": {1, func(b []byte) float64 { return float64(b[0]) }},
	"|b1": {1, func(b []byte) float64 { return float64(b[0]) }},
}

// Decode parses the bytes of a .npy file. It returns a *FormatError for
// anything that is not a supported array, and no array with an error.
func Decode(b []byte) (*Array, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return nil, errorf("not a .npy file (no \\x93NUMPY magic)")
	}
	major := b[len(magic)]
	rest := b[len(magic)+2:]
	var hlen int
	switch major {
	case 1:
		hlen, rest = int(binary.LittleEndian.Uint16(rest)), rest[2:]
	case 2, 3:
		if len(rest) < 4 {
			return nil, errorf("truncated header")
		}
		h := binary.LittleEndian.Uint32(rest)
		if h > maxHeader {
			return nil, errorf("header of %d bytes", h)
		}
		hlen, rest = int(h), rest[4:]
	default:
		return nil, errorf("format version %d is not supported (1 to 3)", major)
	}
	if hlen > len(rest) {
		return nil, errorf("header of %d bytes, %d present", hlen, len(rest))
	}
	descr, fortran, shape, err := parseHeader(string(rest[:hlen]))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, errorf("Fortran-order arrays are not supported (save with np.ascontiguousarray)")
	}
	dt, ok := dtypes[descr]
	if !ok {
		return nil, errorf("dtype %q is not supported (little-endian float32, float64, int32, int64, uint8, bool)", descr)
	}
	data := rest[hlen:]
	n := uint64(1)
	for _, d := range shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > uint64(len(data)) {
			return nil, errorf("shape %v needs more than the %d data bytes present", shape, len(data))
		}
		n = lo
	}
	if int(n)*dt.size != len(data) {
		return nil, errorf("shape %v of %s needs %d data bytes, the file has %d", shape, descr, int(n)*dt.size, len(data))
	}
	a := &Array{Shape: shape, Descr: descr, Data: make([]float64, n)}
	for i := range a.Data {
		a.Data[i] = dt.get(data[i*dt.size:])
	}
	return a, nil
}

// Read reads a whole .npy file from r, at most limit bytes.
func Read(r io.Reader, limit int64) (*Array, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, errorf("file larger than %d bytes", limit)
	}
	return Decode(b)
}

// parseHeader reads NumPy's header dict, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, errorf("header %q is not a dict", h)
	}
	body := h[1 : len(h)-1]
	seen := map[string]bool{}
	for len(strings.TrimSpace(body)) > 0 {
		body = strings.TrimSpace(body)
		key, r, ok := quoted(body)
		if !ok {
			return "", false, nil, errorf("header key in %q", body)
		}
		r = strings.TrimSpace(r)
		if !strings.HasPrefix(r, ":") {
			return "", false, nil, errorf("no ':' after %q", key)
		}
		r = strings.TrimSpace(r[1:])
		switch key {
		case "descr":
			descr, r, ok = quoted(r)
			if !ok {
				return "", false, nil, errorf("descr is not a string")
			}
		case "fortran_order":
			switch {
			case strings.HasPrefix(r, "False"):
				fortran, r = false, r[5:]
			case strings.HasPrefix(r, "True"):
				fortran, r = true, r[4:]
			default:
				return "", false, nil, errorf("fortran_order is not True or False")
			}
		case "shape":
			end := strings.IndexByte(r, ')')
			if !strings.HasPrefix(r, "(") || end < 0 {
				return "", false, nil, errorf("shape is not a tuple")
			}
			shape = []int{}
			for _, f := range strings.Split(r[1:end], ",") {
				f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "L"))
				if f == "" {
					continue
				}
				d, err := strconv.Atoi(f)
				if err != nil || d < 0 {
					return "", false, nil, errorf("shape dimension %q", f)
				}
				shape = append(shape, d)
			}
			r = r[end+1:]
		default:
			return "", false, nil, errorf("unknown header key %q", key)
		}
		seen[key] = true
		r = strings.TrimSpace(r)
		r = strings.TrimPrefix(r, ",")
		body = r
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return "", false, nil, errorf("header lacks descr, fortran_order or shape")
	}
	return descr, fortran, shape, nil
}

// quoted reads a Python string literal in single or double quotes at the
// start of s (NumPy's keys and descr never contain escapes).
func quoted(s string) (v, rest string, ok bool) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[end+2:], true
}

// Encode returns a version 1.0 .npy file of float32 values (descr '<f4')
// with the given shape. It panics if the shape's size is not len(data).
func Encode(shape []int, data []float32) []byte {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(data) || n < 0 {
		panic(fmt.Sprintf("npy: shape %v for %d values", shape, len(data)))
	}
	var dims []string
	for _, d := range shape {
		dims = append(dims, strconv.Itoa(d))
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", tuple)
	// Pad with spaces and a newline so the data starts at a multiple of 64
	// bytes, as NumPy does.
	total := len(magic) + 4 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.Write([]byte{1, 0})
	binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	out := buf.Bytes()
	for _, v := range data {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

// Write writes Encode(shape, data) to w.
func Write(w io.Writer, shape []int, data []float32) error {
	if _, err := w.Write(Encode(shape, data)); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
