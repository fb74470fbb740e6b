package ui

import (
	"fmt"
	"math"

	"saliencyexplorer/wasm/protocol"
)

// Engine states of a Session.
const (
	EngineStarting  = "starting"
	EnginePreparing = "preparing"
	EngineReady     = "ready"
	EngineFailed    = "failed"
)

// Session is the model session: the engine's state, the model in use, the
// models the picker offers, the current data set, and what the page
// remembers of each model while another is in use (its fine-tuning charts;
// the worker keeps the fine-tuned weights).
type Session struct {
	EngineState string // EngineStarting, EnginePreparing, EngineReady or EngineFailed
	EngineMsg   string
	EngineDone  int
	EngineTotal int

	Model   protocol.ModelInfo
	Models  []protocol.ModelInfo // every model the picker offers
	Dataset protocol.DatasetInfo
	// Registry is what the engine offers: saliency methods, training
	// objectives, data sets (see registry.go).
	Registry protocol.Registry
	// HasTuned reports whether the current model has a fine-tuned copy.
	HasTuned   bool
	PickerOpen bool
	Switching  string // what is being loaded, "" if nothing
	// FileModelName names the model loaded from files (after its file);
	// the worker only knows the name written inside it.
	FileModelName string
	// Origins says, by model key, where the model's fine-tuned copy kept
	// in this browser comes from.
	Origins map[string]string

	memos map[string]*modelMemo
	// tuned holds the test scores of each model's fine-tuned copy.
	tuned map[string]protocol.EpochReport
}

// modelMemo is what the page remembers of a model while another one is in
// use: its fine-tuning charts and status, and the comparison mode.
type modelMemo struct {
	Train   trainMemo
	Compare string
}

// NewSession returns a session whose engine is starting.
func NewSession() *Session {
	return &Session{EngineState: EngineStarting, EngineMsg: "Starting the engine…", memos: map[string]*modelMemo{}}
}

// Ready reports whether the engine is ready and no model is being loaded.
func (s *Session) Ready() bool { return s.EngineState == EngineReady && s.Switching == "" }

// Install takes the model description of a Ready reply: the model, the
// list of models and the data set (each only if sent).
func (s *Session) Install(model *protocol.ModelInfo, models []protocol.ModelInfo, ds *protocol.DatasetInfo) {
	s.EngineState = EngineReady
	s.EngineMsg = ""
	if model != nil {
		s.Model = *model
	}
	if models != nil {
		s.Models = models
	}
	if s.FileModelName != "" {
		if s.Model.Source == "file" {
			s.Model.Name = s.FileModelName
		}
		for i := range s.Models {
			if s.Models[i].Source == "file" {
				s.Models[i].Name = s.FileModelName
			}
		}
	}
	if ds != nil {
		s.Dataset = *ds
	}
	s.HasTuned = s.Model.HasTuned
}

// Remember keeps a model's memo for when the user comes back to it.
func (s *Session) Remember(key string, m *modelMemo) {
	if s.memos == nil {
		s.memos = map[string]*modelMemo{}
	}
	s.memos[key] = m
}

// Recall returns the memo of a model, if it has one.
func (s *Session) Recall(key string) (*modelMemo, bool) {
	m, ok := s.memos[key]
	return m, ok
}

// Forget drops a model's memo (a model loaded from files replaces the
// previous one under the same key).
func (s *Session) Forget(key string) { delete(s.memos, key) }

// SetTuned records the test scores of a model's fine-tuned copy.
func (s *Session) SetTuned(key string, r protocol.EpochReport) {
	if s.tuned == nil {
		s.tuned = map[string]protocol.EpochReport{}
	}
	s.tuned[key] = r
}

// TunedTitle says, for the model list, where m's fine-tuned copy comes
// from.
func (s *Session) TunedTitle(m protocol.ModelInfo) string {
	if o := s.Origins[m.Key]; o != "" {
		return "The copy of " + m.Name + " " + o + " (kept in this browser), before → after"
	}
	return "The copy of " + m.Name + " you fine-tuned in this page, before → after"
}

// SetOrigin records where a model's fine-tuned copy comes from.
func (s *Session) SetOrigin(key, origin string) {
	if s.Origins == nil {
		s.Origins = map[string]string{}
	}
	s.Origins[key] = origin
}

// ForgetTuned drops them (a run that starts again from the original).
func (s *Session) ForgetTuned(key string) { delete(s.tuned, key) }

// Tuned returns the test scores of a model's fine-tuned copy, if it has
// one and they were measured.
func (s *Session) Tuned(key string) (protocol.EpochReport, bool) {
	r, ok := s.tuned[key]
	return r, ok
}

// TunedComparison says how fine-tuning changed model m, or returns "".
func (s *Session) TunedComparison(m protocol.ModelInfo) string {
	r, ok := s.Tuned(m.Key)
	if !ok {
		return ""
	}
	return Comparison(m, r, s.TargetOf(r.Target, "true class"))
}

// MainModel is the model the main pane explains: the fine-tuned copy once
// there is one.
func (s *Session) MainModel() string {
	if s.HasTuned {
		return protocol.Tuned
	}
	return protocol.Original
}

// ModelLabel names a model for captions.
func (s *Session) ModelLabel(m string) string {
	if m == protocol.Tuned && s.HasTuned {
		return "fine-tuned model"
	}
	return "original model"
}

// ClassName returns the name of class i.
func (s *Session) ClassName(i int) string {
	if i >= 0 && i < len(s.Model.Classes) {
		return s.Model.Classes[i]
	}
	return "unknown"
}

// ModelMeta is the model chip's detail line.
func (s *Session) ModelMeta() string {
	m := s.Model
	str := fmt.Sprintf("%d×%d", m.W, m.H)
	if m.Dataset != "" {
		str = m.Dataset + " · " + str
	}
	after, tuned := s.Tuned(m.Key)
	switch {
	case s.HasTuned && tuned:
		str += " · test AUC " + BeforeAfter(m.TestAUC, after.TestAUC, Num)
	case m.ScoreSet != "" && known(m.TestAUC):
		str += " · test AUC " + Num(m.TestAUC)
	}
	return str
}

// ModelTitle is the model chip's tooltip.
func (s *Session) ModelTitle() string {
	m := s.Model
	src := map[string]string{"shipped": "shipped with this site", "starter": "trained in this browser at start-up", "file": "loaded from your files", "onnx": "imported from " + m.File}[m.Source]
	t := fmt.Sprintf("%s (%s), trained with %s; %d parameters; classes: %s; test accuracy %s, AUC %s, mean saliency IoU %s. %s",
		m.Name, src, m.Method, m.Params, classList(m.Classes), Pct(m.TestAcc), Num(m.TestAUC), Num(m.TestIoU), s.ScoreReading(m.TestAUC, m.TestAcc, m.Dataset))
	if c := s.TunedComparison(m); c != "" && s.HasTuned {
		t += " Fine-tuned: " + c + "."
	}
	if o := s.Origins[m.Key]; o != "" && s.HasTuned {
		t += " The fine-tuned copy was " + o + "; it is kept in this browser."
	}
	return t
}

// Datasets lists the data sets of the shipped models, in order.
func (s *Session) Datasets() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range s.Models {
		if m.Dataset != "" && !seen[m.Dataset] && m.Source == "shipped" {
			seen[m.Dataset] = true
			out = append(out, m.Dataset)
		}
	}
	return out
}

// Suggested returns the shipped model of the current data set that was
// trained with a mask method and scores best on its test split (highest
// test AUC): its method is the one to suggest for fine-tuning here, since
// it is the one shown to generalize on this data set (a method that works
// on one data set may not on another: RRR leaves Crosses' test AUC near 0).
func (s *Session) Suggested() (protocol.ModelInfo, bool) {
	var best protocol.ModelInfo
	found := false
	for _, m := range s.Models {
		if m.Source != "shipped" || m.Dataset != s.Model.Dataset || m.Method == "" || m.Method == "baseline" || !known(m.TestAUC) {
			continue
		}
		if !found || m.TestAUC > best.TestAUC {
			best, found = m, true
		}
	}
	return best, found
}

// ModelName returns the name of the model with a key, or the key.
func (s *Session) ModelName(key string) string {
	for _, m := range s.Models {
		if m.Key == key {
			return m.Name
		}
	}
	return key
}

// Pct formats a fraction as a percentage.
func Pct(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*v)
}

// Num formats a score with three decimals.
func Num(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// classList names a model's classes for a tooltip: all of a few, the first
// ten of many (an ImageNet model's 1000 would not fit the page's render
// buffer in one attribute).
func classList(classes []string) string {
	if len(classes) <= 12 {
		return fmt.Sprint(classes)
	}
	return fmt.Sprintf("%v … (%d in all)", classes[:10], len(classes))
}
