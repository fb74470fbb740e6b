// Package ui is the Saliency Explorer user interface: vugu components that
// run on the page's main thread (see wasm/app for the entry point).
//
// The App component holds all state; child components (ModelPicker,
// Gallery, Viewer, SaliencyPanel, MaskToolbar, MetricsPanel, TrainPanel,
// LineChart) reach it through their App field and call its methods from
// their event handlers.
//
// Models and data sets: the worker lists every shipped model (and the one
// loaded from files); switching model or data set keeps the user's work,
// which is stored per image (masks by picture key, labels by class set,
// model inputs by input shape), and keeps each model's fine-tuning charts in
// a memo while the worker keeps its fine-tuned weights.
// The engine (model, saliency, fine-tuning) runs in a Web Worker and is
// reached through Engine, which exchanges wasm/protocol messages with it.
//
// Pixels never go through vugu: the image, heat map and mask canvases are
// created and drawn from Go through JavaScript (Surface), and attached to an
// empty element that vugu renders, because vugu re-sets every attribute on
// every render and resetting a canvas's size clears it.
//
// JavaScript is reached through github.com/vugu/vugu/js, which compiles to
// no-ops outside the browser, so the package builds (and its pure parts are
// tested) natively.
package ui
