//go:build js && wasm

// Command enginewasm is the engine's side of `make bench-peers` in the
// browser's runtime: a GOOS=js GOARCH=wasm module that Node loads next to
// TensorFlow.js in one process (../bench.js), so the two are timed
// interleaved and machine drift cancels. It registers globalThis.seEngine:
//
//	load(name, arch, weights)  Uint8Arrays of the model files; returns "" or an error
//	image(name)                the image the saliency cases explain (Float32Array)
//	batch(name)                {x, masks: Float32Array, labels: Int32Array}
//	measure(name, case, plan)  {runs: [ms...]} or {error}, plan as cases.Plan
//	run(name, case)            one repetition; returns "" or an error
//	logits(name), gradient(name), ig(name)   Float32Array results
//	grads(name, n)             {grads: Float32Array, names, shapes}: baseline gradient on n examples
//	gemm(m, k, n, reps)        kernels.MatMul GFLOP/s, best of reps
//	loadONNX(name, file)       import an .onnx file (Uint8Array); {input: shape} or {error}
//	onnxForward(name, x)       set the ONNX model's input (Float32Array), return its logits
//	onnxRun(name)              one forward pass on that input (for timing)
//	forwardSlot(name)          {slot, input, inputLength, logits, logitsLength}: the
//	                           buffers of the exported forward entry (below), as byte
//	                           offsets into the module's memory and float32 counts, or {error}
//
// and, for the data-parallel measurements with several of these modules in
// worker threads:
//
//	igPart(name, i, n)            part i of n of Integrated Gradients (Float32Array)
//	shardGrads(name, case, i, n)  gradient of shard i of n of the training batch
//	applyGrads(name, grads)       one Adam step with the summed gradient; returns the weights
//	setParams(name, params)       set the training copy's weights
//	useCrosses(name)              generate the Crosses splits; returns the batches per epoch
//	selectBatch(name, k)          make batch k of the Crosses training split current
//	trainerEpoch(name)            one train.Trainer epoch of RRR over Crosses
//
// Functions that can fail return an error string ("" for success) or an
// object with an error field.
//
// It also has a WebAssembly export (//go:wasmexport, not syscall/js):
//
//	forward(slot)              the forward pass, batch 1, of the slot's input into its
//	                           logits; returns 0, or -1 for an unknown slot
//
// The bench's forward case enters through that export (../engine.js's
// forward writes the image into the slot and copies the logits out): a
// js.FuncOf call goes through wasm_exec.js's event machinery and the Go
// scheduler (a dozen calls between JavaScript and Go, a finalizer per
// js.Value), 0.02–0.04 ms alone and 0.13–0.16 ms right after TensorFlow.js has
// run, against 0.01 ms for the export (docs/performance.md, "Phantom's
// forward in bench-peers"). The forward allocates nothing once warm, so
// the export never needs the scheduler; an export must never wait for
// JavaScript (a timer, a promise): it would return garbage and leave the
// module broken.
//
// The cases themselves are in package cases, shared with the native run.
package main

import (
	"syscall/js"
	"unsafe"

	"saliencyexplorer/bench/peers/cases"
)

var (
	benches = map[string]*cases.Bench{}
	onnxes  = map[string]*cases.ONNXBench{}
	slots   []*cases.Slot
)

// forward is the exported forward entry: see the package comment.
//
//go:wasmexport forward
func forward(slot int32) int32 {
	if slot < 0 || int(slot) >= len(slots) {
		return -1
	}
	slots[slot].Forward()
	return 0
}

// offset returns where xs starts in the module's linear memory (the heap
// does not move, and slots keeps the buffers alive).
func offset(xs []float32) int {
	return int(uintptr(unsafe.Pointer(unsafe.SliceData(xs))))
}

func bytesOf(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// float32s returns a new Float32Array holding xs.
func float32s(xs []float32) js.Value {
	u8 := js.Global().Get("Uint8Array").New(4 * len(xs))
	if len(xs) > 0 {
		js.CopyBytesToJS(u8, unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), 4*len(xs)))
	}
	return js.Global().Get("Float32Array").New(u8.Get("buffer"))
}

func ints(xs []int) js.Value {
	a := js.Global().Get("Int32Array").New(len(xs))
	for i, v := range xs {
		a.SetIndex(i, v)
	}
	return a
}

// floatsFrom copies a Float32Array into a new slice.
func floatsFrom(v js.Value) []float32 {
	n := v.Get("length").Int()
	out := make([]float32, n)
	if n > 0 {
		u8 := js.Global().Get("Uint8Array").New(v.Get("buffer"), v.Get("byteOffset"), 4*n)
		js.CopyBytesToGo(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*n), u8)
	}
	return out
}

func errString(err error) any {
	if err != nil {
		return err.Error()
	}
	return ""
}

func errValue(err error) js.Value {
	return js.ValueOf(map[string]any{"error": err.Error()})
}

func main() {
	api := map[string]any{
		"load": js.FuncOf(func(_ js.Value, args []js.Value) any {
			b, err := cases.Load(bytesOf(args[1]), bytesOf(args[2]))
			if err != nil {
				return err.Error()
			}
			b.UseDefaultInputs()
			benches[args[0].String()] = b
			return ""
		}),
		"image": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return float32s(benches[args[0].String()].Image())
		}),
		"batch": js.FuncOf(func(_ js.Value, args []js.Value) any {
			bt := benches[args[0].String()].Batch()
			return js.ValueOf(map[string]any{"x": float32s(bt.X), "masks": float32s(bt.Masks), "labels": ints(bt.Labels)})
		}),
		"run": js.FuncOf(func(_ js.Value, args []js.Value) any {
			if err := benches[args[0].String()].Run(args[1].String()); err != nil {
				return err.Error()
			}
			return ""
		}),
		"measure": js.FuncOf(func(_ js.Value, args []js.Value) any {
			b, name, p := benches[args[0].String()], args[1].String(), args[2]
			plan := cases.Plan{Warm: p.Get("warm").Int(), MaxReps: p.Get("maxReps").Int(), BudgetMs: p.Get("budgetMs").Float(), SlowMs: p.Get("slowMs").Float()}
			runs, err := cases.Measure(plan, func() error { return b.Run(name) })
			if err != nil {
				return errValue(err)
			}
			arr := make([]any, len(runs))
			for i, v := range runs {
				arr[i] = v
			}
			return js.ValueOf(map[string]any{"runs": arr})
		}),
		"logits": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return float32s(benches[args[0].String()].Logits())
		}),
		"gradient": js.FuncOf(func(_ js.Value, args []js.Value) any {
			g, err := benches[args[0].String()].InputGradient()
			if err != nil {
				return errValue(err)
			}
			return float32s(g)
		}),
		"ig": js.FuncOf(func(_ js.Value, args []js.Value) any {
			g, err := benches[args[0].String()].IntegratedGradients()
			if err != nil {
				return errValue(err)
			}
			return float32s(g)
		}),
		"grads": js.FuncOf(func(_ js.Value, args []js.Value) any {
			g, names, shapes := benches[args[0].String()].BaselineGrads(args[1].Int())
			ns := make([]any, len(names))
			ss := make([]any, len(shapes))
			for i := range names {
				ns[i] = names[i]
				dims := make([]any, len(shapes[i]))
				for j, d := range shapes[i] {
					dims[j] = d
				}
				ss[i] = dims
			}
			return js.ValueOf(map[string]any{"grads": float32s(g), "names": ns, "shapes": ss})
		}),
		"gemm": js.FuncOf(func(_ js.Value, args []js.Value) any {
			return cases.GEMMRate(args[0].Int(), args[1].Int(), args[2].Int(), args[3].Int())
		}),
	}
	floatsOrError := func(xs []float32, err error) any {
		if err != nil {
			return errValue(err)
		}
		return float32s(xs)
	}
	api["igPart"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return floatsOrError(benches[args[0].String()].IGPart(args[1].Int(), args[2].Int()))
	})
	api["shardGrads"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return floatsOrError(benches[args[0].String()].ShardGrads(args[1].String(), args[2].Int(), args[3].Int()))
	})
	api["applyGrads"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return floatsOrError(benches[args[0].String()].ApplyGrads(floatsFrom(args[1])))
	})
	api["setParams"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return errString(benches[args[0].String()].SetParams(floatsFrom(args[1])))
	})
	api["useCrosses"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		n, err := benches[args[0].String()].UseCrosses()
		if err != nil {
			return errValue(err)
		}
		return n
	})
	api["selectBatch"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return errString(benches[args[0].String()].SelectEpochBatch(args[1].Int()))
	})
	api["trainerEpoch"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		return errString(benches[args[0].String()].TrainerEpoch())
	})
	api["loadONNX"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		o, err := cases.LoadONNX(bytesOf(args[1]))
		if err != nil {
			return errValue(err)
		}
		onnxes[args[0].String()] = o
		shape := make([]any, len(o.InputShape))
		for i, d := range o.InputShape {
			shape[i] = d
		}
		return js.ValueOf(map[string]any{"input": shape})
	})
	api["onnxForward"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		o := onnxes[args[0].String()]
		if err := o.SetInput(floatsFrom(args[1])); err != nil {
			return errValue(err)
		}
		return float32s(o.Forward())
	})
	api["onnxRun"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		onnxes[args[0].String()].Run()
		return ""
	})
	api["forwardSlot"] = js.FuncOf(func(_ js.Value, args []js.Value) any {
		b, ok := benches[args[0].String()]
		if !ok {
			return js.ValueOf(map[string]any{"error": "no network " + args[0].String()})
		}
		s := b.NewSlot()
		slots = append(slots, s)
		return js.ValueOf(map[string]any{"slot": len(slots) - 1, "input": offset(s.In), "inputLength": len(s.In), "logits": offset(s.Out), "logitsLength": len(s.Out)})
	})
	js.Global().Set("seEngine", js.ValueOf(api))
	select {}
}
