package cases

import (
	"slices"
	"time"
)

// Plan is how many times a cell is run: Warm unrecorded runs (fewer when a
// run is slow: none after a run of SlowMs, see Measure), then recorded runs
// until MaxReps or until they have taken BudgetMs, but at least one. The
// Node harness (../bench.js) uses the same rules.
type Plan struct {
	Warm     int
	MaxReps  int
	BudgetMs float64
	SlowMs   float64
}

// DefaultPlan is the plan of `make bench-peers`.
var DefaultPlan = Plan{Warm: 3, MaxReps: 15, BudgetMs: 4000, SlowMs: 1500}

// Measure runs f by plan and returns the recorded durations in
// milliseconds, or f's first error.
func Measure(plan Plan, f func() error) ([]float64, error) {
	run := func() (float64, error) {
		t0 := time.Now()
		err := f()
		return float64(time.Since(t0).Nanoseconds()) / 1e6, err
	}
	for w := 0; w < plan.Warm; w++ {
		ms, err := run()
		if err != nil {
			return nil, err
		}
		if ms > plan.SlowMs {
			break
		}
	}
	var times []float64
	var total float64
	for len(times) < plan.MaxReps && (len(times) == 0 || total < plan.BudgetMs) {
		ms, err := run()
		if err != nil {
			return nil, err
		}
		times = append(times, ms)
		total += ms
	}
	return times, nil
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
