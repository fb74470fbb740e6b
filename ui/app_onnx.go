package ui

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"path"
	"strings"

	"github.com/vugu/vugu/js"

	"saliencyexplorer/wasm/protocol"
)

// keyCardPrefix + an ONNX file's cardKey keeps the user's edits of its
// model card (cardMemo).
const keyCardPrefix = storagePrefix + "onnxcard."

// cardKey names the card of model file name with contents b: its name,
// size and CRC-32, so that two different files of one name (model.onnx is
// common) do not share their card's labels and preprocessing.
func cardKey(name string, b []byte) string {
	return fmt.Sprintf("%s.%d.%08x", name, len(b), crc32.ChecksumIEEE(b))
}

// cardMemo is a model card's edits, kept per model file in the browser.
type cardMemo struct {
	Preproc *protocol.Preproc `json:"preproc,omitempty"`
	Labels  []string          `json:"labels,omitempty"`
	Layer   string            `json:"layer,omitempty"`
	Train   string            `json:"train,omitempty"`
}

// isONNX reports whether a file name is an ONNX model's.
func isONNX(name string) bool { return strings.EqualFold(path.Ext(name), ".onnx") }

// isLabelsFile reports whether a file chosen with an ONNX model can be its
// labels: a text or JSON file.
func isLabelsFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".json", ".csv", ".names", ".labels":
		return true
	}
	return false
}

// loadCard returns the edits of a model file's card (by cardKey): those
// made on this page, or else those stored in the browser.
func (a *App) loadCard(key string) (cardMemo, bool) {
	if m, ok := a.cards[key]; ok {
		return m, true
	}
	var m cardMemo
	v, ok := a.store.Get(keyCardPrefix + key)
	if !ok || json.Unmarshal([]byte(v), &m) != nil {
		return cardMemo{}, false
	}
	return m, true
}

// saveCard keeps the current imported model's card, in the page (for a
// restarted engine, even where the browser keeps nothing) and in the
// browser (for the next visit).
func (a *App) saveCard() {
	m := a.Session.Model
	if m.Source != "onnx" || m.File == "" || a.userFiles == nil {
		return
	}
	key := a.userFiles.cardKey()
	memo := cardMemo{Preproc: m.Preproc, Labels: m.Classes, Layer: m.Layer, Train: m.Train}
	if a.cards == nil {
		a.cards = map[string]cardMemo{}
	}
	a.cards[key] = memo
	b, _ := json.Marshal(memo)
	if err := a.store.Set(keyCardPrefix+key, string(b)); err != nil {
		a.Notice = "The model card's settings could not be saved in this browser (" + err.Error() + "); they apply until the page is closed."
	}
}

// withCard returns the LoadModel description mf of an ONNX model with
// the edits of its card applied (its preprocessing and labels), and the
// Configure request for the edits a LoadModel request cannot carry
// (Grad-CAM's layer, what fine-tuning trains), or nil if there are none.
func withCard(mf protocol.ModelFile, memo cardMemo, kept bool) (protocol.ModelFile, *protocol.ConfigureRequest) {
	if !kept || mf.Format != "onnx" {
		return mf, nil
	}
	if memo.Preproc != nil {
		p := *memo.Preproc
		mf.Preproc = &p
	}
	if memo.Labels != nil {
		mf.Labels = append([]string(nil), memo.Labels...)
	}
	if memo.Layer == "" && memo.Train == "" {
		return mf, nil
	}
	return mf, &protocol.ConfigureRequest{Layer: memo.Layer, Train: memo.Train}
}

// LoadONNXFiles loads an ONNX model, with an optional labels file, and
// applies the card edits kept for it. A model the engine refuses leaves the
// current one in use, with the engine's reason.
func (a *App) LoadONNXFiles(model, labels js.Value) {
	if a.Train.Active() {
		a.Error = "Stop fine-tuning before loading another model."
		return
	}
	if a.Session.Switching != "" {
		return
	}
	name := model.Get("name").String()
	go func() {
		mb, err := readFile(model)
		var lb []byte
		if err == nil && labels.Truthy() {
			lb, err = readFile(labels)
		}
		a.locked(func() {
			if err != nil {
				a.Error = "Could not read the model files."
				return
			}
			s := a.Session
			card := cardKey(name, mb)
			memo, kept := a.loadCard(card)
			mf := &protocol.ModelFile{Format: "onnx", Name: name}
			if kept {
				mf.Preproc = memo.Preproc
				if lb == nil {
					mf.Labels = memo.Labels
				}
			}
			bufs := [][]byte{mb}
			if lb != nil {
				bufs = append(bufs, lb)
			}
			a.replaceModel(&protocol.Header{Kind: protocol.LoadModel, ModelFile: mf}, bufs, "Loading "+name+"…",
				func(err string) string {
					return "Could not load the ONNX model file " + name + ": " + strings.TrimSuffix(err, ".") + ". The current model stays in use."
				},
				func() {
					s.Forget(protocol.UserModelKey)
					s.FileModelName = ""
					a.keepUserModel(name, name, mf, bufs) // for a restarted engine and the next visit
					a.userFiles.card = card
				},
				func() {
					a.Notice = "Loaded " + name + " (" + s.ModelMeta() + "). Check its model card: input, preprocessing and labels."
					if kept && (memo.Layer != "" || memo.Train != "") {
						a.ConfigureModel(protocol.ConfigureRequest{Layer: memo.Layer, Train: memo.Train})
					}
				})
		})
	}()
}

// ConfigureModel sends an edit of the model card; the picture on screen
// is analysed again with it.
func (a *App) ConfigureModel(req protocol.ConfigureRequest) {
	if a.Train.Active() {
		a.Error = "Stop fine-tuning before changing the model card."
		return
	}
	a.CancelMaps()
	a.eng.Send(&protocol.Header{Kind: protocol.Configure, Configure: &req}, nil, func(r Reply) {
		switch r.Kind {
		case protocol.Failed:
			a.Error = "The model card: " + r.Error
		case protocol.Ready:
			a.modelReady(r)
			a.saveCard()
			switch {
			case a.View.Pic == nil:
			case req.Preproc != nil:
				a.openAgain()
			default:
				a.reanalyze()
			}
		}
	})
}

// openAgain opens the picture on screen again from its file, so that the
// input the page holds for it (which training and a restarted engine are
// given) follows the model's new preprocessing; a picture whose file is
// gone is analysed again as it is.
func (a *App) openAgain() {
	pic, lib := a.View.Pic, a.Library
	if pic.Sample {
		if s := lib.Sample(pic.Key); s != nil {
			a.OpenSample(s)
			return
		}
	}
	if b, ok := lib.File(pic.Key); ok && b != nil {
		a.openBytes(&Picture{Key: pic.Key, Name: pic.Name, Real: pic.Real, Label: pic.Label}, b)
		return
	}
	a.reanalyze()
}

// CardError shows a model card's input error.
func (a *App) CardError(msg string) { a.Error = msg }

// exportONNX downloads the current (or fine-tuned) model as one .onnx file.
func (a *App) exportONNX(which, name string) {
	a.eng.Send(&protocol.Header{Kind: protocol.Export, Export: &protocol.ExportRequest{Model: which, Format: "onnx"}}, nil, func(r Reply) {
		if r.Kind == protocol.Failed {
			a.Error = "Could not export the model: " + r.Error
			return
		}
		if r.Kind != protocol.Result || len(r.Bufs) != 1 {
			return
		}
		download(r.Bufs[0], name+".onnx", "application/octet-stream")
		a.Notice = "Exported " + name + ".onnx (ONNX opset 13, with its preprocessing and labels as metadata: it opens again here, in ONNX Runtime or PyTorch)."
	})
}
