package data

import "testing"

// TestObjectMask rebuilds Decoy's object masks from its images and swatch
// masks: they agree everywhere but, at most, the ring of pixels around the
// swatch (where the original image's foreground under the swatch dilated
// into the object mask).
func TestObjectMask(t *testing.T) {
	fsys, _ := fakeDecoyFS(t, 300, 200)
	cfg := DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 50, NTrain: 200, NTest: 150, Seed: 5}
	sw, err := Decoy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Mask = "object"
	obj, err := Decoy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const S = decoySide
	s, o := sw.Test, obj.Test
	dst := make([]float32, S*S)
	var inside, edge int
	for i := range s.Len() {
		img, m := s.Image(i), s.Mask(i)
		if got := o.Image(i); string(float32Bytes(got)) != string(float32Bytes(img)) {
			t.Fatalf("image %d differs between the mask options", i)
		}
		ObjectMask(dst, img, m, S, S)
		want := o.Mask(i)
		for p := range dst {
			if dst[p] == want[p] {
				if want[p] == 1 {
					inside++
				}
				continue
			}
			// Allowed only next to the swatch.
			y, x := p/S, p%S
			near := false
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					yy, xx := y+dy, x+dx
					if yy >= 0 && yy < S && xx >= 0 && xx < S && m[yy*S+xx] <= 0.5 {
						near = true
					}
				}
			}
			if !near {
				t.Fatalf("image %d: pixel (%d, %d) is %v, Decoy's object mask %v, away from the swatch", i, y, x, dst[p], want[p])
			}
			edge++
		}
	}
	if inside == 0 {
		t.Fatalf("no object pixels at all")
	}
	t.Logf("%d object pixels agree; %d differ at the swatch's edge", inside, edge)
	defer func() {
		if recover() == nil {
			t.Errorf("ObjectMask with a short dst did not panic")
		}
	}()
	ObjectMask(dst[:3], dst, dst, S, S)
}
