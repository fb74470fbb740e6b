package ui

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// SampleItem is a built-in example image.
type SampleItem struct {
	protocol.Sample
	URL  string // blob URL of its PNG
	png  []byte
	mask []byte // reference mask PNG, as shipped
	// objMask is the object mask when the shipped mask marks everything
	// but the shortcut (objectMask computes it once).
	objMask []byte
	objDone bool
}

// realIndex is the site's list of real images (see wasm/sampleindex).
const realIndex = "samples/index.json"

// RealItem is one of the site's real images (DICOM, PNG, JPEG).
type RealItem struct {
	protocol.RealImage
	Key string // picture key: "real-" + file
}

// ThumbURL is the item's thumbnail, or "".
func (r *RealItem) ThumbURL() string {
	if r.Thumb == "" {
		return ""
	}
	return loader().Call("url", "samples/"+r.Thumb).String()
}

// Caption describes the item under its thumbnail.
func (r *RealItem) Caption() string {
	if !r.Supported {
		return "not supported"
	}
	s := fmt.Sprintf("%d×%d", r.Width, r.Height)
	if r.Modality != "" {
		s = r.Modality + " " + s
	}
	return s
}

// Tooltip describes the item in full.
func (r *RealItem) Tooltip() string {
	parts := []string{r.Title + " (" + strings.ToUpper(r.Format) + ", " + fmt.Sprintf("%.0f kB", float64(r.Bytes)/1024) + ")"}
	if r.About != "" {
		parts = append(parts, r.About)
	}
	if r.Problem != "" {
		parts = append(parts, r.Problem)
	}
	if r.Source != "" {
		parts = append(parts, "Source: "+r.Source)
	}
	return strings.Join(parts, "\n")
}

// Library is what the user can open: the data set's samples, the site's
// real images, and the user's own images with their labels (kept in the
// browser), the files opened in this page and the DICOM windows chosen.
type Library struct {
	Samples []*SampleItem
	// HoldSamples keeps the sample thumbnails off the page while the first
	// picture after the page loads is opened, so that the page's render
	// when the engine is ready is light and the first map is asked for
	// sooner (issue #12); see ShownSamples.
	HoldSamples bool
	Real        []*RealItem
	RealMsg     string // why the real images are missing, if they are
	UserImages  []*UserImage

	store Store
	// files holds the bytes of files opened in this page, by picture key.
	files map[string][]byte
	// windows holds the DICOM window (centre, width) the user chose, by
	// picture key.
	windows map[string][2]float64
	// RefKind is the kind of reference mask the user chose (RefObject or
	// RefShipped); "" takes the first a sample offers.
	RefKind string
	// ref caches SampleStats for the samples named by refKey.
	ref    RefStats
	refKey string
	// inputs, once set (UseInputBlobs), keeps the user images' model
	// inputs (about 600 KB each at 3×224×224) in the browser's database
	// instead of in store's list, where a few megabytes of strings fit.
	// refused holds, by inputBlobKey, the inputs the database refused:
	// the list keeps those, as it kept every input before. inputFailed is
	// told of a refusal.
	inputs      BlobStore
	refused     map[string]bool
	inputFailed func(error)
}

// inputBlobKey names a user image's input in one form (InputKey) in the
// inputs store.
func inputBlobKey(image, form string) string { return image + "\n" + form }

// UseInputBlobs makes the library keep the user images' inputs in blobs,
// which holds the inputs held (read from it at start-up, by inputBlobKey).
// Inputs only the stored list has (kept before inputs moved) are written
// to blobs, and left out of the list once blobs has them; held inputs of
// images no longer in the list are deleted. failed is told when blobs
// refuses an input, which then stays in the list.
func (l *Library) UseInputBlobs(blobs BlobStore, held map[string][]byte, failed func(error)) {
	l.inputs, l.refused, l.inputFailed = blobs, map[string]bool{}, failed
	for k, b := range held {
		image, form, ok := strings.Cut(k, "\n")
		u := l.UserImage(image)
		if !ok || u == nil {
			blobs.Delete(k)
			continue
		}
		if _, have := u.Inputs[form]; !have {
			if u.Inputs == nil {
				u.Inputs = map[string]string{}
			}
			u.Inputs[form] = base64.StdEncoding.EncodeToString(b)
		}
	}
	// Once the database has answered for every input moved, the list is
	// saved without those it took.
	moving := 0
	moved := func() {
		if moving--; moving == 0 {
			l.Save()
		}
	}
	for _, u := range l.UserImages {
		for form, enc := range u.Inputs {
			if _, ok := held[inputBlobKey(u.Key, form)]; ok {
				continue
			}
			moving++
			b, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				moved()
				continue
			}
			l.putInput(u, form, b, moved)
		}
	}
}

// putInput writes b, image u's input in form, to the inputs store. If the
// store refuses it, the list is saved with it. then, if not nil, runs once
// the store has answered.
func (l *Library) putInput(u *UserImage, form string, b []byte, then func()) {
	k := inputBlobKey(u.Key, form)
	l.inputs.Put(k, b, func(err error) {
		if then != nil {
			defer then()
		}
		if err == nil {
			if l.refused[k] {
				delete(l.refused, k)
				l.Save()
			}
			return
		}
		l.refused[k] = true
		l.Save()
		if l.inputFailed != nil {
			l.inputFailed(err)
		}
	})
}

// NewLibrary returns an empty library that keeps the user's images in
// store.
func NewLibrary(store Store) *Library {
	return &Library{store: store, files: map[string][]byte{}, windows: map[string][2]float64{}}
}

// Load reads the user's stored images.
func (l *Library) Load() {
	s, ok := l.store.Get(keyImages)
	if !ok {
		return
	}
	var list []*UserImage
	if json.Unmarshal([]byte(s), &list) != nil {
		return
	}
	for _, u := range list {
		u.migrate()
	}
	l.UserImages = list
}

// Save stores the list of the user's images: with their inputs, or, once
// the inputs are kept in the database (UseInputBlobs), with only those the
// database refused.
func (l *Library) Save() error {
	list := l.UserImages
	if l.inputs != nil {
		list = make([]*UserImage, len(l.UserImages))
		for i, u := range l.UserImages {
			c := *u
			c.Inputs = nil
			for form, s := range u.Inputs {
				if l.refused[inputBlobKey(u.Key, form)] {
					if c.Inputs == nil {
						c.Inputs = map[string]string{}
					}
					c.Inputs[form] = s
				}
			}
			list[i] = &c
		}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return l.store.Set(keyImages, string(b))
}

// SetReal installs the site's list of real images.
func (l *Library) SetReal(idx protocol.RealIndex) {
	l.Real = nil
	for _, im := range idx.Images {
		l.Real = append(l.Real, &RealItem{RealImage: im, Key: "real-" + im.File})
	}
}

// File returns the bytes of a file opened in this page.
func (l *Library) File(key string) ([]byte, bool) {
	b, ok := l.files[key]
	return b, ok
}

// KeepFile keeps the bytes of a file opened in this page.
func (l *Library) KeepFile(key string, b []byte) { l.files[key] = b }

// Remember adds a user image to the stored list, or stores its input in a
// new form or with new values (the model card's preprocessing changed);
// thumb draws a thumbnail of a new one. It reports whether the list
// changed.
func (l *Library) Remember(p *Picture, classes []string, thumb func(x []float32, c, h, w int) string) bool {
	u := l.UserImage(p.Key)
	if u == nil {
		u = &UserImage{Key: p.Key, Name: p.Name, Width: p.Width, Height: p.Height}
		u.SetLabel(classes, p.Label)
		if thumb != nil {
			u.Thumb = thumb(p.Input, p.C, p.H, p.W)
		}
		l.UserImages = append([]*UserImage{u}, l.UserImages...)
	} else if x, ok := u.Input(p.Form, len(p.Input)); ok && slices.Equal(x, p.Input) {
		return false
	}
	u.SetInput(p.Form, p.Input)
	if l.inputs != nil {
		l.putInput(u, p.Form, protocol.FloatBytes(p.Input), nil)
	}
	return true
}

// Thumbs fills in the thumbnails of stored user images.
func (l *Library) Thumbs(thumb func(x []float32, c, h, w int) string) {
	for _, u := range l.UserImages {
		if u.Thumb != "" {
			continue
		}
		if x, c, h, w, ok := u.AnyInput(); ok {
			u.Thumb = thumb(x, c, h, w)
		}
	}
}

// UserImage returns the user's image with a picture key, or nil.
func (l *Library) UserImage(key string) *UserImage {
	for _, u := range l.UserImages {
		if u.Key == key {
			return u
		}
	}
	return nil
}

// Current returns the stored record of pic, if it is one of the user's
// images.
func (l *Library) Current(pic *Picture) *UserImage {
	if pic == nil || pic.Sample || pic.Real {
		return nil
	}
	return l.UserImage(pic.Key)
}

// Remove forgets one of the user's images and its file.
func (l *Library) Remove(u *UserImage) {
	for i, v := range l.UserImages {
		if v == u {
			l.UserImages = append(l.UserImages[:i:i], l.UserImages[i+1:]...)
			break
		}
	}
	delete(l.files, u.Key)
	if l.inputs != nil {
		for form := range u.Inputs {
			k := inputBlobKey(u.Key, form)
			delete(l.refused, k)
			l.inputs.Delete(k)
		}
	}
}

// Clear removes everything the app stored and forgets the user's images.
func (l *Library) Clear() {
	for _, k := range l.store.Keys(storagePrefix) {
		l.store.Remove(k)
	}
	l.UserImages = nil
	l.files = map[string][]byte{}
	if l.inputs != nil {
		l.refused = map[string]bool{} // the page clears the database's store
	}
}

// Sample returns the sample with a picture key, or nil.
func (l *Library) Sample(key string) *SampleItem {
	for _, s := range l.Samples {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// RealItem returns the real image with a picture key, or nil.
func (l *Library) RealItem(key string) *RealItem {
	for _, r := range l.Real {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// DefaultSample is the sample shown first: the first one of the positive
// (last of n) class, else the first.
func (l *Library) DefaultSample(n int) *SampleItem {
	for _, s := range l.Samples {
		if s.Label == n-1 {
			return s
		}
	}
	if len(l.Samples) > 0 {
		return l.Samples[0]
	}
	return nil
}

// ReferenceMask returns the data set's own mask of pic if it is a
// sample, or nil.
func (l *Library) ReferenceMask(pic *Picture) []byte {
	if pic == nil || !pic.Sample {
		return nil
	}
	s := l.Sample(pic.Key)
	if s == nil {
		return nil
	}
	if l.RefKindOf(pic) == RefObject {
		return s.objectMask()
	}
	return s.mask
}

// RefKindOf is the kind of reference mask the "Reference mask" button
// gives for pic: the user's choice if pic offers it, else the first kind
// it offers.
func (l *Library) RefKindOf(pic *Picture) string {
	kinds := l.RefKinds(pic)
	for _, k := range kinds {
		if k == l.RefKind {
			return k
		}
	}
	if len(kinds) > 0 {
		return kinds[0]
	}
	return ""
}

// Names maps picture keys to image names, for exported files.
func (l *Library) Names() map[string]string {
	names := map[string]string{}
	for _, s := range l.Samples {
		names[s.Key] = s.Title
	}
	for _, r := range l.Real {
		names[r.Key] = r.Title
	}
	for _, u := range l.UserImages {
		names[u.Key] = u.Name
	}
	return names
}

// Window returns the DICOM window the user chose for a picture key.
func (l *Library) Window(key string) (center, width float64, ok bool) {
	w, ok := l.windows[key]
	return w[0], w[1], ok
}

// SetWindow keeps the DICOM window the user chose; ok false goes back to
// the file's own.
func (l *Library) SetWindow(key string, center, width float64, ok bool) {
	if !ok {
		delete(l.windows, key)
		return
	}
	l.windows[key] = [2]float64{center, width}
}

// TrainingExamples returns the user's images labelled for model m's
// classes, with a mask in masks and an input of its shape, as a training
// request's labels and buffers.
func (l *Library) TrainingExamples(m protocol.ModelInfo, masks *MaskEditor) (labels []int, images, maskData []float32) {
	for _, u := range l.UserImages {
		lab := u.Label(m.Classes)
		if lab < 0 {
			continue
		}
		x, ok := u.Input(InputKey(m), m.C*m.H*m.W)
		if !ok {
			continue
		}
		b, ok := masks.Stored(u.Key)
		if !ok {
			continue
		}
		alpha, err := DecodeMaskPNG(b, u.Width, u.Height)
		if err != nil || MaskEmpty(alpha) {
			continue
		}
		labels = append(labels, lab)
		images = append(images, x...)
		// The mask is at the picture's size: the model sees its window.
		f := RasterFrame(ModelWindow(m, u.Width, u.Height), u.Width, u.Height, u.Width, u.Height)
		maskData = append(maskData, DownsampleMaskIn(alpha, u.Width, u.Height, f, m.W, m.H)...)
	}
	return labels, images, maskData
}

// Usable counts the user's images that fine-tuning model m will use.
func (l *Library) Usable(m protocol.ModelInfo, masks *MaskEditor) int {
	n := 0
	for _, u := range l.UserImages {
		if u.Label(m.Classes) < 0 {
			continue
		}
		if _, ok := u.Input(InputKey(m), m.C*m.H*m.W); !ok {
			continue
		}
		if _, ok := masks.Stored(u.Key); ok {
			n++
		}
	}
	return n
}

// ShownSamples are the samples the gallery shows: none while HoldSamples.
func (l *Library) ShownSamples() []*SampleItem {
	if l.HoldSamples {
		return nil
	}
	return l.Samples
}
