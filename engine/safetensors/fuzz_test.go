package safetensors

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics, that it returns a typed
// error and nothing else on failure, and that whatever it accepts survives
// an Encode/Decode round trip unchanged. The seed corpus lives in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(rawFile(`{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, le32(1, 2)))
	f.Add(rawFile(`{"h":{"dtype":"F16","shape":[1,2],"data_offsets":[0,4]},"d":{"dtype":"F64","shape":[],"data_offsets":[4,12]}}`, append(le16(0x3c00, 0x0001), le64(0.25)...)))
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := Decode(data, DefaultLimits())
		if err != nil {
			if tensors != nil || meta != nil {
				t.Fatalf("Decode returned tensors %v and metadata %v alongside error %v", tensors, meta, err)
			}
			var fe *FormatError
			var ue *UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("Decode error %v is a %T, want *FormatError or *UnsupportedError", err, err)
			}
			return
		}

		elems := 0
		for _, ts := range tensors {
			n, ok := numElements(ts.Shape)
			if !ok || n != len(ts.Data) {
				t.Fatalf("tensor %q: shape %v does not match %d values", ts.Name, ts.Shape, len(ts.Data))
			}
			for i, v := range ts.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("tensor %q: Decode accepted non-finite value %v at index %d", ts.Name, v, i)
				}
			}
			elems += n
		}
		if elems > len(data) {
			t.Fatalf("Decode returned %d elements from %d bytes", elems, len(data))
		}

		var buf bytes.Buffer
		if err := Encode(&buf, tensors, meta); err != nil {
			t.Fatalf("Encode of decoded tensors: %v", err)
		}
		// Canonical re-encoding can lengthen the header slightly (escapes,
		// padding), so allow for that.
		lim := DefaultLimits()
		lim.MaxHeaderBytes = max(lim.MaxHeaderBytes, buf.Len())
		tensors2, meta2, err := Decode(buf.Bytes(), lim)
		if err != nil {
			t.Fatalf("Decode of re-encoded file: %v\nfile: %q", err, buf.Bytes())
		}
		if !sameTensors(tensors, tensors2) {
			t.Fatalf("round trip changed tensors:\n got %v\nwant %v", tensors2, tensors)
		}
		if !sameMetadata(meta, meta2) {
			t.Fatalf("round trip changed metadata: got %v, want %v", meta2, meta)
		}
	})
}

// TestSeedCorpus checks that the committed seeds named valid_* decode and
// those named bad_* do not, so the corpus keeps covering both paths.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range files {
		raw, err := os.ReadFile(filepath.Join(dir, fi.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(string(raw), "go test fuzz v1\n[]byte(")
		lit, ok2 := strings.CutSuffix(strings.TrimSpace(lit), ")")
		if !ok || !ok2 {
			t.Errorf("%s: not a single []byte seed in go test fuzz v1 format", fi.Name())
			continue
		}
		s, err := strconv.Unquote(lit)
		if err != nil {
			t.Errorf("%s: %v", fi.Name(), err)
			continue
		}
		_, _, err = Decode([]byte(s), DefaultLimits())
		switch {
		case strings.HasPrefix(fi.Name(), "valid_") && err != nil:
			t.Errorf("%s: Decode: %v", fi.Name(), err)
		case strings.HasPrefix(fi.Name(), "bad_") && err == nil:
			t.Errorf("%s: Decode succeeded, want an error", fi.Name())
		}
	}
}
