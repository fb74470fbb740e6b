package onnx

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"saliencyexplorer/engine/onnx/onnxpb"
)

// bkNodeDir is where Debian's libonnx-testdata installs ONNX's backend node
// tests: per test a model.onnx and test_data_set_*/{input,output}_*.pb.
const bkNodeDir = "/usr/lib/python3/dist-packages/onnx/backend/test/data/node"

// ONNX's backend test runner compares with numpy's assert_allclose at these
// tolerances for every node test (onnx/backend/test/loader).
const (
	bkRTol = 1e-3
	bkATol = 1e-7
)

// bkResult is the outcome of one node test: passed, refused (with the
// reason) or wrong (it ran and gave a wrong answer, or panicked).
type bkResult struct {
	name, status, reason string
}

// TestBackendNodeSuite runs ONNX's backend node tests. The engine runs
// graphs with one batched input, so a test's first input is the batch
// (its first axis the batch axis) and its other inputs become
// initializers holding the test's values; a test with several outputs, or
// whose inputs or output the engine cannot represent, is refused, as is
// every test with an op or attribute the importer does not support. Each
// test either passes, at ONNX's own tolerances (rtol 1e-3, atol 1e-7, NaN
// equal to NaN), or is refused with its reason; a test that runs and gives
// a wrong answer fails this test. A test with a batch of several examples
// also runs its first example alone, which must give the first row of the
// expected output (the engine treats examples independently).
//
// The counts are logged (go test -v -run TestBackendNodeSuite); with
// SE_ONNX_NODE_REPORT=file every test's outcome is written there.
func TestBackendNodeSuite(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(bkNodeDir, "test_*"))
	if len(dirs) == 0 {
		msg := "ONNX backend node tests not found under " + bkNodeDir + " (apt-get install libonnx-testdata)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires them")
		}
		t.Skip(msg)
	}
	sort.Strings(dirs)
	var results []bkResult
	count := map[string]int{}
	for _, dir := range dirs {
		r := bkRun(dir)
		results = append(results, r)
		count[r.status]++
		if r.status == "wrong" {
			t.Errorf("%s: ran and gave a wrong answer: %s", r.name, r.reason)
		}
	}
	// Group refusals by reason, so the log says what is missing.
	byReason := map[string][]string{}
	for _, r := range results {
		if r.status == "refused" {
			key := bkReasonKey(r.reason)
			byReason[key] = append(byReason[key], r.name)
		}
	}
	keys := make([]string, 0, len(byReason))
	for k := range byReason {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(byReason[keys[i]]) != len(byReason[keys[j]]) {
			return len(byReason[keys[i]]) > len(byReason[keys[j]])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		names := byReason[k]
		t.Logf("refused %3d: %s (e.g. %s)", len(names), k, strings.Join(names[:min(3, len(names))], ", "))
	}
	var passed []string
	for _, r := range results {
		if r.status == "passed" {
			passed = append(passed, strings.TrimPrefix(r.name, "test_"))
		}
	}
	t.Logf("passed: %s", strings.Join(passed, " "))
	t.Logf("ONNX backend node tests: %d passed, %d refused, %d wrong, of %d", count["passed"], count["refused"], count["wrong"], len(results))
	if count["passed"] == 0 {
		t.Error("no node test passed")
	}
	if p := os.Getenv("SE_ONNX_NODE_REPORT"); p != "" {
		var b strings.Builder
		fmt.Fprintf(&b, "| test | outcome | reason |\n|---|---|---|\n")
		for _, r := range results {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", r.name, r.status, strings.ReplaceAll(r.reason, "|", "\\|"))
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// bkReasonKey shortens a refusal to its kind, dropping node names and the
// list of supported ops.
func bkReasonKey(reason string) string {
	if i := strings.Index(reason, " (supported"); i > 0 {
		reason = reason[:i]
	}
	if i := strings.Index(reason, "): "); i > 0 && strings.Contains(reason[:i], "node #") {
		reason = reason[i+3:] + " [" + reason[strings.LastIndex(reason[:i], "(")+1:i] + "]"
	}
	if len(reason) > 140 {
		reason = reason[:140] + "…"
	}
	return reason
}

func bkRun(dir string) (res bkResult) {
	res.name = filepath.Base(dir)
	refuse := func(format string, a ...any) bkResult {
		res.status, res.reason = "refused", fmt.Sprintf(format, a...)
		return res
	}
	defer func() {
		if p := recover(); p != nil {
			res.status, res.reason = "wrong", fmt.Sprint("panic: ", p)
		}
	}()
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return refuse("%v", err)
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return refuse("no test data")
	}
	sort.Strings(sets)
	for _, set := range sets {
		m, err := onnxpb.Decode(b, onnxpb.Limits{})
		if err != nil {
			return refuse("%v", err)
		}
		for _, v := range append(append([]*onnxpb.ValueInfo(nil), m.Graph.Inputs...), m.Graph.Outputs...) {
			if v.NotTensor {
				return refuse("value %q is a sequence, map or optional, not a tensor", v.Name)
			}
		}
		ins, err := bkTensors(set, "input")
		if err != nil {
			return refuse("%v", err)
		}
		outs, err := bkTensors(set, "output")
		if err != nil {
			return refuse("%v", err)
		}
		if len(outs) != 1 || len(m.Graph.Outputs) != 1 {
			return refuse("%d outputs; the engine computes one", len(m.Graph.Outputs))
		}
		if outs[0].DataType != onnxpb.Float {
			return refuse("output of type %v; the engine computes FLOAT", outs[0].DataType)
		}
		var real []*onnxpb.ValueInfo
		for _, v := range m.Graph.Inputs {
			if !slices.ContainsFunc(m.Graph.Initializers, func(t *onnxpb.Tensor) bool { return t.Name == v.Name }) {
				real = append(real, v)
			}
		}
		if len(real) == 0 || len(real) != len(ins) {
			return refuse("%d inputs with %d input files", len(real), len(ins))
		}
		for i := 1; i < len(real); i++ {
			c := *ins[i]
			c.Name = real[i].Name
			m.Graph.Initializers = append(m.Graph.Initializers, &c)
		}
		x := ins[0]
		if x.DataType != onnxpb.Float || len(x.Dims) < 2 {
			return refuse("first input of type %v and rank %d; the engine takes a FLOAT batch of rank ≥ 2", x.DataType, len(x.Dims))
		}
		imp, err := Import(m, Options{KeepSoftmax: true})
		if err != nil {
			return refuse("%v", err)
		}
		n := int(x.Dims[0])
		want := outs[0].Float
		got := imp.Graph.Forward(x.Float, n, false)
		if msg := bkCompare(got, want); msg != "" {
			res.status, res.reason = "wrong", filepath.Base(set)+": "+msg
			return res
		}
		if n > 1 && len(outs[0].Dims) > 0 && outs[0].Dims[0] == int64(n) {
			one := imp.Graph.Forward(x.Float[:len(x.Float)/n], 1, false)
			if msg := bkCompare(one, want[:len(want)/n]); msg != "" {
				res.status, res.reason = "wrong", filepath.Base(set)+", first example alone: "+msg
				return res
			}
		}
	}
	res.status = "passed"
	return res
}

// bkTensors reads kind_0.pb, kind_1.pb, … of a test data set in order.
func bkTensors(set, kind string) ([]*onnxpb.Tensor, error) {
	var ts []*onnxpb.Tensor
	for i := 0; ; i++ {
		p := filepath.Join(set, fmt.Sprintf("%s_%d.pb", kind, i))
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return ts, nil
		}
		if err != nil {
			return nil, err
		}
		t, err := onnxpb.DecodeTensor(b, onnxpb.Limits{})
		if err != nil {
			return nil, fmt.Errorf("%s_%d.pb: %w", kind, i, err)
		}
		ts = append(ts, t)
	}
}

// bkCompare is numpy's assert_allclose(got, want, rtol, atol) with NaN
// equal to NaN: it returns "" or what differs.
func bkCompare(got []float32, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	bad, first, worst := 0, -1, 0.0
	for i, w := range want {
		g := got[i]
		wn, gn := math.IsNaN(float64(w)), math.IsNaN(float64(g))
		if wn || gn {
			if wn != gn {
				bad++
				if first < 0 {
					first = i
				}
			}
			continue
		}
		if math.IsInf(float64(w), 0) || math.IsInf(float64(g), 0) {
			if w != g {
				bad++
				if first < 0 {
					first = i
				}
			}
			continue
		}
		d := math.Abs(float64(g) - float64(w))
		if d > bkATol+bkRTol*math.Abs(float64(w)) {
			bad++
			if first < 0 {
				first = i
			}
			worst = math.Max(worst, d)
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d values differ (first at %d: %g, want %g; largest difference %g)", bad, len(want), first, got[first], want[first], worst)
}
