package dicomio

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// TestAgainstSuyashkumarDicom reads the uncompressed samples with
// github.com/suyashkumar/dicom, an independent parser, and compares the
// header values and every stored pixel value with Decode's.
func TestAgainstSuyashkumarDicom(t *testing.T) {
	for _, f := range []string{"CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm"} {
		b := readSample(t, f)
		im := mustDecode(t, b)
		ds, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatalf("%s: suyashkumar/dicom: %v", f, err)
		}
		ints := func(tg tag.Tag) int {
			e, err := ds.FindElementByTag(tg)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			v, ok := e.Value.GetValue().([]int)
			if !ok || len(v) == 0 {
				t.Fatalf("%s: %v is not an integer", f, tg)
			}
			return v[0]
		}
		strs := func(tg tag.Tag) string {
			e, err := ds.FindElementByTag(tg)
			if err != nil {
				return ""
			}
			v, _ := e.Value.GetValue().([]string)
			if len(v) == 0 {
				return ""
			}
			return v[0]
		}
		if im.Rows != ints(tag.Rows) || im.Cols != ints(tag.Columns) || im.BitsAllocated != ints(tag.BitsAllocated) || im.Modality != strs(tag.Modality) {
			t.Errorf("%s: header differs from suyashkumar/dicom's", f)
		}
		if s := strs(tag.RescaleIntercept); s != "" {
			if v, _ := strconv.ParseFloat(s, 64); v != im.RescaleIntercept {
				t.Errorf("%s: intercept %v, suyashkumar/dicom %v", f, im.RescaleIntercept, v)
			}
		}
		px, err := ds.FindElementByTag(tag.PixelData)
		if err != nil {
			t.Fatal(err)
		}
		fr := dicom.MustGetPixelDataInfo(px.Value).Frames[0].NativeData
		if len(fr.Data) != im.Rows*im.Cols {
			t.Fatalf("%s: %d pixels from suyashkumar/dicom, %d here", f, len(fr.Data), im.Rows*im.Cols)
		}
		for p, s := range fr.Data {
			v := s[0] // unsigned as read; sign-extend like Decode
			if im.Signed && v >= 1<<(im.BitsStored-1) {
				v -= 1 << im.BitsStored
			}
			if want := float32(float64(v)*im.RescaleSlope + im.RescaleIntercept); im.Values[p] != want {
				t.Fatalf("%s: pixel %d = %v, suyashkumar/dicom gives %v", f, p, im.Values[p], want)
			}
		}
	}
}
