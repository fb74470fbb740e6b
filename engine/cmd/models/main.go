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
	"saliencyexplorer/engine/datasets"
	"saliencyexplorer/engine/lab"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
)

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
	man := model.Manifest{Command: opt.command()}
	ctx := context.Background()
	for _, name := range opt.names {
		ds, ok := datasets.Lookup(name)
		if !ok {
			return fmt.Errorf("unknown data set %q", name)
		}
		splits, err := ds.Splits(int64(seed), nil)
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
			g.Dataset, g.Split = ds.Name, model.SplitTrain
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
func shipModel(ctx context.Context, out string, ds datasets.Dataset, splits data.Splits, m train.Method, seed int) (model.ManifestEntry, error) {
	cfg := lab.Config{}
	lam := lab.LambdaFor(ds, m, cfg)
	net, tr, diverged, err := lab.Fit(ctx, ds, splits, cfg, m, lam, seed, nil)
	if err != nil {
		return model.ManifestEntry{}, err
	}
	if diverged != "" {
		return model.ManifestEntry{}, fmt.Errorf("training diverged: %s", diverged)
	}
	name := ds.Name + "-" + string(m)
	net.Spec.Name = name
	test := train.Evaluate(net, splits.Test, 64)
	agree, err := lab.MeanAgreement(ctx, net, splits.Test, ds.Positive, saliency.Gradient, saliency.Options{})
	if err != nil {
		return model.ManifestEntry{}, err
	}
	e := model.ManifestEntry{
		Name: name, Dataset: ds.Name, Method: string(m), Lambda: lam,
		Arch: name + ".json", Weights: name + ".safetensors",
		Input:   []int{net.Input().C, net.Input().H, net.Input().W},
		Classes: net.Spec.Classes, Epochs: tr.Config().Epochs, Seed: seed,
		Test:     model.Scores{AUC: test.AUC, Accuracy: test.Accuracy, IoU: agree.IoU, Mass: agree.RelevanceMass},
		TrainAcc: train.Evaluate(net, splits.Train, 64).Accuracy,
	}
	arch, weights, err := model.Save(net, map[string]string{
		"dataset": ds.Name, "method": string(m), "lambda": fmt.Sprint(lam), "seed": fmt.Sprint(seed),
		"test_auc": fmt.Sprintf("%.4f", test.AUC),
	})
	if err != nil {
		return model.ManifestEntry{}, err
	}
	if err := os.WriteFile(filepath.Join(out, e.Arch), arch, 0o644); err != nil {
		return model.ManifestEntry{}, err
	}
	return e, os.WriteFile(filepath.Join(out, e.Weights), weights, 0o644)
}

// shipGallery writes the first perClass images of each class of set to the
// file out/file (the images keep their order in set).
func shipGallery(out, file string, set *data.Set, perClass int) (model.GalleryEntry, error) {
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
		return model.GalleryEntry{}, err
	}
	if err := os.WriteFile(filepath.Join(out, file), b, 0o644); err != nil {
		return model.GalleryEntry{}, err
	}
	return model.GalleryEntry{File: file, Count: sub.Len(), Classes: set.ClassNames}, nil
}
