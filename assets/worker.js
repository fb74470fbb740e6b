// Saliency Explorer engine worker: runs the Go engine compiled to
// WebAssembly. It is the page's own binary, app.wasm (ui/cmd/app), which
// runs the engine (wasm/engineworker) when it starts in a worker; the
// worker gets it compiled from whoever starts it (?module=1), or fetches it
// (the browser has it in its HTTP cache from the page's load). Messages
// that arrive before the Go program has installed its own handler are kept
// and replayed.
"use strict";
// Served, the loader and Go's wasm_exec.js come from the site; the
// single-file build puts both in front of this script (see loader.js).
if (!self.seLoader) {
  importScripts("loader.js", "wasm_exec.js");
}

// seMark records a performance mark here and sends it to the parent (the
// page, or the engine worker for a helper), whose loader (loader.js) marks
// it on its own timeline: make bench-web prints the page's and the engine
// worker's start-up as one timeline (docs/performance.md).
self.seMark = function (name) {
  performance.mark(name);
  self.postMessage({ seMark: name, t: performance.timeOrigin + performance.now() });
};
self.seMark("se-w-script");

// The engine worker the page starts (boot.js, with ?model=, the model the
// page's Init will ask for; empty for the site's default) fetches the files
// its Init reads while the module is compiled and Go starts: the manifest,
// the model's architecture and weights, its data set's sample gallery and
// that gallery's sample pack (the names wasm/host reads; Host.Start,
// Manifest.Default, SamplePackName). The engine's own fetches then take
// these responses (seLoader.fetch) instead of waiting for each in turn.
if (new URLSearchParams(seLoader.search).has("model")) {
  fetchAhead(new URLSearchParams(seLoader.search).get("model"));
}

function fetchAhead(name) {
  const dir = "models/";
  seLoader.ahead(dir + "manifest.json")
    .then(function (r) { return r.ok ? r.clone().json() : null; })
    .then(function (m) {
      const models = (Array.isArray(m) ? m : m && m.models) || [];
      const e = models.find(function (x) { return x.name === name; }) ||
        models.find(function (x) { return x.dataset === "phantom" && x.method === "baseline"; }) ||
        models.find(function (x) { return x.method === "baseline"; }) || models[0];
      if (!e) {
        return;
      }
      seLoader.ahead(dir + e.arch);
      seLoader.ahead(dir + e.weights);
      const g = (m.galleries || []).find(function (x) { return x.dataset === e.dataset && (x.split || "test") === "test"; });
      if (g) {
        seLoader.ahead(dir + g.file);
        seLoader.ahead(dir + g.file.replace(/\.[^./]*$/, "") + ".pack.bin");
      }
      self.seMark("se-w-ahead");
    })
    .catch(function () {});
}

// Started with ?module=1 (by the page, see boot.js, or by an engine worker
// for its helpers), the worker gets the compiled binary as its first
// message instead of fetching and compiling it.
let posted;
const modulePosted = new Promise(function (resolve) {
  posted = resolve;
});
const early = [];
self.onmessage = function (e) {
  if (e.data && e.data.seModule) {
    posted(e.data.seModule);
    return;
  }
  early.push(e);
};

function fatal(msg) {
  self.postMessage({ h: JSON.stringify({ id: 0, kind: "error", error: msg, text: "fatal" }), b: [] });
}

const go = new Go();
const instance = new URLSearchParams(seLoader.search).get("module") === "1"
  ? modulePosted.then(function (m) {
    self.seModule = m;
    return WebAssembly.instantiate(m, go.importObject);
  })
  : WebAssembly.instantiateStreaming(seLoader.fetch("app.wasm"), go.importObject).then(function (result) {
    self.seModule = result.module;
    return result.instance;
  });
instance
  .then(function (instance) {
    self.seMark("se-w-instantiated");
    const done = go.run(instance); // returns once main blocks
    const handler = self.onmessage;
    for (const e of early) {
      handler(e);
    }
    early.length = 0;
    return done;
  })
  .then(function () {
    fatal("The engine stopped unexpectedly (its program ended).");
  })
  .catch(function (err) {
    fatal("The engine failed to start: " + err);
  });
