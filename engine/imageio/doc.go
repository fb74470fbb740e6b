// Package imageio decodes images a user opens in the browser (PNG or JPEG)
// into model input: float32 C×H×W in [0, 1], resized by area averaging to
// the network's input size.
//
// The bytes are untrusted. Decode checks the size limits on the encoded
// length and, through image.DecodeConfig, on the pixel dimensions before it
// decodes anything, so a small file claiming a huge image cannot make the
// engine allocate without bound. Failures are reported as a *FormatError
// (not a readable PNG or JPEG), an *UnsupportedError (readable but of a kind
// not handled) or a *LimitError (too large); each message can be shown to the
// user as is.
//
// Nothing here uses the OS or syscall/js, so the package builds for js/wasm.
package imageio
