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
//	SE_SHOTS        a folder for extra screenshots (TestLayout's sizes, the saved figure, print)
//	SE_SITE         serve another built site instead of server/site, e.g. a copy built
//	                without a fix, to see a check fail
//	SE_JOURNEY_LATE=1  TestJourney starts at the loaded model (its later checks only)
package e2e
