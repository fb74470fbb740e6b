//go:build !js

// Package e2e holds the browser end-to-end tests of Saliency Explorer: they
// serve the built site (server/site, made by `make build`) with the real
// server handler on 127.0.0.1 and drive Debian's Chromium headless through
// chromedp.
//
// Without a built site or without Chromium the tests are skipped with a
// message saying what is missing, unless CI=true, when they fail instead.
//
// Environment:
//
//	CHROMIUM        path of the browser (default: chromium on $PATH, /usr/bin/chromium)
//	SE_SCREENSHOT   where TestApp writes the README screenshot (default: testdata/out/screenshot.png)
//	SE_BENCH_WEB=1  run TestBenchWeb, which prints bundle sizes and load timings (make bench-web)
package e2e
