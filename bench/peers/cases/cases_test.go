package cases

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/train"
)

func load(t *testing.T, spec nn.Spec) *Bench {
	t.Helper()
	net, err := nn.New(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	arch, weights, err := model.Save(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(arch, weights)
	if err != nil {
		t.Fatal(err)
	}
	b.UseDefaultInputs()
	return b
}

// TestMACs pins the cost model the table's GFLOP/s rest on.
func TestMACs(t *testing.T) {
	want := int64(16*9*64*64 + 32*144*32*32 + 64*288*16*16 + 2*64)
	if got := MACs(model.CNN64([]string{"a", "b"})); got != want {
		t.Errorf("MACs(CNN64) = %d, want %d", got, want)
	}
	if got, want := FLOPs(model.CNN64([]string{"a", "b"}), RRR), float64(BatchSize*9*2*want); got != want {
		t.Errorf("FLOPs(CNN64, rrr) = %v, want %v", got, want)
	}
}

// TestCasesRun runs every case once on the Crosses CNN and checks the
// data-parallel pieces against the whole: IG parts add up to IG, shard
// gradients add up to the batch gradient.
func TestCasesRun(t *testing.T) {
	b := load(t, model.CrossesCNN())
	for _, c := range Names {
		if err := b.Run(c); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
	}
	if err := b.Run("nonsense"); err == nil {
		t.Error("an unknown case ran")
	}

	whole, err := b.IntegratedGradients()
	if err != nil {
		t.Fatal(err)
	}
	sum := make([]float32, len(whole))
	for i := 0; i < 3; i++ {
		part, err := b.IGPart(i, 3)
		if err != nil {
			t.Fatal(err)
		}
		train.AddGrads(sum, part)
	}
	if d := maxRelDiff(sum, whole); d > 1e-5 {
		t.Errorf("IG parts differ from the whole by %.2g", d)
	}

	full, err := b.ShardGrads(Train, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	full = append([]float32(nil), full...)
	sum = make([]float32, len(full))
	for i := 0; i < 2; i++ {
		g, err := b.ShardGrads(Train, i, 2)
		if err != nil {
			t.Fatal(err)
		}
		train.AddGrads(sum, g)
	}
	if d := maxRelDiff(sum, full); d > 1e-5 {
		t.Errorf("shard gradients differ from the batch gradient by %.2g", d)
	}
	params, err := b.ApplyGrads(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetParams(params); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ApplyGrads(sum[1:]); err == nil {
		t.Error("ApplyGrads took a gradient of the wrong size")
	}
}

func maxRelDiff(got, want []float32) float64 {
	var d, ref float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i]-want[i])))
		ref = math.Max(ref, math.Abs(float64(want[i])))
	}
	return d / ref
}

// TestSlotForward checks the buffers the wasm module's exported forward
// entry works on: Forward reads In and writes the logits into Out, the
// same values Logits gives, and allocates nothing once warm (an exported
// entry must not need the scheduler, which a garbage collection could).
func TestSlotForward(t *testing.T) {
	for _, spec := range []nn.Spec{model.CrossesCNN(), model.PhantomCNN([]string{"a", "b"})} {
		t.Run(spec.Name, func(t *testing.T) {
			b := load(t, spec)
			s := b.NewSlot()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			s.Forward()
			runtime.ReadMemStats(&after)
			if n := after.Mallocs - before.Mallocs; n != 0 {
				t.Errorf("the first Forward after NewSlot allocates %d times, want 0 (NewSlot warms the network)", n)
			}
			if want := b.Logits(); !slices.Equal(s.Out, want) {
				t.Fatalf("slot logits %v, want %v", s.Out, want)
			}
			first := slices.Clone(s.Out)
			for i := range s.In {
				s.In[i] = float32(i%7) / 7
			}
			s.Forward()
			if want := b.Net.Forward(s.In, 1, false); !slices.Equal(s.Out, want) {
				t.Fatalf("slot logits of another image %v, want %v", s.Out, want)
			}
			if slices.Equal(s.Out, first) {
				t.Fatal("the slot's logits did not change with its input")
			}
			if got := b.Logits(); !slices.Equal(got, first) {
				t.Errorf("writing the slot's input changed the bench's image: logits %v, want %v", got, first)
			}
			if n := testing.AllocsPerRun(20, s.Forward); n != 0 {
				t.Errorf("Slot.Forward allocates %v times a call, want 0", n)
			}
		})
	}
}
