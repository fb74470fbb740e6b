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
//	SE_BENCH_WEB=1  run TestBenchWeb, which prints bundle sizes and load timings with
//	                each load's start-up timeline (make bench-web)
//	SE_BENCH_TRAIN=1  run TestBenchTrain: a Phantom RRR epoch in the app, wall-clock and
//	                the browser's CPU time (make bench-train)
//	SE_SITE_BASE    for TestBenchWeb and TestBenchTrain: other built sites, separated by
//	                commas, timed in alternation with this one (before/after)
//	SE_BENCH_ROUNDS rounds of those two benchmarks (3); SE_BENCH_QUERIES the page
//	                queries TestBenchTrain times ("workers=1,"); SE_BENCH_MARKS=1 prints
//	                the engine worker's marks of each training run
//	SE_BENCH_TRACE=1  run TestTraceFirstLoad: a Chrome trace of one cold load, its long
//	                events per thread (SE_BENCH_TRACE_MIN ms, 5); SE_BENCH_TRACE_OUT=file
//	                also writes the whole trace there as JSON
//	SE_SHOTS        a folder for extra screenshots (TestLayout's sizes, the saved figure, print)
//	SE_SITE         serve another built site instead of server/site, e.g. a copy built
//	                without a fix, to see a check fail
//	SE_JOURNEY_LATE=1  TestJourney starts at the loaded model (its later checks only)
package e2e
