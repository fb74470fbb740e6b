package dicomio

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkDecode decodes b and checks Decode's contract: an image and no
// error, or an error of one of the three types and no image; a returned
// image is consistent and in range.
func checkDecode(t testing.TB, b []byte, lim Limits) (*Image, error) {
	t.Helper()
	im, err := Decode(b, lim)
	if err != nil {
		if im != nil {
			t.Fatalf("image and error %v", err)
		}
		var fe *FormatError
		var ue *UnsupportedError
		var le *LimitError
		if !errors.As(err, &fe) && !errors.As(err, &ue) && !errors.As(err, &le) {
			t.Fatalf("error %T %v is not a FormatError, UnsupportedError or LimitError", err, err)
		}
		if !strings.HasPrefix(err.Error(), "dicomio: ") {
			t.Fatalf("error %q lacks the package prefix", err)
		}
		return nil, err
	}
	n := im.Rows * im.Cols
	if n <= 0 || n > max(lim.MaxPixels, 0) && lim.MaxPixels > 0 || len(im.Pixels) != im.Channels*n {
		t.Fatalf("image %d×%d×%d with %d pixels", im.Channels, im.Rows, im.Cols, len(im.Pixels))
	}
	for _, v := range im.Pixels {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("display value %v outside [0, 1]", v)
		}
	}
	return im, nil
}

func TestCorrupt(t *testing.T) {
	mr := readSample(t, "MR_small.dcm")
	metaEnd := 144 + int(binary.LittleEndian.Uint32(mr[140:])) // (0002,0000) group length
	img := append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagPixelData, "OW", make([]byte, 8)})
	valid := file(ExplicitVRLittleEndian, img...)
	if _, err := Decode(valid, Limits{}); err != nil {
		t.Fatalf("the valid synthetic file: %v", err)
	}
	deep := file(ExplicitVRLittleEndian)
	for range maxDepth + 2 {
		deep = appendElement(deep, attr{0x0008_1140, "SQ", nil}, true)
		deep = appendElement(deep, attr{tagItem, "", nil}, true)
	}
	var bomb bytes.Buffer
	w, _ := flate.NewWriter(&bomb, flate.BestCompression)
	w.Write(make([]byte, 3<<20))
	w.Close()
	rle := func(frame []byte) []byte {
		return file(RLELossless, append(grey(2, 2, 8, 8, 0, "MONOCHROME2"), encapsulated(frame)...)...)
	}
	goodFrame := rleFrame([]byte{1, 2, 3, 4})
	for _, tc := range []struct {
		name string
		b    []byte
		lim  Limits
		want string // substring of the error
		kind string // "format", "unsupported" or "limit"
	}{
		{"empty", nil, Limits{}, "empty", "format"},
		{"over MaxBytes", valid, Limits{MaxBytes: 100}, "the limit is 0 MB", "limit"},
		{"DICM without preamble", append([]byte("DICM"), valid[132:]...), Limits{}, "preamble", "format"},
		{"huge element", append(bytes.Clone(mr[:metaEnd]), 0x09, 0, 0x10, 0, 'O', 'B', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 'x'), Limits{}, "claims 4294967280 bytes", "format"},
		{"unknown VR", append(bytes.Clone(mr[:metaEnd]), 0x08, 0, 0x60, 0, 'Z', 'Z', 2, 0, 'C', 'T'), Limits{}, "unknown value representation", "format"},
		{"header cut", mr[:metaEnd+5], Limits{}, "ends inside", "format"},
		{"no pixel data", file(ExplicitVRLittleEndian, img[:len(img)-1]...), Limits{}, "no pixel data", "format"},
		{"no rows", file(ExplicitVRLittleEndian, append(append([]attr{}, img[:3]...), img[4:]...)...), Limits{}, "no Rows", "format"},
		{"too many pixels", file(ExplicitVRLittleEndian, append(grey(5000, 5000, 16, 16, 0, "MONOCHROME2"), attr{tagPixelData, "OW", []byte{}})...), Limits{}, "the limit is", "limit"},
		{"MaxPixels", valid, Limits{MaxPixels: 3}, "the limit is 3 pixels", "limit"},
		{"MaxMemory", valid, Limits{MaxMemory: 47}, "needs 0.0 MB; the limit is 0.0 MB", "limit"},
		// An RLE frame of a few hundred bytes claiming 4096×4096 RGB pixels
		// (over 400 MB to decode) is refused from the header.
		{"RLE colour bomb", file(RLELossless, append([]attr{{tagSamplesPerPixel, "US", us(3)}, {tagPhotometric, "CS", text("RGB")}, {tagRows, "US", us(4096)}, {tagColumns, "US", us(4096)}, {tagBitsAllocated, "US", us(8)}}, encapsulated(rleFrame(make([]byte, 300)))...)...), Limits{}, "4096×4096 image of 3 sample(s) per pixel needs 448.0 MB; the limit is 256.0 MB", "limit"},
		{"short pixel data", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagPixelData, "OW", make([]byte, 6)})...), Limits{}, "need 8", "format"},
		{"frames beyond data", file(ExplicitVRLittleEndian, append(append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagNumberOfFrames, "IS", text("2")}), attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "2 frame(s)", "format"},
		// Issue #10: frameBytes × frames wrapped negative and the length
		// check passed; the pixel data is the last element, so a zero-length
		// value slices past its end.
		{"frame count overflows", file(ExplicitVRLittleEndian, append(append(grey(1, 1, 16, 16, 0, "MONOCHROME2"), attr{tagNumberOfFrames, "IS", text("4611686018427387904")}), attr{tagPixelData, "OW", []byte{}})...), Limits{}, "Number of Frames", "limit"},
		{"frame count beyond the data", file(ExplicitVRLittleEndian, append(append(grey(1, 1, 16, 16, 0, "MONOCHROME2"), attr{tagNumberOfFrames, "IS", text("1000")}), attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "1000 frame(s)", "format"},
		// Issue #10: a huge Rescale Slope gave infinite modality values.
		{"slope overflows", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagRescaleSlope, "DS", text("1e304")}, attr{tagPixelData, "OW", []byte{0, 0, 1, 0, 2, 0, 3, 0}})...), Limits{}, "beyond", "format"},
		{"intercept overflows float32", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagRescaleIntercept, "DS", text("1e39")}, attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "beyond", "format"},
		{"bits allocated 12", file(ExplicitVRLittleEndian, append(grey(2, 2, 12, 12, 0, "MONOCHROME2"), attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "Bits Allocated is 12", "format"},
		{"bits stored 17", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 17, 0, "MONOCHROME2"), attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "Bits Stored is 17", "format"},
		{"palette colour", file(ExplicitVRLittleEndian, append(grey(2, 2, 8, 8, 0, "PALETTE COLOR"), attr{tagPixelData, "OB", make([]byte, 4)})...), Limits{}, "PALETTE COLOR", "unsupported"},
		{"slope zero", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagRescaleSlope, "DS", text("0")}, attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "Rescale Slope", "format"},
		{"window not a number", file(ExplicitVRLittleEndian, append(grey(2, 2, 16, 16, 0, "MONOCHROME2"), attr{tagWindowCenter, "DS", text("abc")}, attr{tagPixelData, "OW", make([]byte, 8)})...), Limits{}, "not a finite number", "format"},
		{"nested too deep", deep, Limits{}, "nested more than", "format"},
		{"unterminated sequence", file(ExplicitVRLittleEndian, attr{0x0008_1140, "SQ", nil}, attr{tagItem, "", []byte{}}), Limits{}, "ends inside", "format"},
		{"stray delimiter", file(ExplicitVRLittleEndian, attr{tagSeqDelim, "", []byte{}}), Limits{}, "top level", "format"},
		{"deflate bomb", append(file(DeflatedExplicitVRLE), bomb.Bytes()...), Limits{MaxBytes: 1 << 20}, "inflates to more than 1 MB", "limit"},
		{"deflate garbage", append(file(DeflatedExplicitVRLE), 0xff, 0xff, 0xff), Limits{}, "inflating", "format"},
		{"unknown syntax", file("1.2.3.4", img...), Limits{}, `unknown transfer syntax "1.2.3.4"`, "unsupported"},
		{"JPEG baseline", file("1.2.840.10008.1.2.4.50", img...), Limits{}, "JPEG Baseline", "unsupported"},
		{"encapsulated in native syntax", file(ExplicitVRLittleEndian, append(grey(2, 2, 8, 8, 0, "MONOCHROME2"), encapsulated(goodFrame)...)...), Limits{}, "encapsulated pixel data in the uncompressed", "format"},
		{"native in RLE syntax", file(RLELossless, img...), Limits{}, "native pixel data", "format"},
		{"RLE no fragments", file(RLELossless, append(grey(2, 2, 8, 8, 0, "MONOCHROME2"), encapsulated()...)...), Limits{}, "no fragments", "format"},
		{"RLE short header", rle(goodFrame[:40]), Limits{}, "64-byte header", "format"},
		{"RLE segment count", rle(rleFrame([]byte{1, 2, 3, 4}, []byte{1, 2, 3, 4})), Limits{}, "need 1", "format"},
		{"RLE first offset", rle(append(append(bytes.Clone(goodFrame[:4]), 65, 0, 0, 0), goodFrame[8:]...)), Limits{}, "starts at byte 65", "format"},
		{"RLE segment decodes short", rle(rleFrame([]byte{1, 2, 3})), Limits{}, "decodes to 3 bytes, want 4", "format"},
		{"RLE literal past end", rle(append(bytes.Clone(goodFrame[:64]), 5, 1, 2)), Limits{}, "literal run", "format"},
		{"RLE replicate without byte", rle(append(bytes.Clone(goodFrame[:64]), 0xFE)), Limits{}, "no byte to repeat", "format"},
		{"fragment of undefined length", file(RLELossless, append(grey(2, 2, 8, 8, 0, "MONOCHROME2"), attr{tagPixelData, "OB", nil}, attr{tagItem, "", []byte{}}, attr{tagItem, "", nil})...), Limits{}, "undefined length", "format"},
	} {
		_, err := checkDecode(t, tc.b, tc.lim)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		var fe *FormatError
		var ue *UnsupportedError
		var le *LimitError
		kind := map[bool]string{errors.As(err, &fe): "format", errors.As(err, &ue): "unsupported", errors.As(err, &le): "limit"}[true]
		if kind != tc.kind || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s error %q, want a %s error mentioning %q", tc.name, kind, err, tc.kind, tc.want)
		}
	}
}

// TestTruncatedAndDamagedSamples cuts every sample at many lengths and
// flips random bytes: each result decodes or fails cleanly, never panics.
func TestTruncatedAndDamagedSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sampleDir, "*.dcm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", sampleDir, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lim := Limits{MaxPixels: 1 << 20}
	cuts, flips := 300, 200
	if testing.Short() {
		cuts, flips = 60, 30 // the wasm suite
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(b)/cuts)
		for n := 0; n < len(b); n += step {
			if im, err := checkDecode(t, b[:n], lim); err == nil && n < 132 {
				t.Errorf("%s cut to %d bytes decodes to %d×%d", filepath.Base(f), n, im.Rows, im.Cols)
			}
		}
		// Cut inside the pixel data (elements after it are ignored): always
		// an error.
		i := bytes.LastIndex(b, []byte{0xe0, 0x7f, 0x10, 0x00})
		if strings.Contains(f, "bigendian") {
			i = bytes.LastIndex(b, []byte{0x7f, 0xe0, 0x00, 0x10})
		}
		if i < 0 {
			t.Errorf("%s: no pixel data tag found", filepath.Base(f))
		} else if _, err := checkDecode(t, b[:i+20], lim); err == nil {
			t.Errorf("%s cut inside its pixel data decodes", filepath.Base(f))
		}
		for range flips {
			d := bytes.Clone(b)
			for range 1 + rng.IntN(4) {
				d[rng.IntN(len(d))] = byte(rng.IntN(256))
			}
			checkDecode(t, d, lim)
		}
	}
}

// FuzzDecode checks Decode's contract on arbitrary bytes, seeded with the
// small samples and synthetic files.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"MR_small.dcm", "MR_small_RLE.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "SC_rgb_rle.dcm", "JPEG2000.dcm"} {
		f.Add(readSample(f, name))
	}
	f.Add(file(RLELossless, append(grey(2, 2, 8, 8, 0, "MONOCHROME2"), encapsulated(rleFrame([]byte{1, 2, 3, 4}))...)...))
	f.Add(file(ExplicitVRLittleEndian, attr{0x0008_1140, "SQ", nil}, attr{tagItem, "", nil}, attr{tagItemDelim, "", []byte{}}, attr{tagSeqDelim, "", []byte{}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, b, Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 16})
	})
}
