package sanity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/nn"
)

// Explainer returns the H×W saliency map of input x for class c under net.
type Explainer func(ctx context.Context, net *nn.Network, x []float32, class int) ([]float32, error)

// MapFunc returns the H×W saliency map of input x for class c under m: an
// Explainer for any model (a built-in network or an imported graph).
type MapFunc func(ctx context.Context, m nn.Model, x []float32, class int) ([]float32, error)

// RandomisationStep is one step of the cascade: the layers from Layer up to
// the output re-initialised, and the similarity of the map then to the
// original map.
type RandomisationStep struct {
	Layer    int    // top-level layer (graph: node) index; this and every layer above it are random
	Kind     string // its type, e.g. "linear", "residual" ("Conv" for a graph node)
	Name     string // what the step re-initialised, for people: "6 linear", or a graph node's name
	Spearman float64
	SSIM     float64
	// Map is the map after the step, in absolute value divided by its
	// maximum (H×W), as it was compared.
	Map []float32
}

// Unit is one step of a cascade: Reset re-initialises one layer of the
// working copy of the model (or, after Group, several adjacent ones).
type Unit struct {
	Layer int
	Kind  string
	Name  string
	Reset func()
}

// Cascade is a cascading randomisation: the trained model's map (absolute,
// divided by its maximum) and the steps from the output down.
type Cascade struct {
	Original []float32
	Steps    []RandomisationStep
}

// ParamLayers returns the indices of net's top-level layers that have
// parameters, from the output down: the steps of the cascade.
func ParamLayers(net *nn.Network) []int {
	var out []int
	layers := net.Layers()
	for i := len(layers) - 1; i >= 0; i-- {
		if len(layers[i].Params()) > 0 {
			out = append(out, i)
		}
	}
	return out
}

// NetworkUnits returns the cascade's steps on work, a copy of a trained
// network: each parameterised top-level layer from the output down,
// re-initialised (weights and BatchNorm running statistics) with the
// network's own training initializer drawn from seed, as Quantus re-runs
// each layer's reset_parameters.
func NetworkUnits(work *nn.Network, seed uint64) ([]Unit, error) {
	fresh, err := nn.New(work.Spec, seed)
	if err != nil {
		return nil, fmt.Errorf("sanity: %w", err)
	}
	freshParams := map[string]*nn.Param{}
	for _, p := range fresh.NamedParams() {
		freshParams[p.Name] = p
	}
	var units []Unit
	for _, l := range ParamLayers(work) {
		prefix := fmt.Sprintf("layers.%d.", l)
		kind := work.Layers()[l].Kind()
		units = append(units, Unit{Layer: l, Kind: kind, Name: fmt.Sprintf("%d %s", l, kind), Reset: func() {
			for _, p := range work.NamedParams() {
				if strings.HasPrefix(p.Name, prefix) {
					copy(p.Value, freshParams[p.Name].Value)
				}
			}
		}})
	}
	return units, nil
}

// GraphUnits returns the cascade's steps on work, a copy of an imported
// graph: each node that reads trainable parameters, from the output down.
// An ONNX file carries no initializer to re-run, so each trainable tensor
// the node reads is redrawn from a normal distribution with that tensor's
// own trained mean and standard deviation (drawn from seed): the weights
// keep their scale and lose what training put in them. Running statistics
// (non-trainable state) are kept. A tensor read by several nodes is redrawn
// with the first (the highest) of them.
func GraphUnits(work *graph.Graph, seed uint64) []Unit {
	params := map[string]*nn.Param{}
	for _, p := range work.NamedParams() {
		if p.Trainable {
			params[p.Name] = p
		}
	}
	nodes := work.Nodes()
	done := map[string]bool{}
	var units []Unit
	for i := len(nodes) - 1; i >= 0; i-- {
		var mine []*nn.Param
		for _, in := range nodes[i].Inputs {
			if p, ok := params[in]; ok && !done[in] {
				done[in] = true
				mine = append(mine, p)
			}
		}
		if len(mine) == 0 {
			continue
		}
		type moments struct{ mean, std float64 }
		ms := make([]moments, len(mine))
		for j, p := range mine {
			ms[j].mean, ms[j].std = meanStd(p.Value)
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		units = append(units, Unit{Layer: i, Kind: nodes[i].Op.Type(), Name: nodes[i].Name, Reset: func() {
			for j, p := range mine {
				for k := range p.Value {
					p.Value[k] = float32(ms[j].mean + ms[j].std*rng.NormFloat64())
				}
			}
		}})
	}
	return units
}

func meanStd(v []float32) (mean, std float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		d := float64(x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// Group merges adjacent units into at most n steps (each as even as
// possible, the top ones first), for a model with more layers than a
// strip of maps can show; a merged step is named after its first and last
// layer and keeps its first's index and kind.
func Group(units []Unit, n int) []Unit {
	if n <= 0 || len(units) <= n {
		return units
	}
	out := make([]Unit, 0, n)
	for g := 0; g < n; g++ {
		lo, hi := g*len(units)/n, (g+1)*len(units)/n
		part := units[lo:hi]
		u := part[0]
		if len(part) > 1 {
			u.Name = part[0].Name + " … " + part[len(part)-1].Name
			u.Reset = func() {
				for _, p := range part {
					p.Reset()
				}
			}
		}
		out = append(out, u)
	}
	return out
}

// RunCascade runs a cascading model-parameter randomisation on one input:
// it computes explain's map for x and class on orig, then applies each
// unit's Reset in turn to work (a copy of orig that the units belong to;
// orig is never modified) and compares each new map with the original.
// Maps are compared in absolute value, each divided by its maximum
// (Quantus' defaults; Spearman is unchanged by the division, SSIM is not).
// progress, if not nil, is called after each map with done of
// len(units)+1. A method whose map stays similar as the model is destroyed
// does not depend on what the model learned.
func RunCascade(ctx context.Context, orig, work nn.Model, units []Unit, x []float32, class int, explain MapFunc, progress func(done, total int)) (Cascade, error) {
	in := orig.Input()
	total := len(units) + 1
	m, err := explain(ctx, orig, x, class)
	if err != nil {
		return Cascade{}, fmt.Errorf("sanity: map of the trained model: %w", err)
	}
	c := Cascade{Original: normalizedAbs(m)}
	if progress != nil {
		progress(1, total)
	}
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return Cascade{}, err
		}
		u.Reset()
		m, err := explain(ctx, work, x, class)
		if err != nil {
			return Cascade{}, fmt.Errorf("sanity: map with %s and the layers above it randomised: %w", u.Name, err)
		}
		m = normalizedAbs(m)
		c.Steps = append(c.Steps, RandomisationStep{
			Layer: u.Layer, Kind: u.Kind, Name: u.Name,
			Spearman: metrics.Spearman(c.Original, m),
			SSIM:     metrics.SSIM(c.Original, m, in.H, in.W),
			Map:      m,
		})
		if progress != nil {
			progress(i+2, total)
		}
	}
	return c, nil
}

// Randomise runs the cascading model-parameter randomisation test on one
// input for a built-in network (RunCascade over NetworkUnits of a copy
// of net, re-initialised from seed). net is not modified.
func Randomise(ctx context.Context, net *nn.Network, x []float32, class int, explain Explainer, seed uint64) ([]RandomisationStep, error) {
	work := net.Clone()
	units, err := NetworkUnits(work, seed)
	if err != nil {
		return nil, err
	}
	c, err := RunCascade(ctx, net, work, units, x, class, func(ctx context.Context, m nn.Model, x []float32, class int) ([]float32, error) {
		return explain(ctx, m.(*nn.Network), x, class)
	}, nil)
	return c.Steps, err
}

// normalizedAbs returns |m| / max |m| (m itself if it is all zero).
func normalizedAbs(m []float32) []float32 {
	out := make([]float32, len(m))
	var mx float32
	for i, v := range m {
		v = float32(math.Abs(float64(v)))
		out[i] = v
		mx = max(mx, v)
	}
	if mx > 0 {
		for i := range out {
			out[i] /= mx
		}
	}
	return out
}
