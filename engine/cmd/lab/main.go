// Command lab trains every objective on a built-in data set for several seeds
// and prints, per method, test ROC AUC (mean ± std), accuracy and saliency
// IoU for input-gradient and Integrated Gradients maps, as a markdown table;
// -json also writes the full results.
//
//	go run ./engine/cmd/lab -dataset crosses -seeds 3
//	go run ./engine/cmd/lab -dataset phantom -seeds 2 -method baseline,masked,shuffle,rrr
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
	flag.IntVar(&cfg.Epochs, "epochs", 0, "epochs per run (0: the data set's default)")
	flag.Float64Var(&cfg.Lambda, "lambda", 0, "penalty weight λ for every method (0: per-method defaults)")
	flag.Float64Var(&cfg.LR, "lr", 0, "learning rate (0: the data set's default)")
	flag.StringVar(&cfg.Mask, "mask", "", "mask option of the data set (decoy sets: swatch, the default, or object)")
	flag.StringVar(&jsonPath, "json", "", "also write the results as JSON to this file")
	flag.Parse()
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
