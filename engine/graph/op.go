package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Info describes a tensor: its per-example shape and whether it is batched
// (an activation with a leading batch axis) or a constant.
type Info struct {
	Shape   []int
	Batched bool
}

// Size returns the number of values per example (for a constant, in all).
func (i Info) Size() int { return shapeSize(i.Shape) }

func (i Info) String() string {
	s := fmt.Sprint(i.Shape)
	if i.Batched {
		return "N×" + s
	}
	return "const " + s
}

// Op is one node's operation from n inputs to m outputs. An Op value belongs
// to one node: Infer prepares it for its input shapes once, and it keeps what
// its reverse passes need from the last Forward (the input slices it was
// given stay valid until the next Forward).
//
// Buffers: x[i] and y[j] hold n examples of a batched tensor or the values
// of a constant. Forward overwrites y. Backward and BackwardDual add (+=)
// into dx and dxt; a nil slot is not wanted (a constant that is not a
// trainable parameter, or a parameter when gradients are not taken). Tangent
// overwrites yt; xt[i] is nil for a constant input (zero tangent).
// BackwardDual always adds parameter gradients when their slot is non-nil,
// including the cross terms θ̄ += ẏ̄·ẋᵀ.
type Op interface {
	// Type returns the ONNX operator name, e.g. "Conv".
	Type() string
	// Attrs returns the op's attributes in ONNX form, for export.
	Attrs() Attrs
	// Infer checks the inputs and returns the outputs' Info. Its errors
	// name what is wrong, not the node (Build adds that).
	Infer(in []Info) ([]Info, error)
	// Forward computes y from x for a batch of n examples. In training mode
	// BatchNormalization with training statistics uses the batch's, and
	// Dropout drops units.
	Forward(x, y [][]float32, n int, train bool)
	// Backward adds the gradients of the inputs given dy, the gradients of
	// the outputs.
	Backward(dy, dx [][]float32)
	// Tangent writes the outputs' directional derivatives yt along the
	// input directions xt at the last Forward's point.
	Tangent(xt, yt [][]float32)
	// BackwardDual is the reverse of the last Forward and Tangent together:
	// given the gradients dy of y and dyt of ẏ it adds the gradients of x
	// and ẋ, and of the parameters.
	BackwardDual(dy, dyt, dx, dxt [][]float32)
}

// StateReader is implemented by ops that read some constant inputs as
// non-trainable state (BatchNormalization's running mean and variance).
type StateReader interface {
	// StateInputs returns the indices of the inputs read as state.
	StateInputs() []int
}

// Constructor builds an op from its ONNX attributes. It returns an error
// naming an unsupported or invalid attribute.
type Constructor func(a Attrs) (Op, error)

var registry = map[string]Constructor{}

// register records the constructor of an ONNX op type; each op's file calls
// it once from init. It panics on a second registration of the same name.
func register(typ string, c Constructor) {
	if _, dup := registry[typ]; dup {
		panic("graph: op " + typ + " registered twice")
	}
	registry[typ] = c
}

// Lookup returns the constructor of the ONNX op type typ.
func Lookup(typ string) (Constructor, bool) {
	c, ok := registry[typ]
	return c, ok
}

// Supported returns the names of every op type the engine runs, sorted.
func Supported() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New returns an op of ONNX type typ with attributes a, or an error naming
// the op type and what is supported.
func New(typ string, a Attrs) (Op, error) {
	c, ok := registry[typ]
	if !ok {
		return nil, fmt.Errorf("graph: op %s is not supported (supported: %s)", typ, strings.Join(Supported(), ", "))
	}
	op, err := c(a)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", typ, err)
	}
	return op, nil
}
