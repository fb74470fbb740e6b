// Command lab trains every objective on a built-in data set for several seeds
// and prints, per method, test ROC AUC (mean ± std), accuracy and saliency
// IoU for input-gradient and Integrated Gradients maps, as a markdown table;
// -json also writes the full results.
//
//	go run ./engine/cmd/lab -dataset crosses -seeds 3
//	go run ./engine/cmd/lab -dataset phantom -seeds 2 -method baseline,masked,shuffle,rrr
//	go run ./engine/cmd/lab -dataset crosses -protocol paper -width 4 -epochs 8 -sanity
//	go run ./engine/cmd/lab -dataset decoy-mnist -net ross-mlp -method baseline,rrr
//	go run ./engine/cmd/lab -merge a.json,b.json
//
// -json writes a measurement that is NaN or infinite (a diverged run's AUC,
// an average over no image) as null, since JSON has no NaN; -merge reads
// null back as NaN.
//
// -sanity adds a second table: the cascading model-parameter randomisation
// check and the deletion/insertion areas per method (package sanity).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/train"
)

func main() {
	var cfg lab.Config
	var methods, jsonPath string
	var names []string
	for _, d := range datasets.All() {
		names = append(names, d.Name)
	}
	flag.StringVar(&cfg.Dataset, "dataset", "crosses", "data set, one of "+strings.Join(names, ", ")+" (the decoy sets need the MNIST / Fashion-MNIST cache from 'make data', or $SALIENCY_DATASETS)")
	flag.StringVar(&methods, "method", "", "one method or a comma list (default all): "+fmt.Sprint(train.Methods()))
	flag.IntVar(&cfg.Seeds, "seeds", 3, "number of seeds")
	flag.IntVar(&cfg.FirstSeed, "firstseed", 0, "first seed (runs seeds firstseed .. firstseed+seeds−1)")
	flag.IntVar(&cfg.IGSteps, "igsteps", 0, "Integrated Gradients steps for its IoU and deletion/insertion columns (0: 32)")
	flag.IntVar(&cfg.Epochs, "epochs", 0, "epochs per run (0: the data set's default)")
	flag.Float64Var(&cfg.Lambda, "lambda", 0, "penalty weight λ for every method (0: per-method defaults)")
	flag.Float64Var(&cfg.LR, "lr", 0, "learning rate (0: the data set's default)")
	flag.StringVar(&cfg.Mask, "mask", "", "mask option of the data set (decoy sets: swatch, the default, or object)")
	flag.IntVar(&cfg.Dilate, "dilate", 0, "side of the square dilating the training masks (odd; 1: none; 0: the data set's, 7 on Crosses; Crosses only)")
	flag.BoolVar(&cfg.History, "history", false, "record per epoch the loss terms, validation loss and AUC, train accuracy and test AUC (in -json, and printed)")
	flag.BoolVar(&cfg.RossInit, "rossinit", false, "with -net ross-mlp: start from Ross et al.'s initialization (every weight and bias N(0, 0.1²)) instead of the project's")
	flag.IntVar(&cfg.NTrain, "ntrain", 0, "training images instead of the data set's subset (decoy sets: 6,000 by default, at most 59,000)")
	flag.IntVar(&cfg.DiscSteps, "discsteps", 0, "adversarial: discriminator steps per encoder step (0: the protocol's, else the trainer's default)")
	flag.Float64Var(&cfg.DiscLR, "disclr", 0, "adversarial: the discriminator's learning rate (0: the protocol's, else the trainer's default)")
	flag.StringVar(&cfg.Protocol, "protocol", "lab", "lab: the data set's network and learning rate; paper: Viviano et al.'s Crosses protocol (ResNet-18, Adam at each method's tuned learning rate and λ, batch 32, 100 epochs, selection after a 5-epoch burn-in; see lab.PaperSettings)")
	flag.StringVar(&cfg.Net, "net", "", "network instead of the data set's: resnet18 (width -width) or ross-mlp (Ross et al.'s 784-50-30-10 MLP on a Decoy set, in their setting: inputs 0–255, Adam 0.001, batch 256, 64 epochs, RRR λ 1000 over the batch size)")
	flag.IntVar(&cfg.Width, "width", 0, "ResNet-18 width (channels of its first stage; 0: 8, the original is 64)")
	flag.StringVar(&cfg.Select, "select", "best", "checkpoint: best (lowest validation loss after the burn-in) or last (the last epoch)")
	flag.IntVar(&cfg.BurnIn, "burnin", 0, "epochs never selected as the checkpoint (0: the protocol's, 5 for paper)")
	flag.BoolVar(&cfg.Sanity, "sanity", false, "also print the sanity checks (cascading randomisation) and deletion/insertion table per method")
	flag.StringVar(&jsonPath, "json", "", "also write the results as JSON to this file")
	var merge string
	flag.StringVar(&merge, "merge", "", "instead of training, merge these comma-separated -json files of one experiment (e.g. seeds run as separate processes) and print their table")
	flag.Parse()
	if merge != "" {
		var parts []*lab.Result
		for _, path := range strings.Split(merge, ",") {
			b, err := os.ReadFile(path)
			var r lab.Result
			if err == nil {
				err = json.Unmarshal(b, &r)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "lab: reading %s: %v\n", path, err)
				os.Exit(1)
			}
			parts = append(parts, &r)
		}
		res, err := lab.Merge(parts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(res.Markdown())
		return
	}
	if methods != "" {
		for _, s := range strings.Split(methods, ",") {
			m, err := train.ParseMethod(strings.TrimSpace(s))
			if err != nil {
				fmt.Fprintln(os.Stderr, "lab:", err)
				os.Exit(2)
			}
			cfg.Methods = append(cfg.Methods, m)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := lab.Execute(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
	fmt.Print(res.Markdown())
	if jsonPath != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(jsonPath, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lab: writing JSON:", err)
			os.Exit(1)
		}
	}
}
