package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvStride1 compares ConvStride1 with the direct convolution on the
// stride-1 geometries of convGeoms and a few more, with filter counts that
// leave a partial row panel, with and without a bias, and checks that it
// writes nothing past y and leaves x and the filters unchanged.
func TestConvStride1(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gs := append(convGeoms(), NewConvGeom(3, 5, 17, 3, 3, 1, 1), NewConvGeom(2, 9, 11, 5, 3, 1, 0),
		NewConvGeom(5, 8, 8, 1, 3, 1, 2), NewConvGeom(3, 6, 7, 3, 3, 1, 0),
		NewConvGeom(2, 9, 16, 5, 3, 1, 2), NewConvGeom(3, 5, 10, 3, 3, 1, 0), NewConvGeom(8, 64, 64, 3, 3, 1, 1), NewConvGeom(16, 32, 32, 3, 3, 1, 1))
	ran := 0
	for _, g := range gs {
		for _, oc := range []int{1, 3, 5, 8, 13, 32} {
			if !ConvStride1Applies(g, oc) {
				continue
			}
			ran++
			const guard = 5
			x := withGuard(randSlice(rng, g.C*g.H*g.W), guard)
			w := withGuard(randSlice(rng, oc*g.Rows()), guard)
			bias := randSlice(rng, oc)
			xCopy, wCopy := append([]float32(nil), x...), append([]float32(nil), w...)
			for _, withBias := range []bool{false, true} {
				want := directConv(x, w, oc, g)
				var b []float32
				if withBias {
					b = bias
					for i := range want {
						want[i] += bias[i/g.Cols()]
					}
				}
				got := withGuard(randSlice(rng, len(want)), guard)
				ConvStride1(got, x[:g.C*g.H*g.W], w[:oc*g.Rows()], b, oc, g)
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*(1+math.Abs(float64(want[i])))*math.Sqrt(float64(g.Rows()))) {
						t.Fatalf("%+v oc=%d bias=%v: y[%d] = %v, want %v", g, oc, withBias, i, got[i], want[i])
					}
				}
				for i := len(want); i < len(got); i++ {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("%+v oc=%d: wrote past y at %d", g, oc, i)
					}
				}
			}
			checkUnchanged(t, fmt.Sprintf("%+v: x", g), x, xCopy)
			checkUnchanged(t, fmt.Sprintf("%+v: w", g), w, wCopy)
		}
	}
	if ran == 0 && convRuns3 != nil {
		t.Fatal("no geometry ran")
	}
}
