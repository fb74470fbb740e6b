package nn

import "fmt"

// Residual is y = body(x) + shortcut(x), where an empty shortcut is the
// identity. Shapes: x N×Cin×H×W, y N×Cout×OH×OW; both branches must produce
// the same shape. Every pass is the sum of the two branches' passes.
type Residual struct {
	in, out  Shape
	body     sequence
	shortcut sequence
	n        int

	y, yt     []float32
	dx, dxt   []float32
	injectBuf []float32
}

// NewResidual returns a residual block. It panics if the branches' output
// shapes differ (Spec.Validate reports that as an error first).
func NewResidual(in Shape, body, shortcut []Layer) *Residual {
	out := in
	if len(body) > 0 {
		out = body[len(body)-1].OutShape()
	}
	sc := in
	if len(shortcut) > 0 {
		sc = shortcut[len(shortcut)-1].OutShape()
	}
	if out != sc {
		panic(fmt.Sprintf("nn: residual branches give %v and %v", out, sc))
	}
	for i, l := range body {
		for _, p := range l.Params() {
			p.Name = fmt.Sprintf("body.%d.%s", i, p.Name)
		}
	}
	for i, l := range shortcut {
		for _, p := range l.Params() {
			p.Name = fmt.Sprintf("shortcut.%d.%s", i, p.Name)
		}
	}
	return &Residual{in: in, out: out, body: newSequence(body), shortcut: newSequence(shortcut)}
}

// Kind implements Layer.
func (l *Residual) Kind() string { return "residual" }

// OutShape implements Layer.
func (l *Residual) OutShape() Shape { return l.out }

// Params implements Layer.
func (l *Residual) Params() []*Param {
	return append(l.body.params(), l.shortcut.params()...)
}

func addInto(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Forward implements Layer.
func (l *Residual) Forward(x []float32, n int, train bool) []float32 {
	checkLen(x, n*l.in.Size(), "residual input")
	l.n = n
	h := l.body.forward(x, n, train)
	s := l.shortcut.forward(x, n, train)
	l.y = grow(l.y, n*l.out.Size())
	addInto(l.y, h, s)
	return l.y
}

// Backward implements Layer.
func (l *Residual) Backward(dy []float32, paramGrads bool) []float32 {
	dh := l.body.backward(dy, paramGrads, nil, &l.injectBuf)
	ds := l.shortcut.backward(dy, paramGrads, nil, &l.injectBuf)
	l.dx = grow(l.dx, l.n*l.in.Size())
	addInto(l.dx, dh, ds)
	return l.dx
}

// Tangent implements Layer.
func (l *Residual) Tangent(dx []float32) []float32 {
	h := l.body.tangent(dx)
	s := l.shortcut.tangent(dx)
	l.yt = grow(l.yt, l.n*l.out.Size())
	addInto(l.yt, h, s)
	return l.yt
}

// BackwardDual implements Layer.
func (l *Residual) BackwardDual(dy, dyt []float32) ([]float32, []float32) {
	dh, dht := l.body.backwardDual(dy, dyt)
	// The shortcut's buffers are distinct from the body's, so dh and dht stay
	// valid while the shortcut runs.
	ds, dst := l.shortcut.backwardDual(dy, dyt)
	l.dx = grow(l.dx, l.n*l.in.Size())
	l.dxt = grow(l.dxt, l.n*l.in.Size())
	addInto(l.dx, dh, ds)
	addInto(l.dxt, dht, dst)
	return l.dx, l.dxt
}

func init() {
	registerLayer("residual", layerType{
		check: func(v *validator, s LayerSpec, in Shape, path string, depth int) (Shape, int, error) {
			if len(s.Body) == 0 {
				return in, 0, fmt.Errorf("residual block with an empty body")
			}
			body, err := v.layers(s.Body, in, path+".body", depth+1)
			if err != nil {
				return in, 0, err
			}
			sc, err := v.layers(s.Shortcut, in, path+".shortcut", depth+1)
			if err != nil {
				return in, 0, err
			}
			if body != sc {
				return in, 0, fmt.Errorf("residual body gives %v but shortcut gives %v", body, sc)
			}
			// The nested layers have already counted their parameters.
			return body, 0, nil
		},
		build: func(s LayerSpec, in Shape, seed uint64, i int) Layer {
			body, _ := buildLayers(s.Body, in, seed+uint64(i)*104729)
			sc, _ := buildLayers(s.Shortcut, in, seed+uint64(i)*15485863)
			return NewResidual(in, body, sc)
		},
	})
}

var _ Layer = (*Residual)(nil)
