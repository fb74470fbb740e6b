package host

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/wasm/protocol"
)

func starter(t *testing.T) *Host {
	t.Helper()
	h := New(nil)
	if h.Ready() {
		t.Fatal("a new Host is ready")
	}
	calls := 0
	if err := h.Starter(context.Background(), 1, func(done, total int) error { calls++; return nil }); err != nil {
		t.Fatal(err)
	}
	if !h.Ready() || calls == 0 {
		t.Fatalf("Ready = %v after Starter, %d progress calls", h.Ready(), calls)
	}
	return h
}

func TestHostEndToEnd(t *testing.T) {
	h := starter(t)
	info := h.Info()
	if info.C != 1 || info.H != 28 || len(info.Classes) != 2 || info.Source != "starter" {
		t.Errorf("Info = %+v", info)
	}
	samples, bufs, err := h.Samples(6, Status{})
	if err != nil || len(samples) != 6 || len(bufs) != 12 {
		t.Fatalf("Samples: %d samples, %d buffers, %v", len(samples), len(bufs), err)
	}
	// Decoding a sample's PNG gives back the test image.
	dec, x, disp, err := h.Decode(bufs[0], protocol.DecodeRequest{Name: "sample.png"})
	if err != nil {
		t.Fatal(err)
	}
	if disp != nil {
		t.Errorf("a PNG came back with display pixels")
	}
	if dec.Width != 28 || dec.Height != 28 || len(x) != 28*28 {
		t.Fatalf("Decode = %+v, %d values", dec, len(x))
	}
	sp, err := h.splits()
	if err != nil || sp == nil {
		t.Fatalf("splits: %v, %v", sp, err)
	}
	for i, v := range x {
		if v != sp.Test.Image(0)[i] {
			t.Fatalf("decoded sample differs at %d", i)
		}
	}
	probs, err := h.Predict(x, []string{protocol.Original, protocol.Tuned})
	if err != nil || len(probs) != 2 || math.Abs(probs[0][0]+probs[0][1]-1) > 1e-6 {
		t.Fatalf("Predict = %v, %v", probs, err)
	}
	for _, m := range []string{"gradient", "gradxinput", "smoothgrad", "integrated", "gradcam", "occlusion"} {
		s, mi, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: m, Class: 1}, nil)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if len(s) != 28*28 || mi.H != 28 || !(mi.Max >= mi.Min) {
			t.Errorf("%s: %d values, %+v", m, len(s), mi)
		}
	}
	// Cancelling stops a slow map.
	ctx, cancel := context.WithCancel(context.Background())
	_, _, err = h.Saliency(ctx, x, protocol.SaliencyRequest{Method: "smoothgrad", Samples: 200}, func(done, total int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled SmoothGrad returned %v", err)
	}
	if _, _, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: "nope"}, nil); err == nil {
		t.Errorf("unknown method accepted")
	}
	// The request's target reaches the engine: the log-probability map is
	// the engine's, and not the logit's.
	byTarget := map[string][]float32{}
	for _, tg := range []string{"logit", "logprob"} {
		s, _, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Class: 1, Target: tg}, nil)
		if err != nil {
			t.Fatalf("target %s: %v", tg, err)
		}
		want, err := saliency.Map(context.Background(), h.cur.orig, x, saliency.Gradient, saliency.Options{Class: 1, Target: saliency.Target(tg)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s, want) {
			t.Errorf("target %s: the host's map differs from the engine's", tg)
		}
		byTarget[tg] = s
	}
	if slices.Equal(byTarget["logit"], byTarget["logprob"]) {
		t.Errorf("the logit and log-probability maps are equal")
	}
	if _, _, err := h.Saliency(context.Background(), x, protocol.SaliencyRequest{Method: "gradient", Target: "margin"}, nil); err == nil {
		t.Errorf("unknown target accepted")
	}
	if _, err := h.Predict(x[:10], nil); err == nil {
		t.Errorf("short input accepted")
	}

	// A short RRR run with one user example.
	mask := make([]float32, 28*28)
	copy(mask, sp.Test.Mask(0))
	err = h.StartTraining(protocol.TrainRequest{Method: "rrr", Lambda: 10, LR: 1e-3, Epochs: 1, MaxSteps: 3, Labels: []int{sp.Test.Labels[0]}, Target: "logprob"}, x, mask, Status{})
	if err != nil {
		t.Fatal(err)
	}
	var last protocol.TrainUpdate
	for h.Training() {
		last, err = h.Step()
		if err != nil {
			t.Fatal(err)
		}
	}
	if last.State != protocol.StateDone || last.Steps != 3 || last.EpochEnd == nil || math.IsNaN(last.EpochEnd.TestAUC) || !(last.EpochEnd.MeanMass > 0 && last.EpochEnd.MeanMass <= 1) {
		t.Errorf("last update %+v %+v", last, last.EpochEnd)
	}
	// The charts' agreement explains the requested target, and the run's
	// "before" is the original model's on the same images and target.
	if e := last.EpochEnd; e.Target != "logprob" || !(e.BaseMass > 0 && e.BaseMass <= 1) {
		t.Errorf("epoch report target %q, base mass %v", e.Target, e.BaseMass)
	}
	if iou, mass := meanAgreement(h.cur.orig, sp.Test, saliency.TargetLogProb); last.EpochEnd.BaseIoU != iou || last.EpochEnd.BaseMass != mass {
		t.Errorf("base IoU, mass = %v, %v; the original's log-probability agreement is %v, %v", last.EpochEnd.BaseIoU, last.EpochEnd.BaseMass, iou, mass)
	}
	if !h.Info().HasTuned {
		t.Errorf("no tuned model after training")
	}
	arch, weights, err := h.Export(protocol.Tuned)
	if err != nil {
		t.Fatal(err)
	}
	h2 := New(nil)
	if err := h2.Load(arch, weights, model.ManifestEntry{}, "file"); err != nil {
		t.Fatal(err)
	}
	p2, _ := h2.Predict(x, nil)
	p1, _ := h.Predict(x, []string{protocol.Tuned})
	if math.Abs(p1[0][0]-p2[0][0]) > 1e-6 {
		t.Errorf("exported model predicts %v, tuned predicts %v", p2, p1)
	}
	if err := h2.Load(arch, weights[:len(weights)/2], model.ManifestEntry{}, "file"); err == nil {
		t.Errorf("truncated weights accepted")
	}
}

func TestStartTrainingErrors(t *testing.T) {
	h := New(nil)
	if err := h.StartTraining(protocol.TrainRequest{Method: "rrr", Epochs: 1}, nil, nil, Status{}); err == nil {
		t.Errorf("training without a model accepted")
	}
	h = starter(t)
	bad := []protocol.TrainRequest{
		{Method: "magic", Epochs: 1},
		{Method: "rrr", Epochs: 0},
		{Method: "rrr", Epochs: 1, Lambda: math.NaN()},
		{Method: "rrr", Epochs: 1, Target: "margin"},
		{Method: "rrr", Epochs: 1, Labels: []int{0}},
		{Method: "rrr", Epochs: 1, Labels: []int{5}},
	}
	for _, req := range bad {
		var x, m []float32
		if len(req.Labels) > 0 {
			x, m = make([]float32, 784), make([]float32, 784)
			if req.Labels[0] == 0 {
				x = x[:3]
			}
		}
		if err := h.StartTraining(req, x, m, Status{}); err == nil {
			t.Errorf("StartTraining(%+v) succeeded", req)
		}
	}
	h.StartTraining(protocol.TrainRequest{Method: "baseline", Epochs: 1}, nil, nil, Status{})
	h.Step()
	if u := h.StopTraining(); u.State != protocol.StateStopped || h.Training() {
		t.Errorf("StopTraining = %+v, Training = %v", u, h.Training())
	}
}

func TestDecodeUserImage(t *testing.T) {
	h := untrained(t)
	big := image.NewGray(image.Rect(0, 0, 300, 200))
	var buf bytes.Buffer
	png.Encode(&buf, big)
	dec, x, _, err := h.Decode(buf.Bytes(), protocol.DecodeRequest{Name: "big.png"})
	if err != nil || dec.Width != 300 || len(x) != 784 {
		t.Fatalf("Decode = %+v, %d, %v", dec, len(x), err)
	}
	if _, _, _, err := h.Decode([]byte("not an image"), protocol.DecodeRequest{Name: "notes.txt"}); err == nil || !strings.Contains(err.Error(), "DICOM") {
		t.Errorf("Decode of text: %v; want an error naming the formats", err)
	}
}
