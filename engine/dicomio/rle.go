package dicomio

import "encoding/binary"

// decodeRLE decodes one RLE Lossless frame (PS3.5 Annex G) of n pixels with
// the given samples per pixel and bytes per sample into sample-major stored
// values, out[s*n + p].
//
// The frame starts with a 64-byte header: the number of segments (one per
// byte of each sample, most significant byte first, so samples × bytes per
// sample, at most 15) and fifteen little-endian segment offsets from the
// start of the frame. Each segment is a PackBits stream (G.3.1) that decodes
// to exactly n bytes; decoding stops there, so a segment cannot expand past
// the frame.
func decodeRLE(frame []byte, n, samples, bps int) ([]uint32, error) {
	if len(frame) < 64 {
		return nil, formatf("the RLE frame has %d bytes, less than its 64-byte header", len(frame))
	}
	nseg := int(binary.LittleEndian.Uint32(frame))
	if want := samples * bps; nseg != want {
		return nil, formatf("the RLE frame has %d segments; %d sample(s) of %d byte(s) need %d", nseg, samples, bps, want)
	}
	var offs [16]int
	for i := range nseg {
		offs[i] = int(binary.LittleEndian.Uint32(frame[4+4*i:]))
	}
	offs[nseg] = len(frame)
	if offs[0] != 64 {
		return nil, formatf("the first RLE segment starts at byte %d, want 64", offs[0])
	}
	for i := range nseg {
		if offs[i+1] < offs[i] || offs[i+1] > len(frame) {
			return nil, formatf("RLE segment %d spans bytes %d to %d of a %d-byte frame", i, offs[i], offs[i+1], len(frame))
		}
	}
	out := make([]uint32, samples*n)
	seg := make([]byte, n)
	for i := range nseg {
		if err := unpackBits(seg, frame[offs[i]:offs[i+1]]); err != nil {
			return nil, formatf("RLE segment %d: %v", i, err)
		}
		s, shift := i/bps, 8*(bps-1-i%bps)
		dst := out[s*n : (s+1)*n]
		for p, v := range seg {
			dst[p] |= uint32(v) << shift
		}
	}
	return out, nil
}

// unpackBits fills dst from the PackBits stream src (PS3.5 G.3.1): a header
// byte h ≥ 0 copies the next h+1 bytes, −127 ≤ h ≤ −1 repeats the next byte
// 1−h times, −128 does nothing. Bytes after dst is full are ignored
// (encoders may pad a segment to an even length); a stream that ends before
// dst is full is an error.
func unpackBits(dst, src []byte) error {
	o, i := 0, 0
	for o < len(dst) {
		if i >= len(src) {
			return formatf("decodes to %d bytes, want %d", o, len(dst))
		}
		h := int(int8(src[i]))
		i++
		switch {
		case h >= 0:
			k := h + 1
			if i+k > len(src) {
				return formatf("a literal run of %d bytes passes the end of the segment", k)
			}
			if o+k > len(dst) {
				k = len(dst) - o
			}
			copy(dst[o:], src[i:i+k])
			i += h + 1
			o += k
		case h >= -127:
			if i >= len(src) {
				return formatf("a replicate run has no byte to repeat")
			}
			k := min(1-h, len(dst)-o)
			v := src[i]
			i++
			for j := range k {
				dst[o+j] = v
			}
			o += k
		}
	}
	return nil
}
