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

// winograd4Pack transforms the filters w (OC×C×3×3) for F(4×4, 3×3) and
// packs the 36 positions into p, which it returns: U_ξ (OC×C), or with
// back the rotated filters' transform transposed (C×OC), the input
// gradient's. It gives the same values as winograd4RowTo followed by
// Pack(u, oc, c, false) or Pack(u, c, oc, true).
func winograd4Pack(p []PackedA, w []float32, oc, c int, back bool) []PackedA {
	if len(p) != 36 {
		p = make([]PackedA, 36)
	}
	t := defaultTile
	m, k := oc, c
	if back {
		m, k = c, oc
	}
	var d [36][]float32
	for i := range d {
		d[i] = p[i].packedReset(m, k, t)
	}
	w = w[:9*oc*c]
	if t.mr != 4 {
		panic("kernels: winograd4Pack needs panels of 4 rows")
	}
	rows := (m + 3) &^ 3
	var out [36][4]float32
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for pn := 0; 4*pn < m; pn++ {
			for s := 0; s < kc; s++ {
				for r := range 4 {
					row := 4*pn + r
					if row >= m {
						for i := range out {
							out[i][r] = 0
						}
						continue
					}
					f := row*c + k0 + s // filter (row, k0+s)
					if back {
						f = (k0+s)*c + row // filter (k0+s, row), rotated
					}
					wino4Filter(&out, r, (*[9]float32)(w[9*f:9*f+9]), back)
				}
				off := rows*k0 + 4*pn*kc + 4*s
				for i := range out {
					*(*[4]float32)(d[i][off : off+4]) = out[i]
				}
			}
		}
	}
	return p
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
