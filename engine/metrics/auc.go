package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// ErrOneClass is wrapped by the errors of ROCAUC and MacroAUC when the
// positives or the negatives are missing, so the AUC is undefined.
var ErrOneClass = errors.New("only one class present")

// ErrNaNScore is wrapped by the errors of ROCAUC and MacroAUC when a score is
// NaN (for example from a diverged model), which has no rank.
var ErrNaNScore = errors.New("NaN score")

// ROCAUC returns the exact area under the ROC curve of scores against the
// binary labels positive: the probability that a random positive scores
// higher than a random negative, counting ties as one half (the Mann–Whitney
// U statistic divided by n₊·n₋). Perfect ranking gives 1, inverse ranking 0,
// constant scores 0.5. It takes O(n log n) time and allocates one index
// slice.
//
// It returns an error wrapping ErrOneClass if positive has no true or no
// false entries, and one wrapping ErrNaNScore if a score is NaN. It panics if
// len(scores) != len(positive).
func ROCAUC(scores []float64, positive []bool) (float64, error) {
	if len(scores) != len(positive) {
		panic("metrics: ROCAUC: len(scores) != len(positive)")
	}
	auc, err := rocAUC(scores, positive, nil)
	if err != nil {
		return 0, fmt.Errorf("metrics: ROC AUC: %w", err)
	}
	return auc, nil
}

// rocAUC is ROCAUC with a reusable index buffer.
func rocAUC(scores []float64, positive []bool, idx []int) (float64, error) {
	var npos, nneg int64
	for i, s := range scores {
		if s != s {
			return 0, fmt.Errorf("score %d: %w", i, ErrNaNScore)
		}
		if positive[i] {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return 0, fmt.Errorf("%d positive and %d negative examples: %w", npos, nneg, ErrOneClass)
	}
	if len(idx) < len(scores) {
		idx = make([]int, len(scores))
	}
	idx = idx[:len(scores)]
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	// Walk groups of tied scores in increasing order. Each positive beats
	// every negative in earlier groups and ties with those in its own group,
	// so 2U = Σ_groups pos·(2·negBefore + neg): an exact integer.
	var twiceU, negBefore int64
	for lo := 0; lo < len(idx); {
		hi := lo
		var pos, neg int64
		for hi < len(idx) && scores[idx[hi]] == scores[idx[lo]] {
			if positive[idx[hi]] {
				pos++
			} else {
				neg++
			}
			hi++
		}
		twiceU += pos * (2*negBefore + neg)
		negBefore += neg
		lo = hi
	}
	return float64(twiceU) / (2 * float64(npos) * float64(nneg)), nil
}

// MacroAUC returns the one-vs-rest macro-averaged ROC AUC of class
// probabilities probs (N×K, row-major) against labels in [0, K): the mean
// over classes c of ROCAUC(probs[:, c], labels == c). For K == 2 it is the
// binary AUC of the class-1 probability, as in scikit-learn's roc_auc_score.
//
// It returns an error if a label is out of range, if some class has no
// positive or no negative example (wrapping ErrOneClass; no class is silently
// dropped from the average), or if a probability is NaN (wrapping
// ErrNaNScore). It panics if k < 2, n < 0, len(probs) != n*k or
// len(labels) != n.
func MacroAUC(probs []float32, n, k int, labels []int) (float64, error) {
	if k < 2 || n < 0 || len(probs) != n*k || len(labels) != n {
		panic("metrics: MacroAUC: bad dimensions")
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			return 0, fmt.Errorf("metrics: macro AUC: label %d of example %d is outside [0, %d)", y, i, k)
		}
	}
	scores := make([]float64, n)
	positive := make([]bool, n)
	idx := make([]int, n)
	first := 0
	if k == 2 {
		first = 1
	}
	var sum float64
	for c := first; c < k; c++ {
		for i := range n {
			scores[i] = float64(probs[i*k+c])
			positive[i] = labels[i] == c
		}
		auc, err := rocAUC(scores, positive, idx)
		if err != nil {
			return 0, fmt.Errorf("metrics: macro AUC: class %d vs rest: %w", c, err)
		}
		sum += auc
	}
	return sum / float64(k-first), nil
}
