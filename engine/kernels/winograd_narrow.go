package kernels

// WinogradConvNarrow is F(2×2, 3×3) (winograd.go) for the narrow
// convolutions of the small built-in networks (8 to 32 channels at 16² to
// 64²: Phantom's second and third), where WinogradConv loses to
// ConvStride1: there its chunks of several MiB, its products through
// MatMulPacked (which packs V again for each of the 16 positions, on a
// shared dimension of only C steps) and its output transform (three passes
// over M, then the outputs added into a y filled with the bias beforehand)
// cost more than the 2.25× fewer multiplies save. Here, chunk by chunk of
// rows of tiles:
//
//   - V = Bᵀ d B of the chunk's tiles, as WinogradConv's (winoNarrowInput),
//     stored where the products read it: each group of four tiles' 16
//     positions in one block of 128 values, one address per group;
//   - M_ξ = U_ξ·V_ξ, four output channels at a time, stored, not added, by
//     ConvStride1's kind of micro-kernel (winoStride: the 4×8 tile reading
//     V where it lies, one step per input channel, C steps from zero) on
//     the forward's packed U;
//   - Y = Aᵀ M A + bias of every tile in one pass (winoNarrowRows), each
//     strip's 16 positions read from one block, the tile's two columns
//     interleaved and stored into y's two rows: y is written once.
//
// Go's wasm backend makes every slice expression a bounds check and some
// 64-bit address arithmetic, so the layouts are chosen to need one slice
// per group of tiles rather than one per position (WinogradConv's layout
// made each transform as slow as the products here).
//
// The operations and their order are WinogradConv's after FillRows, so the
// results equal its (TestWinogradConvNarrow), within the error TestWinograd
// measures against a float64 direct convolution.

// winoNarrowChunk is about how many tiles one chunk of WinogradConvNarrow
// covers (whole rows of tiles, at least one): V holds 16·C values per tile
// (256 KiB for a 32² image of 16 channels), M 64 per tile for the four
// output channels in hand. Whole 32² images ran a little faster than
// chunks of 2 to 4 rows of tiles, warm (313 against 329 µs for 16→32 at
// 32²) and after TF.js had run (bench-peers, the same).
var winoNarrowChunk = 256

// WinogradNarrowApplies reports whether WinogradConvNarrow runs the
// convolution g with oc filters and is expected to be faster there than
// ConvStride1 (or im2col + MatMul above 32 filters): 3×3, stride 1, padding
// at most 2, at least 8 channels in and 16 out, whole 2×2 tiles in rows of
// a multiple of 8 tiles (OH even, OW a multiple of 16), filters in whole
// panels of 4, at most 256 channels in, in a build with its micro-kernel
// (wasm with SIMD). BenchmarkWinogradNarrow, against ConvStride1: 0.57 to
// 0.78 of its time from 16 channels in and out, 0.90 for 8→16 at 32², and
// 1.05 for 8→8 at 64² (the input transform, whose cost per tile does not
// shrink with the filters, then weighs as much as the products save).
func WinogradNarrowApplies(g ConvGeom, oc int) bool {
	return winoStride != nil && g.KH == 3 && g.KW == 3 && g.Stride == 1 && g.Pad <= 2 &&
		g.OH%2 == 0 && g.OW%16 == 0 && g.C >= 8 && g.C <= kcBlock && oc >= 16 && oc%4 == 0
}

// narrowScratch holds WinogradConvNarrow's buffers.
type narrowScratch struct {
	v, m, buf []float32
}

var narrowScratches freeList[narrowScratch]

// WinogradConvNarrow writes into y (n×OC×OH×OW) the convolution of x
// (n×C×H×W) with the filters whose transform is u (u.OC = g.OC, u.C =
// g.C), 3×3, stride 1, padding g.Pad, plus bias[o] on channel o when bias is
// not nil. It needs whole tiles in rows of a multiple of 8 (OH even, OW a
// multiple of 16), OC a multiple of 4 and C at most 256, and panics
// otherwise or when a buffer is too short. Without wasm SIMD it multiplies
// with a scalar loop (WinogradNarrowApplies is false there).
//
// Within a chunk of nt tiles (a multiple of 8: strips q of 8 tiles l), V
// and M are laid out for the products' micro-kernel and for the output
// pass: V at v[((q·C + c)·16 + ξ)·8 + l], so that the micro-kernel's steps
// over c are 128 values apart and one tile group's 16 positions lie in one
// block of 128; M, for four output channels i at a time (their products,
// then their outputs), at m[((i·Q + q)·16 + ξ)·8 + l], Q = nt/8, so that
// the output pass reads a strip's 16 positions from one block. Keeping M to
// four channels keeps it in the first-level cache: with all 32 channels'
// M (512 KiB for a 32² image) the forward ran as fast as ConvStride1's in
// bench-peers, where TF.js's run leaves the caches cold, though 0.75× warm.
func WinogradConvNarrow(y, x, bias []float32, n int, u *WinogradWeights, g WinogradGeom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	g = NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, 2)
	if bias != nil && len(bias) < g.OC {
		panic("kernels: WinogradConvNarrow buffer too short")
	}
	winogradNarrow(y, x, bias, n, u.forms(2, false), g)
}

// WinogradNarrowBackApplies reports whether WinogradConvNarrowBackInput
// runs the input gradient of the convolution g with oc filters and is
// expected to be faster there than im2col: whether WinogradNarrowApplies
// holds for that gradient, the convolution of the output gradient (oc
// channels, OH×OW) by the filters transposed and rotated, padding 2 − Pad,
// giving g.C channels of H×W.
func WinogradNarrowBackApplies(g ConvGeom, oc int) bool {
	return g.KH == 3 && g.KW == 3 && g.Stride == 1 && g.Pad <= 2 &&
		WinogradNarrowApplies(NewConvGeom(oc, g.OH, g.OW, 3, 3, 1, 2-g.Pad), g.C)
}

// WinogradConvNarrowBackInput writes into dx (n×C×H×W) the input gradient
// of the convolution g describes, from dy (n×OC×OH×OW): the convolution of
// dy by the filters transposed and rotated 180°, padding 2 − g.Pad, whose
// transform is u's input-gradient form (WinogradConvBackInput's, F(2×2,
// 3×3)), run as WinogradConvNarrow. It needs what WinogradConvNarrow needs
// of that convolution (H even, W a multiple of 16, C a multiple of 4, OC at
// most 256) and panics otherwise or when a buffer is too short.
func WinogradConvNarrowBackInput(dx, dy []float32, n int, u *WinogradWeights, g WinogradGeom) {
	if u.OC != g.OC || u.C != g.C {
		panic("kernels: Winograd weights do not match the geometry")
	}
	f := NewWinogradGeomTile(g.C, g.OC, g.H, g.W, g.Pad, 2)
	back := NewWinogradGeomTile(f.OC, f.C, f.OH, f.OW, 2-f.Pad, 2)
	winogradNarrow(dx, dy, nil, n, u.forms(2, true), back)
}

// errNarrowGeom is what WinogradConvNarrow and WinogradConvNarrowBackInput
// panic with on a geometry they do not run.
const errNarrowGeom = "kernels: WinogradConvNarrow on a geometry it does not run"

// winogradNarrow is WinogradConvNarrow with the transformed filters U, (16
// packed matrices of OC×C) and g of tiles of 2×2.
func winogradNarrow(y, x, bias []float32, n int, U []PackedA, g WinogradGeom) {
	// OW a multiple of 16, not only TW of 8: the output pass writes all
	// of a row's 2·TW columns.
	if g.OH%2 != 0 || g.OW%16 != 0 || g.OC%4 != 0 || g.C > kcBlock || n < 0 {
		panic(errNarrowGeom)
	}
	if len(x) < n*g.C*g.H*g.W || len(y) < n*g.OC*g.OH*g.OW {
		panic("kernels: WinogradConvNarrow buffer too short")
	}
	if n == 0 {
		return
	}
	R := n * g.TH
	rb := min(max(1, winoNarrowChunk/g.TW), R)
	s := narrowScratches.get()
	defer narrowScratches.put(s)
	s.v = grow32(s.v, 16*g.C*rb*g.TW)
	s.m = grow32(s.m, 64*rb*g.TW)
	s.buf = grow32(s.buf, winoInputBuf(g))
	products := winoStride
	if products == nil {
		products = strideProducts
	}
	for r0 := 0; r0 < R; r0 += rb {
		nr := min(rb, R-r0)
		nt := nr * g.TW
		Q := nt / 8
		v := s.v[:16*g.C*nt]
		winoNarrowInput(v, x, r0, nr, s.buf, g)
		// Four output channels at a time: their products, then their
		// outputs, so that M stays 64 values per tile.
		for p := 0; 4*p < g.OC; p++ {
			m := s.m[:64*nt]
			for xi := 0; xi < 16; xi++ {
				products(m[8*xi:], Q*128, 128, U[xi].data[4*p*g.C:4*(p+1)*g.C], v[8*xi:], g.C*128, g.C, Q)
			}
			winoNarrowOut(y, m, bias, r0, nr, 4*p, 4*p+4, g)
		}
	}
}

// strideProducts is winoStride (the 4×8 micro-kernel
// microSIMD4x8Stride128) as a scalar loop: row i of strip q's tile,
// c[q·sc + i·ldc + l], is the sum from zero over the k steps s, in order,
// of ap[4s+i]·b[q·sb + 128·s + l].
func strideProducts(c []float32, ldc, sc int, ap, b []float32, sb, k, strips int) {
	const ldb = 128
	for q := 0; q < strips; q++ {
		for i := 0; i < 4; i++ {
			for l := 0; l < 8; l++ {
				var sum float32
				for st := 0; st < k; st++ {
					sum += float32(ap[4*st+i] * b[q*sb+st*ldb+l])
				}
				c[q*sc+i*ldc+l] = sum
			}
		}
	}
}

// winoNarrowInput writes V = Bᵀ d B of the tiles of rows r0 … r0+nr−1 (over
// all images, as winoInput) and every channel into v in WinogradConvNarrow's
// layout. Like winoInput, it splits each input row the tiles read into its
// even and odd columns once per channel, then transforms each row of tiles
// (winoNarrowTileRow).
func winoNarrowInput(v, x []float32, r0, nr int, buf []float32, g WinogradGeom) {
	h := g.TW + 1
	plane := g.H * g.W
	pr := 2*g.TH + 2
	split := buf[:2*pr*h]
	clear(split)
	row := func(s []float32, k int) []float32 { return s[k*h : (k+1)*h] }
	for c := 0; c < g.C; c++ {
		for r := 0; r < nr; {
			e, ty0 := (r0+r)/g.TH, (r0+r)%g.TH
			ty1 := min(g.TH, ty0+nr-r)
			for k := 2 * ty0; k < 2*ty1+2; k++ {
				if yy := k - g.Pad; yy >= 0 && yy < g.H {
					off := (e*g.C+c)*plane + yy*g.W
					splitRow(row(split, 2*k), row(split, 2*k+1), x[off:off+g.W], g.Pad)
				}
			}
			for ty := ty0; ty < ty1; ty, r = ty+1, r+1 {
				winoNarrowTileRow(v, g.C, c, r*g.TW, g.TW, split[4*ty*h:(4*ty+8)*h])
			}
		}
	}
}

// winoNarrowTileRow is winoTileRow writing tile t (t0 + t in the chunk) of
// channel c to WinogradConvNarrow's layout: position ξ at
// v[((q·C + c)·16 + ξ)·8 + l], q and l the strip and place of t0 + t.
// The same operations in the same order; four tiles at a time with wasm
// SIMD (winoNarrowTileRowVec).
func winoNarrowTileRow(v []float32, C, c, t0, tw int, sp []float32) {
	h := tw + 1
	sp = sp[:8*h]
	for t := winoNarrowTileRowVec(v, C, c, t0, tw, sp); t < tw; t++ {
		var b [4][4]float32
		for k, off := range [4]int{t, h + t, t + 1, h + t + 1} {
			d0, d1, d2, d3 := sp[off], sp[2*h+off], sp[4*h+off], sp[6*h+off]
			b[0][k], b[1][k], b[2][k], b[3][k] = d0-d2, d1+d2, d2-d1, d1-d3
		}
		T := t0 + t
		blk := v[((T/8)*C+c)*128+T%8:]
		for i, q := range b {
			out := blk[32*i:]
			out[0] = q[0] - q[2]
			out[8] = q[1] + q[2]
			out[16] = q[2] - q[1]
			out[24] = q[1] - q[3]
		}
	}
}

// winoNarrowOut writes Y = Aᵀ M A + bias of the tiles of rows r0 …
// r0+nr−1 (over all images) and the output channels o0 … o1−1 into y, from
// m in WinogradConvNarrow's layout (channel o at index o − o0): for each
// channel and each run of tile rows of one image, one call
// (winoNarrowRows).
func winoNarrowOut(y, m, bias []float32, r0, nr, o0, o1 int, g WinogradGeom) {
	Q := nr * g.TW / 8
	plane := g.OH * g.OW
	for o := o0; o < o1; o++ {
		var b float32
		if bias != nil {
			b = bias[o]
		}
		k := o - o0
		for r := 0; r < nr; {
			e, ty0 := (r0+r)/g.TH, (r0+r)%g.TH
			ty1 := min(g.TH, ty0+nr-r)
			off := (e*g.OC+o)*plane + 2*ty0*g.OW
			q0, q1 := (k*Q+r*g.TW/8)*128, (k*Q+(r+ty1-ty0)*g.TW/8)*128
			winoNarrowRows(y[off:off+2*(ty1-ty0)*g.OW], m[q0:q1], g.OW, b)
			r += ty1 - ty0
		}
	}
}

// winoNarrowRows writes rows of output tiles of one channel: y holds their
// output rows (OW values each, two per row of tiles) and m their strips of
// 8 tiles, position ξ of strip q's tile l at m[(16q + ξ)·8 + l]. For each
// tile, Aᵀ down each column j, s0 = q0 + q1 + q2 and s1 = q1 − q2 − q3 (q
// the column's four positions), then the same along each of those two
// rows, plus b: the tile's outputs go to two columns of two rows. These are
// winoOutput's operations in its order, and y = bias + value as after
// FillRows. Four tiles at a time with wasm SIMD (winoNarrowRowsVec).
func winoNarrowRows(y, m []float32, ow int, b float32) {
	tiles := len(m) / 16
	tw := ow / 2
	for t := winoNarrowRowsVec(y, m, ow, b); t < tiles; t++ {
		blk := m[(t/8)*128+t%8:]
		var s [2][4]float32
		for j := 0; j < 4; j++ {
			a0, a1, a2, a3 := blk[8*j], blk[8*(4+j)], blk[8*(8+j)], blk[8*(12+j)]
			s[0][j] = a0 + a1 + a2
			s[1][j] = a1 - a2 - a3
		}
		ty, tx := t/tw, t%tw
		for i := 0; i < 2; i++ {
			a0, a1, a2, a3 := s[i][0], s[i][1], s[i][2], s[i][3]
			row := y[(2*ty+i)*ow:]
			row[2*tx] = b + (a0 + a1 + a2)
			row[2*tx+1] = b + (a1 - a2 - a3)
		}
	}
}
