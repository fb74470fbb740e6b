package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSpearmanHandCases(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []float32
		want float64
	}{
		{"monotone, not linear", []float32{1, 2, 3, 4}, []float32{1, 4, 9, 16}, 1},
		{"reversed", []float32{1, 2, 3, 4}, []float32{8, 6, 4, 2}, -1},
		// Ranks of a: 1, 2.5, 2.5, 4; of b: 1, 2, 3, 4. Centred: (−1.5, 0, 0,
		// 1.5) and (−1.5, −0.5, 0.5, 1.5); 4.5 / √(4.5·5).
		{"tie", []float32{1, 2, 2, 3}, []float32{1, 2, 3, 4}, 4.5 / math.Sqrt(4.5*5)},
		// Ranks (3, 1, 2) against (1, 2, 3): centred (1, −1, 0) and (−1, 0, 1);
		// −1 / √(2·2).
		{"permuted", []float32{0.9, 0.1, 0.5}, []float32{-3, 0, 7}, -0.5},
	} {
		if got := Spearman(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: Spearman = %v, want %v", c.name, got, c.want)
		}
	}
	if !math.IsNaN(Spearman([]float32{2, 2, 2}, []float32{1, 2, 3})) {
		t.Error("Spearman of a constant map is not NaN")
	}
}

// TestSSIMHandCases checks SSIM on one 7×7 window, where it is the formula
// itself, and its limits on larger maps.
func TestSSIMHandCases(t *testing.T) {
	// x has 24 ones and 25 zeros; y = 1 − x. Means μ and 1 − μ, equal sample
	// variances v, covariance −v; L = 1.
	x := make([]float32, 49)
	y := make([]float32, 49)
	for i := range x {
		if i%2 == 1 {
			x[i] = 1
		}
		y[i] = 1 - x[i]
	}
	mu := 24.0 / 49
	v := 49.0 / 48 * (mu - mu*mu)
	c1, c2 := 1e-4, 9e-4
	want := ((2*mu*(1-mu) + c1) * (-2*v + c2)) / ((mu*mu + (1-mu)*(1-mu) + c1) * (2*v + c2))
	if got := SSIM(x, y, 7, 7); math.Abs(got-want) > 1e-12 {
		t.Errorf("SSIM(x, 1−x) = %v, want %v", got, want)
	}
	// Halving contrast about the same mean: structure 1, contrast
	// 2·σ·σ/2 / (σ² + σ²/4) = 0.8 up to the constants.
	z := make([]float32, 49)
	for i := range z {
		z[i] = 0.25 + x[i]/2
	}
	mz := 0.25 + mu/2
	vz := v / 4
	cov := v / 2
	L := 1.0
	c1, c2 = (0.01*L)*(0.01*L), (0.03*L)*(0.03*L)
	want = ((2*mu*mz + c1) * (2*cov + c2)) / ((mu*mu + mz*mz + c1) * (v + vz + c2))
	if got := SSIM(x, z, 7, 7); math.Abs(got-want) > 1e-12 {
		t.Errorf("SSIM(x, x/2+¼) = %v, want %v", got, want)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float32, 20*16)
	for i := range a {
		a[i] = rng.Float32()
	}
	if got := SSIM(a, a, 20, 16); math.Abs(got-1) > 1e-12 {
		t.Errorf("SSIM of a map with itself = %v, want 1", got)
	}
	b := make([]float32, len(a))
	for i := range b {
		b[i] = rng.Float32()
	}
	if got := SSIM(a, b, 20, 16); math.Abs(got) > 0.1 {
		t.Errorf("SSIM of independent noise maps = %v, want near 0", got)
	}
	// The mean is over the 14·10 windows: a difference in one corner pixel
	// touches only the one window that contains it.
	c := append([]float32(nil), a...)
	c[0] += 0.5
	one := SSIM(a, c, 20, 16)
	if one >= 1 || one < 1-1.0/140 {
		t.Errorf("SSIM with one corner pixel changed = %v, want in [1 − 1/140, 1)", one)
	}
}

func TestCurveAUC(t *testing.T) {
	for _, c := range []struct {
		y    []float64
		want float64
	}{
		{[]float64{0.7, 0.7, 0.7}, 0.7},
		{[]float64{1, 0.75, 0.5, 0.25, 0}, 0.5},
		{[]float64{1, 0, 0, 0}, 1.0 / 6},
	} {
		if got := CurveAUC(c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("CurveAUC(%v) = %v, want %v", c.y, got, c.want)
		}
	}
}
