// Package imageio decodes images a user opens in the browser (PNG or JPEG)
// into model input: float32 C×H×W in [0, 1], resized to the network's
// input size.
//
// It has two resamplers, one per kind of model. Decode and ResizePlanes
// average areas (each output pixel the mean of the source pixels it
// covers): the built-in models were trained on images made that way, and
// keep them. ResizeBilinear is torchvision's transforms.Resize
// (antialiased bilinear, PIL's BILINEAR filter), for imported models that
// a PyTorch pipeline fed; engine/preproc uses it.
//
// The bytes are untrusted. Decode checks the Limits on the encoded length
// and, through image.DecodeConfig, on the pixel count and on the memory
// decoding needs (from the header's pixel format) before it decodes
// anything, so a small file claiming a huge image (a decompression bomb)
// cannot make the engine allocate without bound. The standard decoders
// cannot decode at a reduced size, so such an image is refused with its
// numbers rather than shrunk while decoding. Failures are reported as a *FormatError
// (not a readable PNG or JPEG), an *UnsupportedError (readable but of a kind
// not handled) or a *LimitError (too large); each message can be shown to the
// user as is.
//
// Nothing here uses the OS or syscall/js, so the package builds for js/wasm.
package imageio
