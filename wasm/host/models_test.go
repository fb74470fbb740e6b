package host

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/dicomio"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/wasm/protocol"
)

// modelFiles returns the files of a freshly initialized network.
func modelFiles(t testing.TB, spec nn.Spec, meta map[string]string) (arch, weights []byte) {
	t.Helper()
	net, err := nn.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err = model.Save(net, meta)
	if err != nil {
		t.Fatal(err)
	}
	return arch, weights
}

// phantomSpec is a small network with the Phantom input and classes.
func phantomSpec() nn.Spec {
	return model.SmallCNN("phantom-test", nn.Shape{C: 1, H: 64, W: 64}, data.PhantomClassNames, [3]int{4, 4, 8})
}

// gallery returns n images of a generated test split as a gallery file.
func gallery(t testing.TB, s *data.Set, n int) []byte {
	t.Helper()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	b, err := data.EncodeGallery(s.Subset(idx))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// crossesSplits caches mustCrosses' splits, which the tests only read.
var crossesSplits *data.Splits

// mustCrosses returns the Crosses splits of seed 2 (drawn once per test
// binary; callers must not modify them).
func mustCrosses(t testing.TB) data.Splits {
	t.Helper()
	if crossesSplits == nil {
		sp, err := data.Crosses(data.DefaultCrosses(2))
		if err != nil {
			t.Fatal(err)
		}
		crossesSplits = &sp
	}
	return *crossesSplits
}

// dicomFile builds a small Explicit VR Little Endian DICOM file with a
// rows×cols 16-bit MONOCHROME2 image (value = 10·(r+c)) and the given
// transfer syntax and window.
func dicomFile(rows, cols int, syntax string, window bool) []byte {
	b := make([]byte, 128, 1024)
	b = append(b, "DICM"...)
	el := func(group, elem uint16, vr string, val []byte) {
		b = binary.LittleEndian.AppendUint16(b, group)
		b = binary.LittleEndian.AppendUint16(b, elem)
		b = append(b, vr...)
		switch vr {
		case "OB", "OW", "SQ", "UN", "UT":
			b = append(b, 0, 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(val)))
		default:
			b = binary.LittleEndian.AppendUint16(b, uint16(len(val)))
		}
		b = append(b, val...)
	}
	even := func(s string, pad byte) []byte {
		if len(s)%2 == 1 {
			s += string(pad)
		}
		return []byte(s)
	}
	us := func(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
	el(0x0002, 0x0010, "UI", even(syntax, 0))
	el(0x0008, 0x0060, "CS", even("CT", ' '))
	el(0x0028, 0x0002, "US", us(1))
	el(0x0028, 0x0004, "CS", even("MONOCHROME2", ' '))
	el(0x0028, 0x0010, "US", us(rows))
	el(0x0028, 0x0011, "US", us(cols))
	el(0x0028, 0x0100, "US", us(16))
	el(0x0028, 0x0101, "US", us(12))
	el(0x0028, 0x0102, "US", us(11))
	el(0x0028, 0x0103, "US", us(0))
	if window {
		el(0x0028, 0x1050, "DS", even("100", ' '))
		el(0x0028, 0x1051, "DS", even("200", ' '))
	}
	pix := make([]byte, 0, 2*rows*cols)
	for r := range rows {
		for c := range cols {
			pix = binary.LittleEndian.AppendUint16(pix, uint16(10*(r+c)))
		}
	}
	el(0x7FE0, 0x0010, "OW", pix)
	return b
}

// untrained returns a Host with a freshly initialized Crosses network, for
// tests that need a model's input shape but not its training.
func untrained(t testing.TB) *Host {
	t.Helper()
	h := New(nil)
	arch, weights := modelFiles(t, model.CrossesCNN(), map[string]string{"dataset": "crosses", "method": "baseline"})
	if err := h.Load(arch, weights, model.ManifestEntry{Name: "untrained"}, "shipped"); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDecodeDICOM(t *testing.T) {
	h := untrained(t)
	f := dicomFile(40, 30, dicomio.ExplicitVRLittleEndian, true)
	if !IsDICOM(f, "scan") || !IsDICOM([]byte("raw"), "scan.DCM") || IsDICOM([]byte("\x89PNG...."), "x.dcm") {
		t.Errorf("IsDICOM misjudges")
	}
	dec, x, disp, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm"})
	if err != nil {
		t.Fatal(err)
	}
	if dec.Format != "dicom" || dec.Width != 30 || dec.Height != 40 || dec.Modality != "CT" || !dec.WindowFromFile ||
		dec.WindowCenter != 100 || dec.WindowWidth != 200 || dec.DefaultCenter != 100 || len(x) != 28*28 || len(disp) != 40*30 {
		t.Fatalf("Decode = %+v, %d values, %d display bytes", dec, len(x), len(disp))
	}
	// Values 0..690 through the window [0, 200): dark top-left, white
	// bottom-right.
	if disp[0] != 0 || disp[len(disp)-1] != 255 || x[0] > 0.1 || x[len(x)-1] < 0.99 {
		t.Errorf("display corners %d, %d; input corners %v, %v", disp[0], disp[len(disp)-1], x[0], x[len(x)-1])
	}
	// A wider window brightens the top-left less steeply.
	dec2, x2, disp2, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm", Window: true, Center: 400, Width: 800})
	if err != nil {
		t.Fatal(err)
	}
	if dec2.WindowCenter != 400 || dec2.WindowWidth != 800 || dec2.WindowFromFile || dec2.DefaultCenter != 100 {
		t.Errorf("re-windowed %+v", dec2)
	}
	if !(disp2[len(disp2)-1] < 255 && x2[len(x2)/2] < x[len(x)/2]) {
		t.Errorf("the wider window did not change the values: %d, %v vs %v", disp2[len(disp2)-1], x2[len(x2)/2], x[len(x)/2])
	}
	if _, _, _, err := h.Decode(f, protocol.DecodeRequest{Name: "scan.dcm", Window: true, Center: 1, Width: 0}); err == nil {
		t.Errorf("a zero window width was accepted")
	}

	// Unsupported and corrupt files give clear errors and nothing else.
	cases := []struct {
		name string
		b    []byte
		want any
		text string
	}{
		{"jpeg2000.dcm", dicomFile(4, 4, "1.2.840.10008.1.2.4.90", false), new(*dicomio.UnsupportedError), "JPEG 2000"},
		{"truncated.dcm", f[:len(f)-100], new(*dicomio.FormatError), ""},
		{"garbage.dcm", []byte(strings.Repeat("\x07garbage", 40)), nil, ""},
		{"empty.dcm", nil, new(*dicomio.FormatError), "empty"},
	}
	for _, c := range cases {
		dec, x, disp, err := h.Decode(c.b, protocol.DecodeRequest{Name: c.name})
		if err == nil || x != nil || disp != nil || dec.Width != 0 {
			t.Errorf("%s: %v, %d values, %d display bytes, %+v", c.name, err, len(x), len(disp), dec)
			continue
		}
		if c.want != nil && !errors.As(err, c.want) {
			t.Errorf("%s: error %T %v, want %T", c.name, err, err, c.want)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %q does not mention %q", c.name, err, c.text)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestMeanAgreementMatchesLab checks the worker's saliency agreement
// against engine/lab's on the same network and images: positive images
// only on a two-class set (class 1), every image on a ten-class set.
func TestMeanAgreementMatchesLab(t *testing.T) {
	cross := mustCrosses(t).Test
	idx := make([]int, 40)
	for i := range idx {
		idx[i] = i
	}
	two := cross.Subset(idx)
	ten := &data.Set{Name: "ten", C: 1, H: 28, W: 28, ClassNames: data.MNISTClassNames,
		Images: two.Images, Masks: two.Masks, TrainMasks: two.TrainMasks, Labels: make([]int, two.Len())}
	for i := range ten.Labels {
		ten.Labels[i] = i % 10
	}
	for _, c := range []struct {
		set      *data.Set
		spec     nn.Spec
		positive func(int) bool
	}{
		{two, model.CrossesCNN(), func(y int) bool { return y == 1 }},
		{ten, model.DecoyCNN("ten", data.MNISTClassNames), func(int) bool { return true }},
	} {
		net, err := nn.New(c.spec, 3)
		if err != nil {
			t.Fatal(err)
		}
		var masses []float64
		for _, tg := range []saliency.Target{saliency.TargetLogit, saliency.TargetLogProb} {
			iou, mass := meanAgreement(net, c.set, tg)
			want, err := lab.MeanAgreement(context.Background(), net, c.set, c.positive, saliency.Gradient, saliency.Options{Target: tg})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(iou-want.IoU) > 1e-9 || math.Abs(mass-want.RelevanceMass) > 1e-9 || !(mass > 0 && mass < 1) {
				t.Errorf("%s %s: IoU %v, mass %v; engine/lab says %v, %v", c.set.Name, tg, iou, mass, want.IoU, want.RelevanceMass)
			}
			masses = append(masses, mass)
		}
		if masses[0] == masses[1] {
			t.Errorf("%s: the logit and log-probability targets give the same mass %v; the target is not used", c.set.Name, masses[0])
		}
	}
}
