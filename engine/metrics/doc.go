// Package metrics scores saliency maps against region-of-interest masks and
// scores classifiers, following /work/shared/docs/METHODS.md ("Agreement
// between a saliency map S and a mask M" and "Generalization").
//
// Conventions:
//   - Everything is a plain function over flat slices with explicit
//     dimensions. A saliency map and its mask are one image's H×W pixels in
//     row-major order; logits and probabilities are N×K, row-major.
//   - A mask pixel counts as inside the region of interest when its value is
//     greater than 0.5, so exact {0,1} masks and soft masks both work.
//   - Ties are broken by index, lowest first, so every result is
//     deterministic. NaN saliency values rank below every other value.
//   - Mismatched slice lengths are programmer errors and panic with a
//     "metrics: " message before any work is done. Data-dependent failures
//     (a single class in the labels, NaN scores) return errors.
//   - Sums are accumulated in float64.
package metrics
