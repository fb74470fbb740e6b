package data

import (
	"slices"
	"testing"
)

func mustCrosses(t *testing.T, cfg CrossesConfig) Splits {
	t.Helper()
	sp, err := Crosses(cfg)
	if err != nil {
		t.Fatalf("Crosses(%+v): %v", cfg, err)
	}
	return sp
}

func splitList(sp Splits) []*Set { return []*Set{sp.Train, sp.Valid, sp.Test} }

func equalSets(a, b *Set) bool {
	return a.Name == b.Name && a.C == b.C && a.H == b.H && a.W == b.W &&
		slices.Equal(a.ClassNames, b.ClassNames) &&
		slices.Equal(a.Images, b.Images) && slices.Equal(a.Masks, b.Masks) &&
		slices.Equal(a.TrainMasks, b.TrainMasks) && slices.Equal(a.Labels, b.Labels)
}

func TestCrossesDeterministic(t *testing.T) {
	a := mustCrosses(t, DefaultCrosses(1))
	b := mustCrosses(t, DefaultCrosses(1))
	c := mustCrosses(t, DefaultCrosses(2))
	for k, s := range splitList(a) {
		if !equalSets(s, splitList(b)[k]) {
			t.Errorf("%s: two runs with seed 1 differ", s.Name)
		}
		if slices.Equal(s.Images, splitList(c)[k].Images) {
			t.Errorf("%s: seeds 1 and 2 give identical images", s.Name)
		}
	}
	// Splits use separate streams: resizing train leaves valid and test alone.
	cfg := DefaultCrosses(1)
	cfg.NTrain = 37
	d := mustCrosses(t, cfg)
	if !equalSets(a.Valid, d.Valid) || !equalSets(a.Test, d.Test) {
		t.Errorf("changing NTrain changed the valid or test split")
	}
	if d.Train.Len() != 37 {
		t.Errorf("NTrain = 37 gave %d images", d.Train.Len())
	}
}

func TestCrossesSizesAndBalance(t *testing.T) {
	sp := mustCrosses(t, DefaultCrosses(3))
	for _, tc := range []struct {
		s *Set
		n int
	}{{sp.Train, 500}, {sp.Valid, 128}, {sp.Test, 128}} {
		s := tc.s
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if s.Len() != tc.n || s.C != 1 || s.H != 28 || s.W != 28 {
			t.Errorf("%s: N=%d C=%d H=%d W=%d, want N=%d 1×28×28", s.Name, s.Len(), s.C, s.H, s.W, tc.n)
		}
		var count [2]int
		for _, y := range s.Labels {
			count[y]++
		}
		if count[0] != tc.n/2 || count[1] != tc.n/2 {
			t.Errorf("%s: class counts %v, want %d each", s.Name, count, tc.n/2)
		}
		// Shuffled, not sorted or alternating.
		if slices.IsSorted(s.Labels) {
			t.Errorf("%s: labels are sorted, not shuffled", s.Name)
		}
		alternating := true
		for i, y := range s.Labels {
			alternating = alternating && y == i%2
		}
		if alternating {
			t.Errorf("%s: labels alternate, not shuffled", s.Name)
		}
		for _, v := range s.Images {
			if v != 0 && v != 1 {
				t.Fatalf("%s: image value %v, want 0 or 1", s.Name, v)
			}
		}
	}
	cfg := DefaultCrosses(3)
	cfg.NTrain = 7
	if sp := mustCrosses(t, cfg); sp.Train.Len() != 7 {
		t.Errorf("odd NTrain: %d images", sp.Train.Len())
	}
}

type cross struct{ r, c, d int }

func crossPixels(w int, cs ...cross) []float32 {
	m := make([]float32, w*w)
	for _, c := range cs {
		drawCross(m, w, c.r, c.c, c.d)
	}
	return m
}

// decompose finds crosses whose union is exactly mask: one cross, or two
// with the same d and different rows and columns, with centres in [d, w−d).
// Candidate centres are mask pixels whose four neighbours are in the mask.
func decompose(mask []float32, w int) []cross {
	in := func(r, c int) bool { return r >= 0 && r < w && c >= 0 && c < w && mask[r*w+c] == 1 }
	var cand [][2]int
	for r := range w {
		for c := range w {
			if in(r, c) && in(r-1, c) && in(r+1, c) && in(r, c-1) && in(r, c+1) {
				cand = append(cand, [2]int{r, c})
			}
		}
	}
	ok := func(p [2]int, d int) bool { return p[0] >= d && p[0] < w-d && p[1] >= d && p[1] < w-d }
	for d := 1; d <= 2; d++ {
		for _, p := range cand {
			if ok(p, d) && slices.Equal(mask, crossPixels(w, cross{p[0], p[1], d})) {
				return []cross{{p[0], p[1], d}}
			}
		}
		for i, p := range cand {
			for _, q := range cand[i+1:] {
				if !ok(p, d) || !ok(q, d) || p[0] == q[0] || p[1] == q[1] {
					continue
				}
				cs := []cross{{p[0], p[1], d}, {q[0], q[1], d}}
				if slices.Equal(mask, crossPixels(w, cs...)) {
					return cs
				}
			}
		}
	}
	return nil
}

func TestCrossesStructure(t *testing.T) {
	sp := mustCrosses(t, DefaultCrosses(4))
	const w = 28
	var seenD [3]bool
	var touched [4]bool // row 0, row 27, column 0, column 27
	for _, s := range splitList(sp) {
		mirrored := s != sp.Train
		for i := range s.Len() {
			y := s.Labels[i]
			mask, img := s.Mask(i), s.Image(i)
			cs := decompose(mask, w)
			if len(cs) != y+1 {
				t.Fatalf("%s image %d: label %d but mask decomposes into %d crosses", s.Name, i, y, len(cs))
			}
			seenD[cs[0].d] = true
			for _, c := range cs {
				touched[0] = touched[0] || c.r-c.d == 0
				touched[1] = touched[1] || c.r+c.d == w-1
				touched[2] = touched[2] || c.c-c.d == 0
				touched[3] = touched[3] || c.c+c.d == w-1
			}
			// Distractor: rows 23–24, columns 3–5 (class 0) or 22–24
			// (class 1); mirrored in valid and test.
			col0 := 3
			if (y == 1) != mirrored {
				col0 = 22
			}
			for p := range img {
				r, c := p/w, p%w
				distractor := r >= 23 && r <= 24 && c >= col0 && c <= col0+2
				want := float32(0)
				if distractor || mask[p] == 1 {
					want = 1
				}
				if img[p] != want {
					t.Fatalf("%s image %d (label %d): pixel (%d,%d) = %v, want %v", s.Name, i, y, r, c, img[p], want)
				}
			}
			// Pixel counts: one cross 4d+1; two crosses 2(4d+1), less 2
			// when their arms intersect.
			n := 0
			for _, v := range mask {
				if v == 1 {
					n++
				}
			}
			d := cs[0].d
			if y == 0 && n != 4*d+1 || y == 1 && n != 8*d+2 && n != 8*d {
				t.Errorf("%s image %d: label %d, d %d, %d mask pixels", s.Name, i, y, d, n)
			}
		}
	}
	if !seenD[1] || !seenD[2] {
		t.Errorf("arm half-lengths seen: %v, want both 1 and 2", seenD[1:])
	}
	if touched != [4]bool{true, true, true, true} {
		t.Errorf("crosses touching top, bottom, left, right edges: %v; centre range looks wrong", touched)
	}
}

func TestCrossesTrainMasks(t *testing.T) {
	sp := mustCrosses(t, DefaultCrosses(5))
	const w, r = 28, 3 // side 7
	s := sp.Train
	for i := range s.Len() {
		m, tm := s.Mask(i), s.TrainMask(i)
		for p := range tm {
			py, px := p/w, p%w
			want := float32(0)
			for q, v := range m {
				qy, qx := q/w, q%w
				if v == 1 && abs(qy-py) <= r && abs(qx-px) <= r {
					want = 1
					break
				}
			}
			if tm[p] != want {
				t.Fatalf("train image %d: training mask at (%d,%d) = %v, want %v", i, py, px, tm[p], want)
			}
		}
	}
	for _, s := range []*Set{sp.Valid, sp.Test} {
		if !slices.Equal(s.Masks, s.TrainMasks) {
			t.Errorf("%s: TrainMasks differ from Masks", s.Name)
		}
		if &s.Masks[0] == &s.TrainMasks[0] {
			t.Errorf("%s: TrainMasks aliases Masks", s.Name)
		}
	}
	cfg := DefaultCrosses(5)
	cfg.DilateSigma = 0
	if sp := mustCrosses(t, cfg); !slices.Equal(sp.Train.Masks, sp.Train.TrainMasks) {
		t.Errorf("DilateSigma 0: TrainMasks differ from Masks")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestCrossesConfigErrors(t *testing.T) {
	for _, f := range []func(*CrossesConfig){
		func(c *CrossesConfig) { c.Size = 11 },
		func(c *CrossesConfig) { c.Size = 1 << 20 },
		func(c *CrossesConfig) { c.NTrain = -1 },
		func(c *CrossesConfig) { c.NTest = 1 << 30 },
		func(c *CrossesConfig) { c.DilateSigma = -0.5 },
		func(c *CrossesConfig) { c.DilateSigma = 1e300 },
	} {
		cfg := DefaultCrosses(1)
		f(&cfg)
		if sp, err := Crosses(cfg); err == nil || sp.Train != nil {
			t.Errorf("Crosses(%+v): err = %v, splits %+v; want an error and no sets", cfg, err, sp)
		}
	}
	// Other sizes work, with the distractor kept near the edges.
	cfg := DefaultCrosses(1)
	cfg.Size = 12
	sp := mustCrosses(t, cfg)
	for i := range sp.Train.Len() {
		if len(decompose(sp.Train.Mask(i), 12)) != sp.Train.Labels[i]+1 {
			t.Fatalf("size 12: train image %d does not decompose into its crosses", i)
		}
	}
}
