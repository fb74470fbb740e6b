package graph

import (
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Encode returns the graph in two parts that Decode joins again into an
// equal graph (same ops, attributes, tensor names, trainable and frozen
// parameters, bit for bit the same parameter and state values, and
// whether averaged forwards are allowed):
// structure, the Def without values as JSON, and values, every
// initializer's values in Def order as little-endian float32 bytes. It is
// how the browser's engine worker hands a model to its helper workers,
// exactly and without ONNX's re-import (whose export rewrites some ops).
func (g *Graph) Encode() (structure, values []byte, err error) {
	d := g.def
	w := wireDef{Name: d.Name, Input: d.Input, InputShape: d.InputShape, Output: d.Output, Features: d.Features, NoAveraged: g.noAveraged}
	for _, nd := range g.nodes {
		w.Nodes = append(w.Nodes, wireNode{Name: nd.Name, Type: nd.Op.Type(), Attrs: wireAttrsOf(nd.Op.Attrs()), Inputs: nd.Inputs, Outputs: nd.Outputs})
	}
	n := 0
	for _, p := range g.named {
		n += len(p.Value)
	}
	values = make([]byte, 0, 4*n)
	for _, p := range g.named {
		w.Initializers = append(w.Initializers, wireInit{Name: p.Name, Shape: p.Shape, Frozen: g.tensors[g.byName[p.Name]].frozen})
		for _, v := range p.Value {
			values = bin.LittleEndian.AppendUint32(values, math.Float32bits(v))
		}
	}
	if structure, err = json.Marshal(w); err != nil {
		return nil, nil, fmt.Errorf("graph: encoding %s: %w", d.Name, err)
	}
	return structure, values, nil
}

// Decode builds the graph that Encode wrote as structure and values. It
// returns an error if they do not describe a valid graph (values of
// another length than the initializers' shapes say, an unknown op, or any
// error of Build).
func Decode(structure, values []byte) (*Graph, error) {
	var w wireDef
	if err := json.Unmarshal(structure, &w); err != nil {
		return nil, fmt.Errorf("graph: decoding a graph: %w", err)
	}
	d := Def{Name: w.Name, Input: w.Input, InputShape: w.InputShape, Output: w.Output, Features: w.Features}
	if len(w.Nodes) > MaxNodes {
		return nil, fmt.Errorf("graph: decoding a graph: %d nodes, more than %d", len(w.Nodes), MaxNodes)
	}
	for _, nd := range w.Nodes {
		op, err := New(nd.Type, nd.Attrs.attrs())
		if err != nil {
			return nil, fmt.Errorf("graph: decoding node %s: %w", nd.Name, err)
		}
		d.Nodes = append(d.Nodes, Node{Name: nd.Name, Op: op, Inputs: nd.Inputs, Outputs: nd.Outputs})
	}
	if len(values)%4 != 0 {
		return nil, fmt.Errorf("graph: decoding a graph: %d bytes of values is not a whole number of float32", len(values))
	}
	off := 0
	for _, it := range w.Initializers {
		if err := checkShape(it.Shape); err != nil {
			return nil, fmt.Errorf("graph: decoding initializer %s: %w", it.Name, err)
		}
		size := shapeSize(it.Shape)
		if size > len(values)/4-off {
			return nil, fmt.Errorf("graph: decoding a graph: the values end before initializer %s", it.Name)
		}
		data := make([]float32, size)
		for i := range data {
			data[i] = math.Float32frombits(bin.LittleEndian.Uint32(values[4*(off+i):]))
		}
		off += size
		d.Initializers = append(d.Initializers, Initializer{Name: it.Name, Shape: it.Shape, Data: data, Frozen: it.Frozen})
	}
	if off != len(values)/4 {
		return nil, fmt.Errorf("graph: decoding a graph: %d values left over after the initializers", len(values)/4-off)
	}
	g, err := Build(d)
	if err != nil {
		return nil, err
	}
	g.noAveraged = w.NoAveraged
	return g, nil
}

// wireDef is Encode's JSON form of a Def without values.
type wireDef struct {
	Name         string     `json:"name"`
	Input        string     `json:"input"`
	InputShape   []int      `json:"inputShape"`
	Output       string     `json:"output"`
	Features     string     `json:"features,omitempty"`
	Nodes        []wireNode `json:"nodes"`
	Initializers []wireInit `json:"initializers"`
	// NoAveraged: averaged forwards not allowed (SetAveragedForwardsAllowed).
	NoAveraged bool `json:"noAveragedForwards,omitempty"`
}

type wireNode struct {
	Name    string    `json:"name"`
	Type    string    `json:"type"`
	Attrs   wireAttrs `json:"attrs,omitempty"`
	Inputs  []string  `json:"inputs"`
	Outputs []string  `json:"outputs"`
}

type wireInit struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Frozen bool   `json:"frozen,omitempty"`
}

// wireAttr is an Attr with its floats as their bits, so that every value
// (infinities and NaN included, which JSON numbers cannot hold) comes back
// exactly.
type wireAttr struct {
	Name   string   `json:"name"`
	Kind   AttrKind `json:"kind"`
	Int    int64    `json:"i,omitempty"`
	Float  uint32   `json:"f,omitempty"`
	String string   `json:"s,omitempty"`
	Ints   []int64  `json:"ints,omitempty"`
	Floats []uint32 `json:"floats,omitempty"`
}

type wireAttrs []wireAttr

// wireAttrsOf converts attributes, in name order.
func wireAttrsOf(a Attrs) wireAttrs {
	names := make([]string, 0, len(a))
	for name := range a {
		names = append(names, name)
	}
	sort.Strings(names)
	var out wireAttrs
	for _, name := range names {
		v := a[name]
		w := wireAttr{Name: name, Kind: v.Kind, Int: v.Int, Float: math.Float32bits(v.Float), String: v.String, Ints: v.Ints}
		for _, f := range v.Floats {
			w.Floats = append(w.Floats, math.Float32bits(f))
		}
		out = append(out, w)
	}
	return out
}

func (ws wireAttrs) attrs() Attrs {
	a := Attrs{}
	for _, w := range ws {
		v := Attr{Kind: w.Kind, Int: w.Int, Float: math.Float32frombits(w.Float), String: w.String, Ints: w.Ints}
		for _, f := range w.Floats {
			v.Floats = append(v.Floats, math.Float32frombits(f))
		}
		a[w.Name] = v
	}
	return a
}
