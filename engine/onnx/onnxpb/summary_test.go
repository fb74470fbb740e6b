package onnxpb

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fixtureDir returns the repository's .cache/onnx, which `make
// onnx-fixtures` fills, or skips (fails under CI=true) if file is not there.
func fixtureDir(t testing.TB, file string) string {
	t.Helper()
	dir, err := filepath.Abs("../../../.cache/onnx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
		msg := "run make onnx-fixtures: " + filepath.Join(dir, file) + " is missing"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg)
	}
	return dir
}

// The account onnx.load gives of a model (scripts/onnx-fixtures.py,
// node_summary). Floats are Python reprs; bytes are hex.
type pySummary struct {
	IRVersion   int64      `json:"ir_version"`
	OpsetImport [][]any    `json:"opset_import"`
	Producer    string     `json:"producer_name"`
	Metadata    [][]string `json:"metadata_props"`
	Nodes       []struct {
		OpType  string   `json:"op_type"`
		Name    string   `json:"name"`
		Domain  string   `json:"domain"`
		Inputs  []string `json:"inputs"`
		Outputs []string `json:"outputs"`
		Attrs   []struct {
			Name    string     `json:"name"`
			Type    int32      `json:"type"`
			F       string     `json:"f"`
			I       int64      `json:"i"`
			S       string     `json:"s"`
			Floats  []string   `json:"floats"`
			Ints    []int64    `json:"ints"`
			Strings []string   `json:"strings"`
			T       *pyTensor  `json:"t"`
			Tensors []pyTensor `json:"tensors"`
		} `json:"attributes"`
	} `json:"nodes"`
	Initializers []pyTensor `json:"initializers"`
	Inputs       []pyValue  `json:"inputs"`
	Outputs      []pyValue  `json:"outputs"`
}

type pyTensor struct {
	Error    string   `json:"error"`
	Name     string   `json:"name"`
	Dims     []int64  `json:"dims"`
	DataType int32    `json:"data_type"`
	N        int      `json:"n"`
	Head     []string `json:"head"`
	Sum      string   `json:"sum"`
}

type pyValue struct {
	Name     string `json:"name"`
	Tensor   bool   `json:"tensor"`
	ElemType int32  `json:"elem_type"`
	Shape    []any  `json:"shape"`
}

// TestAgainstONNXLoad compares what Decode reads from every backend node
// test model and from the PyTorch exports with what ONNX's own Python
// package reads from the same files.
func TestAgainstONNXLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("937 models: the native suite compares them (TestBackendFilesDecode decodes them here)")
	}
	dir := fixtureDir(t, "node-summary.json")
	b, err := os.ReadFile(filepath.Join(dir, "node-summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]pySummary
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	compared, unsupported := 0, 0
	for key, want := range all {
		path := filepath.Join(dir, key+".onnx")
		if name, ok := strings.CutPrefix(key, "node/"); ok {
			path = filepath.Join(nodeTestDir, name, "model.onnx")
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		m, err := Decode(raw, Limits{})
		var ue *UnsupportedError
		if errors.As(err, &ue) {
			unsupported++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		compared++
		if errs := compareSummary(m, want); len(errs) > 0 {
			t.Errorf("%s: %d differences from onnx.load, first: %s", key, len(errs), errs[0])
		}
	}
	t.Logf("%d models agree with onnx.load (%d refused as unsupported)", compared, unsupported)
	if compared < 900 {
		t.Errorf("only %d models compared", compared)
	}
}

func compareSummary(m *Model, w pySummary) []string {
	var errs []string
	check := func(what string, got, want any) {
		if !reflect.DeepEqual(got, want) {
			errs = append(errs, what+": got "+repr(got)+", want "+repr(want))
		}
	}
	check("ir_version", m.IRVersion, w.IRVersion)
	var opsets [][]any
	for _, o := range m.OpsetImport {
		opsets = append(opsets, []any{o.Domain, float64(o.Version)})
	}
	if len(w.OpsetImport) > 0 || len(opsets) > 0 {
		check("opset_import", opsets, w.OpsetImport)
	}
	check("producer", m.ProducerName, w.Producer)
	var meta [][]string
	for _, p := range m.MetadataProps {
		meta = append(meta, []string{p.Key, p.Value})
	}
	if len(w.Metadata) > 0 || len(meta) > 0 {
		check("metadata", meta, w.Metadata)
	}
	g := m.Graph
	if len(g.Nodes) != len(w.Nodes) {
		return append(errs, "node count differs")
	}
	for i, n := range g.Nodes {
		wn := w.Nodes[i]
		pre := "node " + strconv.Itoa(i) + " "
		check(pre+"op", n.OpType, wn.OpType)
		check(pre+"name", n.Name, wn.Name)
		check(pre+"domain", n.Domain, wn.Domain)
		check(pre+"inputs", nonNilStrings(n.Inputs), nonNilStrings(wn.Inputs))
		check(pre+"outputs", nonNilStrings(n.Outputs), nonNilStrings(wn.Outputs))
		if len(n.Attributes) != len(wn.Attrs) {
			errs = append(errs, pre+"attribute count differs")
			continue
		}
		for j, a := range n.Attributes {
			wa := wn.Attrs[j]
			apre := pre + "attribute " + a.Name + " "
			check(apre+"name", a.Name, wa.Name)
			check(apre+"type", int32(a.Type), wa.Type)
			switch a.Type {
			case AttrFloat:
				check(apre+"f", float64(a.F), pyFloat(wa.F))
			case AttrInt:
				check(apre+"i", a.I, wa.I)
			case AttrString:
				check(apre+"s", hex.EncodeToString(a.S), wa.S)
			case AttrFloats:
				check(apre+"floats", floats64(a.Floats), pyFloats(wa.Floats))
			case AttrInts:
				check(apre+"ints", nonNilInts(a.Ints), nonNilInts(wa.Ints))
			case AttrStrings:
				var hs []string
				for _, s := range a.Strings {
					hs = append(hs, hex.EncodeToString(s))
				}
				check(apre+"strings", hs, wa.Strings)
			case AttrTensor:
				errs = append(errs, compareTensor(apre+"t", a.T, *wa.T)...)
			case AttrTensors:
				if len(a.Tensors) != len(wa.Tensors) {
					errs = append(errs, apre+"tensor count differs")
					continue
				}
				for k := range a.Tensors {
					errs = append(errs, compareTensor(apre+"tensors", a.Tensors[k], wa.Tensors[k])...)
				}
			}
		}
	}
	if len(g.Initializers) != len(w.Initializers) {
		return append(errs, "initializer count differs")
	}
	for i, tt := range g.Initializers {
		errs = append(errs, compareTensor("initializer "+strconv.Itoa(i), tt, w.Initializers[i])...)
	}
	for _, l := range []struct {
		what string
		got  []*ValueInfo
		want []pyValue
	}{{"input", g.Inputs, w.Inputs}, {"output", g.Outputs, w.Outputs}} {
		if len(l.got) != len(l.want) {
			errs = append(errs, l.what+" count differs")
			continue
		}
		for i, v := range l.got {
			wv := l.want[i]
			pre := l.what + " " + v.Name + " "
			check(pre+"name", v.Name, wv.Name)
			check(pre+"is a tensor", !v.NotTensor, wv.Tensor)
			if !wv.Tensor {
				continue
			}
			check(pre+"elem_type", int32(v.ElemType), wv.ElemType)
			check(pre+"has a shape", v.HasShape, wv.Shape != nil)
			var shape []any
			for _, d := range v.Shape {
				if d.HasValue {
					shape = append(shape, float64(d.Value))
				} else {
					shape = append(shape, d.Param)
				}
			}
			if v.HasShape {
				if shape == nil {
					shape = []any{}
				}
				check(pre+"shape", shape, wv.Shape)
			}
		}
	}
	return errs
}

func compareTensor(what string, got *Tensor, want pyTensor) []string {
	if want.Error != "" {
		return nil // a type numpy could not convert; DataType is checked by Decode
	}
	var errs []string
	if got.Name != want.Name || !reflect.DeepEqual(nonNilInts(got.Dims), nonNilInts(want.Dims)) || int32(got.DataType) != want.DataType {
		return []string{what + ": name, dims or type: got " + repr([]any{got.Name, got.Dims, got.DataType}) + ", want " + repr([]any{want.Name, want.Dims, want.DataType})}
	}
	var vals []float64
	switch got.DataType {
	case Float:
		vals = floats64(got.Float)
	case Double:
		vals = got.Double
	case Int32:
		vals = floats64(got.Int32)
	case Int64:
		vals = floats64(got.Int64)
	}
	if len(vals) != want.N {
		return []string{what + ": " + strconv.Itoa(len(vals)) + " values, want " + strconv.Itoa(want.N)}
	}
	head := vals[:min(len(vals), len(want.Head))]
	if !reflect.DeepEqual(nanToString(head), nanToString(pyFloats(want.Head))) {
		errs = append(errs, what+" values: got "+repr(head)+", want "+repr(want.Head))
	}
	var sum float64
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			sum += v
		}
	}
	if ws := pyFloat(want.Sum); math.Abs(sum-ws) > 1e-9*math.Max(1, math.Abs(ws))+1e-6*float64(len(vals))*1e-9 {
		errs = append(errs, what+" sum: got "+repr(sum)+", want "+want.Sum)
	}
	return errs
}

func pyFloat(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func pyFloats(s []string) []float64 {
	out := []float64{}
	for _, v := range s {
		out = append(out, pyFloat(v))
	}
	return out
}

func floats64[T float32 | int32 | int64](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func nanToString(s []float64) []string {
	out := []string{}
	for _, v := range s {
		out = append(out, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilInts(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func repr(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return strings.TrimSpace(strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return string(b)
}
