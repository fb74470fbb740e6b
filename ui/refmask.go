package ui

import (
	"bytes"
	"image"
	"image/png"

	"saliencyexplorer/engine/data"
)

// Kinds of reference mask a sample can offer.
const (
	RefObject  = "object"  // the object itself (the Decoy sets' digit or garment)
	RefShipped = "shipped" // the data set's own annotation, as shipped
)

// everythingBut is the share of the image above which a reference mask
// marks "everything but the shortcut" (the Decoy sets' swatch masks, about
// 98 %) rather than the evidence: its IoU with any map is trivially high.
const everythingBut = 0.9

// greyPixels decodes a grey PNG into values in [0, 1].
func greyPixels(b []byte) (x []float32, w, h int, ok bool) {
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, false
	}
	g, isGrey := im.(*image.Gray)
	if !isGrey {
		return nil, 0, 0, false
	}
	r := g.Bounds()
	w, h = r.Dx(), r.Dy()
	x = make([]float32, w*h)
	for y := range h {
		for xx := range w {
			x[y*w+xx] = float32(g.Pix[y*g.Stride+xx]) / 255
		}
	}
	return x, w, h, true
}

// objectMaskPNG returns the object mask of a grey sample whose shipped
// mask marks everything but the shortcut (more than everythingBut of the
// image), as a mask PNG, or nil if the sample's mask is not of that kind.
func objectMaskPNG(samplePNG, maskPNG []byte) []byte {
	img, w, h, ok := greyPixels(samplePNG)
	if !ok {
		return nil
	}
	m, mw, mh, ok := greyPixels(maskPNG)
	if !ok || mw != w || mh != h {
		return nil
	}
	inside := 0
	for _, v := range m {
		if v > 0.5 {
			inside++
		}
	}
	if float64(inside) <= everythingBut*float64(len(m)) {
		return nil
	}
	obj := make([]float32, w*h)
	data.ObjectMask(obj, img, m, h, w)
	alpha := make([]byte, w*h)
	for i, v := range obj {
		if v > 0.5 {
			alpha[i] = 255
		}
	}
	b, err := EncodeMaskPNG(alpha, w, h, w, h)
	if err != nil {
		return nil
	}
	return b
}

// objectMask returns the sample's object mask, computed once, or nil if
// its shipped mask is the evidence itself.
func (s *SampleItem) objectMask() []byte {
	if !s.objDone {
		s.objDone = true
		if s.mask != nil {
			s.objMask = objectMaskPNG(s.png, s.mask)
		}
	}
	return s.objMask
}

// RefKinds lists the kinds of reference mask pic offers: the object first
// (the default) if its shipped mask marks everything but the shortcut.
func (l *Library) RefKinds(pic *Picture) []string {
	if pic == nil || !pic.Sample {
		return nil
	}
	s := l.Sample(pic.Key)
	if s == nil || s.mask == nil {
		return nil
	}
	if s.objectMask() != nil {
		return []string{RefObject, RefShipped}
	}
	return []string{RefShipped}
}

// RefKindLabel names a kind of reference mask.
func RefKindLabel(kind string) string {
	if kind == RefObject {
		return "the object"
	}
	return "all but the shortcut"
}
