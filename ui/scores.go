package ui

import (
	"math"
	"strings"

	"saliencyexplorer/wasm/protocol"
)

// known reports whether a score was measured (the protocol sends -1 for
// a score it does not have).
func known(v float64) bool { return v >= 0 && !math.IsNaN(v) && !math.IsInf(v, 0) }

// BeforeAfter formats a score before and after fine-tuning, "0.090 → 0.950".
func BeforeAfter(before, after float64, f func(float64) string) string {
	return f(before) + " → " + f(after)
}

// shortcutOf names a data set's shortcut and its images, for readings,
// from the engine's registry.
func (s *Session) shortcutOf(dataset string) (shortcut, images string) {
	shortcut, images = "a shortcut", "images"
	for _, d := range s.Registry.Datasets {
		if d.Name == dataset {
			if d.Shortcut != "" {
				shortcut = d.Shortcut
			}
			if d.Images != "" {
				images = d.Images
			}
		}
	}
	return shortcut, images
}

// ScoreReading says in one line what a model's test AUC and accuracy mean,
// measured where the shortcut of its data set stops telling the truth
// (METHODS.md): an AUC near 0 ranks the test images backwards, an AUC near
// 1 with a low accuracy ranks well but puts its threshold in the wrong
// place.
func (s *Session) ScoreReading(auc, acc float64, dataset string) string {
	shortcut, images := s.shortcutOf(dataset)
	switch {
	case !known(auc) && !known(acc):
		return "No test scores: there is no test split for it in the browser."
	case !known(auc):
		return "Only accuracy was measured."
	case auc < 0.2:
		return "Ranks every test " + strings.TrimSuffix(images, "s") + " backwards: it reads " + shortcut + ", which the test split reverses."
	case auc < 0.4:
		return "Ranks most test " + images + " the wrong way round: it leans on " + shortcut + "."
	case auc < 0.6:
		return "Ranks test " + images + " about as well as a coin toss: little of what it learned carries over."
	case auc >= 0.85 && known(acc) && acc < 0.75:
		return "Ranks well but is unconfident: the order is right, yet many scores fall on the wrong side of the threshold."
	case auc >= 0.85:
		return "Ranks and classifies the test " + images + " well: it reads the real evidence."
	default:
		return "Ranks better than chance, with many mistakes."
	}
}

// tunedScores picks the scores of the fine-tuned copy from a run's epochs:
// those of the last epoch with the best validation loss (the weights the
// copy keeps), else of the last epoch.
func tunedScores(history []protocol.EpochReport) (protocol.EpochReport, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Best {
			return history[i], true
		}
	}
	if len(history) > 0 {
		return history[len(history)-1], true
	}
	return protocol.EpochReport{}, false
}

// Comparison says how fine-tuning changed a model's test scores: before is
// the original model's, after the fine-tuned copy's. When the run says
// what its saliency maps explain (after.Target), the saliency agreement
// is compared with the run's own "before" (the original model on the same
// images and target, after.BaseIoU and BaseMass), and target names it,
// e.g. "log p(true class)"; otherwise with the model's test scores.
func Comparison(before protocol.ModelInfo, after protocol.EpochReport, target string) string {
	iou, mass, of := before.TestIoU, before.TestMass, ""
	if after.Target != "" {
		iou, mass, of = after.BaseIoU, after.BaseMass, " of "+target
	}
	parts := []string{
		"test AUC " + BeforeAfter(before.TestAUC, after.TestAUC, Num),
		"accuracy " + BeforeAfter(before.TestAcc, after.TestAcc, Pct),
		"saliency IoU" + of + " " + BeforeAfter(iou, after.MeanIoU, Num),
		"in mask " + BeforeAfter(mass, after.MeanMass, Pct),
	}
	return strings.Join(parts, " · ")
}
