package data

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// decoyCache returns the data set cache for tests that need the real MNIST
// and Fashion-MNIST files. Without it they skip, except under CI=true, where
// the cache must have been fetched and its absence is a failure.
func decoyCache(t *testing.T) string {
	t.Helper()
	dir := DefaultDatasetDir()
	for _, folder := range DecoyKinds {
		for _, f := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
			p := filepath.Join(dir, folder, f)
			if _, err := os.Stat(p); err == nil {
				continue
			}
			if _, err := os.Stat(p + ".gz"); err != nil {
				msg := "run make data: the MNIST / Fashion-MNIST cache is missing (" + p + "[.gz])"
				if os.Getenv("CI") == "true" {
					t.Fatal(msg + "; CI=true requires it")
				}
				t.Skip(msg)
			}
		}
	}
	return dir
}

// fakeDecoyFS holds a small synthetic data set in the IDX layout: nTrain
// and nTest distinct 28×28 images whose corners carry non-zero values (so
// overwriting them shows) and whose labels cycle through 0–9 in shuffled
// order. Training files are gzip-compressed, test files are not.
func fakeDecoyFS(t testing.TB, nTrain, nTest int) (fstest.MapFS, map[string]int) {
	const hw = 28 * 28
	rng := rand.New(rand.NewPCG(1, 2))
	fsys := fstest.MapFS{}
	byImage := map[string]int{} // image bytes outside the corners → label
	for _, sp := range []struct {
		prefix string
		n      int
		gzip   bool
	}{{"train", nTrain, true}, {"t10k", nTest, false}} {
		images := make([]uint8, sp.n*hw)
		labels := make([]uint8, sp.n)
		for i := range labels {
			labels[i] = uint8(i % 10)
		}
		rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
		for i := range sp.n {
			img := images[i*hw : (i+1)*hw]
			for p := range img {
				if rng.IntN(3) == 0 {
					img[p] = uint8(rng.IntN(256))
				}
			}
			// A unique stamp in the middle rows identifies the image.
			img[14*28+10], img[14*28+11], img[14*28+12] = uint8(i), uint8(i>>8), uint8(len(sp.prefix))
			byImage[string(maskCorners(img))] = int(labels[i])
		}
		var ib, lb bytes.Buffer
		if err := EncodeIDX(&ib, []int{sp.n, 28, 28}, images); err != nil {
			t.Fatal(err)
		}
		if err := EncodeIDX(&lb, []int{sp.n}, labels); err != nil {
			t.Fatal(err)
		}
		ext, ibytes, lbytes := "", ib.Bytes(), lb.Bytes()
		if sp.gzip {
			ext, ibytes, lbytes = ".gz", gz(t, ibytes), gz(t, lbytes)
		}
		fsys["d/mnist/"+sp.prefix+"-images-idx3-ubyte"+ext] = &fstest.MapFile{Data: ibytes}
		fsys["d/mnist/"+sp.prefix+"-labels-idx1-ubyte"+ext] = &fstest.MapFile{Data: lbytes}
	}
	return fsys, byImage
}

// maskCorners returns a copy of a 28×28 image with its four 4×4 corners
// zeroed: the pixels a swatch never touches.
func maskCorners(img []uint8) []uint8 {
	c := slices.Clone(img)
	for r := range 28 {
		for col := range 28 {
			if (r < 4 || r >= 24) && (col < 4 || col >= 24) {
				c[r*28+col] = 0
			}
		}
	}
	return c
}

// checkDecoySplit checks one split against the construction of METHODS.md
// and returns how often each corner was used and how often the swatch shade
// matched the label. raw returns the source image (0–255) of image i, or
// nil if it cannot be found.
func checkDecoySplit(t *testing.T, s *Set, mask string, leak bool, raw func(i int) []uint8) (corners [4]int, agree int) {
	t.Helper()
	const S = 28
	if err := s.Validate(); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	if s.C != 1 || s.H != S || s.W != S || len(s.ClassNames) != 10 {
		t.Fatalf("%s: %d×%d×%d with %d classes", s.Name, s.C, s.H, s.W, len(s.ClassNames))
	}
	for i := range s.Len() {
		img, m, y := s.Image(i), s.Mask(i), s.Labels[i]
		src := raw(i)
		if src == nil {
			t.Fatalf("%s image %d: no source image matches it", s.Name, i)
		}
		// Find the swatch: the corner whose 16 pixels share one shade of
		// the form (255 − 25k)/255 (at least 30/255, so never the empty
		// background of a digit).
		corner, k := -1, -1
		for j, rc := range [4][2]int{{0, 0}, {0, 24}, {24, 0}, {24, 24}} {
			v := img[rc[0]*S+rc[1]]
			uniform := true
			for r := rc[0]; r < rc[0]+4; r++ {
				for c := rc[1]; c < rc[1]+4; c++ {
					uniform = uniform && img[r*S+c] == v
				}
			}
			for cls := range 10 {
				if uniform && v == float32(255-25*cls)/255 {
					if corner >= 0 {
						t.Fatalf("%s image %d: two swatch corners", s.Name, i)
					}
					corner, k = j, cls
				}
			}
		}
		if corner < 0 {
			t.Fatalf("%s image %d: no 4×4 swatch of shade (255 − 25k)/255 in a corner", s.Name, i)
		}
		corners[corner]++
		r0, c0 := 24*(corner/2), 24*(corner%2)
		if k == y {
			agree++
		}
		if leak && k != y {
			t.Fatalf("%s image %d: label %d but swatch shade class %d", s.Name, i, y, k)
		}
		for p := range img {
			r, c := p/S, p%S
			inSwatch := r >= r0 && r < r0+4 && c >= c0 && c < c0+4
			if !inSwatch && img[p] != float32(src[p])/255 {
				t.Fatalf("%s image %d: pixel (%d,%d) = %v, want the source's %d/255", s.Name, i, r, c, img[p], src[p])
			}
			var want float32
			switch {
			case inSwatch:
				want = 0
			case mask == "swatch":
				want = 1
			default:
				for rr := max(0, r-1); rr <= min(S-1, r+1); rr++ {
					for cc := max(0, c-1); cc <= min(S-1, c+1); cc++ {
						if src[rr*S+cc] > 50 {
							want = 1
						}
					}
				}
			}
			if m[p] != want {
				t.Fatalf("%s (mask %s) image %d: mask at (%d,%d) = %v, want %v", s.Name, mask, i, r, c, m[p], want)
			}
		}
		if !slices.Equal(m, s.TrainMask(i)) {
			t.Fatalf("%s image %d: TrainMask differs from Mask", s.Name, i)
		}
	}
	return corners, agree
}

// rawLookup finds each image's source by its pixels outside the corners and
// checks that the label came with it.
func rawLookup(t *testing.T, s *Set, byImage map[string]int, images map[string][]uint8) func(int) []uint8 {
	return func(i int) []uint8 {
		img := make([]uint8, 28*28)
		for p, v := range s.Image(i) {
			img[p] = uint8(v*255 + 0.5)
		}
		key := string(maskCorners(img))
		y, ok := byImage[key]
		if !ok {
			return nil
		}
		if y != s.Labels[i] {
			t.Fatalf("%s image %d: label %d, the source image's label is %d", s.Name, i, s.Labels[i], y)
		}
		return images[key]
	}
}

func TestDecoyConstruction(t *testing.T) {
	fsys, byImage := fakeDecoyFS(t, 600, 300)
	// Source images by key, decoded back from the fake files.
	images := map[string][]uint8{}
	for _, prefix := range []string{"train", "t10k"} {
		x, _, err := loadIDXPair(fsys, "d/mnist", prefix)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(x) / 784 {
			images[string(maskCorners(x[i*784:(i+1)*784]))] = x[i*784 : (i+1)*784]
		}
	}
	for _, mask := range []string{"swatch", "object"} {
		cfg := DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 100, NTrain: 400, NTest: 250, Mask: mask, Seed: 3}
		sp, err := Decoy(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Train.Len() != 400 || sp.Valid.Len() != 100 || sp.Test.Len() != 250 {
			t.Fatalf("sizes %d/%d/%d, want 400/100/250", sp.Train.Len(), sp.Valid.Len(), sp.Test.Len())
		}
		for k, s := range splitList(sp) {
			corners, agree := checkDecoySplit(t, s, mask, k == 0, rawLookup(t, s, byImage, images))
			n := s.Len()
			for c, m := range corners {
				if m < n/4-n/8 || m > n/4+n/8 {
					t.Errorf("%s: corner %d used %d times of %d, want about a quarter", s.Name, c, m, n)
				}
			}
			if k > 0 && agree > n/5 {
				t.Errorf("%s: swatch shade matches the label for %d of %d images; want about a tenth", s.Name, agree, n)
			}
		}
		// Splits are disjoint: no training image in valid.
		seen := map[string]bool{}
		for i := range sp.Train.Len() {
			seen[string(float32Bytes(sp.Train.Image(i)[14*28:15*28]))] = true
		}
		for i := range sp.Valid.Len() {
			if seen[string(float32Bytes(sp.Valid.Image(i)[14*28:15*28]))] {
				t.Fatalf("valid image %d is also a training image", i)
			}
		}
	}
	// Defaults: NTrain 0 takes all but NValid, NTest 0 all in file order.
	sp, err := Decoy(DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 550 || sp.Valid.Len() != 50 || sp.Test.Len() != 300 {
		t.Errorf("default sizes %d/%d/%d, want 550/50/300", sp.Train.Len(), sp.Valid.Len(), sp.Test.Len())
	}
	x, y, _ := loadIDXPair(fsys, "d/mnist", "t10k")
	for i := range 300 {
		if sp.Test.Labels[i] != int(y[i]) || sp.Test.Image(i)[14*28+10] != float32(x[i*784+14*28+10])/255 {
			t.Fatalf("NTest 0: test image %d is not file image %d", i, i)
		}
	}
	// Deterministic for a seed.
	a, _ := Decoy(DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 50, Seed: 1})
	b, _ := Decoy(DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 50, Seed: 2})
	for k, s := range splitList(sp) {
		if !equalSets(s, splitList(a)[k]) {
			t.Errorf("%s: two runs with seed 1 differ", s.Name)
		}
		if slices.Equal(s.Images, splitList(b)[k].Images) {
			t.Errorf("%s: seeds 1 and 2 give identical images", s.Name)
		}
	}
}

func float32Bytes(x []float32) []byte {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = uint8(v*255 + 0.5)
	}
	return b
}

func TestDecoyErrors(t *testing.T) {
	fsys, _ := fakeDecoyFS(t, 60, 20)
	ok := DecoyConfig{FS: fsys, Dir: "d", Kind: "mnist", NValid: 10}
	if _, err := Decoy(ok); err != nil {
		t.Fatalf("valid configuration: %v", err)
	}
	broken := func(name string, data []byte) fstest.MapFS {
		f := fstest.MapFS{}
		for k, v := range fsys {
			f[k] = v
		}
		f["d/mnist/"+name] = &fstest.MapFile{Data: data}
		return f
	}
	withoutGz := fstest.MapFS{}
	for k, v := range fsys {
		if !strings.HasSuffix(k, "train-labels-idx1-ubyte.gz") {
			withoutGz[k] = v
		}
	}
	labels11 := idxBytes(IDXUint8, []uint32{20}, bytes.Repeat([]byte{10}, 20))
	for _, tc := range []struct {
		name string
		cfg  func(*DecoyConfig)
		want string
	}{
		{"kind", func(c *DecoyConfig) { c.Kind = "emnist" }, "kind"},
		{"mask", func(c *DecoyConfig) { c.Mask = "heart" }, "mask"},
		{"negative", func(c *DecoyConfig) { c.NTrain = -1 }, "negative"},
		{"too many train", func(c *DecoyConfig) { c.NTrain = 51 }, "training file has 60"},
		{"too many valid", func(c *DecoyConfig) { c.NValid = 60 }, "training file has 60"},
		{"too many test", func(c *DecoyConfig) { c.NTest = 21 }, "test file has 20"},
		{"missing cache", func(c *DecoyConfig) { c.FS = nil; c.Dir = t.TempDir() }, "make data"},
		{"missing labels", func(c *DecoyConfig) { c.FS = withoutGz }, "train-labels-idx1-ubyte"},
		{"fashion missing", func(c *DecoyConfig) { c.Kind = "fashion" }, "fashion-mnist"},
		{"bad labels", func(c *DecoyConfig) {
			c.FS = broken("t10k-labels-idx1-ubyte", labels11)
		}, "outside 0–9"},
		{"label count", func(c *DecoyConfig) {
			c.FS = broken("t10k-labels-idx1-ubyte", idxBytes(IDXUint8, []uint32{19}, make([]byte, 19)))
		}, "to match the images"},
		{"image size", func(c *DecoyConfig) {
			c.FS = broken("t10k-images-idx3-ubyte", idxBytes(IDXUint8, []uint32{20, 27, 29}, make([]byte, 20*27*29)))
		}, "want N×28×28"},
		{"corrupt images", func(c *DecoyConfig) {
			c.FS = broken("t10k-images-idx3-ubyte", []byte{0, 0, 8, 3, 0, 0})
		}, "unexpected EOF"},
		{"int16 labels", func(c *DecoyConfig) {
			c.FS = broken("t10k-labels-idx1-ubyte", idxBytes(IDXInt16, []uint32{20}, make([]byte, 40)))
		}, "unsigned bytes"},
	} {
		cfg := ok
		tc.cfg(&cfg)
		sp, err := Decoy(cfg)
		if err == nil || sp.Train != nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to mention %q", tc.name, err, tc.want)
		}
	}
	cfg := ok
	cfg.FS, cfg.Dir = nil, t.TempDir()
	if _, err := Decoy(cfg); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing cache: error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestDecoyReal builds both data sets from the fetched files and checks the
// construction against the raw IDX images.
func TestDecoyReal(t *testing.T) {
	dir := decoyCache(t)
	for kind, folder := range DecoyKinds {
		fsys := os.DirFS(dir)
		for _, prefix := range []string{"train", "t10k"} {
			_, y, err := loadIDXPair(fsys, folder, prefix)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int{"train": 60000, "t10k": 10000}[prefix]; len(y) != want {
				t.Errorf("%s %s: %d images, want %d", kind, prefix, len(y), want)
			}
		}
		trainX, trainY, _ := loadIDXPair(fsys, folder, "train")
		testX, testY, _ := loadIDXPair(fsys, folder, "t10k")
		index := func(x []uint8, y []uint8) (map[string]int, map[string][]uint8) {
			byImage, images := map[string]int{}, map[string][]uint8{}
			for i := range y {
				img := x[i*784 : (i+1)*784]
				k := string(maskCorners(img))
				byImage[k], images[k] = int(y[i]), img
			}
			return byImage, images
		}
		trBy, trImg := index(trainX, trainY)
		teBy, teImg := index(testX, testY)
		masks := []string{"swatch", "object"}
		if testing.Short() {
			masks = masks[:1] // the object mask is also checked on synthetic files
		}
		for _, mask := range masks {
			sp, err := Decoy(DecoyConfig{Dir: dir, Kind: kind, NTrain: 600, NValid: 200, NTest: 400, Mask: mask, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			for k, s := range splitList(sp) {
				by, img := trBy, trImg
				if k == 2 {
					by, img = teBy, teImg
				}
				_, agree := checkDecoySplit(t, s, mask, k == 0, rawLookup(t, s, by, img))
				if k > 0 && agree > s.Len()/5 {
					t.Errorf("%s: shade matches the label for %d of %d", s.Name, agree, s.Len())
				}
				var count [10]int
				for _, y := range s.Labels {
					count[y]++
				}
				for c, n := range count {
					if n == 0 {
						t.Errorf("%s: class %d has %d of %d images", s.Name, c, n, s.Len())
					}
				}
			}
		}
	}
}
