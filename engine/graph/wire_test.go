package graph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"saliencyexplorer/engine/model"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/nntest"
)

// TestEncodeDecode checks that a graph sent through Encode and Decode is
// the same graph: bit-identical logits and input gradients, the same
// trainable and frozen parameters and state, on the DAG of every join and
// on a built-in network with BatchNorm and a frozen layer; and that an
// attribute holding an infinity survives.
func TestEncodeDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dag, err := Build(dagDef(t, rng))
	if err != nil {
		t.Fatal(err)
	}
	net, err := nn.New(model.WithBatchNorm(model.SmallCNN("bn", nn.Shape{C: 3, H: 12, W: 12}, []string{"a", "b"}, [3]int{4, 6, 8})), 3)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := FromNetwork(net)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range conv.NamedParams() {
		for i := range p.Value {
			p.Value[i] += 0.1 * float32(rng.NormFloat64())
		}
	}
	first := conv.NamedParams()[0].Name
	frozen := conv.Freeze(func(name string) bool { return name == first })
	clip, err := Build(Def{
		Name: "clip", Input: "x", InputShape: []int{3}, Output: "y",
		Nodes: []Node{{Name: "y", Op: mustOp(t, "Clip", Attrs{"min": FloatAttr(float32(math.Inf(-1))), "max": FloatAttr(6)}), Inputs: []string{"x"}, Outputs: []string{"y"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Graph{dag, conv, frozen, clip} {
		t.Run(g.Name(), func(t *testing.T) {
			structure, values, err := g.Encode()
			if err != nil {
				t.Fatal(err)
			}
			p, _, s := g.Weights()
			if len(values) != 4*(len(p)+len(s)) {
				t.Errorf("values: %d bytes, want %d", len(values), 4*(len(p)+len(s)))
			}
			d, err := Decode(structure, values)
			if err != nil {
				t.Fatal(err)
			}
			dp, _, ds := d.Weights()
			if !equal(dp, p) || !equal(ds, s) {
				t.Fatalf("decoded parameters (%d, %d state) differ from the original's (%d, %d)", len(dp), len(ds), len(p), len(s))
			}
			for i, np := range g.NamedParams() {
				if dn := d.NamedParams()[i]; dn.Name != np.Name || dn.Trainable != np.Trainable {
					t.Errorf("parameter %d: %s trainable %v, want %s %v", i, dn.Name, dn.Trainable, np.Name, np.Trainable)
				}
			}
			in := g.Input().Size()
			x := nntest.Rand(rng, 2*in)
			want := append([]float32(nil), g.Forward(x, 2, false)...)
			got := d.Forward(x, 2, false)
			if !equal(got, want) {
				t.Fatalf("logits %v, want %v", got, want)
			}
			seed := nntest.Rand(rng, len(want))
			wantDx := append([]float32(nil), g.Backward(seed, false)...)
			if gotDx := d.Backward(seed, false); !equal(gotDx, wantDx) {
				t.Fatal("input gradients differ")
			}
			if g.FeatureTensor() != d.FeatureTensor() {
				t.Errorf("feature tensor %q, want %q", d.FeatureTensor(), g.FeatureTensor())
			}
		})
	}
	structure, values, _ := dag.Encode()
	for _, c := range []struct {
		what              string
		structure, values []byte
	}{
		{"short values", structure, values[:len(values)-4]},
		{"long values", structure, append(append([]byte(nil), values...), 0, 0, 0, 0)},
		{"ragged values", structure, values[:len(values)-1]},
		{"bad JSON", structure[:len(structure)/2], values},
		{"unknown op", []byte(strings.Replace(string(structure), `"Tanh"`, `"Tanhh"`, 1)), values},
	} {
		if _, err := Decode(c.structure, c.values); err == nil {
			t.Errorf("%s: decoded without an error", c.what)
		}
	}
}

// equal reports whether a and b hold the same bits.
func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
