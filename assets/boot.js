// Saliency Explorer start-up: loads the user interface (Go compiled to
// WebAssembly, see ui/cmd/app). The engine runs separately in worker.js.
"use strict";
(function () {
  // vugu's renderer installs its helper script with window.eval, which the
  // site's Content-Security-Policy forbids. vugu-render.js, loaded before
  // this file, already defined the helper, so the renderer's eval call has
  // nothing to do; any other use of eval fails as the policy intends.
  window.eval = function () {
    if (window.vuguRender) {
      return undefined;
    }
    throw new EvalError("eval is disabled on this page");
  };

  function fail(msg) {
    const el = document.getElementById("boot-msg");
    if (el) {
      el.textContent = msg;
      el.className = "boot-error";
    }
    document.body.dataset.engine = "error";
  }

  if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
    fail("This browser cannot run Saliency Explorer: it needs WebAssembly and Web Workers.");
    return;
  }
  // Served over http(s), a service worker (sw.js) keeps the app and its
  // models so that it opens again with no network. When a new build takes
  // over a page that an older one was serving, say so: the page keeps
  // running the old build until it is reloaded.
  if ("serviceWorker" in navigator && !seLoader.bundled && /^https?:$/.test(location.protocol)) {
    const hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!hadController || document.getElementById("se-update")) {
        return;
      }
      const note = document.createElement("div");
      note.id = "se-update";
      note.className = "update-note";
      note.setAttribute("role", "status");
      note.textContent = "A new version of Saliency Explorer is installed. Reload the page to use it (your masks are kept).";
      document.body.appendChild(note);
    });
    // Installing the service worker fetches and stores every file of the
    // site (app.wasm again, every model and gallery: megabytes). On a first
    // visit that ran beside the module's compile and the engine's start on
    // the same cores, so it waits for the first map to be drawn (the
    // se-first-saliency mark), or swWait after the page's load if no map
    // comes (issue #12, docs/performance.md).
    const swWait = 10000;
    let registered = false;
    const register = function () {
      if (registered) {
        return;
      }
      registered = true;
      navigator.serviceWorker.register("sw.js", { updateViaCache: "none" }).catch(function (err) {
        console.info("Saliency Explorer works online only here: " + err);
      });
    };
    window.addEventListener("load", function () {
      setTimeout(register, swWait);
    });
    if (typeof PerformanceObserver === "function" && (PerformanceObserver.supportedEntryTypes || []).indexOf("mark") >= 0) {
      new PerformanceObserver(function (list, observer) {
        if (list.getEntriesByName("se-first-saliency").length > 0) {
          observer.disconnect();
          setTimeout(register, 0);
        }
      }).observe({ type: "mark" });
    } else {
      window.addEventListener("load", register);
    }
  }

  performance.mark("se-boot");
  // The page and its engine worker run one binary (ui/cmd/app). It is
  // compiled once, here, and the compiled module is posted to the engine
  // worker, which starts now, in parallel with the page's own start-up
  // (issue #12: the first map sooner). The UI takes the worker over
  // (seEngine.take, from ui.Engine) with the messages it sent meanwhile.
  //
  // The page's Go start (instantiation, package initialisation, App.Start,
  // the first render: 0.3–0.5 s in one task) waits until the engine worker
  // has its module, or workerWait: in Chromium's traces the module posted
  // at compile time reached the worker only when the page's main thread was
  // next free, after that long task, 0.4–1.4 s late in about a third of the
  // loads (issue #12, docs/performance.md).
  const workerWait = 300;
  const module = WebAssembly.compileStreaming(seLoader.fetch("app.wasm"));
  window.seEngine = engineStarter(module);
  const go = new Go();
  module
    .then(function (m) {
      performance.mark("se-compiled");
      return Promise.race([seEngine.hasModule, new Promise(function (resolve) { setTimeout(resolve, workerWait); })])
        .then(function () { return m; });
    })
    .then(function (m) {
      return WebAssembly.instantiate(m, go.importObject);
    })
    .then(function (instance) {
      performance.mark("se-ui-start");
      return go.run(instance);
    })
    .catch(function (err) {
      fail("The application failed to start: " + err);
    });

  // lastModel returns the model the page used last, or "": it reads the
  // key ui/store.go's keyModel names (storagePrefix + "model"); change
  // both together.
  function lastModel() {
    try {
      return window.localStorage.getItem("se.v1.model") || "";
    } catch (err) {
      return "";
    }
  }

  // engineStarter starts the engine worker and returns what the UI uses to
  // take it over and to start another after a crash:
  //
  //   take(onmessage, onerror, onmessageerror)  the worker started at boot
  //       (the first call) or a new one, with these handlers installed and
  //       the events the early one sent before them replayed
  //   hasModule  a Promise that resolves once the worker started at boot
  //       has instantiated the module
  //
  // Its URL is worker.js with the page's ?workers=K passed on (K engine
  // workers for Integrated Gradients, SmoothGrad and training; 1 computes
  // everything in one worker, for comparisons), ?stall-helpers=1 as
  // ?stall=1 (helpers that never answer, for tests), ?test-hooks=1, and
  // module=1: the worker waits for the compiled module instead of
  // fetching and compiling the binary itself, and model=name (below).
  function engineStarter(module) {
    const params = new URLSearchParams(seLoader.search);
    // model: the model last used (the page's Init asks for it; empty for
    // the default): the engine worker fetches its files while the module
    // is compiled (worker.js).
    const q = ["module=1", "model=" + encodeURIComponent(lastModel())];
    const k = parseInt(params.get("workers"), 10);
    if (k > 0) {
      q.push("workers=" + k);
    }
    if (params.get("stall-helpers") === "1") {
      q.push("stall=1");
    }
    if (params.get("test-hooks") === "1") {
      q.push("test-hooks=1");
    }
    const url = "worker.js?" + q.join("&");
    function start() {
      const w = seLoader.worker(url);
      module.then(function (m) {
        w.postMessage({ seModule: m });
      }, function () {});
      return w;
    }
    let first = start();
    // hasModule resolves once the first worker has instantiated the module
    // (its se-w-instantiated mark).
    const hasModule = new Promise(function (resolve) {
      first.onsemark = function (name) {
        if (name === "se-w-instantiated") {
          resolve();
        }
      };
    });
    const early = [];
    first.onmessage = function (e) { early.push(e); };
    first.onerror = function (e) { e.preventDefault(); early.push(e); };
    first.onmessageerror = function (e) { early.push(e); };
    return {
      hasModule: hasModule,
      take: function (onmessage, onerror, onmessageerror) {
        const w = first || start();
        w.onmessage = onmessage;
        w.onerror = onerror;
        w.onmessageerror = onmessageerror;
        if (first) {
          first = null;
          for (const e of early.splice(0)) {
            (e.type === "error" ? onerror : e.type === "messageerror" ? onmessageerror : onmessage)(e);
          }
        }
        return w;
      },
    };
  }
})();
