package host

import (
	"errors"
	"fmt"
	"math"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// StartTraining starts a fine-tuning run of the current model. It trains
// on the data set's training split (generated in the browser for Crosses
// and Phantom, the first time, telling st), or, for data sets the browser
// cannot generate, on the shipped training images (fetched the first time;
// the sample gallery validates and tests), or failing those on half of the
// sample gallery (the other half validates and tests), plus the user's
// examples: images N×C×H×W, masks N×H×W and labels. With none of these,
// the user's examples are also the validation set.
func (h *Host) StartTraining(req protocol.TrainRequest, images, masks []float32, st Status) error {
	if h.cur == nil {
		return errors.New("the model is not loaded yet")
	}
	method, err := train.ParseMethod(req.Method)
	if err != nil {
		return err
	}
	if req.Epochs < 1 || req.Epochs > maxEpochs {
		return fmt.Errorf("epochs must be between 1 and %d", maxEpochs)
	}
	if !(req.Lambda >= 0) || math.IsInf(req.Lambda, 0) {
		return errors.New("λ must be a non-negative number")
	}
	target := saliency.Target(req.Target)
	if target == "" {
		target = saliency.TargetLogit
	}
	if _, ok := target.Info(); !ok {
		return fmt.Errorf("unknown saliency target %q", req.Target)
	}
	user, err := h.userSet(req.Labels, images, masks)
	if err != nil {
		return err
	}
	h.mark("se-w-train-generate")
	sp, err := h.generate(st, "training set")
	if err != nil {
		return err
	}
	h.mark("se-w-train-data")
	h.loadTrainGallery(st)
	ds := h.current()
	var trainSet, validSet, testSet *data.Set
	switch {
	case sp != nil:
		trainSet, validSet, testSet = sp.Train, sp.Valid, sp.Test
	case ds.trainGallery != nil && ds.gallery != nil:
		trainSet, validSet, testSet = ds.trainGallery, ds.gallery, ds.gallery
	case ds.gallery != nil:
		trainSet, validSet = halves(ds.gallery)
		testSet = validSet
	case user.Len() > 0:
		trainSet, validSet = user, user
	default:
		return errors.New("there is nothing to train on: this model's data set is not available in the browser; add your own labelled images with masks first")
	}
	if user.Len() > 0 && trainSet != user {
		trainSet = concat(trainSet, user)
	}
	if h.cur.imp != nil {
		// An imported model trains on the user's images a few at a time.
		if req.BatchSize == 0 {
			req.BatchSize = min(8, trainSet.Len())
		}
		if err := h.checkTrainingMemory(method, req.BatchSize); err != nil {
			return err
		}
	}
	h.StopTraining()
	s := h.cur
	if s.tuned == nil || req.Restart {
		s.tuned = s.trainCopy()
		s.tunedVersion = h.tick()
	}
	cfg := train.Config{Method: method, Lambda: req.Lambda, LR: req.LR, BatchSize: req.BatchSize, Epochs: req.Epochs, Seed: req.Seed + 1}
	tr, err := train.NewTrainer(s.tuned, trainSet, validSet, cfg)
	if err != nil {
		return err
	}
	s.tunedWith = req.Method
	h.run = &run{req: req, tr: tr, net: s.tuned, slot: s, epochs: req.Epochs, valid: validSet, test: testSet,
		target: target, baseIoU: math.NaN(), baseMass: math.NaN()}
	h.useRemote(tr, st)
	if testSet != nil {
		h.mark("se-w-train-base")
		h.run.baseIoU, h.run.baseMass = meanAgreement(s.orig, testSet, target)
	}
	h.mark("se-w-train-start")
	return nil
}

// userSet builds a data set from the user's examples, validating them.
func (h *Host) userSet(labels []int, images, masks []float32) (*data.Set, error) {
	in := h.cur.orig.Input()
	n := len(labels)
	if n > maxUserExamples {
		return nil, fmt.Errorf("at most %d of your own images can be used", maxUserExamples)
	}
	s := &data.Set{Name: "your images", C: in.C, H: in.H, W: in.W, ClassNames: h.cur.info.Classes, Labels: labels}
	if len(images) != n*in.Size() || len(masks) != n*in.H*in.W {
		return nil, fmt.Errorf("your images do not match the model input %d×%d×%d", in.C, in.H, in.W)
	}
	s.Images = images
	s.Masks = make([]float32, len(masks))
	for i, v := range masks {
		if v > 0.5 {
			s.Masks[i] = 1
		}
	}
	s.TrainMasks = s.Masks
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// concat returns a new set with the examples of a then b.
func concat(a, b *data.Set) *data.Set {
	return &data.Set{
		Name: a.Name + "+" + b.Name, C: a.C, H: a.H, W: a.W, ClassNames: a.ClassNames,
		Images:     append(append([]float32{}, a.Images...), b.Images...),
		Masks:      append(append([]float32{}, a.Masks...), b.Masks...),
		TrainMasks: append(append([]float32{}, a.TrainMasks...), b.TrainMasks...),
		Labels:     append(append([]int{}, a.Labels...), b.Labels...),
	}
}

// Training reports whether a run is in progress.
func (h *Host) Training() bool { return h.run != nil && !h.run.finished }

// Step runs one batch of the current run and reports it. After the last
// batch (all epochs, early stopping, or TrainRequest.MaxSteps) the best
// weights are restored and the update's State is StateDone.
func (h *Host) Step() (protocol.TrainUpdate, error) {
	r := h.run
	if r == nil || r.finished {
		return protocol.TrainUpdate{}, errors.New("no training is running")
	}
	h.mark("se-w-step")
	info, err := r.tr.Step()
	r.slot.tunedVersion = h.tick() // the weights changed
	if err != nil {
		r.finished = true
		r.tr.Finish()
		return protocol.TrainUpdate{State: protocol.StateFailed, Message: err.Error()}, err
	}
	r.steps++
	u := protocol.TrainUpdate{
		State: protocol.StateRunning, Epoch: info.Epoch, Epochs: r.epochs, Batch: info.Batch, Batches: info.Batches,
		Steps: r.steps, Loss: info.Loss, CE: info.CE, Penalty: info.Penalty, Workers: info.Workers,
	}
	if e := info.EpochEnd; e != nil {
		h.mark("se-w-epoch-report")
		u.EpochEnd = h.report(e.Epoch, e.TrainLoss, e.Valid, e.Best)
		h.mark("se-w-epoch-reported")
	}
	if r.req.MaxSteps > 0 && r.steps >= r.req.MaxSteps && !r.tr.Done() && u.EpochEnd == nil {
		// A trial run: evaluate where it stopped.
		ev := train.Evaluate(r.net, r.valid, 64)
		u.EpochEnd = h.report(info.Epoch, info.Loss, ev, false)
		r.finished = true
	}
	if r.tr.Done() || r.finished {
		r.finished = true
		if r.tr.Done() {
			r.tr.Finish()
			r.slot.tunedVersion = h.tick()
		}
		u.State = protocol.StateDone
	}
	return u, nil
}

// report builds a chart point, adding test scores and the mean IoU.
func (h *Host) report(epoch int, trainLoss float64, valid train.Eval, best bool) *protocol.EpochReport {
	r := h.run
	rep := &protocol.EpochReport{
		Epoch: epoch, TrainLoss: trainLoss, ValidLoss: valid.Loss, ValidAcc: valid.Accuracy, ValidAUC: valid.AUC,
		TestAcc: math.NaN(), TestAUC: math.NaN(), MeanIoU: math.NaN(), MeanMass: math.NaN(), Best: best,
		Target: string(r.target), BaseIoU: r.baseIoU, BaseMass: r.baseMass,
	}
	if r.test != nil {
		ev := train.Evaluate(r.net, r.test, 64)
		rep.TestAcc, rep.TestAUC = ev.Accuracy, ev.AUC
		rep.MeanIoU, rep.MeanMass = meanAgreement(r.net, r.test, r.target)
	}
	return rep
}

// StopTraining ends the run at once, keeping the best weights seen so far
// (or the current ones if no epoch has ended).
func (h *Host) StopTraining() protocol.TrainUpdate {
	r := h.run
	if r == nil || r.finished {
		return protocol.TrainUpdate{State: protocol.StateStopped}
	}
	r.finished = true
	r.tr.Finish()
	r.slot.tunedVersion = h.tick() // the best weights are back
	return protocol.TrainUpdate{State: protocol.StateStopped, Steps: r.steps, Epochs: r.epochs}
}
