package lab

import (
	"context"
	"math"
	"strings"
	"testing"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/train"
)

// TestProtocolSettings checks that the paper protocol and Ross et al.'s
// network reach the trainer: each method's own learning rate, λ and
// discriminator, the ResNet-18, the burn-in, and Ross's rescaled λ.
func TestProtocolSettings(t *testing.T) {
	ds, _ := datasets.Lookup("crosses")
	cfg := withDefaults(ds, Config{Protocol: ProtocolPaper, Epochs: 10})
	if cfg.BurnIn != 5 || cfg.BatchSize != 32 || cfg.Net != NetResNet18 || cfg.Width != 8 {
		t.Errorf("paper protocol defaults: burn-in %d, batch %d, net %q width %d", cfg.BurnIn, cfg.BatchSize, cfg.Net, cfg.Width)
	}
	if s := networkSpec(ds, cfg); !strings.Contains(s.Name, "resnet18") {
		t.Errorf("paper protocol trains %s", s.Name)
	}
	for m, p := range PaperSettings() {
		tc := trainConfig(ds, cfg, m, LambdaFor(ds, m, cfg), 0)
		if tc.LR != p.LR || tc.Lambda != p.Lambda || tc.BurnIn != 5 || tc.DiscSteps != p.DiscSteps || tc.DiscLR != p.DiscLR {
			t.Errorf("%s: trainer gets %+v, want the paper's %+v", m, tc, p)
		}
	}
	if got := trainConfig(ds, withDefaults(ds, Config{Protocol: ProtocolPaper, LR: 0.5}), train.RRR, 1, 0).LR; got != 0.5 {
		t.Errorf("-lr 0.5 under the paper protocol trains at %v", got)
	}
	if tc := trainConfig(ds, withDefaults(ds, Config{Protocol: ProtocolPaper, DiscSteps: 10, DiscLR: 0.01}), train.Adversarial, 1, 0); tc.DiscSteps != 10 || tc.DiscLR != 0.01 {
		t.Errorf("-discsteps 10 -disclr 0.01 under the paper protocol: discriminator %d steps at %v", tc.DiscSteps, tc.DiscLR)
	}
	if got := trainConfig(ds, withDefaults(ds, Config{}), train.RRR, 1, 0).LR; got != ds.LR {
		t.Errorf("lab protocol learning rate %v, want the data set's %v", got, ds.LR)
	}

	dm, _ := datasets.Lookup("decoy-mnist")
	rc := withDefaults(dm, Config{Net: NetRossMLP})
	if l := LambdaFor(dm, train.RRR, rc); l != 1000.0/256 {
		t.Errorf("Ross RRR λ %v, want 1000/256", l)
	}
	if rc.BatchSize != 256 || rc.LR != 0.001 || rc.Epochs != 64 {
		t.Errorf("Ross setting: batch %d, lr %v, %d epochs", rc.BatchSize, rc.LR, rc.Epochs)
	}

	for _, bad := range []Config{
		{Dataset: "phantom", Protocol: ProtocolPaper},
		{Dataset: "crosses", Net: NetRossMLP},
		{Dataset: "crosses", Protocol: "faithful"},
		{Dataset: "crosses", Select: "median"},
		{Dataset: "crosses", Net: "vgg"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestSanityTable runs one short model with the sanity checks and checks
// that the table has a cascade step per parameterised layer of the
// network, values in range, and a row per method.
func TestSanityTable(t *testing.T) {
	res, err := Execute(context.Background(), Config{
		Dataset: "crosses", Seeds: 1, Epochs: 1, IGSteps: 4, Sanity: true,
		Methods: []train.Method{train.Baseline},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	z := res.Summaries[0].Sanity
	if z == nil {
		t.Fatal("no sanity summary")
	}
	if len(z.Layers) != 4 || z.Layers[0] != "9 linear" || len(z.Spearman) != 4 || len(z.SSIM) != 4 {
		t.Errorf("cascade %v (%d Spearman, %d SSIM); want the 4 parameterised layers of CrossesCNN from the linear down", z.Layers, len(z.Spearman), len(z.SSIM))
	}
	for _, v := range append(append([]float64{}, z.Spearman...), z.DeletionGrad, z.InsertionGrad, z.DeletionRandom, z.InsertionRandom, z.DeletionIG, z.InsertionIG) {
		if !(v >= -1 && v <= 1) {
			t.Errorf("value %v out of range in %+v", v, z)
		}
	}
	if md := res.Markdown(); !strings.Contains(md, "| baseline | ") || !strings.Contains(md, "Spearman per step") {
		t.Errorf("markdown lacks the sanity table:\n%s", md)
	}
}

// TestMerge checks that merging per-seed results gives the summaries of
// the runs taken together and refuses a run seen twice.
func TestMerge(t *testing.T) {
	a := &Result{Dataset: "crosses", Runs: []Run{{Method: train.Baseline, Seed: 0, TestAUC: 0.2}, {Method: train.RRR, Seed: 0, TestAUC: 0.9}}}
	b := &Result{Dataset: "crosses", Runs: []Run{{Method: train.Baseline, Seed: 1, TestAUC: 0.4}}}
	m, err := Merge([]*Result{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Summaries) != 2 || m.Summaries[0].Method != train.Baseline || m.Summaries[0].Seeds != 2 || m.Config.Seeds != 2 {
		t.Fatalf("merged summaries %+v", m.Summaries)
	}
	if s := m.Summaries[0]; math.Abs(s.TestAUC-0.3) > 1e-12 || math.Abs(s.TestAUCStd-math.Sqrt(0.02)) > 1e-12 {
		t.Errorf("baseline AUC %v ± %v, want 0.3 ± %v", s.TestAUC, s.TestAUCStd, math.Sqrt(0.02))
	}
	if _, err := Merge([]*Result{a, a}); err == nil {
		t.Error("merging a result with itself succeeded")
	}
}

// TestMeanSanityWithZeroMaps: a run whose maps were all zero (a collapsed
// network) counts for the curves but not for the cascade.
func TestMeanSanityWithZeroMaps(t *testing.T) {
	live := &Sanity{Layers: []string{"2 linear"}, Spearman: []float64{0.4}, SSIM: []float64{0.2}, DeletionGrad: 0.2}
	dead := &Sanity{ZeroMaps: 16, DeletionGrad: 0.6}
	for _, order := range [][]*Sanity{{live, dead}, {dead, live}} {
		m := meanSanity([]Run{{Sanity: order[0]}, {Sanity: order[1]}})
		if len(m.Spearman) != 1 || m.Spearman[0] != 0.4 || m.ZeroMaps != 16 || math.Abs(m.DeletionGrad-0.4) > 1e-12 {
			t.Errorf("mean %+v", m)
		}
	}
}

// TestRossInit checks Ross et al.'s initialization: every trainable
// parameter, biases included (the project's initializer leaves them at 0),
// is redrawn with mean 0 and standard deviation 0.1, and -rossinit is
// refused for another network.
func TestRossInit(t *testing.T) {
	net, err := nn.New(model.RossMLP("ross", data.MNISTClassNames), 1)
	if err != nil {
		t.Fatal(err)
	}
	var before []float32
	for _, p := range net.NamedParams() {
		before = append(before, p.Value...)
	}
	rossInit(net, 1)
	var sum, sq float64
	n, i := 0, 0
	for _, p := range net.NamedParams() {
		for _, v := range p.Value {
			if v == before[i] {
				t.Fatalf("%s: a value kept its project initialization %v", p.Name, v)
			}
			i++
			sum += float64(v)
			sq += float64(v) * float64(v)
			n++
		}
	}
	mean := sum / float64(n)
	std := math.Sqrt(sq/float64(n) - mean*mean)
	if math.Abs(mean) > 0.003 || math.Abs(std-0.1) > 0.003 {
		t.Errorf("%d parameters: mean %.4f, std %.4f; want 0, 0.1", n, mean, std)
	}
	if err := (Config{Dataset: "decoy-mnist", RossInit: true}).Validate(); err == nil {
		t.Errorf("-rossinit without -net ross-mlp: no error")
	}
	if err := (Config{Dataset: "decoy-mnist", Net: NetRossMLP, RossInit: true}).Validate(); err != nil {
		t.Errorf("-rossinit with -net ross-mlp: %v", err)
	}
}
