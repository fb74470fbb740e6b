package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds an IDX file: magic 0 0 typ nd, dims, then data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	data := make([]uint8, 3*4*5)
	for i := range data {
		data[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := EncodeIDX(&buf, []int{3, 4, 5}, data); err != nil {
		t.Fatal(err)
	}
	if want := idxBytes(IDXUint8, []uint32{3, 4, 5}, data); !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("EncodeIDX wrote % x, want % x", buf.Bytes(), want)
	}
	for name, file := range map[string][]byte{"plain": buf.Bytes(), "gzip": gz(t, buf.Bytes())} {
		x, err := DecodeIDX(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := x.Uint8()
		if err != nil || !slices.Equal(x.Dims, []int{3, 4, 5}) || !slices.Equal(got, data) || x.Len() != 60 {
			t.Errorf("%s: dims %v, %d elements, err %v; want [3 4 5] and the data back", name, x.Dims, len(got), err)
		}
	}
	// Other element types decode as raw bytes; Uint8 refuses them.
	x, err := DecodeIDX(bytes.NewReader(idxBytes(IDXInt16, []uint32{2}, []byte{0, 1, 0xff, 0xfe})))
	if err != nil || x.Type != IDXInt16 || len(x.Data) != 4 {
		t.Fatalf("int16 file: %+v, %v", x, err)
	}
	if _, err := x.Uint8(); err == nil {
		t.Errorf("Uint8 of an int16 file: no error")
	}
	for _, bad := range [][]int{nil, {0}, {2, -1}, {1 << 20, 1 << 20}} {
		if err := EncodeIDX(io.Discard, bad, nil); err == nil {
			t.Errorf("EncodeIDX(%v): no error", bad)
		}
	}
	if err := EncodeIDX(io.Discard, []int{2, 2}, make([]uint8, 3)); err == nil {
		t.Errorf("EncodeIDX with 3 elements for 2×2: no error")
	}
}

func TestIDXCorrupt(t *testing.T) {
	good := idxBytes(IDXUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	badSum := gz(t, good)
	badSum[len(badSum)-8] ^= 0xff // CRC-32 in the gzip trailer
	for _, tc := range []struct {
		name string
		file []byte
		want string // substring of the error; "EOF" means io.ErrUnexpectedEOF
	}{
		{"empty", nil, "EOF"},
		{"short magic", []byte{0, 0, 8}, "EOF"},
		{"magic not zero", []byte{1, 0, 8, 1, 0, 0, 0, 1, 9}, "two zero bytes"},
		{"unknown type", idxBytes(0x0A, []uint32{1}, []byte{0}), "unknown element type 0x0a"},
		{"no dimensions", idxBytes(IDXUint8, nil, nil), "0 dimensions"},
		{"17 dimensions", idxBytes(IDXUint8, make([]uint32, 17), nil), "17 dimensions"},
		{"truncated dimensions", good[:9], "EOF"},
		{"zero dimension", idxBytes(IDXUint8, []uint32{2, 0}, nil), "dimension 1 is zero"},
		{"huge dimension", idxBytes(IDXUint8, []uint32{0xffffffff}, nil), "exceed"},
		{"overflowing product", idxBytes(IDXFloat64, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "exceed"},
		{"just over the limit", idxBytes(IDXInt32, []uint32{1 << 13, 1<<13 + 1}, nil), "exceed"},
		{"truncated data", good[:len(good)-1], "EOF"},
		{"trailing data", append(slices.Clip(good), 0), "data continues"},
		{"gzip header only", []byte{0x1f, 0x8b}, "gzip"},
		{"gzip truncated", gz(t, good)[:20], "EOF"},
		{"gzip bad checksum", badSum, "checksum"},
		{"gzip of trailing data", gz(t, append(slices.Clip(good), 7)), "data continues"},
	} {
		x, err := DecodeIDX(bytes.NewReader(tc.file))
		if x != nil {
			t.Errorf("%s: returned a value with error %v", tc.name, err)
		}
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.name)
		case tc.want == "EOF":
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: error %q does not wrap io.ErrUnexpectedEOF", tc.name, err)
			}
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: error %q, want it to mention %q", tc.name, err, tc.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "data: idx: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
	// Format errors have their own type.
	_, err := DecodeIDX(bytes.NewReader(idxBytes(IDXUint8, []uint32{0}, nil)))
	var fe IDXFormatError
	if !errors.As(err, &fe) {
		t.Errorf("zero dimension: error %T, want IDXFormatError", err)
	}
}

// FuzzDecodeIDX checks that no input makes DecodeIDX panic, return a value
// with an error, or return elements that disagree with its dimensions.
func FuzzDecodeIDX(f *testing.F) {
	good := idxBytes(IDXUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	f.Add(good)
	f.Add(gz(f, good))
	f.Add(idxBytes(IDXFloat32, []uint32{1, 1}, []byte{0x3f, 0x80, 0, 0}))
	f.Add(idxBytes(IDXUint8, []uint32{0xffffffff, 2}, nil))
	f.Add(good[:7])
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeIDX(bytes.NewReader(b))
		if err != nil {
			if x != nil {
				t.Fatalf("value and error %v", err)
			}
			return
		}
		if len(x.Data) != x.Len()*idxElemSize(x.Type) || len(x.Data) > IDXMaxBytes {
			t.Fatalf("%d bytes for dims %v of type 0x%02x", len(x.Data), x.Dims, x.Type)
		}
		if x.Type == IDXUint8 && (len(b) < 2 || b[0] != 0x1f) {
			var buf bytes.Buffer
			if err := EncodeIDX(&buf, x.Dims, x.Data); err != nil || !bytes.Equal(buf.Bytes(), b) {
				t.Fatalf("re-encoding differs from the input (err %v)", err)
			}
		}
	})
}
