package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/wasm/protocol"
)

func TestModelFileMessage(t *testing.T) {
	for name, kind := range map[string]string{`C:\m\best.PTH`: "PyTorch", "w.h5": "Keras", "m.tflite": "TensorFlow Lite"} {
		msg := modelFileMessage(name)
		if !strings.Contains(msg, kind) || !strings.Contains(msg, "Load model…") || !strings.Contains(msg, "model file") {
			t.Errorf("%s: %q", name, msg)
		}
	}
	// ONNX models open (OpenFiles loads them); they are not refused as images.
	for _, name := range []string{"scan.png", "ct.dcm", "photo.JPG", "notes", "resnet.onnx"} {
		if msg := modelFileMessage(name); msg != "" {
			t.Errorf("%s is called a model file: %q", name, msg)
		}
	}
	if got := loadedModelName("my-crosses.json"); got != "my-crosses" {
		t.Errorf("loadedModelName = %q", got)
	}
	if got := loadedModelName(".json"); got != ".json" && got != "your model" {
		t.Errorf("loadedModelName(.json) = %q", got)
	}
}

func TestLoadedModelKeepsItsFileName(t *testing.T) {
	s := NewSession()
	s.FileModelName = "my-crosses"
	m := protocol.ModelInfo{Key: protocol.UserModelKey, Name: "crosses-baseline", Source: "file"}
	s.Install(&m, []protocol.ModelInfo{{Key: "crosses-baseline", Name: "crosses-baseline", Source: "shipped"}, m}, nil)
	if s.Model.Name != "my-crosses" || s.Models[1].Name != "my-crosses" || s.Models[0].Name != "crosses-baseline" {
		t.Errorf("names %q, %q, %q", s.Model.Name, s.Models[0].Name, s.Models[1].Name)
	}
}

func TestScoreReading(t *testing.T) {
	for _, tc := range []struct {
		auc, acc float64
		ds, want string
	}{
		{0, 0, "phantom", "backwards: it reads the laterality marker"},
		{0.998, 0.65, "phantom", "ranks well but is unconfident"},
		{0.95, 0.9, "crosses", "reads the real evidence"},
		{0.5, 0.5, "decoy-mnist", "coin toss"},
		{0.3, 0.2, "decoy-mnist", "corner swatch"},
		{-1, -1, "", "No test scores"},
		{0.7, 0.6, "crosses", "better than chance"},
	} {
		if got := engineSession().ScoreReading(tc.auc, tc.acc, tc.ds); !strings.Contains(strings.ToLower(got), strings.ToLower(tc.want)) {
			t.Errorf("ScoreReading(%v, %v, %s) = %q, want %q in it", tc.auc, tc.acc, tc.ds, got, tc.want)
		}
	}
}

func TestBeforeAfter(t *testing.T) {
	h := []protocol.EpochReport{{Epoch: 1, TestAUC: 0.5, Best: true}, {Epoch: 2, TestAUC: 0.9, Best: true}, {Epoch: 3, TestAUC: 0.7}}
	if r, ok := tunedScores(h); !ok || r.Epoch != 2 {
		t.Errorf("tunedScores = %+v, want the last best epoch, 2", r)
	}
	if r, ok := tunedScores(h[2:]); !ok || r.Epoch != 3 {
		t.Errorf("without a best epoch: %+v", r)
	}
	if _, ok := tunedScores(nil); ok {
		t.Errorf("scores without epochs")
	}
	before := protocol.ModelInfo{Key: "phantom-baseline", Dataset: "phantom", W: 64, H: 64, TestAUC: 0.09, TestAcc: 0.5, TestIoU: 0.097, TestMass: 0.078, ScoreSet: "the test split"}
	after := protocol.EpochReport{TestAUC: 0.95, TestAcc: 0.88, MeanIoU: 0.04, MeanMass: 0.12}
	want := "test AUC 0.090 → 0.950 · accuracy 50.0 % → 88.0 % · saliency IoU 0.097 → 0.040 · in mask 7.8 % → 12.0 %"
	if got := Comparison(before, after, "logit(true class)"); got != want {
		t.Errorf("Comparison = %q, want %q", got, want)
	}
	// A run that says what its maps explain is compared with its own
	// "before" on that target, not with the model's (logit) scores.
	lp := after
	lp.Target, lp.BaseIoU, lp.BaseMass = "logprob", 0.2, 0.336
	wantLP := "test AUC 0.090 → 0.950 · accuracy 50.0 % → 88.0 % · saliency IoU of log p(true class) 0.200 → 0.040 · in mask 33.6 % → 12.0 %"
	if got := Comparison(before, lp, "log p(true class)"); got != wantLP {
		t.Errorf("Comparison with a target = %q, want %q", got, wantLP)
	}
	s := NewSession()
	s.Install(&before, []protocol.ModelInfo{before}, nil)
	if strings.Contains(s.ModelMeta(), "→") || s.TunedComparison(before) != "" {
		t.Errorf("before fine-tuning the chip says %q", s.ModelMeta())
	}
	s.HasTuned = true
	s.SetTuned(before.Key, after)
	if got := s.ModelMeta(); got != "phantom · 64×64 · test AUC 0.090 → 0.950" {
		t.Errorf("ModelMeta after fine-tuning = %q", got)
	}
	if !strings.Contains(s.ModelTitle(), "Fine-tuned: "+want) {
		t.Errorf("ModelTitle = %q", s.ModelTitle())
	}
	p := &ModelPicker{Session: s}
	if rows := p.TunedRows(ModelGroup{Models: s.Models}); len(rows) != 1 || rows[0].Key != before.Key {
		t.Errorf("TunedRows = %+v", rows)
	}
	s.ForgetTuned(before.Key)
	if rows := p.TunedRows(ModelGroup{Models: s.Models}); len(rows) != 0 {
		t.Errorf("a forgotten copy keeps its row")
	}
}

func TestTrainerFields(t *testing.T) {
	tr := NewTrainer()
	tr.SetLambda("-5")
	if tr.Problem(false) != "" {
		t.Errorf("an invalid λ blocks an objective without a penalty: %q", tr.Problem(false))
	}
	if tr.Problem(true) == "" || tr.Lambda != 10 || tr.FieldText("lambda") != "-5" {
		t.Errorf("λ -5: problem %q, λ %v, field %q", tr.Problem(true), tr.Lambda, tr.FieldText("lambda"))
	}
	tr.SetEpochs("0")
	tr.SetLambda("0.5")
	if tr.Lambda != 0.5 || !strings.HasPrefix(tr.Problem(true), "Epochs") || tr.FieldText("lambda") != "0.5" {
		t.Errorf("after fixing λ: λ %v, problem %q", tr.Lambda, tr.Problem(true))
	}
	tr.SetEpochs("4")
	if tr.Problem(true) != "" || tr.Epochs != 4 || tr.FieldText("epochs") != "4" {
		t.Errorf("after fixing epochs: %q %d", tr.Problem(true), tr.Epochs)
	}
	for _, s := range []string{"abc", "1e7", "NaN", "Inf", ""} {
		tr.SetLambda(s)
		if tr.Problem(true) == "" {
			t.Errorf("λ %q accepted", s)
		}
	}
	ds := engineSession().Registry.Datasets[0]
	tr.SetMethod("rrr", ds) // the λ the engine suggests replaces an invalid one
	if tr.Problem(true) != "" || tr.Lambda != ds.Lambda["rrr"] || tr.Lambda <= 0 {
		t.Errorf("after choosing RRR: problem %q, λ %v", tr.Problem(true), tr.Lambda)
	}
}

func TestPaneLabelAfterCancel(t *testing.T) {
	v := NewView()
	s := engineSession()
	s.Model.Classes = []string{"normal", "cardiomegaly"}
	if got := v.PaneLabel(false, s); got != "Input gradient · original model" {
		t.Errorf("label without a map or a prediction: %q", got)
	}
	v.Main = heatState{Map: []float32{1}, Method: "gradient", Model: "original", Class: 1, Target: "logprob"}
	v.Method = "occlusion"
	v.Main.Want, v.Main.Busy = "occlusion", true
	if got := v.PaneLabel(false, s); got != "Input gradient of log p(cardiomegaly) · original model" {
		t.Errorf("label while occlusion is computed: %q", got)
	}
	v.Main.Busy, v.Main.Err = false, "Cancelled"
	if got := v.PaneLabel(false, s); got != "Input gradient of log p(cardiomegaly) · original model (Occlusion cancelled)" {
		t.Errorf("label after Esc: %q", got)
	}
}

// TestPaneLabelNamesTarget checks that a pane names what its map explains:
// the map's own target once it is on screen, the chosen one before.
func TestPaneLabelNamesTarget(t *testing.T) {
	s := engineSession()
	s.Model.Classes = []string{"normal", "cardiomegaly"}
	v := NewView()
	v.Probs = [][]float64{{0.2, 0.8}}
	want := map[string]string{"logprob": "log p(cardiomegaly)", "logit": "logit(cardiomegaly)", "prob": "p(cardiomegaly)"}
	if len(s.Targets()) != len(want) || s.Targets()[0].ID != DefaultTarget {
		t.Fatalf("registry targets %+v, want %d with %q first", s.Targets(), len(want), DefaultTarget)
	}
	for _, tg := range s.Targets() {
		v.Target = tg.ID
		if got := v.PaneLabel(false, s); got != "Input gradient of "+want[tg.ID]+" · original model" {
			t.Errorf("target %s, no map yet: %q", tg.ID, got)
		}
	}
	v.Main = heatState{Map: []float32{1}, Method: "gradient", Model: "original", Class: 0, Target: "logit"}
	if got := v.PaneLabel(false, s); got != "Input gradient of logit(normal) · original model" {
		t.Errorf("a logit map of class 0 on screen: %q", got)
	}
	v.Target = "margin" // stored by another page
	v.UseMethods(s)
	if v.Target != DefaultTarget {
		t.Errorf("unknown target kept: %q", v.Target)
	}
}

func TestBlankNote(t *testing.T) {
	v := NewView()
	v.Main = heatState{Map: []float32{0, 0}, Method: "gradcam", Info: protocol.MapInfo{Max: 0}}
	if got := v.BlankNote("normal", engineSession()); !strings.Contains(got, "no positive evidence for “normal”") {
		t.Errorf("BlankNote = %q", got)
	}
	v.Main.Info.Max = 0.3
	if got := v.BlankNote("normal", engineSession()); got != "" {
		t.Errorf("a map with values gets a note: %q", got)
	}
}

func grayPNG(t *testing.T, w, h int, f func(x, y int) uint8) []byte {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.SetGray(x, y, color.Gray{f(x, y)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCaveats: an image like the samples has none; each way of differing
// from them gives one.
func TestCaveats(t *testing.T) {
	lib := NewLibrary(newMemStore())
	for i := range 4 {
		lib.Samples = append(lib.Samples, &SampleItem{Sample: protocol.Sample{Key: "s" + itoa(i)}, png: grayPNG(t, 8, 8, func(x, y int) uint8 {
			if (x+y+i)%4 == 0 {
				return 200
			}
			return 20
		})})
	}
	refStats := lib.SampleStats()
	ref := func() RefStats { return refStats }
	if refStats.N != 4 || !(refStats.MinMean > 0.1 && refStats.MaxMean < 0.35) || math.IsInf(refStats.MinStd, 0) {
		t.Fatalf("SampleStats = %+v", refStats)
	}
	m := protocol.ModelInfo{Name: "phantom-baseline", Dataset: "phantom", C: 1, H: 8, W: 8}
	like := make([]float32, 64)
	for i := range like {
		like[i] = 20.0 / 255
		if i%4 == 0 {
			like[i] = 200.0 / 255
		}
	}
	pic := &Picture{Width: 8, Height: 8, Input: like}
	if c := Caveats(pic, m, ref, "Phantom chest films"); len(c) != 0 {
		t.Errorf("an image like the samples: %q", c)
	}
	// A sample's caveats need no sample statistics (Library.SampleStats
	// decodes every sample's PNG: the first picture's render at start did
	// that, 24 PNGs, for nothing).
	notCalled := func() RefStats { t.Error("a sample's caveats asked for the samples' statistics"); return refStats }
	if c := Caveats(&Picture{Sample: true, Color: true, Width: 8, Height: 8, Input: bright8()}, m, notCalled, "Phantom chest films"); c != nil {
		t.Errorf("a sample gets caveats: %q", c)
	}
	bright := bright8()
	for _, tc := range []struct {
		pic  *Picture
		want string
	}{
		{&Picture{Width: 840, Height: 560, Input: like}, "squeezed"},
		{&Picture{Width: 3, Height: 3, Input: like}, "small"},
		{&Picture{Width: 8, Height: 8, Input: like, Color: true}, "colour"},
		{&Picture{Width: 8, Height: 8, Input: like, Dicom: &protocol.Decoded{Modality: "CT"}}, "DICOM CT scan"},
		{&Picture{Width: 8, Height: 8, Input: bright}, "intensities"},
	} {
		c := Caveats(tc.pic, m, ref, "Phantom chest films")
		if len(c) != 1 || !strings.Contains(c[0], tc.want) {
			t.Errorf("caveats %q, want one about %q", c, tc.want)
		}
	}
	// A model that crops sees a square of the wide picture, not squeezed;
	// of a very wide one, less than half.
	crop := m
	crop.Preproc = &protocol.Preproc{Resize: "crop"}
	if c := Caveats(&Picture{Width: 840, Height: 560, Input: like}, crop, ref, "Phantom chest films"); len(c) != 0 {
		t.Errorf("a 3:2 picture for a model that crops: %q", c)
	}
	if c := Caveats(&Picture{Width: 2000, Height: 400, Input: like}, crop, ref, "Phantom chest films"); len(c) != 1 || !strings.Contains(c[0], "only its centre 356×356") {
		t.Errorf("a 5:1 picture for a model that crops: %q, want one caveat about its centre 356×356", c)
	}
	if got := CaveatText([]string{"it is in colour"}, "phantom-baseline"); !strings.HasPrefix(got, "Unlike phantom-baseline's training data: it is in colour.") {
		t.Errorf("CaveatText = %q", got)
	}
	// The cache follows the samples.
	lib.Samples = lib.Samples[:1]
	if lib.SampleStats().N != 1 {
		t.Errorf("SampleStats kept the old samples")
	}
}

// bright8 is an 8×8 grey model input of 0.9 everywhere.
func bright8() []float32 {
	x := make([]float32, 64)
	for i := range x {
		x[i] = 0.9
	}
	return x
}

func TestClearDataText(t *testing.T) {
	a := newApp(newMemStore())
	a.Mask.Save("a", []byte("A"))
	a.Library.UserImages = []*UserImage{{Key: "u1", Labels: map[string]int{"x": 1}}, {Key: "u2"}}
	if got := a.ClearDataText(); !strings.Contains(got, "1 painted mask,") || !strings.Contains(got, "2 of your images (1 labelled)") {
		t.Errorf("ClearDataText = %q", got)
	}
	a.AskClearData()
	if !a.ConfirmClear {
		t.Errorf("AskClearData does not ask")
	}
}

func TestChartLast(t *testing.T) {
	tr := &Trainer{History: []protocol.EpochReport{{TestAcc: 0.5, ValidAcc: 0.6}, {TestAcc: -1, ValidAcc: 0.7}}}
	c := &LineChart{Data: tr, Kind: "accuracy"}
	s := c.Series()
	if c.Last(s[0]) != "70.0 %" || c.Last(s[1]) != "50.0 %" {
		t.Errorf("Last = %q, %q", c.Last(s[0]), c.Last(s[1]))
	}
	pts := c.Points()
	if len(pts) != 3 || pts[0].Title != "epoch 1 · validation 60.0 %" {
		t.Errorf("points %+v", pts)
	}
}

func TestSoftHyphens(t *testing.T) {
	for in, want := range map[string]string{"cardiomegaly": "cardio\u00admegaly", "normal": "normal", "two crosses": "two crosses", "T-shirt/top": "T-shir\u00adt/top", "abcdefghijklm": "abcdef\u00adghijklm"} {
		if got := SoftHyphens(in); got != want {
			t.Errorf("SoftHyphens(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColourScale(t *testing.T) {
	v := NewView()
	v.Main = heatState{Map: []float32{1}, Scale: HeatScale{0, 0.4}}
	if v.ScaleNote() != "top 0.4" || v.DrawScale(false).Hi != 0.4 {
		t.Errorf("one pane: %q", v.ScaleNote())
	}
	v.CompareMode = CompareBeforeAfter
	v.Cmp = heatState{Map: []float32{1}, Scale: HeatScale{0, 0.03}}
	if v.DrawScale(true).Hi != 0.03 || v.ScaleNote() != "each pane its own scale: top 0.4 left, 0.03 right" {
		t.Errorf("own scales: %v, %q", v.DrawScale(true), v.ScaleNote())
	}
	v.SharedScale = true
	if v.DrawScale(true).Hi != 0.4 || v.DrawScale(false).Hi != 0.4 || v.ScaleNote() != "one scale for both panes, top 0.4" {
		t.Errorf("shared: %v, %q", v.DrawScale(true), v.ScaleNote())
	}
	v.CompareMode = CompareOff
	if v.DrawScale(false).Hi != 0.4 {
		t.Errorf("shared without a second pane")
	}
}

func TestFigureLines(t *testing.T) {
	a := newApp(newMemStore())
	a.Session = engineSession()
	if a.figureLines(time.Time{}) != nil {
		t.Errorf("lines without a picture")
	}
	a.Session.Install(&protocol.ModelInfo{Name: "phantom-baseline", Method: "baseline", Dataset: "phantom", Classes: []string{"normal", "cardiomegaly"}, W: 64, H: 64}, nil, nil)
	a.View.Pic = &Picture{Name: "Film 2", Width: 64, Height: 64, Label: 1, Sample: true}
	a.View.Probs = [][]float64{{0.25, 0.75}}
	a.View.Main = heatState{Map: []float32{1}, Method: "gradient", Model: "original", Class: 1, Target: "logprob", Scale: HeatScale{0, 0.415},
		AgreeOK: true, Agree: metrics.Agreement{IoU: 0.25, RelevanceMass: 0.5, Pointing: true}}
	a.Mask.Area = 10
	got := strings.Join(a.figureLines(time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)), "\n")
	for _, want := range []string{"Film 2 · 64×64 · true class cardiomegaly", "Model: phantom-baseline (Baseline) · Phantom chest films",
		"Prediction: normal 25.0 % · cardiomegaly 75.0 %", "Input gradient of log p(cardiomegaly) · original model · mask agreement: IoU 0.250, relevance mass 50.0 %, pointing game hit",
		"Colour scale (Inferno): 0 to 0.415", "2026-11-27 13:00 UTC"} {
		if !strings.Contains(got, want) {
			t.Errorf("figure text lacks %q:\n%s", want, got)
		}
	}
	if w := wrapLines([]string{"aaa bbb ccc ddd"}, 9); len(w) != 2 || w[0] != "aaa bbb" || w[1] != "  ccc ddd" {
		t.Errorf("wrapLines = %q", w)
	}
}

// TestReferenceKinds: a sample whose shipped mask marks everything but a
// corner swatch offers the object mask first; one whose mask marks the
// evidence offers only that.
func TestReferenceKinds(t *testing.T) {
	const S = 10
	img := grayPNG(t, S, S, func(x, y int) uint8 {
		switch {
		case x < 2 && y < 2:
			return 230 // the swatch
		case x >= 4 && x < 7 && y >= 4 && y < 7:
			return 200 // the object
		}
		return 0
	})
	swatch := grayPNG(t, S, S, func(x, y int) uint8 {
		if x < 2 && y < 2 {
			return 0
		}
		return 255
	})
	heart := grayPNG(t, S, S, func(x, y int) uint8 {
		if x >= 4 && x < 7 && y >= 4 && y < 7 {
			return 255
		}
		return 0
	})
	lib := NewLibrary(newMemStore())
	lib.Samples = []*SampleItem{{Sample: protocol.Sample{Key: "decoy"}, png: img, mask: swatch}, {Sample: protocol.Sample{Key: "film"}, png: img, mask: heart}}
	decoy, film := &Picture{Key: "decoy", Sample: true}, &Picture{Key: "film", Sample: true}
	if k := lib.RefKinds(decoy); len(k) != 2 || k[0] != RefObject || lib.RefKindOf(decoy) != RefObject {
		t.Fatalf("kinds for a swatch mask: %v", k)
	}
	area := func(b []byte) int {
		a, err := DecodeMaskPNG(b, S, S)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range a {
			if maskInside(v) {
				n++
			}
		}
		return n
	}
	// The object (3×3) dilated by one pixel: 5×5.
	if n := area(lib.ReferenceMask(decoy)); n != 25 {
		t.Errorf("the object mask has %d pixels, want 25", n)
	}
	lib.RefKind = RefShipped
	if n := area(lib.ReferenceMask(decoy)); n != S*S-4 {
		t.Errorf("the shipped mask has %d pixels, want %d", n, S*S-4)
	}
	if k := lib.RefKinds(film); len(k) != 1 || k[0] != RefShipped {
		t.Errorf("kinds for a heart mask: %v", k)
	}
	lib.RefKind = RefObject
	if n := area(lib.ReferenceMask(film)); n != 9 {
		t.Errorf("a heart mask became %d pixels", n)
	}
}

// TestSuggestedMethod: the suggestion is the method of the data set's best
// shipped mask-trained model, and the panel says when another is chosen.
func TestSuggestedMethod(t *testing.T) {
	s := engineSession()
	models := []protocol.ModelInfo{
		{Key: "crosses-baseline", Name: "crosses-baseline", Dataset: "crosses", Method: "baseline", Source: "shipped", TestAUC: 0.03},
		{Key: "crosses-rrr", Name: "crosses-rrr", Dataset: "crosses", Method: "rrr", Source: "shipped", TestAUC: 0.05},
		{Key: "crosses-masked", Name: "crosses-masked", Dataset: "crosses", Method: "masked", Source: "shipped", TestAUC: 0.985},
		{Key: "phantom-rrr", Name: "phantom-rrr", Dataset: "phantom", Method: "rrr", Source: "shipped", TestAUC: 0.998},
		{Key: "file", Name: "mine", Dataset: "crosses", Method: "gradmask", Source: "file", TestAUC: 1},
	}
	s.Install(&models[0], models, nil)
	m, ok := s.Suggested()
	if !ok || m.Key != "crosses-masked" {
		t.Fatalf("Suggested = %+v, %v; want crosses-masked", m, ok)
	}
	tr := NewTrainer()
	p := &TrainPanel{Train: tr, Session: s}
	tr.Method = "masked"
	if got := p.Suggestion(); !strings.HasPrefix(got, "Suggested on") || !strings.Contains(got, "0.985") {
		t.Errorf("suggestion for the suggested method: %q", got)
	}
	tr.Method = "rrr"
	if got := p.Suggestion(); !strings.Contains(got, "may not carry over") {
		t.Errorf("suggestion for another method: %q", got)
	}
	s.Install(&protocol.ModelInfo{Key: "x", Dataset: "decoy-mnist"}, nil, nil)
	if _, ok := s.Suggested(); ok || p.Suggestion() != "" {
		t.Errorf("a suggestion without a shipped mask model")
	}
}

// TestSaliencyChartTitle checks that the agreement chart names what its
// maps explain once a run reports it.
func TestSaliencyChartTitle(t *testing.T) {
	c := &TrainCharts{Train: &Trainer{}, Session: engineSession()}
	if got := c.SaliencyTitle(); got != "Saliency on the masks" {
		t.Errorf("before any epoch: %q", got)
	}
	c.Train.History = []protocol.EpochReport{{Epoch: 1, Target: "logprob"}}
	if got := c.SaliencyTitle(); got != "Saliency on the masks (gradient of log p(true class))" {
		t.Errorf("after a log-probability epoch: %q", got)
	}
}
