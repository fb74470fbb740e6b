// Package lab runs the generalization experiment of METHODS.md: train a
// network with each objective on a data set whose training split carries a
// shortcut, select the checkpoint by validation loss, and measure test ROC
// AUC, accuracy and saliency agreement on the split where the shortcut is
// reversed, over several seeds.
package lab

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"

	"gonum.org/v1/gonum/stat"
)

// withDefaults fills cfg's zero values from the protocol's and the data
// set's defaults. It panics on an unknown protocol, network or selection,
// which Execute and Fit reject first (Validate).
func withDefaults(ds datasets.Dataset, cfg Config) Config {
	cfg.Dataset = ds.Name
	cfg, err := applyProtocol(ds, cfg)
	if err != nil {
		panic(err)
	}
	if len(cfg.Methods) == 0 {
		cfg.Methods = train.Methods()
	}
	if cfg.Seeds <= 0 {
		cfg.Seeds = 3
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = ds.Epochs
	}
	if cfg.LR <= 0 && cfg.Protocol != ProtocolPaper {
		cfg.LR = ds.LR // the paper protocol's learning rate is per method
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = ds.BatchSize
	}
	if cfg.IGSteps <= 0 {
		cfg.IGSteps = 32
	}
	return cfg
}

// LambdaFor returns the penalty weight for method m: cfg.Lambda if set,
// else the protocol's (paper: PaperSettings; Ross et al.'s network: their
// RRR λ rescaled), else the data set's default for training from scratch.
func LambdaFor(ds datasets.Dataset, m train.Method, cfg Config) float64 {
	if cfg.Lambda > 0 {
		return cfg.Lambda
	}
	switch {
	case cfg.Protocol == ProtocolPaper:
		return PaperSettings()[m].Lambda
	case cfg.Net == NetRossMLP && m == train.RRR:
		return rossLambdaRRR
	}
	return ds.Lambda[m]
}

// Config chooses what to run. Zero values take the data set's defaults.
type Config struct {
	Dataset   string
	Methods   []train.Method
	Seeds     int
	Epochs    int
	Lambda    float64 // if > 0, overrides every method's default λ
	LR        float64
	BatchSize int
	IGSteps   int // Integrated Gradients steps for the IoU column (default 32)
	// Mask chooses another of the data set's mask options ("" for its
	// default; Decoy: "swatch" or "object"); it trains the mask methods and
	// scores the saliency.
	Mask string
	// Dilate, if not 0, is the side of the square that dilates the
	// training masks instead of the data set's own (odd; 1: not dilated;
	// Crosses' own is 7, σ = 0.8). Only data sets with
	// SplitsWithDilation take it.
	Dilate int
	// NTrain, if not 0, is the number of training images instead of the
	// data set's subset (Decoy sets only: SplitsWithSize).
	NTrain int
	// History records per epoch the training loss terms, the validation
	// loss and AUC, and the train accuracy and test AUC of that epoch's
	// weights (Run.History); it costs one pass over train and test per
	// epoch.
	History bool
	// RossInit starts NetRossMLP from Ross et al.'s initialization, every
	// weight and bias N(0, 0.1²), instead of the project's initializer.
	RossInit bool
	// DiscSteps and DiscLR, if > 0, override the adversarial objective's
	// discriminator steps per encoder step and learning rate (the
	// protocol's, else the trainer's defaults).
	DiscSteps int
	DiscLR    float64
	// Protocol is ProtocolLab (default) or ProtocolPaper.
	Protocol string
	// Net replaces the data set's network: NetResNet18 (at Width, default
	// 8) or NetRossMLP.
	Net   string
	Width int
	// Select is SelectBest (default) or SelectLast.
	Select string
	// BurnIn epochs are not eligible as the checkpoint (paper protocol: 5).
	BurnIn int
	// Sanity adds the sanity-check and faithfulness table (Sanity).
	Sanity bool
	// FirstSeed is the first seed run (seeds FirstSeed .. FirstSeed+Seeds−1),
	// so that one table's seeds can run as separate processes.
	FirstSeed int
}

// Validate reports an unknown protocol, network or selection.
func (cfg Config) Validate() error {
	ds, ok := datasets.Lookup(cfg.Dataset)
	if !ok {
		return fmt.Errorf("lab: unknown data set %q", cfg.Dataset)
	}
	if _, err := applyProtocol(ds, cfg); err != nil {
		return err
	}
	if cfg.NTrain != 0 && (ds.SplitsWithSize == nil || cfg.NTrain < 0) {
		return fmt.Errorf("lab: -ntrain %d does not apply to data set %s", cfg.NTrain, ds.Name)
	}
	if cfg.Dilate != 0 {
		if ds.SplitsWithDilation == nil {
			return fmt.Errorf("lab: data set %s has no dilation option; -dilate %d does not apply", ds.Name, cfg.Dilate)
		}
		if cfg.Dilate < 0 || cfg.Dilate%2 == 0 {
			return fmt.Errorf("lab: -dilate %d: the side of the dilating square must be a positive odd number", cfg.Dilate)
		}
	}
	return nil
}

// Run is one trained model's results.
type Run struct {
	Method     train.Method `json:"method"`
	Seed       int          `json:"seed"`
	Lambda     float64      `json:"lambda"`
	LR         float64      `json:"learning_rate"`
	Epochs     int          `json:"epochs"`               // epochs run
	BestEpoch  int          `json:"best_epoch"`           // checkpoint kept (lowest validation loss)
	TrainAcc   float64      `json:"train_accuracy"`       // of the selected checkpoint
	FinalTrain float64      `json:"final_train_accuracy"` // after the last epoch, before checkpoint selection
	ValidAUC   float64      `json:"valid_auc"`
	TestAUC    float64      `json:"test_auc"`
	TestAcc    float64      `json:"test_accuracy"`
	// LastTestAUC is the test AUC of the last epoch's weights, to show what
	// checkpoint selection changed.
	LastTestAUC float64 `json:"last_epoch_test_auc"`
	LastTestAcc float64 `json:"last_epoch_test_accuracy"`
	IoUGrad     float64 `json:"iou_gradient"`
	// MassGrad is the input gradient's relevance mass inside the mask.
	MassGrad float64 `json:"relevance_mass_gradient"`
	IoUIG    float64 `json:"iou_integrated_gradients"`
	// IoUGradLogProb and MassGradLogProb are IoUGrad and MassGrad for the
	// input gradient of log p_c instead of the logit f_c (what the
	// explorer's maps explain by default; saliency.TargetLogProb).
	IoUGradLogProb  float64 `json:"iou_gradient_logprob"`
	MassGradLogProb float64 `json:"relevance_mass_gradient_logprob"`
	Diverged        string  `json:"diverged,omitempty"`
	// History is set with Config.History, one record per epoch.
	History []EpochRecord `json:"history,omitempty"`
	// Sanity is set with Config.Sanity.
	Sanity *Sanity `json:"sanity,omitempty"`
}

// EpochRecord is one epoch of a run's history (Config.History).
type EpochRecord struct {
	Epoch int `json:"epoch"`
	// CE and Penalty are the means over the epoch's batches of the
	// training cross-entropy and the unweighted penalty (the loss is
	// CE + λ·Penalty).
	CE        float64 `json:"ce"`
	Penalty   float64 `json:"penalty"`
	ValidLoss float64 `json:"valid_loss"`
	ValidAUC  float64 `json:"valid_auc"`
	TrainAcc  float64 `json:"train_accuracy"`
	TestAUC   float64 `json:"test_auc"`
	Best      bool    `json:"best,omitempty"` // the checkpoint so far
}

// Summary is the mean and standard deviation over seeds of one method.
type Summary struct {
	Method               train.Method `json:"method"`
	Lambda               float64      `json:"lambda"`
	LR                   float64      `json:"learning_rate"`
	Seeds                int          `json:"seeds"`
	TestAUC, TestAUCStd  float64
	TestAcc, TestAccStd  float64
	TrainAcc, FinalTrain float64
	LastTestAUC          float64
	LastTestAcc          float64
	IoUGrad, IoUGradStd  float64
	MassGrad, MassStd    float64
	IoUIG, IoUIGStd      float64
	// The input gradient of log p_c (Run.IoUGradLogProb, MassGradLogProb).
	IoUGradLP, IoUGradLPStd float64
	MassGradLP, MassLPStd   float64
	Sanity                  *Sanity `json:",omitempty"` // mean over seeds
}

// Result is a whole lab run.
type Result struct {
	Dataset   string    `json:"dataset"`
	Config    Config    `json:"config"`
	Runs      []Run     `json:"runs"`
	Summaries []Summary `json:"summaries"`
}

// Execute runs every method for every seed and summarizes. Progress lines go
// to log (which may be nil).
func Execute(ctx context.Context, cfg Config, log io.Writer) (*Result, error) {
	ds, ok := datasets.Lookup(cfg.Dataset)
	if !ok {
		return nil, fmt.Errorf("lab: unknown data set %q", cfg.Dataset)
	}
	if log == nil {
		log = io.Discard
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = withDefaults(ds, cfg)
	ds, err := withSplits(ds, cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{Dataset: ds.Name, Config: cfg}
	for _, m := range cfg.Methods {
		lam := LambdaFor(ds, m, cfg)
		var runs []Run
		for seed := cfg.FirstSeed; seed < cfg.FirstSeed+cfg.Seeds; seed++ {
			r, err := runOne(ctx, ds, cfg, m, lam, seed)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "%s seed %d: test AUC %.3f, acc %.3f, IoU grad %.3f, IoU IG %.3f, mass grad %.3f, IoU/mass grad of log p_c %.3f/%.3f (train acc %.3f, best epoch %d; last epoch: test AUC %.3f, acc %.3f, train acc %.3f)\n",
				m, seed, r.TestAUC, r.TestAcc, r.IoUGrad, r.IoUIG, r.MassGrad, r.IoUGradLogProb, r.MassGradLogProb, r.TrainAcc, r.BestEpoch, r.LastTestAUC, r.LastTestAcc, r.FinalTrain)
			if z := r.Sanity; z != nil && z.ZeroMaps > 0 {
				fmt.Fprintf(log, "%s seed %d sanity: the trained model's input gradient is zero everywhere on %d of the images; left out of the randomisation check\n", m, seed, z.ZeroMaps)
			}
			if z := r.Sanity; z != nil && len(z.Spearman) > 0 {
				fmt.Fprintf(log, "%s seed %d sanity: Spearman top %.3f all %.3f, SSIM top %.3f all %.3f, deletion grad/IG/random %.3f/%.3f/%.3f, insertion %.3f/%.3f/%.3f, Spearman per step %.2f\n",
					m, seed, z.Spearman[0], z.Spearman[len(z.Spearman)-1], z.SSIM[0], z.SSIM[len(z.SSIM)-1],
					z.DeletionGrad, z.DeletionIG, z.DeletionRandom, z.InsertionGrad, z.InsertionIG, z.InsertionRandom, z.Spearman)
			}
			for _, h := range r.History {
				fmt.Fprintf(log, "%s seed %d epoch %d: CE %.4f, penalty %.4g, valid loss %.4f, valid AUC %.3f, train acc %.3f, test AUC %.3f%s\n",
					m, seed, h.Epoch, h.CE, h.Penalty, h.ValidLoss, h.ValidAUC, h.TrainAcc, h.TestAUC, map[bool]string{true: " (best)"}[h.Best])
			}
			runs = append(runs, r)
		}
		res.Runs = append(res.Runs, runs...)
		res.Summaries = append(res.Summaries, summarize(m, lam, runs))
	}
	return res, nil
}

// withSplits returns ds whose Splits builds what cfg asks for: the mask
// option cfg.Mask, cfg.NTrain training images (with that mask option), or
// training masks dilated by cfg.Dilate.
func withSplits(ds datasets.Dataset, cfg Config) (datasets.Dataset, error) {
	if cfg.Mask != "" {
		if ds.SplitsWithMask == nil {
			return ds, fmt.Errorf("lab: data set %s has a single mask; -mask %q does not apply", ds.Name, cfg.Mask)
		}
		withMask := ds.SplitsWithMask
		ds.Splits = func(seed int64, _ func(done, total int)) (data.Splits, error) { return withMask(seed, cfg.Mask) }
	}
	if cfg.NTrain != 0 {
		if ds.SplitsWithSize == nil {
			return ds, fmt.Errorf("lab: data set %s has one size; -ntrain %d does not apply", ds.Name, cfg.NTrain)
		}
		withSize, mask := ds.SplitsWithSize, cfg.Mask
		ds.Splits = func(seed int64, _ func(done, total int)) (data.Splits, error) {
			return withSize(seed, mask, cfg.NTrain)
		}
	}
	if cfg.Dilate != 0 {
		if ds.SplitsWithDilation == nil {
			return ds, fmt.Errorf("lab: data set %s has no dilation option; -dilate %d does not apply", ds.Name, cfg.Dilate)
		}
		withDilation := ds.SplitsWithDilation
		ds.Splits = func(seed int64, _ func(done, total int)) (data.Splits, error) { return withDilation(seed, cfg.Dilate) }
	}
	return ds, nil
}

// Fit trains a fresh network of ds's architecture (initialized from seed)
// with method m and penalty weight lam on splits, calling onEpoch (if not
// nil) after every epoch with the network (holding that epoch's weights)
// and the means over the epoch's batches of the loss terms. It returns the network holding its last epoch's
// weights and the trainer, whose Finish restores the checkpoint with the
// lowest validation loss. A diverged run stops early and is reported in
// diverged, not as an error.
func Fit(ctx context.Context, ds datasets.Dataset, splits data.Splits, cfg Config, m train.Method, lam float64, seed int, onEpoch func(net *nn.Network, e *train.EpochInfo, mean train.Terms)) (net *nn.Network, tr *train.Trainer, diverged string, err error) {
	if _, err := applyProtocol(ds, cfg); err != nil {
		return nil, nil, "", err
	}
	cfg = withDefaults(ds, cfg)
	net, err = nn.New(networkSpec(ds, cfg), uint64(seed)+1)
	if err != nil {
		return nil, nil, "", fmt.Errorf("lab: %w", err)
	}
	if cfg.RossInit {
		rossInit(net, seed)
	}
	tr, err = train.NewTrainer(net, splits.Train, splits.Valid, trainConfig(ds, cfg, m, lam, seed))
	if err != nil {
		return nil, nil, "", fmt.Errorf("lab: %w", err)
	}
	var sum train.Terms
	for !tr.Done() {
		if err := ctx.Err(); err != nil {
			return nil, nil, "", err
		}
		info, err := tr.Step()
		if err != nil {
			return net, tr, err.Error(), nil
		}
		sum.Loss += info.Loss
		sum.CE += info.CE
		sum.Penalty += info.Penalty
		if info.EpochEnd != nil {
			if onEpoch != nil {
				n := float64(info.Batches)
				onEpoch(net, info.EpochEnd, train.Terms{Loss: sum.Loss / n, CE: sum.CE / n, Penalty: sum.Penalty / n})
			}
			sum = train.Terms{}
		}
	}
	return net, tr, "", nil
}

func runOne(ctx context.Context, ds datasets.Dataset, cfg Config, m train.Method, lam float64, seed int) (Run, error) {
	r := Run{Method: m, Seed: seed, Lambda: lam, LR: trainConfig(ds, cfg, m, lam, seed).LR}
	splits, err := ds.Splits(int64(seed), nil)
	if err != nil {
		return r, fmt.Errorf("lab: %s splits: %w", ds.Name, err)
	}
	if cfg.Net == NetRossMLP {
		scaleSplits(splits, rossScale)
	}
	net, tr, diverged, err := Fit(ctx, ds, splits, cfg, m, lam, seed, func(net *nn.Network, e *train.EpochInfo, mean train.Terms) {
		r.Epochs = e.Epoch
		if e.Best {
			r.BestEpoch = e.Epoch
		}
		if cfg.History {
			r.History = append(r.History, EpochRecord{
				Epoch: e.Epoch, CE: mean.CE, Penalty: mean.Penalty,
				ValidLoss: e.Valid.Loss, ValidAUC: e.Valid.AUC,
				TrainAcc: train.Evaluate(net, splits.Train, 64).Accuracy,
				TestAUC:  train.Evaluate(net, splits.Test, 64).AUC,
				Best:     e.Best,
			})
		}
	})
	if err != nil {
		return r, err
	}
	r.Diverged = diverged
	r.FinalTrain = train.Evaluate(net, splits.Train, 64).Accuracy
	last := train.Evaluate(net, splits.Test, 64)
	r.LastTestAUC, r.LastTestAcc = last.AUC, last.Accuracy
	if cfg.Select == SelectBest {
		tr.Finish()
	}
	r.TrainAcc = train.Evaluate(net, splits.Train, 64).Accuracy
	r.ValidAUC = train.Evaluate(net, splits.Valid, 64).AUC
	test := train.Evaluate(net, splits.Test, 64)
	r.TestAUC, r.TestAcc = test.AUC, test.Accuracy
	grad, err := MeanAgreement(ctx, net, splits.Test, ds.Positive, saliency.Gradient, saliency.Options{})
	if err != nil {
		return r, err
	}
	r.IoUGrad, r.MassGrad = grad.IoU, grad.RelevanceMass
	lp, err := MeanAgreement(ctx, net, splits.Test, ds.Positive, saliency.Gradient, saliency.Options{Target: saliency.TargetLogProb})
	if err != nil {
		return r, err
	}
	r.IoUGradLogProb, r.MassGradLogProb = lp.IoU, lp.RelevanceMass
	ig, err := MeanAgreement(ctx, net, splits.Test, ds.Positive, saliency.IntegratedGradients, saliency.Options{Steps: cfg.IGSteps})
	r.IoUIG = ig.IoU
	if err != nil || !cfg.Sanity {
		return r, err
	}
	sn, err := SanityChecks(ctx, net, splits.Test, ds.Positive, cfg.IGSteps, uint64(seed))
	r.Sanity = &sn
	return r, err
}

// MeanAgreement returns the mean agreement (top-k IoU, relevance mass, …)
// between method m's saliency for each image's own class and its mask, over
// the images of set whose class is positive and whose mask is non-empty.
// With no such image every field is NaN.
func MeanAgreement(ctx context.Context, net *nn.Network, set *data.Set, positive func(int) bool, m saliency.Method, opt saliency.Options) (metrics.AgreementMean, error) {
	hw := set.H * set.W
	maps := make([]float32, set.Len()*hw)
	for i, y := range set.Labels {
		if !positive(y) {
			continue
		}
		opt.Class = y
		s, err := saliency.Map(ctx, net, set.Image(i), m, opt)
		if err != nil {
			return metrics.AgreementMean{}, fmt.Errorf("lab: saliency %s on image %d: %w", m, i, err)
		}
		copy(maps[i*hw:(i+1)*hw], s)
	}
	r := metrics.MeanAgreement(maps, set.Masks, set.Len(), hw, func(i int) bool { return positive(set.Labels[i]) })
	if r.N == 0 {
		nan := math.NaN()
		r.IoU, r.IoP, r.IoT, r.RelevanceMass, r.Pointing = nan, nan, nan, nan, nan
	}
	return r, nil
}

// meanStd returns the mean and the sample standard deviation (0 for a single
// seed).
func meanStd(xs []float64) (mean, std float64) {
	if len(xs) < 2 {
		return stat.Mean(xs, nil), 0
	}
	return stat.MeanStdDev(xs, nil)
}

func summarize(m train.Method, lam float64, runs []Run) Summary {
	col := func(f func(Run) float64) []float64 {
		out := make([]float64, len(runs))
		for i, r := range runs {
			out[i] = f(r)
		}
		return out
	}
	s := Summary{Method: m, Lambda: lam, Seeds: len(runs)}
	if len(runs) > 0 {
		s.LR = runs[0].LR
	}
	s.TestAUC, s.TestAUCStd = meanStd(col(func(r Run) float64 { return r.TestAUC }))
	s.TestAcc, s.TestAccStd = meanStd(col(func(r Run) float64 { return r.TestAcc }))
	s.TrainAcc, _ = meanStd(col(func(r Run) float64 { return r.TrainAcc }))
	s.FinalTrain, _ = meanStd(col(func(r Run) float64 { return r.FinalTrain }))
	s.LastTestAUC, _ = meanStd(col(func(r Run) float64 { return r.LastTestAUC }))
	s.LastTestAcc, _ = meanStd(col(func(r Run) float64 { return r.LastTestAcc }))
	s.IoUGrad, s.IoUGradStd = meanStd(col(func(r Run) float64 { return r.IoUGrad }))
	s.MassGrad, s.MassStd = meanStd(col(func(r Run) float64 { return r.MassGrad }))
	s.IoUGradLP, s.IoUGradLPStd = meanStd(col(func(r Run) float64 { return r.IoUGradLogProb }))
	s.MassGradLP, s.MassLPStd = meanStd(col(func(r Run) float64 { return r.MassGradLogProb }))
	s.IoUIG, s.IoUIGStd = meanStd(col(func(r Run) float64 { return r.IoUIG }))
	s.Sanity = meanSanity(runs)
	return s
}

// Markdown renders the summaries as a table, one row per method.
func (r *Result) Markdown() string {
	var b strings.Builder
	mask := ""
	if r.Config.Mask != "" {
		mask = ", mask " + r.Config.Mask
	}
	c := r.Config
	net := c.Net
	if net == NetResNet18 {
		net = fmt.Sprintf("ResNet-18 width %d", c.Width)
	}
	if net != "" {
		net = ", " + net
	}
	if c.NTrain != 0 {
		mask += fmt.Sprintf(", %d training images", c.NTrain)
	}
	if c.Dilate != 0 {
		mask += fmt.Sprintf(", training masks dilated by a %d×%d square", c.Dilate, c.Dilate)
	}
	if c.RossInit {
		net += ", Ross et al.'s initialization N(0, 0.1²)"
	}
	fmt.Fprintf(&b, "### %s (%d seeds, %d epochs%s, protocol %s%s, batch %d)\n\n", r.Dataset, c.Seeds, c.Epochs, mask, c.Protocol, net, c.BatchSize)
	if c.Select == SelectLast {
		b.WriteString("Test metrics are for the last epoch's weights (-select last).\n\n")
	} else if c.BurnIn > 0 {
		fmt.Fprintf(&b, "Test metrics are for the checkpoint with the lowest validation loss after epoch %d; the last columns show the last epoch's weights.\n\n", c.BurnIn)
	} else {
		b.WriteString("Test metrics are for the checkpoint with the lowest validation loss; the last columns show the last epoch's weights.\n\n")
	}
	b.WriteString("The input-gradient and Integrated Gradients columns explain the class's logit f_c; the log p_c columns the gradient of its log-probability (the explorer's default), which a component common to every logit does not move.\n\n")
	b.WriteString("| method | λ | lr | test AUC | test accuracy | IoU (input gradient) | IoU (Integrated Gradients) | relevance mass in mask (input gradient) | IoU (input gradient of log p_c) | relevance mass in mask (input gradient of log p_c) | train accuracy (selected / last) | test AUC (last epoch) | test accuracy (last epoch) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Summaries {
		fmt.Fprintf(&b, "| %s | %g | %g | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f ± %.3f | %.3f / %.3f | %.3f | %.3f |\n",
			s.Method, s.Lambda, s.LR, s.TestAUC, s.TestAUCStd, s.TestAcc, s.TestAccStd, s.IoUGrad, s.IoUGradStd, s.IoUIG, s.IoUIGStd, s.MassGrad, s.MassStd,
			s.IoUGradLP, s.IoUGradLPStd, s.MassGradLP, s.MassLPStd, s.TrainAcc, s.FinalTrain, s.LastTestAUC, s.LastTestAcc)
	}
	r.sanityMarkdown(&b)
	return b.String()
}
