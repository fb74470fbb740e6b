package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDilationSide(t *testing.T) {
	for _, tc := range []struct {
		sigma float64
		want  int
	}{{0.8, 7}, {0, 1}, {-1, 1}, {1, 9}, {0.1, 1}, {0.2, 3}} {
		if got := DilationSide(tc.sigma); got != tc.want {
			t.Errorf("DilationSide(%v) = %d, want %d", tc.sigma, got, tc.want)
		}
	}
}

func TestDilate(t *testing.T) {
	const h, w = 9, 10
	m := make([]float32, h*w)
	m[4*w+5] = 1 // centre
	m[0*w+9] = 1 // top-right corner
	dst := make([]float32, h*w)
	Dilate(dst, m, h, w, 7)
	for y := range h {
		for x := range w {
			want := float32(0)
			if (abs(y-4) <= 3 && abs(x-5) <= 3) || (y <= 3 && x >= 6) {
				want = 1
			}
			if dst[y*w+x] != want {
				t.Errorf("Dilate side 7: (%d,%d) = %v, want %v", y, x, dst[y*w+x], want)
			}
		}
	}
	Dilate(dst, m, h, w, 1)
	if !slices.Equal(dst, m) {
		t.Errorf("Dilate side 1 is not a copy")
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Dilate with even side did not panic")
		}
	}()
	Dilate(dst, m, h, w, 4)
}

// TestDilateGrey checks Dilate on grey values, rectangles and windows wider
// than the image against the definition: the maximum over the side×side
// window, clipped at the borders.
func TestDilateGrey(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ h, w, side int }{{1, 1, 3}, {5, 8, 3}, {8, 5, 5}, {7, 7, 13}, {64, 64, 13}, {3, 40, 9}, {10, 23, 7}, {13, 13, 13}, {20, 6, 13}, {6, 20, 11}, {26, 27, 13}, {9, 9, 3}} {
		m := make([]float32, tc.h*tc.w)
		for i := range m {
			m[i] = rng.Float32()*2 - 1
		}
		got := make([]float32, len(m))
		Dilate(got, m, tc.h, tc.w, tc.side)
		r := tc.side / 2
		for y := range tc.h {
			for x := range tc.w {
				want := float32(math.Inf(-1))
				for yy := max(0, y-r); yy <= min(tc.h-1, y+r); yy++ {
					for xx := max(0, x-r); xx <= min(tc.w-1, x+r); xx++ {
						want = max(want, m[yy*tc.w+xx])
					}
				}
				if got[y*tc.w+x] != want {
					t.Fatalf("%d×%d, side %d: (%d,%d) = %v, want %v", tc.h, tc.w, tc.side, y, x, got[y*tc.w+x], want)
				}
			}
		}
	}
}

func TestApplyMask(t *testing.T) {
	const c, h, w = 2, 2, 3
	img := []float32{1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6}
	mask := []float32{1, 0, 1, 0, 0, 1}
	dst := make([]float32, len(img))
	ApplyMask(dst, img, mask, c, h, w)
	want := []float32{1, 0, 3, 0, 0, 6, -1, 0, -3, 0, 0, -6}
	if !slices.Equal(dst, want) {
		t.Errorf("ApplyMask = %v, want %v", dst, want)
	}
	ApplyMask(img, img, mask, c, h, w) // in place
	if !slices.Equal(img, want) {
		t.Errorf("ApplyMask in place = %v, want %v", img, want)
	}
}

func TestShuffleOutside(t *testing.T) {
	const c, h, w = 2, 8, 8
	hw := h * w
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]float32, c*hw)
	mask := make([]float32, hw)
	for p := range hw {
		img[p] = float32(p)        // distinct values, so moves are visible
		img[hw+p] = 2 * float32(p) // channel 1 tracks channel 0
		if rng.IntN(3) == 0 {
			mask[p] = 1
		}
	}
	orig := slices.Clone(img)
	dst := make([]float32, c*hw)
	scratch := make([]int, hw)
	moved := false
	for trial := range 20 {
		scratch = ShuffleOutside(dst, img, mask, c, h, w, rng, scratch)
		if !slices.Equal(img, orig) {
			t.Fatalf("trial %d: input modified", trial)
		}
		var in, out []float32
		for p := range hw {
			if mask[p] == 1 {
				if dst[p] != img[p] || dst[hw+p] != img[hw+p] {
					t.Fatalf("trial %d: inside pixel %d changed", trial, p)
				}
				continue
			}
			out = append(out, dst[p])
			in = append(in, img[p])
			if dst[hw+p] != 2*dst[p] {
				t.Fatalf("trial %d: channels permuted differently at pixel %d", trial, p)
			}
			moved = moved || dst[p] != img[p]
		}
		slices.Sort(in)
		slices.Sort(out)
		if !slices.Equal(in, out) {
			t.Fatalf("trial %d: outside values are not a permutation of the input's", trial)
		}
	}
	if !moved {
		t.Errorf("ShuffleOutside never moved a pixel")
	}
	allocs := testing.AllocsPerRun(10, func() { ShuffleOutside(dst, img, mask, c, h, w, rng, scratch) })
	if allocs != 0 {
		t.Errorf("ShuffleOutside with scratch: %v allocations, want 0", allocs)
	}
	// In place.
	x := slices.Clone(img)
	ShuffleOutside(x, x, mask, c, h, w, rand.New(rand.NewPCG(9, 9)), nil)
	ShuffleOutside(dst, img, mask, c, h, w, rand.New(rand.NewPCG(9, 9)), nil)
	if !slices.Equal(x, dst) {
		t.Errorf("in-place ShuffleOutside differs from out-of-place with the same seed")
	}
}
