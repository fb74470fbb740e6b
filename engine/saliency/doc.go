// Package saliency computes attribution maps for one image and one class c of
// an nn.Model (a built-in nn.Network or an imported graph.Graph): which
// input pixels the class's target f_c depends on. The target (Options.Target,
// Captum's name) is the class's logit by default, or its log-probability
// log p_c or probability p_c; f_c below stands for whichever is chosen. The
// methods follow /work/shared/docs/METHODS.md ("Saliency (attribution)
// methods"):
//
//	Gradient             ∂f_c/∂x (Simonyan et al., 2014)
//	GradientXInput       x ⊙ ∂f_c/∂x (Shrikumar et al., 2016)
//	SmoothGrad           mean of ∂f_c/∂x over x + N(0, σ²) (Smilkov et al., 2017)
//	IntegratedGradients  (x − x′) ⊙ ∫₀¹ ∂f_c/∂x(x′ + α(x − x′)) dα (Sundararajan et al., 2017)
//	GradCAM              ReLU(Σ_k α_k A^k) on a named feature map, by default the last spatial one (Selvaraju et al., 2017)
//	Occlusion            f_c(x) − f_c(x with a window filled) (Zeiler and Fergus, 2014)
//
// Conventions:
//   - Images are float32 C×H×W in row-major (CHW) order, one example, the
//     network's Input() shape. Maps are H×W, row-major.
//   - Attribute returns each method's raw result: C×H×W and signed for the
//     four gradient methods, H×W for Grad-CAM (non-negative, upsampled to the
//     input size) and for occlusion (signed mean drop). Map turns it into the
//     H×W heat map shown to the user: the gradient methods are reduced over
//     channels by the maximum absolute value; Grad-CAM and occlusion are
//     already per pixel. Map then applies the optional Gaussian blur.
//   - The network always runs in inference mode (Forward with train=false)
//     and Backward never touches parameter gradients, so computing a map
//     during fine-tuning leaves Grads as it found them. The network's
//     buffers are reused, so a Network must not be shared between
//     goroutines; use Clone for parallel work.
//   - Methods that need many evaluations (SmoothGrad samples, Integrated
//     Gradients steps, occlusion windows) pack them into batches of at most
//     Options.Batch examples: one forward and one backward pass per batch,
//     with dlogits in every row the target's gradient with respect to that
//     row's logits (Target.Seed: e_c for the logit, e_c − p for log p_c,
//     p_c(e_c − p) for p_c), so each row's input gradient is ∂f_c/∂x at
//     that row. Options.Progress is called after every
//     batch, and the context is checked before every batch; a cancelled
//     context ends the call with an error wrapping ctx.Err().
//   - A model whose first layers are affine in the input up to one tensor
//     T (nn.AffinePrefix: an imported network's first convolution, with
//     its BatchNorm folded in) runs them fewer times, with the same result
//     up to float rounding: Integrated Gradients runs them on x and x′
//     only and starts every step from T(x′) + α(T(x) − T(x′)), and it and
//     SmoothGrad take the prefix's backward, whose Jacobian is constant,
//     once on the sum of their gradients at T.
//   - A model with faster, less exactly rounded forward passes
//     (nn.AveragedForwards: an imported graph's 3×3 convolutions on
//     Winograd F(4×4, 3×3) instead of F(2×2, 3×3)) runs them for
//     Integrated Gradients and SmoothGrad with noise, whose averages of
//     many gradients they move by far less than those methods' own
//     discretisation or sampling error, and not for the other methods,
//     whatever the caller set; the setting is put back after the call.
//   - Arguments from the user (class, image, options) are validated before
//     any work, and a bad one yields an *ArgError and no map. A buffer size
//     mismatch in Blur is a programming error and panics with a "saliency:"
//     message.
//   - Results are deterministic: SmoothGrad's noise comes from Options.Seed,
//     drawn in sample order, so it does not depend on the batch size.
package saliency
