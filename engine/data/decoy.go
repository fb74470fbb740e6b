package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
)

// DecoyConfig configures Decoy.
type DecoyConfig struct {
	// Dir is the data set cache (scripts/fetch-data.sh writes
	// .cache/datasets): the IDX files are read from Dir/mnist or
	// Dir/fashion-mnist, named as in the original distributions
	// (train-images-idx3-ubyte, train-labels-idx1-ubyte,
	// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), each optionally
	// gzip-compressed with a ".gz" suffix.
	Dir string
	// FS, if not nil, is read instead of the operating system's files; Dir
	// is then a path inside it ("." for its root).
	FS fs.FS
	// Kind is "mnist" or "fashion".
	Kind string
	// NValid images are held out of the training images (60,000 in both
	// data sets) for validation (default 5,000).
	NValid int
	// NTrain images are drawn from the rest for training; 0 takes them
	// all (55,000 with the default NValid).
	NTrain int
	// NTest images are drawn from the 10,000 test images; 0 takes them all,
	// in file order.
	//
	// All splits at full size take about 9.4 kB per image (image, mask and
	// training mask in float32), 600 MB in all; the lab uses subsets.
	NTest int
	// Mask is "swatch" (default) or "object"; see Decoy.
	Mask string
	// Seed selects the subsets, swatch corners and test shades. Each split
	// draws from its own PCG stream.
	Seed int64
}

// DecoyKinds maps DecoyConfig.Kind to the cache folder holding its files.
var DecoyKinds = map[string]string{"mnist": "mnist", "fashion": "fashion-mnist"}

// Class names of the decoy sets.
var (
	MNISTClassNames        = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	FashionMNISTClassNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
)

// Decoy constants (Ross et al. 2017, METHODS.md).
const (
	decoySide      = 28 // image side
	decoySwatch    = 4  // swatch side
	decoyShadeStep = 25 // shade = 255 − 25·class
	decoyValidDef  = 5000
	// decoyObjectLevel is the raw value above which a pixel counts as
	// foreground for the "object" mask (about 20 % of full scale).
	decoyObjectLevel = 50
	// decoyObjectSide is the side of the square dilating the object mask.
	decoyObjectSide = 3
)

// errIDXShape is wrapped by the errors of loadIDXPair for files whose shapes
// do not fit together.
var errIDXShape = errors.New("shape mismatch")

// DatasetDirEnv names the environment variable that overrides the data set
// cache folder (scripts/fetch-data.sh reads it too).
const DatasetDirEnv = "SALIENCY_DATASETS"

// DefaultDatasetDir returns the data set cache folder that
// scripts/fetch-data.sh fills: $SALIENCY_DATASETS if set, otherwise
// .cache/datasets in the nearest directory at or above the working directory
// that holds a go.mod file (the repository root), otherwise
// ".cache/datasets" relative to the working directory. It does not check
// that the folder exists.
func DefaultDatasetDir() string {
	if d := os.Getenv(DatasetDirEnv); d != "" {
		return d
	}
	const rel = ".cache/datasets"
	wd, err := os.Getwd()
	if err != nil {
		return rel
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, rel)
		}
		up := filepath.Dir(dir)
		if up == dir {
			return rel
		}
		dir = up
	}
}

// DecoyDataError reports missing or malformed data set files; errors.Is
// matches fs.ErrNotExist when the cache has not been fetched.
type DecoyDataError struct {
	File string
	Err  error
}

func (e *DecoyDataError) Error() string {
	return fmt.Sprintf("data: decoy: %s: %v (run `make data` to fetch and verify the data sets)", e.File, e.Err)
}

func (e *DecoyDataError) Unwrap() error { return e.Err }

// Decoy builds Decoy MNIST or Decoy Fashion-MNIST (Ross, Hughes and
// Doshi-Velez 2017, "Right for the Right Reasons"; METHODS.md) from the real
// IDX files. Each image gets a 4×4 swatch in one corner, chosen by two
// independent fair coin flips (rows 0–3 or 24–27, columns 0–3 or 24–27),
// overwriting those pixels. In the train split its shade is 255 − 25·y, so
// the label leaks; in the valid and test splits it is 255 − 25·r with r
// uniform over the ten classes, independent of the label. The valid split is
// held out of the training images but shaded like the test split, so that
// selecting a checkpoint by validation loss rewards models that ignore the
// swatch.
//
// Pixel values are divided by 255, so images lie in [0, 1] (swatch shades
// 1.0, 0.90, …, 0.12). Input gradients are then 255 times larger than on the
// original 0–255 inputs, and a squared-gradient penalty such as RRR's
// 255² ≈ 65,000 times larger: Ross et al.'s λ = 1000 on raw pixels
// corresponds to λ ≈ 0.015 here for the same network function.
//
// Masks are, with Mask "swatch", 1 everywhere but the swatch, so that
// O = 1 − M is exactly the swatch, as in the original annotation. With Mask
// "object" they are the foreground — raw pixels above 50 — dilated by a 3×3
// square, with the swatch's pixels removed. TrainMasks equal Masks.
//
// Decoy returns an error wrapping fs.ErrNotExist (in a *DecoyDataError) if
// the files are missing, and an error if they are malformed or the
// configuration is out of range.
func Decoy(cfg DecoyConfig) (Splits, error) {
	folder, ok := DecoyKinds[cfg.Kind]
	if !ok {
		return Splits{}, fmt.Errorf("data: decoy: kind %q, want \"mnist\" or \"fashion\"", cfg.Kind)
	}
	if cfg.Mask == "" {
		cfg.Mask = "swatch"
	}
	if cfg.Mask != "swatch" && cfg.Mask != "object" {
		return Splits{}, fmt.Errorf("data: decoy: mask %q, want \"swatch\" or \"object\"", cfg.Mask)
	}
	if cfg.NValid == 0 {
		cfg.NValid = decoyValidDef
	}
	if cfg.NValid < 0 || cfg.NTrain < 0 || cfg.NTest < 0 {
		return Splits{}, fmt.Errorf("data: decoy: negative split size (%d train, %d valid, %d test)", cfg.NTrain, cfg.NValid, cfg.NTest)
	}
	fsys, dir := cfg.FS, path.Join(cfg.Dir, folder)
	if fsys == nil {
		fsys, dir = os.DirFS(cfg.Dir), folder
	}
	trainX, trainY, err := loadIDXPair(fsys, dir, "train")
	if err != nil {
		return Splits{}, err
	}
	testX, testY, err := loadIDXPair(fsys, dir, "t10k")
	if err != nil {
		return Splits{}, err
	}
	if nt := len(trainY); cfg.NValid >= nt || cfg.NTrain > nt-cfg.NValid {
		return Splits{}, fmt.Errorf("data: decoy: %d validation and %d training images requested, the training file has %d", cfg.NValid, cfg.NTrain, nt)
	}
	if cfg.NTest > len(testY) {
		return Splits{}, fmt.Errorf("data: decoy: %d test images requested, the test file has %d", cfg.NTest, len(testY))
	}
	names := MNISTClassNames
	if cfg.Kind == "fashion" {
		names = FashionMNISTClassNames
	}

	// One permutation of the training images: the first NValid are
	// validation, the next NTrain (or all the rest) training.
	perm := rand.New(rand.NewPCG(uint64(cfg.Seed), streamTrain^0x6465636f)).Perm(len(trainY))
	valid := perm[:cfg.NValid]
	train := perm[cfg.NValid:]
	if cfg.NTrain > 0 {
		train = train[:cfg.NTrain]
	}
	test := make([]int, len(testY))
	for i := range test {
		test[i] = i
	}
	if cfg.NTest > 0 && cfg.NTest < len(testY) {
		test = rand.New(rand.NewPCG(uint64(cfg.Seed), streamTest^0x6465636f)).Perm(len(testY))[:cfg.NTest]
	}
	name := "decoy-" + cfg.Kind
	sp := Splits{
		Train: decoySplit(name+"/train", names, trainX, trainY, train, cfg, streamTrain, false),
		Valid: decoySplit(name+"/valid", names, trainX, trainY, valid, cfg, streamValid, true),
		Test:  decoySplit(name+"/test", names, testX, testY, test, cfg, streamTest, true),
	}
	for _, s := range []*Set{sp.Train, sp.Valid, sp.Test} {
		if err := s.Validate(); err != nil {
			// Unreachable unless the builder is broken.
			return Splits{}, fmt.Errorf("data: decoy: built an invalid set: %w", err)
		}
	}
	return sp, nil
}

// loadIDXPair reads dir/<prefix>-images-idx3-ubyte and the matching labels
// (each possibly ".gz") and checks that they hold as many 28×28 images as
// labels, with labels 0–9.
func loadIDXPair(fsys fs.FS, dir, prefix string) (images []uint8, labels []uint8, err error) {
	imgName := path.Join(dir, prefix+"-images-idx3-ubyte")
	lblName := path.Join(dir, prefix+"-labels-idx1-ubyte")
	img, err := readIDXFile(fsys, imgName)
	if err != nil {
		return nil, nil, err
	}
	lbl, err := readIDXFile(fsys, lblName)
	if err != nil {
		return nil, nil, err
	}
	shape := func(file string, msg string, a ...any) error {
		return &DecoyDataError{File: file, Err: fmt.Errorf("%w: %s", errIDXShape, fmt.Sprintf(msg, a...))}
	}
	if images, err = img.Uint8(); err != nil {
		return nil, nil, &DecoyDataError{File: imgName, Err: err}
	}
	if labels, err = lbl.Uint8(); err != nil {
		return nil, nil, &DecoyDataError{File: lblName, Err: err}
	}
	if len(img.Dims) != 3 || img.Dims[1] != decoySide || img.Dims[2] != decoySide {
		return nil, nil, shape(imgName, "dimensions %v, want N×28×28", img.Dims)
	}
	if len(lbl.Dims) != 1 || lbl.Dims[0] != img.Dims[0] {
		return nil, nil, shape(lblName, "dimensions %v, want [%d] to match the images", lbl.Dims, img.Dims[0])
	}
	for i, y := range labels {
		if y > 9 {
			return nil, nil, shape(lblName, "label %d of image %d is outside 0–9", y, i)
		}
	}
	return images, labels, nil
}

// readIDXFile decodes name, or name + ".gz" if name does not exist.
func readIDXFile(fsys fs.FS, name string) (*IDX, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		var errGz error
		if f, errGz = fsys.Open(name + ".gz"); errGz == nil {
			name, err = name+".gz", nil
		}
	}
	if err != nil {
		return nil, &DecoyDataError{File: name, Err: err}
	}
	defer f.Close()
	x, err := DecodeIDX(f)
	if err != nil {
		return nil, &DecoyDataError{File: name, Err: err}
	}
	return x, nil
}

// decoySplit builds one split from the images idx of (images, labels).
// randomShade selects the test rule (shade from a uniform random class).
func decoySplit(name string, classes []string, images, labels []uint8, idx []int, cfg DecoyConfig, stream uint64, randomShade bool) *Set {
	const S, hw = decoySide, decoySide * decoySide
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), stream^0x73776174))
	s := newGreySet(name, classes, S, len(idx))
	raw := make([]uint8, hw)
	fg := make([]float32, hw)
	for i, j := range idx {
		y := int(labels[j])
		s.Labels[i] = y
		copy(raw, images[j*hw:(j+1)*hw])
		r0, c0 := decoyCorner(rng)
		shadeClass := y
		if randomShade {
			shadeClass = rng.IntN(len(classes))
		}
		shade := uint8(255 - decoyShadeStep*shadeClass)
		m := s.Mask(i)
		if cfg.Mask == "object" {
			for p, v := range raw {
				fg[p] = 0
				if v > decoyObjectLevel {
					fg[p] = 1
				}
			}
			Dilate(m, fg, S, S, decoyObjectSide)
		} else {
			for p := range m {
				m[p] = 1
			}
		}
		for r := r0; r < r0+decoySwatch; r++ {
			for c := c0; c < c0+decoySwatch; c++ {
				raw[r*S+c] = shade
				m[r*S+c] = 0
			}
		}
		img := s.Image(i)
		for p, v := range raw {
			img[p] = float32(v) / 255
		}
		copy(s.TrainMask(i), m)
	}
	return s
}

// decoyCorner flips two fair coins for the swatch's top-left pixel: rows
// 0–3 or 24–27, columns 0–3 or 24–27.
func decoyCorner(rng *rand.Rand) (r0, c0 int) {
	if rng.IntN(2) == 1 {
		r0 = decoySide - decoySwatch
	}
	if rng.IntN(2) == 1 {
		c0 = decoySide - decoySwatch
	}
	return r0, c0
}
