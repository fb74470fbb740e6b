//go:build js && wasm

// Command app is the Saliency Explorer user interface: the vugu components
// of package ui, compiled to WebAssembly and run on the page's main thread.
// It starts the engine worker (worker.js, see wasm/worker) through ui.App.
package main

import (
	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"

	"saliencyexplorer/ui"
)

func main() {
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
	for ok := true; ok; ok = renderer.EventWait() {
		if err := renderer.Render(env.RunBuild(app)); err != nil {
			panic(err)
		}
	}
}
