//go:build js && wasm

// Command worker is the Saliency Explorer engine: Go compiled to
// WebAssembly and run in a dedicated Web Worker (see assets/worker.js), so
// that computing saliency maps and fine-tuning never block the page.
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
// pool of helper workers, more copies of this program (pool.go): this
// worker computes one part, the helpers the others, and the summed
// attribution becomes the map. Fine-tuning steps large enough to gain are
// split the same way, by examples (trainpool.go): the helpers compute
// their shards' gradients and this worker takes the optimizer step.
package main
