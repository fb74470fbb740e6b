// Package ui is the Saliency Explorer user interface: vugu components that
// run on the page's main thread (the entry point is ui/cmd/app).
//
// The page's state is split into parts, each in its own file with its own
// tests:
//
//   - Session (session.go): the engine's state, the model in use, the
//     models the picker offers, the data set, and a memo per model of its
//     fine-tuning charts while another model is in use.
//   - View (view.go): the picture on screen, its prediction and the
//     saliency maps of the main and second pane, and how they are drawn.
//   - MaskEditor (maskeditor.go): the tool and brush, the mask at model
//     resolution, and every picture's mask, stored in the browser or kept
//     in memory while the browser refuses.
//   - Library (library.go): the samples, the site's real images, and the
//     user's own images with their labels; settings.go keeps the display
//     settings.
//   - Trainer (trainer.go): the fine-tuning settings, the run and its
//     epochs (the charts).
//
// App (app*.go) owns the parts and does what involves several of them or
// the engine worker: opening images, predictions and maps, switching
// models, training. Each panel component gets the parts it shows and an
// interface of the App actions it may trigger (actions.go), never the App
// itself. User work is kept through a Store (localStorage on the page, a
// map in the tests).
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
// every render and resetting a canvas's size clears it. The mask's raster
// and its undo history live in the Surface.
//
// JavaScript is reached through github.com/vugu/vugu/js, which compiles to
// no-ops outside the browser, so the package builds (and its parts are
// tested) natively.
package ui
