package saliency

import (
	"fmt"
	"math"
)

// Target names the scalar function of the network's logits f that a map
// explains for the class c (Captum calls it the target). Its value is
// stable and may be stored in settings or sent between the UI and the
// engine worker. The zero value explains the logit.
type Target string

// The targets; TargetInfos describes them.
const (
	TargetLogit   Target = "logit"   // f_c
	TargetLogProb Target = "logprob" // log p_c = f_c − log Σ_k exp f_k
	TargetProb    Target = "prob"    // p_c = softmax(f)_c
)

// TargetInfo describes a target: TargetInfos is the one list of targets
// that the engine worker and the page's menus read.
type TargetInfo struct {
	Target Target
	Label  string // menu name, e.g. "Log-probability"
	Help   string // one line: what explaining it means
	// Symbol is the target's name in a formula with %s for the class name,
	// e.g. "log p(%s)".
	Symbol string
}

// TargetInfos returns every target in the order a menu should list them.
func TargetInfos() []TargetInfo {
	return []TargetInfo{
		{Target: TargetLogProb, Label: "Log-probability", Symbol: "log p(%s)",
			Help: "log p_c: what moves the decision against the other classes; a change common to every logit does not count."},
		{Target: TargetLogit, Label: "Logit", Symbol: "logit(%s)",
			Help: "f_c: the class's raw score, including any component shared with the other classes."},
		{Target: TargetProb, Label: "Probability", Symbol: "p(%s)",
			Help: "p_c: like the log-probability but scaled by p_c(1 − p_c), so it fades when the model is sure."},
	}
}

// Info returns the description of t ("" is TargetLogit), and whether t is
// a known target.
func (t Target) Info() (TargetInfo, bool) {
	if t == "" {
		t = TargetLogit
	}
	for _, i := range TargetInfos() {
		if i.Target == t {
			return i, true
		}
	}
	return TargetInfo{}, false
}

// Label returns the target's human-readable name, such as "Log-probability",
// or the raw string for an unknown target.
func (t Target) Label() string {
	if i, ok := t.Info(); ok {
		return i.Label
	}
	return string(t)
}

// Of names the target for the class called class, e.g. "log p(cardiomegaly)".
func (t Target) Of(class string) string {
	if i, ok := t.Info(); ok {
		return fmt.Sprintf(i.Symbol, class)
	}
	return string(t) + "(" + class + ")"
}

// Value returns the target's value for class c given one example's logits.
func (t Target) Value(logits []float32, c int) float64 {
	switch t {
	case TargetLogProb:
		return float64(logits[c]) - logSumExp(logits)
	case TargetProb:
		return math.Exp(float64(logits[c]) - logSumExp(logits))
	default:
		return float64(logits[c])
	}
}

// Seed writes into d (len(logits) values) the gradient of the target for
// class c with respect to the logits, the backward pass's seed:
//
//	logit     e_c
//	logprob   e_c − p
//	prob      p_c (e_c − p)
//
// with p = softmax(logits).
func (t Target) Seed(d, logits []float32, c int) {
	if t != TargetLogProb && t != TargetProb {
		clear(d)
		d[c] = 1
		return
	}
	lse := logSumExp(logits)
	pc := math.Exp(float64(logits[c]) - lse)
	scale := 1.0
	if t == TargetProb {
		scale = pc
	}
	for k, f := range logits {
		p := math.Exp(float64(f) - lse)
		e := 0.0
		if k == c {
			e = 1
		}
		d[k] = float32(scale * (e - p))
	}
}

// logSumExp returns log Σ_k exp f_k, computed stably in float64.
func logSumExp(f []float32) float64 {
	m := math.Inf(-1)
	for _, v := range f {
		m = max(m, float64(v))
	}
	var s float64
	for _, v := range f {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}
