package saliency

import (
	"context"
	"math/rand/v2"
	"testing"

	"saliencyexplorer/engine/nn"
)

// averagingSpy is a network with nn.AveragedForwards that counts the
// forward passes run with the setting on and off.
type averagingSpy struct {
	*nn.Network
	on            bool
	fwdOn, fwdOff int
}

func (s *averagingSpy) SetAveragedForwards(on bool) (was bool) {
	was, s.on = s.on, on
	return was
}

func (s *averagingSpy) Forward(x []float32, n int, train bool) []float32 {
	if s.on {
		s.fwdOn++
	} else {
		s.fwdOff++
	}
	return s.Network.Forward(x, n, train)
}

// TestAveragedForwards checks which methods run their forwards with a
// model's averaged forwards (nn.AveragedForwards) on: Integrated Gradients
// and SmoothGrad with noise, which average many gradients, and none of the
// methods of one gradient (SmoothGrad without noise is the input gradient)
// or of forward passes alone, even when the caller left it on; and that
// each call puts the setting back as it found it. The attributions
// themselves are those of the network behind the spy.
func TestAveragedForwards(t *testing.T) {
	in := nn.Shape{C: 2, H: 12, W: 10}
	net := mustNet(t, reluSpec(in), 3)
	x := randImage(rand.New(rand.NewPCG(6, 7)), in)
	seen := map[Method]bool{}
	for _, c := range []struct {
		m        Method
		noise    float64
		averaged bool
	}{
		{Gradient, 0, false}, {GradientXInput, 0, false}, {SmoothGrad, 0, true}, {SmoothGrad, NoNoise, false},
		{IntegratedGradients, 0, true}, {GradCAM, 0, false}, {Occlusion, 0, false},
	} {
		m := c.m
		seen[m] = true
		for _, before := range []bool{false, true} {
			spy := &averagingSpy{Network: net, on: before}
			opt := Options{Class: 1, Samples: 4, Steps: 5, Seed: 9, Noise: c.noise}
			got, err := Attribute(context.Background(), spy, x, m, opt)
			if err != nil {
				t.Fatal(err)
			}
			if spy.on != before {
				t.Errorf("%s: the setting was %v before the call and %v after", m, before, spy.on)
			}
			if spy.fwdOn+spy.fwdOff == 0 {
				t.Fatalf("%s: no forward pass counted", m)
			}
			switch {
			case c.averaged && spy.fwdOff != 0:
				t.Errorf("%s (set %v before): %d forwards without averaged forwards, want none", m, before, spy.fwdOff)
			case !c.averaged && spy.fwdOn != 0:
				t.Errorf("%s (set %v before): %d forwards with averaged forwards, want none", m, before, spy.fwdOn)
			}
			want, err := Attribute(context.Background(), net, x, m, opt)
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, string(m), got, want, 0)
		}
	}
	for _, m := range Methods() {
		if !seen[m] {
			t.Errorf("%s is not checked", m)
		}
	}
}
