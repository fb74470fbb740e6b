package sanity

import "math"

// softmaxAt returns softmax(row)[c].
func softmaxAt(row []float32, c int) float64 {
	mx := float64(row[0])
	for _, v := range row[1:] {
		mx = max(mx, float64(v))
	}
	var sum float64
	for _, v := range row {
		sum += math.Exp(float64(v) - mx)
	}
	return math.Exp(float64(row[c])-mx) / sum
}
