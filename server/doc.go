// Package server serves the built Saliency Explorer site: static files only,
// read from an fs.FS (normally the copy embedded into the binary, see Site).
//
// Saliency Explorer runs entirely in the browser: a Go engine compiled to
// WebAssembly runs in a Web Worker and a vugu user interface runs in the page.
// The server therefore has no write endpoints and never receives user data;
// it answers GET and HEAD requests for the files of the site and nothing else.
//
// The handler returned by NewHandler
//
//   - answers only GET and HEAD (405 with "Allow: GET, HEAD" otherwise);
//   - serves only regular files with a known extension (see the MIME table in
//     mime.go), never dotfiles, symlinks or directory listings; a request for
//     a directory serves its index.html, if it has one;
//   - rejects hostile paths (dot segments, encoded slashes or backslashes,
//     backslashes, NUL and control bytes, empty segments) with 400;
//   - serves a precompressed sibling X.gz instead of X when the client
//     accepts gzip, with Content-Encoding and Vary headers;
//   - sets a strong ETag computed once at start-up from the content and
//     Cache-Control ("no-cache" for HTML pages, "public, max-age=3600" by
//     default for everything else), and leaves conditional requests
//     (If-None-Match, If-Match, If-Range) and Range requests to
//     http.ServeContent;
//   - with Options.LoopbackHostsOnly (set by Serve when it listens on a
//     loopback address), answers 403 to requests whose Host is not a
//     loopback name or address, against DNS rebinding;
//   - sets a strict Content-Security-Policy (see ContentSecurityPolicy for
//     what it still allows and why) and the other security headers on every
//     response the handler writes, errors included, and never puts error
//     details or file system paths into response bodies.
//
// Run wires the handler into an http.Server with timeouts and shuts it down
// gracefully when its context is cancelled. "OPTIONS *" reaches the handler
// (405). The few responses net/http writes before any handler runs (431,
// 400 for unparsable requests, 417, 505) cannot carry the security
// headers; see newHTTPServer.
package server
