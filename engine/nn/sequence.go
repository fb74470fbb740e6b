package nn

// sequence runs layers one after another. It is the body of a Network and of
// each branch of a Residual block. It remembers each layer's output and, after
// a backward pass, the gradient that reached each layer's output, so callers
// can read intermediate activations (Grad-CAM, ActDiff).
type sequence struct {
	layers []Layer
	outs   [][]float32
	grads  [][]float32
	in, dx []float32 // the last forward's input and the last backward's result
}

func newSequence(layers []Layer) sequence {
	return sequence{layers: layers, outs: make([][]float32, len(layers)), grads: make([][]float32, len(layers))}
}

func (s *sequence) params() []*Param {
	var ps []*Param
	for _, l := range s.layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

func (s *sequence) forward(x []float32, n int, train bool) []float32 {
	s.in = x
	for i, l := range s.layers {
		x = l.Forward(x, n, train)
		s.outs[i] = x
	}
	return x
}

// backward propagates dy from the last layer to the first. If inject is
// non-nil, inject[i] (when non-nil) is added to the gradient reaching layer
// i's output; it must be a caller-owned buffer of the right size and is
// modified only by being read.
func (s *sequence) backward(dy []float32, paramGrads bool, inject [][]float32, scratch *[]float32) []float32 {
	for i := len(s.layers) - 1; i >= 0; i-- {
		if inject != nil && inject[i] != nil {
			*scratch = grow(*scratch, len(dy))
			sum := *scratch
			for j, v := range dy {
				sum[j] = v + inject[i][j]
			}
			dy = sum
		}
		s.grads[i] = dy
		dy = s.layers[i].Backward(dy, paramGrads)
	}
	s.dx = dy
	return dy
}

func (s *sequence) tangent(dx []float32) []float32 {
	for _, l := range s.layers {
		dx = l.Tangent(dx)
	}
	return dx
}

func (s *sequence) backwardDual(dy, dyt []float32) ([]float32, []float32) {
	for i := len(s.layers) - 1; i >= 0; i-- {
		s.grads[i] = dy
		dy, dyt = s.layers[i].BackwardDual(dy, dyt)
	}
	s.dx = dy
	return dy, dyt
}
