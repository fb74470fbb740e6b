package host

import (
	"errors"
	"fmt"
	"math"

	"saliencyexplorer/engine/train"
	"saliencyexplorer/wasm/protocol"
)

// SetTrainRemote makes the fine-tuning runs started from now on split
// each batch into parts shards, data-parallel: shard 0 computed here, the
// others through r (the worker's helper pool), their gradients summed into
// one optimizer step, when the model and objective allow it
// (train.Splits; otherwise the run says why and trains here). With r nil
// or parts < 2 every step runs here.
func (h *Host) SetTrainRemote(r train.Remote, parts int) {
	h.remote, h.remoteParts = r, parts
}

// MinSplitStepValues is the least activations (batch size × the model's
// values per example) a training step must keep for the Host to split it
// across workers: a step of the Crosses CNN (0.8 M values at batch 32)
// takes a few milliseconds, about what sending its shards to helpers and
// back costs; one of the Phantom CNN (7.9 M) takes most of a second.
const MinSplitStepValues = 1 << 22

// useRemote hands the run's trainer the Remote set by SetTrainRemote, if
// its steps are large enough (MinSplitStepValues) and the model and
// objective split.
func (h *Host) useRemote(tr *train.Trainer, st Status) {
	if h.remote == nil || h.remoteParts < 2 {
		return
	}
	least := int64(MinSplitStepValues)
	if h.splitFrom > 0 {
		least = h.splitFrom
	}
	if int64(tr.Config().BatchSize)*int64(h.run.net.ValuesPerExample()) < least {
		return
	}
	if err := tr.SetRemote(h.remote, h.remoteParts); err != nil {
		st.note(fmt.Sprintf("Fine-tuning runs in one engine worker: %v.", err))
	}
}

// TrainShard computes, as a helper worker, one shard of a training step of
// the main worker: the parameter gradient of the model this Host holds
// (LoadHelper) with its trainable values set to params, on the shard's
// images x (N×C×H×W), masks (N×H×W) and labels, and S(x) if the method
// shuffles (nil otherwise). The gradient is the Host's own storage, valid
// until the next call.
func (h *Host) TrainShard(req protocol.ShardRequest, params, x, masks, shuffled []float32) ([]float32, train.Terms, error) {
	if h.cur == nil {
		return nil, train.Terms{}, errors.New("the helper holds no model")
	}
	method, err := train.ParseMethod(req.Method)
	if err != nil {
		return nil, train.Terms{}, err
	}
	if !(req.Lambda >= 0) || math.IsInf(req.Lambda, 0) {
		return nil, train.Terms{}, errors.New("λ must be a non-negative number")
	}
	net := h.cur.orig
	in, n := net.Input(), req.N
	switch {
	case n < 1 || req.Total < n || len(req.Labels) != n:
		return nil, train.Terms{}, fmt.Errorf("a shard of %d examples (%d labels) of a batch of %d", n, len(req.Labels), req.Total)
	case len(x) != n*in.Size() || len(masks) != n*in.H*in.W || (shuffled != nil && len(shuffled) != len(x)):
		return nil, train.Terms{}, fmt.Errorf("a shard's images or masks do not match the model input %d×%d×%d", in.C, in.H, in.W)
	}
	for _, y := range req.Labels {
		if y < 0 || y >= net.Classes() {
			return nil, train.Terms{}, fmt.Errorf("label %d of a model of %d classes", y, net.Classes())
		}
	}
	if o := h.shardObj; o == nil || o.Method != method || o.Lambda != req.Lambda {
		if h.shardObj, err = train.NewObjective(method, req.Lambda, 1); err != nil {
			return nil, train.Terms{}, err
		}
	}
	b := train.Batch{X: x, Masks: masks, Labels: req.Labels, N: n, Total: req.Total, Shuffled: shuffled}
	return train.ComputeShard(net, h.shardObj, params, b)
}
