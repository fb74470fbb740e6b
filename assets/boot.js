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
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("sw.js", { updateViaCache: "none" }).catch(function (err) {
        console.info("Saliency Explorer works online only here: " + err);
      });
    });
  }

  performance.mark("se-boot");
  const go = new Go();
  WebAssembly.instantiateStreaming(seLoader.fetch("app.wasm"), go.importObject)
    .then(function (result) {
      performance.mark("se-ui-start");
      return go.run(result.instance);
    })
    .catch(function (err) {
      fail("The application failed to start: " + err);
    });
})();
