// Package train fine-tunes a network with the mask-supervised objectives of
// ../../shared/docs/METHODS.md: baseline, masked, shuffle, ActDiff, GradMask
// and Right for the Right Reasons (RRR). Every objective is
// CE(f(x), y) + λ·penalty.
//
// A Trainer advances one batch per Step, so a caller (the browser worker, the
// lab command) can report progress between batches and stop at any time. It
// evaluates on the validation split after each epoch, keeps the weights with
// the lowest validation loss, stops early when asked to, and refuses to apply
// an update whose loss or gradient is not finite, keeping the last good
// weights.
//
// GradMask and RRR penalise the input gradient g = ∇x S(θ, x). Their weight
// gradient is computed exactly with one forward pass, two backward passes
// (for CE and for g), one tangent pass along v = ∂P/∂g and one reverse pass
// through the tangent (nn.Model.BackwardDual), about three times the cost
// of a plain step.
package train
