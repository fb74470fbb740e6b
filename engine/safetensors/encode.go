package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Encode writes tensors to w as a safetensors file with dtype F32. The
// tensors' data is laid out contiguously in the given order, and the header
// lists them in that order, preceded by metadata (sorted by key) if
// metadata is not empty. The header is padded with spaces so that the byte
// buffer starts at an 8-byte aligned offset.
//
// Encode returns an error, and writes nothing, if a name is duplicated, is
// "__metadata__" or is not valid UTF-8, if a shape has a negative dimension
// or does not match len(Data), if a value is NaN or infinite (Decode would
// reject the file), or if a metadata key or value is not valid UTF-8.
// Errors from w are returned unchanged.
func Encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	// Write the data in bounded chunks rather than materialising the buffer.
	const chunkElems = 8192
	buf := make([]byte, 0, 4*chunkElems)
	for _, t := range tensors {
		for i := 0; i < len(t.Data); i += chunkElems {
			buf = buf[:0]
			for _, v := range t.Data[i:min(i+chunkElems, len(t.Data))] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodeHeader validates tensors and metadata and returns the padded JSON
// header.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			h.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		comma()
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range keys {
			v := metadata[k]
			if !utf8.ValidString(k) {
				return nil, fmt.Errorf("safetensors: metadata key %q is not valid UTF-8", k)
			}
			if !utf8.ValidString(v) {
				return nil, fmt.Errorf("safetensors: metadata value for key %q is not valid UTF-8", k)
			}
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, v)
		}
		h.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	offset := 0
	for _, t := range tensors {
		if err := checkTensor(t); err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		if len(t.Data) > (math.MaxInt-offset)/4 {
			return nil, errors.New("safetensors: total data size overflows int")
		}
		end := offset + 4*len(t.Data)
		comma()
		writeJSONString(&h, t.Name)
		h.WriteString(`:{"dtype":"F32","shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		h.WriteString(`],"data_offsets":[`)
		h.WriteString(strconv.Itoa(offset))
		h.WriteByte(',')
		h.WriteString(strconv.Itoa(end))
		h.WriteString("]}")
		offset = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), nil
}

// checkTensor validates one tensor for Encode.
func checkTensor(t Tensor) error {
	if t.Name == metadataKey {
		return fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
	}
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("safetensors: tensor name %q is not valid UTF-8", t.Name)
	}
	n, ok := numElements(t.Shape)
	if !ok {
		return fmt.Errorf("safetensors: tensor %q: invalid shape %v (negative dimension or overflowing element count)", t.Name, t.Shape)
	}
	if n != len(t.Data) {
		return fmt.Errorf("safetensors: tensor %q: shape %v has %d elements but Data has %d", t.Name, t.Shape, n, len(t.Data))
	}
	for i, v := range t.Data {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("safetensors: tensor %q has %v at index %d", t.Name, nonFiniteName(f), i)
		}
	}
	return nil
}

// writeJSONString appends s to b as a JSON string literal. s must be valid
// UTF-8. HTML characters are not escaped, to keep headers readable.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // cannot fail for a string into a bytes.Buffer
	b.Truncate(b.Len() - 1) // drop the newline Encode appends
}

// nonFiniteName names a NaN or infinite value for error messages.
func nonFiniteName(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case f > 0:
		return "+Inf"
	default:
		return "-Inf"
	}
}
