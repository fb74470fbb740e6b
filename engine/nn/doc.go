// Package nn is the engine's convolutional network: layers, their gradients,
// and the forward-mode (tangent) rules that make exact second-order gradients
// possible without a general autodiff.
//
// Tensors are float32 in NCHW layout, flat slices with explicit dimensions: N
// examples, C channels, H rows, W columns. A fully connected activation is a
// C×1×1 image. Each layer owns its output and gradient buffers; they are sized
// on first use for a batch and reused afterwards, so a warm forward or
// training step allocates nothing. A slice returned by a layer stays valid
// until that layer runs again.
//
// Every layer implements four passes (see Layer):
//
//	Forward       y = L(x)
//	Backward      x̄ = (∂y/∂x)ᵀ ȳ, and θ̄ += (∂y/∂θ)ᵀ ȳ
//	Tangent       ẏ = (∂y/∂x) ẋ at the last forward point
//	BackwardDual  the reverse of the pair (y, ẏ): given ȳ and the gradient ẏ̄
//	              with respect to ẏ, it returns x̄ and ẋ̄ and adds θ̄
//
// BackwardDual is what GradMask and Right for the Right Reasons need: the
// gradient with respect to the weights of a penalty on the input gradient
// (see ../../shared/docs/METHODS.md, "Exact second-order gradients"). For
// piecewise-linear layers it is the ordinary backward applied to both
// streams plus the cross term θ̄ += ẏ̄·ẋᵀ; BatchNorm in training mode adds its
// Hessian-vector terms.
//
// A shape mismatch between layers is a bug in the engine and panics with a
// message prefixed "nn:"; data from users and files is validated before it
// reaches this package (see Spec.Validate and the model loader).
package nn
