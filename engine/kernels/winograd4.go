package kernels

// Winograd F(4×4, 3×3): each 4×4 block of outputs from the 6×6 input tile
// under it (overlap 2), Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A with the
// Toom-Cook matrices for the points 0, 1, −1, ½, −2 and ∞:
//
//	     ⎡  1      0     0  ⎤        ⎡1 -3/2  -2  3/2  1  0⎤
//	     ⎢  ⅓      ⅓     ⅓  ⎥        ⎢0  -1   ½   5/2  1  0⎥      ⎡1  1  1  1   1  0⎤
//	G  = ⎢ -⅓      ⅓    -⅓  ⎥   Bᵀ = ⎢0   1 -5/2   ½   1  0⎥ Aᵀ = ⎢0  1 -1  ½  -2  0⎥
//	     ⎢-16/15 -8/15 -4/15⎥        ⎢0  -2  -1    2   1  0⎥      ⎢0  1  1  ¼   4  0⎥
//	     ⎢ 1/15  -2/15  4/15⎥        ⎢0   ½  -1   -½   1  0⎥      ⎣0  1 -1  ⅛  -8  1⎦
//	     ⎣  0      0     1  ⎦        ⎣0   1 -3/2  -2  3/2 1⎦
//
// (column j of Aᵀ holds the powers of point j; row j of Bᵀ the coefficients
// of the product of x − p over the other finite points, and x times that
// for ∞; row j of G the powers of p_j over the product of p_j − p.) Lavin
// and Gray (2016) used 0, ±1, ±2 and ∞; Barabasz et al. ("Error analysis
// and improving the accuracy of Winograd convolution for deep neural
// networks", 2020) showed that mixing 2 and ½ does better, and measured
// here with this kernel the maximum error on ResNet-18's channel counts is
// 2 to 4 times smaller (docs/performance.md).
//
// so 36 multiplies per tile and channel pair for 16 outputs instead of 144
// (4× fewer than the direct product, against F(2×2, 3×3)'s 2.25×), as 36
// products M_ξ = U_ξ · V_ξ over all channels and tiles, exactly as in
// winograd.go. What differs:
//
//   - The input transform splits each padded image row into its four column
//     phases (columns 4t, 4t+1, 4t+2, 4t+3 for t = 0 … TW), once per
//     channel, applies Bᵀ down the six rows a row of tiles reads for all
//     phases at once, then B along each tile's six columns, which are
//     phases 0, 1, 2, 3 at t and 0, 1 at t+1: both steps are the same
//     element-wise operation on whole rows (wino4BDown down the rows,
//     wino4BRows along them), four tiles at a time with wasm SIMD.
//   - The output transform applies Aᵀ down the six columns of M and then
//     along the four resulting rows, both element-wise (wino4A).
//   - The points are not closed under p ↦ 1/p, so the rotated filters'
//     transform is not a renaming of U's positions as it is for F(2×2, 3×3):
//     the input gradient's U is the transform of the rotated filters,
//     computed on its first use (as F(2×2, 3×3)'s transposed U is packed).
//   - The filters' transform is computed in float64 and rounded once (⅓ and
//     1/15 are not exact in binary); the input and output transforms, whose
//     entries are exact in binary, run in float32. winogradPack
//     (winograd_filter.go) writes it straight into the packed layout. Their entries up to 8
//     make F(4×4, 3×3)'s rounding error several times F(2×2, 3×3)'s
//     (docs/performance.md gives both, against a float64 direct
//     convolution).

// wino4Input writes V = Bᵀ d B of the 6×6 tiles of rows r0 … r0+nr−1 (over
// all images) and every channel into v, 36×C×nt with nt = nr·TW:
// v[ξ·C·nt + c·nt + t]. As winoInput does, for each channel of an image it
// splits every input row its tiles read into its four column phases of
// TW+1 values (splitRow4) once, two rows being shared by neighbouring rows
// of tiles, into buf (wino4InputBuf(g) values: the split padded rows, whose
// padding keeps the zeros of one clear per call, and six rows of Bᵀ d).
func wino4Input(v, x []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	CS := g.C * nt
	TW, h := g.TW, g.TW+1
	plane := g.H * g.W
	pr := 4*g.TH + 2 // padded rows the tiles read
	split := buf[:4*pr*h]
	bt := buf[4*pr*h : 4*(pr+6)*h]
	clear(split)
	row := func(s []float32, k int) []float32 { return s[4*k*h : 4*(k+1)*h] }
	for c := 0; c < g.C; c++ {
		for r := 0; r < nr; {
			e, ty0 := (r0+r)/g.TH, (r0+r)%g.TH
			ty1 := min(g.TH, ty0+nr-r)
			for k := 4 * ty0; k < 4*ty1+2; k++ {
				if yy := k - g.Pad; yy >= 0 && yy < g.H {
					off := (e*g.C+c)*plane + yy*g.W
					splitRow4(row(split, k), x[off:off+g.W], g.Pad, h)
				}
			}
			for ty := ty0; ty < ty1; ty, r = ty+1, r+1 {
				// Bᵀ d for every phase of padded rows 4ty … 4ty+5 at once, then
				// B along each of its rows.
				wino4BDown(bt, split[16*ty*h:(16*ty+24)*h], 4*h)
				wino4BRows(v, CS, c*nt+r*TW, TW, bt)
			}
		}
	}
}

// wino4InputBuf returns the values wino4Input's buf holds for g.
func wino4InputBuf(g WinogradGeom) int { return 4 * (4*g.TH + 8) * (g.TW + 1) }

// splitRow4 writes the four column phases of an image row padded by pad
// zeros on the left into dst, h values each: phase k's value t is padded
// column 4t + k, input column 4t + k − pad. It writes only the positions
// that hold input columns, the same for every row of a width: the padding's
// zeros are the caller's.
func splitRow4(dst, src []float32, pad, h int) {
	for k := 0; k < 4; k++ {
		q := dst[k*h : (k+1)*h]
		// t0 is the first t with 4t + k − pad ≥ 0, t1 one past the last
		// with 4t + k − pad < len(src).
		t0 := max(0, (pad-k+3)/4)
		t1 := min(h, max(t0, (len(src)-k+pad+3)/4))
		for t := t0; t < t1; t++ {
			q[t] = src[4*t+k-pad]
		}
	}
}

// wino4BAt applies Bᵀ to the six values d0 … d5 (one column of a tile, or,
// along a row, one row):
//
//	b0 = (d0 + d4) − 2d2 − 1.5(d1 − d3)   b3 = (d4 − d2) − 2(d1 − d3)
//	b1 = (d4 − d1) + 0.5d2 + 2.5d3        b4 = (d4 − d2) + 0.5(d1 − d3)
//	b2 = (d4 + d1) − 2.5d2 + 0.5d3        b5 = (d1 + d5) − 2d3 − 1.5(d2 − d4)
func wino4BAt(d0, d1, d2, d3, d4, d5 float32) (b0, b1, b2, b3, b4, b5 float32) {
	e, f := d4-d2, d1-d3
	b0 = (d0 + d4) - 2*d2 - 1.5*f
	b1 = (d4 - d1) + 0.5*d2 + 2.5*d3
	b2 = (d4 + d1) - 2.5*d2 + 0.5*d3
	b3 = e - 2*f
	b4 = e + 0.5*f
	b5 = (d1 + d5) - 2*d3 - 1.5*(d2-d4)
	return
}

// wino4BRows applies B along each of the six rows of b (Bᵀ d of a row of
// tw tiles: row i at b[4i·(tw+1):], its four column phases of tw+1 values
// each) and writes position (i, j) of tile t to v[(6i+j)·cs + o + t]: tile
// t's six columns are phases 0–3 at t and 0–1 at t+1. It is wino4BAt along
// each row, in one call for the six, taking offsets rather than slices (four
// tiles at a time with wasm SIMD, wino4BRowsVec): rows of ResNet-18's maps
// are 2 to 14 tiles, where a call per row, or slices built per row, cost
// more than the arithmetic.
func wino4BRows(v []float32, cs, o, tw int, b []float32) {
	h := tw + 1
	b = b[:24*h]
	for t := wino4BRowsVec(v, cs, o, tw, b); t < tw; t++ {
		for i := 0; i < 6; i++ {
			q := b[4*i*h : 4*(i+1)*h]
			out := v[6*i*cs+o+t:]
			out[0], out[cs], out[2*cs], out[3*cs], out[4*cs], out[5*cs] =
				wino4BAt(q[t], q[h+t], q[2*h+t], q[3*h+t], q[t+1], q[h+t+1])
		}
	}
}

// wino4BDown applies wino4BAt down six rows of n values laid out one after
// another, d's into b's, element by element (four at a time with wasm
// SIMD).
func wino4BDown(b, d []float32, n int) {
	b, d = b[:6*n], d[:6*n]
	for j := wino4BDownVec(b, d, n); j < n; j++ {
		b[j], b[n+j], b[2*n+j], b[3*n+j], b[4*n+j], b[5*n+j] =
			wino4BAt(d[j], d[n+j], d[2*n+j], d[3*n+j], d[4*n+j], d[5*n+j])
	}
}

// wino4A applies Aᵀ to the six rows m, element by element, into y:
//
//	y0 = m0 + (m1 + m2) + (m3 + m4)    y2 = (m1 + m2) + (0.25m3 + 4m4)
//	y1 = (m1 − m2) + (0.5m3 − 2m4)     y3 = (m1 − m2) + (0.125m3 − 8m4) + m5
//
// y may be m's first four rows (in place): every output reads only its own
// index and all of an index's inputs are read before its outputs are
// written. Other overlaps are not allowed.
func wino4A(y *[4][]float32, m *[6][]float32) {
	n := len(y[0])
	y0, y1, y2, y3 := y[0][:n], y[1][:n], y[2][:n], y[3][:n]
	m0, m1, m2, m3, m4, m5 := m[0][:n], m[1][:n], m[2][:n], m[3][:n], m[4][:n], m[5][:n]
	for j := wino4AVec(y, m); j < n; j++ {
		a0, a3, a4, a5 := m0[j], m3[j], m4[j], m5[j]
		s, d := m1[j]+m2[j], m1[j]-m2[j]
		y0[j] = a0 + s + (a3 + a4)
		y1[j] = d + (0.5*a3 - 2*a4)
		y2[j] = s + (0.25*a3 + 4*a4)
		y3[j] = d + (0.125*a3 - 8*a4) + a5
	}
}

// wino4Output adds Y = Aᵀ M A of the tiles of rows r0 … r0+nr−1 and every
// output channel into y, only the outputs inside OH×OW for the partial tiles
// at the bottom and right. It overwrites m: Aᵀ M goes into rows (i, j) of
// M for i < 4 (position 6i+j), then Aᵀ M A into rows (i, j) for i, j < 4,
// each step one element-wise operation over all tiles and channels of the
// chunk, and from there the outputs are added into y.
func wino4Output(y, m []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	OS := g.OC * nt
	TW := g.TW
	plane := g.OH * g.OW
	pos := func(i, j int) []float32 { return m[(6*i+j)*OS : (6*i+j+1)*OS] }
	for j := 0; j < 6; j++ { // down column j
		wino4A(&[4][]float32{pos(0, j), pos(1, j), pos(2, j), pos(3, j)},
			&[6][]float32{pos(0, j), pos(1, j), pos(2, j), pos(3, j), pos(4, j), pos(5, j)})
	}
	for i := 0; i < 4; i++ { // along row i
		wino4A(&[4][]float32{pos(i, 0), pos(i, 1), pos(i, 2), pos(i, 3)},
			&[6][]float32{pos(i, 0), pos(i, 1), pos(i, 2), pos(i, 3), pos(i, 4), pos(i, 5)})
	}
	full := g.OW / 4 // tiles with all four columns inside
	for o := 0; o < g.OC; o++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			k := o*nt + r*TW
			for i := 0; i < 4 && 4*ty+i < g.OH; i++ {
				off := (e*g.OC+o)*plane + (4*ty+i)*g.OW
				yr := y[off : off+g.OW]
				y0, y1, y2, y3 := pos(i, 0)[k:k+TW], pos(i, 1)[k:k+TW], pos(i, 2)[k:k+TW], pos(i, 3)[k:k+TW]
				for t := 0; t < full; t++ {
					yt := yr[4*t : 4*t+4]
					yt[0] += y0[t]
					yt[1] += y1[t]
					yt[2] += y2[t]
					yt[3] += y3[t]
				}
				for j, yj := range [4][]float32{y0, y1, y2, y3} {
					if 4*full+j < g.OW {
						yr[4*full+j] += yj[full]
					}
				}
			}
		}
	}
}
