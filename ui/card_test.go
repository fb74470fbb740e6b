package ui

import (
	"reflect"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

// TestWithCard: a model loaded again from its kept files (after an engine
// restart or a reload) gets its card as edited: the preprocessing and
// labels in the LoadModel request, the layer and what fine-tuning trains
// in a Configure request after it. Without edits, or for a model that is
// not ONNX, the request is as kept.
func TestWithCard(t *testing.T) {
	file := protocol.ModelFile{Format: "onnx", Name: "net.onnx", Preproc: &protocol.Preproc{Resize: "stretch", Preset: "unit"}}
	memo := cardMemo{Preproc: &protocol.Preproc{Resize: "crop", Mean: []float32{0.5}, Std: []float32{0.25}}, Labels: []string{"a", "b"}, Layer: "layers.0", Train: protocol.TrainAll}

	mf, conf := withCard(file, memo, true)
	if !reflect.DeepEqual(mf.Preproc, memo.Preproc) || !reflect.DeepEqual(mf.Labels, memo.Labels) || mf.Name != "net.onnx" || mf.Format != "onnx" {
		t.Errorf("the request carries %+v (preprocessing %+v)", mf, mf.Preproc)
	}
	if conf == nil || conf.Layer != "layers.0" || conf.Train != protocol.TrainAll || conf.Preproc != nil || conf.Labels != nil {
		t.Errorf("configure %+v", conf)
	}
	memo.Preproc.Resize, memo.Labels[0] = "stretch", "changed"
	if mf.Preproc.Resize != "crop" || mf.Labels[0] != "a" {
		t.Errorf("the request shares the memo's memory: %+v %v", mf.Preproc, mf.Labels)
	}
	if file.Preproc.Resize != "stretch" || file.Labels != nil {
		t.Errorf("the kept description was changed: %+v", file)
	}

	if _, conf := withCard(file, cardMemo{Preproc: memo.Preproc}, true); conf != nil {
		t.Errorf("no layer or training edit, yet configure %+v", conf)
	}
	if mf, conf := withCard(file, memo, false); !reflect.DeepEqual(mf, file) || conf != nil {
		t.Errorf("no card kept: %+v, %+v", mf, conf)
	}
	plain := protocol.ModelFile{Name: "net.json"}
	if mf, conf := withCard(plain, memo, true); !reflect.DeepEqual(mf, plain) || conf != nil {
		t.Errorf("a model that is not ONNX: %+v, %+v", mf, conf)
	}
}

// TestCardKey: a card is named by its file's name and contents, so two
// files of one name have two cards and the same file always has one.
func TestCardKey(t *testing.T) {
	a, b := []byte("one model"), []byte("another model")
	if cardKey("model.onnx", a) == cardKey("model.onnx", b) {
		t.Error("two files named model.onnx share a card")
	}
	if cardKey("model.onnx", a) != cardKey("model.onnx", []byte("one model")) {
		t.Error("the same file has two cards")
	}
	if cardKey("model.onnx", a) == cardKey("net.onnx", a) {
		t.Error("files of two names share a card")
	}
	k := &keptModel{Bufs: [][]byte{a, []byte("labels")}, Info: keptInfo{File: &protocol.ModelFile{Name: "model.onnx"}}}
	if k.cardKey() != cardKey("model.onnx", a) {
		t.Errorf("kept model's card %q, want its model file's", k.cardKey())
	}
}
