package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTopKMask(t *testing.T) {
	nan := float32(math.NaN())
	s := []float32{0.1, 0.5, 0.5, 0.9, nan, 0.5}
	for _, tc := range []struct {
		k    int
		want []bool
	}{
		{0, []bool{false, false, false, false, false, false}},
		{1, []bool{false, false, false, true, false, false}},
		// 0.5 appears three times: the lower indices win.
		{3, []bool{false, true, true, true, false, false}},
		{5, []bool{true, true, true, true, false, true}},
		// NaN ranks last but is kept when k covers everything.
		{6, []bool{true, true, true, true, true, true}},
		{99, []bool{true, true, true, true, true, true}},
		{-1, []bool{false, false, false, false, false, false}},
	} {
		dst := make([]bool, len(s))
		for i := range dst {
			dst[i] = true // must be overwritten
		}
		TopKMask(dst, s, tc.k, nil)
		for i := range dst {
			if dst[i] != tc.want[i] {
				t.Errorf("k=%d: got %v, want %v", tc.k, dst, tc.want)
				break
			}
		}
	}
}

func TestTopKMaskNoAllocWithScratch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := make([]float32, 28*28)
	for i := range s {
		s[i] = rng.Float32()
	}
	dst := make([]bool, len(s))
	scratch := make([]int, len(s))
	allocs := testing.AllocsPerRun(10, func() { TopKMask(dst, s, 50, scratch) })
	if allocs != 0 {
		t.Errorf("TopKMask with scratch: %v allocations, want 0", allocs)
	}
	n := 0
	for _, b := range dst {
		if b {
			n++
		}
	}
	if n != 50 {
		t.Errorf("TopKMask kept %d pixels, want 50", n)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

func TestAgreeIdentical(t *testing.T) {
	m := []float32{
		0, 1, 0,
		1, 1, 1,
		0, 1, 0,
	}
	a, ok := Agree(m, m)
	if !ok {
		t.Fatal("Agree: ok = false for a non-empty mask")
	}
	want := Agreement{IoU: 1, IoP: 1, IoT: 1, RelevanceMass: 1, Pointing: true}
	if a != want {
		t.Errorf("Agree(m, m) = %+v, want %+v", a, want)
	}
}

func TestAgreeHandComputed(t *testing.T) {
	// Mask area k = 3. Top-3 of s: index 8 (0.9), 0 (0.8), then a tie at 0.5
	// between 1 and 4: index 1 wins. B = {0,1,8}, M = {1,4,7}, B∩M = {1}.
	s := []float32{
		0.8, 0.5, 0,
		0, 0.5, 0,
		0, -0.4, 0.9,
	}
	m := []float32{
		0, 1, 0,
		0, 1, 0,
		0, 1, 0,
	}
	a, ok := Agree(s, m)
	if !ok {
		t.Fatal("ok = false")
	}
	// |S| total = 0.8+0.5+0.5+0.4+0.9 = 3.1; inside = 0.5+0.5+0.4 = 1.4.
	if !near(a.IoU, 1.0/5) || !near(a.IoP, 1.0/3) || !near(a.IoT, 1.0/3) {
		t.Errorf("IoU, IoP, IoT = %v, %v, %v; want 1/5, 1/3, 1/3", a.IoU, a.IoP, a.IoT)
	}
	want := (0.5 + 0.5 + float64(float32(0.4))) / (0.8 + 0.5 + 0.5 + float64(float32(0.4)) + 0.9)
	if math.Abs(a.RelevanceMass-want) > 1e-7 {
		t.Errorf("RelevanceMass = %v, want %v", a.RelevanceMass, want)
	}
	if a.Pointing {
		t.Errorf("Pointing = true, argmax (index 8) is outside the mask")
	}
	// Move the peak inside the mask.
	s[7] = 2
	a, _ = Agree(s, m)
	if !a.Pointing {
		t.Errorf("Pointing = false, argmax (index 7) is inside the mask")
	}
	// B = {7, 8, 0}, B∩M = {7}: unchanged counts.
	if !near(a.IoU, 1.0/5) {
		t.Errorf("IoU = %v, want 1/5", a.IoU)
	}
}

func TestAgreeTiesAndSoftMask(t *testing.T) {
	// Constant saliency: top-k takes the first k pixels; argmax is pixel 0.
	s := []float32{1, 1, 1, 1}
	m := []float32{0.4, 0.6, 0.9, 0} // 0.4 is outside (<= 0.5)
	a, _ := Agree(s, m)
	// k = 2, B = {0,1}, M = {1,2}, B∩M = {1}: IoU = 1/3.
	if !near(a.IoU, 1.0/3) || !near(a.IoT, 0.5) || a.Pointing || !near(a.RelevanceMass, 0.5) {
		t.Errorf("got %+v", a)
	}
}

func TestAgreeEmptyAndZero(t *testing.T) {
	a, ok := Agree([]float32{1, 2, 3}, []float32{0, 0, 0.5})
	if ok || a != (Agreement{}) {
		t.Errorf("empty mask: got %+v, %v; want zero, false", a, ok)
	}
	a, ok = Agree([]float32{0, 0, 0}, []float32{0, 1, 0})
	if !ok || a.RelevanceMass != 0 {
		t.Errorf("zero saliency: got %+v, %v; want relevance mass 0, ok", a, ok)
	}
	// Ties by index: B = {0}, which is outside.
	if a.IoU != 0 || a.Pointing {
		t.Errorf("zero saliency: got %+v; want IoU 0, no pointing hit", a)
	}
}

func TestAgreeRandomBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const hw = 64
	s := make([]float32, hw)
	m := make([]float32, hw)
	for trial := range 500 {
		for i := range s {
			s[i] = float32(rng.NormFloat64())
			m[i] = float32(rng.IntN(2))
		}
		a, ok := Agree(s, m)
		if !ok {
			continue
		}
		for name, v := range map[string]float64{"IoU": a.IoU, "IoP": a.IoP, "IoT": a.IoT, "RelevanceMass": a.RelevanceMass} {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("trial %d: %s = %v outside [0,1]", trial, name, v)
			}
		}
		if a.IoU > a.IoT+1e-15 {
			t.Fatalf("trial %d: IoU %v > IoT %v", trial, a.IoU, a.IoT)
		}
		// Cross-check against TopKMask and a brute-force argmax.
		k := 0
		for _, v := range m {
			if v > 0.5 {
				k++
			}
		}
		b := make([]bool, hw)
		TopKMask(b, s, k, nil)
		inter, union := 0, 0
		arg := 0
		for i := range b {
			in := m[i] > 0.5
			if b[i] && in {
				inter++
			}
			if b[i] || in {
				union++
			}
			if s[i] > s[arg] {
				arg = i
			}
		}
		if !near(a.IoU, float64(inter)/float64(union)) {
			t.Fatalf("trial %d: IoU = %v, brute force %v", trial, a.IoU, float64(inter)/float64(union))
		}
		if a.Pointing != (m[arg] > 0.5) {
			t.Fatalf("trial %d: Pointing = %v, brute force %v", trial, a.Pointing, m[arg] > 0.5)
		}
	}
}

func TestMeanAgreement(t *testing.T) {
	const hw = 4
	s := []float32{
		1, 0, 0, 0, // image 0: perfect
		0, 1, 0, 0, // image 1: miss
		1, 1, 1, 1, // image 2: empty mask, skipped
		1, 0, 0, 0, // image 3: perfect, but excluded by include
	}
	masks := []float32{
		1, 0, 0, 0,
		1, 0, 0, 0,
		0, 0, 0, 0,
		1, 0, 0, 0,
	}
	got := MeanAgreement(s, masks, 4, hw, func(i int) bool { return i != 3 })
	want := AgreementMean{IoU: 0.5, IoP: 0.5, IoT: 0.5, RelevanceMass: 0.5, Pointing: 0.5, N: 2}
	if got != want {
		t.Errorf("MeanAgreement = %+v, want %+v", got, want)
	}
	got = MeanAgreement(s, masks, 4, hw, nil)
	if got.N != 3 || !near(got.IoU, 2.0/3) || !near(got.Pointing, 2.0/3) {
		t.Errorf("MeanAgreement(nil include) = %+v, want N=3, IoU=Pointing=2/3", got)
	}
	got = MeanAgreement(s, masks, 4, hw, func(int) bool { return false })
	if got != (AgreementMean{}) {
		t.Errorf("MeanAgreement(none) = %+v, want zero", got)
	}
}

func TestAgreementPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Agree":         func() { Agree(make([]float32, 3), make([]float32, 4)) },
		"TopKMask":      func() { TopKMask(make([]bool, 2), make([]float32, 3), 1, nil) },
		"MeanAgreement": func() { MeanAgreement(make([]float32, 8), make([]float32, 8), 3, 4, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic on mismatched lengths", name)
				}
			}()
			f()
		}()
	}
}
