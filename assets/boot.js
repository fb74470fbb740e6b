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
  performance.mark("se-boot");
  const go = new Go();
  WebAssembly.instantiateStreaming(fetch("app.wasm"), go.importObject)
    .then(function (result) {
      performance.mark("se-ui-start");
      return go.run(result.instance);
    })
    .catch(function (err) {
      fail("The application failed to start: " + err);
    });
})();
