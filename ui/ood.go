package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// inputStats are the mean and the spread (standard deviation) of a model
// input's values.
type inputStats struct{ Mean, Std float64 }

func statsOf(x []float32) inputStats {
	if len(x) == 0 {
		return inputStats{}
	}
	var sum, sq float64
	for _, v := range x {
		sum += float64(v)
	}
	mean := sum / float64(len(x))
	for _, v := range x {
		d := float64(v) - mean
		sq += d * d
	}
	return inputStats{Mean: mean, Std: math.Sqrt(sq / float64(len(x)))}
}

// RefStats summarizes the intensities of a data set's images as its
// samples show them: the range of their means and spreads.
type RefStats struct {
	N                int
	MinMean, MaxMean float64
	MinStd, MaxStd   float64
}

// refStatsOf summarizes the stats of several images.
func refStatsOf(stats []inputStats) RefStats {
	r := RefStats{N: len(stats), MinMean: math.Inf(1), MaxMean: math.Inf(-1), MinStd: math.Inf(1), MaxStd: math.Inf(-1)}
	for _, s := range stats {
		r.MinMean, r.MaxMean = min(r.MinMean, s.Mean), max(r.MaxMean, s.Mean)
		r.MinStd, r.MaxStd = min(r.MinStd, s.Std), max(r.MaxStd, s.Std)
	}
	return r
}

// pngStats reads the intensities of a PNG in [0, 1] (the mean of the
// colour channels for a colour image), as the engine scales them.
func pngStats(b []byte) (inputStats, error) {
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return inputStats{}, err
	}
	r := im.Bounds()
	x := make([]float32, 0, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for xx := r.Min.X; xx < r.Max.X; xx++ {
			if g, ok := im.(*image.Gray); ok {
				x = append(x, float32(g.GrayAt(xx, y).Y)/255)
				continue
			}
			cr, cg, cb, _ := im.At(xx, y).RGBA()
			x = append(x, float32(cr+cg+cb)/(3*65535))
		}
	}
	return statsOf(x), nil
}

// margin is how far an image's mean or spread may lie outside the
// samples' range before it counts as unlike them (intensities in [0, 1]).
const margin = 0.05

// Caveats lists how pic differs from the images model m was trained on
// (ref gives the data set's samples' intensities, Library.SampleStats,
// which decodes every sample's PNG: it is called only for a picture that
// is not a sample): a DICOM scan, a colour image for a grey model, another
// shape, intensities outside the samples' range. It is empty for the data
// set's own samples.
func Caveats(pic *Picture, m protocol.ModelInfo, ref func() RefStats, datasetTitle string) []string {
	if pic == nil || pic.Sample {
		return nil
	}
	var out []string
	if d := pic.Dicom; d != nil {
		kind := "scan"
		if d.Modality != "" {
			kind = d.Modality + " scan"
		}
		out = append(out, "it is a DICOM "+kind+", not one of the "+datasetTitle+" images the model learned from")
	}
	if pic.Color && m.C == 1 {
		out = append(out, "it is in colour; the model reads grey images")
	}
	if pic.Width > 0 && pic.Height > 0 && m.W > 0 && m.H > 0 {
		// What is squeezed or enlarged is the part the model sees: all of
		// the picture, or a model's centre crop.
		cw, ch, crop := ModelCrop(m, pic.Width, pic.Height)
		aspect := float64(cw) / float64(ch)
		want := float64(m.W) / float64(m.H)
		switch {
		case math.Abs(math.Log(aspect/want)) > math.Log(1.15):
			out = append(out, fmt.Sprintf("its shape (%d×%d) is squeezed into the model's %d×%d", cw, ch, m.W, m.H))
		case cw*2 < m.W || ch*2 < m.H:
			out = append(out, fmt.Sprintf("it is small (%d×%d) and enlarged to the model's %d×%d", cw, ch, m.W, m.H))
		}
		if crop && 2*cw*ch < pic.Width*pic.Height {
			out = append(out, fmt.Sprintf("the model sees only its centre %d×%d (outlined), less than half of it", cw, ch))
		}
	}
	if len(pic.Input) == 0 {
		return out
	}
	if ref := ref(); ref.N > 0 {
		s := statsOf(pic.Input)
		if s.Mean < ref.MinMean-margin || s.Mean > ref.MaxMean+margin || s.Std < ref.MinStd-margin || s.Std > ref.MaxStd+margin {
			out = append(out, fmt.Sprintf("its intensities (mean %.2f, spread %.2f) lie outside the training images' (mean %.2f–%.2f, spread %.2f–%.2f)",
				s.Mean, s.Std, ref.MinMean, ref.MaxMean, ref.MinStd, ref.MaxStd))
		}
	}
	return out
}

// CaveatText joins caveats into the warning shown beside the prediction.
func CaveatText(caveats []string, model string) string {
	if len(caveats) == 0 {
		return ""
	}
	return "Unlike " + model + "'s training data: " + strings.Join(caveats, "; ") + ". Read the prediction with care."
}

// SampleStats summarizes the samples' intensities (cached until the
// samples change).
func (l *Library) SampleStats() RefStats {
	key := ""
	if len(l.Samples) > 0 {
		key = l.Samples[0].Key + "/" + itoa(len(l.Samples))
	}
	if key == l.refKey {
		return l.ref
	}
	var stats []inputStats
	for _, s := range l.Samples {
		if st, err := pngStats(s.png); err == nil {
			stats = append(stats, st)
		}
	}
	l.ref, l.refKey = RefStats{}, key
	if len(stats) > 0 {
		l.ref = refStatsOf(stats)
	}
	return l.ref
}
