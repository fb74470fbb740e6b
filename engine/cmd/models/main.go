// Command models trains the models and writes the sample galleries that the
// app ships (`make models`): for each data set, one model trained with the
// baseline objective (it learns the shortcut) and one with the data set's
// showcase mask method, both from fixed seeds, plus a gallery of test images
// with masks and labels, and a manifest.json listing them with the test AUC,
// accuracy and saliency IoU measured here.
//
//	go run ./engine/cmd/models -out assets/models -datasets crosses
//
// Data sets the browser cannot generate (Decoy MNIST and Fashion-MNIST)
// also ship training images (-train-gallery), on which the app fine-tunes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

// Scores are a shipped model's test results.
type Scores struct {
	AUC      float64 `json:"auc"`
	Accuracy float64 `json:"accuracy"`
	IoU      float64 `json:"iou"` // mean top-k IoU of input-gradient saliency on positive test images
	// Mass is the mean relevance mass of that saliency inside the masks.
	Mass float64 `json:"relevance_mass"`
}

// Entry is one model in the manifest.
type Entry struct {
	Name     string   `json:"name"`
	Dataset  string   `json:"dataset"`
	Method   string   `json:"method"`
	Lambda   float64  `json:"lambda,omitempty"`
	Arch     string   `json:"arch"`
	Weights  string   `json:"weights"`
	Input    [3]int   `json:"input"` // C, H, W
	Classes  []string `json:"classes"`
	Epochs   int      `json:"epochs"`
	Seed     int      `json:"seed"`
	Test     Scores   `json:"test"`
	TrainAcc float64  `json:"train_accuracy"`
}

// Gallery is one data set's sample file in the manifest: test images, or
// with Split "train" training images for a data set the browser cannot
// generate, so that it can fine-tune on them.
type Gallery struct {
	Dataset string   `json:"dataset"`
	Split   string   `json:"split,omitempty"` // "" (test) or "train"
	File    string   `json:"file"`
	Count   int      `json:"count"`
	Classes []string `json:"classes"`
}

// Manifest is assets/models/manifest.json.
type Manifest struct {
	Command   string    `json:"command"`
	Models    []Entry   `json:"models"`
	Galleries []Gallery `json:"galleries"`
}

func main() {
	out := flag.String("out", "assets/models", "output folder")
	names := flag.String("datasets", "crosses", "comma list of data sets")
	perClass := flag.Int("gallery", 12, "gallery images per class")
	trainNames := flag.String("train-gallery", "", "comma list of data sets that also ship training images (those the browser cannot generate)")
	trainPerClass := flag.Int("train-per-class", 50, "training images per class in a training gallery")
	seed := flag.Int("seed", 0, "seed for data and weights")
	flag.Parse()
	opt := options{out: *out, names: split(*names), perClass: *perClass, trainNames: split(*trainNames), trainPerClass: *trainPerClass, seed: *seed}
	if err := run(opt); err != nil {
		fmt.Fprintln(os.Stderr, "models:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	out           string
	names         []string
	perClass      int
	trainNames    []string
	trainPerClass int
	seed          int
}

// split splits a comma list, dropping blanks.
func split(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// command is the command line that reproduces opt.
func (opt options) command() string {
	c := fmt.Sprintf("go run ./engine/cmd/models -out %s -datasets %s -gallery %d", opt.out, strings.Join(opt.names, ","), opt.perClass)
	if len(opt.trainNames) > 0 {
		c += fmt.Sprintf(" -train-gallery %s -train-per-class %d", strings.Join(opt.trainNames, ","), opt.trainPerClass)
	}
	return c + fmt.Sprintf(" -seed %d", opt.seed)
}

func run(opt options) error {
	out, seed := opt.out, opt.seed
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, name := range opt.trainNames {
		if !slices.Contains(opt.names, name) {
			return fmt.Errorf("-train-gallery names %q, which -datasets does not list", name)
		}
	}
	man := Manifest{Command: opt.command()}
	ctx := context.Background()
	for _, name := range opt.names {
		ds, ok := lab.Datasets()[name]
		if !ok {
			return fmt.Errorf("unknown data set %q", name)
		}
		splits, err := ds.Splits(int64(seed))
		if err != nil {
			return fmt.Errorf("%s: %w", ds.Name, err)
		}
		for _, m := range []train.Method{train.Baseline, ds.Showcase} {
			e, err := shipModel(ctx, out, ds, splits, m, seed)
			if err != nil {
				return fmt.Errorf("%s %s: %w", ds.Name, m, err)
			}
			fmt.Fprintf(os.Stderr, "%s: test AUC %.3f, accuracy %.3f, IoU %.3f, relevance mass %.3f (train accuracy %.3f)\n", e.Name, e.Test.AUC, e.Test.Accuracy, e.Test.IoU, e.Test.Mass, e.TrainAcc)
			man.Models = append(man.Models, e)
		}
		g, err := shipGallery(out, ds.Name+"-samples.safetensors", splits.Test, opt.perClass)
		if err != nil {
			return fmt.Errorf("%s gallery: %w", ds.Name, err)
		}
		g.Dataset = ds.Name
		man.Galleries = append(man.Galleries, g)
		if slices.Contains(opt.trainNames, ds.Name) {
			g, err := shipGallery(out, ds.Name+"-train.safetensors", splits.Train, opt.trainPerClass)
			if err != nil {
				return fmt.Errorf("%s training gallery: %w", ds.Name, err)
			}
			g.Dataset, g.Split = ds.Name, "train"
			man.Galleries = append(man.Galleries, g)
		}
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "manifest.json"), append(b, '\n'), 0o644)
}

// shipModel trains with method m and writes the last epoch's weights: a
// shipped model shows what training produced, shortcut and all, rather than
// the checkpoint chosen on the reversed validation split.
func shipModel(ctx context.Context, out string, ds lab.Dataset, splits data.Splits, m train.Method, seed int) (Entry, error) {
	cfg := lab.Config{}
	lam := ds.LambdaFor(m, cfg)
	net, tr, diverged, err := lab.Fit(ctx, ds, splits, cfg, m, lam, seed, nil)
	if err != nil {
		return Entry{}, err
	}
	if diverged != "" {
		return Entry{}, fmt.Errorf("training diverged: %s", diverged)
	}
	name := ds.Name + "-" + string(m)
	net.Spec.Name = name
	test := train.Evaluate(net, splits.Test, 64)
	agree, err := lab.MeanAgreement(ctx, net, splits.Test, ds.Positive, saliency.Gradient, saliency.Options{})
	if err != nil {
		return Entry{}, err
	}
	e := Entry{
		Name: name, Dataset: ds.Name, Method: string(m), Lambda: lam,
		Arch: name + ".json", Weights: name + ".safetensors",
		Input:   [3]int{net.Input().C, net.Input().H, net.Input().W},
		Classes: net.Spec.Classes, Epochs: tr.Config().Epochs, Seed: seed,
		Test:     Scores{AUC: test.AUC, Accuracy: test.Accuracy, IoU: agree.IoU, Mass: agree.RelevanceMass},
		TrainAcc: train.Evaluate(net, splits.Train, 64).Accuracy,
	}
	arch, weights, err := model.Save(net, map[string]string{
		"dataset": ds.Name, "method": string(m), "lambda": fmt.Sprint(lam), "seed": fmt.Sprint(seed),
		"test_auc": fmt.Sprintf("%.4f", test.AUC),
	})
	if err != nil {
		return Entry{}, err
	}
	if err := os.WriteFile(filepath.Join(out, e.Arch), arch, 0o644); err != nil {
		return Entry{}, err
	}
	return e, os.WriteFile(filepath.Join(out, e.Weights), weights, 0o644)
}

// shipGallery writes the first perClass images of each class of set to the
// file out/file (the images keep their order in set).
func shipGallery(out, file string, set *data.Set, perClass int) (Gallery, error) {
	count := make([]int, len(set.ClassNames))
	var idx []int
	for i, y := range set.Labels {
		if count[y] < perClass {
			count[y]++
			idx = append(idx, i)
		}
	}
	sub := set.Subset(idx)
	b, err := data.EncodeGallery(sub)
	if err != nil {
		return Gallery{}, err
	}
	if err := os.WriteFile(filepath.Join(out, file), b, 0o644); err != nil {
		return Gallery{}, err
	}
	return Gallery{File: file, Count: sub.Len(), Classes: set.ClassNames}, nil
}
