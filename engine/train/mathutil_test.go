package train

import "math"

func logf(x float32) float64   { return math.Log(float64(x)) }
func absf(x float32) float64   { return math.Abs(float64(x)) }
func absf64(x float64) float64 { return math.Abs(x) }
