//go:build js && wasm

// Command app is Saliency Explorer's one WebAssembly binary. On the page's
// main thread it is the user interface: the vugu components of package ui,
// which start the engine workers (worker.js) through ui.App. In a worker it
// is the engine (package wasm/engineworker). One binary for both means the
// browser downloads it once and takes the workers' copies from its HTTP
// cache: the first load is the size of the union, not of the sum (issue
// #12, docs/performance.md).
package main

import (
	"syscall/js"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"

	"saliencyexplorer/ui"
	"saliencyexplorer/wasm/engineworker"
)

func main() {
	if inWorker() {
		engineworker.Run()
		return
	}
	renderer, err := domrender.New("#mount")
	if err != nil {
		panic(err)
	}
	defer renderer.Release()
	env, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		panic(err)
	}
	app := ui.NewApp()
	app.Start(renderer.EventEnv())
	for ok, first := true, true; ok; ok, first = renderer.EventWait(), false {
		if err := renderer.Render(env.RunBuild(app)); err != nil {
			panic(err)
		}
		app.Rendered()
		if first { // make bench-web's start-up timeline
			js.Global().Get("performance").Call("mark", "se-first-render")
		}
	}
}

// inWorker reports whether this program runs in a worker's global scope
// (assets/worker.js) rather than on the page.
func inWorker() bool {
	scope := js.Global().Get("WorkerGlobalScope")
	return scope.Type() == js.TypeFunction && js.Global().InstanceOf(scope)
}
