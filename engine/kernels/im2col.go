package kernels

// ConvGeom describes one 2-D convolution or pooling window over a C×H×W image:
// a KH×KW window moved with Stride over the image padded by Pad zeros on each
// side, giving an OH×OW output.
type ConvGeom struct {
	C, H, W     int
	KH, KW      int
	Stride, Pad int
	OH, OW      int
}

// NewConvGeom returns the geometry of a KH×KW window with the given stride and
// padding over a C×H×W image. It panics if the window does not fit.
func NewConvGeom(c, h, w, kh, kw, stride, pad int) ConvGeom {
	if c <= 0 || h <= 0 || w <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0 {
		panic("kernels: invalid convolution geometry")
	}
	oh := (h+2*pad-kh)/stride + 1
	ow := (w+2*pad-kw)/stride + 1
	if oh <= 0 || ow <= 0 {
		panic("kernels: convolution window larger than the padded image")
	}
	return ConvGeom{C: c, H: h, W: w, KH: kh, KW: kw, Stride: stride, Pad: pad, OH: oh, OW: ow}
}

// Rows returns C·KH·KW, the number of rows of the im2col matrix.
func (g ConvGeom) Rows() int { return g.C * g.KH * g.KW }

// Cols returns OH·OW, the number of columns of the im2col matrix.
func (g ConvGeom) Cols() int { return g.OH * g.OW }

// Im2Col writes the patches of one C×H×W image into col, a (C·KH·KW)×(OH·OW)
// matrix: row (c, ki, kj) holds, for every output position, the input pixel
// under kernel tap (ki, kj) of channel c, or zero in the padding.
func Im2Col(col, img []float32, g ConvGeom) {
	if len(img) < g.C*g.H*g.W || len(col) < g.Rows()*g.Cols() {
		panic("kernels: Im2Col buffer too short")
	}
	P := g.Cols()
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				dst := col[row*P : (row+1)*P]
				for oi := 0; oi < g.OH; oi++ {
					ii := oi*g.Stride - g.Pad + ki
					out := dst[oi*g.OW : (oi+1)*g.OW]
					if ii < 0 || ii >= g.H {
						clear(out)
						continue
					}
					src := plane[ii*g.W : (ii+1)*g.W]
					for oj := range out {
						jj := oj*g.Stride - g.Pad + kj
						if jj < 0 || jj >= g.W {
							out[oj] = 0
						} else {
							out[oj] = src[jj]
						}
					}
				}
				row++
			}
		}
	}
}

// Col2Im adds the columns of col, shaped as Im2Col writes them, back into the
// C×H×W image img (the adjoint of Im2Col). Padding positions are dropped.
func Col2Im(img, col []float32, g ConvGeom) {
	if len(img) < g.C*g.H*g.W || len(col) < g.Rows()*g.Cols() {
		panic("kernels: Col2Im buffer too short")
	}
	P := g.Cols()
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				src := col[row*P : (row+1)*P]
				for oi := 0; oi < g.OH; oi++ {
					ii := oi*g.Stride - g.Pad + ki
					if ii < 0 || ii >= g.H {
						continue
					}
					dst := plane[ii*g.W : (ii+1)*g.W]
					in := src[oi*g.OW : (oi+1)*g.OW]
					for oj, v := range in {
						jj := oj*g.Stride - g.Pad + kj
						if jj >= 0 && jj < g.W {
							dst[jj] += v
						}
					}
				}
				row++
			}
		}
	}
}
