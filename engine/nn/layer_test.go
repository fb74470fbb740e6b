package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nntest"
)

// layerCase builds a fresh layer with parameters bound to random values.
type layerCase struct {
	name  string
	in    Shape
	n     int
	train bool
	build func() Layer
}

// bindRandom gives every parameter of l its own storage filled with random
// values (BatchNorm running variance kept positive) and returns them.
func bindRandom(l Layer, rng *rand.Rand) []*Param {
	ps := l.Params()
	for _, p := range ps {
		size := shapeSize(p.Shape)
		p.Value = nntest.Rand(rng, size)
		if p.Trainable {
			p.Grad = make([]float32, size)
		} else {
			for i := range p.Value {
				p.Value[i] = 0.5 + p.Value[i]*p.Value[i]
			}
		}
	}
	return ps
}

func layerCases() []layerCase {
	img := Shape{3, 6, 5}
	return []layerCase{
		{"conv3x3", img, 2, false, func() Layer { return NewConv2D(img, 4, 3, 1, 1) }},
		{"conv3x3s2", img, 2, false, func() Layer { return NewConv2D(img, 5, 3, 2, 1) }},
		{"conv1x1", img, 3, false, func() Layer { return NewConv2D(img, 2, 1, 1, 0) }},
		{"conv3x3-winograd", img, 2, false, func() Layer { return winograd(NewConv2D(img, 4, 3, 1, 1)) }},
		{"conv3x3-winograd-p0", Shape{2, 7, 6}, 3, false, func() Layer { return winograd(NewConv2D(Shape{2, 7, 6}, 3, 3, 1, 0)) }},
		{"conv3x3-winograd-p2", Shape{2, 4, 3}, 1, false, func() Layer { return winograd(NewConv2D(Shape{2, 4, 3}, 3, 3, 1, 2)) }},
		{"conv3x3-winograd4", img, 2, false, func() Layer { return winograd4(NewConv2D(img, 4, 3, 1, 1)) }},
		{"conv3x3-winograd4-p0", Shape{2, 7, 6}, 3, false, func() Layer { return winograd4(NewConv2D(Shape{2, 7, 6}, 3, 3, 1, 0)) }},
		{"conv3x3-winograd4-p2", Shape{2, 4, 3}, 1, false, func() Layer { return winograd4(NewConv2D(Shape{2, 4, 3}, 3, 3, 1, 2)) }},
		// 16 channels in and out, whole 2×2 tiles in a row of 8: the
		// forward and tangent run kernels.WinogradConvNarrow where the build
		// has it (wasm with SIMD), ConvStride1 or im2col elsewhere.
		{"conv3x3-narrow", Shape{16, 2, 16}, 2, false, func() Layer { return NewConv2D(Shape{16, 2, 16}, 16, 3, 1, 1) }},
		{"linear", Shape{7, 1, 1}, 3, false, func() Layer { return NewLinear(Shape{7, 1, 1}, 4) }},
		{"relu", img, 2, false, func() Layer { return NewReLU(img) }},
		{"maxpool", Shape{2, 6, 6}, 2, false, func() Layer { return NewMaxPool2D(Shape{2, 6, 6}, 2, 2) }},
		{"maxpool3s2", Shape{2, 7, 7}, 2, false, func() Layer { return NewMaxPool2D(Shape{2, 7, 7}, 3, 2) }},
		{"avgpool", Shape{2, 6, 6}, 2, false, func() Layer { return NewAvgPool2D(Shape{2, 6, 6}, 2, 2) }},
		{"gap", img, 2, false, func() Layer { return NewGlobalAvgPool(img) }},
		{"flatten", img, 2, false, func() Layer { return NewFlatten(img) }},
		{"dropout-train", img, 2, true, func() Layer { return NewDropout(img, 0.3, 1) }},
		{"dropout-eval", img, 2, false, func() Layer { return NewDropout(img, 0.3, 1) }},
		{"batchnorm-eval", img, 3, false, func() Layer { return NewBatchNorm2D(img) }},
		{"batchnorm-train", img, 3, true, func() Layer { return NewBatchNorm2D(img) }},
		{"residual-identity", img, 2, false, func() Layer {
			return NewResidual(img, []Layer{NewConv2D(img, 3, 3, 1, 1), NewBatchNorm2D(img), NewConv2D(img, 3, 3, 1, 1)}, nil)
		}},
		{"residual-identity-winograd", img, 2, false, func() Layer {
			return NewResidual(img, []Layer{winograd(NewConv2D(img, 3, 3, 1, 1)), NewBatchNorm2D(img), winograd(NewConv2D(img, 3, 3, 1, 1))}, nil)
		}},
		{"residual-projection-bn", img, 2, true, func() Layer {
			mid := Shape{4, 3, 3}
			return NewResidual(img,
				[]Layer{NewConv2D(img, 4, 3, 2, 1), NewBatchNorm2D(mid), NewConv2D(mid, 4, 3, 1, 1)},
				[]Layer{NewConv2D(img, 4, 1, 2, 0)})
		}},
	}
}

// winograd makes l take its Winograd branch (kernels.WinogradConv) whatever
// the channels and batch, with the tile size kernels.WinogradTile chooses
// per call; it panics if Winograd does not apply to l.
func winograd(l *Conv2D) *Conv2D {
	if l.winograd == nil {
		panic("nn test: no Winograd branch for this convolution")
	}
	l.forceWinograd = true
	return l
}

// winograd4 is winograd with tiles of 4×4 outputs, F(4×4, 3×3).
func winograd4(l *Conv2D) *Conv2D {
	winograd(l)
	g := l.winograd
	*l.winograd = kernels.NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, 4)
	return l
}

// forwardFixed runs a forward pass whose randomness (dropout masks) repeats:
// dropout layers are re-seeded before every call.
func forwardFixed(l Layer, x []float32, n int, train bool) []float32 {
	if d, ok := l.(*Dropout); ok {
		d.rng = rand.New(rand.NewPCG(99, 0))
	}
	return l.Forward(x, n, train)
}

// TestLayerGradients checks, for every layer, Backward's input and parameter
// gradients, Tangent, and BackwardDual's three outputs against central finite
// differences of scalar objectives built from random projections.
func TestLayerGradients(t *testing.T) {
	for _, tc := range layerCases() {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			l := tc.build()
			ps := bindRandom(l, rng)
			out := l.OutShape().Size() * tc.n
			x := nntest.Rand(rng, tc.n*tc.in.Size())
			// Keep inputs away from ReLU's kink at 0, where a finite
			// difference straddles two linear pieces. (Residual bodies here
			// have no ReLU for the same reason; ReLU is checked on its own.)
			for i, v := range x {
				if v >= 0 {
					x[i] = v + 0.1
				} else {
					x[i] = v - 0.1
				}
			}
			xt := nntest.Rand(rng, len(x))
			wy := nntest.Rand(rng, out)  // ȳ
			wyt := nntest.Rand(rng, out) // ẏ̄

			// Objective 1: L1 = ⟨wy, y(x)⟩.
			l1 := func() float64 { return nntest.Dot(forwardFixed(l, x, tc.n, tc.train), wy) }
			// Objective 2: L2 = ⟨wy, y(x)⟩ + ⟨wyt, ẏ(x, ẋ)⟩.
			l2 := func() float64 {
				y := forwardFixed(l, x, tc.n, tc.train)
				s := nntest.Dot(y, wy)
				return s + nntest.Dot(l.Tangent(xt), wyt)
			}
			const eps, tol = 1e-2, 5e-3

			// Backward.
			for _, p := range ps {
				clear(p.Grad)
			}
			forwardFixed(l, x, tc.n, tc.train)
			dx := append([]float32(nil), l.Backward(wy, true)...)
			nntest.Check(t, "dx", dx, nntest.NumGrad(l1, x, eps), tol)
			for _, p := range ps {
				if p.Trainable {
					got := append([]float32(nil), p.Grad...)
					nntest.Check(t, "d"+p.Name, got, nntest.NumGrad(l1, p.Value, eps), tol)
				}
			}

			// Tangent: ẏ equals the directional derivative of y along ẋ.
			forwardFixed(l, x, tc.n, tc.train)
			yt := append([]float32(nil), l.Tangent(xt)...)
			numYt := make([]float64, out)
			for i := range x {
				x[i] += float32(eps) * xt[i]
			}
			plus := append([]float32(nil), forwardFixed(l, x, tc.n, tc.train)...)
			for i := range x {
				x[i] -= 2 * float32(eps) * xt[i]
			}
			minus := append([]float32(nil), forwardFixed(l, x, tc.n, tc.train)...)
			for i := range x {
				x[i] += float32(eps) * xt[i]
			}
			for i := range numYt {
				numYt[i] = (float64(plus[i]) - float64(minus[i])) / (2 * eps)
			}
			nntest.Check(t, "tangent", yt, numYt, tol)

			// BackwardDual.
			for _, p := range ps {
				clear(p.Grad)
			}
			forwardFixed(l, x, tc.n, tc.train)
			l.Tangent(xt)
			gdx, gdxt := l.BackwardDual(wy, wyt)
			gdx = append([]float32(nil), gdx...)
			gdxt = append([]float32(nil), gdxt...)
			nntest.Check(t, "dual dx", gdx, nntest.NumGrad(l2, x, eps), tol)
			nntest.Check(t, "dual dxt", gdxt, nntest.NumGrad(l2, xt, eps), tol)
			for _, p := range ps {
				if p.Trainable {
					got := append([]float32(nil), p.Grad...)
					nntest.Check(t, "dual d"+p.Name, got, nntest.NumGrad(l2, p.Value, eps), tol)
				}
			}
		})
	}
}

// TestBackwardWithoutParamGrads checks that paramGrads=false leaves Grad
// untouched while still returning the input gradient.
func TestBackwardWithoutParamGrads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	img := Shape{2, 5, 5}
	l := NewConv2D(img, 3, 3, 1, 1)
	ps := bindRandom(l, rng)
	x := nntest.Rand(rng, 2*img.Size())
	y := l.Forward(x, 2, false)
	dx := l.Backward(nntest.Rand(rng, len(y)), false)
	if nntest.Dot(dx, dx) == 0 {
		t.Fatal("input gradient is zero")
	}
	for _, p := range ps {
		for i, g := range p.Grad {
			if g != 0 {
				t.Fatalf("%s grad[%d] = %v after Backward(paramGrads=false)", p.Name, i, g)
			}
		}
	}
}

func ExampleShape() {
	fmt.Println(Shape{3, 64, 64}, Shape{3, 64, 64}.Size())
	// Output: 3×64×64 12288
}
