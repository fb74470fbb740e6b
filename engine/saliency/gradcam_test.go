package saliency

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/nn"
)

// TestGradCAMHand recomputes Grad-CAM from the feature maps alone. After the
// last spatial layer come gap and linear, so ∂f_c/∂A^k_ij = W_ck/(hw) and
// α_k = W_ck/(hw) without any backward pass.
func TestGradCAMHand(t *testing.T) {
	in := nn.Shape{C: 1, H: 12, W: 12}
	rng := rand.New(rand.NewPCG(27, 28))
	net := mustNet(t, reluSpec(in), 29)
	randomizeBiases(net, rng)
	layer := net.LastSpatialLayer()
	if layer != 4 {
		t.Fatalf("LastSpatialLayer() = %d, want 4 (the second relu)", layer)
	}
	fs := net.Layers()[layer].OutShape() // 8×6×6
	hw := fs.H * fs.W
	w := param(t, net, "layers.6.weight").Value // 2×8
	for trial := 0; trial < 3; trial++ {
		x := randImage(rng, in)
		for c := 0; c < 2; c++ {
			got, err := Attribute(context.Background(), net, x, GradCAM, Options{Class: c})
			if err != nil {
				t.Fatal(err)
			}
			net.Forward(x, 1, false)
			a := net.Output(layer)
			cam := make([]float64, hw)
			for p := range cam {
				var s float64
				for k := 0; k < fs.C; k++ {
					s += float64(w[c*fs.C+k]) / float64(hw) * float64(a[k*hw+p])
				}
				cam[p] = math.Max(s, 0)
			}
			want := make([]float32, in.H*in.W)
			for i := 0; i < in.H; i++ {
				for j := 0; j < in.W; j++ {
					want[i*in.W+j] = float32(bilinearAt(cam, fs.H, fs.W, float64(i)*float64(fs.H)/float64(in.H), float64(j)*float64(fs.W)/float64(in.W), float64(fs.H)/float64(in.H)))
				}
			}
			closeTo(t, fmt.Sprintf("trial %d class %d", trial, c), got, want, 1e-5)
			if maxAbs(want) == 0 {
				t.Errorf("trial %d class %d: reference map is all zeros; the test checks nothing", trial, c)
			}
		}
	}
}

// bilinearAt samples src (h×w) at the centre of the output pixel whose top
// left corner maps to source coordinates (y, x), the output pixel spanning
// scale source pixels.
func bilinearAt(src []float64, h, w int, y, x, scale float64) float64 {
	cy := min(max(y+scale/2-0.5, 0), float64(h-1))
	cx := min(max(x+scale/2-0.5, 0), float64(w-1))
	y0, x0 := int(cy), int(cx)
	y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
	fy, fx := cy-float64(y0), cx-float64(x0)
	return (1-fy)*(1-fx)*src[y0*w+x0] + (1-fy)*fx*src[y0*w+x1] + fy*(1-fx)*src[y1*w+x0] + fy*fx*src[y1*w+x1]
}

// TestGradCAMProperties checks the shape and sign of Grad-CAM maps, and that
// the map vanishes when the class's classifier weights are zero.
func TestGradCAMProperties(t *testing.T) {
	ctx := context.Background()
	in := nn.Shape{C: 3, H: 10, W: 10}
	rng := rand.New(rand.NewPCG(30, 31))
	net := mustNet(t, reluSpec(in), 32)
	nonzero := 0
	for trial := 0; trial < 4; trial++ {
		x := randImage(rng, in)
		for c := 0; c < 2; c++ {
			m, err := Map(ctx, net, x, GradCAM, Options{Class: c})
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != in.H*in.W {
				t.Fatalf("map has %d values, want %d", len(m), in.H*in.W)
			}
			if i := slices.IndexFunc(m, func(v float32) bool { return !(v >= 0) }); i >= 0 {
				t.Errorf("trial %d class %d: map[%d] = %g < 0", trial, c, i, m[i])
			}
			if maxAbs(m) > 0 {
				nonzero++
			}
		}
	}
	if nonzero == 0 {
		t.Errorf("every Grad-CAM map is zero")
	}

	w := param(t, net, "layers.6.weight").Value
	clear(w[1*8 : 2*8]) // class 1 no longer reads the features
	x := randImage(rng, in)
	m, err := Map(ctx, net, x, GradCAM, Options{Class: 1})
	if err != nil {
		t.Fatal(err)
	}
	if v := maxAbs(m); v != 0 {
		t.Errorf("class with zero classifier weights: max |map| = %g, want 0", v)
	}
	if m0, err := Map(ctx, net, x, GradCAM, Options{Class: 0}); err != nil || maxAbs(m0) == 0 {
		t.Errorf("class 0 map: max %g, error %v; want a non-zero map", maxAbs(m0), err)
	}
}

func TestUpsampleBilinear(t *testing.T) {
	// 2×2 → 4×4 with pixel centres aligned samples each axis at
	// −¼, ¼, ¾, 5/4 → clamped 0, ¼, ¾, 1. Source value 2y + x.
	src := []float32{0, 1, 2, 3}
	got := make([]float32, 16)
	upsampleBilinear(got, 4, 4, src, 2, 2)
	pos := []float32{0, 0.25, 0.75, 1}
	want := make([]float32, 16)
	for i := range 4 {
		for j := range 4 {
			want[i*4+j] = 2*pos[i] + pos[j]
		}
	}
	closeTo(t, "2×2→4×4", got, want, 1e-7)

	// The same size is the identity, and a 1×1 source spreads everywhere.
	src = randImage(rand.New(rand.NewPCG(33, 34)), nn.Shape{C: 1, H: 3, W: 5})
	got = make([]float32, 15)
	upsampleBilinear(got, 3, 5, src, 3, 5)
	closeTo(t, "identity", got, src, 0)
	got = make([]float32, 12)
	upsampleBilinear(got, 3, 4, []float32{7}, 1, 1)
	for i, v := range got {
		if v != 7 {
			t.Fatalf("1×1 → 3×4: got[%d] = %g, want 7", i, v)
		}
	}
}

func TestGradCAMNeedsSpatialLayer(t *testing.T) {
	in := nn.Shape{C: 1, H: 4, W: 4}
	net := mustNet(t, linearSpec(in), 35)
	_, err := Map(context.Background(), net, make([]float32, 16), GradCAM, Options{})
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Arg != "method" {
		t.Errorf("Grad-CAM on flatten→linear: error %v, want an *ArgError for method", err)
	}
}
