// Package dicomio decodes DICOM files (PS3.10 files, or bare PS3.5 data
// sets) a user opens in the browser into display values: the first frame's
// stored values, rescaled to modality values (slope and intercept, e.g.
// Hounsfield units for CT), windowed by the file's window centre and width
// (or by the image's minimum and maximum) and inverted for MONOCHROME1, as
// float32 in [0, 1].
//
// Transfer syntaxes: Implicit VR Little Endian, Explicit VR Little Endian,
// Explicit VR Big Endian (retired, still met), Deflated Explicit VR Little
// Endian and RLE Lossless (PS3.5 Annex G). The JPEG family (baseline,
// extended, lossless), JPEG-LS, JPEG 2000, HTJ2K and the video syntaxes give
// an *UnsupportedError that names the syntax. Pixels: 1 sample (MONOCHROME1,
// MONOCHROME2) or 3 (RGB), 8, 16 or 32 bits allocated, any bits stored up to
// that, unsigned or two's complement.
//
// The bytes are untrusted. The parser here works on the byte slice itself:
// every value length is checked against the bytes that remain before it is
// used, nested sequences are skipped to a bounded depth, the pixel count is
// checked against Limits before any pixel buffer is allocated, and
// decompression (deflate, RLE) stops at the size the header announces.
// Failures are a *FormatError (not valid DICOM, truncated or inconsistent),
// an *UnsupportedError (valid but not handled) or a *LimitError (too large),
// each with a message that can be shown to the user; Decode never panics
// and never returns an image with an error.
//
// github.com/suyashkumar/dicom v1.0.7 builds for js/wasm and parses the
// samples, but it allocates value buffers of the length a header claims
// before reading them (make([]byte, vl) in readBytes, ReadString and
// readRawItem), so a 362-byte file claiming a 4 GB element makes the wasm
// worker die with "fatal error: out of memory", which no recover can catch;
// it also indexes and type-asserts parsed values without checks and keeps
// native pixels as one []int per pixel. The tests use it as an independent
// reader to cross-check this package's header values and native pixels.
//
// Nothing here uses the OS or syscall/js, so the package builds for js/wasm.
package dicomio
