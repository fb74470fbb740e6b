package host

import (
	"errors"
	"fmt"

	"saliencyexplorer/engine/nn"
	"saliencyexplorer/wasm/protocol"
)

// maxPictures is how many pictures the Host keeps: the page shows one at a
// time, and keeps the last few for switching back and forth; an older one
// is decoded again when the page opens it again.
const maxPictures = 8

// picture is an image file the page opened, kept under the page's key so
// that requests about it name it instead of sending its input again.
type picture struct {
	file []byte
	req  protocol.DecodeRequest
	in   nn.Shape  // the model input x was made for
	form string    // and the preprocessing (inputForm)
	x    []float32 // the model input
	used uint64    // when it was last used, for dropping the oldest
}

// pictures is the Host's store of pictures by key.
type pictures struct {
	byKey map[string]*picture
	clock uint64
}

// ErrNoPicture is returned for a request naming a picture the Host does
// not hold (never opened, or dropped as the oldest): the page opens it
// again.
var ErrNoPicture = errors.New("host: the engine no longer holds this image; open it again")

// Open decodes an image file as Decode does and, if key is not empty,
// keeps it under key (replacing what key held), dropping the least
// recently used picture beyond maxPictures.
func (h *Host) Open(key string, file []byte, req protocol.DecodeRequest) (protocol.Decoded, []float32, []byte, error) {
	dec, x, disp, err := h.Decode(file, req)
	if err != nil || key == "" {
		return dec, x, disp, err
	}
	h.pics.put(key, &picture{file: file, req: req, in: h.cur.orig.Input(), form: h.inputForm(), x: x})
	return dec, x, disp, nil
}

// Keep keeps a model input the page holds under key (an image of the
// user's whose file is gone after a reload, stored at the model's input
// size), so that requests can name it. It must fit the current model.
func (h *Host) Keep(key string, x []float32) error {
	if key == "" {
		return errors.New("host: an image to keep needs a key")
	}
	if err := h.checkInput(x); err != nil {
		return err
	}
	h.pics.put(key, &picture{in: h.cur.orig.Input(), form: h.inputForm(), x: x})
	return nil
}

// put keeps q under key, replacing what key held, and drops the least
// recently used picture beyond maxPictures.
func (p *pictures) put(key string, q *picture) {
	if p.byKey == nil {
		p.byKey = map[string]*picture{}
	}
	p.clock++
	q.used = p.clock
	p.byKey[key] = q
	for len(p.byKey) > maxPictures {
		oldest := ""
		for k, q := range p.byKey {
			if oldest == "" || q.used < p.byKey[oldest].used {
				oldest = k
			}
		}
		delete(p.byKey, oldest)
	}
}

// Input returns the current model's input for the picture kept under key,
// decoding the kept file again if the model's input shape has changed
// since (another model was selected).
func (h *Host) Input(key string) ([]float32, error) {
	q, ok := h.pics.byKey[key]
	if !ok {
		return nil, ErrNoPicture
	}
	if h.cur == nil {
		return nil, errors.New("the model is not loaded yet")
	}
	h.pics.clock++
	q.used = h.pics.clock
	if in, form := h.cur.orig.Input(), h.inputForm(); in != q.in || form != q.form {
		if q.file == nil {
			return nil, fmt.Errorf("host: the image was kept at %d×%d for another model's input; open its file again", q.in.W, q.in.H)
		}
		_, x, _, err := h.Decode(q.file, q.req)
		if err != nil {
			return nil, fmt.Errorf("host: decoding the image again for this model: %w", err)
		}
		q.in, q.form, q.x = in, form, x
	}
	return q.x, nil
}

// RequestInput returns the input a Predict or Saliency request is about:
// the picture it names, kept by Open or Keep. A request does not carry the
// input itself (the page sent it with every request before pictures were
// kept; now it sends a key).
func (h *Host) RequestInput(picture string, bufs [][]byte) ([]float32, error) {
	switch {
	case len(bufs) > 0:
		return nil, fmt.Errorf("host: a request names its image (Picture) instead of sending it (%d buffers)", len(bufs))
	case picture == "":
		return nil, errors.New("no image")
	}
	return h.Input(picture)
}

// inputForm names how the current model makes its input from an image
// beyond its shape: "" for the built-in networks, which stretch to [0, 1];
// for an imported model, its key and its preprocessing's version, so that
// a picture kept for another model or before an edit of the model card is
// decoded again.
func (h *Host) inputForm() string {
	if h.cur == nil || h.cur.imp == nil {
		return ""
	}
	return fmt.Sprintf("%p/%d", h.cur.imp, h.cur.imp.form)
}
