//go:build !js

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"saliencyexplorer/engine/data"
	"saliencyexplorer/engine/model"
	"saliencyexplorer/wasm/host"
	"saliencyexplorer/wasm/protocol"
)

// TestSamplePackGallery: the built site ships each sample gallery's sample
// pack (wasm/samplepack: the samples' keys and PNGs, made at build time
// instead of in the engine worker at every start; issue #12), and with it
// the page's gallery is complete and right: one thumbnail per gallery
// image (up to the 48 the engine sends), in order, each keyed as the
// engine keys a sample (the data set's name and the first 6 bytes of the
// SHA-256 of its pixels, computed here with crypto/sha256 from the
// gallery file), each thumbnail's picture decoded, and a sample opens with
// its prediction and map.
func TestSamplePackGallery(t *testing.T) {
	_, want := phantomSamples(t)
	checkPackGallery(t, serveSite(t), want, false)
}

// TestSamplePackRefused: a sample pack that does not fit its gallery (here
// cut short) is refused: the page's gallery is the same as with it (the
// engine makes the samples), and the start-up timeline (the engine
// worker's se-w-pack-refused mark) says so (the worker writes the reason
// to the console too).
func TestSamplePackRefused(t *testing.T) {
	pack, want := phantomSamples(t)
	b, err := os.ReadFile(filepath.Join(siteDir, "models", pack))
	if err != nil {
		t.Fatal(err)
	}
	origin, _ := serveFSLogged(t, overlay{base: os.DirFS(siteDir),
		files:  map[string][]byte{"models/" + pack: b[:len(b)/2]},
		hidden: map[string]bool{"models/" + pack + ".gz": true}})
	checkPackGallery(t, origin, want, true)
}

// phantomSamples returns the file name of the site's Phantom sample pack
// and the keys of the gallery's samples, computed here from the gallery
// file.
func phantomSamples(t *testing.T) (pack string, keys []string) {
	t.Helper()
	dir := filepath.Join(siteDir, "models")
	g, ok := siteManifest(t).Gallery("phantom", model.SplitTest)
	if !ok {
		t.Skip("the site ships no Phantom gallery (make models)")
	}
	if _, err := os.Stat(filepath.Join(dir, host.SamplePackName(g.File))); err != nil {
		t.Fatalf("the site has no sample pack for %s (make build runs wasm/samplepack): %v", g.File, err)
	}
	gb, err := os.ReadFile(filepath.Join(dir, g.File))
	if err != nil {
		t.Fatal(err)
	}
	set, err := data.DecodeGallery(gb)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range min(set.Len(), 48) {
		sum := sha256.Sum256(protocol.FloatBytes(set.Image(i)))
		want = append(want, "phantom-"+hex.EncodeToString(sum[:6]))
	}
	return host.SamplePackName(g.File), want
}

// checkPackGallery loads the site at origin and checks its Phantom gallery
// against the keys want, and whether the engine refused the sample pack.
func checkPackGallery(t *testing.T, origin string, want []string, refused bool) {
	t.Helper()
	ctx, rec := browser(t, 120*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/")); err != nil {
		t.Fatal(err)
	}
	engineReady(t, ctx, rec)
	if ds, _ := eval[string](ctx, `document.querySelector('[data-testid=sample-gallery]').dataset.dataset`); ds != "phantom" {
		t.Skipf("the first data set is %q, not phantom", ds)
	}
	if err := waitJS(ctx, `document.querySelectorAll('[data-testid=sample-gallery] .thumb').length > 0 && [...document.querySelectorAll('[data-testid=sample-gallery] .thumb img')].every(i => i.complete)`, 20*time.Second); err != nil {
		t.Fatalf("no sample thumbnails: %v", err)
	}
	got, err := eval[[]string](ctx, `[...document.querySelectorAll('[data-testid=sample-gallery] .thumb')].map(b => b.dataset.key)`)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the gallery's keys %q; the gallery file's images give %q", got, want)
	}
	if n, _ := eval[int](ctx, `[...document.querySelectorAll('[data-testid=sample-gallery] .thumb img')].filter(i => i.naturalWidth === 64 && i.naturalHeight === 64).length`); n != len(want) {
		t.Errorf("%d of the %d thumbnails show a 64×64 picture", n, len(want))
	}
	saliencyShown(t, ctx, clickSample(t, ctx, len(want)-1))
	if got, _ := eval[bool](ctx, `performance.getEntriesByName('se-w-pack-refused').length > 0`); got != refused {
		t.Errorf("the engine refused the sample pack: %v, want %v", got, refused)
	}
}
