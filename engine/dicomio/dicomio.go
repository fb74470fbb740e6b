package dicomio

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Limits bounds what Decode accepts. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	MaxBytes  int // size of the file, and of a deflated data set once inflated
	MaxPixels int // rows × columns of a frame
	// MaxMemory bounds the bytes decoding the first frame needs (its stored
	// samples, modality values and display values, 8 × samples + 4 bytes
	// per pixel), checked from the header before decoding: an RLE frame
	// can expand 64-fold.
	MaxMemory int
}

// DefaultLimits returns 64 MiB per file, 4096 × 4096 pixels per frame,
// enough for a computed radiography chest film, and 256 MiB of decoding
// memory (4096² grey pixels; 2896² colour pixels).
func DefaultLimits() Limits {
	return Limits{MaxBytes: 64 << 20, MaxPixels: 4096 * 4096, MaxMemory: 256 << 20}
}

// FormatError reports bytes that are not a valid DICOM file, or that end
// early or contradict themselves.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string { return "dicomio: invalid DICOM: " + e.Msg }

// UnsupportedError reports a valid DICOM file that Decode cannot decode: a
// transfer syntax (TransferSyntax holds its UID) or a pixel format it does
// not handle.
type UnsupportedError struct {
	TransferSyntax string // UID, or "" when the syntax is not the problem
	Msg            string
}

func (e *UnsupportedError) Error() string { return "dicomio: unsupported DICOM: " + e.Msg }

// LimitError reports a file or image larger than the Limits.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return "dicomio: too large: " + e.Msg }

// Image is the first frame of a DICOM image, ready for display.
type Image struct {
	Rows, Cols int
	// Channels is 1 for grey-scale images and 3 for colour (RGB, or
	// YBR_FULL converted to RGB).
	Channels int
	// Pixels holds the display values, Channels×Rows×Cols (planar), in
	// [0, 1]: for grey-scale images the windowed modality values, inverted
	// for MONOCHROME1; for colour images the stored values over their
	// maximum.
	Pixels []float32
	// Values holds the modality values (stored value × RescaleSlope +
	// RescaleIntercept), Rows×Cols, for grey-scale images; nil for colour.
	// Render re-windows them.
	Values []float32

	Modality                  string // e.g. "CT", "MR", "CR", "DX"
	PhotometricInterpretation string // as stored: "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL"
	TransferSyntax            string // UID
	BitsAllocated, BitsStored int
	Signed                    bool // pixel representation 1 (two's complement)
	Frames                    int  // frames in the file; only the first is decoded
	RescaleSlope              float64
	RescaleIntercept          float64
	// WindowCenter and WindowWidth are the window applied to Values, in
	// modality units (PS3.3 C.11.2.1.2.1, LINEAR): the file's first window
	// when it has one (WindowFromFile), otherwise one mapping the minimum to
	// 0 and the maximum to 1. Zero for colour images.
	WindowCenter, WindowWidth float64
	WindowFromFile            bool
}

// Transfer syntax UIDs (PS3.6 Annex A).
const (
	ImplicitVRLittleEndian = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLE   = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian    = "1.2.840.10008.1.2.2"
	RLELossless            = "1.2.840.10008.1.2.5"
)

// unsupportedSyntaxes names the encapsulated transfer syntaxes Decode
// recognizes but cannot decode.
var unsupportedSyntaxes = map[string]string{
	"1.2.840.10008.1.2.4.50":  "JPEG Baseline (Process 1)",
	"1.2.840.10008.1.2.4.51":  "JPEG Extended (Process 2 & 4)",
	"1.2.840.10008.1.2.4.57":  "JPEG Lossless, Non-Hierarchical (Process 14)",
	"1.2.840.10008.1.2.4.70":  "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)",
	"1.2.840.10008.1.2.4.80":  "JPEG-LS Lossless",
	"1.2.840.10008.1.2.4.81":  "JPEG-LS Near-Lossless",
	"1.2.840.10008.1.2.4.90":  "JPEG 2000 (Lossless Only)",
	"1.2.840.10008.1.2.4.91":  "JPEG 2000",
	"1.2.840.10008.1.2.4.92":  "JPEG 2000 Part 2 Multi-component (Lossless Only)",
	"1.2.840.10008.1.2.4.93":  "JPEG 2000 Part 2 Multi-component",
	"1.2.840.10008.1.2.4.201": "High-Throughput JPEG 2000 (Lossless Only)",
	"1.2.840.10008.1.2.4.202": "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)",
	"1.2.840.10008.1.2.4.203": "High-Throughput JPEG 2000",
	"1.2.840.10008.1.2.4.100": "MPEG2 Main Profile / Main Level",
	"1.2.840.10008.1.2.4.101": "MPEG2 Main Profile / High Level",
	"1.2.840.10008.1.2.4.102": "MPEG-4 AVC/H.264 High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.103": "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
	"1.2.840.10008.1.2.4.104": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
	"1.2.840.10008.1.2.4.105": "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
	"1.2.840.10008.1.2.4.106": "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
	"1.2.840.10008.1.2.4.107": "HEVC/H.265 Main Profile / Level 5.1",
	"1.2.840.10008.1.2.4.108": "HEVC/H.265 Main 10 Profile / Level 5.1",
}

// Attribute tags Decode reads, as group<<16 | element.
const (
	tagTransferSyntax   = 0x0002_0010
	tagModality         = 0x0008_0060
	tagSamplesPerPixel  = 0x0028_0002
	tagPhotometric      = 0x0028_0004
	tagPlanarConfig     = 0x0028_0006
	tagNumberOfFrames   = 0x0028_0008
	tagRows             = 0x0028_0010
	tagColumns          = 0x0028_0011
	tagBitsAllocated    = 0x0028_0100
	tagBitsStored       = 0x0028_0101
	tagHighBit          = 0x0028_0102
	tagPixelRep         = 0x0028_0103
	tagWindowCenter     = 0x0028_1050
	tagWindowWidth      = 0x0028_1051
	tagRescaleIntercept = 0x0028_1052
	tagRescaleSlope     = 0x0028_1053
	tagPixelData        = 0x7FE0_0010
	tagItem             = 0xFFFE_E000
	tagItemDelim        = 0xFFFE_E00D
	tagSeqDelim         = 0xFFFE_E0DD
)

// undefinedLength is the value length 0xFFFFFFFF (PS3.5 7.1.1).
const undefinedLength = 0xFFFFFFFF

// maxDepth bounds the nesting of sequences the parser skips.
const maxDepth = 32

// wanted lists the attributes kept from the top level of the data set.
var wanted = map[uint32]bool{
	tagModality: true, tagSamplesPerPixel: true, tagPhotometric: true, tagPlanarConfig: true,
	tagNumberOfFrames: true, tagRows: true, tagColumns: true, tagBitsAllocated: true,
	tagBitsStored: true, tagHighBit: true, tagPixelRep: true, tagWindowCenter: true,
	tagWindowWidth: true, tagRescaleIntercept: true, tagRescaleSlope: true,
}

// Value representations with a 2-byte reserved field and a 4-byte length in
// the explicit encodings (PS3.5 Table 7.1-1).
var longVR = map[string]bool{
	"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true, "SQ": true,
	"SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true,
}

// All value representations (PS3.5 6.2), to recognize explicit encodings.
var knownVR = map[string]bool{
	"AE": true, "AS": true, "AT": true, "CS": true, "DA": true, "DS": true, "DT": true, "FD": true,
	"FL": true, "IS": true, "LO": true, "LT": true, "OB": true, "OD": true, "OF": true, "OL": true,
	"OV": true, "OW": true, "PN": true, "SH": true, "SL": true, "SQ": true, "SS": true, "ST": true,
	"SV": true, "TM": true, "UC": true, "UI": true, "UL": true, "UN": true, "UR": true, "US": true,
	"UT": true, "UV": true,
}

// element is one data element's header and, for a defined length, its value.
type element struct {
	tag   uint32
	vr    string // "" in the implicit encoding and for items and delimiters
	vl    uint32
	value []byte // nil for undefined length
}

// parser reads data elements from a byte slice.
type parser struct {
	b        []byte
	pos      int
	bo       binary.ByteOrder
	explicit bool
}

func formatf(format string, a ...any) error { return &FormatError{Msg: fmt.Sprintf(format, a...)} }

// tagString formats a tag as (gggg,eeee).
func tagString(t uint32) string { return fmt.Sprintf("(%04X,%04X)", t>>16, t&0xFFFF) }

// next reads the element at p.pos. Items and delimiters (group FFFE) have
// no VR in any encoding. A defined length must fit in the remaining bytes.
func (p *parser) next() (element, error) {
	var e element
	if len(p.b)-p.pos < 8 {
		return e, formatf("the data ends inside an element header at byte %d", p.pos)
	}
	g, el := p.bo.Uint16(p.b[p.pos:]), p.bo.Uint16(p.b[p.pos+2:])
	e.tag = uint32(g)<<16 | uint32(el)
	p.pos += 4
	switch {
	case g == 0xFFFE:
		// Item and delimiter tags are encoded in the data set's byte
		// order, with a 4-byte length and no VR.
		e.vl = p.bo.Uint32(p.b[p.pos:])
		p.pos += 4
	case p.explicit:
		e.vr = string(p.b[p.pos : p.pos+2])
		if !knownVR[e.vr] {
			return e, formatf("element %s has an unknown value representation %q", tagString(e.tag), e.vr)
		}
		if longVR[e.vr] {
			if len(p.b)-p.pos < 8 {
				return e, formatf("the data ends inside the header of element %s", tagString(e.tag))
			}
			e.vl = p.bo.Uint32(p.b[p.pos+4:])
			p.pos += 8
		} else {
			e.vl = uint32(p.bo.Uint16(p.b[p.pos+2:]))
			p.pos += 4
		}
	default:
		e.vl = p.bo.Uint32(p.b[p.pos:])
		p.pos += 4
	}
	if e.vl == undefinedLength {
		return e, nil
	}
	if int64(e.vl) > int64(len(p.b)-p.pos) {
		return e, formatf("element %s claims %d bytes but only %d remain (truncated file?)", tagString(e.tag), e.vl, len(p.b)-p.pos)
	}
	e.value = p.b[p.pos : p.pos+int(e.vl)]
	p.pos += int(e.vl)
	return e, nil
}

// skipUndefined skips the items of a sequence of undefined length, up to
// and including its sequence delimiter. An item of undefined length is
// skipped element by element up to its item delimiter; nested sequences of
// undefined length recurse, at most maxDepth deep.
func (p *parser) skipUndefined(depth int) error {
	if depth > maxDepth {
		return formatf("sequences are nested more than %d deep", maxDepth)
	}
	for {
		it, err := p.next()
		if err != nil {
			return err
		}
		switch it.tag {
		case tagSeqDelim:
			return nil
		case tagItem:
		default:
			return formatf("found element %s where a sequence item was expected", tagString(it.tag))
		}
		if it.vl != undefinedLength {
			continue // the item's bytes were skipped by next
		}
		for {
			e, err := p.next()
			if err != nil {
				return err
			}
			if e.tag == tagItemDelim {
				break
			}
			if e.vl == undefinedLength {
				if err := p.skipNested(e, depth+1); err != nil {
					return err
				}
			}
		}
	}
}

// skipNested skips the value of an element of undefined length inside an
// item. A UN value of undefined length is a sequence encoded in Implicit VR
// Little Endian (PS3.5 6.2.2).
func (p *parser) skipNested(e element, depth int) error {
	if e.vr == "UN" {
		saved := *p
		p.explicit, p.bo = false, binary.LittleEndian
		err := p.skipUndefined(depth)
		p.explicit, p.bo = saved.explicit, saved.bo
		return err
	}
	return p.skipUndefined(depth)
}

// header holds what Decode reads before the pixels.
type header struct {
	syntax string
	attrs  map[uint32][]byte
	bo     binary.ByteOrder
	// pixel data: native bytes, or the fragments of an encapsulated value
	// (the basic offset table excluded)
	native    []byte
	fragments [][]byte
	encaps    bool
	havePixel bool
}

// parse reads the file meta information (if any) and the top level of the
// data set up to the pixel data.
func parse(data []byte, lim Limits) (*header, error) {
	h := &header{attrs: map[uint32][]byte{}}
	p := &parser{b: data, bo: binary.LittleEndian, explicit: true}
	if len(data) >= 132 && string(data[128:132]) == "DICM" {
		p.pos = 132
	}
	// File meta information: group 0002, Explicit VR Little Endian.
	haveMeta := false
	for len(data)-p.pos >= 2 && binary.LittleEndian.Uint16(data[p.pos:]) == 0x0002 {
		haveMeta = true
		e, err := p.next()
		if err != nil {
			return nil, err
		}
		if e.vl == undefinedLength {
			return nil, formatf("file meta element %s has an undefined length", tagString(e.tag))
		}
		if e.tag == tagTransferSyntax {
			h.syntax = trimValue(e.value)
		}
	}
	if p.pos == 0 && !haveMeta && len(data) >= 4 && string(data[:4]) == "DICM" {
		return nil, formatf("the file starts with \"DICM\" without the 128-byte preamble")
	}
	if h.syntax == "" {
		// No meta information (a bare data set): Explicit VR Little Endian
		// if the bytes after the first tag spell a value representation,
		// otherwise Implicit VR Little Endian.
		h.syntax = ImplicitVRLittleEndian
		if len(data)-p.pos >= 6 && knownVR[string(data[p.pos+4:p.pos+6])] {
			h.syntax = ExplicitVRLittleEndian
		}
	}
	switch h.syntax {
	case ImplicitVRLittleEndian:
		p.explicit = false
	case ExplicitVRLittleEndian, RLELossless:
	case ExplicitVRBigEndian:
		p.bo = binary.BigEndian
	case DeflatedExplicitVRLE:
		// The data set after the meta information is a raw deflate
		// stream (PS3.5 A.5); inflate it within the byte limit.
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(flate.NewReader(bytes.NewReader(data[p.pos:])), int64(lim.MaxBytes)+1))
		if err != nil {
			return nil, formatf("inflating the deflated data set: %v", err)
		}
		if n > int64(lim.MaxBytes) {
			return nil, &LimitError{Msg: fmt.Sprintf("the deflated data set inflates to more than %d MB", lim.MaxBytes>>20)}
		}
		p.b, p.pos = buf.Bytes(), 0
	default:
		if name, ok := unsupportedSyntaxes[h.syntax]; ok {
			return nil, &UnsupportedError{TransferSyntax: h.syntax, Msg: fmt.Sprintf("transfer syntax %s (%s); the pixel data cannot be decoded here — convert the file to an uncompressed or RLE Lossless syntax (e.g. `gdcmconv --raw` or `dcmdjpeg`)", h.syntax, name)}
		}
		return nil, &UnsupportedError{TransferSyntax: h.syntax, Msg: fmt.Sprintf("unknown transfer syntax %q", h.syntax)}
	}
	h.bo = p.bo

	for p.pos < len(p.b) {
		e, err := p.next()
		if err != nil {
			return nil, err
		}
		if e.tag>>16 == 0xFFFE {
			return nil, formatf("unexpected item or delimiter %s at the top level", tagString(e.tag))
		}
		if e.tag == tagPixelData {
			h.havePixel = true
			if e.vl != undefinedLength {
				h.native = e.value
				break
			}
			h.encaps = true
			if err := p.fragments(h); err != nil {
				return nil, err
			}
			break
		}
		if e.vl == undefinedLength {
			if err := p.skipNested(e, 1); err != nil {
				return nil, err
			}
			continue
		}
		if wanted[e.tag] {
			h.attrs[e.tag] = e.value
		}
	}
	return h, nil
}

// fragments reads an encapsulated pixel data value (PS3.5 A.4): a basic
// offset table item, fragment items, then a sequence delimiter.
func (p *parser) fragments(h *header) error {
	first := true
	for {
		it, err := p.next()
		if err != nil {
			return err
		}
		switch {
		case it.tag == tagSeqDelim:
			return nil
		case it.tag != tagItem:
			return formatf("found element %s inside the encapsulated pixel data", tagString(it.tag))
		case it.vl == undefinedLength:
			return formatf("a pixel data fragment has an undefined length")
		case first:
			first = false // the basic offset table
		default:
			h.fragments = append(h.fragments, it.value)
		}
	}
}

// trimValue returns a text value without trailing NUL and space padding
// and leading spaces.
func trimValue(b []byte) string { return strings.Trim(string(b), " \x00") }

// us returns the first value of an unsigned short attribute.
func (h *header) us(tag uint32, name string) (int, bool, error) {
	v, ok := h.attrs[tag]
	if !ok {
		return 0, false, nil
	}
	if len(v) < 2 {
		return 0, false, formatf("%s %s has %d bytes, want 2", name, tagString(tag), len(v))
	}
	return int(h.bo.Uint16(v)), true, nil
}

// str returns a text attribute, "" if absent.
func (h *header) str(tag uint32) string { return trimValue(h.attrs[tag]) }

// decimal returns the first value of a decimal or integer string attribute.
func (h *header) decimal(tag uint32, name string) (float64, bool, error) {
	v, ok := h.attrs[tag]
	if !ok {
		return 0, false, nil
	}
	s := strings.TrimSpace(strings.SplitN(trimValue(v), `\`, 2)[0])
	if s == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, formatf("%s %s is %q, not a finite number", name, tagString(tag), s)
	}
	return f, true, nil
}

// Decode decodes the first frame of a DICOM file into display values (see
// Image). It checks the file size and the frame's pixel count against lim
// before allocating pixel buffers, and returns a *FormatError,
// *UnsupportedError or *LimitError on failure, never an image with an
// error.
func Decode(data []byte, lim Limits) (*Image, error) {
	d := DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = d.MaxPixels
	}
	if lim.MaxMemory <= 0 {
		lim.MaxMemory = d.MaxMemory
	}
	if len(data) == 0 {
		return nil, formatf("the file is empty")
	}
	if len(data) > lim.MaxBytes {
		return nil, &LimitError{Msg: fmt.Sprintf("the file has %.1f MB; the limit is %d MB", float64(len(data))/(1<<20), lim.MaxBytes>>20)}
	}
	h, err := parse(data, lim)
	if err != nil {
		return nil, err
	}
	if !h.havePixel {
		return nil, formatf("the file has no pixel data (7FE0,0010); it may not be an image")
	}
	im, err := h.image(lim)
	if err != nil {
		return nil, err
	}
	return im, nil
}
