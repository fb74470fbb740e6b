package safetensors

import (
	"fmt"
	"math"
)

// Tensor is one named float32 tensor. Data holds the elements in row-major
// order; len(Data) equals the product of Shape. An empty Shape denotes a
// scalar, which has one element.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Limits bound what [Decode] accepts, so hostile files cannot exhaust
// memory or time. A field that is zero or negative is replaced by the
// corresponding field of [DefaultLimits].
type Limits struct {
	// MaxHeaderBytes bounds the length N of the JSON header.
	MaxHeaderBytes int
	// MaxTotalElements bounds the number of elements summed over all
	// tensors.
	MaxTotalElements int
	// MaxTensors bounds the number of tensors.
	MaxTensors int
	// MaxRank bounds the number of dimensions of each tensor.
	MaxRank int
}

// DefaultLimits returns generous limits for CNN weight files: a 1 MiB
// header, 64M elements (256 MiB of float32), 4096 tensors and rank 8.
func DefaultLimits() Limits {
	return Limits{
		MaxHeaderBytes:   1 << 20,
		MaxTotalElements: 64 << 20,
		MaxTensors:       4096,
		MaxRank:          8,
	}
}

// withDefaults replaces unset fields by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxTotalElements <= 0 {
		l.MaxTotalElements = d.MaxTotalElements
	}
	if l.MaxTensors <= 0 {
		l.MaxTensors = d.MaxTensors
	}
	if l.MaxRank <= 0 {
		l.MaxRank = d.MaxRank
	}
	return l
}

// A FormatError reports that the input is not a valid safetensors file, or
// that it exceeds the [Limits] it was decoded with, or that it holds
// non-finite weights.
type FormatError struct {
	// Tensor names the offending tensor, or is empty if the problem is not
	// specific to one tensor.
	Tensor string
	// Msg describes the problem.
	Msg string
}

func (e *FormatError) Error() string {
	if e.Tensor == "" {
		return "safetensors: " + e.Msg
	}
	return fmt.Sprintf("safetensors: tensor %q: %s", e.Tensor, e.Msg)
}

// An UnsupportedError reports that the input uses a valid safetensors
// feature that this package does not support, such as a dtype other than
// F32, F16 or F64.
type UnsupportedError struct {
	// Tensor names the offending tensor, or is empty.
	Tensor string
	// Msg describes the unsupported feature.
	Msg string
}

func (e *UnsupportedError) Error() string {
	if e.Tensor == "" {
		return "safetensors: unsupported: " + e.Msg
	}
	return fmt.Sprintf("safetensors: unsupported: tensor %q: %s", e.Tensor, e.Msg)
}

func formatErr(tensor, format string, args ...any) error {
	return &FormatError{Tensor: tensor, Msg: fmt.Sprintf(format, args...)}
}

func unsupportedErr(tensor, format string, args ...any) error {
	return &UnsupportedError{Tensor: tensor, Msg: fmt.Sprintf(format, args...)}
}

// metadataKey is the reserved header key holding the metadata map.
const metadataKey = "__metadata__"

// numElements returns the product of shape, or ok == false if a dimension
// is negative or the product overflows int. A shape containing a zero
// dimension has zero elements whatever its other dimensions.
func numElements(shape []int) (n int, ok bool) {
	zero := false
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			zero = true
		}
	}
	if zero {
		return 0, true
	}
	n = 1
	for _, d := range shape {
		if n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}
