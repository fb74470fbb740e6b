package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"saliencyexplorer/wasm/protocol"
)

func toDataURL(b []byte) string { return dataURL(b, "image/png") }

func noRevoke(string) {}

func checkReport(delAUC, randDel float64, lastSpearman float64) *protocol.CheckReport {
	return &protocol.CheckReport{
		Method: "gradient", Class: 1, Units: 2, MapH: 2, MapW: 3, Steps: 2,
		Layers: []protocol.CheckLayer{
			{Name: "6 linear", Kind: "linear", Spearman: 0.5, SSIM: 0.4},
			{Name: "0 conv", Kind: "conv", Spearman: protocol.MaybeFloat(lastSpearman), SSIM: protocol.MaybeFloat(math.NaN())},
		},
		Deletion: []protocol.MaybeFloat{0.9, 0.3, 0.1}, RandomDeletion: []protocol.MaybeFloat{0.9, 0.8, 0.2},
		Insertion: []protocol.MaybeFloat{0.1, 0.7, 0.9}, RandomInsertion: []protocol.MaybeFloat{0.1, 0.2, 0.9},
		DeletionAUC: protocol.MaybeFloat(delAUC), RandomDeletionAUC: protocol.MaybeFloat(randDel), InsertionAUC: 0.6, RandomInsertionAUC: 0.35,
	}
}

// TestMapCheck: a finished check gives a strip of 1+layers maps as PNG
// data URLs with their similarities ("–" for an undefined one), the
// charts' series and lengths, and readings that follow the numbers; wrong
// sized maps are refused; a check of another map is stale.
func TestMapCheck(t *testing.T) {
	var c MapCheck
	sub := CheckSubject{Picture: "p1", Method: "gradient", Model: protocol.Original, Class: 1, ModelKey: "m"}
	c.Start(7, sub)
	if !c.Busy() || c.ID != 7 {
		t.Fatalf("started: %+v", c)
	}
	maps := make([]float32, 3*6)
	for i := range maps {
		maps[i] = float32(i%6) / 5
	}
	if err := c.Finish(checkReport(0.3, 0.5, 0.05), maps, Inferno, toDataURL, noRevoke); err != nil {
		t.Fatal(err)
	}
	if c.Busy() || !c.Of.Same(sub) {
		t.Errorf("finished: busy %v, about %+v", c.Busy(), c.Of)
	}
	strip := c.Strip()
	if len(strip) != 3 || strip[0].Name != "trained" || strip[1].Name != "6 linear" || strip[1].Spearman != "ρ 0.50" || strip[2].SSIM != "SSIM –" {
		t.Fatalf("strip %+v", strip)
	}
	for _, it := range strip {
		if !strings.HasPrefix(it.Src, "data:image/png;base64,") {
			t.Errorf("%s: image %.40q", it.Name, it.Src)
		}
	}
	if s := c.ChartSeries(ChartRandomisation); len(s) != 2 || len(s[0].Values) != 3 || s[0].Values[0] != 1 || s[0].Values[2] != 0.05 || c.ChartLen(ChartRandomisation) != 3 {
		t.Errorf("randomisation series %+v", s)
	}
	if s := c.ChartSeries(ChartDeletion); len(s) != 2 || !strings.Contains(s[0].Name, "0.300") || !strings.Contains(s[1].Name, "0.500") || c.ChartLen(ChartDeletion) != 3 {
		t.Errorf("deletion series %+v", s)
	}
	if x := c.ChartX(ChartDeletion, 2); x != "50.0 % of pixels deleted" {
		t.Errorf("deletion point 2 is %q", x)
	}
	read := strings.Join(c.Reading(), "\n")
	for _, want := range []string{"depends on what the model learned", "lower area than random (0.300 against 0.500)", "Insertion: higher area than random"} {
		if !strings.Contains(read, want) {
			t.Errorf("reading lacks %q:\n%s", want, read)
		}
	}
	// A map that survives randomisation, and a deletion no better than random.
	if err := c.Finish(checkReport(0.5, 0.49, 0.9), maps, Inferno, toDataURL, noRevoke); err != nil {
		t.Fatal(err)
	}
	read = strings.Join(c.Reading(), "\n")
	for _, want := range []string{"fails this check", "about the same area as random"} {
		if !strings.Contains(read, want) {
			t.Errorf("reading lacks %q:\n%s", want, read)
		}
	}
	if err := c.Finish(checkReport(0.3, 0.5, 0), maps[:7], Inferno, toDataURL, noRevoke); err == nil || c.Err == "" {
		t.Error("maps of the wrong size accepted")
	}
	other := sub
	other.Class = 0
	if sub.Same(other) {
		t.Error("another class is the same map")
	}
}

// TestSignedChart: a signed chart draws negative values (a correlation)
// and labels its axis from -1; an unsigned one breaks the line there.
func TestSignedChart(t *testing.T) {
	var c MapCheck
	maps := make([]float32, 3*6)
	if err := c.Finish(checkReport(0.3, 0.5, -0.4), maps, Grey, toDataURL, noRevoke); err != nil {
		t.Fatal(err)
	}
	signed := &LineChart{Data: &c, Kind: ChartRandomisation, Signed: true}
	if p := signed.Path(signed.Series()[0]); strings.Count(p, "L") != 2 {
		t.Errorf("signed path %q, want three joined points", p)
	}
	if signed.YLabel(0) != "-1" || signed.Last(signed.Series()[0]) != "-0.4" {
		t.Errorf("signed axis from %q, last %q", signed.YLabel(0), signed.Last(signed.Series()[0]))
	}
	plain := &LineChart{Data: &c, Kind: ChartRandomisation, Unit: true}
	if p := plain.Path(plain.Series()[0]); strings.Count(p, "L") != 1 {
		t.Errorf("unsigned path %q, want the negative value left out", p)
	}
}

// TestMapCheckKeepsThumbnails: a new report frees the previous report's
// thumbnails only once its own exist, and an unusable reply leaves the
// report on screen and its thumbnails alive.
func TestMapCheckKeepsThumbnails(t *testing.T) {
	var c MapCheck
	made, revoked := 0, map[string]bool{}
	url := func([]byte) string { made++; return fmt.Sprintf("blob:%d", made) }
	revoke := func(u string) { revoked[u] = true }
	maps := make([]float32, 3*6)
	c.Start(1, CheckSubject{Picture: "p1"})
	if err := c.Finish(checkReport(0.3, 0.5, 0.05), maps, Inferno, url, revoke); err != nil {
		t.Fatal(err)
	}
	first, report := slices.Clone(c.Thumbs), c.Report
	c.Start(2, CheckSubject{Picture: "p2"})
	if err := c.Finish(checkReport(0.3, 0.5, 0.05), maps[:7], Inferno, url, revoke); err == nil {
		t.Fatal("maps of the wrong size accepted")
	}
	if c.Report != report || !slices.Equal(c.Thumbs, first) || c.Of.Picture != "p1" || len(revoked) != 0 {
		t.Errorf("after a bad reply: report kept %v, thumbnails %v (were %v), about %q, revoked %v", c.Report == report, c.Thumbs, first, c.Of.Picture, revoked)
	}
	if len(c.Strip()) != 3 {
		t.Errorf("strip of %d maps after a bad reply, want the previous 3", len(c.Strip()))
	}
	c.Start(3, CheckSubject{Picture: "p3"})
	if err := c.Finish(checkReport(0.3, 0.5, 0.05), maps, Inferno, url, revoke); err != nil {
		t.Fatal(err)
	}
	for _, u := range first {
		if !revoked[u] {
			t.Errorf("previous thumbnail %s not freed", u)
		}
	}
	for _, u := range c.Thumbs {
		if revoked[u] {
			t.Errorf("current thumbnail %s freed", u)
		}
	}
	if c.Of.Picture != "p3" || c.Err != "" {
		t.Errorf("after a good reply: about %q, error %q", c.Of.Picture, c.Err)
	}
}
