package graph

import "fmt"

// window is the geometry of a 2-D sliding window (Conv, MaxPool,
// AveragePool) over a C×H×W image: a KH×KW kernel with strides SH, SW,
// dilations DH, DW, padding PT, PL (top, left) and PB, PR (bottom, right),
// giving an OH×OW output.
type window struct {
	C, H, W        int
	KH, KW         int
	SH, SW, DH, DW int
	PT, PL, PB, PR int
	OH, OW         int
}

// windowAttrs are the ONNX attributes of a windowed op.
type windowAttrs struct {
	kernel    []int // kernel_shape (may be empty for Conv: taken from the weight)
	strides   []int
	dilations []int
	pads      []int // [top, left, bottom, right]
	autoPad   string
	ceil      bool
}

func readWindowAttrs(a Attrs) (w windowAttrs, err error) {
	if w.kernel, err = a.Ints("kernel_shape", nil); err != nil {
		return w, err
	}
	if w.strides, err = a.Ints("strides", []int{1, 1}); err != nil {
		return w, err
	}
	if w.dilations, err = a.Ints("dilations", []int{1, 1}); err != nil {
		return w, err
	}
	if w.pads, err = a.Ints("pads", []int{0, 0, 0, 0}); err != nil {
		return w, err
	}
	if w.autoPad, err = a.Str("auto_pad", "NOTSET"); err != nil {
		return w, err
	}
	ceil, err := a.Int("ceil_mode", 0)
	if err != nil {
		return w, err
	}
	w.ceil = ceil != 0
	switch {
	case len(w.kernel) != 0 && len(w.kernel) != 2:
		return w, fmt.Errorf("kernel_shape %v: only 2-D windows are supported", w.kernel)
	case len(w.strides) != 2 || w.strides[0] < 1 || w.strides[1] < 1:
		return w, fmt.Errorf("strides %v: want two values ≥ 1", w.strides)
	case len(w.dilations) != 2 || w.dilations[0] < 1 || w.dilations[1] < 1:
		return w, fmt.Errorf("dilations %v: want two values ≥ 1", w.dilations)
	case len(w.pads) != 4 || w.pads[0] < 0 || w.pads[1] < 0 || w.pads[2] < 0 || w.pads[3] < 0:
		return w, fmt.Errorf("pads %v: want four values ≥ 0", w.pads)
	}
	switch w.autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return w, fmt.Errorf("auto_pad %q is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", w.autoPad)
	}
	return w, nil
}

// geometry returns the window of kernel kh×kw over a C×H×W input.
func (a windowAttrs) geometry(c, h, w, kh, kw int) (window, error) {
	g := window{C: c, H: h, W: w, KH: kh, KW: kw,
		SH: a.strides[0], SW: a.strides[1], DH: a.dilations[0], DW: a.dilations[1]}
	if kh < 1 || kw < 1 || kh > 64 || kw > 64 {
		return g, fmt.Errorf("kernel %d×%d out of range 1..64", kh, kw)
	}
	if g.SH > 64 || g.SW > 64 || g.DH > 64 || g.DW > 64 {
		return g, fmt.Errorf("strides %v or dilations %v above 64", a.strides, a.dilations)
	}
	ekh, ekw := g.DH*(kh-1)+1, g.DW*(kw-1)+1 // extent of the dilated kernel
	switch a.autoPad {
	case "NOTSET":
		g.PT, g.PL, g.PB, g.PR = a.pads[0], a.pads[1], a.pads[2], a.pads[3]
		if max(g.PT, g.PB) >= ekh+64 || max(g.PL, g.PR) >= ekw+64 {
			return g, fmt.Errorf("pads %v too large for a %d×%d kernel", a.pads, kh, kw)
		}
	case "VALID":
	default: // SAME_UPPER, SAME_LOWER: output ⌈H/S⌉
		oh, ow := (h+g.SH-1)/g.SH, (w+g.SW-1)/g.SW
		th, tw := max(0, (oh-1)*g.SH+ekh-h), max(0, (ow-1)*g.SW+ekw-w)
		g.PT, g.PL = th/2, tw/2
		if a.autoPad == "SAME_LOWER" {
			g.PT, g.PL = th-th/2, tw-tw/2
		}
		g.PB, g.PR = th-g.PT, tw-g.PL
	}
	ph, pw := h+g.PT+g.PB-ekh, w+g.PL+g.PR-ekw
	if ph < 0 || pw < 0 {
		return g, fmt.Errorf("kernel %d×%d (dilated %d×%d) larger than the padded input %d×%d", kh, kw, ekh, ekw, h+g.PT+g.PB, w+g.PL+g.PR)
	}
	if a.ceil {
		g.OH, g.OW = (ph+g.SH-1)/g.SH+1, (pw+g.SW-1)/g.SW+1
		// The last window must start inside the input or its top/left
		// padding (PyTorch's and ONNX's rule).
		if (g.OH-1)*g.SH >= h+g.PT {
			g.OH--
		}
		if (g.OW-1)*g.SW >= w+g.PL {
			g.OW--
		}
	} else {
		g.OH, g.OW = ph/g.SH+1, pw/g.SW+1
	}
	return g, nil
}

// Rows and Cols are the im2col matrix's dimensions: C·KH·KW × OH·OW.
func (g window) Rows() int { return g.C * g.KH * g.KW }
func (g window) Cols() int { return g.OH * g.OW }

// im2col writes the patches of one C×H×W image into col, (C·KH·KW)×(OH·OW):
// row (c, ki, kj) holds, for every output position, the input pixel under
// that kernel tap, or zero in the padding.
func im2col(col, img []float32, g window) {
	P := g.Cols()
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				dst := col[row*P : (row+1)*P]
				row++
				for oi := 0; oi < g.OH; oi++ {
					ii := oi*g.SH - g.PT + ki*g.DH
					out := dst[oi*g.OW : (oi+1)*g.OW]
					if ii < 0 || ii >= g.H {
						clear(out)
						continue
					}
					src := plane[ii*g.W : (ii+1)*g.W]
					for oj := range out {
						jj := oj*g.SW - g.PL + kj*g.DW
						if jj < 0 || jj >= g.W {
							out[oj] = 0
						} else {
							out[oj] = src[jj]
						}
					}
				}
			}
		}
	}
}

// col2im adds the columns of col back into img, the adjoint of im2col.
func col2im(img, col []float32, g window) {
	P := g.Cols()
	row := 0
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for ki := 0; ki < g.KH; ki++ {
			for kj := 0; kj < g.KW; kj++ {
				src := col[row*P : (row+1)*P]
				row++
				for oi := 0; oi < g.OH; oi++ {
					ii := oi*g.SH - g.PT + ki*g.DH
					if ii < 0 || ii >= g.H {
						continue
					}
					dst := plane[ii*g.W : (ii+1)*g.W]
					for oj, v := range src[oi*g.OW : (oi+1)*g.OW] {
						jj := oj*g.SW - g.PL + kj*g.DW
						if jj >= 0 && jj < g.W {
							dst[jj] += v
						}
					}
				}
			}
		}
	}
}
