package imageio

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestResizeBilinearConstant: weights are normalized, so a constant image
// stays that constant at every size, downscaled, upscaled, one side of
// each, and for a window of the scaled image.
func TestResizeBilinearConstant(t *testing.T) {
	const v = 0.6180339
	for _, tc := range []struct {
		sh, sw, h, w int
		f            Frame
	}{
		{217, 300, 224, 224, Frame{}},
		{61, 97, 224, 224, Frame{}},
		{50, 13, 7, 40, Frame{}},
		{1, 1, 5, 3, Frame{}},
		{217, 300, 224, 224, Frame{H: 256, W: 353, Top: 16, Left: 64}},
	} {
		src := make([]float32, tc.sh*tc.sw)
		for i := range src {
			src[i] = v
		}
		dst := make([]float32, tc.h*tc.w)
		if err := ResizeBilinear(dst, 1, tc.h, tc.w, src, 1, tc.sh, tc.sw, tc.f); err != nil {
			t.Fatal(err)
		}
		for i, got := range dst {
			if math.Abs(float64(got-v)) > 1e-6 {
				t.Fatalf("%d×%d → %d×%d %+v: value %d is %v, want %v", tc.sh, tc.sw, tc.h, tc.w, tc.f, i, got, v)
			}
		}
	}
}

// TestResizeBilinearIdentity: at the source's own size every output pixel
// is centred on its source pixel, whose neighbours get weight 0: the image
// comes back bit for bit.
func TestResizeBilinearIdentity(t *testing.T) {
	const c, h, w = 3, 17, 23
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, c*h*w)
	for i := range src {
		src[i] = rng.Float32()
	}
	orig := slices.Clone(src)
	dst := make([]float32, c*h*w)
	if err := ResizeBilinear(dst, c, h, w, src, c, h, w, Frame{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst, src) {
		t.Errorf("identity resize changed the image")
	}
	if !slices.Equal(src, orig) {
		t.Errorf("the source was modified")
	}
}

// TestResizeBilinearRampUpscale: upscaling, the filter interpolates
// linearly between source pixel centres (pixel i centred at i + 0.5), so a
// ramp v = a·x + b·y stays that ramp at the output centres (o + 0.5)·n/m
// wherever both neighbours exist (centres in [0.5, n − 0.5]).
func TestResizeBilinearRampUpscale(t *testing.T) {
	const sh, sw, h, w = 7, 10, 30, 25
	const a, b = 0.05, -0.03
	src := make([]float32, sh*sw)
	for y := range sh {
		for x := range sw {
			src[y*sw+x] = float32(0.5 + a*float64(x) + b*float64(y))
		}
	}
	dst := make([]float32, h*w)
	if err := ResizeBilinear(dst, 1, h, w, src, 1, sh, sw, Frame{}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for oy := range h {
		cy := (float64(oy) + 0.5) * sh / h
		for ox := range w {
			cx := (float64(ox) + 0.5) * sw / w
			if cx < 0.5 || cx > sw-0.5 || cy < 0.5 || cy > sh-0.5 {
				continue
			}
			want := 0.5 + a*(cx-0.5) + b*(cy-0.5)
			if got := float64(dst[oy*w+ox]); math.Abs(got-want) > 1e-6 {
				t.Fatalf("(%d, %d): %v, want %v", oy, ox, got, want)
			}
			checked++
		}
	}
	if checked < h*w/2 {
		t.Fatalf("only %d interior pixels checked", checked)
	}
}

// TestResizeBilinearWeights checks a downscale by 2 against weights worked
// out by hand from PIL's convention: output pixel 0 of 4 → 2 is centred at
// 1.0 with a tent of half-width 2, which weighs the pixel centres 0.5, 1.5,
// 2.5 by 0.75, 0.75, 0.25 (then / 1.75); output pixel 1, centred at 3.0,
// weighs 1.5, 2.5, 3.5 by 0.25, 0.75, 0.75.
func TestResizeBilinearWeights(t *testing.T) {
	src := []float32{0.1, 0.9, 0.3, 0.5}
	dst := make([]float32, 2)
	if err := ResizeBilinear(dst, 1, 1, 2, src, 1, 1, 4, Frame{}); err != nil {
		t.Fatal(err)
	}
	want := []float64{(0.75*0.1 + 0.75*0.9 + 0.25*0.3) / 1.75, (0.25*0.9 + 0.75*0.3 + 0.75*0.5) / 1.75}
	for i := range want {
		if math.Abs(float64(dst[i])-want[i]) > 1e-6 {
			t.Errorf("pixel %d = %v, want %v", i, dst[i], want[i])
		}
	}
}

// TestResizeBilinearFrame: a window of the scaled image is that part of
// the full resize, and pixels beyond the scaled image are 0.
func TestResizeBilinearFrame(t *testing.T) {
	const sh, sw, fh, fw = 13, 19, 11, 15
	rng := rand.New(rand.NewPCG(3, 4))
	src := make([]float32, 3*sh*sw)
	for i := range src {
		src[i] = rng.Float32()
	}
	full := make([]float32, 3*fh*fw)
	if err := ResizeBilinear(full, 3, fh, fw, src, 3, sh, sw, Frame{}); err != nil {
		t.Fatal(err)
	}
	const h, w, top, left = 6, 8, -2, 9 // rows −2, −1 and columns 15, 16 lie outside
	dst := make([]float32, 3*h*w)
	if err := ResizeBilinear(dst, 3, h, w, src, 3, sh, sw, Frame{H: fh, W: fw, Top: top, Left: left}); err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		for y := range h {
			for x := range w {
				fy, fx := y+top, x+left
				var want float32
				if fy >= 0 && fx < fw {
					want = full[(c*fh+fy)*fw+fx]
				}
				if got := dst[(c*h+y)*w+x]; got != want {
					t.Fatalf("channel %d (%d, %d): %v, want %v", c, y, x, got, want)
				}
			}
		}
	}
}

// TestResizeBilinearChannels: grey is repeated for three channels, colour
// becomes luma for one, and other counts are refused.
func TestResizeBilinearChannels(t *testing.T) {
	grey := []float32{0.2, 0.4, 0.6, 0.8}
	dst := make([]float32, 3*3*2)
	if err := ResizeBilinear(dst, 3, 3, 2, grey, 1, 2, 2, Frame{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst[:6], dst[6:12]) || !slices.Equal(dst[:6], dst[12:]) || dst[0] == 0 {
		t.Errorf("grey into 3 channels: %v", dst)
	}
	red := []float32{1, 0, 0}
	out := make([]float32, 4)
	if err := ResizeBilinear(out, 1, 2, 2, red, 3, 1, 1, Frame{}); err != nil || math.Abs(float64(out[3])-0.299) > 1e-6 {
		t.Errorf("red to grey = %v, %v; want 0.299", out, err)
	}
	if err := ResizeBilinear(out, 4, 1, 1, red, 3, 1, 1, Frame{}); err == nil {
		t.Errorf("4 channels accepted")
	}
}

// benchmarkResize times one colour picture of sh×sw into a 224×224 input,
// by ResizeBilinear (torchvision's Resize((224, 224))) and by ResizePlanes
// (the area average), for comparison.
func benchmarkResize(b *testing.B, sh, sw int, bilinear bool) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, 3*sh*sw)
	for i := range src {
		src[i] = rng.Float32()
	}
	dst := make([]float32, 3*224*224)
	b.SetBytes(int64(4 * len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var err error
		if bilinear {
			err = ResizeBilinear(dst, 3, 224, 224, src, 3, sh, sw, Frame{})
		} else {
			err = ResizePlanes(dst, 3, 224, 224, src, 3, sh, sw)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResizeBilinear640x480(b *testing.B) { benchmarkResize(b, 480, 640, true) }
func BenchmarkResizeArea640x480(b *testing.B)     { benchmarkResize(b, 480, 640, false) }
func BenchmarkResizeBilinear3000x2000(b *testing.B) {
	benchmarkResize(b, 2000, 3000, true)
}
func BenchmarkResizeArea3000x2000(b *testing.B) { benchmarkResize(b, 2000, 3000, false) }
