package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// PhantomConfig configures Phantom. Zero values take the defaults of
// DefaultPhantom.
type PhantomConfig struct {
	// Size is the image side in pixels (64), in [48, 512].
	Size int
	// NTrain, NValid and NTest are the split sizes (600, 160, 160). Each
	// split is balanced: n/2 images per class, the extra one (odd n) in
	// class 0.
	NTrain, NValid, NTest int
	// TokenTest is where the laterality marker sits in the valid and test
	// splits: "reversed" (default; each class's marker in the other class's
	// training corner) or "random" (a fair coin, independent of the class).
	TokenTest string
	// TokenAgree is the probability that the marker sits in its class's
	// corner in the train split (default 1: a perfect shortcut). With
	// TokenTest "reversed" the valid and test splits use the same
	// probability for the other class's corner. In (0.5, 1].
	TokenAgree float64
	// DilateSide is the side of the square that dilates the train split's
	// training masks (default 2·round(6·Size/64)+1: 13 at 64 px, about
	// ±6 px; 1 means no dilation). Positive and odd. The margin has to reach
	// where an enlarged heart's border would lie: the evidence that a heart
	// is normal is the lung beside it, and with the bare heart as the
	// training mask RRR (λ = 10) still reads the marker, while with 13 px it
	// reads the heart (test AUC 0.998 against 0.003, one seed).
	DilateSide int
	// Seed makes the splits reproducible. Each split draws from its own PCG
	// stream, so changing one split's size leaves the others unchanged.
	Seed int64
}

// DefaultPhantom returns the default Phantom configuration with the given
// seed: 64×64 films, 600/160/160 images, the marker always in its class's
// corner in training and always in the other corner in valid and test,
// training masks dilated by a 13×13 square.
func DefaultPhantom(seed int64) PhantomConfig {
	return PhantomConfig{Size: 64, NTrain: 600, NValid: 160, NTest: 160, TokenTest: "reversed", TokenAgree: 1, DilateSide: phantomDilateSide(64), Seed: seed}
}

// PhantomClassNames are the class names of the Phantom set.
var PhantomClassNames = []string{"normal", "cardiomegaly"}

// Limits on PhantomConfig, to keep a bad configuration from exhausting
// memory.
const (
	phantomMinSize = 48
	phantomMaxSize = 512
	phantomMaxN    = 1 << 20
)

// Cardiothoracic ratio ranges per class. They keep a margin of 0.05 from
// the 0.5 threshold, more than a pixel and a half at the smallest size, so a
// label never depends on how the heart's border is rounded to pixels.
const (
	ctrNormalLo, ctrNormalHi = 0.35, 0.45
	ctrLargeLo, ctrLargeHi   = 0.55, 0.65
)

// Phantom generates the Phantom chest radiograph set (METHODS.md): one-channel
// grey-scale "chest films" with values in [0, 1], drawn procedurally as a
// sum of attenuations — soft tissue of the body and shoulders, two dark lung
// fields with vessel markings, posterior and anterior ribs, clavicles, the
// spine, the diaphragm, a gastric bubble and the heart — then blurred,
// exposed with a random contrast and gamma and overlaid with smooth and fine
// noise. Each film is slightly rotated, scaled and shifted.
//
// The class is the cardiothoracic ratio (CTR), the heart's widest horizontal
// extent over the thorax's (between the lungs' outer borders): class 0
// "normal" draws it from [0.37, 0.45], class 1 "cardiomegaly" from
// [0.55, 0.63], so every label is unambiguous (cardiomegaly is CTR > 0.5).
//
// The shortcut is a bright lead laterality marker (an "R" at the image's
// left, an "L" at its right, as on a real film) in a top corner: in the
// train split it sits top-left for class 0 and top-right for class 1 with
// probability TokenAgree. In the valid and test splits it is reversed (or
// random, by TokenTest): the valid split follows the test rule rather than
// the training one, so that selecting the checkpoint by validation loss
// (METHODS.md, Generalization) rewards models that read the heart, as with
// Crosses, whose valid split is mirrored like the test split.
//
// Masks hold the heart silhouette (1 inside), never the marker. TrainMasks
// of the train split are Masks dilated by a DilateSide square; for valid and
// test they are a copy of Masks.
//
// Phantom returns an error if the configuration is out of range.
func Phantom(cfg PhantomConfig) (Splits, error) {
	sp, _, err := phantom(cfg)
	return sp, err
}

// phantomInfo records how one film was drawn, for tests.
type phantomInfo struct {
	ctr        float64 // drawn cardiothoracic ratio
	chestPx    float64 // thorax width in pixels (scale included)
	tokenRight bool    // marker in the top-right corner
	tokenBox   [4]int  // marker rows [r0, r1) and columns [c0, c1)
}

func (c *PhantomConfig) applyDefaults() {
	d := DefaultPhantom(c.Seed)
	if c.Size == 0 {
		c.Size = d.Size
	}
	if c.NTrain == 0 {
		c.NTrain = d.NTrain
	}
	if c.NValid == 0 {
		c.NValid = d.NValid
	}
	if c.NTest == 0 {
		c.NTest = d.NTest
	}
	if c.TokenTest == "" {
		c.TokenTest = d.TokenTest
	}
	if c.TokenAgree == 0 {
		c.TokenAgree = d.TokenAgree
	}
	if c.DilateSide == 0 {
		c.DilateSide = phantomDilateSide(c.Size)
	}
}

// phantomDilateSide returns the default training-mask dilation for films of
// side size: 2·round(6·size/64)+1.
func phantomDilateSide(size int) int { return 2*int(math.Round(6*float64(size)/64)) + 1 }

func phantom(cfg PhantomConfig) (Splits, [3][]phantomInfo, error) {
	var info [3][]phantomInfo
	d, err := NewPhantomDrawer(cfg)
	if err != nil {
		return Splits{}, info, err
	}
	sp, err := d.Splits()
	for k, part := range d.parts {
		info[k] = part.info
	}
	return sp, info, err
}

// PhantomDrawer draws the Phantom splits of a configuration a few films at
// a time, so that a caller can do other work in between (the browser's
// engine draws them ahead while it is idle); the splits it ends with are
// those Phantom(cfg) returns, bit for bit.
type PhantomDrawer struct {
	parts [3]*phantomPart
	sp    *Splits
}

// NewPhantomDrawer checks cfg (as Phantom does) and returns a drawer that
// has drawn nothing yet.
func NewPhantomDrawer(cfg PhantomConfig) (*PhantomDrawer, error) {
	cfg.applyDefaults()
	if cfg.Size < phantomMinSize || cfg.Size > phantomMaxSize {
		return nil, fmt.Errorf("data: phantom: size %d outside [%d, %d]", cfg.Size, phantomMinSize, phantomMaxSize)
	}
	for _, n := range []int{cfg.NTrain, cfg.NValid, cfg.NTest} {
		if n < 0 || n > phantomMaxN || n*cfg.Size*cfg.Size > maxElems {
			return nil, fmt.Errorf("data: phantom: split size %d outside [0, %d] or over %d pixels", n, phantomMaxN, maxElems)
		}
	}
	if cfg.TokenTest != "reversed" && cfg.TokenTest != "random" {
		return nil, fmt.Errorf("data: phantom: token rule %q, want \"reversed\" or \"random\"", cfg.TokenTest)
	}
	if !(cfg.TokenAgree > 0.5 && cfg.TokenAgree <= 1) {
		return nil, fmt.Errorf("data: phantom: token agreement %v outside (0.5, 1]", cfg.TokenAgree)
	}
	if cfg.DilateSide < 1 || cfg.DilateSide%2 == 0 || cfg.DilateSide > cfg.Size {
		return nil, fmt.Errorf("data: phantom: dilation side %d is not odd in [1, %d]", cfg.DilateSide, cfg.Size)
	}
	test := tokenReversed
	if cfg.TokenTest == "random" {
		test = tokenRandom
	}
	return &PhantomDrawer{parts: [3]*phantomPart{
		newPhantomPart(cfg, "phantom/train", cfg.NTrain, streamTrain, tokenTrain, cfg.DilateSide),
		newPhantomPart(cfg, "phantom/valid", cfg.NValid, streamValid, test, 1),
		newPhantomPart(cfg, "phantom/test", cfg.NTest, streamTest, test, 1),
	}}, nil
}

// Draw draws up to n more films (at least one) and reports whether every
// film is drawn.
func (d *PhantomDrawer) Draw(n int) bool {
	for _, part := range d.parts {
		for part.next < part.s.Len() {
			part.draw()
			if n--; n <= 0 {
				return d.Done()
			}
		}
	}
	return true
}

// Done reports whether every film is drawn.
func (d *PhantomDrawer) Done() bool {
	for _, part := range d.parts {
		if part.next < part.s.Len() {
			return false
		}
	}
	return true
}

// Progress returns how many films are drawn, of how many.
func (d *PhantomDrawer) Progress() (done, total int) {
	for _, part := range d.parts {
		done, total = done+part.next, total+part.s.Len()
	}
	return done, total
}

// Splits draws the films that are left and returns the splits.
func (d *PhantomDrawer) Splits() (Splits, error) {
	for !d.Draw(1 << 30) {
	}
	sp := Splits{Train: d.parts[0].s, Valid: d.parts[1].s, Test: d.parts[2].s}
	for _, s := range []*Set{sp.Train, sp.Valid, sp.Test} {
		if err := s.Validate(); err != nil {
			// Unreachable unless the generator is broken.
			return Splits{}, fmt.Errorf("data: phantom: generated an invalid set: %w", err)
		}
	}
	return sp, nil
}

// Marker placement rules.
const (
	tokenTrain    = iota // class 0 top-left, class 1 top-right (with TokenAgree)
	tokenReversed        // class 0 top-right, class 1 top-left (with TokenAgree)
	tokenRandom          // either corner, independent of the class
)

// phantomPart draws one split of films from PCG stream `stream`, one film
// at a time.
type phantomPart struct {
	cfg        PhantomConfig
	rng        *rand.Rand
	s          *Set
	r          *filmRenderer
	info       []phantomInfo
	rule, side int
	next       int // the next film to draw
}

func newPhantomPart(cfg PhantomConfig, name string, n int, stream uint64, rule, side int) *phantomPart {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), stream^0x70686e74))
	s := newBalancedSet(name, PhantomClassNames, cfg.Size, n, rng)
	return &phantomPart{cfg: cfg, rng: rng, s: s, r: newFilmRenderer(cfg.Size), info: make([]phantomInfo, n), rule: rule, side: side}
}

// draw draws film next.
func (p *phantomPart) draw() {
	i, y, S, rng, s := p.next, p.s.Labels[p.next], p.cfg.Size, p.rng, p.s
	right := y == 1
	switch p.rule {
	case tokenReversed:
		right = !right
	case tokenRandom:
		right = rng.IntN(2) == 1
	}
	if p.rule != tokenRandom && rng.Float64() >= p.cfg.TokenAgree {
		right = !right
	}
	f := drawFilm(rng, y)
	f.tokenRight = right
	p.info[i] = p.r.render(s.Image(i), s.Mask(i), f, rng)
	if p.side > 1 {
		Dilate(s.TrainMask(i), s.Mask(i), S, S, p.side)
	} else {
		copy(s.TrainMask(i), s.Mask(i))
	}
	p.next++
}

// film holds the random parameters of one radiograph. Anatomy is described
// in "body coordinates" (u, v) ∈ [−1, 1]²: u grows to the image's right (the
// patient's left on a PA film), v grows downwards. The film's pixels map to
// body coordinates through a small rotation, scale and shift.
type film struct {
	ctr        float64
	tw         float64 // thorax half-width (outer lung borders)
	bw         float64 // body half-width
	apex       float64 // v of the lung apices
	dia        float64 // v of the diaphragm domes (image-left dome 0.04 higher)
	heart      [2]ellipse
	angle      float64 // rotation (radians)
	scale      float64
	ox, oy     float64 // shift
	contrast   float64
	gamma      float64
	bright     float64
	ribPhase   float64
	tokenRight bool
	tokenShift [2]int
	tokenLevel float64
}

// ellipse is an ellipse with centre (cx, cy) and semi-axes a, b, rotated by
// an angle whose cosine and sine are cos, sin (an axis-aligned ellipse has
// cos = 1, sin = 0; see rotated).
type ellipse struct{ cx, cy, a, b, cos, sin float64 }

// rotated returns the ellipse turned by angle rot (radians, clockwise on
// screen since v grows downwards).
func rotated(cx, cy, a, b, rot float64) ellipse {
	return ellipse{cx: cx, cy: cy, a: a, b: b, cos: math.Cos(rot), sin: math.Sin(rot)}
}

// inside returns 1 − r, where r is the ellipse's normalized radius at (u, v):
// positive inside, 0 on the border, roughly a signed distance in units of
// the semi-axes.
func (e ellipse) inside(u, v float64) float64 {
	du, dv := u-e.cx, v-e.cy
	x, y := (e.cos*du+e.sin*dv)/e.a, (-e.sin*du+e.cos*dv)/e.b
	return 1 - math.Sqrt(x*x+y*y)
}

// extent returns the half-widths of the ellipse's bounding box.
func (e ellipse) extent() (hx, hy float64) {
	c, s := e.cos, e.sin
	return math.Sqrt(e.a*e.a*c*c + e.b*e.b*s*s), math.Sqrt(e.a*e.a*s*s + e.b*e.b*c*c)
}

func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

// drawFilm draws a film's parameters for class y.
func drawFilm(rng *rand.Rand, y int) film {
	var f film
	if y == 1 {
		f.ctr = uniform(rng, ctrLargeLo, ctrLargeHi)
	} else {
		f.ctr = uniform(rng, ctrNormalLo, ctrNormalHi)
	}
	f.tw = uniform(rng, 0.64, 0.72)
	f.bw = f.tw + uniform(rng, 0.13, 0.19)
	f.apex = uniform(rng, -0.74, -0.64)
	f.dia = uniform(rng, 0.34, 0.44)

	// The heart: a left ventricle tilted towards the apex (lower right) and
	// a right atrium bulging to the left, scaled so that its width is
	// ctr × thorax width, with its right border reaching further from the
	// midline than its left border, resting on the diaphragm.
	lv := rotated(0.10, 0.02, uniform(rng, 0.34, 0.40), uniform(rng, 0.24, 0.28), uniform(rng, 0.35, 0.6))
	ra := rotated(-0.17, -0.02, 0.18, uniform(rng, 0.20, 0.24), 0)
	lvx, lvy := lv.extent()
	rax, ray := ra.extent()
	left, right := min(lv.cx-lvx, ra.cx-rax), max(lv.cx+lvx, ra.cx+rax)
	bottom := max(lv.cy+lvy, ra.cy+ray)
	k := f.ctr * 2 * f.tw / (right - left)
	leftEdge := -uniform(rng, 0.30, 0.38) * f.ctr * 2 * f.tw // the right heart border (image left)
	du := leftEdge - k*left
	dv := f.dia + 0.05 - k*bottom
	for j, e := range []ellipse{lv, ra} {
		f.heart[j] = ellipse{cx: du + k*e.cx, cy: dv + k*e.cy, a: k * e.a, b: k * e.b, cos: e.cos, sin: e.sin}
	}

	f.angle = uniform(rng, -4, 4) * math.Pi / 180
	f.scale = uniform(rng, 0.95, 1.03)
	f.ox, f.oy = uniform(rng, -0.04, 0.04), uniform(rng, -0.03, 0.05)
	f.contrast = uniform(rng, 0.95, 1.06)
	f.gamma = uniform(rng, 0.92, 1.08)
	f.bright = uniform(rng, -0.02, 0.02)
	f.ribPhase = uniform(rng, -0.03, 0.03)
	f.tokenShift = [2]int{rng.IntN(3), rng.IntN(3)}
	f.tokenLevel = uniform(rng, markerMin, 1)
	return f
}

// filmRenderer holds scratch buffers for rendering films of one size.
type filmRenderer struct {
	S                 int
	att, tmp          []float64
	smooth, vessel    []float64
	colCos, colNegSin []float64 // per column: cos(angle)·x and −sin(angle)·x
}

func newFilmRenderer(S int) *filmRenderer {
	n := S * S
	return &filmRenderer{S: S, att: make([]float64, n), tmp: make([]float64, n), smooth: make([]float64, n), vessel: make([]float64, n),
		colCos: make([]float64, S), colNegSin: make([]float64, S)}
}

// sstep is a soft step of width about 5w: 0 for d <= −2.5w, 0.5 at 0, 1 for
// d >= 2.5w (a smoothstep, close to the logistic 1/(1+exp(−d/w)) but
// without its cost).
func sstep(d, w float64) float64 { return smoothstep(0.5 + d/(5*w)) }

// band returns a soft band of half-width hw around d = 0.
func band(d, hw, w float64) float64 {
	d = math.Abs(d)
	if d >= hw+2.5*w {
		return 0
	}
	return sstep(hw-d, w)
}

// ribHalfWidth holds the half-widths of the ten posterior ribs, widening
// downwards.
var ribHalfWidth = func() (hw [10]float64) {
	for k := range hw {
		hw[k] = 0.026 + 0.003*float64(k)
	}
	return hw
}()

// render draws film p into img (S×S) and its heart mask into mask.
func (r *filmRenderer) render(img, mask []float32, p film, rng *rand.Rand) phantomInfo {
	S := r.S
	valueNoise(r.smooth, S, 6, rng)
	valueNoise(r.vessel, S, 22, rng)
	// Vessel markings radiate from the hila: an angular noise profile.
	var spokes [80]float64
	for j := range spokes {
		spokes[j] = rng.Float64()
	}
	spoke := func(theta float64) float64 {
		t := (theta/(2*math.Pi) + 1) * float64(len(spokes))
		j := int(t)
		fr := t - float64(j)
		fr = fr * fr * (3 - 2*fr)
		a, b := spokes[j%len(spokes)], spokes[(j+1)%len(spokes)]
		return a + (b-a)*fr
	}
	cosA, sinA := math.Cos(p.angle), math.Sin(p.angle)
	edge := 0.018 // soft edge width in body units
	// Every value below is computed by the same floating-point operations,
	// in the same order, as a direct per-pixel evaluation would: the films
	// are bit-identical to those the shipped models were trained on
	// (TestPhantomGolden). Speed comes only from hoisting what does not
	// change along a row or across the film and from skipping terms whose
	// weight is exactly zero (outside the body, the lungs, the spine).
	cx, nsx := r.colCos, r.colNegSin
	for px := range S {
		x := (float64(px)+0.5)/float64(S)*2 - 1 - p.ox
		cx[px], nsx[px] = cosA*x, -sinA*x
	}
	var ribV0 [10]float64
	for k := range ribV0 {
		ribV0[k] = p.apex - 0.04 + p.ribPhase + 0.105*float64(k)*(1+0.02*float64(k))
	}
	bw06, bw01 := p.bw+0.06, p.bw-0.1
	apex03 := p.apex - 0.3
	mid := p.tw * 0.5
	twMid, tw01 := p.tw-mid, p.tw-0.1
	knobE := ellipse{cx: 0.1, cy: p.apex + 0.36, a: 0.1, b: 0.07, cos: 1}
	humerus := [2]ellipse{
		{cx: -1 * (p.bw + 0.03), cy: p.apex - 0.02, a: 0.14, b: 0.14, cos: 1},
		{cx: 1 * (p.bw + 0.03), cy: p.apex - 0.02, a: 0.14, b: 0.14, cos: 1},
	}
	gastric := ellipse{cx: 0.36, cy: p.dia + 0.12, a: 0.11, b: 0.05, cos: 1}
	for py := range S {
		y := (float64(py)+0.5)/float64(S)*2 - 1 - p.oy
		sy, cy := sinA*y, cosA*y
		row := py * S
		for px := range S {
			u := (cx[px] + sy) / p.scale
			v := (nsx[px] + cy) / p.scale
			au := math.Abs(u)

			// Body outline: the neck, sloping shoulders, then the trunk,
			// thickest in the middle.
			B := bw06 - 0.04*max0(v-p.apex)
			shoulder := apex03 + 0.3*smoothstep((au-0.18)/bw01)
			top := shoulder - 1.5*sstep(0.21-au, 0.015)
			t := max0(1 - (u/(B+0.08))*(u/(B+0.08)))
			var body float64
			if outline := sstep(minf(B-au, v-top), edge); outline != 0 {
				body = outline * (0.25 + 0.75*pow07(t))
			}
			a := 0.55 * body

			// Lungs: between the mediastinum and the thorax wall, below the
			// apex (rounded) and above the diaphragm dome.
			side := 1.0
			hum := &humerus[1]
			if u < 0 {
				side = -1
				hum = &humerus[0]
			}
			dome := p.dia + 0.04*side
			q := (au - mid) / twMid
			domeV := dome + 0.2*q*q - 0.04
			// Rounded apices, peaking a little medial of the lung's middle.
			qa := (au - 0.32) / tw01
			apexV := p.apex + 0.9*qa*qa
			lat := p.tw * (1 - 0.3*sq(1-smoothstep((v-p.apex)/0.6)))
			med := 0.09 + 0.03*smoothstep((v-p.apex-0.3)/0.2)
			// aortic knob on the image right
			if u > 0 {
				knob := knobE.inside(u, v)
				med = maxf(med, med+0.08*max0(knob)*2)
			}
			lung := sstep(lat-au, edge) * sstep(au-med, edge) * sstep(domeV-v, edge) * sstep(v-apexV, edge*1.5)
			h0, h1 := p.heart[0].inside(u, v), p.heart[1].inside(u, v)
			heart := maxf(sstep(h0, 0.05), sstep(h1, 0.05))
			lung *= 1 - heart
			if lung != 0 {
				// Air in the lungs lowers the attenuation; thicker lung
				// (medially) is darker.
				a -= 0.38 * lung * (0.75 + 0.25*math.Sqrt(t))
				// Vessel markings, strongest near the hila.
				hx, hy := 0.17*side, p.apex+0.6
				rd := math.Hypot(u-hx, v-hy)
				ves := spoke(math.Atan2(v-hy, u-hx)) - 0.5 + 0.6*r.vessel[row+px]
				a += lung * (0.09*ves*math.Exp(-rd/0.4) + 0.09*math.Exp(-rd*rd/0.012) - 0.04*smoothstep(rd-0.3))
			}
			// Heart: thicker soft tissue.
			a += 0.03 * heart

			// Trachea (air column) down to the carina.
			a -= 0.12 * band(u, 0.035, 0.01) * sstep(p.apex+0.35-v, 0.02) * body

			// Spine: vertebral bodies and disc spaces.
			if spine := band(u, 0.075, 0.012); spine != 0 {
				vert := 0.6 + 0.4*math.Cos((v-p.apex)*2*math.Pi/0.115)
				a += 0.07 * spine * (0.6 + 0.4*vert) * body
			}

			// Ribs, only over the thorax.
			medial := sstep(au-0.07, 0.02)
			cage := sstep(p.tw+0.06-au, edge) * sstep(v-(p.apex-0.1), edge) * sstep(dome+0.25-v, 0.05)
			if cage > 0 {
				var ribs float64
				q := au / p.tw
				post := -0.1*q + 0.4*q*q      // posterior ribs rise from the spine and curve down laterally
				ant := 0.23 - 0.3*(1-q)*(1-q) // anterior ribs descend from the lateral wall, fainter
				antW := sstep(au-0.2, 0.05)
				for k, v0 := range ribV0 {
					ribs += band(v-v0-post, ribHalfWidth[k], 0.008)
					ribs += 0.45 * band(v-v0-ant, 0.022, 0.01) * antW
				}
				a += 0.08 * ribs * medial * cage * (0.35 + 0.65*lung)
			}

			// Clavicles.
			cl := p.apex + 0.12 - 0.22*(au-0.08) + 0.25*(au-0.35)*(au-0.35)
			if clav := band(v-cl, 0.03, 0.01); clav != 0 {
				a += 0.14 * clav * medial * sstep(0.7-au, 0.03)
			}
			// Humeral heads at the shoulders.
			hh := hum.inside(u, v)
			a += 0.16 * sstep(hh, 0.05)

			// Gastric bubble under the image-right dome.
			gb := gastric.inside(u, v)
			a -= 0.07 * sstep(gb, 0.12) * body

			// Smooth noise (soft tissue and exposure unevenness).
			a += 0.04 * r.smooth[row+px] * body
			r.att[row+px] = a

			if h0 > 0 || h1 > 0 {
				mask[row+px] = 1
			} else {
				mask[row+px] = 0
			}
		}
	}
	blur3(r.att, r.tmp, S)
	gammaFrac := powFrac(p.gamma)
	for j, a := range r.att {
		v := powNear1(max0(a)/0.78, p.gamma, gammaFrac)*p.contrast + p.bright + 0.015*rng.NormFloat64()
		// A soft shoulder keeps tissue and bone below anatomyMax, as film
		// saturates, so the metal marker is the brightest thing on it.
		if v > anatomyKnee {
			v = anatomyKnee + (anatomyMax-anatomyKnee)*math.Tanh((v-anatomyKnee)/(anatomyMax-anatomyKnee))
		}
		img[j] = float32(max0(v))
	}
	inf := phantomInfo{ctr: p.ctr, chestPx: 2 * p.tw * p.scale * float64(S) / 2, tokenRight: p.tokenRight}
	inf.tokenBox = drawMarker(img, S, p)
	return inf
}

// Film response: anatomy is compressed above anatomyKnee to stay below
// anatomyMax; the marker is drawn at markerMin or brighter.
const (
	anatomyKnee = 0.78
	anatomyMax  = 0.9
	markerMin   = 0.95
)

// markerGlyphs are 5×7 bitmaps of the laterality letters.
var markerGlyphs = map[bool][7]string{
	false: {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}, // R
	true:  {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}, // L
}

// drawMarker draws the lead laterality marker, "R" at the top-left or "L" at
// the top-right, with a one-pixel dark halo for contrast, and returns its
// box as [r0, r1, c0, c1).
func drawMarker(img []float32, S int, p film) [4]int {
	cell := max(1, S/64)
	gw, gh := 5*cell, 7*cell
	margin := max(2, S/24)
	r0 := margin + p.tokenShift[0]*cell
	c0 := margin + p.tokenShift[1]*cell
	if p.tokenRight {
		c0 = S - margin - p.tokenShift[1]*cell - gw
	}
	g := markerGlyphs[p.tokenRight]
	lvl := float32(p.tokenLevel)
	for gy := range gh {
		for gx := range gw {
			if g[gy/cell][gx/cell] == '#' {
				img[(r0+gy)*S+c0+gx] = lvl
			}
		}
	}
	return [4]int{r0, r0 + gh, c0, c0 + gw}
}

func sq(x float64) float64 { return x * x }

func smoothstep(t float64) float64 {
	t = clamp01(t)
	return t * t * (3 - 2*t)
}

// valueNoise fills dst (S×S) with smooth noise in about [−1, 1]: uniform
// values on a (g+1)×(g+1) lattice, interpolated with smoothstep weights.
func valueNoise(dst []float64, S, g int, rng *rand.Rand) {
	lat := make([]float64, (g+1)*(g+1))
	for j := range lat {
		lat[j] = 2*rng.Float64() - 1
	}
	// The lattice cell and weight of each column, the same for every row.
	cols := make([]int, S)
	wts := make([]float64, S)
	for x := range S {
		fx := (float64(x) + 0.5) / float64(S) * float64(g)
		ix := min(int(fx), g-1)
		cols[x], wts[x] = ix, smoothstep(fx-float64(ix))
	}
	for y := range S {
		fy := (float64(y) + 0.5) / float64(S) * float64(g)
		iy := min(int(fy), g-1)
		ty := smoothstep(fy - float64(iy))
		top, bot := lat[iy*(g+1):(iy+1)*(g+1)], lat[(iy+1)*(g+1):(iy+2)*(g+1)]
		out := dst[y*S : (y+1)*S]
		for x, ix := range cols {
			tx := wts[x]
			a := top[ix] + (top[ix+1]-top[ix])*tx
			b := bot[ix] + (bot[ix+1]-bot[ix])*tx
			out[x] = a + (b-a)*ty
		}
	}
}

// blur3 blurs the S×S image x in place with the separable kernel
// [1 2 1]/4, replicating edges; tmp is scratch of the same size.
func blur3(x, tmp []float64, S int) {
	for y := range S {
		row := x[y*S : (y+1)*S]
		for c := range S {
			l, r := row[max(0, c-1)], row[min(S-1, c+1)]
			tmp[y*S+c] = (l + 2*row[c] + r) / 4
		}
	}
	for y := range S {
		u, d := max(0, y-1), min(S-1, y+1)
		for c := range S {
			x[y*S+c] = (tmp[u*S+c] + 2*tmp[y*S+c] + tmp[d*S+c]) / 4
		}
	}
}

// powFrac returns the exponent that powNear1 takes for x**y, y in
// (0.5, 1.5]: y − 1, as math.Pow splits y into 1 + (y − 1).
func powFrac(y float64) float64 {
	_, f := math.Modf(y)
	if f > 0.5 {
		f--
	}
	return f
}

// frac07 is powFrac(0.7).
var frac07 = powFrac(0.7)

// pow07 returns math.Pow(x, 0.7) for x >= 0, bit for bit.
func pow07(x float64) float64 { return powNear1(x, 0.7, frac07) }

// powNear1 returns math.Pow(x, y) bit for bit, for x >= 0 and y in
// (0.5, 1.5] with yf = powFrac(y). math.Pow splits such a y into 1 + yf and
// returns Ldexp(Exp(yf·Log(x))·m, e) where x = m·2^e; for x whose result
// is a normal number that is Exp(yf·Log(x))·x, as scaling by a power of two
// commutes with rounding. The special cases, the splitting and Frexp and
// Ldexp cost as much again as Exp and Log in WebAssembly (TestPowNear1).
func powNear1(x, y, yf float64) float64 {
	if x == 0 { // outside the body
		return 0
	}
	if !(x >= 0x1p-900 && x <= 0x1p900) {
		return math.Pow(x, y)
	}
	return math.Exp(yf*math.Log(x)) * x
}
