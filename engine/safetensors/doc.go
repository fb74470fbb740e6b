// Package safetensors reads and writes model weights in the safetensors
// format (https://github.com/huggingface/safetensors, format description at
// https://huggingface.co/docs/safetensors).
//
// A safetensors file is laid out as
//
//	8 bytes   N, an unsigned little-endian 64-bit integer
//	N bytes   a UTF-8 JSON object, possibly padded with trailing spaces
//	rest      the byte buffer holding every tensor's little-endian data
//
// The JSON header maps each tensor name to
//
//	{"dtype": "F32", "shape": [3, 3], "data_offsets": [begin, end]}
//
// where begin and end are byte offsets relative to the start of the byte
// buffer. The optional key "__metadata__" maps to an object of string
// values. The tensors must cover the byte buffer exactly: no overlaps, no
// holes, no trailing bytes.
//
// The package is built for the Saliency Explorer CNN engine, so it only
// handles float32 weights in memory: [Decode] accepts F32, F16 and F64 data
// (converting to float32) and rejects any other dtype with an
// [UnsupportedError]. Every other defect of the file, including NaN or
// infinite weights and violations of the [Limits], is reported as a
// [FormatError]. [Encode] always writes F32.
//
// Decode is meant to be safe on untrusted input: it never panics, and the
// memory it allocates is bounded by a small multiple of the input size.
package safetensors
