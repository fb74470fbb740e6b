// Package graph runs a network given as a graph of nodes over named tensors:
// the form ONNX models take, and the form the built-in nn.Spec networks
// convert to. It keeps the four passes of package nn for every op, so every
// saliency method and every training objective, including the exact
// second-order gradients of GradMask and RRR (METHODS.md, "Exact
// second-order gradients"), works on any graph:
//
//	Forward       y = f(x)
//	Backward      x̄ = (∂y/∂x)ᵀ ȳ, and θ̄ += (∂y/∂θ)ᵀ ȳ
//	Tangent       ẏ = (∂y/∂x) ẋ at the last forward point
//	BackwardDual  the reverse of the pair (y, ẏ)
//
// # Tensors
//
// A tensor is named (ONNX's value names). It is either batched, an
// activation that depends on the graph's input and has a leading batch axis
// of N examples, or constant, an initializer (a parameter or a frozen
// statistic) with no batch axis. Shapes are per example: a batched tensor
// of Info.Shape [C, H, W] holds N·C·H·W float32 values in NCHW order; a
// constant of shape [C, 1, 1] holds C values. ONNX shapes map to these by
// dropping the batch axis of activations (package onnx does this when it
// imports a model); a constant whose rank equals the full rank of the
// activation it meets has a leading 1 that broadcasting drops.
//
// Constants that are not float parameters (Reshape's target shape, Pad's
// pads, Clip's bounds, axes) are op attributes here, not tensors: the
// importer folds them (see Attrs and the op constructors).
//
// # Graphs
//
// A Def lists the nodes (an Op with input and output tensor names), the
// initializers, the one input (per-example shape) and the one output, the
// logits. Build checks it: every name defined once, nodes in topological
// order or sortable into one, every node's input shapes accepted by its op
// (Op.Infer, which fixes its output shapes), and the total size of
// parameters and activations within limits. Build never panics on a bad
// Def; it returns a *BuildError naming the node.
//
// An initializer is trainable unless it is Frozen or every node that reads it
// reads it as state (BatchNormalization's running mean and variance);
// Freeze and ParamsAfter choose what fine-tuning trains. Trainable values
// live in one flat slice, Graph.Params, with their gradients in
// Graph.Grads in the same layout, so an optimizer update is one loop;
// state lives in Graph.State. NamedParams returns views into them, in the
// order of Def.Initializers.
//
// # Executor
//
// The graph owns one value buffer per batched tensor and, for the reverse
// passes, one gradient buffer and one tangent buffer; they are sized on the
// first pass for a batch and reused. Before a backward pass the executor
// clears the gradient buffers; each op adds its contribution (+=) into the
// gradient of each of its inputs, so a tensor read by several nodes (a
// residual shortcut, a DenseNet concatenation, a squeeze-excite gate)
// receives the sum of its consumers' gradients. Parameter gradients are
// added into Grads the same way and cleared only by ZeroGrad.
//
// Value, Grad and TangentOf return any tensor's buffer by name after the
// corresponding pass; they stay valid until the next pass. ValuesPerExample
// tells how much memory a batch needs before it runs.
//
// A Graph implements nn.Model and nn.Trainable, as nn.Network does, so the
// saliency methods and the training objectives run on either; FromNetwork
// converts a built-in network with the same tensor and parameter names.
//
// # Ops
//
// An Op is one node's operation, n inputs to m outputs, with n-ary passes
// (Add, Mul and Concat have gradients for every input). An Op value belongs
// to one node and keeps what its reverse passes need from the last Forward.
// Every op type registers once, with the ONNX name it implements, in the
// file that defines it; Lookup finds its constructor by name, and
// Supported lists them for error messages. Shape inference (Infer) lives
// with the op.
//
// Constant inputs get nil tangents; their gradient slot is the parameter's
// Grad view when the graph takes parameter gradients and the initializer
// is trainable, else nil (the op skips it).
//
// A shape mismatch between the executor and an op is a bug and panics with
// a message prefixed "graph:"; anything that comes from a file is checked by
// Build and returns an error.
package graph
