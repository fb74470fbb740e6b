// Saliency Explorer resource loader: the one place the page and the engine
// workers get the site's files (wasm binaries, models, sample images) and
// start engine workers, so the same code runs served by explorer-server and
// bundled into one saliency-explorer.html opened from file://.
//
//   seLoader.fetch(name)  a Promise of a Response for a file of the site
//   seLoader.url(name)    a URL for <img src> and the like
//   seLoader.worker(url)  a new engine Worker ("worker.js?workers=1")
//   seLoader.search       the query string of this page or worker
//   seLoader.ahead(name)  fetch name now, for the next fetch(name)
//   seLoader.endAhead()   drop (and abort) what ahead fetched that no
//                         fetch took; ahead fetches nothing after it
//
// Served, these are fetch, the name itself, new Worker and location.search.
// In the single-file build (see server/release) the page holds every file,
// base64-encoded in <script type="application/octet-stream"> elements and
// gzip-compressed where that helps; this script turns each into a Blob
// (decompressed on demand with DecompressionStream). Workers start from
// blob URLs of their script, and get the Blobs by message: a file:// page
// has an opaque origin, so a worker could not read the page's blob URLs.
// Nothing touches the network.
"use strict";
(function (g) {
  if (g.seLoader) {
    return;
  }
  const index = typeof document !== "undefined" ? document.getElementById("se-files") : null;
  // marks puts a worker's performance marks (worker.js's seMark) on this
  // scope's timeline, at the time they were made, and passes each mark's
  // name to the worker's onsemark, if set (boot.js waits for one).
  function marks(w) {
    w.addEventListener("message", function (e) {
      if (e.data && e.data.seMark) {
        e.stopImmediatePropagation();
        if (g.performance && performance.mark) {
          performance.mark(e.data.seMark, { startTime: Math.max(0, e.data.t - performance.timeOrigin) });
        }
        if (w.onsemark) {
          w.onsemark(e.data.seMark);
        }
      }
    });
    return w;
  }
  if (!index && !g.seBundle) {
    // name → {r: a Promise of its Response, fetched ahead; stop: its
    // AbortController}; null once endAhead was called.
    let ahead = {};
    g.seLoader = {
      fetch: function (name) {
        const a = ahead && ahead[name];
        if (!a) {
          return g.fetch(name);
        }
        delete ahead[name];
        return a.r.catch(function () { return g.fetch(name); });
      },
      // ahead fetches a file that fetch will be asked for soon (once):
      // worker.js fetches the engine's start-up files while the module is
      // compiled. It returns the Response's Promise, for a clone's reading.
      ahead: function (name) {
        if (!ahead) {
          return Promise.reject(new Error("the start-up is over"));
        }
        if (!ahead[name]) {
          const stop = new AbortController();
          ahead[name] = { r: g.fetch(name, { signal: stop.signal }), stop: stop };
          ahead[name].r.catch(function () {});
        }
        return ahead[name].r;
      },
      // endAhead is called by the engine once its start-up has taken what
      // it needed (wasm/engineworker, after Host.StartAhead): responses
      // fetched ahead that no fetch took (a guess worker.js got wrong, or
      // a file the engine fetched before its guess came) are aborted and
      // released instead of being kept for the worker's lifetime.
      endAhead: function () {
        const left = ahead || {};
        ahead = null;
        for (const name in left) {
          left[name].stop.abort();
        }
      },
      url: function (name) { return name; },
      worker: function (url) { return marks(new Worker(url)); },
      search: g.location.search,
      bundled: false,
    };
    return;
  }

  let files; // name → {blob, type, gzip}
  let source; // the worker's script: this loader, wasm_exec.js, worker.js
  let search;
  let ready; // resolves once files is set
  if (index) {
    const idx = JSON.parse(index.textContent);
    files = {};
    for (const f of idx.files) {
      const el = document.getElementById(f.id);
      files[f.name] = { blob: new Blob([decode(el.textContent)], { type: f.gzip ? "application/gzip" : f.type }), type: f.type, gzip: f.gzip };
      el.textContent = ""; // the Blob holds the bytes now
    }
    source = document.getElementById(idx.worker).textContent;
    search = g.location.search;
    ready = Promise.resolve();
  } else {
    // A worker: its script starts with self.seBundle = {search, source};
    // the files come in the first message, before any of the page's.
    source = g.seBundle.source;
    search = g.seBundle.search;
    ready = new Promise(function (resolve) {
      g.addEventListener("message", function take(e) {
        if (e.data && e.data.seFiles) {
          e.stopImmediatePropagation();
          g.removeEventListener("message", take);
          files = e.data.seFiles;
          resolve();
        }
      });
    });
  }
  const urls = {}; // blob URLs made by url(), one per file

  function decode(b64) {
    if (typeof Uint8Array.fromBase64 === "function") {
      return Uint8Array.fromBase64(b64);
    }
    const s = atob(b64);
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      b[i] = s.charCodeAt(i);
    }
    return b;
  }

  function clean(name) {
    return String(name).replace(/^\.\//, "").replace(/[?#].*$/, "");
  }

  g.seLoader = {
    // ahead has nothing to gain here: the files are in the page already.
    ahead: function () { return Promise.reject(new Error("bundled")); },
    endAhead: function () {},
    fetch: function (name) {
      return ready.then(function () {
        const f = files[clean(name)];
        if (!f) {
          return new Response("not in this file", { status: 404, statusText: "Not Found" });
        }
        const body = f.gzip ? f.blob.stream().pipeThrough(new DecompressionStream("gzip")) : f.blob;
        return new Response(body, { status: 200, headers: { "Content-Type": f.type } });
      });
    },
    // url returns a blob URL for a file stored as is (images), for <img>.
    url: function (name) {
      const key = clean(name);
      const f = files && files[key];
      if (!f || f.gzip) {
        return name;
      }
      if (!urls[key]) {
        urls[key] = URL.createObjectURL(f.blob);
      }
      return urls[key];
    },
    // worker starts "worker.js?query" from a blob URL of its script, with
    // its query (a blob URL cannot carry one) and the script in front for
    // its own helpers, then hands it the files.
    worker: function (url) {
      const q = String(url).indexOf("?");
      const head = "self.seBundle = " + JSON.stringify({ search: q < 0 ? "" : String(url).slice(q), source: source }) + ";\n";
      const w = marks(new Worker(URL.createObjectURL(new Blob([head, source], { type: "text/javascript" }))));
      if (files) {
        w.postMessage({ seFiles: files });
      } else {
        ready.then(function () { w.postMessage({ seFiles: files }); });
      }
      return w;
    },
    search: search,
    bundled: true,
  };
})(self);
