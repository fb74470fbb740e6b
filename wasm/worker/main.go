//go:build js && wasm

// Command worker is the Saliency Explorer engine alone (package
// wasm/engineworker) as a WebAssembly binary of its own. The site does not
// ship it: ui/cmd/app carries the engine too and runs it when started in a
// worker (issue #12). It is kept for bench-peers' size table and for
// comparing the two builds with wasm/wasmsize.
package main

import "saliencyexplorer/wasm/engineworker"

func main() {
	engineworker.Run()
}
