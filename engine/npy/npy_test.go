package npy

import (
	"bytes"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The testdata files were written by NumPy 1.24's np.save.
func TestDecodeNumPyFiles(t *testing.T) {
	for _, c := range []struct {
		file  string
		shape []int
		data  []float64
	}{
		{"f4_2x3.npy", []int{2, 3}, []float64{1.5, -2, 3, 4, float64(float32(5e-3)), math.Copysign(0, -1)}},
		{"f8_3.npy", []int{3}, []float64{math.Pi, -1e300, 5e-324}},
		{"i8_2x2.npy", []int{2, 2}, []float64{-1, 2, 3, 1 << 40}},
		{"i4_2.npy", []int{2}, []float64{-7, 7}},
		{"u1_4.npy", []int{4}, []float64{0, 1, 128, 255}},
		{"b1_3.npy", []int{3}, []float64{1, 0, 1}},
		{"scalar.npy", []int{}, []float64{2.5}},
		{"empty_0x3.npy", []int{0, 3}, []float64{}},
		{"v2.npy", []int{3, 2}, []float64{0, 1, 2, 3, 4, 5}},
	} {
		b, err := os.ReadFile("testdata/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !reflect.DeepEqual(a.Shape, c.shape) || !reflect.DeepEqual(a.Data, c.data) {
			t.Errorf("%s: shape %v data %v, want %v %v", c.file, a.Shape, a.Data, c.shape, c.data)
		}
		for i := range c.data {
			if math.Signbit(a.Data[i]) != math.Signbit(c.data[i]) {
				t.Errorf("%s: sign of value %d lost", c.file, i)
			}
		}
	}
}

// TestEncodeMatchesNumPy checks Encode byte for byte against np.save.
func TestEncodeMatchesNumPy(t *testing.T) {
	want, err := os.ReadFile("testdata/f4_2x3.npy")
	if err != nil {
		t.Fatal(err)
	}
	got := Encode([]int{2, 3}, []float32{1.5, -2, 3, 4, 5e-3, float32(math.Copysign(0, -1))})
	if !bytes.Equal(got, want) {
		t.Errorf("Encode differs from np.save:\ngot  %q\nwant %q", got, want)
	}
	for _, shape := range [][]int{{}, {3}, {0, 2}, {1, 3, 2, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i) - 0.5
		}
		a, err := Decode(Encode(shape, data))
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if !reflect.DeepEqual(a.Shape, shape) || !reflect.DeepEqual(a.Float32s(), data) || a.Descr != "<f4" {
			t.Errorf("round trip of %v gave %v %v", shape, a.Shape, a.Data)
		}
		if l := len(Encode(shape, data)) - 4*n; l%64 != 0 {
			t.Errorf("%v: data starts at %d, not a multiple of 64", shape, l)
		}
	}
}

func TestCorrupt(t *testing.T) {
	good := Encode([]int{2, 2}, []float32{1, 2, 3, 4})
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	withHeader := func(h string) []byte {
		b := []byte(magic + "\x01\x00")
		b = append(b, byte(len(h)), byte(len(h)>>8))
		return append(b, h...)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "no \\x93NUMPY magic"},
		{"png", []byte("\x89PNG\r\n\x1a\n...."), "magic"},
		{"truncated data", good[:len(good)-1], "needs 16 data bytes, the file has 15"},
		{"trailing data", append(append([]byte{}, good...), 0), "the file has 17"},
		{"header beyond the end", good[:20], "header of"},
		{"version 9", append([]byte(magic+"\x09\x00"), good[8:]...), "format version 9"},
		{"fortran order", read("fortran.npy"), "Fortran-order"},
		{"big-endian", read("bigendian.npy"), `dtype ">f4"`},
		{"huge shape", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }"), "needs more than the 0 data bytes"},
		{"negative dim", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "shape dimension"},
		{"not a dict", withHeader("descr"), "not a dict"},
		{"missing shape", withHeader("{'descr': '<f4', 'fortran_order': False}"), "lacks"},
		{"unknown key", withHeader("{'descr': '<f4', 'x': 1}"), "unknown header key"},
	} {
		a, err := Decode(c.b)
		var fe *FormatError
		if err == nil || a != nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: array %v, error %v; want a FormatError containing %q", c.name, a, err, c.want)
		}
	}
	if _, err := Read(bytes.NewReader(good), 10); err == nil || !strings.Contains(err.Error(), "larger than 10") {
		t.Errorf("Read over its limit: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"f4_2x3.npy", "i8_2x2.npy", "v2.npy", "scalar.npy"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if (a == nil) == (err == nil) {
			t.Fatalf("array %v with error %v", a, err)
		}
		if err == nil {
			n := 1
			for _, d := range a.Shape {
				n *= d
			}
			if n != len(a.Data) {
				t.Fatalf("shape %v with %d values", a.Shape, len(a.Data))
			}
		}
	})
}
