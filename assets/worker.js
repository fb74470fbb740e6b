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
// that gallery's sample pack. The engine's own fetches then take these
// responses (seLoader.fetch) instead of waiting for each in turn, and the
// engine drops what it did not take (seLoader.endAhead), so a wrong guess
// costs a download, never a wrong model.
//
// The guess copies the engine's start-up choices; keep it in step with
// them: model.ParseManifest (a bare list or an object; an entry without a
// name is named after its arch file; Go's encoding/json matches field
// names without regard to case), Host.startSelect with Manifest.Model and
// Manifest.Default (wasm/host/startup.go, engine/model/manifest.go),
// Manifest.Gallery with GalleryEntry.Holds, and SamplePackName
// (wasm/host/samplepack.go).
const query = new URLSearchParams(seLoader.search);
if (query.has("model")) {
  fetchAhead(query.get("model"));
}

// field returns o's member key as Go's encoding/json (v1) reads it into a
// struct field: the name's case does not matter, and null leaves the
// field unset (undefined here).
function field(o, key) {
  if (!o || typeof o !== "object") {
    return undefined;
  }
  let v;
  for (const k of Object.keys(o)) {
    if (k.toLowerCase() === key && o[k] !== null) {
      v = o[k];
    }
  }
  return v;
}

// str returns o's member key if it is a string, else "".
function str(o, key) {
  const v = field(o, key);
  return typeof v === "string" ? v : "";
}

function fetchAhead(name) {
  const dir = "models/";
  seLoader.ahead(dir + "manifest.json")
    .then(function (r) { return r.ok ? r.clone().json() : null; })
    .then(function (m) {
      let models = Array.isArray(m) ? m : field(m, "models");
      models = (Array.isArray(models) ? models : []).map(function (x) {
        const arch = str(x, "arch");
        const n = str(x, "name");
        return {
          name: n !== "" ? n : (arch.endsWith(".json") ? arch.slice(0, -5) : arch),
          dataset: str(x, "dataset"),
          method: str(x, "method"),
          arch: arch,
          weights: str(x, "weights"),
        };
      });
      const e = models.find(function (x) { return x.name === name; }) ||
        models.find(function (x) { return x.dataset === "phantom" && x.method === "baseline"; }) ||
        models.find(function (x) { return x.method === "baseline"; }) || models[0];
      if (!e || e.arch === "" || e.weights === "") {
        return;
      }
      seLoader.ahead(dir + e.arch);
      seLoader.ahead(dir + e.weights);
      const galleries = Array.isArray(m) ? [] : field(m, "galleries");
      const g = (Array.isArray(galleries) ? galleries : []).find(function (x) {
        const split = str(x, "split");
        return str(x, "dataset") === e.dataset && (split === "" || split === "test");
      });
      const file = str(g, "file");
      if (file !== "") {
        seLoader.ahead(dir + file);
        seLoader.ahead(dir + file.replace(/\.[^./]*$/, "") + ".pack.bin");
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
const instance = query.get("module") === "1"
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
