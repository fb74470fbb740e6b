package nn

import (
	"fmt"

	"math/rand/v2"
)

// Dropout zeroes each unit with probability P in training mode and scales the
// survivors by 1/(1−P) (inverted dropout); in inference mode it is the
// identity. The training mask is drawn in Forward and reused by every other
// pass, so the layer is linear given its mask.
type Dropout struct {
	shape   Shape
	p       float32
	rng     *rand.Rand
	n       int
	active  bool
	scale   []float32 // per unit: 0 or 1/(1−P)
	y, yt   []float32
	dx, dxt []float32
}

// NewDropout returns a dropout layer with drop probability p in [0, 1) and
// its own random stream seeded by seed.
func NewDropout(in Shape, p float32, seed uint64) *Dropout {
	if p < 0 || p >= 1 {
		panic("nn: dropout probability must be in [0, 1)")
	}
	return &Dropout{shape: in, p: p, rng: rand.New(rand.NewPCG(seed, 0x64726f70))}
}

// Kind implements Layer.
func (l *Dropout) Kind() string { return "dropout" }

// OutShape implements Layer.
func (l *Dropout) OutShape() Shape { return l.shape }

// Params implements Layer.
func (l *Dropout) Params() []*Param { return nil }

// Forward implements Layer.
func (l *Dropout) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.shape.Size(), "dropout input")
	l.n = n
	l.active = train && l.p > 0
	if !l.active {
		return x
	}
	l.scale = grow(l.scale, len(x))
	keep := 1 / (1 - l.p)
	for i := range l.scale {
		if l.rng.Float32() < l.p {
			l.scale[i] = 0
		} else {
			l.scale[i] = keep
		}
	}
	l.y = grow(l.y, len(x))
	for i, v := range x {
		l.y[i] = v * l.scale[i]
	}
	return l.y
}

// apply returns src scaled by the training mask, written into *buf (grown
// as needed), or src itself when the layer was inactive.
func (l *Dropout) apply(buf *[]float32, src []float32) []float32 {
	if !l.active {
		return src
	}
	checkLen(src, len(l.scale), "dropout gradient")
	*buf = grow(*buf, len(src))
	out := *buf
	for i, v := range src {
		out[i] = v * l.scale[i]
	}
	return out
}

// Backward implements Layer.
func (l *Dropout) Backward(dy []float32, paramGrads bool) []float32 {
	return l.apply(&l.dx, dy)
}

// Tangent implements Layer.
func (l *Dropout) Tangent(dx []float32) []float32 {
	return l.apply(&l.yt, dx)
}

// BackwardDual implements Layer.
func (l *Dropout) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	return l.apply(&l.dx, dy), l.apply(&l.dxt, dyt)
}

func init() {
	registerLayer("dropout", layerType{
		check: func(_ *validator, s LayerSpec, in Shape, _ string, _ int) (Shape, int, error) {
			if !(s.P >= 0 && s.P < 1) {
				return in, 0, fmt.Errorf("dropout probability %v not in [0, 1)", s.P)
			}
			return in, 0, nil
		},
		build: func(s LayerSpec, in Shape, seed uint64, i int) Layer {
			return NewDropout(in, s.P, seed+uint64(i)*7919)
		},
	})
}

var _ Layer = (*Dropout)(nil)
