//go:build !js

package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// TestTraceFirstLoad records a Chrome trace of one cold load (to the first
// map) and prints, after make bench-web's timeline of marks, the long
// trace events of every thread (the page's main thread, the engine
// worker, V8's compile threads…) nested as they ran, in milliseconds from
// navigation: which task held a thread, and what was in it (a message's
// handler and the render after it, style and layout, lazy compilation of
// a wasm function by its index, garbage collection). It is how the first
// map's path was taken apart (docs/performance.md, issue #12). Skipped
// unless SE_BENCH_TRACE=1; SE_BENCH_TRACE_MIN is the shortest event shown
// (5 ms), SE_SITE the site loaded.
func TestTraceFirstLoad(t *testing.T) {
	if os.Getenv("SE_BENCH_TRACE") != "1" {
		t.Skip("set SE_BENCH_TRACE=1")
	}
	origin := serveSite(t)
	ctx, _ := browser(t, 120*time.Second)
	var mu sync.Mutex
	var events []map[string]any
	done := make(chan struct{})
	chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			for _, v := range e.Value {
				var m map[string]any
				if json.Unmarshal(v, &m) == nil {
					events = append(events, m)
				}
			}
			mu.Unlock()
		case *tracing.EventTracingComplete:
			close(done)
		}
	})
	cats := []string{"devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "v8.wasm", "disabled-by-default-v8.wasm.detailed", "disabled-by-default-v8.wasm.turbofan", "blink.user_timing", "toplevel", "v8.execute", "loading", "blink"}
	if err := call(ctx, tracing.Start, tracing.StartParams{TransferMode: tracing.StartTransferModeReportEvents, TraceConfig: &tracing.TraceConfig{IncludedCategories: cats}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, `performance.getEntriesByName('se-first-saliency').length > 0`, 100*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	timeline(t, ctx)
	boot, err := eval[float64](ctx, `performance.getEntriesByName('se-boot')[0].startTime`)
	if err != nil {
		t.Fatal(err)
	}
	if err := call(ctx, tracing.End, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the trace did not end")
	}
	mu.Lock()
	defer mu.Unlock()
	if out := os.Getenv("SE_BENCH_TRACE_OUT"); out != "" {
		b, err := json.Marshal(events)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The trace's clock is put on the page's with the se-boot mark.
	bootTS := -1.0
	threads := map[string]string{}
	for _, e := range events {
		if e["name"] == "se-boot" && bootTS < 0 {
			bootTS, _ = e["ts"].(float64)
		}
		if e["ph"] == "M" && e["name"] == "thread_name" {
			args, _ := e["args"].(map[string]any)
			threads[fmt.Sprint(e["pid"], "/", e["tid"])] = fmt.Sprint(args["name"])
		}
	}
	if bootTS < 0 {
		t.Fatal("no se-boot mark in the trace")
	}
	minDur, _ := strconv.ParseFloat(cmp.Or(os.Getenv("SE_BENCH_TRACE_MIN"), "5"), 64)
	type span struct {
		name       string
		start, dur float64 // ms
	}
	byThread := map[string][]span{}
	for _, e := range events {
		d, _ := e["dur"].(float64)
		ts, _ := e["ts"].(float64)
		if e["ph"] != "X" || d < 1000*minDur {
			continue
		}
		id := fmt.Sprint(e["pid"], "/", e["tid"])
		name := fmt.Sprint(e["name"])
		if strings.HasPrefix(name, "wasm.") && e["args"] != nil { // which function: its index
			if b, err := json.Marshal(e["args"]); err == nil {
				name += " " + string(b)
			}
		}
		th := id + " " + threads[id]
		byThread[th] = append(byThread[th], span{name, (ts-bootTS)/1000 + boot, d / 1000})
	}
	for _, th := range slices.Sorted(func(yield func(string) bool) {
		for k := range byThread {
			if !yield(k) {
				return
			}
		}
	}) {
		spans := byThread[th]
		slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
		fmt.Printf("== thread %s\n", th)
		var open []span // the spans enclosing the current one
		for _, s := range spans {
			for len(open) > 0 && open[len(open)-1].start+open[len(open)-1].dur <= s.start+0.001 {
				open = open[:len(open)-1]
			}
			if len(open) < 8 {
				fmt.Printf("  %7.0f ms %6.1f ms %*s%s\n", s.start, s.dur, 2*len(open), "", s.name)
			}
			open = append(open, s)
		}
	}
}
