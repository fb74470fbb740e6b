package ui

import (
	"math"
	"slices"
	"strconv"
)

// Colormap names a heat map palette.
type Colormap string

// The palettes offered to the user.
const (
	Inferno Colormap = "inferno"
	Viridis Colormap = "viridis"
	Turbo   Colormap = "turbo"
	Hot     Colormap = "hot"
	Grey    Colormap = "grey"
)

// Colormaps lists the palettes in menu order.
func Colormaps() []Colormap { return []Colormap{Inferno, Viridis, Turbo, Hot, Grey} }

// Label is the palette's name for menus.
func (c Colormap) Label() string {
	switch c {
	case Inferno:
		return "Inferno"
	case Viridis:
		return "Viridis"
	case Turbo:
		return "Turbo"
	case Hot:
		return "Hot"
	case Grey:
		return "Grey"
	}
	return string(c)
}

// poly evaluates c0 + c1 t + … + c6 t⁶.
func poly(c [7]float64, t float64) float64 {
	v := 0.0
	for i := len(c) - 1; i >= 0; i-- {
		v = v*t + c[i]
	}
	return v
}

// Polynomial fits of matplotlib's viridis and inferno (Matt Zucker, public
// domain, shadertoy.com/view/WlfXRN) and of Google's Turbo (Anton
// Mikhailov, Apache 2.0).
var (
	viridisRGB = [3][7]float64{
		{0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631},
		{0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535},
		{0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832},
	}
	infernoRGB = [3][7]float64{
		{0.0002189403691192265, 0.1065134194856116, 11.60249308247187, -41.70399613139459, 77.162935699427, -71.31942824499214, 25.13112622477341},
		{0.001651004631001012, 0.5639564367884091, -3.972853965665698, 17.43639888205313, -33.40235894210092, 32.62606426397723, -12.24266895238567},
		{-0.01948089843709184, 3.932712388889277, -15.9423941062914, 44.35414519872813, -81.80730925738993, 73.20951985803202, -23.07032500287172},
	}
	turboRGB = [3][7]float64{
		{0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943, 0},
		{0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604, 0},
		{0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973, 0},
	}
)

func unit(v float64) float64 { return min(max(v, 0), 1) }

// RGB returns the palette colour at t ∈ [0, 1] (clamped), each channel in
// [0, 1].
func (c Colormap) RGB(t float64) (r, g, b float64) {
	t = unit(t)
	var k *[3][7]float64
	switch c {
	case Viridis:
		k = &viridisRGB
	case Turbo:
		k = &turboRGB
	case Hot:
		return unit(3 * t), unit(3*t - 1), unit(3*t - 2)
	case Grey:
		return t, t, t
	default:
		k = &infernoRGB
	}
	return unit(poly(k[0], t)), unit(poly(k[1], t)), unit(poly(k[2], t))
}

// LUT returns 256 RGB entries of the palette.
func (c Colormap) LUT() [256][3]uint8 {
	var lut [256][3]uint8
	for i := range lut {
		r, g, b := c.RGB(float64(i) / 255)
		lut[i] = [3]uint8{uint8(r*255 + 0.5), uint8(g*255 + 0.5), uint8(b*255 + 0.5)}
	}
	return lut
}

// Gradient returns a CSS linear-gradient (left to right) of the palette,
// for the colour bar.
func (c Colormap) Gradient() string {
	s := "linear-gradient(to right"
	for i := 0; i <= 8; i++ {
		r, g, b := c.RGB(float64(i) / 8)
		s += ", rgb(" + itoa(int(r*255+0.5)) + "," + itoa(int(g*255+0.5)) + "," + itoa(int(b*255+0.5)) + ")"
	}
	return s + ")"
}

// HeatScale is how a saliency map's values are mapped to colours: values at
// or below Lo are transparent, values at or above Hi get the palette's top.
type HeatScale struct{ Lo, Hi float64 }

// ScaleFor returns the display range of a map: from 0 to the 99.5th
// percentile of its positive values (a few extreme pixels would otherwise
// wash out the rest; negative values, which only occlusion produces, mean
// "covering this raises the score" and are not shown). A map without
// positive values gets Hi = 1.
func ScaleFor(m []float32) HeatScale {
	var pos []float32
	for _, v := range m {
		if v > 0 && !math.IsInf(float64(v), 0) {
			pos = append(pos, v)
		}
	}
	if len(pos) == 0 {
		return HeatScale{0, 1}
	}
	slices.Sort(pos)
	hi := float64(pos[min(len(pos)-1, int(0.995*float64(len(pos))))])
	if !(hi > 0) {
		hi = float64(pos[len(pos)-1])
	}
	return HeatScale{0, hi}
}

// HeatRGBA writes the map as RGBA pixels into dst (4 bytes per value): the
// palette colour of the scaled value, with an alpha that rises with it so
// that unimportant pixels let the image show through. It panics if dst is
// shorter than 4·len(m).
func HeatRGBA(dst []byte, m []float32, s HeatScale, lut *[256][3]uint8) {
	if len(dst) < 4*len(m) {
		panic("ui: HeatRGBA: dst too short")
	}
	span := s.Hi - s.Lo
	if !(span > 0) {
		span = 1
	}
	for i, v := range m {
		t := (float64(v) - s.Lo) / span
		if !(t > 0) { // also NaN
			t = 0
		}
		t = min(t, 1)
		c := lut[int(t*255+0.5)]
		p := dst[4*i : 4*i+4 : 4*i+4]
		p[0], p[1], p[2] = c[0], c[1], c[2]
		p[3] = uint8(255*min(1, 0.08+1.25*t) + 0.5)
		if t < 0.02 {
			p[3] = 0
		}
	}
}

func itoa(v int) string { return strconv.Itoa(v) }
