package lab

import (
	"context"
	"fmt"
	"math"
	"strings"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/sanity"
)

// How many positive test images the sanity table averages over (the first
// ones of the split), and the deletion/insertion steps.
const (
	SanityRandomisationImages = 16
	SanityCurveImages         = 32
	SanityCurveSteps          = 28
)

// Sanity is one trained model's sanity checks (package sanity), averaged
// over the first positive test images: the cascading randomisation of the
// input-gradient map, and deletion and insertion areas (p_c of the image's
// own class) for input-gradient and Integrated Gradients orders and a random
// order.
type Sanity struct {
	// Layers names the cascade's steps from the output down ("12 linear");
	// Spearman and SSIM are the mean similarities to the trained model's map
	// after each step.
	Layers   []string  `json:"layers"`
	Spearman []float64 `json:"spearman"`
	SSIM     []float64 `json:"ssim"`

	// ZeroMaps counts the images left out of the randomisation averages
	// because the trained model's map is zero everywhere (a network that
	// has collapsed to a constant output ranks no pixel); a step whose
	// randomised map is constant is left out of that step's average.
	ZeroMaps int `json:"zero_maps,omitempty"`

	DeletionGrad, DeletionIG, DeletionRandom    float64
	InsertionGrad, InsertionIG, InsertionRandom float64
}

// SanityChecks computes Sanity for net on the test set.
func SanityChecks(ctx context.Context, net *nn.Network, test *data.Set, positive func(int) bool, igSteps int, seed uint64) (Sanity, error) {
	var s Sanity
	grad := func(ctx context.Context, net *nn.Network, x []float32, c int) ([]float32, error) {
		return saliency.Map(ctx, net, x, saliency.Gradient, saliency.Options{Class: c})
	}
	var nRand, nCurve int
	var stepN []int
	hw := test.H * test.W
	for i, y := range test.Labels {
		if nRand >= SanityRandomisationImages && nCurve >= SanityCurveImages {
			break
		}
		if !positive(y) {
			continue
		}
		x := test.Image(i)
		if nRand < SanityRandomisationImages {
			nRand++
			if m, err := grad(ctx, net, x, y); err != nil {
				return s, err
			} else if allZero(m) {
				s.ZeroMaps++
			} else {
				steps, err := sanity.Randomise(ctx, net, x, y, grad, seed+uint64(i)+1000)
				if err != nil {
					return s, err
				}
				if s.Layers == nil {
					s.Spearman = make([]float64, len(steps))
					s.SSIM = make([]float64, len(steps))
					stepN = make([]int, len(steps))
					for _, st := range steps {
						s.Layers = append(s.Layers, fmt.Sprintf("%d %s", st.Layer, st.Kind))
					}
				}
				for j, st := range steps {
					if math.IsNaN(st.Spearman) {
						continue
					}
					s.Spearman[j] += st.Spearman
					s.SSIM[j] += st.SSIM
					stepN[j]++
				}
			}
		}
		if nCurve < SanityCurveImages {
			g, err := grad(ctx, net, x, y)
			if err != nil {
				return s, err
			}
			ig, err := saliency.Map(ctx, net, x, saliency.IntegratedGradients, saliency.Options{Class: y, Steps: igSteps})
			if err != nil {
				return s, err
			}
			for _, c := range []struct {
				order    []int
				del, ins *float64
			}{
				{sanity.Order(g), &s.DeletionGrad, &s.InsertionGrad},
				{sanity.Order(ig), &s.DeletionIG, &s.InsertionIG},
				{sanity.RandomOrder(hw, seed+uint64(i)), &s.DeletionRandom, &s.InsertionRandom},
			} {
				cv, err := sanity.DeletionInsertion(net, x, y, c.order, SanityCurveSteps)
				if err != nil {
					return s, err
				}
				*c.del += cv.DeletionAUC
				*c.ins += cv.InsertionAUC
			}
			nCurve++
		}
	}
	for j := range s.Spearman {
		s.Spearman[j] /= float64(stepN[j]) // stepN[j] is 0 only if every randomised map was constant: NaN
		s.SSIM[j] /= float64(stepN[j])
	}
	for _, v := range []*float64{&s.DeletionGrad, &s.DeletionIG, &s.DeletionRandom, &s.InsertionGrad, &s.InsertionIG, &s.InsertionRandom} {
		*v /= float64(nCurve)
	}
	return s, nil
}

func allZero(m []float32) bool {
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// meanSanity averages the runs' sanity checks (same network, so the same
// cascade; a run whose maps were all zero counts only for the curves).
func meanSanity(runs []Run) *Sanity {
	var out *Sanity
	n, nc := 0, 0
	for _, r := range runs {
		z := r.Sanity
		if z == nil {
			continue
		}
		if out == nil {
			out = &Sanity{}
		}
		out.ZeroMaps += z.ZeroMaps
		if len(z.Spearman) > 0 {
			if out.Spearman == nil {
				out.Layers = z.Layers
				out.Spearman = make([]float64, len(z.Spearman))
				out.SSIM = make([]float64, len(z.SSIM))
			}
			for j := range out.Spearman {
				out.Spearman[j] += z.Spearman[j]
				out.SSIM[j] += z.SSIM[j]
			}
			nc++
		}
		out.DeletionGrad += z.DeletionGrad
		out.DeletionIG += z.DeletionIG
		out.DeletionRandom += z.DeletionRandom
		out.InsertionGrad += z.InsertionGrad
		out.InsertionIG += z.InsertionIG
		out.InsertionRandom += z.InsertionRandom
		n++
	}
	if out == nil {
		return nil
	}
	for j := range out.Spearman {
		out.Spearman[j] /= float64(nc)
		out.SSIM[j] /= float64(nc)
	}
	f := 1 / float64(n)
	for _, v := range []*float64{&out.DeletionGrad, &out.DeletionIG, &out.DeletionRandom, &out.InsertionGrad, &out.InsertionIG, &out.InsertionRandom} {
		*v *= f
	}
	return out
}

// sanityMarkdown renders the sanity table, one row per method.
func (r *Result) sanityMarkdown(b *strings.Builder) {
	any := false
	for _, s := range r.Summaries {
		if s.Sanity != nil {
			any = true
		}
	}
	if !any {
		return
	}
	fmt.Fprintf(b, "\nSanity checks of the input gradient (first %d positive test images; Spearman and SSIM of the absolute maps, each divided by its maximum, between the trained model's map and the map after re-initialising the layers from the output down to the one named: top layer only / all layers) and deletion / insertion areas of p_c (first %d positive test images, %d steps; deletion: lower is better, insertion: higher) for input-gradient, Integrated Gradients and random pixel orders:\n\n",
		SanityRandomisationImages, SanityCurveImages, SanityCurveSteps)
	b.WriteString("| method | Spearman top / all | SSIM top / all | deletion grad / IG / random | insertion grad / IG / random | Spearman per step (output → input) |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, s := range r.Summaries {
		z := s.Sanity
		if z == nil {
			continue
		}
		if len(z.Spearman) == 0 {
			fmt.Fprintf(b, "| %s | – (every map zero) | – | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f | – |\n",
				s.Method, z.DeletionGrad, z.DeletionIG, z.DeletionRandom, z.InsertionGrad, z.InsertionIG, z.InsertionRandom)
			continue
		}
		last := len(z.Spearman) - 1
		steps := make([]string, len(z.Spearman))
		for j := range z.Spearman {
			steps[j] = fmt.Sprintf("%.2f", z.Spearman[j])
		}
		fmt.Fprintf(b, "| %s | %.3f / %.3f | %.3f / %.3f | %.3f / %.3f / %.3f | %.3f / %.3f / %.3f | %s |\n",
			s.Method, z.Spearman[0], z.Spearman[last], z.SSIM[0], z.SSIM[last],
			z.DeletionGrad, z.DeletionIG, z.DeletionRandom, z.InsertionGrad, z.InsertionIG, z.InsertionRandom,
			strings.Join(steps, " "))
	}
}
