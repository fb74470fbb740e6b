//go:build !js

package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

func TestDebug(t *testing.T) {
	if os.Getenv("SE_DEBUG") == "" {
		t.Skip()
	}
	origin := serveSite(t)
	ctx, rec := browser(t, 60*time.Second)
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventConsoleAPICalled); ok {
			for _, a := range e.Args {
				t.Logf("console.%s %s %s", e.Type, a.Value, a.Description)
			}
		}
	})
	chromedp.Do(ctx, chromedp.Navigate(origin+"/"))
	time.Sleep(15 * time.Second)
	errs, reqs := rec.snapshot()
	t.Logf("errors: %q", errs)
	t.Logf("requests: %v", reqs)
	t.Logf("engine: %s", text(ctx, "body"))
	screenshot(t, ctx, "testdata/out/debug.png")
}
