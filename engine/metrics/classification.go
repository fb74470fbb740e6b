package metrics

// ArgmaxRows writes into dst[i] the index of the largest of the K logits in
// row i of logits (N×K, row-major), for i < n. Ties go to the lowest index and
// NaN values are never chosen unless a whole row is NaN (then 0).
//
// ArgmaxRows panics if k < 1, n < 0, len(logits) != n*k or len(dst) < n.
func ArgmaxRows(logits []float32, n, k int, dst []int) {
	if k < 1 || n < 0 || len(logits) != n*k || len(dst) < n {
		panic("metrics: ArgmaxRows: bad dimensions")
	}
	for i := range n {
		row := logits[i*k : (i+1)*k]
		best := 0
		for j := 1; j < k; j++ {
			v, b := row[j], row[best]
			if v > b || (b != b && v == v) {
				best = j
			}
		}
		dst[i] = best
	}
}

// Accuracy returns the fraction of i with pred[i] == labels[i], or 0 when
// there are no examples.
//
// Accuracy panics if len(pred) != len(labels).
func Accuracy(pred, labels []int) float64 {
	if len(pred) != len(labels) {
		panic("metrics: Accuracy: len(pred) != len(labels)")
	}
	if len(pred) == 0 {
		return 0
	}
	hit := 0
	for i, p := range pred {
		if p == labels[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(pred))
}
