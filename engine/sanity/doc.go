// Package sanity asks whether a saliency map means anything (METHODS.md,
// "Does a map mean anything?"): the cascading model-parameter randomisation
// test of Adebayo et al. (NeurIPS 2018) and the deletion and insertion
// curves of Petsiuk et al. (BMVC 2018, RISE).
//
// Both are defined here as Quantus (Hedström et al., JMLR 2023) defines
// them, with the differences stated where they occur:
//
//   - Randomisation follows quantus.ModelParameterRandomisation with its
//     defaults: layers from the top down, cascading (each step keeps the
//     layers above randomised), maps taken in absolute value and divided by
//     their maximum, Spearman rank correlation (scipy.stats.spearmanr) as
//     the similarity, SSIM reported beside it (quantus.similarity_func.ssim).
//     The unit is a top-level layer of the network that has parameters: a
//     whole residual block is re-initialised in one step where Quantus,
//     walking PyTorch's leaf modules, would take its convolutions and
//     BatchNorms one at a time. Re-initialisation draws from the network's
//     own training initializer (nn.New) and also resets BatchNorm running
//     statistics, as PyTorch's reset_parameters does. A model imported
//     from ONNX carries no initializer: its unit is a node that reads
//     trainable tensors, each redrawn from a normal distribution with that
//     tensor's own mean and standard deviation (GraphUnits); its running
//     statistics are kept. A model with more units than a strip of maps
//     can show may have adjacent units merged into one step (Group).
//   - Deletion and insertion follow Petsiuk et al.: pixels ordered by
//     attribution (descending), in n equal steps the next pixels are
//     deleted (set to the baseline value, 0) from x, or inserted (copied
//     from x) into a blurred copy of x (Gaussian σ = 5 px, as RISE's
//     kernel), and the class probability p_c is recorded at each of the n+1
//     points; the area under each curve is the trapezoid rule over the
//     fraction of pixels in [0, 1], so it lies in [0, 1]. Quantus has no
//     metric of this name: its closest, quantus.PixelFlipping, is deletion
//     with a "black" baseline returning the curve and, with
//     return_auc_per_sample, np.trapz of it with dx = 1 — the same curve,
//     its area not divided by the number of steps. A random pixel order
//     gives the reference curves.
package sanity
