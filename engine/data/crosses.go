package data

import (
	"fmt"
	"math/rand/v2"
)

// CrossesConfig configures Crosses. DefaultCrosses gives the values of
// METHODS.md.
type CrossesConfig struct {
	// Size is the image side in pixels (28). The distractor keeps its
	// distance from the bottom and side edges: rows Size−5..Size−4, columns
	// 3..5 (class 0) or Size−6..Size−4 (class 1). At least 12.
	Size int
	// NTrain, NValid and NTest are the split sizes (500, 128, 128). Each split
	// is balanced: n/2 images per class, the extra one (odd n) in class 0.
	NTrain, NValid, NTest int
	// DilateSigma sets the training-mask dilation of the train split: a
	// square of side 2·round(4σ)+1 (σ = 0.8 gives 7). 0 means no dilation.
	DilateSigma float64
	// Seed makes the splits reproducible. Each split draws from its own PCG
	// stream, so changing one split's size leaves the others unchanged.
	Seed int64
}

// DefaultCrosses returns the configuration of METHODS.md with the given seed:
// 28×28 images, 500/128/128 images, training masks dilated with σ = 0.8.
func DefaultCrosses(seed int64) CrossesConfig {
	return CrossesConfig{Size: 28, NTrain: 500, NValid: 128, NTest: 128, DilateSigma: 0.8, Seed: seed}
}

// CrossesClassNames are the class names of the Crosses set.
var CrossesClassNames = []string{"one cross", "two crosses"}

// Limits on CrossesConfig, to keep a bad configuration from exhausting memory.
const (
	crossesMinSize = 12
	crossesMaxSize = 1024
	crossesMaxN    = 1 << 20
)

// PCG stream selectors, one per split.
const (
	streamTrain uint64 = 0x9e3779b97f4a7c15 + iota
	streamValid
	streamTest
)

// Crosses generates the synthetic Crosses set, "hard" variant (METHODS.md;
// Viviano et al. 2021). Images are Size×Size, one channel, values 0 or 1.
// Class 0 has one "+" cross, class 1 has two. Per image an arm half-length
// d ∈ {1, 2} is drawn; a cross is a vertical and a horizontal line of 2d+1
// pixels through its centre, whose row and column are uniform in
// [d, Size−d). With two crosses (same d) their rows differ and their columns
// differ, though their arms may intersect. A 2×3 distractor block is drawn
// over the image at rows Size−5..Size−4 (23–24), columns 3..5 for class 0 and
// Size−6..Size−4 (22–24) for class 1; it may overlap a cross. Masks hold the
// crosses only, never the distractor.
//
// The valid and test images and masks are mirrored left-right, so their
// distractor sits on the side of the other class. TrainMasks of the train
// split are Masks dilated by a square of side 2·round(4·DilateSigma)+1; for
// valid and test (and DilateSigma 0) they are a copy of Masks.
//
// Crosses returns an error if the configuration is out of range.
func Crosses(cfg CrossesConfig) (Splits, error) {
	if cfg.Size < crossesMinSize || cfg.Size > crossesMaxSize {
		return Splits{}, fmt.Errorf("data: crosses: size %d outside [%d, %d]", cfg.Size, crossesMinSize, crossesMaxSize)
	}
	for _, n := range []int{cfg.NTrain, cfg.NValid, cfg.NTest} {
		if n < 0 || n > crossesMaxN {
			return Splits{}, fmt.Errorf("data: crosses: split size %d outside [0, %d]", n, crossesMaxN)
		}
	}
	if !(cfg.DilateSigma >= 0 && cfg.DilateSigma <= float64(cfg.Size)) {
		return Splits{}, fmt.Errorf("data: crosses: dilation sigma %v outside [0, %d]", cfg.DilateSigma, cfg.Size)
	}
	sp := Splits{
		Train: crossesSplit(cfg, "crosses/train", cfg.NTrain, streamTrain, false, DilationSide(cfg.DilateSigma)),
		Valid: crossesSplit(cfg, "crosses/valid", cfg.NValid, streamValid, true, 1),
		Test:  crossesSplit(cfg, "crosses/test", cfg.NTest, streamTest, true, 1),
	}
	for _, s := range []*Set{sp.Train, sp.Valid, sp.Test} {
		if err := s.Validate(); err != nil {
			// Unreachable unless the generator is broken.
			return Splits{}, fmt.Errorf("data: crosses: generated an invalid set: %w", err)
		}
	}
	return sp, nil
}

// crossesDistractor returns the top-left corner of the 2×3 distractor block
// of an unmirrored image of the given class.
func crossesDistractor(size, label int) (row, col int) {
	if label == 0 {
		return size - 5, 3
	}
	return size - 5, size - 6
}

// crossesSplit generates one split of n images from PCG stream `stream`.
func crossesSplit(cfg CrossesConfig, name string, n int, stream uint64, mirror bool, side int) *Set {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), stream))
	S := cfg.Size
	s := newBalancedSet(name, CrossesClassNames, S, n, rng)

	for i, y := range s.Labels {
		m, img := s.Mask(i), s.Image(i)
		d := 1 + rng.IntN(2)
		span := S - 2*d // centres lie in [d, S−d)
		r1, c1 := d+rng.IntN(span), d+rng.IntN(span)
		drawCross(m, S, r1, c1, d)
		if y == 1 {
			// Uniform over the other span−1 rows and columns.
			r2, c2 := d+rng.IntN(span-1), d+rng.IntN(span-1)
			if r2 >= r1 {
				r2++
			}
			if c2 >= c1 {
				c2++
			}
			drawCross(m, S, r2, c2, d)
		}
		copy(img, m)
		dr, dc := crossesDistractor(S, y)
		for r := dr; r < dr+2; r++ {
			for c := dc; c < dc+3; c++ {
				img[r*S+c] = 1
			}
		}
		if mirror {
			mirrorRows(img, S, S)
			mirrorRows(m, S, S)
		}
		if side > 1 {
			Dilate(s.TrainMask(i), m, S, S, side)
		} else {
			copy(s.TrainMask(i), m)
		}
	}
	return s
}

// drawCross sets to 1 the pixels of a "+" with centre (r, c) and arm
// half-length d in the w-wide image m.
func drawCross(m []float32, w, r, c, d int) {
	for k := -d; k <= d; k++ {
		m[(r+k)*w+c] = 1
		m[r*w+c+k] = 1
	}
}

// mirrorRows reverses each row of the h×w image x in place.
func mirrorRows(x []float32, h, w int) {
	for y := range h {
		row := x[y*w : (y+1)*w]
		for a, b := 0, w-1; a < b; a, b = a+1, b-1 {
			row[a], row[b] = row[b], row[a]
		}
	}
}

// newGreySet returns a one-channel S×S set of n zeroed images, masks,
// training masks and labels.
func newGreySet(name string, classes []string, S, n int) *Set {
	hw := S * S
	return &Set{
		Name:       name,
		C:          1,
		H:          S,
		W:          S,
		ClassNames: classes,
		Images:     make([]float32, n*hw),
		Masks:      make([]float32, n*hw),
		TrainMasks: make([]float32, n*hw),
		Labels:     make([]int, n),
	}
}

// newBalancedSet returns newGreySet's set with labels alternating over two
// classes (the extra one of an odd n in class 0), shuffled with rng.
func newBalancedSet(name string, classes []string, S, n int, rng *rand.Rand) *Set {
	s := newGreySet(name, classes, S, n)
	for i := range s.Labels {
		s.Labels[i] = i % 2
	}
	rng.Shuffle(n, func(i, j int) { s.Labels[i], s.Labels[j] = s.Labels[j], s.Labels[i] })
	return s
}
