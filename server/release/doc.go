// Package release makes the files of a Saliency Explorer release from the
// built site (server/site): the single self-contained HTML page that runs
// from file:// (SingleFile), the service worker that keeps the served app
// working offline (ServiceWorker), and the release note with the sizes and
// SHA-256 sums of everything in dist/ (Notes). Command server/cmd/release
// drives it from the Makefile (`make dist`).
package release
