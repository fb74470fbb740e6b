package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"saliencyexplorer/engine/safetensors"
)

// MaxGalleryBytes bounds the sample files DecodeGallery accepts.
const MaxGalleryBytes = 64 << 20

// EncodeGallery writes s as a safetensors file with three tensors, "images"
// (N×C×H×W), "masks" (N×H×W) and "labels" (N, stored as float32), and the
// set's name and class names in the metadata. The app ships its sample
// galleries in this form.
func EncodeGallery(s *Set) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("data: encoding gallery: %w", err)
	}
	n := s.Len()
	labels := make([]float32, n)
	for i, y := range s.Labels {
		labels[i] = float32(y)
	}
	classes, err := json.Marshal(s.ClassNames)
	if err != nil {
		return nil, fmt.Errorf("data: encoding gallery: %w", err)
	}
	var buf bytes.Buffer
	err = safetensors.Encode(&buf, []safetensors.Tensor{
		{Name: "images", Shape: []int{n, s.C, s.H, s.W}, Data: s.Images},
		{Name: "masks", Shape: []int{n, s.H, s.W}, Data: s.Masks},
		{Name: "labels", Shape: []int{n}, Data: labels},
	}, map[string]string{"name": s.Name, "classes": string(classes)})
	if err != nil {
		return nil, fmt.Errorf("data: encoding gallery: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeGallery reads a file written by EncodeGallery and validates it.
// TrainMasks equal Masks.
func DecodeGallery(b []byte) (*Set, error) {
	if len(b) > MaxGalleryBytes {
		return nil, fmt.Errorf("data: gallery file of %d bytes is larger than %d", len(b), MaxGalleryBytes)
	}
	ts, md, err := safetensors.Decode(b, safetensors.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("data: gallery: %w", err)
	}
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	img, okI := byName["images"]
	msk, okM := byName["masks"]
	lab, okL := byName["labels"]
	if !okI || !okM || !okL || len(ts) != 3 {
		return nil, fmt.Errorf("data: gallery must hold exactly the tensors images, masks and labels")
	}
	if len(img.Shape) != 4 || len(msk.Shape) != 3 || len(lab.Shape) != 1 {
		return nil, fmt.Errorf("data: gallery tensors have ranks %d, %d, %d; want 4, 3, 1", len(img.Shape), len(msk.Shape), len(lab.Shape))
	}
	n, c, h, w := img.Shape[0], img.Shape[1], img.Shape[2], img.Shape[3]
	if msk.Shape[0] != n || msk.Shape[1] != h || msk.Shape[2] != w || lab.Shape[0] != n {
		return nil, fmt.Errorf("data: gallery shapes disagree: images %v, masks %v, labels %v", img.Shape, msk.Shape, lab.Shape)
	}
	if n == 0 {
		return nil, fmt.Errorf("data: gallery holds no images")
	}
	var classes []string
	if err := json.Unmarshal([]byte(md["classes"]), &classes); err != nil {
		return nil, fmt.Errorf("data: gallery class names: %w", err)
	}
	s := &Set{Name: md["name"], C: c, H: h, W: w, ClassNames: classes,
		Images: img.Data, Masks: msk.Data, TrainMasks: msk.Data, Labels: make([]int, n)}
	for i, v := range lab.Data {
		y := int(v)
		if float32(y) != v {
			return nil, fmt.Errorf("data: gallery label %d is %s, not a whole number", i, strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		s.Labels[i] = y
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("data: gallery: %w", err)
	}
	return s, nil
}
