package kernels

// Winograd for 3×3 convolutions of stride 2 (ResNet's downsampling
// convolutions), by their phases. With d the padded input, an output
//
//	y[i][j] = Σ_ab g[a][b] d[2i+a][2j+b]
//
// reads even rows through the filter's rows 0 and 2 and odd rows through
// row 1, and likewise for columns, so it is the sum of four stride-1
// convolutions over the four phases of d (even or odd rows × even or odd
// columns): a 2×2 filter (g00 g02; g20 g22) over the even-even phase, 2×1
// (g01; g21) over even rows and odd columns, 1×2 (g10 g12) over odd rows
// and even columns, and 1×1 (g11) over the odd-odd phase. A block of 4×4
// outputs reads a 9×9 tile of d (padded rows and columns 8t … 8t+8, tiles
// overlapping by one), whose phases are 5×5, 5×4, 4×5 and 4×4. Each 2-tap
// direction runs F(4, 2), the 1-tap ones are the identity:
//
//	Y = Aᵀ[(G g_ee Gᵀ) ⊙ (Bᵀ E B)]A + Aᵀ[(G g_eo) ⊙ (Bᵀ EO)]
//	  + [(g_oe Gᵀ) ⊙ (OE B)]A + g11·OO
//
// with the Toom-Cook matrices of F(4, 2) for the points 0, 1, −1, 2, ∞:
//
//	     ⎡1/2    0 ⎤        ⎡2 -1 -2  1  0⎤
//	     ⎢1/2  1/2 ⎥        ⎢0  2  1 -1  0⎥        ⎡1  1  1  1  0⎤
//	G  = ⎢1/6 -1/6 ⎥   Bᵀ = ⎢0 -2  3 -1  0⎥   Aᵀ = ⎢0  1 -1  2  0⎥
//	     ⎢1/6  1/3 ⎥        ⎢0 -1  0  1  0⎥        ⎢0  1  1  4  0⎥
//	     ⎣ 0    1  ⎦        ⎣0  2 -1 -2  1⎦        ⎣0  1 -1  8  1⎦
//
// (Aᵀ: the points' powers; Bᵀ the inverse of the points' Vandermonde
// matrix, transposed, each row scaled to integers and G's row by the
// inverse.) So 25 + 20 + 20 + 16 = 81 multiplies per tile and channel pair
// for 16 outputs instead of 144 (0.5625 of im2col + GEMM's), as products
// over all channels and tiles, as in winograd.go. The positions whose
// filters are the same share one product: the 5×4 even-odd positions (i, q)
// all multiply by (G g_eo)_i, so the four q's tiles form one product of
// 4·T columns, and so on: 36 products, 25 of T columns (even-even), 10 of
// 4·T (even-odd, odd-even) and one of 16·T (odd-odd), and 36 packed filter
// matrices, as F(4×4, 3×3) keeps.
//
// The input gradient is the transposed algorithm (Winograd's transposition
// principle): the output gradient's 4×4 tiles go through A (5×4) where the
// forward's outputs came out of Aᵀ, the products take the same filters
// transposed (C×OC), and B replaces Bᵀ, giving each 9×9 input tile's
// gradient, added into dx (neighbouring tiles overlap by a row and a
// column, and add there).
//
// V and M hold the 81 positions per channel and tile in four parts:
// even-even position (i, j) at (5i+j)·ch·nt + c·nt + t; even-odd (i, q) at
// 25·ch·nt + i·4·ch·nt + c·4nt + q·nt + t; odd-even (p, j) at
// 45·ch·nt + j·4·ch·nt + c·4nt + p·nt + t; odd-odd (p, q) at
// 65·ch·nt + c·16nt + (4p+q)·nt + t (ch channels, nt tiles).

// Stride2Geom is the geometry of a 3×3, stride-2 convolution with Pad zeros
// on every side over C×H×W images, giving OC×OH×OW outputs, cut into TH×TW
// tiles of 4×4 outputs (the last row and column partial when 4 does not
// divide OH or OW).
type Stride2Geom struct {
	C, OC, H, W, Pad int
	OH, OW, TH, TW   int
}

// NewStride2Geom returns the geometry of a 3×3 stride-2 convolution of C
// channels to OC with padding pad ≤ 2 over H×W images. It panics if the
// filter does not fit the padded image or a dimension is out of range.
func NewStride2Geom(c, oc, h, w, pad int) Stride2Geom {
	if c <= 0 || oc <= 0 || h <= 0 || w <= 0 || pad < 0 || pad > 2 {
		panic("kernels: invalid stride-2 Winograd geometry")
	}
	if h+2*pad < 3 || w+2*pad < 3 {
		panic("kernels: 3×3 filter larger than the padded image")
	}
	g := Stride2Geom{C: c, OC: oc, H: h, W: w, Pad: pad, OH: (h+2*pad-3)/2 + 1, OW: (w+2*pad-3)/2 + 1}
	g.TH, g.TW = (g.OH+3)/4, (g.OW+3)/4
	return g
}

// Pays reports whether the stride-2 Winograd path on n images is expected
// to be faster than im2col + MatMulPacked: both channel counts at least 64,
// as for WinogradGeom.Pays, and at least 8 tiles over the batch
// (docs/performance.md, "Stride-2 3×3 convolutions by their phases").
func (g Stride2Geom) Pays(n int) bool {
	return g.C >= 64 && g.OC >= 64 && n*g.TH*g.TW >= 8
}

// Stride2Weights holds the transformed filters of one 3×3 stride-2
// convolution, packed for the products: 36 matrices OC×C for the forward
// and, on the first input gradient, the same transposed (C×OC). Set and
// Transform work as WinogradWeights' do.
type Stride2Weights struct {
	OC, C        int
	fwd, bwd     []PackedA // the 36 forward (OC×C) and input-gradient (C×OC) matrices
	fwdOK, bwdOK bool      // whether each holds the transform of from
	filterSource
}

// NewStride2Weights returns an empty transform for OC filters of C×3×3. It
// panics if a dimension is not positive.
func NewStride2Weights(oc, c int) *Stride2Weights {
	if oc <= 0 || c <= 0 {
		panic("kernels: invalid Winograd channels")
	}
	return &Stride2Weights{OC: oc, C: c}
}

// Stride2Values returns the float32 values a Stride2Weights for g keeps
// once both the forward and the input gradient have run.
func Stride2Values(g Stride2Geom) int {
	return 36 * (PackedValues(g.OC, g.C) + PackedValues(g.C, g.OC))
}

// Values returns the float32 values ww holds: its packed transforms and
// Set's copy of the filters.
func (ww *Stride2Weights) Values() int {
	n := len(ww.src)
	for i := range ww.fwd {
		n += ww.fwd[i].Values()
	}
	for i := range ww.bwd {
		n += ww.bwd[i].Values()
	}
	return n
}

// Set makes the transform that of w, OC×C×3×3, unless it already is (w
// equal bit by bit to the filters of the last Set). It reports whether it
// transformed. It panics if w is too short.
func (ww *Stride2Weights) Set(w []float32) bool {
	if !ww.set(w, ww.OC*ww.C*9) {
		return false
	}
	ww.fwdOK, ww.bwdOK = false, false
	return true
}

// Transform makes the transform that of w, OC×C×3×3, each form made on its
// first use, so w must stay unchanged until the next Transform. It panics
// if w is too short.
func (ww *Stride2Weights) Transform(w []float32) {
	ww.transform(w, ww.OC*ww.C*9)
	ww.fwdOK, ww.bwdOK = false, false
}

// forms returns the forward's (or with back the input gradient's) packed
// filters, making them first if they are not.
func (ww *Stride2Weights) forms(back bool) []PackedA {
	if !ww.valid {
		panic("kernels: Winograd weights used before Set or Transform")
	}
	p, ok := &ww.fwd, &ww.fwdOK
	if back {
		p, ok = &ww.bwd, &ww.bwdOK
	}
	if !*ok {
		*p = stride2Pack(*p, ww.from, ww.OC, ww.C, back)
		*ok = true
	}
	return *p
}

// s2G is F(4, 2)'s G, by row.
var s2G = [5][2]float64{{0.5, 0}, {0.5, 0.5}, {1.0 / 6, -1.0 / 6}, {1.0 / 6, 1.0 / 3}, {0, 1}}

// stride2Filter writes the 36 distinct transformed values of the filter w
// (3×3) into u: the even-even G g_ee Gᵀ at 5i+j, the even-odd (G g_eo)_i at
// 25+i, the odd-even (G g_oe)_j at 30+j and g11 at 35, computed in float64
// and rounded once (1/6 and 1/3 are not exact in binary).
func stride2Filter(u *[36]float32, w *[9]float32) {
	var t [5][2]float64 // G g_ee
	for i, gr := range s2G {
		for b := range 2 {
			t[i][b] = gr[0]*float64(w[2*b]) + gr[1]*float64(w[6+2*b])
		}
	}
	for i := range 5 {
		for j, gr := range s2G {
			u[5*i+j] = float32(t[i][0]*gr[0] + t[i][1]*gr[1])
		}
		u[25+i] = float32(s2G[i][0]*float64(w[1]) + s2G[i][1]*float64(w[7]))
		u[30+i] = float32(s2G[i][0]*float64(w[3]) + s2G[i][1]*float64(w[5]))
	}
	u[35] = w[4]
}

// stride2Pack transforms the filters w (OC×C×3×3) and packs the 36
// matrices into p, which it returns: OC×C for the forward, C×OC with back.
// Each value goes straight to its place in Pack's layout (panels of 4
// rows, blocks of kcBlock steps).
func stride2Pack(p []PackedA, w []float32, oc, c int, back bool) []PackedA {
	if len(p) != 36 {
		p = make([]PackedA, 36)
	}
	t := defaultTile
	if t.mr != 4 {
		panic("kernels: stride2Pack needs panels of 4 rows")
	}
	rm, k := oc, c
	if back {
		rm, k = c, oc
	}
	var d [36][]float32
	for i := range p {
		d[i] = p[i].packedReset(rm, k, t)
		clear(d[i]) // the last panel's rows past rm
	}
	rows := (rm + 3) &^ 3
	w = w[:9*oc*c]
	var u [36]float32
	for o := 0; o < oc; o++ {
		for ci := 0; ci < c; ci++ {
			f := o*c + ci
			stride2Filter(&u, (*[9]float32)(w[9*f:9*f+9]))
			row, col := o, ci
			if back {
				row, col = ci, o
			}
			k0 := col - col%kcBlock
			kc := min(kcBlock, k-k0)
			off := rows*k0 + (row&^3)*kc + 4*(col-k0) + row&3
			for i := range d {
				d[i][off] = u[i]
			}
		}
	}
	return p
}

// F(4, 2)'s three transforms on one line of values (inlined).

// s2Bt returns Bᵀ·(d0 … d4).
func s2Bt(d0, d1, d2, d3, d4 float32) (b0, b1, b2, b3, b4 float32) {
	return 2*(d0-d2) + (d3 - d1), 2*d1 + (d2 - d3), 3*d2 - 2*d1 - d3, d3 - d1, 2*(d1-d3) + (d4 - d2)
}

// s2At returns Aᵀ·(m0 … m4).
func s2At(m0, m1, m2, m3, m4 float32) (y0, y1, y2, y3 float32) {
	s, d := m1+m2, m1-m2
	return m0 + s + m3, d + 2*m3, s + 4*m3, d + 8*m3 + m4
}

// s2A returns A·(y0 … y3), Aᵀ's transpose (the input gradient's).
func s2A(y0, y1, y2, y3 float32) (a0, a1, a2, a3, a4 float32) {
	s, d := y0+y2, y1+y3
	return y0, s + d, s - d, y0 + 2*y1 + 4*y2 + 8*y3, y3
}

// s2B returns B·(m0 … m4), Bᵀ's transpose (the input gradient's).
func s2B(m0, m1, m2, m3, m4 float32) (e0, e1, e2, e3, e4 float32) {
	return 2 * m0, 2*(m1-m2+m4) - m0 - m3, m1 + 3*m2 - 2*m0 - m4, (m0 + m3) - (m1 + m2) - 2*m4, m4
}

// Stride2Conv adds into y (n×OC×OH×OW) the convolution of x (n×C×H×W) with
// the filters whose transform is u, 3×3, stride 2, padding g.Pad. The
// caller fills y first (bias or zeros). It panics if a dimension does not
// match.
func Stride2Conv(y, x []float32, n int, u *Stride2Weights, g Stride2Geom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	if n < 0 {
		panic(errDims)
	}
	if len(x) < n*g.C*g.H*g.W || len(y) < n*g.OC*g.OH*g.OW {
		panic("kernels: Winograd buffer too short")
	}
	stride2(y, x, n, u.forms(false), g, false)
}

// Stride2ConvBackInput adds into dx (n×C×H×W) the input gradient of the
// convolution g describes, from dy (n×OC×OH×OW), computed from the
// transform u. It panics if a dimension does not match.
func Stride2ConvBackInput(dx, dy []float32, n int, u *Stride2Weights, g Stride2Geom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	if n < 0 {
		panic(errDims)
	}
	if len(dx) < n*g.C*g.H*g.W || len(dy) < n*g.OC*g.OH*g.OW {
		panic("kernels: Winograd buffer too short")
	}
	stride2(dx, dy, n, u.forms(true), g, true)
}

// Stride2ConvNaive is the reference for Stride2Conv, from the filters w
// (OC×C×3×3) themselves: the direct convolution, each output's sum over
// channels and taps added into y.
func Stride2ConvNaive(y, x, w []float32, n int, g Stride2Geom) {
	stride2Naive(g, n, func(yi, xi, wi int) { y[yi] += w[wi] * x[xi] })
}

// Stride2ConvBackInputNaive is the reference for Stride2ConvBackInput:
// every output gradient times each tap, added into the input it read.
func Stride2ConvBackInputNaive(dx, dy, w []float32, n int, g Stride2Geom) {
	stride2Naive(g, n, func(yi, xi, wi int) { dx[xi] += w[wi] * dy[yi] })
}

// stride2Naive calls f with the indices of each output, input and filter
// tap that meet in the convolution g describes, taps inside the image only.
func stride2Naive(g Stride2Geom, n int, f func(yi, xi, wi int)) {
	for e := 0; e < n; e++ {
		for o := 0; o < g.OC; o++ {
			for i := 0; i < g.OH; i++ {
				for j := 0; j < g.OW; j++ {
					yi := ((e*g.OC+o)*g.OH+i)*g.OW + j
					for c := 0; c < g.C; c++ {
						for a := 0; a < 3; a++ {
							for b := 0; b < 3; b++ {
								ii, jj := 2*i-g.Pad+a, 2*j-g.Pad+b
								if ii >= 0 && ii < g.H && jj >= 0 && jj < g.W {
									f(yi, ((e*g.C+c)*g.H+ii)*g.W+jj, ((o*g.C+c)*3+a)*3+b)
								}
							}
						}
					}
				}
			}
		}
	}
}

// winoS2Rows, when positive, overrides how many rows of tiles one chunk of
// stride2 covers (stride2Chunk's choice otherwise), so that tests can run
// chunks that start and end mid-image.
var winoS2Rows = 0

// stride2Chunk returns how many of the R rows of tiles stride2 transforms
// and multiplies at once: about 2^20 / (81·max(C, OC)) tiles, at least one
// row, so that V and M (81 values per tile and channel) stay about 4 MiB
// each. Unlike winoChunk it sets no floor of 256 tiles, which for 256 → 512
// channels made them about 60 MiB together, kept between calls; the narrower
// products cost nothing measurable: the forward and input gradient of
// 64 → 128 at 112² (98 tiles a chunk instead of 252), 128 → 256 at 56² and
// 28² and 256 → 512 at 28² and 14², batches of 2 and 8, ran in 0.93 to
// 1.00 of the time with wasm SIMD.
func stride2Chunk(g Stride2Geom, R int) int {
	if winoS2Rows > 0 {
		return min(winoS2Rows, R)
	}
	tiles := (1 << 20) / (81 * max(g.C, g.OC))
	return min(max(1, tiles/g.TW), R)
}

// stride2 runs the forward (back false: x → y) or the input gradient
// (back: dy → dx) chunk by chunk of rows of tiles.
func stride2(out, in []float32, n int, u []PackedA, g Stride2Geom, back bool) {
	if n == 0 {
		return
	}
	cin, cout := g.C, g.OC
	if back {
		cin, cout = g.OC, g.C
	}
	R := n * g.TH
	rb := stride2Chunk(g, R)
	W9 := 8*g.TW + 1 // padded columns the tiles cover
	s := getWinoScratch(81*cin*rb*g.TW, 81*cout*rb*g.TW, (9+g.C)*W9)
	defer putWinoScratch(s)
	for r0 := 0; r0 < R; r0 += rb {
		nr := min(rb, R-r0)
		nt := nr * g.TW
		v, m := s.v[:81*cin*nt], s.m[:81*cout*nt]
		if back {
			s2GradIn(v, in, r0, nr, s.rows, g)
		} else {
			s2Input(v, in, r0, nr, s.rows, g)
		}
		clear(m)
		vs, ms := cin*nt, cout*nt
		for xi := 0; xi < 25; xi++ {
			MatMulPacked(m[xi*ms:(xi+1)*ms], &u[xi], v[xi*vs:(xi+1)*vs], cout, cin, nt)
		}
		for i := 0; i < 10; i++ { // even-odd, then odd-even
			mo, vo := 25*ms+4*i*ms, 25*vs+4*i*vs
			MatMulPacked(m[mo:mo+4*ms], &u[25+i], v[vo:vo+4*vs], cout, cin, 4*nt)
		}
		MatMulPacked(m[65*ms:81*ms], &u[35], v[65*vs:81*vs], cout, cin, 16*nt)
		if back {
			s2GradOut(out, m, r0, nr, s.rows, g)
		} else {
			s2Output(out, m, r0, nr, g)
		}
	}
}

// The parts' slots in V and M, for ch channels and nt tiles (S = ch·nt):
// even-even (a, b) at (5a+b)·S, even-odd (a, q) at 25·S + 4a·S + q·nt,
// odd-even (b, p) at 45·S + 4b·S + p·nt and odd-odd (p, q) at
// 65·S + (4p+q)·nt, each plus channel c's offset (c·nt, c·4nt, c·4nt and
// c·16nt) and the tile's. Each transform runs in place on these slots, a
// line (a slot's nt tiles) at a time for every channel (s2Lines).

// s2Slots returns the offsets, in V or M of S = channels·nt values a
// part-slot, of the lines of channel c's slots that the values of row k of
// the 9×9 tiles go to (s2Input) or come from (s2GradOut): ev that of even
// column 0, those of columns 2, 4, 6 and 8 following se apart (slots
// (k/2, 0…4) of the even-even part for k even, (0…4, k/2) of the odd-even
// one for k odd); od that of odd column 1, those of 3, 5 and 7 following
// nt apart (the even-odd part's (k/2, 0…3), the odd-odd one's). Small
// enough to be inlined; the callers cut the nine lines.
func s2Slots(k, c, S, nt int) (ev, od, se int) {
	h := k / 2
	if k&1 == 0 {
		return 5*h*S + c*nt, 25*S + 4*h*S + 4*c*nt, S
	}
	return 45*S + 4*c*nt + h*nt, 65*S + 16*c*nt + 4*h*nt, 4 * S
}

// s2Input writes the forward's V for the tiles of rows r0 … r0+nr−1 (over
// all images) of every channel of x into v. Per channel and row of tiles it
// copies the nine padded input rows the tiles read into buf (9 rows of
// 8·TW+1, zero where they are padding) and deals each tile's 9×9 values to
// their parts' slots (the even-even value (2a, 2b) to slot (a, b), and so
// on); then Bᵀ runs down the even-even and even-odd parts and along the
// even-even and odd-even ones, in place, for all channels at once.
func s2Input(v, x []float32, r0, nr int, buf []float32, g Stride2Geom) {
	nt := nr * g.TW
	ch := g.C
	S := ch * nt
	TW, W9 := g.TW, 8*g.TW+1
	plane := g.H * g.W
	rows := buf[:9*W9]
	for c := 0; c < ch; c++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			clear(rows)
			for k := 0; k < 9; k++ {
				if yy := 8*ty + k - g.Pad; yy >= 0 && yy < g.H {
					off := (e*g.C+c)*plane + yy*g.W
					n := min(g.W, W9-g.Pad)
					copy(rows[k*W9+g.Pad:k*W9+g.Pad+n], x[off:off+n])
				}
			}
			t0 := r * TW
			for k := 0; k < 9; k++ {
				row := rows[k*W9 : (k+1)*W9]
				// One slice per line, each TW long, so that the loop's
				// stores need no bounds checks.
				eo, oo, se := s2Slots(k, c, S, nt)
				ev, od := v[eo+t0:], v[oo+t0:]
				e0 := ev[:TW]
				e1, e2, e3, e4 := ev[se:se+len(e0)], ev[2*se:2*se+len(e0)], ev[3*se:3*se+len(e0)], ev[4*se:4*se+len(e0)]
				o0, o1, o2, o3 := od[:len(e0)], od[nt:nt+len(e0)], od[2*nt:2*nt+len(e0)], od[3*nt:3*nt+len(e0)]
				row = row[:8*len(e0)+1]
				_, _, _, _ = e1[len(e0)-1], e2[len(e0)-1], e3[len(e0)-1], e4[len(e0)-1]
				_, _, _, _ = o0[len(e0)-1], o1[len(e0)-1], o2[len(e0)-1], o3[len(e0)-1]
				for tx := range e0 {
					d := row[8*tx : 8*tx+9]
					e0[tx], e1[tx], e2[tx], e3[tx], e4[tx] = d[0], d[2], d[4], d[6], d[8]
					o0[tx], o1[tx], o2[tx], o3[tx] = d[1], d[3], d[5], d[7]
				}
			}
		}
	}
	for b := 0; b < 5; b++ { // even-even, down
		s2BtLines(v, s2Lines{b * S, 5 * S, nt}, ch, nt)
	}
	for a := 0; a < 5; a++ { // even-even, along
		s2BtLines(v, s2Lines{5 * a * S, S, nt}, ch, nt)
	}
	for q := 0; q < 4; q++ { // even-odd, down
		s2BtLines(v, s2Lines{25*S + q*nt, 4 * S, 4 * nt}, ch, nt)
	}
	for p := 0; p < 4; p++ { // odd-even, along
		s2BtLines(v, s2Lines{45*S + p*nt, 4 * S, 4 * nt}, ch, nt)
	}
}

// s2Output adds the forward's Y of the tiles of rows r0 … r0+nr−1 and every
// output channel, from M, into y, only the outputs inside OH×OW. In place
// in M, for all channels at once: R = (M_ee A) + M_eo into the even-odd
// slots, Z = (M_oe A) + M_oo into the odd-odd ones, then Y = Aᵀ R + Z into
// those, from where it is added into y.
func s2Output(y, m []float32, r0, nr int, g Stride2Geom) {
	nt := nr * g.TW
	ch := g.OC
	S := ch * nt
	for a := 0; a < 5; a++ {
		s2AtAddLines(m, s2Lines{25*S + 4*a*S, nt, 4 * nt}, m, s2Lines{5 * a * S, S, nt}, ch, nt)
	}
	for p := 0; p < 4; p++ {
		s2AtAddLines(m, s2Lines{65*S + 4*p*nt, nt, 16 * nt}, m, s2Lines{45*S + p*nt, 4 * S, 4 * nt}, ch, nt)
	}
	for q := 0; q < 4; q++ {
		s2AtAddLines(m, s2Lines{65*S + q*nt, 4 * nt, 16 * nt}, m, s2Lines{25*S + q*nt, 4 * S, 4 * nt}, ch, nt)
	}
	plane := g.OH * g.OW
	TW := g.TW
	full := g.OW / 4 // tiles with all four columns inside
	for o := 0; o < ch; o++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			for p := 0; p < 4 && 4*ty+p < g.OH; p++ {
				off := (e*g.OC+o)*plane + (4*ty+p)*g.OW
				yr := y[off : off+g.OW]
				src := m[65*S+o*16*nt+4*p*nt+r*TW:]
				y0 := src[:TW]
				y1, y2, y3 := src[nt:nt+len(y0)], src[2*nt:2*nt+len(y0)], src[3*nt:3*nt+len(y0)]
				_, _, _ = y1[len(y0)-1], y2[len(y0)-1], y3[len(y0)-1]
				for tx := range y0[:full] {
					yt := yr[4*tx : 4*tx+4]
					yt[0] += y0[tx]
					yt[1] += y1[tx]
					yt[2] += y2[tx]
					yt[3] += y3[tx]
				}
				for q, yq := range [4][]float32{y0, y1, y2, y3} {
					if 4*full+q < g.OW {
						yr[4*full+q] += yq[full]
					}
				}
			}
		}
	}
}

// s2GradIn writes the input gradient's V (the transposed algorithm's input
// transform: A down and along the output gradient's 4×4 tiles, zero past
// OH×OW) for the tiles of rows r0 … r0+nr−1 of every output channel of dy:
// the tiles go to the odd-odd slots, and from there A along their rows to
// the odd-even slots, A down their columns to the even-odd ones and A
// along those to the even-even ones, for all channels at once.
func s2GradIn(v, dy []float32, r0, nr int, buf []float32, g Stride2Geom) {
	nt := nr * g.TW
	ch := g.OC
	S := ch * nt
	TW, W4 := g.TW, 4*g.TW
	rows := buf[:4*W4]
	plane := g.OH * g.OW
	for o := 0; o < ch; o++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			clear(rows)
			for p := 0; p < 4 && 4*ty+p < g.OH; p++ {
				off := (e*g.OC+o)*plane + (4*ty+p)*g.OW
				copy(rows[p*W4:], dy[off:off+g.OW])
			}
			for p := 0; p < 4; p++ {
				row := rows[p*W4 : (p+1)*W4]
				dst := v[65*S+o*16*nt+4*p*nt+r*TW:]
				d0 := dst[:TW]
				d1, d2, d3 := dst[nt:nt+len(d0)], dst[2*nt:2*nt+len(d0)], dst[3*nt:3*nt+len(d0)]
				_, _, _ = d1[len(d0)-1], d2[len(d0)-1], d3[len(d0)-1]
				row = row[:4*len(d0)]
				for tx := range d0 {
					d := row[4*tx : 4*tx+4]
					d0[tx], d1[tx], d2[tx], d3[tx] = d[0], d[1], d[2], d[3]
				}
			}
		}
	}
	for p := 0; p < 4; p++ {
		s2ALines(v, s2Lines{45*S + p*nt, 4 * S, 4 * nt}, v, s2Lines{65*S + 4*p*nt, nt, 16 * nt}, ch, nt)
	}
	for q := 0; q < 4; q++ {
		s2ALines(v, s2Lines{25*S + q*nt, 4 * S, 4 * nt}, v, s2Lines{65*S + q*nt, 4 * nt, 16 * nt}, ch, nt)
	}
	for a := 0; a < 5; a++ {
		s2ALines(v, s2Lines{5 * a * S, S, nt}, v, s2Lines{25*S + 4*a*S, nt, 4 * nt}, ch, nt)
	}
}

// s2GradOut adds the input gradient of the tiles of rows r0 … r0+nr−1 of
// every input channel, from M, into dx: B runs, in place and for all
// channels at once, along the even-even and odd-even parts and down the
// even-even and even-odd ones (the transposed algorithm's output
// transform), then each tile's 9×9 gradient is summed into nine padded
// rows in buf (neighbouring tiles share a column), whose rows inside the
// image are added into dx. Neighbouring rows of tiles share a row: the
// upper one's last row waits in buf (C rows after the nine: a chunk's
// calls run the rows of tiles in order, so it holds the row of the chunk
// before) and starts the lower one's first, so that every value of dx is
// added to once, as the other kernels do.
func s2GradOut(dx, m []float32, r0, nr int, buf []float32, g Stride2Geom) {
	nt := nr * g.TW
	ch := g.C
	S := ch * nt
	for a := 0; a < 5; a++ { // even-even, along
		s2BLines(m, s2Lines{5 * a * S, S, nt}, ch, nt)
	}
	for b := 0; b < 5; b++ { // even-even, down
		s2BLines(m, s2Lines{b * S, 5 * S, nt}, ch, nt)
	}
	for q := 0; q < 4; q++ { // even-odd, down
		s2BLines(m, s2Lines{25*S + q*nt, 4 * S, 4 * nt}, ch, nt)
	}
	for p := 0; p < 4; p++ { // odd-even, along
		s2BLines(m, s2Lines{45*S + p*nt, 4 * S, 4 * nt}, ch, nt)
	}
	TW, W9 := g.TW, 8*g.TW+1
	rows, carry := buf[:9*W9], buf[9*W9:(9+ch)*W9]
	plane := g.H * g.W
	for c := 0; c < ch; c++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			clear(rows)
			if ty > 0 { // the row the tiles above left, not yet in dx
				copy(rows[:W9], carry[c*W9:(c+1)*W9])
			}
			t0 := r * TW
			for k := 0; k < 9; k++ {
				row := rows[k*W9 : (k+1)*W9]
				eo, oo, se := s2Slots(k, c, S, nt)
				ev, od := m[eo+t0:], m[oo+t0:]
				e0 := ev[:TW]
				e1, e2, e3, e4 := ev[se:se+len(e0)], ev[2*se:2*se+len(e0)], ev[3*se:3*se+len(e0)], ev[4*se:4*se+len(e0)]
				o0, o1, o2, o3 := od[:len(e0)], od[nt:nt+len(e0)], od[2*nt:2*nt+len(e0)], od[3*nt:3*nt+len(e0)]
				row = row[:8*len(e0)+1]
				_, _, _, _ = e1[len(e0)-1], e2[len(e0)-1], e3[len(e0)-1], e4[len(e0)-1]
				_, _, _, _ = o0[len(e0)-1], o1[len(e0)-1], o2[len(e0)-1], o3[len(e0)-1]
				for tx := range e0 {
					d := row[8*tx : 8*tx+9]
					d[0] += e0[tx]
					d[1] += o0[tx]
					d[2] += e1[tx]
					d[3] += o1[tx]
					d[4] += e2[tx]
					d[5] += o2[tx]
					d[6] += e3[tx]
					d[7] += o3[tx]
					d[8] += e4[tx]
				}
			}
			last := 9
			if ty < g.TH-1 { // row 8 is the next row of tiles' row 0
				copy(carry[c*W9:(c+1)*W9], rows[8*W9:])
				last = 8
			}
			for k := 0; k < last; k++ {
				if yy := 8*ty + k - g.Pad; yy >= 0 && yy < g.H {
					off := (e*g.C+c)*plane + yy*g.W
					n := min(g.W, W9-g.Pad)
					Axpy(dx[off:off+n], rows[k*W9+g.Pad:k*W9+g.Pad+n], 1) // 1·s is s: dx += s exactly
				}
			}
		}
	}
}
