package graph

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// convOp is a 2-D convolution (ONNX Conv) with groups, strides, dilations and
// padding. Shapes, per example, with G groups:
//
//	x  C×H×W     weight  OC×(C/G)×KH×KW    bias OC (optional)
//	y  OC×OH×OW
//
// Each image's group g is unrolled with im2col into a (C/G·KH·KW)×(OH·OW)
// matrix, so each pass is a product with the group's OC/G filters
// (kernels.MatMul and its transposes). A depthwise convolution (G = C) is
// the case C/G = 1; with one filter per channel (OC = G = C) and a window
// the kernels' ConvGeom describes, it runs instead as the direct depthwise
// kernels (kernels.DepthwiseConv and its two backward passes), without
// im2col. A 1×1 convolution at stride 1 without padding needs no im2col
// either: the image, C×(H·W), is its own column matrix, so the products
// read x and add into dx directly. The column buffer is rebuilt in the backward rather than stored
// for the whole batch.
type convOp struct {
	attrs Attrs
	wa    windowAttrs
	group int

	winograd *kernels.WinogradGeom    // a 3×3 stride-1 convolution Winograd can run (winograd.go)
	wino     *kernels.WinogradWeights // its transformed filters, made on first use
	averaged bool                     // Forward's tile size by the batch (Graph.SetAveragedForwards)

	s2    *kernels.Stride2Geom    // a 3×3 stride-2 convolution the phases can run (stride2.go)
	s2w   *kernels.Stride2Weights // its transformed filters, made on first use
	s2Gen uint64

	g         window // per group: C is C/G
	fast      *kernels.ConvGeom
	depthwise *kernels.ConvGeom // all C channels of a depthwise convolution, if it runs as one
	identity  bool              // im2col is the identity (1×1, stride 1, no padding)
	oc, ocg   int
	inSize    int
	outSize   int
	hasBias   bool
	n         int
	x, xt     []float32 // last input and input tangent (not owned)
	weight    []float32 // last weight (not owned)
	s         *scratch  // im2col matrices, shared by the graph's ops
	// The filters packed for the im2col path's products, the copy of the
	// filters they and wino came from, and its generation (convpack.go).
	fwd, bwd packedFilters
	seen     []float32
	gen      uint64
	winoGen  uint64
}

func newConv(a Attrs) (Op, error) {
	if err := a.only("kernel_shape", "strides", "dilations", "pads", "auto_pad", "group"); err != nil {
		return nil, err
	}
	wa, err := readWindowAttrs(a)
	if err != nil {
		return nil, err
	}
	group, err := a.Int("group", 1)
	if err != nil {
		return nil, err
	}
	if group < 1 {
		return nil, fmt.Errorf("group %d < 1", group)
	}
	return &convOp{attrs: a, wa: wa, group: group, s: &scratch{}}, nil
}

func (l *convOp) Type() string { return "Conv" }
func (l *convOp) Attrs() Attrs { return l.attrs }

func (l *convOp) Infer(in []Info) ([]Info, error) {
	if len(in) < 2 || len(in) > 3 {
		return nil, fmt.Errorf("want 2 or 3 inputs (x, weight, bias), got %d", len(in))
	}
	x, w := in[0], in[1]
	if !x.Batched || len(x.Shape) != 3 {
		return nil, fmt.Errorf("input %v: want a batched C×H×W image (only 2-D convolutions are supported)", x)
	}
	if w.Batched || len(w.Shape) != 4 {
		return nil, fmt.Errorf("weight %v: want a constant OC×C/G×KH×KW", w)
	}
	c, oc := x.Shape[0], w.Shape[0]
	if c%l.group != 0 || oc%l.group != 0 || w.Shape[1] != c/l.group {
		return nil, fmt.Errorf("weight %v does not fit %d input channels in %d groups", w.Shape, c, l.group)
	}
	if k := l.wa.kernel; len(k) == 2 && (k[0] != w.Shape[2] || k[1] != w.Shape[3]) {
		return nil, fmt.Errorf("kernel_shape %v differs from the weight's %v", k, w.Shape[2:])
	}
	if len(in) == 3 {
		if in[2].Batched || in[2].Size() != oc || len(in[2].Shape) != 1 {
			return nil, fmt.Errorf("bias %v: want a constant of %d values", in[2], oc)
		}
		l.hasBias = true
	}
	g, err := l.wa.geometry(c/l.group, x.Shape[1], x.Shape[2], w.Shape[2], w.Shape[3])
	if err != nil {
		return nil, err
	}
	if g.Rows()*g.Cols() > MaxTensor {
		return nil, fmt.Errorf("im2col buffer of %d×%d values too large", g.Rows(), g.Cols())
	}
	l.g, l.oc, l.ocg = g, oc, oc/l.group
	l.inSize, l.outSize = c*g.H*g.W, oc*g.OH*g.OW
	// The kernels' im2col handles one stride and symmetric padding without
	// dilation, and is faster.
	l.fast = nil
	if g.SH == g.SW && g.DH == 1 && g.DW == 1 && g.PT == g.PB && g.PL == g.PR && g.PT == g.PL {
		fg := kernels.NewConvGeom(g.C, g.H, g.W, g.KH, g.KW, g.SH, g.PT)
		if fg.OH == g.OH && fg.OW == g.OW {
			l.fast = &fg
		}
	}
	l.identity = l.fast != nil && g.KH == 1 && g.KW == 1 && g.SH == 1 && g.PT == 0
	l.winograd, l.wino, l.winoGen = winogradGeom(l.group, oc, g), nil, 0
	l.s2, l.s2w, l.s2Gen = stride2Geom(l.group, oc, g), nil, 0
	l.depthwise = nil
	if l.fast != nil && l.group == c && oc == c {
		dg := *l.fast
		dg.C = c
		l.depthwise = &dg
	}
	return []Info{{Shape: []int{oc, g.OH, g.OW}, Batched: true}}, nil
}

// cols returns the column matrix of img: img itself when im2col is the
// identity, else col after unrolling img into it.
func (l *convOp) cols(col, img []float32) []float32 {
	if l.identity {
		return img
	}
	l.unroll(col, img)
	return col
}

func (l *convOp) unroll(col, img []float32) {
	if l.fast != nil {
		kernels.Im2Col(col, img, *l.fast)
		return
	}
	im2col(col, img, l.g)
}

func (l *convOp) roll(img, col []float32) {
	if l.fast != nil {
		kernels.Col2Im(img, col, *l.fast)
		return
	}
	col2im(img, col, l.g)
}

// groupIn returns group gi's channels of image e of x.
func (l *convOp) groupIn(x []float32, e, gi int) []float32 {
	size := l.g.C * l.g.H * l.g.W
	off := e*l.inSize + gi*size
	return x[off : off+size]
}

// groupOut returns group gi's rows of image e of y (OC/G × OH·OW).
func (l *convOp) groupOut(y []float32, e, gi int) []float32 {
	size := l.ocg * l.g.Cols()
	off := e*l.outSize + gi*size
	return y[off : off+size]
}

// groupBias returns group gi's biases, OC/G of them (nil without bias).
func (l *convOp) groupBias(bias []float32, gi int) []float32 {
	if bias == nil {
		return nil
	}
	return bias[gi*l.ocg : (gi+1)*l.ocg]
}

// groupW returns group gi's filters, OC/G × (C/G·KH·KW).
func (l *convOp) groupW(w []float32, gi int) []float32 {
	size := l.ocg * l.g.Rows()
	return w[gi*size : (gi+1)*size]
}

// stride1 reports whether the forward (outside Winograd and the depthwise
// kernel) runs as kernels.ConvStride1, without packed filters.
func (l *convOp) stride1() bool {
	return l.fast != nil && !l.identity && l.depthwise == nil && kernels.ConvStride1Applies(*l.fast, l.ocg)
}

// forward writes y = act(W * x (+ bias if non-nil)): the depthwise kernels
// and the products apply act as they finish their outputs; the other paths
// apply it to each image's output afterwards. averaged lets a Winograd
// forward take the batch's tile size (forwardGeom).
func (l *convOp) forward(y, x, w, bias []float32, n int, act kernels.Activation, averaged bool) {
	if l.useWinograd(n) {
		l.forwardWinograd(y, x, w, bias, n, averaged)
		act.Apply(y[:n*l.outSize])
		return
	}
	if l.useStride2(n, averaged) {
		l.forwardStride2(y, x, bias, n)
		act.Apply(y[:n*l.outSize])
		return
	}
	if l.depthwise != nil {
		for e := 0; e < n; e++ {
			kernels.DepthwiseConvBias(y[e*l.outSize:(e+1)*l.outSize], x[e*l.inSize:(e+1)*l.inSize], w, bias, *l.depthwise, act)
		}
		return
	}
	if l.stride1() {
		// A stride-1 convolution with few filters reads each image where
		// it lies, without the column matrix (kernels.ConvStride1).
		for e := 0; e < n; e++ {
			for gi := 0; gi < l.group; gi++ {
				kernels.ConvStride1(l.groupOut(y, e, gi), l.groupIn(x, e, gi), l.groupW(w, gi), l.groupBias(bias, gi), l.ocg, *l.fast)
			}
			act.Apply(y[e*l.outSize : (e+1)*l.outSize])
		}
		return
	}
	P, K := l.g.Cols(), l.g.Rows()
	var colBuf []float32
	if !l.identity {
		colBuf = l.s.cols(K * P)
	}
	pw := l.packed(&l.fwd, w, false)
	for e := 0; e < n; e++ {
		for gi := 0; gi < l.group; gi++ {
			col := l.cols(colBuf, l.groupIn(x, e, gi))
			kernels.MatMulPackedBias(l.groupOut(y, e, gi), &pw[gi], col, l.ocg, K, P, l.groupBias(bias, gi), act)
		}
	}
}

// backward adds dx += Wᵀ * dy (if dx != nil), dw += dy ⊗ x (if dw != nil)
// and db += Σ dy (if db != nil).
func (l *convOp) backward(dx, dw, db, dy, x, w []float32) {
	if dx != nil && l.useWinograd(l.n) {
		if dw != nil || db != nil {
			l.backward(nil, dw, db, dy, x, w)
		}
		l.backInputWinograd(dx, dy, w)
		return
	}
	if dx != nil && l.useStride2(l.n, l.averaged) {
		if dw != nil || db != nil {
			l.backward(nil, dw, db, dy, x, w)
		}
		l.backInputStride2(dx, dy)
		return
	}
	if l.depthwise != nil {
		l.backwardDepthwise(dx, dw, db, dy, x, w)
		return
	}
	P, K := l.g.Cols(), l.g.Rows()
	var colBuf, dcl []float32
	if !l.identity {
		colBuf, dcl = l.s.cols(K*P), l.s.dcols(K*P)
	}
	var pwt []kernels.PackedA
	if dx != nil {
		pwt = l.packed(&l.bwd, w, true)
	}
	for e := 0; e < l.n; e++ {
		for gi := 0; gi < l.group; gi++ {
			dyg := l.groupOut(dy, e, gi)
			if db != nil {
				for o := 0; o < l.ocg; o++ {
					var s float32
					for _, v := range dyg[o*P : (o+1)*P] {
						s += v
					}
					db[gi*l.ocg+o] += s
				}
			}
			if dw != nil {
				kernels.MatMulNT(l.groupW(dw, gi), dyg, l.cols(colBuf, l.groupIn(x, e, gi)), l.ocg, P, K)
			}
			if dx != nil && l.identity {
				kernels.MatMulPacked(l.groupIn(dx, e, gi), &pwt[gi], dyg, K, l.ocg, P)
			} else if dx != nil {
				clear(dcl)
				kernels.MatMulPacked(dcl, &pwt[gi], dyg, K, l.ocg, P)
				l.roll(l.groupIn(dx, e, gi), dcl)
			}
		}
	}
}

// backwardDepthwise is backward with the direct depthwise kernels.
func (l *convOp) backwardDepthwise(dx, dw, db, dy, x, w []float32) {
	P := l.g.Cols()
	for e := 0; e < l.n; e++ {
		dye := dy[e*l.outSize : (e+1)*l.outSize]
		if db != nil {
			for c := 0; c < l.oc; c++ {
				var s float32
				for _, v := range dye[c*P : (c+1)*P] {
					s += v
				}
				db[c] += s
			}
		}
		if dw != nil {
			kernels.DepthwiseConvBackWeight(dw, dye, x[e*l.inSize:(e+1)*l.inSize], *l.depthwise)
		}
		if dx != nil {
			kernels.DepthwiseConvBackInput(dx[e*l.inSize:(e+1)*l.inSize], dye, w, *l.depthwise)
		}
	}
}

func bias(x [][]float32) []float32 {
	if len(x) > 2 {
		return x[2]
	}
	return nil
}

func (l *convOp) Forward(x, y [][]float32, n int, train bool) {
	l.ForwardAct(x, y, n, train, kernels.Activation{})
}

// ForwardAct implements actFuser: Forward with act applied to y.
func (l *convOp) ForwardAct(x, y [][]float32, n int, train bool, act kernels.Activation) {
	l.n, l.x, l.weight = n, x[0], x[1]
	l.checkWeights(x[1])
	l.forward(y[0], x[0], x[1], bias(x), n, act, l.averaged)
}

func (l *convOp) Backward(dy, dx [][]float32) {
	l.backward(dx[0], dx[1], bias(dx), dy[0], l.x, l.weight)
}

func (l *convOp) Tangent(xt, yt [][]float32) {
	l.xt = xt[0] // the filters are the forward's, compared then (convpack.go)
	l.forward(yt[0], xt[0], l.weight, nil, l.n, kernels.Activation{}, false)
}

// BackwardDual: x̄ += Wᵀȳ, ẋ̄ += Wᵀẏ̄, W̄ += ȳ⊗x + ẏ̄⊗ẋ, b̄ += Σȳ.
func (l *convOp) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	l.backward(dx[0], dx[1], bias(dx), dy[0], l.x, l.weight)
	l.backward(dxt[0], dx[1], nil, dyt[0], l.xt, l.weight)
}

var _ Op = (*convOp)(nil)

func init() { register("Conv", newConv) }
