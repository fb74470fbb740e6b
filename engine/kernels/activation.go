package kernels

// A convolution followed by ReLU or ReLU6 (Clip to [0, 6]) writes its whole
// output, then the activation reads it all back and writes it again: for
// MobileNetV2 at 224² about 6 M values a forward pass, in 35 passes of their
// own. A kernel given an Activation applies it to its outputs once they are
// final, a row panel or a channel at a time while they are still in the
// first-level cache, so the activation costs its arithmetic and not another
// trip through memory (engine/graph fuses Conv → Relu / Clip this way).

// ActKind names the function of an Activation.
type ActKind uint8

const (
	// ActNone is the identity.
	ActNone ActKind = iota
	// ActReLU is ReLUTo: y = x if x > 0, else 0 (NaN gives 0).
	ActReLU
	// ActClamp is ClampTo with Lo and Hi: Lo if x ≤ Lo, Hi if x ≥ Hi, else
	// x (NaN stays NaN).
	ActClamp
)

// Activation is an element-wise function a kernel applies to the outputs it
// writes. The zero value is the identity.
type Activation struct {
	Kind   ActKind
	Lo, Hi float32 // ActClamp's bounds
}

// ReLU returns the activation ReLUTo computes.
func ReLU() Activation { return Activation{Kind: ActReLU} }

// Clamp returns the activation ClampTo(lo, hi) computes.
func Clamp(lo, hi float32) Activation { return Activation{Kind: ActClamp, Lo: lo, Hi: hi} }

// Apply replaces every value of y by its activation, with the same kernel
// (and so the same results, NaN and signed zeros included) as the
// activation's own pass: ReLUTo or ClampTo.
func (a Activation) Apply(y []float32) {
	switch a.Kind {
	case ActReLU:
		ReLUTo(y, y)
	case ActClamp:
		ClampTo(y, y, a.Lo, a.Hi)
	}
}

// applyRows applies a to the columns j0..j0+nc of rows i0..i0+rows of the
// row-major matrix c of n columns.
func (a Activation) applyRows(c []float32, n, i0, rows, j0, nc int) {
	for r := i0; r < i0+rows; r++ {
		a.Apply(c[r*n+j0 : r*n+j0+nc])
	}
}
