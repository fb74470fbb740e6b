package model

import (
	"testing"

	"saliencyexplorer/engine/nn"
)

func TestPhantomCNN(t *testing.T) {
	spec := PhantomCNN([]string{"normal", "cardiomegaly"})
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	net, err := nn.New(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	// 16·9+16 + 32·16·9+32 + 32·32·9+32 + (32·8·8)·2+2 parameters.
	if want := 160 + 4640 + 9248 + 4098; len(net.Params) != want {
		t.Errorf("%d parameters, want %d", len(net.Params), want)
	}
	out := net.Forward(make([]float32, 2*64*64), 2, false)
	if len(out) != 2*2 {
		t.Errorf("output of %d values for 2 images and 2 classes", len(out))
	}
	for _, l := range spec.Layers {
		if l.Type == "gap" {
			t.Errorf("PhantomCNN pools globally; it must keep positions")
		}
	}
}

func TestDecoyCNN(t *testing.T) {
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	spec := DecoyCNN("decoy", classes)
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	net, err := nn.New(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	// 8·9+8 + 16·8·9+16 + (16·7·7)·32+32 + 32·10+10 parameters.
	if want := 80 + 1168 + 25120 + 330; len(net.Params) != want {
		t.Errorf("%d parameters, want %d", len(net.Params), want)
	}
	out := net.Forward(make([]float32, 3*28*28), 3, false)
	if len(out) != 3*10 {
		t.Errorf("output of %d values for 3 images and 10 classes", len(out))
	}
	if l := net.LastSpatialLayer(); l < 0 || net.Layers()[l].OutShape().H != 7 {
		t.Errorf("last spatial layer %d: Grad-CAM needs the 7×7 feature map", l)
	}
}

// TestResNet18 counts the parameters at full width against the published
// ResNet-18 for CIFAR (11,173,962 with a 3-channel stem, ten outputs and
// bias-free convolutions): a 1-channel stem has 1,152 fewer weights, two
// outputs 4,104 fewer, and the 20 convolutions' biases add 4,800.
func TestResNet18(t *testing.T) {
	spec := ResNet18("r18", nn.Shape{C: 1, H: 28, W: 28}, []string{"a", "b"}, 64)
	net, err := nn.New(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := 11173962 - 1152 - 4104 + 4800; len(net.Params) != want {
		t.Errorf("%d parameters, want %d", len(net.Params), want)
	}
	narrow, err := nn.New(ResNet18("r18", nn.Shape{C: 1, H: 28, W: 28}, []string{"a", "b"}, 8), 1)
	if err != nil {
		t.Fatal(err)
	}
	out := narrow.Forward(make([]float32, 2*28*28), 2, false)
	if len(out) != 4 {
		t.Errorf("output of %d values for 2 images and 2 classes", len(out))
	}
	if l := narrow.LastSpatialLayer(); l < 0 || narrow.Layers()[l].OutShape().H != 4 {
		t.Errorf("last spatial layer %d: want the 4×4 map after three stride-2 stages", l)
	}
}

func TestRossMLP(t *testing.T) {
	net, err := nn.New(RossMLP("ross", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := 784*50 + 50 + 50*30 + 30 + 30*10 + 10; len(net.Params) != want {
		t.Errorf("%d parameters, want %d", len(net.Params), want)
	}
}
