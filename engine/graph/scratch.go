package graph

// scratch is work space an op uses within one of its passes and holds no
// longer: a graph runs its ops one at a time, so one scratch serves all of
// them. Each convolution on the im2col path needs its column matrix, and
// backward a second one for the column gradients, C/G·KH·KW × OH·OW values
// per image; kept per convolution they added up to about 110 MB for
// ResNet-18 and 300 MB for DenseNet-121 at 224×224, shared they are the
// largest one's.
type scratch struct {
	col, dcol []float32
}

// cols returns the column matrix buffer, n values (contents undefined).
func (s *scratch) cols(n int) []float32 {
	s.col = grow(s.col, n)
	return s.col
}

// dcols returns the column gradient buffer, n values (contents
// undefined); it is distinct from cols'.
func (s *scratch) dcols(n int) []float32 {
	s.dcol = grow(s.dcol, n)
	return s.dcol
}

// scratchUser is an op that uses a scratch; Build gives all of a graph's
// such ops the same one.
type scratchUser interface {
	useScratch(s *scratch)
}

func (l *convOp) useScratch(s *scratch) { l.s = s }

var _ scratchUser = (*convOp)(nil)
