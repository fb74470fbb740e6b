package graph

import (
	"math/rand/v2"
	"sort"
	"testing"

	"saliencyexplorer/engine/nntest"
)

// opCase is one op on given inputs: batched inputs of per-example shapes,
// and constants (parameters, or state when the op reads them as state).
type opCase struct {
	name  string
	typ   string
	attrs Attrs
	in    []Info
	n     int
	train bool
	// prep, if set, adjusts the random inputs (keep them off kinks, keep a
	// variance positive).
	prep func(i int, v []float32)
}

func b(shape ...int) Info { return Info{Shape: shape, Batched: true} }
func c(shape ...int) Info { return Info{Shape: shape} }

// offKink moves values at least 0.1 away from 0 (ReLU's kink).
func offKink(v []float32) {
	for i, x := range v {
		if x >= 0 {
			v[i] = x + 0.1
		} else {
			v[i] = x - 0.1
		}
	}
}

// spread replaces values by their rank times 0.1, keeping their order, so
// that no two are within a finite-difference step of each other (a max
// pool's selection does not flip).
func spread(_ int, v []float32) {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	for r, i := range idx {
		v[i] = 0.1*float32(r) - 0.05*float32(len(v))
	}
}

// opHarness holds one op and its argument buffers.
type opHarness struct {
	t      *testing.T
	tc     opCase
	op     Op
	outs   []Info
	x, y   [][]float32 // inputs, outputs of the last forward
	xt, yt [][]float32
	param  []bool // input i takes a gradient (batched, or a trainable constant)
}

func newHarness(t *testing.T, tc opCase, rng *rand.Rand) *opHarness {
	t.Helper()
	op, err := New(tc.typ, tc.attrs)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := op.Infer(tc.in)
	if err != nil {
		t.Fatal(err)
	}
	h := &opHarness{t: t, tc: tc, op: op, outs: outs}
	state := map[int]bool{}
	if s, ok := op.(StateReader); ok {
		for _, i := range s.StateInputs() {
			state[i] = true
		}
	}
	for i, info := range tc.in {
		size := info.Size()
		if info.Batched {
			size *= tc.n
		}
		v := nntest.Rand(rng, size)
		if tc.prep != nil {
			tc.prep(i, v)
		}
		h.x = append(h.x, v)
		var vt []float32
		if info.Batched {
			vt = nntest.Rand(rng, size)
		}
		h.xt = append(h.xt, vt)
		h.param = append(h.param, info.Batched || !state[i])
	}
	for _, o := range outs {
		h.y = append(h.y, make([]float32, tc.n*o.Size()))
		h.yt = append(h.yt, make([]float32, tc.n*o.Size()))
	}
	return h
}

func (h *opHarness) forward() {
	if r, ok := h.op.(*reshape); ok && r.rng != nil {
		r.rng = rand.New(rand.NewPCG(99, 0)) // the same dropout mask every time
	}
	h.op.Forward(h.x, h.y, h.tc.n, h.tc.train)
}

func zeros(like [][]float32, keep []bool) [][]float32 {
	out := make([][]float32, len(like))
	for i, v := range like {
		if keep == nil || keep[i] {
			out[i] = make([]float32, len(v))
		}
	}
	return out
}

// checkOp checks the four passes of an op against central finite
// differences of L1 = Σ⟨wy, y⟩ and L2 = L1 + Σ⟨wyt, ẏ⟩.
func checkOp(t *testing.T, tc opCase) {
	rng := rand.New(rand.NewPCG(11, 12))
	h := newHarness(t, tc, rng)
	var wy, wyt [][]float32
	for _, y := range h.y {
		wy = append(wy, nntest.Rand(rng, len(y)))
		wyt = append(wyt, nntest.Rand(rng, len(y)))
	}
	l1 := func() float64 {
		h.forward()
		var s float64
		for j, y := range h.y {
			s += nntest.Dot(y, wy[j])
		}
		return s
	}
	l2 := func() float64 {
		s := l1()
		h.op.Tangent(h.xt, h.yt)
		for j, yt := range h.yt {
			s += nntest.Dot(yt, wyt[j])
		}
		return s
	}
	const eps, tol = 1e-2, 5e-3
	name := func(what string, i int) string { return what + "[" + string(rune('0'+i)) + "]" }

	// Backward.
	h.forward()
	dx := zeros(h.x, h.param)
	h.op.Backward(wy, dx)
	for i := range h.x {
		if h.param[i] {
			nntest.Check(t, name("dx", i), dx[i], nntest.NumGrad(l1, h.x[i], eps), tol)
		}
	}

	// Backward adds into dx: a second call doubles it.
	h.forward()
	dx2 := zeros(h.x, h.param)
	h.op.Backward(wy, dx2)
	h.op.Backward(wy, dx2)
	for i := range h.x {
		for k := range dx2[i] {
			if d := dx2[i][k] - 2*dx[i][k]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("dx[%d][%d]: two Backward calls give %v, want 2×%v (ops add into dx)", i, k, dx2[i][k], dx[i][k])
			}
		}
	}

	// Tangent: directional derivative along xt (batched inputs only).
	h.forward()
	h.op.Tangent(h.xt, h.yt)
	got := make([][]float32, len(h.yt))
	for j, v := range h.yt {
		got[j] = append([]float32(nil), v...)
	}
	step := func(s float32) [][]float32 {
		for i, xt := range h.xt {
			for k := range xt {
				h.x[i][k] += s * xt[k]
			}
		}
		h.forward()
		out := make([][]float32, len(h.y))
		for j, v := range h.y {
			out[j] = append([]float32(nil), v...)
		}
		return out
	}
	plus := step(eps)
	minus := step(-2 * eps)
	step(eps)
	for j := range got {
		num := make([]float64, len(got[j]))
		for k := range num {
			num[k] = (float64(plus[j][k]) - float64(minus[j][k])) / (2 * eps)
		}
		nntest.Check(t, name("tangent", j), got[j], num, tol)
	}

	// BackwardDual.
	h.forward()
	h.op.Tangent(h.xt, h.yt)
	gdx := zeros(h.x, h.param)
	gdxt := zeros(h.x, nil)
	for i := range gdxt {
		if !tc.in[i].Batched {
			gdxt[i] = nil
		}
	}
	h.op.BackwardDual(wy, wyt, gdx, gdxt)
	for i := range h.x {
		if h.param[i] {
			nntest.Check(t, name("dual dx", i), gdx[i], nntest.NumGrad(l2, h.x[i], eps), tol)
		}
		if tc.in[i].Batched {
			nntest.Check(t, name("dual dxt", i), gdxt[i], nntest.NumGrad(l2, h.xt[i], eps), tol)
		}
	}
}

// posVar keeps BatchNormalization's running variance (input 4) positive.
func posVar(i int, v []float32) {
	if i == 4 {
		for k, x := range v {
			v[k] = 0.5 + x*x
		}
	}
}

func opCases() []opCase {
	img := b(3, 5, 4)
	kink := func(_ int, v []float32) { offKink(v) }
	clipKink := func(_ int, v []float32) {
		for k, x := range v {
			// Keep away from 0 and 1 (the bounds below).
			v[k] = float32(int(x*4))/4 + 0.125
		}
	}
	hsKink := func(_ int, v []float32) {
		for k, x := range v {
			v[k] = 3*x + 0.37 // spread over the three pieces, off ±3 by chance only
		}
	}
	return []opCase{
		{name: "relu", typ: "Relu", in: []Info{img}, n: 2, prep: kink},
		{name: "leakyrelu", typ: "LeakyRelu", attrs: Attrs{"alpha": FloatAttr(0.1)}, in: []Info{img}, n: 2, prep: kink},
		{name: "sigmoid", typ: "Sigmoid", in: []Info{img}, n: 2},
		{name: "tanh", typ: "Tanh", in: []Info{img}, n: 2},
		{name: "hardsigmoid", typ: "HardSigmoid", attrs: Attrs{"alpha": FloatAttr(0.3), "beta": FloatAttr(0.4)}, in: []Info{img}, n: 2, prep: hsKink},
		{name: "hardswish", typ: "HardSwish", in: []Info{img}, n: 2, prep: hsKink},
		{name: "clip", typ: "Clip", attrs: Attrs{"min": FloatAttr(0), "max": FloatAttr(1)}, in: []Info{img}, n: 2, prep: clipKink},
		{name: "add-same", typ: "Add", in: []Info{img, img}, n: 2},
		{name: "add-bias", typ: "Add", in: []Info{img, c(3, 1, 1)}, n: 2},
		{name: "add-full-rank-const", typ: "Add", in: []Info{c(1, 1, 5, 1), img}, n: 2},
		{name: "add-gate", typ: "Add", in: []Info{b(3, 1, 1), img}, n: 2},
		{name: "sub", typ: "Sub", in: []Info{img, b(3, 1, 4)}, n: 2},
		{name: "mul-same", typ: "Mul", in: []Info{img, img}, n: 2},
		{name: "mul-gate", typ: "Mul", in: []Info{img, b(3, 1, 1)}, n: 2},
		{name: "mul-scale", typ: "Mul", in: []Info{c(3, 1, 1), img}, n: 2},
		{name: "mul-scalar", typ: "Mul", in: []Info{img, c()}, n: 2},
		{name: "div", typ: "Div", in: []Info{img, b(1, 5, 4)}, n: 2, prep: func(i int, v []float32) {
			if i == 1 {
				for k, x := range v {
					v[k] = 1 + x*x
				}
			}
		}},
		{name: "div-const", typ: "Div", in: []Info{img, c(3, 1, 1)}, n: 2, prep: func(i int, v []float32) {
			if i == 1 {
				for k, x := range v {
					v[k] = 1 + x*x
				}
			}
		}},
		{name: "conv3x3", typ: "Conv", attrs: Attrs{"pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{img, c(4, 3, 3, 3), c(4)}, n: 2},
		{name: "conv1x1", typ: "Conv", in: []Info{b(4, 3, 5), c(6, 4, 1, 1), c(6)}, n: 2},
		{name: "conv1x1-groups", typ: "Conv", attrs: Attrs{"group": IntAttr(2)}, in: []Info{b(4, 3, 5), c(6, 2, 1, 1)}, n: 2},
		{name: "conv-nobias-s2", typ: "Conv", attrs: Attrs{"strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(3, 6, 5), c(5, 3, 3, 3)}, n: 2},
		{name: "conv3x3-groups", typ: "Conv", attrs: Attrs{"group": IntAttr(2), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(4, 5, 6), c(6, 2, 3, 3), c(6)}, n: 2},
		{name: "conv-groups", typ: "Conv", attrs: Attrs{"group": IntAttr(2), "pads": IntsAttr([]int{1, 0, 1, 2})}, in: []Info{b(4, 5, 5), c(6, 2, 3, 2), c(6)}, n: 2},
		{name: "conv-depthwise-dilated", typ: "Conv", attrs: Attrs{"group": IntAttr(3), "dilations": IntsAttr([]int{2, 1}), "strides": IntsAttr([]int{1, 2}), "pads": IntsAttr([]int{2, 1, 2, 1})}, in: []Info{b(3, 6, 6), c(3, 1, 3, 3), c(3)}, n: 2},
		{name: "conv-depthwise-s2", typ: "Conv", attrs: Attrs{"group": IntAttr(4), "strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(4, 7, 7), c(4, 1, 3, 3)}, n: 2},
		{name: "conv-depthwise-direct", typ: "Conv", attrs: Attrs{"group": IntAttr(3), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(3, 6, 9), c(3, 1, 3, 3), c(3)}, n: 2},
		{name: "conv-depthwise-direct-5x5-s2", typ: "Conv", attrs: Attrs{"group": IntAttr(2), "strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{2, 2, 2, 2})}, in: []Info{b(2, 7, 8), c(2, 1, 5, 5), c(2)}, n: 2},
		{name: "conv-depthwise-s1", typ: "Conv", attrs: Attrs{"group": IntAttr(4), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(4, 7, 7), c(8, 1, 3, 3), c(8)}, n: 2},
		{name: "conv-same-upper", typ: "Conv", attrs: Attrs{"auto_pad": StringAttr("SAME_UPPER"), "strides": IntsAttr([]int{2, 2})}, in: []Info{b(2, 6, 5), c(3, 2, 4, 4), c(3)}, n: 2},
		{name: "conv-same-lower", typ: "Conv", attrs: Attrs{"auto_pad": StringAttr("SAME_LOWER")}, in: []Info{b(2, 5, 5), c(3, 2, 2, 2)}, n: 1},
		{name: "maxpool2", typ: "MaxPool", attrs: Attrs{"kernel_shape": IntsAttr([]int{2, 2}), "strides": IntsAttr([]int{2, 2})}, in: []Info{b(2, 6, 6)}, n: 2, prep: spread},
		{name: "maxpool3s2-pad-ceil", typ: "MaxPool", attrs: Attrs{"kernel_shape": IntsAttr([]int{3, 3}), "strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{1, 1, 1, 1}), "ceil_mode": IntAttr(1)}, in: []Info{b(2, 6, 7)}, n: 2, prep: spread},
		{name: "maxpool3s2-pad", typ: "MaxPool", attrs: Attrs{"kernel_shape": IntsAttr([]int{3, 3}), "strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{1, 1, 1, 1})}, in: []Info{b(2, 7, 6)}, n: 2, prep: spread},
		{name: "maxpool-dilated", typ: "MaxPool", attrs: Attrs{"kernel_shape": IntsAttr([]int{2, 2}), "dilations": IntsAttr([]int{2, 2})}, in: []Info{b(2, 5, 5)}, n: 1, prep: spread},
		{name: "avgpool", typ: "AveragePool", attrs: Attrs{"kernel_shape": IntsAttr([]int{2, 2}), "strides": IntsAttr([]int{2, 2})}, in: []Info{b(2, 6, 6)}, n: 2},
		{name: "avgpool-pad-ceil", typ: "AveragePool", attrs: Attrs{"kernel_shape": IntsAttr([]int{3, 3}), "strides": IntsAttr([]int{2, 2}), "pads": IntsAttr([]int{1, 1, 1, 1}), "ceil_mode": IntAttr(1)}, in: []Info{b(2, 6, 7)}, n: 2},
		{name: "avgpool-include-pad", typ: "AveragePool", attrs: Attrs{"kernel_shape": IntsAttr([]int{3, 3}), "pads": IntsAttr([]int{1, 1, 1, 1}), "count_include_pad": IntAttr(1)}, in: []Info{b(2, 5, 4)}, n: 2},
		{name: "gap", typ: "GlobalAveragePool", in: []Info{img}, n: 2},
		{name: "reducemean-hw", typ: "ReduceMean", attrs: Attrs{"axes": IntsAttr([]int{2, 3}), "keepdims": IntAttr(0)}, in: []Info{img}, n: 2},
		{name: "reducesum-noop", typ: "ReduceSum", attrs: Attrs{"axes": IntsAttr([]int{}), "noop_with_empty_axes": IntAttr(1)}, in: []Info{img}, n: 2},
		{name: "reducesum-c", typ: "ReduceSum", attrs: Attrs{"axes": IntsAttr([]int{-3})}, in: []Info{img}, n: 2},
		{name: "batchnorm-eval", typ: "BatchNormalization", in: []Info{img, c(3), c(3), c(3), c(3)}, n: 3, prep: posVar},
		{name: "batchnorm-eval-in-training", typ: "BatchNormalization", in: []Info{img, c(3), c(3), c(3), c(3)}, n: 3, train: true, prep: posVar},
		{name: "batchnorm-train", typ: "BatchNormalization", attrs: Attrs{"training_mode": IntAttr(1)}, in: []Info{img, c(3), c(3), c(3), c(3)}, n: 3, train: true, prep: posVar},
		{name: "batchnorm-vector", typ: "BatchNormalization", attrs: Attrs{"epsilon": FloatAttr(1e-3)}, in: []Info{b(4), c(4), c(4), c(4), c(4)}, n: 2, prep: posVar},
		{name: "concat-channels", typ: "Concat", attrs: Attrs{"axis": IntAttr(1)}, in: []Info{img, b(2, 5, 4), b(1, 5, 4)}, n: 2},
		{name: "concat-last", typ: "Concat", attrs: Attrs{"axis": IntAttr(-1)}, in: []Info{img, b(3, 5, 2)}, n: 2},
		{name: "pad-constant", typ: "Pad", attrs: Attrs{"pads": IntsAttr([]int{0, 0, 1, 2, 0, 1, 0, 1}), "value": FloatAttr(0.5)}, in: []Info{img}, n: 2},
		{name: "pad-reflect", typ: "Pad", attrs: Attrs{"mode": StringAttr("reflect"), "pads": IntsAttr([]int{0, 0, 2, 1, 0, 0, 1, 3})}, in: []Info{img}, n: 2},
		{name: "pad-edge", typ: "Pad", attrs: Attrs{"mode": StringAttr("edge"), "pads": IntsAttr([]int{0, 1, 2, 1, 0, 0, 1, 3})}, in: []Info{img}, n: 2},
		{name: "gemm", typ: "Gemm", in: []Info{b(7), c(7, 4), c(4)}, n: 3},
		{name: "gemm-transB-alpha-beta", typ: "Gemm", attrs: Attrs{"transB": IntAttr(1), "alpha": FloatAttr(0.5), "beta": FloatAttr(2)}, in: []Info{b(7), c(4, 7), c(1, 4)}, n: 3},
		{name: "gemm-scalar-c", typ: "Gemm", attrs: Attrs{"transB": IntAttr(1)}, in: []Info{b(5), c(3, 5), c(1)}, n: 2},
		{name: "gemm-no-c", typ: "Gemm", in: []Info{b(5), c(5, 3)}, n: 2},
		{name: "matmul", typ: "MatMul", in: []Info{b(5), c(5, 3)}, n: 2},
		{name: "matmul-rows", typ: "MatMul", in: []Info{b(2, 3, 5), c(5, 4)}, n: 2},
		{name: "softmax", typ: "Softmax", in: []Info{b(5)}, n: 3},
		{name: "softmax-channels", typ: "Softmax", attrs: Attrs{"axis": IntAttr(1)}, in: []Info{img}, n: 2},
		{name: "logsoftmax", typ: "LogSoftmax", in: []Info{b(5)}, n: 3},
		{name: "logsoftmax-middle", typ: "LogSoftmax", attrs: Attrs{"axis": IntAttr(2)}, in: []Info{img}, n: 2},
		{name: "identity", typ: "Identity", in: []Info{img}, n: 2},
		{name: "dropout-eval", typ: "Dropout", attrs: Attrs{"ratio": FloatAttr(0.3)}, in: []Info{img}, n: 2},
		{name: "dropout-train", typ: "Dropout", attrs: Attrs{"ratio": FloatAttr(0.3)}, in: []Info{img}, n: 2, train: true},
		{name: "flatten", typ: "Flatten", in: []Info{img}, n: 2},
		{name: "reshape", typ: "Reshape", attrs: Attrs{"shape": IntsAttr([]int{-1, 4, 0, 3})}, in: []Info{b(3, 5, 4)}, n: 2},
		{name: "squeeze", typ: "Squeeze", attrs: Attrs{"axes": IntsAttr([]int{2, 3})}, in: []Info{b(3, 1, 1)}, n: 2},
		{name: "unsqueeze", typ: "Unsqueeze", attrs: Attrs{"axes": IntsAttr([]int{-1})}, in: []Info{b(3)}, n: 2},
	}
}

// TestOpGradients checks every op case on all four passes.
func TestOpGradients(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range opCases() {
		seen[tc.typ] = true
		t.Run(tc.name, func(t *testing.T) { checkOp(t, tc) })
	}
	// Every registered op is checked by at least one case.
	for _, typ := range Supported() {
		if !seen[typ] {
			t.Errorf("op %s has no case in opCases", typ)
		}
	}
}
