package kernels

// The filters' transforms U = G g Gᵀ written straight into the packed
// layout the products read (PackedA: panels of mr rows, blocks of kcBlock
// steps), one filter at a time in the order of the packed data, so no
// scratch matrix, per-position Pack or per-filter slice is needed. The
// arithmetic is that of the straightforward row-by-row product (kept as
// the test reference, winograd_filter_ref_test.go) operation for
// operation, so U is the same bit for bit: only products by 1, which are
// exact, are left out, and products shared between rows (⅓·x in rows 1
// and 2 of G, 4/15·z in rows 3 and 4, where −c·x = −(c·x) exactly) are
// computed once. Products by 0 stay: they make the NaN of an infinite
// tap and the sign of a zero sum the reference gives. (Which NaN a sum of
// two NaNs gives is not specified by Go, whose compiler may swap a sum's
// operands, so a NaN may carry another payload; TestWinogradPackSameBits
// compares every other value bit by bit.) The code is straight-line on
// scalars: Go's wasm port keeps arrays indexed in loops in memory, and a
// call or a slice costs as much as many float operations there. Wasm SIMD
// (two float64 filters a vector) measured slower: archsimd has no vector
// conversion between float32 and float64 on wasm, so the filters go
// through memory lane by lane.

// Constants of G for F(4×4, 3×3) (winoG4), as float64 values.
const (
	w4Third   = 1.0 / 3
	w4Sixteen = 16.0 / 15
	w4Eight   = 8.0 / 15
	w4Four    = 4.0 / 15
	w4One     = 1.0 / 15
	w4Two     = 2.0 / 15
)

// wino4G03, wino4G12 and wino4G45 return rows 0 and 5, 1 and 2, 3 and 4
// of G·(x, y, z) for F(4×4, 3×3)'s G, each row evaluated as
// (G_j0·x + G_j1·y) + G_j2·z is (split in three to be inlined).
func wino4G05(x, y, z float64) (r0, r5 float64) {
	zy := 0 * y
	return x + zy + 0*z, 0*x + zy + z
}

func wino4G12(x, y, z float64) (r1, r2 float64) {
	tx, ty, tz := w4Third*x, w4Third*y, w4Third*z
	return tx + ty + tz, ty - tx - tz
}

func wino4G34(x, y, z float64) (r3, r4 float64) {
	fz := w4Four * z
	return -(w4Sixteen * x) - w4Eight*y - fz, w4One*x - w4Two*y + fz
}

// packedReset gives p the storage and shape Pack would for an M×K op(A)
// with register tile t, and returns its data, to be written in Pack's
// layout.
func (p *PackedA) packedReset(m, k int, t tile) []float32 {
	rows := (m + t.mr - 1) / t.mr * t.mr
	if cap(p.data) < rows*k {
		p.data = make([]float32, rows*k)
	}
	p.m, p.k, p.t, p.data = m, k, t, p.data[:rows*k]
	return p.data
}

// winogradPack transforms the filters w (OC×C×3×3) for tiles of m×m
// outputs (2 or 4) and packs the (m+2)² positions into p, which it
// returns: U_ξ (OC×C), or with back the input gradient's form (C×OC): for
// F(2×2, 3×3) U_σ(ξ)ᵀ, for F(4×4, 3×3) the rotated filters' transform,
// transposed. It gives the same values as winogradRowTo or winograd4RowTo
// followed by Pack, as the test reference does.
func winogradPack(p []PackedA, w []float32, oc, c, m int, back bool) []PackedA {
	a := m + 2
	if len(p) != a*a {
		p = make([]PackedA, a*a)
	}
	t := defaultTile
	if t.mr != 4 {
		panic("kernels: winogradPack needs panels of 4 rows")
	}
	rm, k := oc, c // op(A) is rm×k
	if back {
		rm, k = c, oc
	}
	var d [36][]float32
	for i := range p {
		d[i] = p[i].packedReset(rm, k, t)
	}
	w = w[:9*oc*c]
	rows := (rm + 3) &^ 3
	var out [36][4]float32
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for pn := 0; 4*pn < rm; pn++ {
			for s := 0; s < kc; s++ {
				for r := range 4 {
					row := 4*pn + r
					if row >= rm {
						for i := range out {
							out[i][r] = 0
						}
						continue
					}
					f := row*c + k0 + s // filter (row, k0+s)
					if back {
						f = (k0+s)*c + row // filter (k0+s, row)
					}
					g := (*[9]float32)(w[9*f : 9*f+9])
					if m == 4 {
						wino4Filter(&out, r, g, back)
					} else {
						wino2Filter((*[16][4]float32)(out[:16]), r, g, back)
					}
				}
				off := rows*k0 + 4*pn*kc + 4*s
				for i := range a * a {
					*(*[4]float32)(d[i][off : off+4]) = out[i]
				}
			}
		}
	}
	return p
}

// wino2G returns G·(x, y, z) for F(2×2, 3×3)'s G, as winogradRowTo
// computes it: x, (x+y+z)/2, (x−y+z)/2, z.
func wino2G(x, y, z float32) (r0, r1, r2, r3 float32) {
	return x, 0.5 * (x + y + z), 0.5 * (x - y + z), z
}

// wino2Filter writes the 16 values of G g Gᵀ for F(2×2, 3×3) and the
// filter w into column r of out, position (i, j) at 4i+j, or with perm at
// 4σ(i)+σ(j) (the input gradient's U_σ(ξ)). It computes as winogradRowTo
// does, in float32, in straight-line code.
func wino2Filter(out *[16][4]float32, r int, w *[9]float32, perm bool) {
	r &= 3
	// t = G g, column by column (4×3).
	t00, t10, t20, t30 := wino2G(w[0], w[3], w[6])
	t01, t11, t21, t31 := wino2G(w[1], w[4], w[7])
	t02, t12, t22, t32 := wino2G(w[2], w[5], w[8])
	// Row i of U = row i of t times Gᵀ, at row q_i of out, its columns
	// at c0, 1, 2, c3 (σ swaps 0 and 3).
	q0, q1, q2, q3, c0, c3 := 0, 4, 8, 12, 0, 3
	if perm {
		q0, q3, c0, c3 = 12, 0, 3, 0
	}
	var u0, u1, u2, u3 float32
	u0, u1, u2, u3 = wino2G(t00, t01, t02)
	out[(q0+c0)&15][r], out[q0+1][r], out[q0+2][r], out[(q0+c3)&15][r] = u0, u1, u2, u3
	u0, u1, u2, u3 = wino2G(t10, t11, t12)
	out[(q1+c0)&15][r], out[q1+1][r], out[q1+2][r], out[(q1+c3)&15][r] = u0, u1, u2, u3
	u0, u1, u2, u3 = wino2G(t20, t21, t22)
	out[(q2+c0)&15][r], out[q2+1][r], out[q2+2][r], out[(q2+c3)&15][r] = u0, u1, u2, u3
	u0, u1, u2, u3 = wino2G(t30, t31, t32)
	out[(q3+c0)&15][r], out[q3+1][r], out[q3+2][r], out[(q3+c3)&15][r] = u0, u1, u2, u3
}

// wino4Filter writes the 36 values of G g Gᵀ for the filter w (rotated by
// 180° with rot) into column r of out.
func wino4Filter(out *[36][4]float32, r int, w *[9]float32, rot bool) {
	r &= 3
	g0, g1, g2 := float64(w[0]), float64(w[1]), float64(w[2])
	g3, g4, g5 := float64(w[3]), float64(w[4]), float64(w[5])
	g6, g7, g8 := float64(w[6]), float64(w[7]), float64(w[8])
	if rot {
		g0, g1, g2, g3, g5, g6, g7, g8 = g8, g7, g6, g5, g3, g2, g1, g0
	}
	// t = G g, column by column (6×3).
	t00, t50 := wino4G05(g0, g3, g6)
	t10, t20 := wino4G12(g0, g3, g6)
	t30, t40 := wino4G34(g0, g3, g6)
	t01, t51 := wino4G05(g1, g4, g7)
	t11, t21 := wino4G12(g1, g4, g7)
	t31, t41 := wino4G34(g1, g4, g7)
	t02, t52 := wino4G05(g2, g5, g8)
	t12, t22 := wino4G12(g2, g5, g8)
	t32, t42 := wino4G34(g2, g5, g8)
	// Row i of U = row i of t times Gᵀ, positions 6i … 6i+5.
	var a, b float64
	a, b = wino4G05(t00, t01, t02)
	out[0][r], out[5][r] = float32(a), float32(b)
	a, b = wino4G12(t00, t01, t02)
	out[1][r], out[2][r] = float32(a), float32(b)
	a, b = wino4G34(t00, t01, t02)
	out[3][r], out[4][r] = float32(a), float32(b)
	a, b = wino4G05(t10, t11, t12)
	out[6][r], out[11][r] = float32(a), float32(b)
	a, b = wino4G12(t10, t11, t12)
	out[7][r], out[8][r] = float32(a), float32(b)
	a, b = wino4G34(t10, t11, t12)
	out[9][r], out[10][r] = float32(a), float32(b)
	a, b = wino4G05(t20, t21, t22)
	out[12][r], out[17][r] = float32(a), float32(b)
	a, b = wino4G12(t20, t21, t22)
	out[13][r], out[14][r] = float32(a), float32(b)
	a, b = wino4G34(t20, t21, t22)
	out[15][r], out[16][r] = float32(a), float32(b)
	a, b = wino4G05(t30, t31, t32)
	out[18][r], out[23][r] = float32(a), float32(b)
	a, b = wino4G12(t30, t31, t32)
	out[19][r], out[20][r] = float32(a), float32(b)
	a, b = wino4G34(t30, t31, t32)
	out[21][r], out[22][r] = float32(a), float32(b)
	a, b = wino4G05(t40, t41, t42)
	out[24][r], out[29][r] = float32(a), float32(b)
	a, b = wino4G12(t40, t41, t42)
	out[25][r], out[26][r] = float32(a), float32(b)
	a, b = wino4G34(t40, t41, t42)
	out[27][r], out[28][r] = float32(a), float32(b)
	a, b = wino4G05(t50, t51, t52)
	out[30][r], out[35][r] = float32(a), float32(b)
	a, b = wino4G12(t50, t51, t52)
	out[31][r], out[32][r] = float32(a), float32(b)
	a, b = wino4G34(t50, t51, t52)
	out[33][r], out[34][r] = float32(a), float32(b)
}
