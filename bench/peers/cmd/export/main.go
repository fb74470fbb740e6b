// Command export writes the networks `make bench-peers` compares, as model
// files (architecture JSON + safetensors) that both the engine and the
// TensorFlow.js peer load, plus networks.json describing them:
//
//   - crosses: the shipped Crosses model from assets/models if there is one,
//     else model.CrossesCNN() with seeded weights (28×28);
//
//   - phantom: the shipped Phantom model if there is one, else its stand-in
//     model.CNN64 with seeded weights (64×64);
//
//   - resnet64: model.ResNet64 with seeded weights and BatchNorm statistics
//     and affine parameters drawn away from their initial 0/1, so the
//     inference-mode normalization is exercised.
//
//     go run ./bench/peers/cmd/export -out bench/peers/out
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"saliencyexplorer/bench/peers/cases"
	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/onnx"
)

// Network is one entry of networks.json.
type Network struct {
	Name    string             `json:"name"`
	Label   string             `json:"label"`
	Source  string             `json:"source"`
	Arch    string             `json:"arch"`
	Weights string             `json:"weights"`
	Input   [3]int             `json:"input"`
	Classes int                `json:"classes"`
	MACs    int64              `json:"macs"`
	Params  int                `json:"params"`
	FLOPs   map[string]float64 `json:"flops"`
	// ONNX is the same network exported by engine/onnx (for the ONNX
	// Runtime Web peer), "" if the export failed.
	ONNX string `json:"onnx,omitempty"`
}

type manifest struct {
	Models []struct {
		Name    string `json:"name"`
		Dataset string `json:"dataset"`
		Method  string `json:"method"`
		Arch    string `json:"arch"`
		Weights string `json:"weights"`
	} `json:"models"`
}

// shipped returns the arch and weights of the first shipped model of
// dataset (preferring the baseline one), or ok == false.
func shipped(dir, dataset string) (arch, weights []byte, name string, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil, "", false
	}
	var m manifest
	if json.Unmarshal(b, &m) != nil {
		return nil, nil, "", false
	}
	for pass := 0; pass < 2; pass++ {
		for _, e := range m.Models {
			if !strings.EqualFold(e.Dataset, dataset) || (pass == 0 && e.Method != "baseline") {
				continue
			}
			a, err1 := os.ReadFile(filepath.Join(dir, e.Arch))
			w, err2 := os.ReadFile(filepath.Join(dir, e.Weights))
			if err1 == nil && err2 == nil {
				if _, err := model.Load(a, w); err == nil {
					return a, w, e.Name, true
				}
			}
		}
	}
	return nil, nil, "", false
}

// perturbBatchNorm draws BatchNorm parameters and running statistics away
// from 1 and 0, so that inference-mode normalization matters.
func perturbBatchNorm(net *nn.Network, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range net.NamedParams() {
		switch {
		case strings.HasSuffix(p.Name, "running_mean"):
			for i := range p.Value {
				p.Value[i] = float32(0.1 * rng.NormFloat64())
			}
		case strings.HasSuffix(p.Name, "running_var"):
			for i := range p.Value {
				p.Value[i] = float32(0.5 + rng.Float64())
			}
		}
	}
	// γ and β of every BatchNorm: the 1-D trainable parameters that follow a
	// BatchNorm's name pattern share the running statistics' prefix.
	prefixes := map[string]bool{}
	for _, p := range net.NamedParams() {
		if strings.HasSuffix(p.Name, "running_mean") {
			prefixes[strings.TrimSuffix(p.Name, "running_mean")] = true
		}
	}
	for _, p := range net.NamedParams() {
		for pre := range prefixes {
			switch p.Name {
			case pre + "weight":
				for i := range p.Value {
					p.Value[i] = float32(0.8 + 0.4*rng.Float64())
				}
			case pre + "bias":
				for i := range p.Value {
					p.Value[i] = float32(0.1 * rng.NormFloat64())
				}
			}
		}
	}
}

func main() {
	out := flag.String("out", "bench/peers/out", "output directory")
	assets := flag.String("assets", "assets/models", "shipped models (manifest.json)")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var nets []Network
	add := func(name, label, source string, arch, weights []byte) {
		net, err := model.Load(arch, weights)
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		in := net.Input()
		n := Network{
			Name: name, Label: label, Source: source,
			Arch: name + ".json", Weights: name + ".safetensors",
			Input: [3]int{in.C, in.H, in.W}, Classes: net.Classes(),
			MACs: cases.MACs(net.Spec), Params: len(net.Params), FLOPs: map[string]float64{},
		}
		for _, c := range cases.Names {
			n.FLOPs[c] = cases.FLOPs(net.Spec, c)
		}
		if g, err := graph.FromNetwork(net); err != nil {
			log.Printf("%s: no ONNX export: %v", name, err)
		} else if b, err := onnx.ExportBytes(g, onnx.ExportOptions{DocString: "bench-peers: " + source}); err != nil {
			log.Printf("%s: no ONNX export: %v", name, err)
		} else if err := os.WriteFile(filepath.Join(*out, name+".onnx"), b, 0o644); err != nil {
			log.Fatal(err)
		} else {
			n.ONNX = name + ".onnx"
		}
		for file, b := range map[string][]byte{n.Arch: arch, n.Weights: weights} {
			if err := os.WriteFile(filepath.Join(*out, file), b, 0o644); err != nil {
				log.Fatal(err)
			}
		}
		nets = append(nets, n)
	}
	seeded := func(spec nn.Spec, bn bool) (arch, weights []byte) {
		net, err := nn.New(spec, 1)
		if err != nil {
			log.Fatal(err)
		}
		if bn {
			perturbBatchNorm(net, 1)
		}
		arch, weights, err = model.Save(net, map[string]string{"purpose": "bench-peers"})
		if err != nil {
			log.Fatal(err)
		}
		return arch, weights
	}

	if a, w, name, ok := shipped(*assets, "crosses"); ok {
		add("crosses", "Crosses CNN 28×28", "shipped model "+name, a, w)
	} else {
		a, w := seeded(model.CrossesCNN(), false)
		add("crosses", "Crosses CNN 28×28", "model.CrossesCNN(), seed 1", a, w)
	}
	if a, w, name, ok := shipped(*assets, "phantom"); ok {
		add("phantom", "Phantom CNN", "shipped model "+name, a, w)
	} else {
		a, w := seeded(model.CNN64([]string{"normal", "cardiomegaly"}), false)
		add("phantom", "CNN64 (Phantom stand-in) 64×64", "model.CNN64, seed 1 (no shipped Phantom model yet)", a, w)
	}
	a, w := seeded(model.ResNet64([]string{"normal", "cardiomegaly"}), true)
	add("resnet64", "ResNet64 64×64", "model.ResNet64, seed 1, BatchNorm statistics drawn", a, w)

	b, _ := json.MarshalIndent(nets, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "networks.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	for _, n := range nets {
		fmt.Printf("%-9s %-34s %6.2f M multiply-adds, %6d parameters (%s)\n", n.Name, n.Label, float64(n.MACs)/1e6, n.Params, n.Source)
	}
}
