//go:build js && wasm

// Package engineworker is the Saliency Explorer engine's side of a Web
// Worker: run (Run) in a dedicated worker (see assets/worker.js), it
// computes saliency maps and fine-tunes without blocking the page. It is
// compiled into the same WebAssembly binary as the user interface
// (ui/cmd/app), which calls Run when it finds itself in a worker, so the
// browser downloads one binary for both (issue #12).
//
// It receives protocol messages from the page, hands them to a host.Host
// one at a time, and posts the replies. While a long job runs (a slow
// saliency method, the starter model, fine-tuning) it yields to the
// JavaScript event loop after every batch, so that cancel, pause and stop
// messages, which act at once, are seen. Go's js/wasm port is
// single-threaded: without these yields the worker would not read its
// messages until the job ended.
//
// Integrated Gradients, SmoothGrad and occlusion are split across a small
// pool of helper workers, more copies of this worker (pool.go): this
// worker computes one part, the helpers the others, and the summed
// attribution becomes the map. Fine-tuning steps large enough to gain are
// split the same way, by examples (trainpool.go): the helpers compute
// their shards' gradients and this worker takes the optimizer step.
package engineworker
