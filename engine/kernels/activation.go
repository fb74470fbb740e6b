package kernels

// A convolution followed by ReLU or ReLU6 (Clip to [0, 6]) writes its whole
// output, then the activation reads it all back and writes it again: for
// MobileNetV2 at 224² about 6 M values a forward pass, in 35 passes of their
// own. A kernel given an Activation applies it to its outputs, in place:
// the 3×3 depthwise kernels to each channel as soon as it is done, while it
// is in cache; the products (MatMulPackedBias) in one pass over C after the
// product, which in wasm measured faster than applying it per row panel
// (a call per few hundred values) or in the micro-kernel's store (whose
// extra live vectors slowed the product's loop): see docs/performance.md,
// "Fusing ReLU6 into the convolutions".
// engine/graph fuses Conv → Relu / Clip this way.

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
