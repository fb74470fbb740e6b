package nn

import (
	"fmt"

	"saliencyexplorer/engine/kernels"
)

// Conv2D is a 2-D convolution with OC filters of C×KH×KW, a stride and zero
// padding. Shapes, for a batch of N:
//
//	x  N×C×H×W      weight  OC×C×KH×KW   bias OC
//	y  N×OC×OH×OW
//
// Each image is unrolled with im2col into a (C·KH·KW)×(OH·OW) matrix, so the
// forward is a matrix product; a stride-1 convolution with few filters skips
// the unrolling where the build has kernels.ConvStride1 (wasm with SIMD),
// which reads each image where it lies. In such builds only, a 3×3 one
// with padding at most 2, 8 to 256 channels in and at least 16 out, OC a
// multiple of 4, OH even and OW a multiple of 16 runs as Winograd F(2×2,
// 3×3) (kernels.WinogradConvNarrow, when kernels.WinogradNarrowApplies;
// winograd.go for wider layers), as does its input gradient when the same
// holds of it, the output gradient's OC channels in and C out over H×W
// (kernels.WinogradConvNarrowBackInput). Images with small feature maps
// are taken several at a time, their im2col matrices side by side, so that
// every product has about chunkCols columns however small OH·OW is (a
// narrow product spends more of its time packing and on edge tiles). The
// column buffer is rebuilt in the backward rather than stored for the
// whole batch, trading a cheap copy for N times less memory. Buffers are
// allocated on first use.
type Conv2D struct {
	g      kernels.ConvGeom
	oc     int
	weight Param
	bias   Param

	n         int
	x, xt     []float32 // last input and input tangent (not owned)
	y, yt     []float32
	dx, dxt   []float32
	col, dcol []float32 // (C·KH·KW) × (images of a chunk · OH·OW)
	mat       []float32 // OC × (images of a chunk · OH·OW), when a chunk has several

	winograd *kernels.WinogradGeom    // a 3×3 stride-1 convolution Winograd can run (winograd.go)
	wino     *kernels.WinogradWeights // its transformed filters, made on first use
	// forceWinograd (tests) takes the Winograd branch whenever it applies.
	forceWinograd bool
}

// chunkCols is about the number of columns of one product; see Conv2D.
const chunkCols = 2048

// chunk returns how many of n images one product covers.
func (l *Conv2D) chunk(n int) int { return max(1, min(n, chunkCols/l.g.Cols())) }

// NewConv2D returns a convolution of in by oc filters of k×k.
func NewConv2D(in Shape, oc, k, stride, pad int) *Conv2D {
	g := kernels.NewConvGeom(in.C, in.H, in.W, k, k, stride, pad)
	l := &Conv2D{
		g:      g,
		oc:     oc,
		weight: Param{Name: "weight", Shape: []int{oc, in.C, k, k}, Trainable: true, init: initHe},
		bias:   Param{Name: "bias", Shape: []int{oc}, Trainable: true, init: initZero},
	}
	l.winograd = winogradGeom(g, oc)
	return l
}

// Kind implements Layer.
func (l *Conv2D) Kind() string { return "conv" }

// OutShape implements Layer.
func (l *Conv2D) OutShape() Shape { return Shape{l.oc, l.g.OH, l.g.OW} }

// Params implements Layer.
func (l *Conv2D) Params() []*Param { return []*Param{&l.weight, &l.bias} }

func (l *Conv2D) inSize() int  { return l.g.C * l.g.H * l.g.W }
func (l *Conv2D) outSize() int { return l.oc * l.g.OH * l.g.OW }

// convForward computes y = W * x (+ bias if bias != nil) for n images.
func (l *Conv2D) convForward(y, x, bias []float32, n int) {
	if l.useWinograd(n) {
		l.forwardWinograd(y, x, bias, n)
		return
	}
	if l.winograd != nil && kernels.WinogradNarrowApplies(l.g, l.oc) {
		// F(2×2, 3×3) for the narrow 3×3 convolutions (8 channels and
		// more in, 16 and more out; WinogradConv above for 64 and more
		// where it pays), all images at once.
		kernels.WinogradConvNarrow(y, x, bias, n, l.winogradWeights(), *l.winograd)
		return
	}
	in, out, P, K := l.inSize(), l.outSize(), l.g.Cols(), l.g.Rows()
	if kernels.ConvStride1Applies(l.g, l.oc) {
		// Image by image, reading each one where it lies: no column matrix.
		for b := 0; b < n; b++ {
			kernels.ConvStride1(y[b*out:(b+1)*out], x[b*in:(b+1)*in], l.weight.Value, bias, l.oc, l.g)
		}
		return
	}
	ch := l.chunk(n)
	l.col = grow(l.col, K*ch*P)
	if ch > 1 {
		l.mat = grow(l.mat, l.oc*ch*P)
	}
	for b0 := 0; b0 < n; b0 += ch {
		nb := min(ch, n-b0)
		cols := nb * P
		for b := 0; b < nb; b++ {
			kernels.Im2ColStrided(l.col[b*P:], cols, x[(b0+b)*in:(b0+b+1)*in], l.g)
		}
		// One image's product is its output; a chunk's is OC × cols, with
		// image b at column b·P, copied out below.
		dst := y[b0*out : (b0+1)*out]
		if nb > 1 {
			dst = l.mat[:l.oc*cols]
		}
		for o := 0; o < l.oc; o++ {
			row := dst[o*cols : (o+1)*cols]
			if bias == nil {
				clear(row)
				continue
			}
			// Fill by doubling copies (bulk memory moves in wasm).
			row[0] = bias[o]
			for done := 1; done < len(row); done *= 2 {
				copy(row[done:], row[:done])
			}
		}
		kernels.MatMul(dst, l.weight.Value, l.col[:K*cols], l.oc, K, cols)
		if nb > 1 {
			for b := 0; b < nb; b++ {
				yb := y[(b0+b)*out : (b0+b+1)*out]
				for o := 0; o < l.oc; o++ {
					copy(yb[o*P:(o+1)*P], dst[o*cols+b*P:])
				}
			}
		}
	}
}

// convBackward writes dx = Wᵀ * dy (if dx != nil) and, if dw != nil, adds
// dw += dy ⊗ x and (if db != nil) db += Σ dy.
func (l *Conv2D) convBackward(dx, dw, db, dy, x []float32, n int) {
	if dx != nil && l.useWinograd(n) {
		if dw != nil || db != nil {
			l.convBackward(nil, dw, db, dy, x, n)
		}
		l.backInputWinograd(dx, dy, n)
		return
	}
	if dx != nil && l.winograd != nil && kernels.WinogradNarrowBackApplies(l.g, l.oc) {
		// The input gradient as WinogradConvNarrow, all images at once.
		if dw != nil || db != nil {
			l.convBackward(nil, dw, db, dy, x, n)
		}
		kernels.WinogradConvNarrowBackInput(dx, dy, n, l.winogradWeights(), *l.winograd)
		return
	}
	in, out, P, K := l.inSize(), l.outSize(), l.g.Cols(), l.g.Rows()
	ch := l.chunk(n)
	l.col = grow(l.col, K*ch*P)
	if dx != nil {
		l.dcol = grow(l.dcol, K*ch*P)
	}
	if ch > 1 {
		l.mat = grow(l.mat, l.oc*ch*P)
	}
	for b0 := 0; b0 < n; b0 += ch {
		nb := min(ch, n-b0)
		cols := nb * P
		// dY is the chunk's output gradient as one OC × cols matrix.
		dY := dy[b0*out : (b0+1)*out]
		if nb > 1 {
			dY = l.mat[:l.oc*cols]
			for b := 0; b < nb; b++ {
				dyb := dy[(b0+b)*out : (b0+b+1)*out]
				for o := 0; o < l.oc; o++ {
					copy(dY[o*cols+b*P:o*cols+(b+1)*P], dyb[o*P:(o+1)*P])
				}
			}
		}
		if db != nil {
			for o := 0; o < l.oc; o++ {
				var s float32
				for _, v := range dY[o*cols : (o+1)*cols] {
					s += v
				}
				db[o] += s
			}
		}
		if dw != nil {
			for b := 0; b < nb; b++ {
				kernels.Im2ColStrided(l.col[b*P:], cols, x[(b0+b)*in:(b0+b+1)*in], l.g)
			}
			kernels.MatMulNT(dw, dY, l.col[:K*cols], l.oc, cols, K)
		}
		if dx == nil {
			continue
		}
		dcol := l.dcol[:K*cols]
		clear(dcol)
		kernels.MatMulTN(dcol, l.weight.Value, dY, K, l.oc, cols)
		for b := 0; b < nb; b++ {
			dxb := dx[(b0+b)*in : (b0+b+1)*in]
			clear(dxb)
			kernels.Col2ImStrided(dxb, dcol[b*P:], cols, l.g)
		}
	}
}

// Forward implements Layer.
func (l *Conv2D) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.inSize(), "conv input")
	l.n, l.x = n, x
	l.y = grow(l.y, n*l.outSize())
	l.convForward(l.y, x, l.bias.Value, n)
	return l.y
}

// Backward implements Layer.
func (l *Conv2D) Backward(dy []float32, paramGrads bool) []float32 {
	checkLen(dy, l.n*l.outSize(), "conv output gradient")
	l.dx = grow(l.dx, l.n*l.inSize())
	if paramGrads {
		l.convBackward(l.dx, l.weight.Grad, l.bias.Grad, dy, l.x, l.n)
	} else {
		l.convBackward(l.dx, nil, nil, dy, l.x, l.n)
	}
	return l.dx
}

// Tangent implements Layer: ẏ = W * ẋ (the bias does not depend on x).
func (l *Conv2D) Tangent(dx []float32) []float32 {
	checkLen(dx, l.n*l.inSize(), "conv input tangent")
	l.xt = dx
	l.yt = grow(l.yt, l.n*l.outSize())
	l.convForward(l.yt, dx, nil, l.n)
	return l.yt
}

// BackwardDual implements Layer: x̄ = Wᵀȳ, ẋ̄ = Wᵀẏ̄, W̄ += ȳ⊗x + ẏ̄⊗ẋ, b̄ += Σȳ.
func (l *Conv2D) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, l.n*l.inSize())
	l.convBackward(l.dxt, l.weight.Grad, nil, dyt, l.xt, l.n)
	return dx, l.dxt
}

func init() {
	registerLayer("conv", layerType{
		check: func(_ *validator, s LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			if s.Out <= 0 || s.Out > maxChannels {
				return in, 0, fmt.Errorf("conv with %d filters", s.Out)
			}
			oh, ow, err := window(in, s.Kernel, strideOr(s.Stride, 1), s.Pad)
			if err != nil {
				return in, 0, fmt.Errorf("conv: %v", err)
			}
			if in.C*s.Kernel*s.Kernel*oh*ow > maxActivations {
				return in, 0, fmt.Errorf("convolution of %v by %d×%d needs too large an im2col buffer", in, s.Kernel, s.Kernel)
			}
			return Shape{s.Out, oh, ow}, s.Out*in.C*s.Kernel*s.Kernel + s.Out, nil
		},
		build: func(s LayerSpec, in Shape, _ uint64, _ int) Layer {
			return NewConv2D(in, s.Out, s.Kernel, strideOr(s.Stride, 1), s.Pad)
		},
	})
}

var _ Layer = (*Conv2D)(nil)
