package data

import (
	"slices"
	"strings"
	"testing"
)

func TestGalleryRoundTrip(t *testing.T) {
	sp, err := Crosses(DefaultCrosses(3))
	if err != nil {
		t.Fatal(err)
	}
	set := sp.Test.Subset([]int{0, 1, 2, 3, 4})
	b, err := EncodeGallery(set)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeGallery(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != set.Name || got.Len() != 5 || got.C != 1 || got.H != 28 || len(got.ClassNames) != 2 {
		t.Fatalf("decoded %q with %d images of %d×%d×%d", got.Name, got.Len(), got.C, got.H, got.W)
	}
	for i := range set.Images {
		if got.Images[i] != set.Images[i] {
			t.Fatalf("image value %d differs", i)
		}
	}
	for i := range set.Labels {
		if got.Labels[i] != set.Labels[i] {
			t.Fatalf("label %d = %d, want %d", i, got.Labels[i], set.Labels[i])
		}
	}
}

func TestGalleryRejects(t *testing.T) {
	sp, _ := Crosses(DefaultCrosses(3))
	set := sp.Test.Subset([]int{0, 1})
	good, _ := EncodeGallery(set)
	bad := set.Subset([]int{0, 1})
	bad.Labels[1] = 7
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "safetensors"},
		{"truncated", good[:len(good)-4], "safetensors"},
		{"no images", func() []byte { b, _ := EncodeGallery(set.Subset(nil)); return b }(), "no images"},
	} {
		if _, err := DecodeGallery(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := EncodeGallery(bad); err == nil {
		t.Error("EncodeGallery accepted a label out of range")
	}
}

// FuzzDecodeGallery checks DecodeGallery's contract on arbitrary bytes: an
// error and no set, or a set that validates and encodes back to a gallery
// that decodes to the same set.
func FuzzDecodeGallery(f *testing.F) {
	sp, err := Crosses(CrossesConfig{Size: 12, NTrain: 1, NValid: 1, NTest: 3, Seed: 4})
	if err != nil {
		f.Fatal(err)
	}
	good, err := EncodeGallery(sp.Test)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	empty, _ := EncodeGallery(sp.Test.Subset(nil))
	f.Add(empty)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeGallery(b)
		if err != nil {
			if s != nil {
				t.Fatalf("a set with the error %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("DecodeGallery returned an invalid set: %v", err)
		}
		again, err := EncodeGallery(s)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		back, err := DecodeGallery(again)
		if err != nil || back.Len() != s.Len() || back.C != s.C || back.H != s.H || back.W != s.W || !slices.Equal(back.Labels, s.Labels) || !slices.Equal(back.Images, s.Images) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
