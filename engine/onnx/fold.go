package onnx

import (
	"fmt"
	"slices"

	"saliencyexplorer/engine/onnx/onnxpb"
)

// Folding evaluates, at import time, the nodes whose inputs are all
// constants, and Shape of an activation (whose batch axis becomes batchDim):
// the Shape → Gather → Unsqueeze → Concat → Reshape chains PyTorch writes
// for x.view(x.size(0), -1), and Constant nodes. Only small integer and
// float arithmetic is supported; anything that depends on the batch size
// other than passing it through is refused.

// maxFold bounds the values one folded tensor may hold, so that a hostile
// Constant or shape computation cannot allocate without bound.
const maxFold = 1 << 24

func (im *importer) fold(nd *onnxpb.Node, ins []string) (*constant, error) {
	in := func(i int) (*constant, error) {
		if i >= len(ins) || ins[i] == "" {
			return nil, fmt.Errorf("input %d is missing", i)
		}
		c, ok := im.consts[ins[i]]
		if !ok {
			return nil, fmt.Errorf("input %q must be a constant", ins[i])
		}
		return c, nil
	}
	intAttr := func(name string, def int64) int64 {
		if a := nd.Attr(name); a != nil && a.Type == onnxpb.AttrInt {
			return a.I
		}
		return def
	}
	intsAttr := func(name string) []int64 {
		if a := nd.Attr(name); a != nil && a.Type == onnxpb.AttrInts {
			return a.Ints
		}
		return nil
	}
	// axesOf returns the axes from the attribute (before opset 13) or the
	// second input.
	axesOf := func() ([]int64, error) {
		if im.opset < 13 || len(ins) < 2 {
			return intsAttr("axes"), nil
		}
		c, err := in(1)
		if err != nil {
			return nil, err
		}
		return c.ints(), nil
	}
	switch nd.OpType {
	case "Constant":
		return constantNode(nd)
	case "Shape":
		if len(ins) != 1 || ins[0] == "" {
			return nil, fmt.Errorf("Shape needs one input")
		}
		var dims []int64
		if info, ok := im.infos[ins[0]]; ok {
			dims = append(dims, batchDim)
			for _, d := range info.Shape {
				dims = append(dims, int64(d))
			}
		} else {
			c, err := in(0)
			if err != nil {
				return nil, err
			}
			for _, d := range c.dims {
				dims = append(dims, int64(d))
			}
		}
		r := int64(len(dims))
		start, end := clampAxis(intAttr("start", 0), r), clampAxis(intAttr("end", r), r)
		if end < start {
			end = start
		}
		dims = dims[start:end]
		return &constant{dims: []int{len(dims)}, i: dims, isInt: true}, nil
	case "Identity":
		return in(0)
	case "Cast":
		c, err := in(0)
		if err != nil {
			return nil, err
		}
		switch onnxpb.DataType(intAttr("to", 0)) {
		case onnxpb.Float, onnxpb.Double:
			return &constant{dims: c.dims, f: c.floats()}, nil
		case onnxpb.Int64, onnxpb.Int32:
			return &constant{dims: c.dims, i: c.ints(), isInt: true}, nil
		}
		return nil, fmt.Errorf("Cast to %v is not supported", onnxpb.DataType(intAttr("to", 0)))
	case "Reshape":
		c, err := in(0)
		if err != nil {
			return nil, err
		}
		s, err := in(1)
		if err != nil {
			return nil, err
		}
		dims, err := reshapeDims(c.dims, s.ints())
		if err != nil {
			return nil, err
		}
		out := *c
		out.dims = dims
		return &out, nil
	case "Squeeze", "Unsqueeze":
		c, err := in(0)
		if err != nil {
			return nil, err
		}
		axes, err := axesOf()
		if err != nil {
			return nil, err
		}
		out := *c
		if nd.OpType == "Unsqueeze" {
			out.dims, err = unsqueezeDims(c.dims, axes)
		} else {
			out.dims, err = squeezeDims(c.dims, axes)
		}
		return &out, err
	case "Gather":
		return im.gather(nd, ins, intAttr("axis", 0))
	case "Concat":
		var parts []*constant
		for i := range ins {
			c, err := in(i)
			if err != nil {
				return nil, err
			}
			parts = append(parts, c)
		}
		return concat1D(parts, intAttr("axis", 0))
	case "Slice":
		return im.slice(nd, ins)
	case "Add", "Sub", "Mul", "Div":
		a, err := in(0)
		if err != nil {
			return nil, err
		}
		b, err := in(1)
		if err != nil {
			return nil, err
		}
		return arith(nd.OpType, a, b)
	}
	return nil, fmt.Errorf("op %s on constant inputs is not folded (folded: %v)", nd.OpType, foldOps)
}

func clampAxis(a, r int64) int64 {
	if a < 0 {
		a += r
	}
	return min(max(a, 0), r)
}

// constantNode returns the value of a Constant node.
func constantNode(nd *onnxpb.Node) (*constant, error) {
	if len(nd.Attributes) != 1 {
		return nil, fmt.Errorf("want exactly one value attribute, got %d", len(nd.Attributes))
	}
	a := nd.Attributes[0]
	switch a.Name {
	case "value":
		if a.T == nil {
			return nil, fmt.Errorf("value is not a tensor")
		}
		return fromTensor(a.T)
	case "value_float":
		return &constant{f: []float32{a.F}}, nil
	case "value_floats":
		return &constant{dims: []int{len(a.Floats)}, f: a.Floats}, nil
	case "value_int":
		return &constant{i: []int64{a.I}, isInt: true}, nil
	case "value_ints":
		return &constant{dims: []int{len(a.Ints)}, i: a.Ints, isInt: true}, nil
	}
	return nil, fmt.Errorf("attribute %s is not supported (sparse or string constants)", a.Name)
}

func reshapeDims(in []int, target []int64) ([]int, error) {
	size := 1
	for _, d := range in {
		size *= d
	}
	out := make([]int, len(target))
	infer, known := -1, 1
	for i, d := range target {
		switch {
		case d == 0 && i < len(in):
			out[i] = in[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d <= 0 || d > maxFold:
			return nil, fmt.Errorf("reshape of a constant %v to %v", in, target)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	if infer >= 0 {
		if known == 0 || size%known != 0 {
			return nil, fmt.Errorf("reshape of a constant %v to %v", in, target)
		}
		out[infer] = size / known
		known = size
	}
	if known != size {
		return nil, fmt.Errorf("reshape of a constant %v to %v", in, target)
	}
	return out, nil
}

func unsqueezeDims(in []int, axes []int64) ([]int, error) {
	r := int64(len(in) + len(axes))
	ins := make([]bool, r)
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || ins[a] {
			return nil, fmt.Errorf("Unsqueeze axes %v out of range for rank %d", axes, len(in))
		}
		ins[a] = true
	}
	out := make([]int, 0, r)
	k := 0
	for i := range ins {
		if ins[i] {
			out = append(out, 1)
		} else {
			out = append(out, in[k])
			k++
		}
	}
	return out, nil
}

func squeezeDims(in []int, axes []int64) ([]int, error) {
	drop := make([]bool, len(in))
	for _, a := range axes {
		if a < 0 {
			a += int64(len(in))
		}
		if a < 0 || a >= int64(len(in)) || in[a] != 1 {
			return nil, fmt.Errorf("Squeeze axes %v do not fit shape %v", axes, in)
		}
		drop[a] = true
	}
	var out []int
	for i, d := range in {
		if !drop[i] && (len(axes) > 0 || d != 1) {
			out = append(out, d)
		}
	}
	return out, nil
}

// gather folds Gather along axis 0 of a 1-D constant (indices a scalar or a
// 1-D constant), or along any axis of a small constant.
func (im *importer) gather(nd *onnxpb.Node, ins []string, axis int64) (*constant, error) {
	data, ok1 := im.consts[ins[0]]
	idx, ok2 := im.consts[ins[min(1, len(ins)-1)]]
	if !ok1 || !ok2 || len(ins) != 2 {
		return nil, fmt.Errorf("Gather needs constant data and indices")
	}
	if len(data.dims) == 0 {
		return nil, fmt.Errorf("Gather of a scalar")
	}
	r := int64(len(data.dims))
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return nil, fmt.Errorf("Gather axis %d out of range", axis)
	}
	n := data.dims[axis]
	outer, inner := 1, 1
	for _, d := range data.dims[:axis] {
		outer *= d
	}
	for _, d := range data.dims[axis+1:] {
		inner *= d
	}
	indices := idx.ints()
	dims := append(append(append([]int(nil), data.dims[:axis]...), idx.dims...), data.dims[axis+1:]...)
	out := &constant{dims: dims, isInt: data.isInt}
	if outer*len(indices)*inner > maxFold {
		return nil, fmt.Errorf("Gather result too large")
	}
	for o := 0; o < outer; o++ {
		for _, j := range indices {
			if j < 0 {
				j += int64(n)
			}
			if j < 0 || j >= int64(n) {
				return nil, fmt.Errorf("Gather index %d out of range 0..%d", j, n-1)
			}
			off := (o*n + int(j)) * inner
			if data.isInt {
				out.i = append(out.i, data.i[off:off+inner]...)
			} else {
				out.f = append(out.f, data.f[off:off+inner]...)
			}
		}
	}
	return out, nil
}

// concat1D joins 1-D constants (or scalars) along axis 0.
func concat1D(parts []*constant, axis int64) (*constant, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("Concat of nothing")
	}
	out := &constant{isInt: parts[0].isInt}
	for _, p := range parts {
		if len(p.dims) != 1 || (axis != 0 && axis != -1) {
			return nil, fmt.Errorf("Concat of constants folds only 1-D values along axis 0, got shape %v", p.dims)
		}
		if p.isInt != out.isInt {
			return nil, fmt.Errorf("Concat of integer and float constants")
		}
		out.i = append(out.i, p.i...)
		out.f = append(out.f, p.f...)
		if len(out.i)+len(out.f) > maxFold {
			return nil, fmt.Errorf("Concat result too large")
		}
	}
	out.dims = []int{len(out.i) + len(out.f)}
	return out, nil
}

// slice folds Slice of a 1-D constant.
func (im *importer) slice(nd *onnxpb.Node, ins []string) (*constant, error) {
	var data *constant
	var starts, ends, axes, steps []int64
	get := func(i int) []int64 {
		if i < len(ins) && ins[i] != "" {
			if c, ok := im.consts[ins[i]]; ok {
				return c.ints()
			}
		}
		return nil
	}
	data, ok := im.consts[ins[0]]
	if !ok {
		return nil, fmt.Errorf("Slice needs constant data")
	}
	if im.opset >= 10 {
		starts, ends, axes, steps = get(1), get(2), get(3), get(4)
	}
	if len(data.dims) != 1 || len(starts) != 1 || len(ends) != 1 || (axes != nil && (len(axes) != 1 || (axes[0] != 0 && axes[0] != -1))) {
		return nil, fmt.Errorf("Slice folds only 1-D constants")
	}
	step := int64(1)
	if steps != nil {
		if len(steps) != 1 || steps[0] == 0 {
			return nil, fmt.Errorf("Slice step %v", steps)
		}
		step = steps[0]
	}
	n := int64(data.dims[0])
	norm := func(v int64, lo, hi int64) int64 {
		if v < 0 {
			v += n
		}
		return min(max(v, lo), hi)
	}
	out := &constant{isInt: data.isInt}
	if step > 0 {
		for j := norm(starts[0], 0, n); j < norm(ends[0], 0, n); j += step {
			out.i, out.f = appendAt(out.i, out.f, data, j)
		}
	} else {
		for j := norm(starts[0], -1, n-1); j > norm(ends[0], -1, n-1); j += step {
			out.i, out.f = appendAt(out.i, out.f, data, j)
		}
	}
	out.dims = []int{len(out.i) + len(out.f)}
	return out, nil
}

func appendAt(i []int64, f []float32, c *constant, j int64) ([]int64, []float32) {
	if c.isInt {
		return append(i, c.i[j]), f
	}
	return i, append(f, c.f[j])
}

// arith folds an element-wise operation of two constants of the same shape
// or one of them a single value. Batch-size values pass through Mul by 1
// only; other arithmetic on them is refused.
func arith(op string, a, b *constant) (*constant, error) {
	if a.size() != b.size() && a.size() != 1 && b.size() != 1 {
		return nil, fmt.Errorf("%s of constants of shapes %v and %v (only equal shapes or a single value fold)", op, a.dims, b.dims)
	}
	dims := a.dims
	if a.size() < b.size() || (a.size() == b.size() && len(b.dims) > len(a.dims)) {
		dims = b.dims
	}
	n := max(a.size(), b.size())
	at := func(c *constant, k int) int {
		if c.size() == 1 {
			return 0
		}
		return k
	}
	if a.isInt && b.isInt {
		out := &constant{dims: dims, isInt: true, i: make([]int64, n)}
		for k := range out.i {
			x, y := a.i[at(a, k)], b.i[at(b, k)]
			if x == batchDim || y == batchDim {
				return nil, fmt.Errorf("%s on the batch size is not supported", op)
			}
			switch op {
			case "Add":
				out.i[k] = x + y
			case "Sub":
				out.i[k] = x - y
			case "Mul":
				out.i[k] = x * y
			case "Div":
				if y == 0 {
					return nil, fmt.Errorf("integer division by zero")
				}
				out.i[k] = x / y
			}
		}
		return out, nil
	}
	if slices.Contains(a.ints(), batchDim) || slices.Contains(b.ints(), batchDim) {
		return nil, fmt.Errorf("%s on the batch size is not supported", op)
	}
	af, bf := a.floats(), b.floats()
	out := &constant{dims: dims, f: make([]float32, n)}
	for k := range out.f {
		x, y := af[at(a, k)], bf[at(b, k)]
		switch op {
		case "Add":
			out.f[k] = x + y
		case "Sub":
			out.f[k] = x - y
		case "Mul":
			out.f[k] = x * y
		case "Div":
			out.f[k] = x / y
		}
	}
	return out, nil
}
