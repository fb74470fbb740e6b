package data

import (
	"math"
	"slices"
	"testing"
)

func mustPhantom(t *testing.T, cfg PhantomConfig) (Splits, [3][]phantomInfo) {
	t.Helper()
	sp, info, err := phantom(cfg)
	if err != nil {
		t.Fatalf("Phantom(%+v): %v", cfg, err)
	}
	return sp, info
}

// smallPhantom is a quick configuration for the structural tests (smaller
// still with -short, which the wasm suite uses).
func smallPhantom(seed int64) PhantomConfig {
	cfg := DefaultPhantom(seed)
	cfg.NTrain, cfg.NValid, cfg.NTest = 120, 60, 60
	if testing.Short() {
		cfg.NTrain, cfg.NValid, cfg.NTest = 60, 30, 30
	}
	return cfg
}

func TestPhantomDeterministic(t *testing.T) {
	a, _ := mustPhantom(t, smallPhantom(1))
	b, _ := mustPhantom(t, smallPhantom(1))
	c, _ := mustPhantom(t, smallPhantom(2))
	for k, s := range splitList(a) {
		if !equalSets(s, splitList(b)[k]) {
			t.Errorf("%s: two runs with seed 1 differ", s.Name)
		}
		if slices.Equal(s.Images, splitList(c)[k].Images) {
			t.Errorf("%s: seeds 1 and 2 give identical images", s.Name)
		}
	}
	cfg := smallPhantom(1)
	cfg.NTrain = 37
	d, _ := mustPhantom(t, cfg)
	if !equalSets(a.Valid, d.Valid) || !equalSets(a.Test, d.Test) {
		t.Errorf("changing NTrain changed the valid or test split")
	}
	if d.Train.Len() != 37 {
		t.Errorf("NTrain = 37 gave %d images", d.Train.Len())
	}
}

func TestPhantomDefaults(t *testing.T) {
	sp, err := Phantom(PhantomConfig{Seed: 4, NTrain: 10, NValid: 4, NTest: 6})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.H != 64 || sp.Train.W != 64 || sp.Train.C != 1 {
		t.Errorf("zero Size gave %d×%d×%d, want 1×64×64", sp.Train.C, sp.Train.H, sp.Train.W)
	}
	if sp.Train.Len() != 10 || sp.Valid.Len() != 4 || sp.Test.Len() != 6 {
		t.Errorf("split sizes %d/%d/%d, want 10/4/6", sp.Train.Len(), sp.Valid.Len(), sp.Test.Len())
	}
	d := DefaultPhantom(0)
	if d.Size != 64 || d.NTrain != 600 || d.NValid != 160 || d.NTest != 160 || d.TokenTest != "reversed" || d.DilateSide != 13 {
		t.Errorf("DefaultPhantom = %+v", d)
	}
}

func TestPhantomSizesAndBalance(t *testing.T) {
	cfg := smallPhantom(3)
	cfg.Size = 48
	cfg.NTrain, cfg.NValid, cfg.NTest = 120, 60, 61
	sp, _ := mustPhantom(t, cfg)
	for _, tc := range []struct {
		s *Set
		n int
	}{{sp.Train, 120}, {sp.Valid, 60}, {sp.Test, 61}} {
		s := tc.s
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if s.Len() != tc.n || s.C != 1 || s.H != 48 || s.W != 48 {
			t.Errorf("%s: N=%d C=%d H=%d W=%d, want N=%d 1×48×48", s.Name, s.Len(), s.C, s.H, s.W, tc.n)
		}
		var count [2]int
		for _, y := range s.Labels {
			count[y]++
		}
		if count[0] != tc.n-tc.n/2 || count[1] != tc.n/2 {
			t.Errorf("%s: class counts %v, want %d and %d", s.Name, count, tc.n-tc.n/2, tc.n/2)
		}
		if slices.IsSorted(s.Labels) {
			t.Errorf("%s: labels are sorted, not shuffled", s.Name)
		}
		lo, hi := float32(1), float32(0)
		for _, v := range s.Images {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s: image value %v outside [0, 1]", s.Name, v)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo > 0.05 || hi < markerMin {
			t.Errorf("%s: values span [%v, %v]; want dark background and a bright marker", s.Name, lo, hi)
		}
	}
}

// maskCTR measures the cardiothoracic ratio from a heart mask: the heart's
// horizontal extent in pixels over the thorax width.
func maskCTR(m []float32, w int, chestPx float64) (float64, int) {
	c0, c1, area := w, -1, 0
	for p, v := range m {
		if v == 1 {
			c0, c1 = min(c0, p%w), max(c1, p%w)
			area++
		}
	}
	return float64(c1-c0+1) / chestPx, area
}

func TestPhantomLabelsMatchHeart(t *testing.T) {
	for _, size := range []int{48, 64, 96} {
		cfg := smallPhantom(5)
		cfg.Size = size
		sp, info := mustPhantom(t, cfg)
		var maxErr float64
		for k, s := range splitList(sp) {
			for i := range s.Len() {
				ctr, area := maskCTR(s.Mask(i), s.W, info[k][i].chestPx)
				// Rasterizing the heart's border moves its extent by
				// about a pixel; a slight rotation adds a little.
				if e := math.Abs(ctr - info[k][i].ctr); e > 1.5/info[k][i].chestPx+0.005 {
					t.Errorf("size %d %s image %d: mask CTR %.3f, drawn %.3f", size, s.Name, i, ctr, info[k][i].ctr)
				}
				maxErr = max(maxErr, math.Abs(ctr-info[k][i].ctr))
				if (ctr > 0.5) != (s.Labels[i] == 1) {
					t.Errorf("size %d %s image %d: label %d but the mask's CTR is %.3f (drawn %.3f)", size, s.Name, i, s.Labels[i], ctr, info[k][i].ctr)
				}
				if (info[k][i].ctr > 0.5) != (s.Labels[i] == 1) || math.Abs(info[k][i].ctr-0.5) < 0.05 {
					t.Errorf("size %d %s image %d: label %d with drawn CTR %.3f", size, s.Name, i, s.Labels[i], info[k][i].ctr)
				}
				// The heart is brighter than the lungs around it: its mean
				// intensity is well above the image's darkest tenth.
				img, m := s.Image(i), s.Mask(i)
				var in float64
				for p := range m {
					in += float64(img[p] * m[p])
				}
				in /= float64(area)
				if in < 0.45 {
					t.Errorf("size %d %s image %d: mean intensity inside the heart mask %.3f; the mask misses the heart", size, s.Name, i, in)
				}
			}
		}
		t.Logf("size %d: max |mask CTR − drawn CTR| = %.3f", size, maxErr)
	}
}

// markerCorner finds the laterality marker from the pixels alone: the top
// corner holding pixels as bright as metal (anatomy stays below
// anatomyMax).
func markerCorner(img []float32, S int) (right bool, ok bool) {
	box := S / 4
	var l, r int
	for y := range box {
		for x := range box {
			if img[y*S+x] >= markerMin {
				l++
			}
			if img[y*S+S-1-x] >= markerMin {
				r++
			}
		}
	}
	return r > l, (l == 0) != (r == 0)
}

func TestPhantomMarker(t *testing.T) {
	for _, rule := range []string{"reversed", "random"} {
		cfg := smallPhantom(6)
		cfg.TokenTest = rule
		sp, info := mustPhantom(t, cfg)
		for k, s := range splitList(sp) {
			var agree, right int
			for i := range s.Len() {
				y, inf := s.Labels[i], info[k][i]
				got, ok := markerCorner(s.Image(i), s.W)
				if !ok || got != inf.tokenRight {
					t.Fatalf("%s (%s) image %d: marker found right=%v (clear %v), drawn right=%v", s.Name, rule, i, got, ok, inf.tokenRight)
				}
				if got == (y == 1) {
					agree++
				}
				if got {
					right++
				}
				// The heart mask never touches the marker.
				b := inf.tokenBox
				for r := b[0]; r < b[1]; r++ {
					for c := b[2]; c < b[3]; c++ {
						if s.Mask(i)[r*s.W+c] != 0 || s.TrainMask(i)[r*s.W+c] != 0 {
							t.Fatalf("%s image %d: mask covers the marker at (%d,%d)", s.Name, i, r, c)
						}
					}
				}
			}
			n := s.Len()
			switch {
			case k == 0 && agree != n:
				t.Errorf("%s: marker in its class's corner for %d of %d images, want all", s.Name, agree, n)
			case k > 0 && rule == "reversed" && agree != 0:
				t.Errorf("%s (reversed): marker in its class's training corner for %d of %d images, want none", s.Name, agree, n)
			case k > 0 && rule == "random" && (agree < n/4 || agree > 3*n/4 || right < n/4 || right > 3*n/4):
				t.Errorf("%s (random): %d of %d agree with the class, %d right; want about half", s.Name, agree, n, right)
			}
		}
	}
	// A partial shortcut: about TokenAgree of the training markers agree.
	cfg := smallPhantom(7)
	cfg.NTrain = 400
	cfg.TokenAgree = 0.8
	sp, info := mustPhantom(t, cfg)
	var agree int
	for i, y := range sp.Train.Labels {
		if info[0][i].tokenRight == (y == 1) {
			agree++
		}
	}
	if agree < 290 || agree > 350 {
		t.Errorf("TokenAgree 0.8: %d of 400 training markers agree", agree)
	}
}

func TestPhantomTrainMasks(t *testing.T) {
	sp, _ := mustPhantom(t, smallPhantom(8))
	s := sp.Train
	want := make([]float32, s.H*s.W)
	for i := range s.Len() {
		Dilate(want, s.Mask(i), s.H, s.W, 13)
		if !slices.Equal(want, s.TrainMask(i)) {
			t.Fatalf("train image %d: TrainMask is not the mask dilated by 13", i)
		}
	}
	for _, tc := range []struct{ size, side int }{{48, 11}, {64, 13}, {96, 19}} {
		if got := phantomDilateSide(tc.size); got != tc.side {
			t.Errorf("default dilation at %d px: %d, want %d", tc.size, got, tc.side)
		}
	}
	for _, s := range []*Set{sp.Valid, sp.Test} {
		if !slices.Equal(s.Masks, s.TrainMasks) {
			t.Errorf("%s: TrainMasks differ from Masks", s.Name)
		}
	}
}

func TestPhantomConfigErrors(t *testing.T) {
	for _, f := range []func(*PhantomConfig){
		func(c *PhantomConfig) { c.Size = 47 },
		func(c *PhantomConfig) { c.Size = 4096 },
		func(c *PhantomConfig) { c.NTrain = -1 },
		func(c *PhantomConfig) { c.NTest = 1 << 30 },
		func(c *PhantomConfig) { c.TokenTest = "mirrored" },
		func(c *PhantomConfig) { c.TokenAgree = 0.5 },
		func(c *PhantomConfig) { c.TokenAgree = 1.5 },
		func(c *PhantomConfig) { c.DilateSide = 4 },
		func(c *PhantomConfig) { c.DilateSide = -3 },
	} {
		cfg := DefaultPhantom(1)
		f(&cfg)
		if sp, err := Phantom(cfg); err == nil || sp.Train != nil {
			t.Errorf("Phantom(%+v): no error", cfg)
		}
	}
}

func BenchmarkPhantom64(b *testing.B) {
	cfg := DefaultPhantom(1)
	cfg.NTrain, cfg.NValid, cfg.NTest = 64, 1, 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Phantom(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
