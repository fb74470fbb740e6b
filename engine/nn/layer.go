package nn

import "fmt"

// Shape is the per-example shape of an activation: C channels of H×W. A
// vector of length C has H = W = 1.
type Shape struct{ C, H, W int }

// Size returns C·H·W.
func (s Shape) Size() int { return s.C * s.H * s.W }

func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.C, s.H, s.W) }

// Param is one named parameter tensor. Value and Grad are views into the
// network's flat parameter and gradient slices (or, for non-trainable state
// such as BatchNorm running statistics, into its state slice, with Grad nil).
type Param struct {
	Name      string
	Shape     []int
	Value     []float32
	Grad      []float32
	Trainable bool
	init      initKind
}

type initKind int

const (
	initZero initKind = iota
	initOne
	initHe // normal with variance 2/fanIn
	initFanIn
)

// Layer is one stage of a network. See the package documentation for the
// meaning of the four passes. n is the batch size of the last Forward.
type Layer interface {
	// Kind returns the layer's spec type name, e.g. "conv".
	Kind() string
	// OutShape returns the per-example output shape.
	OutShape() Shape
	// Params returns the layer's parameters, trainable ones first, in the
	// order they are stored. The network binds their Value and Grad slices.
	Params() []*Param
	// Forward computes the output for a batch of n examples. In training
	// mode, BatchNorm uses batch statistics and Dropout drops units.
	Forward(x []float32, n int, train bool) []float32
	// Backward returns the gradient with respect to the last Forward's input.
	// If paramGrads is true it also adds the parameter gradients to Grad.
	Backward(dy []float32, paramGrads bool) []float32
	// Tangent returns ẏ = J·ẋ, the directional derivative of the last
	// Forward's output along the input direction dx.
	Tangent(dx []float32) []float32
	// BackwardDual is the reverse of the last Forward and Tangent taken
	// together: given the gradients dy of y and dyt of ẏ it returns the
	// gradients of x and ẋ and adds every parameter gradient.
	BackwardDual(dy, dyt []float32) (dx, dxt []float32)
}

// grow returns buf resized to n elements, reusing its storage when it is
// large enough. Contents are not cleared.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

func checkLen(x []float32, want int, what string) {
	if len(x) != want {
		panic(fmt.Sprintf("nn: %s has %d values, want %d", what, len(x), want))
	}
}
