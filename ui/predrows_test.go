package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

// TestPredictionRows: a model of many classes (an ImageNet import) lists
// its most probable classes and the picture's label, not all of them; a
// small one lists every class in order.
func TestPredictionRows(t *testing.T) {
	classes := make([]string, 1000)
	p := make([]float64, 1000)
	for i := range classes {
		classes[i] = fmt.Sprint("c", i)
		p[i] = float64((i*37)%1000) / 1e6
	}
	c := &PredictionPanel{Session: &Session{Model: protocol.ModelInfo{Classes: classes}}, View: &View{Probs: [][]float64{p}, Pic: &Picture{Label: 3}}}
	rows := c.Rows()
	// p is largest where (i·37) mod 1000 is: 999, 998, ...
	want := []int{}
	for v := 999; len(want) < maxRows; v-- {
		for i := range p {
			if (i*37)%1000 == v {
				want = append(want, i)
			}
		}
	}
	want = append(want, 3)
	if !slices.Equal(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	c.Session.Model.Classes = classes[:3]
	c.View.Probs = [][]float64{{0.1, 0.7, 0.2}}
	if rows := c.Rows(); !slices.Equal(rows, []int{0, 1, 2}) {
		t.Errorf("three classes: rows %v", rows)
	}
}

// TestLongClassLists: a model of 1000 classes has a chip tooltip and a
// model card that fit vugu's 16 KiB render instruction (the whole list in
// one attribute or text area made the page panic).
func TestLongClassLists(t *testing.T) {
	classes := make([]string, 1000)
	for i := range classes {
		classes[i] = fmt.Sprintf("a rather long imagenet class name %d", i)
	}
	s := &Session{Model: protocol.ModelInfo{Classes: classes, Source: "onnx", File: "m.onnx"}}
	if n := len(s.ModelTitle()); n > 2000 {
		t.Errorf("the chip's tooltip has %d bytes", n)
	}
	c := &ModelCard{Session: s}
	if c.EditLabels() {
		t.Error("1000 labels are edited in one text area")
	}
	if n := len(c.LabelsSummary()); n > 2000 {
		t.Errorf("the labels summary has %d bytes", n)
	}
	s.Model.Classes = classes[:3]
	if !c.EditLabels() || !strings.Contains(s.ModelTitle(), "name 2") {
		t.Errorf("3 labels: edit %v, title %q", c.EditLabels(), s.ModelTitle())
	}
}
