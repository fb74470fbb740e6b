package data

import (
	"fmt"
	"math"
)

// maxElems bounds the element count of one set's image tensor, so that
// dimension products cannot overflow and a bad header cannot exhaust memory.
const maxElems = 1 << 31

// Set is a labelled image set in NCHW float32 layout with one mask per image.
type Set struct {
	Name       string
	C, H, W    int
	ClassNames []string
	Images     []float32 // N*C*H*W
	Masks      []float32 // N*H*W, exact region of interest, 0 or 1 (metrics use this)
	TrainMasks []float32 // N*H*W, possibly dilated mask used by training losses (equal to Masks when not dilated)
	Labels     []int     // N, in [0, len(ClassNames))
}

// Splits is a data set's train/valid/test splits.
type Splits struct{ Train, Valid, Test *Set }

// SetError reports a Set whose contents are inconsistent.
type SetError struct {
	Set string // the Set's Name
	Msg string
}

func (e *SetError) Error() string { return fmt.Sprintf("data: set %q: %s", e.Set, e.Msg) }

// Len returns the number of images, N = len(s.Labels).
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i (C×H×W) as a sub-slice of s.Images, without copying.
// Its capacity is capped so appending cannot overwrite the next image.
// Image panics if i is out of range.
func (s *Set) Image(i int) []float32 {
	n := s.C * s.H * s.W
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// Mask returns image i's exact mask (H×W) as a sub-slice of s.Masks.
// Mask panics if i is out of range.
func (s *Set) Mask(i int) []float32 {
	n := s.H * s.W
	return s.Masks[i*n : (i+1)*n : (i+1)*n]
}

// TrainMask returns image i's training mask (H×W) as a sub-slice of
// s.TrainMasks. TrainMask panics if i is out of range.
func (s *Set) TrainMask(i int) []float32 {
	n := s.H * s.W
	return s.TrainMasks[i*n : (i+1)*n : (i+1)*n]
}

// Subset returns a new Set holding copies of the images, masks and labels at
// idx, in that order (indices may repeat). ClassNames is shared. Subset
// panics if an index is out of range.
func (s *Set) Subset(idx []int) *Set {
	n, hw := s.C*s.H*s.W, s.H*s.W
	for _, i := range idx {
		if i < 0 || i >= s.Len() {
			panic("data: Subset: index out of range")
		}
	}
	r := &Set{
		Name:       s.Name,
		C:          s.C,
		H:          s.H,
		W:          s.W,
		ClassNames: s.ClassNames,
		Images:     make([]float32, 0, len(idx)*n),
		Masks:      make([]float32, 0, len(idx)*hw),
		TrainMasks: make([]float32, 0, len(idx)*hw),
		Labels:     make([]int, 0, len(idx)),
	}
	for _, i := range idx {
		r.Images = append(r.Images, s.Image(i)...)
		r.Masks = append(r.Masks, s.Mask(i)...)
		r.TrainMasks = append(r.TrainMasks, s.TrainMask(i)...)
		r.Labels = append(r.Labels, s.Labels[i])
	}
	return r
}

// Validate checks that s is consistent: positive dimensions, at least one
// class name, slice lengths matching N = len(Labels), labels in
// [0, len(ClassNames)), finite image values, Masks values exactly 0 or 1 and
// TrainMasks values in [0, 1]. It returns a *SetError describing the first
// problem found.
func (s *Set) Validate() error {
	bad := func(format string, a ...any) error {
		return &SetError{Set: s.Name, Msg: fmt.Sprintf(format, a...)}
	}
	if s.C <= 0 || s.H <= 0 || s.W <= 0 {
		return bad("dimensions C=%d H=%d W=%d must be positive", s.C, s.H, s.W)
	}
	if len(s.ClassNames) == 0 {
		return bad("no class names")
	}
	n := s.Len()
	// Check the products against maxElems by division before forming them.
	if s.H > maxElems/s.W || s.C > maxElems/(s.H*s.W) || (n > 0 && s.C*s.H*s.W > maxElems/n) {
		return bad("%d images of %d×%d×%d exceed %d elements", n, s.C, s.H, s.W, maxElems)
	}
	hw := s.H * s.W
	if len(s.Images) != n*s.C*hw {
		return bad("len(Images) = %d, want N*C*H*W = %d", len(s.Images), n*s.C*hw)
	}
	if len(s.Masks) != n*hw {
		return bad("len(Masks) = %d, want N*H*W = %d", len(s.Masks), n*hw)
	}
	if len(s.TrainMasks) != n*hw {
		return bad("len(TrainMasks) = %d, want N*H*W = %d", len(s.TrainMasks), n*hw)
	}
	for i, y := range s.Labels {
		if y < 0 || y >= len(s.ClassNames) {
			return bad("label %d of image %d is outside [0, %d)", y, i, len(s.ClassNames))
		}
	}
	for j, v := range s.Images {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return bad("image %d has non-finite value %v at element %d", j/(s.C*hw), v, j%(s.C*hw))
		}
	}
	for j, v := range s.Masks {
		if v != 0 && v != 1 {
			return bad("mask %d has value %v at pixel %d, want 0 or 1", j/hw, v, j%hw)
		}
	}
	for j, v := range s.TrainMasks {
		if !(v >= 0 && v <= 1) {
			return bad("training mask %d has value %v at pixel %d, want [0, 1]", j/hw, v, j%hw)
		}
	}
	return nil
}
