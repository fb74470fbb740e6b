package host

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/wasm/protocol"
)

// TestSamplePack: a sample pack holds what the engine makes of its
// gallery at start (samplePictures: the keys, PNGs and mask PNGs), and
// every pack that is cut short, made for another gallery, count or data
// set, or carries something else is refused.
func TestSamplePack(t *testing.T) {
	gal := newSite(t).files["models/phantom-samples.safetensors"]
	s, err := data.DecodeGallery(gal)
	if err != nil {
		t.Fatal(err)
	}
	n := s.Len()
	b, err := SamplePack("phantom", gal)
	if err != nil {
		t.Fatal(err)
	}
	p, err := decodeSamplePack(b, "phantom", len(gal), n)
	if err != nil {
		t.Fatal(err)
	}
	want, err := samplePictures("phantom", s, n)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.keys, want.keys) || !slices.EqualFunc(p.bufs, want.bufs, bytes.Equal) || len(p.keys) != n {
		t.Fatalf("the pack holds %d keys %q; the engine makes %q", len(p.keys), p.keys, want.keys)
	}
	for i, k := range p.keys {
		if k != sampleKey("phantom", s.Image(i)) {
			t.Errorf("key %d: %q, want %q", i, k, sampleKey("phantom", s.Image(i)))
		}
	}

	for _, c := range []struct {
		name    string
		b       []byte
		dataset string
		size, n int
	}{
		{"another gallery's size", b, "phantom", len(gal) + 1, n},
		{"another count", b, "phantom", len(gal), n - 1},
		{"another data set", b, "crosses", len(gal), n},
		{"trailing bytes", append(slices.Clip(b), 0), "phantom", len(gal), n},
		{"no magic", b[1:], "phantom", len(gal), n},
		{"not a PNG", bytes.Replace(b, []byte(pngSignature), []byte("\x89PNX\r\n\x1a\n"), 1), "phantom", len(gal), n},
	} {
		if _, err := decodeSamplePack(c.b, c.dataset, c.size, c.n); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	for l := range len(b) {
		if _, err := decodeSamplePack(b[:l], "phantom", len(gal), n); err == nil {
			t.Fatalf("a pack cut to %d of its %d bytes was accepted", l, len(b))
		}
	}
}

// TestSamplePackUsed: with the site's sample pack beside the gallery, the
// engine's samples are the pack's (a pack whose first PNG was altered
// shows through), with the same keys, titles and labels as without it; a
// pack that does not fit the gallery is ignored.
func TestSamplePackUsed(t *testing.T) {
	var warned []string // what the last host warned of
	ready := func(s *site) ([]protocol.Sample, [][]byte) {
		t.Helper()
		h := New(s.fetch)
		warned = nil
		h.Warn = func(text string) { warned = append(warned, text) }
		if err := h.Start(context.Background(), protocol.SelectRequest{Model: "phantom-baseline"}, Status{}); err != nil {
			t.Fatal(err)
		}
		samples, bufs, err := h.Samples(samplesSent, Status{})
		if err != nil {
			t.Fatal(err)
		}
		return samples, bufs
	}
	plain := newSite(t)
	wantS, wantB := ready(plain)
	if plain.fetched["models/phantom-samples.pack.bin"] != 1 {
		t.Errorf("the sample pack was fetched %d times, want once", plain.fetched["models/phantom-samples.pack.bin"])
	}
	if len(wantS) != 6 || len(wantB) != 12 {
		t.Fatalf("%d samples and %d buffers without a pack; want 6 and 12", len(wantS), len(wantB))
	}
	if warned != nil { // a site without packs is a site as it may be
		t.Errorf("without a pack the host warned %q", warned)
	}
	// refused checks that the last host warned once that it refused the
	// pack, for the reason given.
	refused := func(what, reason string) {
		t.Helper()
		if len(warned) != 1 || !strings.Contains(warned[0], "phantom-samples.pack.bin was refused") || !strings.Contains(warned[0], reason) {
			t.Errorf("%s: the host warned %q; want one warning that it refused phantom-samples.pack.bin (%s)", what, warned, reason)
		}
	}

	packed := newSite(t)
	gal := packed.files["models/phantom-samples.safetensors"]
	b, err := SamplePack("phantom", gal)
	if err != nil {
		t.Fatal(err)
	}
	// Alter one byte of the first image's pixels (the stored PNG's last
	// data byte before its IDAT's CRC and IEND): the engine would not make
	// that, so it shows whether the pack was used.
	first := bytes.Index(b, []byte(pngSignature))
	end := bytes.Index(b[first:], []byte("IEND")) + first
	altered := slices.Clone(b)
	altered[end-4-4-4-1] ^= 0xff // before IDAT's CRC, IEND's length, and the adler32
	packed.files["models/phantom-samples.pack.bin"] = altered
	gotS, gotB := ready(packed)
	if !slices.Equal(gotS, wantS) {
		t.Errorf("samples with the pack %+v, without %+v", gotS, wantS)
	}
	if bytes.Equal(gotB[0], wantB[0]) || !slices.EqualFunc(gotB[1:], wantB[1:], bytes.Equal) {
		t.Errorf("with the pack the first PNG is the engine's own (%v) or another differs: the pack was not used", bytes.Equal(gotB[0], wantB[0]))
	}
	if warned != nil {
		t.Errorf("with a pack that fits the host warned %q", warned)
	}

	// A pack made for another gallery (one more sample) is not used.
	other := newSite(t)
	psp, err := data.Phantom(data.PhantomConfig{Size: 64, NTrain: 2, NValid: 2, NTest: 7, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	bigPack, err := SamplePack("phantom", gallery(t, psp.Test, 7))
	if err != nil {
		t.Fatal(err)
	}
	other.files["models/phantom-samples.pack.bin"] = bigPack
	gotS, gotB = ready(other)
	if !slices.Equal(gotS, wantS) || !slices.EqualFunc(gotB, wantB, bytes.Equal) {
		t.Errorf("a pack of another gallery changed the samples: %+v", gotS)
	}
	refused("a pack of another gallery", "7 samples")

	// Nor one of a gallery of the same size and count but other images
	// (another seed): its keys are not the gallery's.
	same := newSite(t)
	psp, err = data.Phantom(data.PhantomConfig{Size: 64, NTrain: 2, NValid: 2, NTest: 6, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	stale := gallery(t, psp.Test, 6)
	if len(stale) != len(gal) || bytes.Equal(stale, gal) {
		t.Fatalf("the other gallery has %d bytes, the site's %d (equal: %v): the case needs the same size and other images", len(stale), len(gal), bytes.Equal(stale, gal))
	}
	if same.files["models/phantom-samples.pack.bin"], err = SamplePack("phantom", stale); err != nil {
		t.Fatal(err)
	}
	gotS, gotB = ready(same)
	if !slices.Equal(gotS, wantS) || !slices.EqualFunc(gotB, wantB, bytes.Equal) {
		t.Errorf("a pack of a same-sized gallery of other images changed the samples: %+v", gotS)
	}
	refused("a pack of a same-sized gallery", "not the gallery's")

	// A pack cut short.
	short := newSite(t)
	short.files["models/phantom-samples.pack.bin"] = b[:len(b)/2]
	gotS, gotB = ready(short)
	if !slices.Equal(gotS, wantS) || !slices.EqualFunc(gotB, wantB, bytes.Equal) {
		t.Errorf("a pack cut short changed the samples: %+v", gotS)
	}
	refused("a pack cut short", "cut short")
}
