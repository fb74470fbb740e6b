package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"saliencyexplorer/engine/graph"
	"saliencyexplorer/engine/nn"
	"saliencyexplorer/engine/saliency"
	"saliencyexplorer/engine/sanity"
	"saliencyexplorer/wasm/protocol"
)

// Settings of a map's check (Check).
const (
	// CheckLayers is the most steps the cascade shows; a model with more
	// layers has adjacent ones merged (sanity.Group).
	CheckLayers = 24
	// CheckCurveSteps is the number of steps of the deletion and insertion
	// curves, as the lab's table (engine/lab SanityCurveSteps).
	CheckCurveSteps = 28
	// checkThumb is the largest side of the maps a check returns.
	checkThumb = 64
	// checkSeed draws the re-initialised weights and the random order.
	checkSeed = 1
	// DefaultCheckTime is the longest a check may be estimated to take
	// before it is refused (see SetCheckTime).
	DefaultCheckTime = 10 * time.Minute
)

// SetCheckTime sets the longest a check may be estimated to take (0:
// DefaultCheckTime).
func (h *Host) SetCheckTime(d time.Duration) { h.checkTime = d }

// ErrCheckTooSlow is wrapped by Check's error when the check would take
// longer than allowed.
var ErrCheckTooSlow = errors.New("the check would take too long")

// Check asks whether the saliency map req describes, of input x, means
// anything (protocol.Check): the cascading model-parameter randomisation
// of the model req names, on a copy of it, and the deletion and insertion
// curves of req.Class's probability in the map's pixel order and in a
// random one. It returns the report and the maps (the trained model's,
// then one per step, each MapH×MapW, in absolute value divided by its
// maximum). progress, if not nil, is called as the work advances, with
// done of total units; ctx ending stops the work. After the first map,
// a check estimated to take longer than the allowed time is refused with
// the estimate (ErrCheckTooSlow). The model in use is never modified,
// except that a check that fits the memory budget only without averaged
// forwards leaves them disallowed on the models not training (fitAveraged).
func (h *Host) Check(ctx context.Context, x []float32, req protocol.SaliencyRequest, progress func(done, total int)) (protocol.CheckReport, []float32, error) {
	start := time.Now()
	if err := h.checkInput(x); err != nil {
		return protocol.CheckReport{}, nil, err
	}
	net, err := h.network(req.Model)
	if err != nil {
		return protocol.CheckReport{}, nil, err
	}
	method := saliency.Method(req.Method)
	if _, ok := method.Info(); !ok {
		return protocol.CheckReport{}, nil, fmt.Errorf("unknown saliency method %q", req.Method)
	}
	if req.Class < 0 || req.Class >= net.Classes() {
		return protocol.CheckReport{}, nil, fmt.Errorf("class %d: the model has %d classes", req.Class, net.Classes())
	}
	// The trainer's network holds a batch's buffers, so a check during
	// training reads a copy of it; the copy that is randomised is one more.
	copies := int64(1)
	training := h.Training() && net == h.run.net
	if training {
		copies = 2
	}
	if h.cur.imp != nil {
		if err := h.checkSaliencyMemory(net); err != nil {
			return protocol.CheckReport{}, nil, err
		}
		budget := h.memoryBudget()
		need := fitAveraged(budget, func() int64 { return copies*copyMemory(net) + 4*2*int64(net.ValuesPerExample()) }, h.idleGraphs()...)
		if need > budget {
			what := "a copy of the model"
			if copies > 1 {
				what = "two copies of the model while it trains"
			}
			return protocol.CheckReport{}, nil, fmt.Errorf("checking this map needs %s and about %s in all; the browser's memory allows %s", what, mb(need), mb(budget))
		}
	}
	if training {
		net = clone(net)
	}
	work := clone(net)
	var units []sanity.Unit
	switch w := work.(type) {
	case *nn.Network:
		if units, err = sanity.NetworkUnits(w, checkSeed); err != nil {
			return protocol.CheckReport{}, nil, err
		}
	case *graph.Graph:
		units = sanity.GraphUnits(w, checkSeed)
	}
	nUnits := len(units)
	units = sanity.Group(units, CheckLayers)

	// Progress: each map is 100 units (its own progress moves inside
	// them), the curves 100 more.
	const per = 100
	total := (len(units) + 2) * per
	maps := 0
	report := func(done int) {
		if progress != nil {
			progress(min(done, total), total)
		}
	}
	opt := saliency.Options{Class: req.Class, Blur: req.Blur, Samples: req.Samples, Steps: req.Steps, Window: req.Window,
		Target: saliency.Target(req.Target), Seed: 1}
	if h.cur.imp != nil {
		opt.Layer = h.cur.imp.layer
	}
	var first []float32 // the trained model's map, as the method gives it
	var firstTime time.Duration
	limit := h.checkTime
	if limit <= 0 {
		limit = DefaultCheckTime
	}
	explain := func(ctx context.Context, m nn.Model, x []float32, class int) ([]float32, error) {
		if maps == 1 {
			// The first map measured the method's cost: refuse a check
			// that would run too long before starting the rest.
			t := time.Now()
			m.Forward(x, 1, false)
			fwd := time.Since(t)
			est := firstTime*time.Duration(len(units)) + fwd*time.Duration(4*(CheckCurveSteps+1))
			if est > limit {
				return nil, fmt.Errorf("%w: about %s (%d maps of %s at %s each, and the curves); the limit is %s. Choose a faster method, such as the gradient, or fewer samples or steps",
					ErrCheckTooSlow, est.Round(time.Second), len(units)+1, method.Label(), firstTime.Round(time.Millisecond), limit)
			}
		}
		o := opt
		base := maps * per
		o.Progress = func(done, total int) {
			if total > 0 {
				report(base + per*done/total)
			}
		}
		t := time.Now()
		var s []float32
		var err error
		if h.checkMap != nil {
			s, err = h.checkMap(ctx, m, x, class)
		} else {
			s, err = saliency.Map(ctx, m, x, method, o)
		}
		if maps == 0 {
			first, firstTime = s, time.Since(t)
		}
		maps++
		return s, err
	}
	c, err := sanity.RunCascade(ctx, net, work, units, x, req.Class, explain, func(done, _ int) { report(done * per) })
	if err != nil {
		return protocol.CheckReport{}, nil, err
	}
	in := net.Input()
	hw := in.H * in.W
	cv, err := sanity.DeletionInsertion(net, x, req.Class, sanity.Order(first), CheckCurveSteps)
	if err != nil {
		return protocol.CheckReport{}, nil, err
	}
	report(total - per/2)
	if err := ctx.Err(); err != nil {
		return protocol.CheckReport{}, nil, err
	}
	rv, err := sanity.DeletionInsertion(net, x, req.Class, sanity.RandomOrder(hw, checkSeed), CheckCurveSteps)
	if err != nil {
		return protocol.CheckReport{}, nil, err
	}
	report(total)

	r := protocol.CheckReport{
		Method: req.Method, Class: req.Class, Units: nUnits, Steps: CheckCurveSteps,
		Deletion: maybe(cv.Deletion), Insertion: maybe(cv.Insertion),
		RandomDeletion: maybe(rv.Deletion), RandomInsertion: maybe(rv.Insertion),
		DeletionAUC: protocol.MaybeFloat(cv.DeletionAUC), InsertionAUC: protocol.MaybeFloat(cv.InsertionAUC),
		RandomDeletionAUC: protocol.MaybeFloat(rv.DeletionAUC), RandomInsertionAUC: protocol.MaybeFloat(rv.InsertionAUC),
	}
	thumb, th, tw := shrink(c.Original, in.H, in.W, checkThumb)
	r.MapH, r.MapW = th, tw
	out := thumb
	for _, s := range c.Steps {
		r.Layers = append(r.Layers, protocol.CheckLayer{Name: s.Name, Kind: s.Kind,
			Spearman: protocol.MaybeFloat(s.Spearman), SSIM: protocol.MaybeFloat(s.SSIM)})
		t, _, _ := shrink(s.Map, in.H, in.W, checkThumb)
		out = append(out, t...)
	}
	r.Millis = float64(time.Since(start).Microseconds()) / 1000
	return r, out, nil
}

func maybe(v []float64) []protocol.MaybeFloat {
	out := make([]protocol.MaybeFloat, len(v))
	for i, x := range v {
		out[i] = protocol.MaybeFloat(x)
	}
	return out
}

// shrink returns the H×W map m averaged over f×f blocks, the smallest
// whole f that brings both sides to at most side (blocks at the right and
// bottom edges may be partial), and its size.
func shrink(m []float32, h, w, side int) ([]float32, int, int) {
	f := max((h+side-1)/side, (w+side-1)/side, 1)
	if f == 1 {
		return append([]float32(nil), m...), h, w
	}
	oh, ow := (h+f-1)/f, (w+f-1)/f
	out := make([]float32, oh*ow)
	n := make([]int, oh*ow)
	for y := range h {
		for x := range w {
			i := (y/f)*ow + x/f
			out[i] += m[y*w+x]
			n[i]++
		}
	}
	for i := range out {
		out[i] /= float32(n[i])
	}
	return out, oh, ow
}
