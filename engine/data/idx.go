package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// IDX is a decoded IDX file, the format of the MNIST and Fashion-MNIST
// distributions (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"): a
// 4-byte magic number — two zero bytes, a type code and the number of
// dimensions — then each dimension as a big-endian uint32, then the
// elements in row-major order, big-endian.
type IDX struct {
	Type byte   // element type code: IDXUint8, IDXInt8, IDXInt16, IDXInt32, IDXFloat32 or IDXFloat64
	Dims []int  // dimension sizes, outermost first
	Data []byte // the raw elements, len = product(Dims) × element size
}

// IDX element type codes.
const (
	IDXUint8   byte = 0x08
	IDXInt8    byte = 0x09
	IDXInt16   byte = 0x0B
	IDXInt32   byte = 0x0C
	IDXFloat32 byte = 0x0D
	IDXFloat64 byte = 0x0E
)

// idxElemSize returns the byte size of an element of type code t, or 0 for
// an unknown code.
func idxElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// IDXMaxBytes bounds the element bytes DecodeIDX accepts (256 MiB; the
// MNIST training images are 47 MB), so a corrupt header cannot exhaust
// memory.
const IDXMaxBytes = 1 << 28

// IDXFormatError reports an IDX file that is not valid.
type IDXFormatError string

func (e IDXFormatError) Error() string { return "data: idx: invalid format: " + string(e) }

// DecodeIDX reads one IDX file from r, gzip-compressed or not (a gzip stream
// is recognized by its magic bytes 1f 8b). It is strict: the magic number's
// first two bytes must be zero, the type code known, the dimensions between
// 1 and 16 and each positive, the element bytes at most IDXMaxBytes, and the
// data must end exactly after the last element. Sizes are checked before
// anything is allocated, and memory grows only as data arrives. A file that ends early gives an error wrapping
// io.ErrUnexpectedEOF; other problems an IDXFormatError (or the gzip error).
// DecodeIDX never returns both a value and an error.
func DecodeIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("data: idx: gzip: %w", err)
		}
		defer zr.Close()
		return decodeIDX(zr)
	}
	return decodeIDX(br)
}

func decodeIDX(r io.Reader) (*IDX, error) {
	var magic [4]byte
	if err := readFull(r, magic[:], "magic number"); err != nil {
		return nil, err
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, IDXFormatError(fmt.Sprintf("magic number % x does not start with two zero bytes", magic))
	}
	size := idxElemSize(magic[2])
	if size == 0 {
		return nil, IDXFormatError(fmt.Sprintf("unknown element type 0x%02x", magic[2]))
	}
	nd := int(magic[3])
	if nd < 1 || nd > 16 {
		return nil, IDXFormatError(fmt.Sprintf("%d dimensions, want 1 to 16", nd))
	}
	var buf [16 * 4]byte
	if err := readFull(r, buf[:4*nd], "dimensions"); err != nil {
		return nil, err
	}
	dims := make([]int, nd)
	total := int64(size)
	for k := range dims {
		d := int64(binary.BigEndian.Uint32(buf[4*k:]))
		if d == 0 {
			return nil, IDXFormatError(fmt.Sprintf("dimension %d is zero", k))
		}
		// Both factors are at most IDXMaxBytes < 2^31, so the product
		// fits in an int64.
		if d > IDXMaxBytes || total*d > IDXMaxBytes {
			return nil, IDXFormatError(fmt.Sprintf("dimensions %v exceed %d bytes", dimsSoFar(buf[:4*nd]), IDXMaxBytes))
		}
		total *= d
		dims[k] = int(d)
	}
	// Grow the buffer as bytes arrive, so that a short file claiming large
	// dimensions costs no more memory than its actual size.
	var b bytes.Buffer
	b.Grow(int(min(total, 1<<22)))
	if n, err := io.CopyN(&b, r, total); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("data: idx: reading the elements (%d of %d bytes): %w", n, total, err)
	}
	data := b.Bytes()
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0:
		return nil, IDXFormatError(fmt.Sprintf("data continues after the %d elements of %v", total/int64(size), dims))
	case err != io.EOF && err != io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("data: idx: after the elements: %w", err)
	}
	return &IDX{Type: magic[2], Dims: dims, Data: data}, nil
}

// dimsSoFar decodes big-endian uint32 dimensions for an error message.
func dimsSoFar(b []byte) []uint32 {
	d := make([]uint32, len(b)/4)
	for k := range d {
		d[k] = binary.BigEndian.Uint32(b[4*k:])
	}
	return d
}

// readFull fills b from r, turning an early end into io.ErrUnexpectedEOF
// with context.
func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("data: idx: reading the %s: %w", what, err)
	}
	return nil
}

// Len returns the number of elements, the product of Dims.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// Uint8 returns the elements of an unsigned-byte IDX file (type 0x08)
// without copying, or an error for other types.
func (x *IDX) Uint8() ([]uint8, error) {
	if x.Type != IDXUint8 {
		return nil, fmt.Errorf("data: idx: element type 0x%02x, want unsigned bytes (0x08)", x.Type)
	}
	return x.Data, nil
}

// EncodeIDX writes an unsigned-byte IDX file with the given dimensions and
// elements. It returns an error if len(data) is not the product of dims or
// a dimension is out of range.
func EncodeIDX(w io.Writer, dims []int, data []uint8) error {
	if len(dims) < 1 || len(dims) > 16 {
		return fmt.Errorf("data: idx: %d dimensions, want 1 to 16", len(dims))
	}
	n := 1
	for _, d := range dims {
		if d < 1 || d > IDXMaxBytes || n*d > IDXMaxBytes {
			return fmt.Errorf("data: idx: dimensions %v out of range", dims)
		}
		n *= d
	}
	if len(data) != n {
		return fmt.Errorf("data: idx: %d elements for dimensions %v", len(data), dims)
	}
	var b bytes.Buffer
	b.Write([]byte{0, 0, IDXUint8, byte(len(dims))})
	for _, d := range dims {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(d)))
	}
	b.Write(data)
	_, err := w.Write(b.Bytes())
	if err != nil {
		return fmt.Errorf("data: idx: %w", err)
	}
	return nil
}
