package metrics

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestArgmaxRowsAndAccuracy(t *testing.T) {
	nan := float32(math.NaN())
	logits := []float32{
		0, 2, 1,
		3, 3, 1, // tie: lowest index
		nan, -1, -2, // NaN never wins
		nan, nan, nan, // all NaN: 0
	}
	dst := make([]int, 4)
	ArgmaxRows(logits, 4, 3, dst)
	if want := []int{1, 0, 1, 0}; !slices.Equal(dst, want) {
		t.Errorf("ArgmaxRows = %v, want %v", dst, want)
	}
	if got := Accuracy(dst, []int{1, 2, 1, 1}); got != 0.5 {
		t.Errorf("Accuracy = %v, want 0.5", got)
	}
	if got := Accuracy(nil, nil); got != 0 {
		t.Errorf("Accuracy(empty) = %v, want 0", got)
	}
}

// bruteAUC counts positive–negative pairs, a tie counting one half: O(n²).
func bruteAUC(scores []float64, positive []bool) float64 {
	var u, pairs float64
	for i := range scores {
		if !positive[i] {
			continue
		}
		for j := range scores {
			if positive[j] {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				u++
			case scores[i] == scores[j]:
				u += 0.5
			}
		}
	}
	return u / pairs
}

func TestROCAUCHandComputed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scores []float64
		pos    []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.3, 0.4}, []bool{false, false, true, true}, 1},
		{"inverse", []float64{0.4, 0.3, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"constant", []float64{5, 5, 5, 5, 5}, []bool{true, false, false, true, false}, 0.5},
		// scikit-learn's roc_auc_score docstring example.
		{"sklearn", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		// Positives 0.2, 0.7; negatives 0.2, 0.2: (0.5+0.5+1+1)/4.
		{"ties", []float64{0.2, 0.2, 0.7, 0.2}, []bool{true, false, true, false}, 0.75},
		// Pairs: (1 vs 1) ½, (1 vs 2) 0, (2 vs 1) 1, (2 vs 2) ½ → 2/4.
		{"tied groups", []float64{1, 1, 2, 2}, []bool{false, true, false, true}, 0.5},
		{"infinities", []float64{math.Inf(-1), math.Inf(1)}, []bool{false, true}, 1},
	} {
		got, err := ROCAUC(tc.scores, tc.pos)
		if err != nil {
			t.Errorf("%s: error %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: ROCAUC = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestROCAUCBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for trial := range 200 {
		n := 2 + rng.IntN(60)
		scores := make([]float64, n)
		pos := make([]bool, n)
		levels := 1 + rng.IntN(10) // few levels → many ties
		for i := range n {
			if trial%2 == 0 {
				scores[i] = float64(rng.IntN(levels))
			} else {
				scores[i] = rng.NormFloat64()
			}
			pos[i] = rng.IntN(3) == 0
		}
		pos[0], pos[1] = true, false
		got, err := ROCAUC(scores, pos)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if want := bruteAUC(scores, pos); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: ROCAUC = %v, brute force %v", trial, got, want)
		}
	}
}

func TestROCAUCErrors(t *testing.T) {
	if _, err := ROCAUC([]float64{1, 2}, []bool{true, true}); !errors.Is(err, ErrOneClass) {
		t.Errorf("all positive: err = %v, want ErrOneClass", err)
	}
	if _, err := ROCAUC([]float64{1, 2}, []bool{false, false}); !errors.Is(err, ErrOneClass) {
		t.Errorf("all negative: err = %v, want ErrOneClass", err)
	}
	if _, err := ROCAUC(nil, nil); !errors.Is(err, ErrOneClass) {
		t.Errorf("empty: err = %v, want ErrOneClass", err)
	}
	if _, err := ROCAUC([]float64{1, math.NaN()}, []bool{true, false}); !errors.Is(err, ErrNaNScore) {
		t.Errorf("NaN: err = %v, want ErrNaNScore", err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("ROCAUC did not panic on mismatched lengths")
		}
	}()
	ROCAUC([]float64{1}, []bool{true, false})
}

func TestMacroAUC(t *testing.T) {
	// K = 2: the binary AUC of the class-1 column, even if column 0 is not
	// 1 − column 1.
	probs2 := []float32{
		0.9, 0.1,
		0.0, 0.4,
		0.9, 0.35,
		0.0, 0.8,
	}
	labels2 := []int{0, 0, 1, 1}
	got, err := MacroAUC(probs2, 4, 2, labels2)
	if err != nil || got != 0.75 {
		t.Errorf("MacroAUC(K=2) = %v, %v; want 0.75", got, err)
	}

	// K = 3 against per-class ROCAUC.
	rng := rand.New(rand.NewPCG(3, 3))
	const n, k = 40, 3
	probs := make([]float32, n*k)
	labels := make([]int, n)
	for i := range n {
		labels[i] = i % k
		for c := range k {
			probs[i*k+c] = rng.Float32()
		}
	}
	var want float64
	for c := range k {
		s := make([]float64, n)
		p := make([]bool, n)
		for i := range n {
			s[i] = float64(probs[i*k+c])
			p[i] = labels[i] == c
		}
		want += bruteAUC(s, p) / k
	}
	got, err = MacroAUC(probs, n, k, labels)
	if err != nil || math.Abs(got-want) > 1e-12 {
		t.Errorf("MacroAUC(K=3) = %v, %v; want %v", got, err, want)
	}

	// Perfect classifier.
	perfect := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1}
	if got, err := MacroAUC(perfect, 3, 3, []int{0, 1, 2}); err != nil || got != 1 {
		t.Errorf("MacroAUC(perfect) = %v, %v; want 1", got, err)
	}
	if _, err := MacroAUC(perfect, 3, 3, []int{0, 1, 1}); !errors.Is(err, ErrOneClass) {
		t.Errorf("missing class: err = %v, want ErrOneClass", err)
	}
	if _, err := MacroAUC(perfect, 3, 3, []int{0, 1, 3}); err == nil {
		t.Errorf("label out of range: no error")
	}
	if _, err := MacroAUC([]float32{0, float32(math.NaN()), 1, 0}, 2, 2, []int{0, 1}); !errors.Is(err, ErrNaNScore) {
		t.Errorf("NaN: err = %v, want ErrNaNScore", err)
	}
}
