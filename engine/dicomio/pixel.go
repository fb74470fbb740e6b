package dicomio

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// pixelFormat is the image pixel module (PS3.3 C.7.6.3) of a file.
type pixelFormat struct {
	rows, cols, samples   int
	bitsAlloc, bitsStored int
	signed                bool
	planar                bool
	photometric           string
	frames                int
}

// format reads and checks the image pixel attributes.
func (h *header) format(lim Limits) (pixelFormat, error) {
	var f pixelFormat
	var ok bool
	var err error
	req := func(tag uint32, name string) int {
		if err != nil {
			return 0
		}
		var v int
		v, ok, err = h.us(tag, name)
		if err == nil && !ok {
			err = formatf("the image has no %s %s", name, tagString(tag))
		}
		return v
	}
	f.rows = req(tagRows, "Rows")
	f.cols = req(tagColumns, "Columns")
	f.bitsAlloc = req(tagBitsAllocated, "Bits Allocated")
	if err != nil {
		return f, err
	}
	opt := func(tag uint32, name string, def int) int {
		if err != nil {
			return 0
		}
		v, ok, e := h.us(tag, name)
		if e != nil {
			err = e
		}
		if !ok {
			return def
		}
		return v
	}
	f.samples = opt(tagSamplesPerPixel, "Samples per Pixel", 1)
	f.bitsStored = opt(tagBitsStored, "Bits Stored", f.bitsAlloc)
	highBit := opt(tagHighBit, "High Bit", f.bitsStored-1)
	f.signed = opt(tagPixelRep, "Pixel Representation", 0) == 1
	f.planar = opt(tagPlanarConfig, "Planar Configuration", 0) == 1
	if err != nil {
		return f, err
	}
	f.photometric = h.str(tagPhotometric)
	if f.photometric == "" {
		f.photometric = "MONOCHROME2"
		if f.samples == 3 {
			f.photometric = "RGB"
		}
	}
	f.frames = 1
	if s := h.str(tagNumberOfFrames); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return f, formatf("Number of Frames (0028,0008) is %q, not a positive integer", s)
		}
		// A frame holds at least one byte, so a file of MaxBytes cannot
		// hold more frames; the bound also keeps frames × frame bytes
		// from overflowing wherever it is computed.
		if n > lim.MaxBytes {
			return f, &LimitError{Msg: fmt.Sprintf("Number of Frames (0028,0008) is %d; a file within the %d MB limit cannot hold that many", n, lim.MaxBytes>>20)}
		}
		f.frames = n
	}

	if f.rows == 0 || f.cols == 0 {
		return f, formatf("the image is %d×%d pixels", f.rows, f.cols)
	}
	if f.rows*f.cols > lim.MaxPixels { // both are at most 65535: no overflow
		return f, &LimitError{Msg: fmt.Sprintf("the image is %d×%d pixels; the limit is %d pixels", f.cols, f.rows, lim.MaxPixels)}
	}
	// rows × cols ≤ MaxPixels here, so the product cannot overflow.
	if need := f.rows * f.cols * (8*max(f.samples, 1) + 4); need > lim.MaxMemory {
		return f, &LimitError{Msg: fmt.Sprintf("decoding the %d×%d image of %d sample(s) per pixel needs %.1f MB; the limit is %.1f MB", f.cols, f.rows, f.samples, float64(need)/(1<<20), float64(lim.MaxMemory)/(1<<20))}
	}
	switch f.bitsAlloc {
	case 8, 16, 32:
	case 1:
		return f, &UnsupportedError{Msg: "1-bit images (Bits Allocated 1)"}
	default:
		return f, formatf("Bits Allocated is %d, want 8, 16 or 32", f.bitsAlloc)
	}
	if f.bitsStored < 1 || f.bitsStored > f.bitsAlloc {
		return f, formatf("Bits Stored is %d with Bits Allocated %d", f.bitsStored, f.bitsAlloc)
	}
	if highBit != f.bitsStored-1 {
		return f, &UnsupportedError{Msg: fmt.Sprintf("High Bit %d with Bits Stored %d (only High Bit = Bits Stored − 1 is handled)", highBit, f.bitsStored)}
	}
	switch {
	case f.samples == 1 && (f.photometric == "MONOCHROME1" || f.photometric == "MONOCHROME2"):
	case f.samples == 3 && (f.photometric == "RGB" || f.photometric == "YBR_FULL"):
		if f.bitsAlloc != 8 {
			return f, &UnsupportedError{Msg: fmt.Sprintf("%d-bit colour images (only 8-bit colour is handled)", f.bitsAlloc)}
		}
	case f.samples != 1 && f.samples != 3:
		return f, formatf("Samples per Pixel is %d, want 1 or 3", f.samples)
	default:
		return f, &UnsupportedError{Msg: fmt.Sprintf("photometric interpretation %q with %d samples per pixel (MONOCHROME1, MONOCHROME2, RGB and YBR_FULL are handled)", f.photometric, f.samples)}
	}
	return f, nil
}

// image decodes the first frame.
func (h *header) image(lim Limits) (*Image, error) {
	f, err := h.format(lim)
	if err != nil {
		return nil, err
	}
	n := f.rows * f.cols
	bps := f.bitsAlloc / 8
	frameBytes := int64(n) * int64(f.samples) * int64(bps)

	// Stored values of the first frame, sample-major: raw[s*n + p].
	var raw []uint32
	switch {
	case h.encaps && h.syntax != RLELossless:
		return nil, formatf("encapsulated pixel data in the uncompressed transfer syntax %s", h.syntax)
	case !h.encaps && h.syntax == RLELossless:
		return nil, formatf("native pixel data in the RLE Lossless transfer syntax")
	case h.encaps:
		if len(h.fragments) == 0 {
			return nil, formatf("the encapsulated pixel data has no fragments")
		}
		raw, err = decodeRLE(h.fragments[0], n, f.samples, bps)
		if err != nil {
			return nil, err
		}
	default:
		// Compare by division: frameBytes × frames can overflow for a
		// hostile Number of Frames (issue #10). frameBytes ≥ 1.
		if int64(len(h.native))/frameBytes < int64(f.frames) {
			return nil, formatf("the pixel data has %d bytes; %d frame(s) of %d×%d×%d at %d bits need %d bytes each", len(h.native), f.frames, f.cols, f.rows, f.samples, f.bitsAlloc, frameBytes)
		}
		// A full slice expression: never read past the element into the
		// rest of the file.
		raw = nativeSamples(h.native[:frameBytes:frameBytes], n, f.samples, bps, f.planar, h.bo)
	}
	im := &Image{
		Rows: f.rows, Cols: f.cols, Channels: f.samples,
		Modality:                  h.str(tagModality),
		PhotometricInterpretation: f.photometric,
		TransferSyntax:            h.syntax,
		BitsAllocated:             f.bitsAlloc,
		BitsStored:                f.bitsStored,
		Signed:                    f.signed,
		Frames:                    f.frames,
	}
	if f.samples == 3 {
		im.Pixels = colourPixels(raw, n, f)
		return im, nil
	}

	slope, ok, err := h.decimal(tagRescaleSlope, "Rescale Slope")
	if err != nil {
		return nil, err
	}
	if !ok {
		slope = 1
	}
	if slope == 0 {
		return nil, formatf("Rescale Slope (0028,1053) is zero")
	}
	intercept, _, err := h.decimal(tagRescaleIntercept, "Rescale Intercept")
	if err != nil {
		return nil, err
	}
	im.RescaleSlope, im.RescaleIntercept = slope, intercept

	// Modality values: sign-extend the stored bits, then rescale
	// (PS3.3 C.11.1.1.2).
	im.Values = make([]float32, n)
	mask := uint32(1)<<f.bitsStored - 1
	if f.bitsStored == 32 {
		mask = math.MaxUint32
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for p, r := range raw {
		r &= mask
		v := float64(r)
		if f.signed && r>>(f.bitsStored-1)&1 == 1 {
			v -= float64(uint64(1) << f.bitsStored)
		}
		stored := v
		v = v*slope + intercept
		// A huge slope or intercept gives values beyond float32, which
		// would reach the page as infinite pixels and window (issue #10).
		if math.Abs(v) > math.MaxFloat32 {
			return nil, formatf("the stored value %g × Rescale Slope %g + Rescale Intercept %g is %g, beyond the range of pixel values (±3.4e38)", stored, slope, intercept, v)
		}
		im.Values[p] = float32(v)
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}

	wc, okC, err := h.decimal(tagWindowCenter, "Window Center")
	if err != nil {
		return nil, err
	}
	ww, okW, err := h.decimal(tagWindowWidth, "Window Width")
	if err != nil {
		return nil, err
	}
	if okC && okW && ww >= 1 {
		im.WindowCenter, im.WindowWidth, im.WindowFromFile = wc, ww, true
	} else {
		// Map the minimum to 0 and the maximum to 1 with the same linear
		// function: c = (min + max + 1)/2, w = max − min + 1.
		im.WindowCenter, im.WindowWidth = (lo+hi+1)/2, hi-lo+1
	}
	im.Pixels = make([]float32, n)
	im.Render(im.Pixels, im.WindowCenter, im.WindowWidth)
	return im, nil
}

// Render writes into dst (Rows×Cols) the display values of a grey-scale
// image for window centre c and width w (w >= 1), using the LINEAR VOI
// function of PS3.3 C.11.2.1.2.1, inverted for MONOCHROME1. Decode fills
// Pixels this way; a viewer calls Render to re-window. Render panics if the
// image is not grey-scale or len(dst) != Rows×Cols.
func (im *Image) Render(dst []float32, c, w float64) {
	if im.Channels != 1 || len(dst) != len(im.Values) {
		panic("dicomio: Render: not a grey-scale image of that size")
	}
	w = math.Max(w, 1)
	lo, hi := c-0.5-(w-1)/2, c-0.5+(w-1)/2
	invert := im.PhotometricInterpretation == "MONOCHROME1"
	for p, x := range im.Values {
		var y float64
		switch v := float64(x); {
		case v <= lo:
			y = 0
		case v > hi:
			y = 1
		default:
			y = (v-(c-0.5))/(w-1) + 0.5
		}
		if invert {
			y = 1 - y
		}
		dst[p] = float32(y)
	}
}

// nativeSamples reads the stored values of one uncompressed frame into
// sample-major order: out[s*n + p]. planar selects colour-by-plane
// (Planar Configuration 1) over colour-by-pixel.
func nativeSamples(b []byte, n, samples, bps int, planar bool, bo binary.ByteOrder) []uint32 {
	out := make([]uint32, n*samples)
	for s := range samples {
		for p := range n {
			k := p*samples + s // index of the sample in the file
			if planar {
				k = s*n + p
			}
			switch bps {
			case 1:
				out[s*n+p] = uint32(b[k])
			case 2:
				out[s*n+p] = uint32(bo.Uint16(b[2*k:]))
			default:
				out[s*n+p] = bo.Uint32(b[4*k:])
			}
		}
	}
	return out
}

// colourPixels converts 8-bit colour samples (RGB, or YBR_FULL by
// PS3.3 C.7.6.3.1.2) to planar display values in [0, 1].
func colourPixels(raw []uint32, n int, f pixelFormat) []float32 {
	out := make([]float32, 3*n)
	max := float64(uint32(1)<<f.bitsStored - 1)
	for p := range n {
		a, b, c := float64(raw[p]), float64(raw[n+p]), float64(raw[2*n+p])
		if f.photometric == "YBR_FULL" {
			a, b, c = a+1.402*(c-128), a-0.344136*(b-128)-0.714136*(c-128), a+1.772*(b-128)
		}
		for s, v := range [3]float64{a, b, c} {
			out[s*n+p] = float32(math.Min(1, math.Max(0, v/max)))
		}
	}
	return out
}
