package sanity

import (
	"context"
	"fmt"
	"math"
	"strings"

	"saliencyexplorer/engine/metrics"
	"saliencyexplorer/engine/nn"
)

// Explainer returns the H×W saliency map of input x for class c under net.
type Explainer func(ctx context.Context, net *nn.Network, x []float32, class int) ([]float32, error)

// RandomisationStep is one step of the cascade: the layers from Layer up to
// the output re-initialised, and the similarity of the map then to the
// original map.
type RandomisationStep struct {
	Layer    int    // top-level layer index; this and every layer above it are random
	Kind     string // its type, e.g. "linear", "residual"
	Spearman float64
	SSIM     float64
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

// Randomise runs the cascading model-parameter randomisation test on one
// input: it computes explain's map for x and class on net, then, for each
// parameterised top-level layer from the output down, re-initialises that
// layer (keeping those above it random) from seed with the network's
// training initializer and compares the new map with the original. Maps are
// compared in absolute value, each divided by its maximum (Quantus'
// defaults; Spearman is unchanged by the division, SSIM is not). net is not
// modified. A method whose map stays similar as the model is destroyed does
// not depend on what the model learned.
func Randomise(ctx context.Context, net *nn.Network, x []float32, class int, explain Explainer, seed uint64) ([]RandomisationStep, error) {
	in := net.Input()
	orig, err := explain(ctx, net, x, class)
	if err != nil {
		return nil, fmt.Errorf("sanity: map of the trained model: %w", err)
	}
	orig = normalizedAbs(orig)
	fresh, err := nn.New(net.Spec, seed)
	if err != nil {
		return nil, fmt.Errorf("sanity: %w", err)
	}
	work := net.Clone()
	freshParams := map[string]*nn.Param{}
	for _, p := range fresh.NamedParams() {
		freshParams[p.Name] = p
	}
	var steps []RandomisationStep
	for _, l := range ParamLayers(net) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		prefix := fmt.Sprintf("layers.%d.", l)
		for _, p := range work.NamedParams() {
			if strings.HasPrefix(p.Name, prefix) {
				copy(p.Value, freshParams[p.Name].Value)
			}
		}
		m, err := explain(ctx, work, x, class)
		if err != nil {
			return nil, fmt.Errorf("sanity: map with layers %d and above randomised: %w", l, err)
		}
		m = normalizedAbs(m)
		steps = append(steps, RandomisationStep{
			Layer: l, Kind: work.Layers()[l].Kind(),
			Spearman: metrics.Spearman(orig, m),
			SSIM:     metrics.SSIM(orig, m, in.H, in.W),
		})
	}
	return steps, nil
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
