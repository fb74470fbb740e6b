package nn

import (
	"fmt"
	"math"

	"saliencyexplorer/engine/kernels"
)

// MaxPool2D takes the maximum over K×K windows moved by Stride (no padding).
// Shapes: x N×C×H×W, y N×C×OH×OW. The forward records, for every output, the
// index of the input it copied; backward, tangent and the dual pass all route
// through that selection.
type MaxPool2D struct {
	g       kernels.ConvGeom
	n       int
	arg     []int32 // per output: flat index into the batch's input
	y, yt   []float32
	dx, dxt []float32
}

// NewMaxPool2D returns a max pool of k×k windows with the given stride.
func NewMaxPool2D(in Shape, k, stride int) *MaxPool2D {
	return &MaxPool2D{g: kernels.NewConvGeom(in.C, in.H, in.W, k, k, stride, 0)}
}

// Kind implements Layer.
func (l *MaxPool2D) Kind() string { return "maxpool" }

// OutShape implements Layer.
func (l *MaxPool2D) OutShape() Shape { return Shape{l.g.C, l.g.OH, l.g.OW} }

// Params implements Layer.
func (l *MaxPool2D) Params() []*Param { return nil }

// Forward implements Layer.
func (l *MaxPool2D) Forward(x []float32, n int, train bool) []float32 {
	g := l.g
	checkLen(x, n*g.C*g.H*g.W, "maxpool input")
	l.n = n
	outN := n * g.C * g.OH * g.OW
	l.y = grow(l.y, outN)
	if cap(l.arg) < outN {
		l.arg = make([]int32, outN)
	}
	l.arg = l.arg[:outN]
	if g.KH == 2 && g.KW == 2 && g.Stride == 2 {
		kernels.MaxPool2x2(l.y, l.arg, x, n*g.C, g.H, g.W, 0)
		return l.y
	}
	o := 0
	for b := 0; b < n; b++ {
		for c := 0; c < g.C; c++ {
			base := (b*g.C + c) * g.H * g.W
			for oi := 0; oi < g.OH; oi++ {
				for oj := 0; oj < g.OW; oj++ {
					best := float32(math.Inf(-1))
					bestIdx := base + (oi*g.Stride)*g.W + oj*g.Stride
					for ki := 0; ki < g.KH; ki++ {
						row := base + (oi*g.Stride+ki)*g.W + oj*g.Stride
						for kj := 0; kj < g.KW; kj++ {
							if v := x[row+kj]; v > best {
								best, bestIdx = v, row+kj
							}
						}
					}
					l.y[o] = best
					l.arg[o] = int32(bestIdx)
					o++
				}
			}
		}
	}
	return l.y
}

func (l *MaxPool2D) scatter(dst, src []float32) {
	checkLen(src, len(l.arg), "maxpool gradient")
	clear(dst)
	for o, i := range l.arg {
		dst[i] += src[o]
	}
}

// Backward implements Layer.
func (l *MaxPool2D) Backward(dy []float32, paramGrads bool) []float32 {
	l.dx = grow(l.dx, l.n*l.g.C*l.g.H*l.g.W)
	l.scatter(l.dx, dy)
	return l.dx
}

// Tangent implements Layer.
func (l *MaxPool2D) Tangent(dx []float32) []float32 {
	checkLen(dx, l.n*l.g.C*l.g.H*l.g.W, "maxpool input tangent")
	l.yt = grow(l.yt, len(l.arg))
	for o, i := range l.arg {
		l.yt[o] = dx[i]
	}
	return l.yt
}

// BackwardDual implements Layer.
func (l *MaxPool2D) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, len(l.dx))
	l.scatter(l.dxt, dyt)
	return dx, l.dxt
}

// AvgPool2D averages K×K windows moved by Stride (no padding). With K equal
// to the input size it is a global average pool (see NewGlobalAvgPool).
// Shapes: x N×C×H×W, y N×C×OH×OW. It is linear, so its tangent is its
// forward and both backward streams are its backward.
type AvgPool2D struct {
	g       kernels.ConvGeom
	global  bool
	n       int
	y, yt   []float32
	dx, dxt []float32
}

// NewAvgPool2D returns an average pool of k×k windows with the given stride.
func NewAvgPool2D(in Shape, k, stride int) *AvgPool2D {
	return &AvgPool2D{g: kernels.NewConvGeom(in.C, in.H, in.W, k, k, stride, 0)}
}

// NewGlobalAvgPool returns the mean over each channel's H×W plane, giving a
// C×1×1 output.
func NewGlobalAvgPool(in Shape) *AvgPool2D {
	return &AvgPool2D{g: kernels.NewConvGeom(in.C, in.H, in.W, in.H, in.W, 1, 0), global: true}
}

// Kind implements Layer.
func (l *AvgPool2D) Kind() string {
	if l.global {
		return "gap"
	}
	return "avgpool"
}

// OutShape implements Layer.
func (l *AvgPool2D) OutShape() Shape { return Shape{l.g.C, l.g.OH, l.g.OW} }

// Params implements Layer.
func (l *AvgPool2D) Params() []*Param { return nil }

func (l *AvgPool2D) pool(y, x []float32) {
	g := l.g
	scale := 1 / float32(g.KH*g.KW)
	o := 0
	for bc := 0; bc < l.n*g.C; bc++ {
		base := bc * g.H * g.W
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				var s float32
				for ki := 0; ki < g.KH; ki++ {
					row := x[base+(oi*g.Stride+ki)*g.W+oj*g.Stride:]
					for _, v := range row[:g.KW] {
						s += v
					}
				}
				y[o] = s * scale
				o++
			}
		}
	}
}

func (l *AvgPool2D) unpool(dx, dy []float32) {
	g := l.g
	checkLen(dy, l.n*g.C*g.OH*g.OW, "avgpool gradient")
	clear(dx)
	scale := 1 / float32(g.KH*g.KW)
	o := 0
	for bc := 0; bc < l.n*g.C; bc++ {
		base := bc * g.H * g.W
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				v := dy[o] * scale
				o++
				for ki := 0; ki < g.KH; ki++ {
					row := dx[base+(oi*g.Stride+ki)*g.W+oj*g.Stride:]
					for kj := range row[:g.KW] {
						row[kj] += v
					}
				}
			}
		}
	}
}

// Forward implements Layer.
func (l *AvgPool2D) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.g.C*l.g.H*l.g.W, "avgpool input")
	l.n = n
	l.y = grow(l.y, n*l.g.C*l.g.OH*l.g.OW)
	l.pool(l.y, x)
	return l.y
}

// Backward implements Layer.
func (l *AvgPool2D) Backward(dy []float32, paramGrads bool) []float32 {
	l.dx = grow(l.dx, l.n*l.g.C*l.g.H*l.g.W)
	l.unpool(l.dx, dy)
	return l.dx
}

// Tangent implements Layer.
func (l *AvgPool2D) Tangent(dx []float32) []float32 {
	checkLen(dx, l.n*l.g.C*l.g.H*l.g.W, "avgpool input tangent")
	l.yt = grow(l.yt, len(l.y))
	l.pool(l.yt, dx)
	return l.yt
}

// BackwardDual implements Layer.
func (l *AvgPool2D) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dx := l.Backward(dy, true)
	l.dxt = grow(l.dxt, len(l.dx))
	l.unpool(l.dxt, dyt)
	return dx, l.dxt
}

func init() {
	pool := func(s LayerSpec, in Shape) (Shape, int, error) {
		oh, ow, err := window(in, s.Kernel, strideOr(s.Stride, s.Kernel), 0)
		if err != nil {
			return in, 0, fmt.Errorf("%s: %v", s.Type, err)
		}
		return Shape{in.C, oh, ow}, 0, nil
	}
	registerLayer("maxpool", layerType{
		check: func(_ *validator, s LayerSpec, in Shape, _ string, _ int) (Shape, int, error) { return pool(s, in) },
		build: func(s LayerSpec, in Shape, _ uint64, _ int) Layer {
			return NewMaxPool2D(in, s.Kernel, strideOr(s.Stride, s.Kernel))
		},
	})
	registerLayer("avgpool", layerType{
		check: func(_ *validator, s LayerSpec, in Shape, _ string, _ int) (Shape, int, error) { return pool(s, in) },
		build: func(s LayerSpec, in Shape, _ uint64, _ int) Layer {
			return NewAvgPool2D(in, s.Kernel, strideOr(s.Stride, s.Kernel))
		},
	})
	registerLayer("gap", layerType{
		check: func(_ *validator, _ LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			return Shape{in.C, 1, 1}, 0, nil
		},
		build: func(_ LayerSpec, in Shape, _ uint64, _ int) Layer { return NewGlobalAvgPool(in) },
	})
}

var (
	_ Layer = (*MaxPool2D)(nil)
	_ Layer = (*AvgPool2D)(nil)
)
