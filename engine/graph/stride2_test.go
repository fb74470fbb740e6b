package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"saliencyexplorer/engine/kernels"
	"saliencyexplorer/engine/nntest"
)

// conv3x3Def is one 3×3 convolution with bias, c channels of hw×hw to oc,
// the given stride, padding 1, named conv3x3s and the stride.
func conv3x3Def(t *testing.T, rng *rand.Rand, c, oc, hw, stride int) Def {
	return Def{
		Name: fmt.Sprintf("conv3x3s%d", stride), Input: "x", InputShape: []int{c, hw, hw}, Output: "y",
		Initializers: []Initializer{
			{Name: "w", Shape: []int{oc, c, 3, 3}, Data: nntest.Rand(rng, oc*c*9)},
			{Name: "b", Shape: []int{oc}, Data: nntest.Rand(rng, oc)},
		},
		Nodes: []Node{{Name: "y", Op: mustOp(t, "Conv", Attrs{"pads": IntsAttr([]int{1, 1, 1, 1}), "strides": IntsAttr([]int{stride, stride})}),
			Inputs: []string{"x", "w", "b"}, Outputs: []string{"y"}}},
	}
}

// TestStride2Averaged checks that a 3×3 stride-2 convolution of 64
// channels runs by phases exactly in averaged passes the kernels' rule
// says pay (two images of 14², eight tiles; not one image): there its
// forward and input gradient differ bit for bit from the plain passes' (so
// the path is taken) and agree with a float64 direct convolution within
// 2e-5 of the output's scale; the weight and bias gradients, the tangent,
// and every pass at one image or with averaged forwards off are bit for bit
// the plain ones; a graph whose averaged forwards are not allowed never
// takes the phases.
func TestStride2Averaged(t *testing.T) {
	const c, oc, hw = 64, 64, 14
	def := func() Def { return conv3x3Def(t, rand.New(rand.NewPCG(51, 52)), c, oc, hw, 2) }
	g, err := Build(def())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Build(def())
	if err != nil {
		t.Fatal(err)
	}
	notAllowed, err := Build(def())
	if err != nil {
		t.Fatal(err)
	}
	notAllowed.SetAveragedForwardsAllowed(false)
	notAllowed.SetAveragedForwards(true)
	l := g.nodes[0].Op.(*convOp)
	if l.s2 == nil || !stride2Rule(*l.s2, 2) || stride2Rule(*l.s2, 1) {
		t.Fatal("the convolution must take the phases at two images and not at one")
	}
	rng := rand.New(rand.NewPCG(53, 54))
	g.SetAveragedForwards(true)
	for _, n := range []int{2, 1, 2} {
		x := nntest.Rand(rng, n*c*hw*hw)
		dy := nntest.Rand(rng, n*oc*7*7)
		xt := nntest.Rand(rng, len(x))
		y := slices.Clone(g.Forward(x, n, false))
		yt := slices.Clone(g.Tangent(xt))
		dx := slices.Clone(g.Backward(dy, true))
		dw, db := slices.Clone(g.Grad("w")), slices.Clone(g.Grad("b"))
		py := slices.Clone(plain.Forward(x, n, false))
		pyt := slices.Clone(plain.Tangent(xt))
		pdx := slices.Clone(plain.Backward(dy, true))
		sameValues(t, fmt.Sprintf("n=%d: tangent", n), yt, pyt)
		sameValues(t, fmt.Sprintf("n=%d: weight gradient", n), dw, plain.Grad("w"))
		sameValues(t, fmt.Sprintf("n=%d: bias gradient", n), db, plain.Grad("b"))
		sameValues(t, fmt.Sprintf("n=%d: not allowed, forward", n), notAllowed.Forward(x, n, false), py)
		sameValues(t, fmt.Sprintf("n=%d: not allowed, input gradient", n), notAllowed.Backward(dy, false), pdx)
		if n == 1 {
			sameValues(t, "n=1: forward", y, py)
			sameValues(t, "n=1: input gradient", dx, pdx)
			continue
		}
		if slices.Equal(y, py) || slices.Equal(dx, pdx) {
			t.Fatalf("n=%d: the averaged forward or input gradient equals the plain one bit for bit: the phases did not run", n)
		}
		d := def()
		wts, bias := d.Initializers[0].Data, d.Initializers[1].Data
		want := nntest.Conv3x3(x, wts, n, c, oc, hw, hw, 2, 1)
		for i := range want {
			want[i] += float64(bias[i/(7*7)%oc])
		}
		checkScaled(t, fmt.Sprintf("n=%d: forward", n), y, want)
		checkScaled(t, fmt.Sprintf("n=%d: input gradient", n), dx, nntest.Conv3x3BackInput(dy, wts, n, c, oc, hw, hw, 2, 1))
	}
	if l.s2w == nil {
		t.Fatal("no phase filters after averaged passes")
	}
	g.SetAveragedForwardsAllowed(false)
	if l.s2w != nil {
		t.Fatal("disallowing averaged forwards kept the phases' filters")
	}
}

// checkScaled fails t unless got is within 2e-5 of max |want| of want.
func checkScaled(t *testing.T, name string, got []float32, want []float64) {
	t.Helper()
	var e, s float64
	for i, v := range want {
		e = math.Max(e, math.Abs(float64(got[i])-v))
		s = math.Max(s, math.Abs(v))
	}
	t.Logf("%s: error %.2e of the scale", name, e/s)
	if !(e <= 2e-5*s) {
		t.Errorf("%s: error %.2e of the scale, want ≤ 2e-5", name, e/s)
	}
}

// TestStride2Gradient checks the phases' input gradient, in a graph with
// the rule forced on (small channel counts, odd maps whose tiles are
// partial, and a ReLU after the convolution), against central finite
// differences of Σ dy·y through the same averaged forward.
func TestStride2Gradient(t *testing.T) {
	saved := stride2Rule
	stride2Rule = func(kernels.Stride2Geom, int) bool { return true }
	defer func() { stride2Rule = saved }()
	for _, hw := range []int{7, 10} {
		rng := rand.New(rand.NewPCG(55, uint64(hw)))
		const c, oc, n = 3, 5, 2
		d := conv3x3Def(t, rng, c, oc, hw, 2)
		g, err := Build(d)
		if err != nil {
			t.Fatal(err)
		}
		g.SetAveragedForwards(true)
		oh := (hw-1)/2 + 1
		x := nntest.Rand(rng, n*c*hw*hw)
		dy := nntest.Rand(rng, n*oc*oh*oh)
		g.Forward(x, n, false)
		dx := slices.Clone(g.Backward(dy, false))
		if l := g.nodes[0].Op.(*convOp); l.s2w == nil {
			t.Fatal("the phases did not run")
		}
		loss := func() float64 { return nntest.Dot(g.Forward(x, n, false), dy) }
		nntest.Check(t, fmt.Sprintf("%d²: input gradient", hw), dx, nntest.NumGrad(loss, x, 1e-2), 1e-3)
	}
}
