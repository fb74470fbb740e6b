// Saliency Explorer service worker: once the served app has been opened,
// it opens again with no network. The build (server/cmd/release sw) fills
// in BUILD: the version, a hash of every file of the site and of this
// script, and the files to keep. Each build has its own cache, filled
// completely before the new worker takes over; the old caches are deleted
// then, so a page never mixes files of two builds.
"use strict";
const BUILD = /* build */ { version: "dev", release: "", files: [] };
const PREFIX = "saliency-explorer-";
const CACHE = PREFIX + BUILD.version;

self.addEventListener("install", function (event) {
  // cache: "no-cache" revalidates with the server, so a file the HTTP
  // cache still holds from the previous build is not kept by mistake.
  const reqs = BUILD.files.map(function (f) { return new Request(f, { cache: "no-cache" }); });
  event.waitUntil(caches.open(CACHE)
    .then(function (cache) { return cache.addAll(reqs); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys()
    .then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.startsWith(PREFIX) && k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    })
    .then(function () { return self.clients.claim(); }));
});

// The site's files come from this build's cache (the query string of
// worker.js?workers=1 and the like does not select another file); anything
// else goes to the network as usual.
self.addEventListener("fetch", function (event) {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  const root = new URL("./", self.location);
  const start = req.mode === "navigate" && (url.pathname === root.pathname || url.pathname === root.pathname + "index.html");
  const key = start ? root.href : req;
  event.respondWith(caches.open(CACHE)
    .then(function (cache) { return cache.match(key, { ignoreSearch: true, ignoreVary: true }); })
    .then(function (hit) { return hit ? keepURL(req, hit) : fetch(req); }));
});

// keepURL returns the cached response for req so that it keeps req's URL.
// A worker's location is the URL of the response its script came with
// (HTML, "run a worker"), and the cached worker.js has none of the query
// (?workers=1, ?stall=1) the engine worker reads its settings from. A
// response made here has no URL of its own, so it takes the request's.
// (A page's location is the URL it navigated to either way.)
function keepURL(req, hit) {
  if (req.mode === "navigate" || hit.url === req.url) {
    return hit;
  }
  return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
}

// The page asks which build this is (for tests and the update notice).
self.addEventListener("message", function (event) {
  if (event.data === "version" && event.source) {
    event.source.postMessage({ version: BUILD.version, release: BUILD.release });
  }
});
