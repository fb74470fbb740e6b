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
// tap and the sign of a zero sum the reference gives.

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

// wino2Filter writes the 16 values of G g Gᵀ for F(2×2, 3×3) and the
// filter w into column r of out, position (i, j) at 4i+j, or with perm at
// 4σ(i)+σ(j) (the input gradient's U_σ(ξ)). It computes as winogradRowTo
// does, in float32.
func wino2Filter(out *[16][4]float32, r int, w *[9]float32, perm bool) {
	r &= 3
	// t = G g, column by column (4×3): g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2.
	var t [4][3]float32
	for j := range 3 {
		g0, g1, g2 := w[j], w[3+j], w[6+j]
		t[0][j], t[1][j], t[2][j], t[3][j] = g0, 0.5*(g0+g1+g2), 0.5*(g0-g1+g2), g2
	}
	for i := range 4 {
		r0, r1, r2 := t[i][0], t[i][1], t[i][2]
		u0, u1, u2, u3 := r0, 0.5*(r0+r1+r2), 0.5*(r0-r1+r2), r2
		if perm { // σ swaps 0 and 3
			q := 4 * i
			if i == 0 || i == 3 {
				q = 4 * (3 - i)
			}
			out[q+3][r], out[q+1][r], out[q+2][r], out[q][r] = u0, u1, u2, u3
		} else {
			q := 4 * i
			out[q][r], out[q+1][r], out[q+2][r], out[q+3][r] = u0, u1, u2, u3
		}
	}
}

// wino4Filter writes the 36 values of G g Gᵀ for the filter w (rotated by
// 180° with rot) into column r of out.
func wino4Filter(out *[36][4]float32, r int, w *[9]float32, rot bool) {
	r &= 3
	var g [9]float64
	if rot {
		for k := range 9 {
			g[k] = float64(w[8-k])
		}
	} else {
		for k := range 9 {
			g[k] = float64(w[k])
		}
	}
	// t = G g, column by column (6×3).
	var t [6][3]float64
	for j := range 3 {
		x, y, z := g[j], g[3+j], g[6+j]
		t[0][j], t[5][j] = wino4G05(x, y, z)
		t[1][j], t[2][j] = wino4G12(x, y, z)
		t[3][j], t[4][j] = wino4G34(x, y, z)
	}
	// Row i of U = row i of t times Gᵀ.
	for i := range 6 {
		x, y, z := t[i][0], t[i][1], t[i][2]
		u := out[6*i : 6*i+6]
		a, b := wino4G05(x, y, z)
		u[0][r], u[5][r] = float32(a), float32(b)
		a, b = wino4G12(x, y, z)
		u[1][r], u[2][r] = float32(a), float32(b)
		a, b = wino4G34(x, y, z)
		u[3][r], u[4][r] = float32(a), float32(b)
	}
}
