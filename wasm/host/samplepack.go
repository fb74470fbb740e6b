package host

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"strings"

	"saliencyexplorer/engine/data"
)

// A sample pack holds what the engine's Ready sends of a shipped sample
// gallery, made when the site is built (wasm/samplepack) instead of in the
// browser at every start: each sample's key (sampleKey), its PNG and its
// reference mask's PNG, for the gallery's first min(N, maxSamples) images.
// Making them took the engine worker 50–150 ms of its start-up in the
// browser (the PNGs and the SHA-256 of every image, in code V8 had not
// optimised yet; issue #12). The pack lies beside its gallery, named
// SamplePackName(gallery file); without it, or if it does not fit the
// gallery, the worker makes them as before.
//
// The format: samplePackMagic, the gallery file's size and the sample
// count as little-endian uint32s, then per sample the key (uint16 length,
// bytes), the image PNG and the mask PNG (each a uint32 length, bytes).
const samplePackMagic = "saliency-explorer samples 1\n"

// SamplePackName is the file name of the sample pack of a gallery file:
// its name with ".pack.bin" for its extension (a type the site's server
// serves). assets/worker.js (fetchAhead) copies it: change both together.
func SamplePackName(gallery string) string {
	return strings.TrimSuffix(gallery, path.Ext(gallery)) + ".pack.bin"
}

// samplePack is a decoded sample pack.
type samplePack struct {
	keys []string
	bufs [][]byte // image and mask PNG per sample
}

// samplePictures makes the keys, PNGs and mask PNGs of the first n images
// of s, a set of data set dataset.
func samplePictures(dataset string, s *data.Set, n int) (*samplePack, error) {
	p := &samplePack{}
	maskSet := &data.Set{Name: s.Name + "/masks", C: 1, H: s.H, W: s.W, ClassNames: s.ClassNames, Images: s.Masks, Labels: s.Labels}
	for i := range n {
		img, err := s.PNG(i)
		if err != nil {
			return nil, err
		}
		m, err := maskSet.PNG(i)
		if err != nil {
			return nil, err
		}
		p.keys = append(p.keys, sampleKey(dataset, s.Image(i)))
		p.bufs = append(p.bufs, img, m)
	}
	return p, nil
}

// SamplePack makes the sample pack of a gallery file (its bytes) of data
// set dataset: what the engine would make of it at start.
func SamplePack(dataset string, gallery []byte) ([]byte, error) {
	s, err := data.DecodeGallery(gallery)
	if err != nil {
		return nil, err
	}
	p, err := samplePictures(dataset, s, min(s.Len(), maxSamples))
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	b := le.AppendUint32([]byte(samplePackMagic), uint32(len(gallery)))
	b = le.AppendUint32(b, uint32(len(p.keys)))
	for i, k := range p.keys {
		b = append(le.AppendUint16(b, uint16(len(k))), k...)
		for _, buf := range p.bufs[2*i : 2*i+2] {
			b = append(le.AppendUint32(b, uint32(len(buf))), buf...)
		}
	}
	return b, nil
}

// pngSignature starts every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// decodeSamplePack reads a sample pack made for a gallery file of
// gallerySize bytes holding n samples of data set dataset. It refuses a
// pack of another gallery, another count or data set, or one that is cut
// short or malformed.
func decodeSamplePack(b []byte, dataset string, gallerySize, n int) (*samplePack, error) {
	rest, ok := bytes.CutPrefix(b, []byte(samplePackMagic))
	if !ok {
		return nil, errors.New("not a sample pack")
	}
	u32 := func() (int, bool) {
		if len(rest) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
		return int(v), true
	}
	size, ok1 := u32()
	count, ok2 := u32()
	if !ok1 || !ok2 {
		return nil, errors.New("sample pack cut short")
	}
	if size != gallerySize || count != n {
		return nil, fmt.Errorf("sample pack of a gallery of %d bytes and %d samples; the gallery has %d bytes and %d samples", size, count, gallerySize, n)
	}
	p := &samplePack{keys: make([]string, 0, n), bufs: make([][]byte, 0, 2*n)}
	for i := range n {
		if len(rest) < 2 {
			return nil, fmt.Errorf("sample pack cut short at sample %d", i)
		}
		kl := int(binary.LittleEndian.Uint16(rest))
		rest = rest[2:]
		if len(rest) < kl {
			return nil, fmt.Errorf("sample pack cut short at sample %d", i)
		}
		k := string(rest[:kl])
		rest = rest[kl:]
		if !strings.HasPrefix(k, dataset+"-") || len(k) != len(dataset)+1+2*sampleKeyBytes {
			return nil, fmt.Errorf("sample pack: key %q of sample %d is not a %s sample's", k, i, dataset)
		}
		p.keys = append(p.keys, k)
		for range 2 {
			l, ok := u32()
			if !ok || l > len(rest) {
				return nil, fmt.Errorf("sample pack cut short at sample %d", i)
			}
			if !strings.HasPrefix(string(rest[:min(l, len(pngSignature))]), pngSignature) {
				return nil, fmt.Errorf("sample pack: sample %d holds no PNG", i)
			}
			p.bufs = append(p.bufs, rest[:l:l])
			rest = rest[l:]
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("sample pack has %d bytes after its last sample", len(rest))
	}
	return p, nil
}

// fits reports whether p, if not nil, was made from gallery's images: a
// gallery rebuilt with other images of the same shape has the same size
// and count, so its first and last samples' keys are checked (two
// SHA-256s of one image each).
func (p *samplePack) fits(dataset string, gallery *data.Set) bool {
	if p == nil || len(p.keys) == 0 {
		return false
	}
	last := len(p.keys) - 1
	return p.keys[0] == sampleKey(dataset, gallery.Image(0)) && p.keys[last] == sampleKey(dataset, gallery.Image(last))
}
