package saliency

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nn"
)

// TestOcclusionIrrelevantRegion uses f(x) = W·x + b with W zero on the left
// six columns: a window lying inside them changes no logit, so pixels all of
// whose windows lie there get exactly zero, and the rest do not.
func TestOcclusionIrrelevantRegion(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	net := mustNet(t, linearSpec(in), 21)
	w := param(t, net, "layers.1.weight")
	for c := 0; c < 2; c++ {
		for y := 0; y < in.H; y++ {
			for x := 0; x < 6; x++ {
				w.Value[c*in.Size()+y*in.W+x] = 0
			}
		}
	}
	img := randImage(rand.New(rand.NewPCG(22, 23)), in)
	for c := 0; c < 2; c++ {
		m, err := Map(context.Background(), net, img, Occlusion, Options{Class: c, Window: 3, Stride: 1, Fill: 0.25, Batch: 7})
		if err != nil {
			t.Fatal(err)
		}
		for y := 0; y < in.H; y++ {
			for x := 0; x < in.W; x++ {
				v := m[y*in.W+x]
				// Windows covering column x start in x−2..x; all lie in
				// columns 0..5 exactly when x ≤ 3.
				if x <= 3 && v != 0 {
					t.Errorf("class %d: pixel (%d,%d) in the irrelevant region has %g, want exactly 0", c, y, x, v)
				}
				if x >= 6 && v == 0 {
					t.Errorf("class %d: pixel (%d,%d) in the relevant region has 0", c, y, x)
				}
			}
		}
	}
}

// TestOcclusionBruteForce compares occlusion with one forward pass per
// window on a small non-square two-channel image, whose windows need the
// extra edge-flush row.
func TestOcclusionBruteForce(t *testing.T) {
	in := nn.Shape{C: 2, H: 6, W: 5}
	spec := nn.Spec{
		Name: "tiny", Input: in, Classes: []string{"a", "b", "c"},
		Layers: []nn.LayerSpec{{Type: "conv", Out: 3, Kernel: 3, Pad: 1}, {Type: "relu"}, {Type: "gap"}, {Type: "linear", Out: 3}},
	}
	rng := rand.New(rand.NewPCG(24, 25))
	net := mustNet(t, spec, 26)
	randomizeBiases(net, rng)
	x := randImage(rng, in)
	const win, stride, fill = 3, 2, float32(0.5)
	for c := 0; c < 3; c++ {
		got, err := Attribute(context.Background(), net, x, Occlusion, Options{Class: c, Window: win, Stride: stride, Fill: fill, Batch: 4})
		if err != nil {
			t.Fatal(err)
		}
		base := logit(net, x, c)
		sums := make([]float64, in.H*in.W)
		counts := make([]float64, in.H*in.W)
		for _, y0 := range []int{0, 2, 3} { // 3 = H − win, flush with the bottom
			for _, x0 := range []int{0, 2} {
				occ := slices.Clone(x)
				for ch := 0; ch < in.C; ch++ {
					for y := y0; y < y0+win; y++ {
						for xx := x0; xx < x0+win; xx++ {
							occ[(ch*in.H+y)*in.W+xx] = fill
						}
					}
				}
				drop := base - logit(net, occ, c)
				for y := y0; y < y0+win; y++ {
					for xx := x0; xx < x0+win; xx++ {
						sums[y*in.W+xx] += drop
						counts[y*in.W+xx]++
					}
				}
			}
		}
		want := make([]float32, len(sums))
		for p := range want {
			if counts[p] == 0 {
				t.Fatalf("reference leaves pixel %d uncovered", p)
			}
			want[p] = float32(sums[p] / counts[p])
		}
		closeTo(t, fmt.Sprintf("class %d", c), got, want, 1e-5)
	}
}

func TestWindowStarts(t *testing.T) {
	for _, tc := range []struct {
		n, win, stride int
		want           []int
	}{
		{12, 3, 1, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{12, 4, 2, []int{0, 2, 4, 6, 8}},
		{6, 3, 2, []int{0, 2, 3}},
		{5, 3, 2, []int{0, 2}},
		{28, 4, 2, []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24}},
		{10, 4, 4, []int{0, 4, 6}},
		{7, 7, 3, []int{0}},
		{1, 1, 1, []int{0}},
	} {
		got := windowStarts(tc.n, tc.win, tc.stride)
		if !slices.Equal(got, tc.want) {
			t.Errorf("windowStarts(%d, %d, %d) = %v, want %v", tc.n, tc.win, tc.stride, got, tc.want)
		}
		if c := windowCount(tc.n, tc.win, tc.stride); c != len(tc.want) {
			t.Errorf("windowCount(%d, %d, %d) = %d, want %d", tc.n, tc.win, tc.stride, c, len(tc.want))
		}
	}
}
