package onnxpb

import (
	"errors"
	"fmt"
)

// FormatError reports bytes that are not a valid ONNX file: a truncated
// field, a wrong wire type, a tensor whose data does not match its shape.
type FormatError struct {
	Path string // where in the file, e.g. `graph.initializer[2] "fc.weight"`
	Msg  string
}

func (e *FormatError) Error() string { return "onnx: invalid file" + where(e.Path) + ": " + e.Msg }

// UnsupportedError reports valid ONNX that this package does not carry:
// external tensor data, sparse tensors, segments, data types other than
// FLOAT, DOUBLE, INT32 and INT64.
type UnsupportedError struct {
	Path string
	Msg  string
}

func (e *UnsupportedError) Error() string { return "onnx: unsupported" + where(e.Path) + ": " + e.Msg }

// LimitError reports a file over one of the decoder's Limits.
type LimitError struct {
	Path  string
	What  string // "file size", "items"
	Limit int64
	Got   int64 // the size or count that exceeded Limit (a lower bound for counts)
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("onnx: too large%s: %s %d exceeds the limit of %d", where(e.Path), e.What, e.Got, e.Limit)
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return " at " + path
}

// at prefixes the location of err, one of this package's error types, with
// seg, as the error travels up from a nested message.
func at(err error, seg string) error {
	if err == nil {
		return nil
	}
	join := func(p string) string {
		if p == "" {
			return seg
		}
		if p[0] == '[' || p[0] == ' ' {
			return seg + p
		}
		return seg + "." + p
	}
	var fe *FormatError
	var ue *UnsupportedError
	var le *LimitError
	switch {
	case errors.As(err, &fe):
		fe.Path = join(fe.Path)
	case errors.As(err, &ue):
		ue.Path = join(ue.Path)
	case errors.As(err, &le):
		le.Path = join(le.Path)
	}
	return err
}

func formatErr(format string, args ...any) error {
	return &FormatError{Msg: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) error {
	return &UnsupportedError{Msg: fmt.Sprintf(format, args...)}
}

// Limits bounds what Decode accepts. A zero field selects its default.
type Limits struct {
	// MaxBytes is the largest input accepted, in bytes.
	MaxBytes int64
	// MaxItems bounds the number of decoded nodes, attributes, tensors,
	// value infos, dims and list elements of attributes together: the
	// structures whose heap size can exceed the bytes that encode them.
	MaxItems int64
}

// Default limits: a 1 GiB file (the weights of a DenseNet-121 take 32 MB,
// a ResNet-50 100 MB), and 4 Mi items (a DenseNet-121 has about 3,000).
const (
	DefaultMaxBytes = 1 << 30
	DefaultMaxItems = 1 << 22
)

// DefaultLimits returns Limits with every default.
func DefaultLimits() Limits { return Limits{MaxBytes: DefaultMaxBytes, MaxItems: DefaultMaxItems} }

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	return l
}
