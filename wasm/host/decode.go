package host

import (
	"bytes"
	"errors"
	"math"
	"path"
	"strings"

	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/imageio"
	"saliencyexplorer/wasm/protocol"
)

// IsDICOM reports whether a file is DICOM: a PS3.10 file has "DICM" after
// its 128-byte preamble; a bare data set is recognized by its name only
// (.dcm, .dicom, .dic) and only when it is not a PNG or JPEG.
func IsDICOM(b []byte, name string) bool {
	if len(b) >= 132 && string(b[128:132]) == "DICM" {
		return true
	}
	if bytes.HasPrefix(b, []byte("\x89PNG")) || bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		return false
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".dcm", ".dicom", ".dic":
		return true
	}
	return false
}

// Decode decodes an image file to the current model's input (Open also
// keeps it for later requests). PNG and JPEG
// files come back without display pixels (the page decodes them itself);
// DICOM files come back with their display pixels at full resolution, grey
// (H×W bytes) or RGBA (H×W×4), windowed by the file's window or by
// req.Center and req.Width when req.Window is set.
func (h *Host) Decode(b []byte, req protocol.DecodeRequest) (protocol.Decoded, []float32, []byte, error) {
	if h.cur == nil {
		return protocol.Decoded{}, nil, nil, errors.New("the model is not loaded yet")
	}
	in := h.cur.orig.Input()
	if h.cur.imp != nil {
		return h.decodeImported(b, req, h.cur.imp, in)
	}
	if IsDICOM(b, req.Name) {
		return decodeDICOM(b, req, in.C, in.H, in.W, h.dicomLimits)
	}
	im, err := imageio.Decode(b, in.C, in.H, in.W, h.imageLimits)
	if err != nil {
		var u *imageio.UnsupportedError
		if errors.As(err, &u) && strings.Contains(u.Msg, "not a PNG or JPEG") {
			err = errors.New("this is not a PNG, JPEG or DICOM file")
		}
		return protocol.Decoded{}, nil, nil, err
	}
	return protocol.Decoded{Format: im.Format, Width: im.Width, Height: im.Height, Color: im.Color}, im.Pix, nil, nil
}

// decodeDICOM decodes the first frame of a DICOM file with engine/dicomio.
func decodeDICOM(b []byte, req protocol.DecodeRequest, c, h, w int, lim dicomio.Limits) (protocol.Decoded, []float32, []byte, error) {
	dec, pix, channels, err := dicomPlanes(b, req, lim)
	if err != nil {
		return protocol.Decoded{}, nil, nil, err
	}
	x := make([]float32, c*h*w)
	if err := imageio.ResizePlanes(x, c, h, w, pix, channels, dec.Height, dec.Width); err != nil {
		return protocol.Decoded{}, nil, nil, err
	}
	return dec, x, displayBytes(pix, channels, dec.Height*dec.Width), nil
}

// dicomPlanes decodes the first frame of a DICOM file to planar display
// values in [0, 1] at full resolution (channels 1 or 3), windowed by the
// file's window or by req.Center and req.Width when req.Window is set.
func dicomPlanes(b []byte, req protocol.DecodeRequest, lim dicomio.Limits) (protocol.Decoded, []float32, int, error) {
	im, err := dicomio.Decode(b, lim)
	if err != nil {
		return protocol.Decoded{}, nil, 0, err
	}
	dec := protocol.Decoded{
		Format: "dicom", Width: im.Cols, Height: im.Rows, Color: im.Channels == 3,
		Modality: im.Modality, Photometric: im.PhotometricInterpretation, Frames: im.Frames,
		WindowCenter: im.WindowCenter, WindowWidth: im.WindowWidth, WindowFromFile: im.WindowFromFile,
		DefaultCenter: im.WindowCenter, DefaultWidth: im.WindowWidth,
	}
	pix := im.Pixels
	if req.Window && im.Channels == 1 {
		if math.IsNaN(req.Center) || math.IsInf(req.Center, 0) || !(req.Width >= 1) || math.IsInf(req.Width, 0) {
			return protocol.Decoded{}, nil, 0, errors.New("the window needs a finite centre and a width of at least 1")
		}
		pix = make([]float32, len(im.Values))
		im.Render(pix, req.Center, req.Width)
		dec.WindowCenter, dec.WindowWidth, dec.WindowFromFile = req.Center, req.Width, false
	}
	return dec, pix, im.Channels, nil
}

// displayBytes converts planar display values in [0, 1] to 8-bit pixels:
// one byte per pixel for grey, RGBA for colour.
func displayBytes(pix []float32, channels, n int) []byte {
	q := func(v float32) byte { return byte(min(max(v, 0), 1)*255 + 0.5) }
	if channels == 1 {
		out := make([]byte, n)
		for i, v := range pix[:n] {
			out[i] = q(v)
		}
		return out
	}
	out := make([]byte, 4*n)
	for i := range n {
		out[4*i] = q(pix[i])
		out[4*i+1] = q(pix[n+i])
		out[4*i+2] = q(pix[2*n+i])
		out[4*i+3] = 255
	}
	return out
}
