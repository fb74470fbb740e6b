package graph

import (
	"fmt"
	"math/rand/v2"
)

// reshape is an op whose output holds the input's values unchanged, under
// another per-example shape: Identity, Flatten, Reshape, Squeeze,
// Unsqueeze, and Dropout outside training. Every pass is a copy (or, in the
// reverse passes, an addition). Dropout in training mode multiplies by a
// mask of 0 and 1/(1−ratio) drawn in Forward and held for the other passes.
type reshape struct {
	typ   string
	attrs Attrs
	// shape returns the output's per-example shape for the input's.
	shape func(in []int) ([]int, error)

	ratio float32 // Dropout
	rng   *rand.Rand
	mask  []float32 // nil: no dropout in the last Forward
	buf   []float32 // storage of mask
}

func (r *reshape) Type() string { return r.typ }
func (r *reshape) Attrs() Attrs { return r.attrs }

func (r *reshape) Infer(in []Info) ([]Info, error) {
	if len(in) != 1 || !in[0].Batched {
		return nil, fmt.Errorf("want one batched input, got %v", in)
	}
	s, err := r.shape(in[0].Shape)
	if err != nil {
		return nil, err
	}
	if shapeSize(s) != in[0].Size() {
		return nil, fmt.Errorf("shape %v does not hold the input's %d values (%v)", s, in[0].Size(), in[0].Shape)
	}
	return []Info{{Shape: s, Batched: true}}, nil
}

func (r *reshape) Forward(x, y [][]float32, n int, train bool) {
	r.mask = nil
	if r.typ == "Dropout" && train && r.ratio > 0 {
		r.buf = grow(r.buf, len(x[0]))
		r.mask = r.buf
		keep := 1 / (1 - r.ratio)
		for i := range r.mask {
			if r.rng.Float32() < r.ratio {
				r.mask[i] = 0
			} else {
				r.mask[i] = keep
			}
		}
		for i, v := range x[0] {
			y[0][i] = v * r.mask[i]
		}
		return
	}
	copy(y[0], x[0])
}

func (r *reshape) add(dst, src []float32) {
	if r.mask != nil {
		for i, v := range src {
			dst[i] += v * r.mask[i]
		}
		return
	}
	for i, v := range src {
		dst[i] += v
	}
}

func (r *reshape) Backward(dy, dx [][]float32) { r.add(dx[0], dy[0]) }

func (r *reshape) Tangent(xt, yt [][]float32) {
	if r.mask != nil {
		for i, v := range xt[0] {
			yt[0][i] = v * r.mask[i]
		}
		return
	}
	copy(yt[0], xt[0])
}

func (r *reshape) BackwardDual(dy, dyt, dx, dxt [][]float32) {
	r.add(dx[0], dy[0])
	r.add(dxt[0], dyt[0])
}

var _ Op = (*reshape)(nil)

func same(in []int) ([]int, error) { return in, nil }

// fullAxis converts an ONNX axis over the full rank (batch axis included)
// of a tensor with per-example rank r into a per-example axis, refusing the
// batch axis.
func fullAxis(axis, r int) (int, error) {
	if axis < 0 {
		axis += r + 1
	}
	if axis < 0 || axis > r {
		return 0, fmt.Errorf("axis out of range for rank %d", r+1)
	}
	if axis == 0 {
		return 0, fmt.Errorf("axis 0 is the batch axis, which the engine does not mix with the others")
	}
	return axis - 1, nil
}

func init() {
	register("Identity", func(a Attrs) (Op, error) {
		return &reshape{typ: "Identity", attrs: a, shape: same}, a.only()
	})
	// Dropout's ratio is an input since opset 12; the importer folds it
	// into the attribute ratio.
	register("Dropout", func(a Attrs) (Op, error) {
		if err := a.only("ratio", "seed"); err != nil {
			return nil, err
		}
		ratio, err := a.Float("ratio", 0.5)
		if err != nil {
			return nil, err
		}
		if !(ratio >= 0 && ratio < 1) {
			return nil, fmt.Errorf("ratio %v not in [0, 1)", ratio)
		}
		seed, err := a.Int("seed", 0)
		if err != nil {
			return nil, err
		}
		return &reshape{typ: "Dropout", attrs: a, shape: same, ratio: ratio,
			rng: rand.New(rand.NewPCG(uint64(seed), 0x64726f70))}, nil
	})
	register("Flatten", func(a Attrs) (Op, error) {
		if err := a.only("axis"); err != nil {
			return nil, err
		}
		axis, err := a.Int("axis", 1)
		if err != nil {
			return nil, err
		}
		return &reshape{typ: "Flatten", attrs: a, shape: func(in []int) ([]int, error) {
			ax := axis
			if ax < 0 {
				ax += len(in) + 1
			}
			if ax < 1 || ax > len(in)+1 {
				return nil, fmt.Errorf("axis %d out of range, or 0 (which would merge the batch axis)", axis)
			}
			// The batch axis stays apart only if every axis before ax
			// other than it has length 1.
			if shapeSize(in[:ax-1]) != 1 {
				return nil, fmt.Errorf("axis %d would merge the batch axis with %v", axis, in[:ax-1])
			}
			return []int{shapeSize(in)}, nil
		}}, nil
	})
	// Reshape's target shape is an input since opset 5; the importer folds
	// it into the attribute shape, over the full rank: its first entry
	// (0, −1 or 1) stands for the batch axis.
	register("Reshape", func(a Attrs) (Op, error) {
		if err := a.only("shape", "allowzero"); err != nil {
			return nil, err
		}
		target, err := a.Ints("shape", nil)
		if err != nil {
			return nil, err
		}
		if az, err := a.Int("allowzero", 0); err != nil || az != 0 {
			return nil, fmt.Errorf("allowzero = 1 is not supported")
		}
		if len(target) == 0 {
			return nil, fmt.Errorf("no target shape")
		}
		if b := target[0]; b != 0 && b != -1 && b != 1 {
			return nil, fmt.Errorf("target shape %v changes the batch axis (its first entry must be 0, -1 or 1)", target)
		}
		return &reshape{typ: "Reshape", attrs: a, shape: func(in []int) ([]int, error) {
			out := make([]int, len(target)-1)
			infer := -1
			known := 1
			for i, d := range target[1:] {
				switch {
				case d == 0:
					if i >= len(in) {
						return nil, fmt.Errorf("target %v copies axis %d of a rank-%d input", target, i+1, len(in)+1)
					}
					out[i] = in[i]
				case d == -1:
					if infer >= 0 {
						return nil, fmt.Errorf("target %v has two -1", target)
					}
					infer = i
					continue
				case d < 0:
					return nil, fmt.Errorf("target %v has a negative dimension", target)
				default:
					out[i] = d
				}
				known *= out[i]
			}
			if infer >= 0 {
				if known == 0 || shapeSize(in)%known != 0 {
					return nil, fmt.Errorf("target %v cannot hold %v", target, in)
				}
				out[infer] = shapeSize(in) / known
			}
			return out, nil
		}}, nil
	})
	// Squeeze's and Unsqueeze's axes are inputs since opset 13; the importer
	// folds them into the attribute axes.
	register("Squeeze", func(a Attrs) (Op, error) {
		if err := a.only("axes"); err != nil {
			return nil, err
		}
		axes, err := a.Ints("axes", nil)
		if err != nil {
			return nil, err
		}
		return &reshape{typ: "Squeeze", attrs: a, shape: func(in []int) ([]int, error) {
			drop := map[int]bool{}
			for _, ax := range axes {
				p, err := fullAxis(ax, len(in))
				if err != nil {
					return nil, err
				}
				if in[p] != 1 {
					return nil, fmt.Errorf("axis %d has length %d, not 1", ax, in[p])
				}
				drop[p] = true
			}
			var out []int
			for i, d := range in {
				if !drop[i] && (len(axes) > 0 || d != 1) {
					out = append(out, d)
				}
			}
			return out, nil
		}}, nil
	})
	register("Unsqueeze", func(a Attrs) (Op, error) {
		if err := a.only("axes"); err != nil {
			return nil, err
		}
		axes, err := a.Ints("axes", nil)
		if err != nil {
			return nil, err
		}
		if len(axes) == 0 {
			return nil, fmt.Errorf("no axes")
		}
		return &reshape{typ: "Unsqueeze", attrs: a, shape: func(in []int) ([]int, error) {
			r := len(in) + len(axes) // per-example output rank
			ins := make([]bool, r)
			for _, ax := range axes {
				p, err := fullAxis(ax, r)
				if err != nil {
					return nil, err
				}
				if ins[p] {
					return nil, fmt.Errorf("axis %d given twice", ax)
				}
				ins[p] = true
			}
			out := make([]int, 0, r)
			k := 0
			for i := 0; i < r; i++ {
				if ins[i] {
					out = append(out, 1)
				} else {
					out = append(out, in[k])
					k++
				}
			}
			return out, nil
		}}, nil
	})
}
