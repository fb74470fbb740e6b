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
