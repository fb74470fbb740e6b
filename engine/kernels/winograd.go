package kernels

// Winograd F(2×2, 3×3) convolution (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016). A 3×3 stride-1 convolution computes
// each 2×2 block of outputs from the 4×4 block of inputs under it. Written in
// the transformed domain, that block is
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// with g the 3×3 filter, d the 4×4 input tile and
//
//	     ⎡1   0   0 ⎤        ⎡1  0 -1  0⎤
//	G  = ⎢½   ½   ½ ⎥   Bᵀ = ⎢0  1  1  0⎥   Aᵀ = ⎡1  1  1  0⎤
//	     ⎢½  -½   ½ ⎥        ⎢0 -1  1  0⎥        ⎣0  1 -1 -1⎦
//	     ⎣0   0   1 ⎦        ⎣0  1  0 -1⎦
//
// so 16 multiplies per tile and channel pair instead of 36 (2.25× fewer).
// Summed over input channels, the element-wise product at each of the 16
// positions ξ of the 4×4 tile becomes a matrix product over all channels and
// tiles at once:
//
//	U_ξ (OC×C)  = (G g Gᵀ)_ξ  for every filter
//	V_ξ (C×T)   = (Bᵀ d B)_ξ  for every input tile of every image
//	M_ξ (OC×T)  = U_ξ · V_ξ   (MatMulPacked, U packed once per transform)
//	Y           = Aᵀ M A      for every tile, added into y
//
// T counts the tiles of all n images, so the products stay wide even on 7×7
// maps when the images come in a batch. The tiles are processed in chunks of
// whole rows of tiles (winoChunk) so the transformed input and products (16·C
// and 16·OC values per tile) stay a few MiB whatever the batch.
//
// Transposed convolution (the input gradient). The gradient of a stride-1
// convolution with padding p is the convolution of dy with the filters
// transposed (C×OC) and rotated 180°, padding 2−p. Rotating g by 180° is
// J g J with J the 3×3 exchange matrix, and G J = P G with P the 4×4
// permutation that swaps rows 0 and 3 (G's middle rows are symmetric), so
//
//	G (J g J) Gᵀ = P (G g Gᵀ) Pᵀ:
//
// the rotated filters' transform is U with positions (i, j) renamed
// (σ(i), σ(j)), σ = (3 1 2 0), and transposed: the input gradient's products
// are M_ξ = U_σ(ξ)ᵀ · V_ξ, from the same U as the forward (packed transposed
// once, next to the forward's packing).
//
// Numerically the transforms cost a few rounding steps (the ½s of G are
// exact; the sums in B and A are not): the error against a float64 direct
// convolution is 0.6 to 2.5 times that of im2col + GEMM, both below 1e-6 of
// the output's scale (TestWinograd logs both).
//
// F(4×4, 3×3) (winograd4.go) computes 4×4 blocks of outputs from 6×6 tiles
// the same way, 36 products instead of 16 for four times the outputs; the
// geometry's tile size M, or WinogradTile at each call, says which one runs.

// WinogradWeights holds the transformed filters U of one 3×3 convolution,
// (M+2)² matrices of OC×C for each output tile size M (2 or 4) the calls
// have used, packed for the products (PackedA): U_ξ for the forward, and
// for the input gradient U_σ(ξ)ᵀ (M = 2) or the rotated filters'
// transform, transposed (M = 4; winograd4.go). Each form is packed on its
// first use after a transform (a forward-only user never holds the input
// gradient's; new filters' first input gradient runs on 2×2 tiles,
// WinogradConvBackInput), so that
// no call packs them again. Set keeps a copy of
// the filters they came from and redoes the transform only when the filters
// have changed; Transform redoes it unconditionally, for a caller that
// tracks changes itself.
type WinogradWeights struct {
	OC, C int
	// fwd[k] and bwd[k] are for tiles of 2k+2: U_ξ, OC×C, and the input
	// gradient's C×OC (the transposed convolution's position ξ).
	fwd, bwd     [2][]PackedA
	fwdOK, bwdOK [2]bool // whether each holds the transform of from
	filterSource
}

// filterSource is what WinogradWeights and Stride2Weights keep of their
// filters: those their forms are made from and Set's copy.
type filterSource struct {
	from  []float32 // the filters of the last transform
	src   []float32 // Set's copy of the filters, allocated by it
	valid bool      // from holds the filters
}

// set copies the first n values of w into src and makes them from, unless
// src already holds them (equal bit by bit) and from is valid; it reports
// whether it did. It panics if w is too short.
func (f *filterSource) set(w []float32, n int) bool {
	if len(w) < n {
		panic("kernels: Winograd weights too short")
	}
	w = w[:n]
	if f.valid && len(f.src) == n && SameBits(f.src, w) {
		return false
	}
	if len(f.src) != n {
		f.src = make([]float32, n)
	}
	copy(f.src, w)
	f.transform(f.src, n)
	return true
}

// transform makes the first n values of w from. It panics if w is too
// short.
func (f *filterSource) transform(w []float32, n int) {
	if len(w) < n {
		panic("kernels: Winograd weights too short")
	}
	f.from, f.valid = w[:n], true
}

// NewWinogradWeights returns an empty transform for OC filters of C×3×3.
// It panics if a dimension is not positive.
func NewWinogradWeights(oc, c int) *WinogradWeights {
	if oc <= 0 || c <= 0 {
		panic("kernels: invalid Winograd channels")
	}
	return &WinogradWeights{OC: oc, C: c}
}

// WinogradValues returns the float32 values a WinogradWeights for g keeps
// once the forward and the input gradient have run at every batch size
// from `from` images on: U packed for each tile size those calls use (the
// forward's 2×2, or g's tile size if g sets one; the input gradient's each
// size WinogradTile chooses for some batch of from to 64 images). The
// filters themselves are the caller's, or Set's copy, which this does not
// count.
func WinogradValues(g WinogradGeom, from int) int {
	fwd, back := [2]bool{}, [2]bool{}
	if g.M != 0 {
		fwd[g.M/2-1], back[g.M/2-1] = true, true
	} else {
		fwd[0] = true
		for n := max(from, 1); n <= 64; n++ {
			back[WinogradTile(g.OH, g.OW, n)/2-1] = true
		}
		back[0] = true // new filters' first input gradient (WinogradConvBackInput)
	}
	v := 0
	for k := range 2 {
		p := (2*k + 4) * (2*k + 4) // (m+2)² positions for m = 2k+2
		if fwd[k] {
			v += p * PackedValues(g.OC, g.C)
		}
		if back[k] {
			v += p * PackedValues(g.C, g.OC)
		}
	}
	return v
}

// Values returns the float32 values ww holds: its packed transforms and
// Set's copy of the filters.
func (ww *WinogradWeights) Values() int {
	n := len(ww.src)
	for k := range ww.fwd {
		for i := range ww.fwd[k] {
			n += ww.fwd[k][i].Values()
		}
		for i := range ww.bwd[k] {
			n += ww.bwd[k][i].Values()
		}
	}
	return n
}

// Set makes U the transform of w, OC×C×3×3, unless it already is (w equal to
// the filters of the last Set, compared bit by bit). It reports whether it
// transformed. It panics if w is too short.
func (ww *WinogradWeights) Set(w []float32) bool {
	if !ww.set(w, ww.OC*ww.C*9) {
		return false
	}
	ww.fwdOK, ww.bwdOK = [2]bool{}, [2]bool{}
	return true
}

// Transform makes U the transform of w, OC×C×3×3, reusing the storage of
// the last transform. Each form of U is made from w on its first use
// (forward, input gradient, for the tile size the call's geometry asks), so
// w must stay unchanged until the next Transform (the graph engine passes
// its own copy). It panics if w is too short.
func (ww *WinogradWeights) Transform(w []float32) {
	ww.transform(w, ww.OC*ww.C*9)
	ww.fwdOK, ww.bwdOK = [2]bool{}, [2]bool{}
}

// forms returns U packed for the forward (or, with back, the input
// gradient) of tiles of m×m outputs, transforming and packing it first if
// it is not. A layer that runs both tile sizes (7² maps at batch 1 and 2)
// keeps both forms.
func (ww *WinogradWeights) forms(m int, back bool) []PackedA {
	if !ww.valid {
		panic("kernels: Winograd weights used before Set or Transform")
	}
	k := m/2 - 1
	p, ok := &ww.fwd[k], &ww.fwdOK[k]
	if back {
		p, ok = &ww.bwd[k], &ww.bwdOK[k]
	}
	if !*ok {
		*p = ww.pack(*p, m, back)
		*ok = true
	}
	return *p
}

// pack transforms ww.from for tiles of m×m outputs straight into the
// packed layout (winogradPack): the forward's U_ξ or the input gradient's
// form, (m+2)² matrices in p, which it returns.
func (ww *WinogradWeights) pack(p []PackedA, m int, back bool) []PackedA {
	return winogradPack(p, ww.from, ww.OC, ww.C, m, back)
}

// SameBits reports whether a and b hold the same float32 bit patterns,
// value by value (so a NaN equals itself and −0 differs from +0: whatever
// could change a product's result is a difference). It panics if b is
// shorter than a.
func SameBits(a, b []float32) bool {
	return equalBits(a, b[:len(a)])
}

// WinogradWeightsTo writes into u (16×OC×C) the transforms G g Gᵀ of the
// filters w (OC×C×3×3): u[ξ·OC·C + o·C + c] is position ξ = 4i+j of filter
// (o, c)'s 4×4 transform. It panics if a slice is too short.
func WinogradWeightsTo(u, w []float32, oc, c int) {
	if len(u) < 16*oc*c || len(w) < oc*c*9 {
		panic("kernels: Winograd weight buffers too short")
	}
	S := oc * c
	for i := 0; i < 4; i++ {
		winogradRowTo(u[4*i*S:(4*i+4)*S], w, oc, c, i)
	}
}

// winogradRowTo writes row i of the transforms G g Gᵀ of the filters w
// (OC×C×3×3), positions 4i … 4i+3, into u: u[j·OC·C + p] is position 4i+j
// of filter p.
func winogradRowTo(u, w []float32, oc, c, i int) {
	S := oc * c
	u = u[:4*S]
	w = w[:9*S]
	for p := 0; p < S; p++ {
		g := w[p*9 : p*9+9]
		// Row i of t = G g (4×3): g0, (g0+g1+g2)/2, (g0−g1+g2)/2 or g2,
		// column by column, with gk row k of g.
		var t [3]float32
		for j := 0; j < 3; j++ {
			g0, g1, g2 := g[j], g[3+j], g[6+j]
			switch i {
			case 0:
				t[j] = g0
			case 1:
				t[j] = 0.5 * (g0 + g1 + g2)
			case 2:
				t[j] = 0.5 * (g0 - g1 + g2)
			default:
				t[j] = g2
			}
		}
		// Row i of U = t Gᵀ: the same combination along the row.
		r0, r1, r2 := t[0], t[1], t[2]
		u[p] = r0
		u[S+p] = 0.5 * (r0 + r1 + r2)
		u[2*S+p] = 0.5 * (r0 - r1 + r2)
		u[3*S+p] = r2
	}
}

// WinogradGeom is the geometry of a 3×3, stride-1 convolution with Pad zeros
// on every side over C×H×W images, giving OC×OH×OW outputs, cut into TH×TW
// output tiles of M×M, M = 2 for F(2×2, 3×3) or 4 for F(4×4, 3×3) (the
// last row and column of tiles partial when M does not divide OH or OW).
// M = 0 (NewWinogradGeom) leaves the tile size to each call: 2 for the
// forward, WinogradTile's for the input gradient's batch (see tiled); TH
// and TW are then 0.
type WinogradGeom struct {
	C, OC, H, W, Pad int
	OH, OW, TH, TW   int
	M                int
}

// NewWinogradGeom returns the geometry of a 3×3 stride-1 convolution of C
// channels to OC with padding pad ≤ 2 over H×W images, whose tile size each
// call chooses (M = 0). It panics if the filter does not fit
// the padded image or pad is out of range.
func NewWinogradGeom(c, oc, h, w, pad int) WinogradGeom {
	g := NewWinogradGeomTile(c, oc, h, w, pad, 2)
	g.M, g.TH, g.TW = 0, 0, 0
	return g
}

// NewWinogradGeomTile is NewWinogradGeom with output tiles of m×m, m = 2
// or 4, whatever WinogradTile says. It panics if m is neither.
func NewWinogradGeomTile(c, oc, h, w, pad, m int) WinogradGeom {
	if c <= 0 || oc <= 0 || h <= 0 || w <= 0 || pad < 0 || pad > 2 || (m != 2 && m != 4) {
		panic("kernels: invalid Winograd geometry")
	}
	g := WinogradGeom{C: c, OC: oc, H: h, W: w, Pad: pad, OH: h + 2*pad - 2, OW: w + 2*pad - 2, M: m}
	if g.OH <= 0 || g.OW <= 0 {
		panic("kernels: 3×3 filter larger than the padded image")
	}
	g.TH, g.TW = (g.OH+m-1)/m, (g.OW+m-1)/m
	return g
}

// tiled returns g with the tile size for a call on n images: g's own, or,
// if g leaves it open, 2 for the forward and WinogradTile's for the input
// gradient (back). The forward keeps F(2×2, 3×3) because its values decide
// what the gradient inherits: which units a ReLU passes and which input a
// max-pool picks. F(4×4, 3×3)'s rounding, 2–6e-6 of a layer's scale against
// F(2×2, 3×3)'s 3–7e-7, flips enough of those near-ties in ResNet-18 to move
// its input gradient by 1.1 % of its largest value against PyTorch's (0.03 %
// with F(2×2, 3×3) forwards; TestPyTorchClassifiers allows 0.3 %), even when
// only the four 56² layers use it (0.9 %). In the input gradient the same
// rounding only adds to the result.
func (g WinogradGeom) tiled(n int, back bool) WinogradGeom {
	if g.M != 0 {
		return g
	}
	m := 2
	if back {
		m = WinogradTile(g.OH, g.OW, n)
	}
	return NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, m)
}

// WinogradTile returns the output tile size for a call on n images with
// OH×OW outputs each: 4, F(4×4, 3×3), when its products, counted in whole
// panels of 8 tiles (the width of the products' micro-kernel) over the
// batch, are fewer than F(2×2, 3×3)'s (36 positions × ⌈tiles/8⌉ against
// 16 × ⌈tiles/8⌉), else 2. The count predicts BenchmarkWinograd4 (wasm
// SIMD) within about 15 %: F(4×4, 3×3) ran 1.4–1.5× as fast at 56² and
// 28², 1.4× at 14², 1.1× at 12² (nine tiles of 4×4 fill two panels),
// 0.8–0.9× at 10², 8² and 7² on one image (four tiles: half a panel), and
// 1.6× at 7² on two. So ResNet-18's input gradients run F(4×4, 3×3) on
// the 56², 28² and 14² layers, and on the 7² ones from batch 2.
func WinogradTile(oh, ow, n int) int {
	panels := func(m int) int { return (n*((oh+m-1)/m)*((ow+m-1)/m) + 7) / 8 }
	if 36*panels(4) < 16*panels(2) {
		return 4
	}
	return 2
}

// Pays reports whether WinogradConv (or its input gradient) on n images is
// expected to be faster than im2col + MatMulPacked (both with their filters
// packed once), by the rule BenchmarkWinograd measured in wasm with SIMD
// (docs/performance.md, "Winograd F(2×2, 3×3)"): both channel counts at
// least 64, and at least 16 tiles over the batch. With fewer channels the
// transforms, which cost the same per tile and channel whatever C and OC,
// outweigh the products' savings (32 channels run 0.55–0.85× as fast, 8 to
// 16 channels 0.4–0.8×, one input channel 0.2×). 512 channels at 7×7 and
// n = 1, 16 tiles, run 1.27–1.40× as fast now that U stays packed (they
// lost, 0.7–1.1×, while it was packed per call); fewer tiles are not
// measured.
func (g WinogradGeom) Pays(n int) bool {
	return g.C >= 64 && g.OC >= 64 && n*((g.OH+1)/2)*((g.OW+1)/2) >= 16 // tiles of 2×2
}

// winoChunk returns how many rows of tiles to transform and multiply at
// once: about 2^20 / (P·channels) tiles, so that V and M (P values per tile
// and channel, P = 16 or 36) stay about 4 MiB each whatever the batch, but
// at least 256 tiles, which keeps the products' N dimension wide, and whole
// rows.
func winoChunk(p, channels, tw, rows int) int {
	tb := max(256, (1<<20)/(p*channels))
	return min(max(1, tb/tw), rows)
}

// winoScratch holds V, M and the row buffers of one call.
type winoScratch struct {
	v, m, rows []float32
}

var winoScratches freeList[winoScratch]

func getWinoScratch(nv, nm, nr int) *winoScratch {
	s := winoScratches.get()
	s.v = grow32(s.v, nv)
	s.m = grow32(s.m, nm)
	s.rows = grow32(s.rows, nr)
	return s
}

func putWinoScratch(s *winoScratch) { winoScratches.put(s) }

func grow32(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// WinogradConv adds into y (n×OC×OH×OW) the convolution of x (n×C×H×W) with
// the filters whose transform is u (u.OC = g.OC, u.C = g.C), 3×3, stride 1,
// padding g.Pad: y[e,o] += Σ_c x[e,c] ⋆ w[o,c]. The caller fills y first
// (with the bias, or zeros). It panics if a dimension does not match.
func WinogradConv(y, x []float32, n int, u *WinogradWeights, g WinogradGeom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	g = g.tiled(n, false)
	winograd(y, x, n, u.forms(g.M, false), g)
}

// WinogradConvBackInput adds into dx (n×C×H×W) the input gradient of the
// convolution that g describes, from dy (n×OC×OH×OW): the convolution of dy
// with the filters transposed and rotated 180°, padding 2 − g.Pad, computed
// from the forward transform u (see the file's comment). It panics if a
// dimension does not match.
func WinogradConvBackInput(dx, dy []float32, n int, u *WinogradWeights, g WinogradGeom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	chosen := g.M == 0
	g = g.tiled(n, true)
	if chosen && g.M == 4 && u.bwdOK == [2]bool{} { // no input gradient since the transform
		// New filters' first input gradient runs F(2×2, 3×3): F(4×4, 3×3)'s
		// filter transform (float64, about twice F(2×2, 3×3)'s: about 25 ms
		// in wasm for 512×512 filters) pays back over the many passes of one
		// saliency map, not in a training step, whose filters change after
		// its one input gradient.
		g = NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, 2)
	}
	back := NewWinogradGeomTile(g.OC, g.C, g.OH, g.OW, 2-g.Pad, g.M)
	if back.OH != g.H || back.OW != g.W {
		panic("kernels: Winograd input gradient geometry") // cannot happen for stride 1
	}
	winograd(dx, dy, n, u.forms(g.M, true), back)
}

// sigma renames a transform position for the rotated filters: rows and
// columns 0 and 3 swap.
var sigma = [4]int{3, 1, 2, 0}

// winograd adds the convolution g describes of x into y, whose transformed
// filters are u, (M+2)² packed matrices of OC×C.
func winograd(y, x []float32, n int, u []PackedA, g WinogradGeom) {
	if n <= 0 {
		if n < 0 {
			panic(errDims)
		}
		return
	}
	if len(x) < n*g.C*g.H*g.W || len(y) < n*g.OC*g.OH*g.OW {
		panic("kernels: Winograd buffer too short")
	}
	P := (g.M + 2) * (g.M + 2) // positions of a tile
	input, output, nbuf := winoInput, winoOutput, winoInputBuf(g)
	if g.M == 4 {
		input, output, nbuf = wino4Input, wino4Output, wino4InputBuf(g)
	}
	R := n * g.TH // rows of tiles over all images
	rb := winoChunk(P, max(g.C, g.OC), g.TW, R)
	s := getWinoScratch(P*g.C*rb*g.TW, P*g.OC*rb*g.TW, nbuf)
	defer putWinoScratch(s)
	for r0 := 0; r0 < R; r0 += rb {
		nr := min(rb, R-r0)
		nt := nr * g.TW
		v, m := s.v[:P*g.C*nt], s.m[:P*g.OC*nt]
		input(v, x, r0, nr, s.rows, g)
		clear(m)
		for xi := 0; xi < P; xi++ {
			mx := m[xi*g.OC*nt : (xi+1)*g.OC*nt]
			vx := v[xi*g.C*nt : (xi+1)*g.C*nt]
			MatMulPacked(mx, &u[xi], vx, g.OC, g.C, nt)
		}
		output(y, m, r0, nr, s.rows, g)
	}
}

// winoInput writes V = Bᵀ d B of the tiles of rows r0 … r0+nr−1 (over all
// images: row r is tile row r mod TH of image r / TH) and every channel into
// v, 16×C×nt with nt = nr·TW: v[ξ·C·nt + c·nt + t]. For each channel of an
// image it first splits every input row its tiles read into its even and odd
// columns (splitRow), once: two neighbouring rows of tiles share two input
// rows. The padding is zeros that buf keeps from one clear per call, since
// every row writes the same positions. Per row of tiles it then applies Bᵀ
// down the four split rows it reads and B along each tile's four columns,
// which are even, odd, even, odd columns t, t, t+1, t+1 of the split rows
// (winoTileRow): every step is an element-wise operation on whole rows,
// four tiles at a time with wasm SIMD (winograd_simd.go), with no shuffle.
// buf holds winoInputBuf(g) values.
func winoInput(v, x []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	CS := g.C * nt
	h := g.TW + 1 // even (and odd) columns of the width 2·TW + 2 the tiles read
	plane := g.H * g.W
	pr := 2*g.TH + 2 // padded rows the tiles read: input rows −Pad … 2·TH + 1 − Pad
	// Padded row k: even columns at buf[2k·h:], odd at buf[(2k+1)·h:].
	split := buf[:2*pr*h]
	clear(split)
	row := func(s []float32, k int) []float32 { return s[k*h : (k+1)*h] }
	for c := 0; c < g.C; c++ {
		for r := 0; r < nr; {
			e, ty0 := (r0+r)/g.TH, (r0+r)%g.TH
			ty1 := min(g.TH, ty0+nr-r) // this image's rows of tiles in the chunk: ty0 … ty1−1
			for k := 2 * ty0; k < 2*ty1+2; k++ {
				if yy := k - g.Pad; yy >= 0 && yy < g.H {
					off := (e*g.C+c)*plane + yy*g.W
					splitRow(row(split, 2*k), row(split, 2*k+1), x[off:off+g.W], g.Pad)
				}
			}
			for ty := ty0; ty < ty1; ty, r = ty+1, r+1 {
				// Padded rows 2ty … 2ty+3, even and odd: 8 rows of h from 4ty·h.
				winoTileRow(v, CS, c*nt+r*g.TW, g.TW, split[4*ty*h:(4*ty+8)*h])
			}
		}
	}
}

// winoInputBuf returns the values winoInput's buf holds for g: the padded
// rows the tiles read, split.
func winoInputBuf(g WinogradGeom) int { return 2 * (2*g.TH + 2) * (g.TW + 1) }

// splitRow writes the even and odd columns of an image row padded by pad
// zeros on the left into ev and od: ev[k] is padded column 2k, input column
// 2k − pad; od[k] is 2k + 1 − pad. Input column j lands at padded column
// j + pad, so the even input columns all go to one of ev and od (by pad's
// parity) from index ⌊pad/2⌋, the odd ones to the other from ⌊(pad+1)/2⌋.
// It writes only those positions, the same for every row of a width: the
// padding's zeros are the caller's.
func splitRow(ev, od, src []float32, pad int) {
	even, odd := ev, od
	if pad&1 == 1 {
		even, odd = od, ev
	}
	even, odd = even[pad>>1:], odd[(pad+1)>>1:]
	n := len(src)
	even, odd = even[:(n+1)/2], odd[:n/2]
	for i := splitVec(even, odd, src); i < len(odd); i++ {
		even[i], odd[i] = src[2*i], src[2*i+1]
	}
	if n&1 == 1 {
		even[n/2] = src[n-1]
	}
}

// winoTileRow writes V = Bᵀ d B of a row of tw tiles, position (i, j) of
// tile t to v[(4i+j)·cs + o + t], from the four input rows it reads split
// into their even and odd columns, sp holding, tw+1 values each, even row 0,
// odd row 0, even row 1, … odd row 3: tile t's columns are even t, odd t,
// even t+1, odd t+1. Bᵀ down the rows, b0 = d0 − d2, b1 = d1 + d2,
// b2 = d2 − d1, b3 = d1 − d3, then B along row i of that, with q0 … q3 its
// four columns: v0 = q0 − q2, v1 = q1 + q2, v2 = q2 − q1, v3 = q1 − q3.
// Both in registers, four tiles at a time with wasm SIMD (winoTileRowVec).
// It takes offsets rather than sixteen output slices: on rows of 4 to 28
// tiles, making those cost as much as the arithmetic.
func winoTileRow(v []float32, cs, o, tw int, sp []float32) {
	h := tw + 1
	sp = sp[:8*h]
	for t := winoTileRowVec(v, cs, o, tw, sp); t < tw; t++ {
		// Bᵀ d at columns 2t, 2t+1, 2t+2, 2t+3: even t, odd t, even t+1, odd t+1.
		var b [4][4]float32
		for k, off := range [4]int{t, h + t, t + 1, h + t + 1} {
			d0, d1, d2, d3 := sp[off], sp[2*h+off], sp[4*h+off], sp[6*h+off]
			b[0][k], b[1][k], b[2][k], b[3][k] = d0-d2, d1+d2, d2-d1, d1-d3
		}
		for i, q := range b {
			out := v[4*i*cs+o+t:]
			out[0] = q[0] - q[2]
			out[cs] = q[1] + q[2]
			out[2*cs] = q[2] - q[1]
			out[3*cs] = q[1] - q[3]
		}
	}
}

// winoOutput adds Y = Aᵀ M A of the tiles of rows r0 … r0+nr−1 and every
// output channel into y, only the outputs inside OH×OW for the partial tiles
// of odd sizes. It overwrites m: Aᵀ M goes into rows 0 and 1 of M's
// positions (i, j) (position 4i+j), then Aᵀ M A into positions (0, 0),
// (0, 1), (1, 0) and (1, 1), each step one element-wise operation over all
// tiles and channels of the chunk (wino2A, four values at a time with wasm
// SIMD), and from there each tile's two columns are added, interleaved, into
// y's two rows (addInterleaved).
func winoOutput(y, m []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	OS := g.OC * nt
	plane := g.OH * g.OW
	pos := func(i, j int) []float32 { return m[(4*i+j)*OS : (4*i+j+1)*OS] }
	for j := 0; j < 4; j++ { // down column j
		wino2A(pos(0, j), pos(1, j), pos(0, j), pos(1, j), pos(2, j), pos(3, j))
	}
	for i := 0; i < 2; i++ { // along row i
		wino2A(pos(i, 0), pos(i, 1), pos(i, 0), pos(i, 1), pos(i, 2), pos(i, 3))
	}
	full := g.OW / 2 // tiles with both columns inside
	TW := g.TW
	for o := 0; o < g.OC; o++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			k := o*nt + r*TW
			for i := 0; i < 2 && 2*ty+i < g.OH; i++ {
				off := (e*g.OC+o)*plane + (2*ty+i)*g.OW
				yr := y[off : off+g.OW]
				y0, y1 := pos(i, 0)[k:k+TW], pos(i, 1)[k:k+TW]
				if full >= 8 {
					addInterleaved(yr[:2*full], y0[:full], y1[:full])
				} else { // a call costs more than it saves on short rows
					for t := 0; t < full; t++ {
						yr[2*t] += y0[t]
						yr[2*t+1] += y1[t]
					}
				}
				if full < TW {
					yr[2*full] += y0[full]
				}
			}
		}
	}
}

// wino2A applies F(2×2, 3×3)'s Aᵀ to the four rows m, element by element,
// into y: y0 = m0 + m1 + m2, y1 = m1 − m2 − m3. y0 and y1 may be m0 and m1
// (in place): every output reads only its own index, and all of an index's
// inputs are read before its outputs are written.
func wino2A(y0, y1, m0, m1, m2, m3 []float32) {
	n := len(y0)
	y1, m0, m1, m2, m3 = y1[:n], m0[:n], m1[:n], m2[:n], m3[:n]
	for j := wino2AVec(y0, y1, m0, m1, m2, m3); j < n; j++ {
		a0, a1, a2, a3 := m0[j], m1[j], m2[j], m3[j]
		y0[j] = a0 + a1 + a2
		y1[j] = a1 - a2 - a3
	}
}

// addInterleaved adds a and b, interleaved, into y: y[2t] += a[t],
// y[2t+1] += b[t], eight values at a time with wasm SIMD.
func addInterleaved(y, a, b []float32) {
	n := len(a)
	y, b = y[:2*n], b[:n]
	for t := addInterleavedVec(y, a, b); t < n; t++ {
		y[2*t] += a[t]
		y[2*t+1] += b[t]
	}
}
