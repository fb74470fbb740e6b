package data

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
)

func smallSet() *Set {
	return &Set{
		Name: "small", C: 1, H: 2, W: 2,
		ClassNames: []string{"a", "b"},
		Images:     []float32{0, 0.5, 1, 0.25, 1, 1, 1, 1, 0, 0, 0, 0},
		Masks:      []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1},
		TrainMasks: []float32{1, 1, 0, 0, 0, 1, 0, 0.5, 0, 0, 1, 1},
		Labels:     []int{0, 1, 1},
	}
}

func TestSetAccessAndSubset(t *testing.T) {
	s := smallSet()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3", s.Len())
	}
	if got := s.Image(1); !slices.Equal(got, []float32{1, 1, 1, 1}) || cap(got) != 4 {
		t.Errorf("Image(1) = %v cap %d", got, cap(got))
	}
	s.Mask(2)[0] = 1 // a view, not a copy
	if s.Masks[8] != 1 {
		t.Errorf("Mask(2) is not a view of Masks")
	}
	s.Masks[8] = 0
	if !slices.Equal(s.TrainMask(0), []float32{1, 1, 0, 0}) {
		t.Errorf("TrainMask(0) = %v", s.TrainMask(0))
	}
	sub := s.Subset([]int{2, 0, 2})
	if err := sub.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Labels, []int{1, 0, 1}) || !slices.Equal(sub.Image(1), s.Image(0)) ||
		!slices.Equal(sub.Mask(0), s.Mask(2)) || !slices.Equal(sub.TrainMask(1), s.TrainMask(0)) {
		t.Errorf("Subset contents wrong: %+v", sub)
	}
	sub.Images[0] = 7
	sub.Masks[0] = 1
	if s.Images[8] == 7 || s.Masks[8] == 1 {
		t.Errorf("Subset shares memory with the original")
	}
	if e := s.Subset(nil); e.Len() != 0 || e.Validate() != nil {
		t.Errorf("empty Subset: Len %d, Validate %v", e.Len(), e.Validate())
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Subset with a bad index did not panic")
		}
	}()
	s.Subset([]int{3})
}

func TestValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Set)
		want string
	}{
		{func(s *Set) { s.C = 0 }, "dimensions"},
		{func(s *Set) { s.W = -2 }, "dimensions"},
		{func(s *Set) { s.ClassNames = nil }, "class names"},
		{func(s *Set) { s.H, s.W = 1<<20, 1<<20 }, "exceed"},
		{func(s *Set) { s.Images = s.Images[:11] }, "len(Images)"},
		{func(s *Set) { s.Masks = append(s.Masks, 0) }, "len(Masks)"},
		{func(s *Set) { s.TrainMasks = s.TrainMasks[:4] }, "len(TrainMasks)"},
		{func(s *Set) { s.Labels[2] = 2 }, "label 2 of image 2"},
		{func(s *Set) { s.Labels[0] = -1 }, "label -1"},
		{func(s *Set) { s.Images[5] = float32(math.NaN()) }, "non-finite"},
		{func(s *Set) { s.Images[5] = float32(math.Inf(-1)) }, "non-finite"},
		{func(s *Set) { s.Masks[3] = 0.5 }, "want 0 or 1"},
		{func(s *Set) { s.TrainMasks[3] = 1.5 }, "want [0, 1]"},
		{func(s *Set) { s.TrainMasks[3] = float32(math.NaN()) }, "want [0, 1]"},
	} {
		s := smallSet()
		tc.edit(s)
		err := s.Validate()
		var se *SetError
		if !errors.As(err, &se) || se.Set != "small" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate: %v, want a *SetError containing %q", err, tc.want)
		}
	}
}

func TestPNG(t *testing.T) {
	s := smallSet()
	b, err := s.PNG(0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 2 || img.Bounds().Dy() != 2 {
		t.Fatalf("PNG size %v", img.Bounds())
	}
	for p, want := range []uint32{0, 128, 255, 64} {
		r, _, _, _ := img.At(p%2, p/2).RGBA()
		if r>>8 != want {
			t.Errorf("PNG pixel %d = %d, want %d", p, r>>8, want)
		}
	}
	s.C, s.Images = 2, make([]float32, 24)
	if _, err := s.PNG(0); err == nil {
		t.Errorf("PNG with 2 channels: no error")
	}
}
