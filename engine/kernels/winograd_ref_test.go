package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// The input transforms as they were before they split each input row once
// per channel (winoInput, wino4Input): each row of tiles split the rows it
// reads itself, so the rows two tile rows share were split twice. They stay
// as the references the new ones must match bit for bit
// (TestWinogradInputSplitOnce) and as the other side of
// BenchmarkWinogradInput.

// winoInputRows writes V = Bᵀ d B of the tiles of rows r0 … r0+nr−1 (over all
// images: row r is tile row r mod TH of image r / TH) and every channel into
// v, 16×C×nt with nt = nr·TW: v[ξ·C·nt + c·nt + t]. Per channel and row of
// tiles it copies the four input rows the tiles read into buf, split into
// their even and odd columns, with the padding as zeros; applies Bᵀ down the
// columns once for the whole width (neighbouring tiles share two columns);
// then B along each tile's four columns, which are even, odd, even, odd
// columns t, t, t+1, t+1 of the split rows: every step is then an
// element-wise operation on whole rows, four tiles at a time with wasm SIMD
// (winograd_simd.go), with no shuffle.
func winoInputRows(v, x []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	CS := g.C * nt
	h := g.TW + 1 // even (and odd) columns of the width 2·TW + 2 the tiles read
	plane := g.H * g.W
	row := func(k int) []float32 { return buf[k*h : (k+1)*h] }
	for c := 0; c < g.C; c++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			iy := 2*ty - g.Pad
			// d: even columns in rows 0–3 of buf, odd in rows 4–7.
			for i := 0; i < 4; i++ {
				ev, od := row(i), row(4+i)
				yy := iy + i
				if yy < 0 || yy >= g.H {
					clear(ev)
					clear(od)
					continue
				}
				off := (e*g.C+c)*plane + yy*g.W
				splitRowRef(ev, od, x[off:off+g.W], g.Pad)
			}
			// Bᵀ d into rows 8–11 (even) and 12–15 (odd).
			for k := 0; k < 8; k += 4 {
				winoColsRef(row(8+k), row(9+k), row(10+k), row(11+k), row(k), row(k+1), row(k+2), row(k+3))
			}
			// (Bᵀ d) B: each tile t reads even t, odd t, even t+1, odd t+1.
			o := c*nt + r*g.TW
			for i := 0; i < 4; i++ {
				winoRowRef(v[(4*i+0)*CS+o:(4*i+0)*CS+o+g.TW], v[(4*i+1)*CS+o:(4*i+1)*CS+o+g.TW],
					v[(4*i+2)*CS+o:(4*i+2)*CS+o+g.TW], v[(4*i+3)*CS+o:(4*i+3)*CS+o+g.TW],
					row(8+i), row(12+i))
			}
		}
	}
}

// splitRowRef writes the even and odd columns of an image row padded by pad
// zeros on the left (and zeros past its end) into ev and od: ev[k] is padded
// column 2k, input column 2k − pad; od[k] is 2k + 1 − pad. Input column j
// lands at padded column j + pad, so the even input columns all go to one of
// ev and od (by pad's parity) from index ⌊pad/2⌋, the odd ones to the other
// from ⌊(pad+1)/2⌋.
func splitRowRef(ev, od, src []float32, pad int) {
	clear(ev)
	clear(od)
	even, odd := ev, od
	if pad&1 == 1 {
		even, odd = od, ev
	}
	even, odd = even[pad>>1:], odd[(pad+1)>>1:]
	for i := 0; 2*i < len(src); i++ {
		even[i] = src[2*i]
	}
	for i := 0; 2*i+1 < len(src); i++ {
		odd[i] = src[2*i+1]
	}
}

// wino4InputRows writes V = Bᵀ d B of the 6×6 tiles of rows r0 … r0+nr−1 (over
// all images) and every channel into v, 36×C×nt with nt = nr·TW:
// v[ξ·C·nt + c·nt + t]. buf holds 48·(TW+1) values: the six input rows a
// row of tiles reads, each split into its four column phases of TW+1
// values, and their Bᵀ d.
func wino4InputRows(v, x []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	CS := g.C * nt
	TW, h := g.TW, g.TW+1
	plane := g.H * g.W
	row := func(k int) []float32 { return buf[4*k*h : 4*(k+1)*h] }
	var d, b, in, out [6][]float32
	for c := 0; c < g.C; c++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			iy := 4*ty - g.Pad
			for i := 0; i < 6; i++ {
				d[i], b[i] = row(i), row(6+i)
				yy := iy + i
				if yy < 0 || yy >= g.H {
					clear(d[i])
					continue
				}
				off := (e*g.C+c)*plane + yy*g.W
				splitRow4Ref(d[i], x[off:off+g.W], g.Pad, h)
			}
			wino4B(&b, &d) // Bᵀ d, every phase of every row at once
			o := c*nt + r*TW
			for i := 0; i < 6; i++ {
				q := b[i]
				q0, q1, q2, q3 := q[:h], q[h:2*h], q[2*h:3*h], q[3*h:]
				in = [6][]float32{q0[:TW], q1[:TW], q2[:TW], q3[:TW], q0[1:], q1[1:]}
				for j := range out {
					out[j] = v[(6*i+j)*CS+o : (6*i+j)*CS+o+TW]
				}
				wino4B(&out, &in)
			}
		}
	}
}

// splitRow4Ref writes the four column phases of an image row padded by pad
// zeros on the left (and zeros past its end) into dst, h values each: phase
// k's value t is padded column 4t + k, input column 4t + k − pad.
func splitRow4Ref(dst, src []float32, pad, h int) {
	for k := 0; k < 4; k++ {
		q := dst[k*h : (k+1)*h]
		// t0 is the first t with 4t + k − pad ≥ 0, t1 one past the last
		// with 4t + k − pad < len(src).
		t0 := max(0, (pad-k+3)/4)
		t1 := min(h, max(t0, (len(src)-k+pad+3)/4))
		clear(q[:t0])
		for t := t0; t < t1; t++ {
			q[t] = src[4*t+k-pad]
		}
		clear(q[t1:])
	}
}

// TestWinogradInputSplitOnce checks that winoInput and wino4Input, which
// split each input row once per channel, write the same V bit for bit as
// the references that split per row of tiles, on both tile sizes, paddings
// 0 to 2, odd and even maps, one to three images, and chunks that start
// inside an image and cross into the next; buf and v start as NaN, so a
// padding the clear missed or a tile left unwritten shows.
func TestWinogradInputSplitOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, m := range []int{2, 4} {
		for _, s := range []struct{ c, h, w, p, n int }{
			{3, 7, 7, 1, 1}, {2, 15, 9, 1, 3}, {3, 15, 9, 0, 2}, {2, 6, 5, 2, 2}, {1, 8, 8, 1, 2},
			{4, 14, 14, 1, 2}, {2, 5, 12, 2, 3}, {2, 3, 3, 1, 2},
		} {
			g := NewWinogradGeomTile(s.c, 1, s.h, s.w, s.p, m)
			x := randSlice(rng, s.n*s.c*s.h*s.w)
			input, ref, nbuf := winoInput, winoInputRows, winoInputBuf(g)
			if m == 4 {
				input, ref, nbuf = wino4Input, wino4InputRows, wino4InputBuf(g)
			}
			P := (m + 2) * (m + 2)
			R := s.n * g.TH
			for _, chunk := range [][2]int{{0, R}, {1, R - 1}, {g.TH - 1, min(2, R-g.TH+1)}, {R - 1, 1}} {
				r0, nr := chunk[0], chunk[1]
				if r0 < 0 || nr <= 0 {
					continue
				}
				nt := nr * g.TW
				got, want := make([]float32, P*s.c*nt), make([]float32, P*s.c*nt)
				buf := make([]float32, nbuf)
				for i := range got {
					got[i] = float32(math.NaN())
				}
				for i := range buf {
					buf[i] = float32(math.NaN())
				}
				input(got, x, r0, nr, buf, g)
				ref(want, x, r0, nr, make([]float32, 48*(g.TW+1)), g)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("M=%d %+v rows %d+%d: V[%d] = %v, want %v", m, s, r0, nr, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkWinogradInput times the input transforms against the references
// that split each row of tiles' input rows themselves, interleaved call by
// call on ResNet-18's 3×3 layers at batch 2 (the whole batch as one chunk),
// and reports the fastest call of each in ms and their ratio.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench WinogradInput \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinogradInput(b *testing.B) {
	for _, m := range []int{2, 4} {
		for _, s := range []struct{ c, hw int }{{64, 56}, {128, 28}, {256, 14}, {512, 7}} {
			b.Run(fmt.Sprintf("F%d/%dx%d²/n2", m, s.c, s.hw), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				g := NewWinogradGeomTile(s.c, s.c, s.hw, s.hw, 1, m)
				x := randSlice(rng, 2*s.c*s.hw*s.hw)
				input, ref, nbuf := winoInput, winoInputRows, winoInputBuf(g)
				if m == 4 {
					input, ref, nbuf = wino4Input, wino4InputRows, wino4InputBuf(g)
				}
				R := 2 * g.TH
				v := make([]float32, (m+2)*(m+2)*s.c*R*g.TW)
				buf, rbuf := make([]float32, nbuf), make([]float32, 48*(g.TW+1))
				var tn, to []time.Duration
				for b.Loop() {
					t0 := time.Now()
					ref(v, x, 0, R, rbuf, g)
					t1 := time.Now()
					input(v, x, 0, R, buf, g)
					to = append(to, t1.Sub(t0))
					tn = append(tn, time.Since(t1))
				}
				reportMinRatio(b, "once", tn, "rows", to, "once/rows")
			})
		}
	}
}

// winoColsRef applies Bᵀ down four rows: b0 = d0 − d2, b1 = d1 + d2,
// b2 = d2 − d1, b3 = d1 − d3, column by column.
func winoColsRef(b0, b1, b2, b3, d0, d1, d2, d3 []float32) {
	for j := winoColsRefVec(b0, b1, b2, b3, d0, d1, d2, d3); j < len(b0); j++ {
		b0[j] = d0[j] - d2[j]
		b1[j] = d1[j] + d2[j]
		b2[j] = d2[j] - d1[j]
		b3[j] = d1[j] - d3[j]
	}
}

// winoRowRef applies B along one row of (Bᵀ d) for every tile t of a row of
// tiles, whose columns are ev[t], od[t], ev[t+1], od[t+1]:
// v0 = q0 − q2, v1 = q1 + q2, v2 = q2 − q1, v3 = q1 − q3.
func winoRowRef(v0, v1, v2, v3, ev, od []float32) {
	for t := winoRowRefVec(v0, v1, v2, v3, ev, od); t < len(v0); t++ {
		v0[t] = ev[t] - ev[t+1]
		v1[t] = od[t] + ev[t+1]
		v2[t] = ev[t+1] - od[t]
		v3[t] = od[t] - od[t+1]
	}
}

// winoOutputRows is winoOutput as it was before the transform ran over
// whole chunks: Aᵀ M A per row of tiles into buf (4·TW values), then added
// into y value by value.
func winoOutputRows(y, m []float32, r0, nr int, buf []float32, g WinogradGeom) {
	nt := nr * g.TW
	OS := g.OC * nt
	plane := g.OH * g.OW
	full := g.OW / 2 // tiles with both columns inside
	TW := g.TW
	y00, y01, y10, y11 := buf[:TW], buf[TW:2*TW], buf[2*TW:3*TW], buf[3*TW:4*TW]
	for o := 0; o < g.OC; o++ {
		for r := 0; r < nr; r++ {
			e, ty := (r0+r)/g.TH, (r0+r)%g.TH
			k := o*nt + r*TW
			var ms [16][]float32
			for xi := range ms {
				ms[xi] = m[xi*OS+k : xi*OS+k+TW]
			}
			winoTilesRef(y00, y01, y10, y11, &ms)
			off := (e*g.OC+o)*plane + 2*ty*g.OW
			yr := y[off : off+g.OW]
			for t := 0; t < full; t++ {
				yr[2*t] += y00[t]
				yr[2*t+1] += y01[t]
			}
			if full < TW {
				yr[2*full] += y00[full]
			}
			if 2*ty+1 >= g.OH {
				continue // the tiles' second row is past OH
			}
			yr = y[off+g.OW : off+2*g.OW]
			for t := 0; t < full; t++ {
				yr[2*t] += y10[t]
				yr[2*t+1] += y11[t]
			}
			if full < TW {
				yr[2*full] += y10[full]
			}
		}
	}
}

// winoTilesRef computes Aᵀ M A for every tile t of a row of tiles, M's 16
// positions being ms[ξ][t], for winoOutputRows.
func winoTilesRef(y00, y01, y10, y11 []float32, ms *[16][]float32) {
	n := len(y00)
	y01, y10, y11 = y01[:n], y10[:n], y11[:n]
	for t := winoTilesRefVec(y00, y01, y10, y11, ms); t < n; t++ {
		var a [8]float32
		for j := 0; j < 4; j++ {
			m0, m1, m2, m3 := ms[j][t], ms[4+j][t], ms[8+j][t], ms[12+j][t]
			a[j] = m0 + m1 + m2
			a[4+j] = m1 - m2 - m3
		}
		y00[t] = a[0] + a[1] + a[2]
		y01[t] = a[1] - a[2] - a[3]
		y10[t] = a[4] + a[5] + a[6]
		y11[t] = a[5] - a[6] - a[7]
	}
}

// TestWinogradOutputChunk checks that winoOutput adds the same values into
// y, bit for bit, as winoOutputRows, on odd and even widths (partial last
// tiles), a last row of tiles past OH, and rows of 2 to 9 tiles.
func TestWinogradOutputChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, s := range []struct{ oc, h, w, n int }{{3, 7, 7, 1}, {2, 15, 9, 3}, {2, 4, 18, 2}, {1, 3, 3, 2}, {2, 6, 17, 1}} {
		g := NewWinogradGeomTile(1, s.oc, s.h, s.w, 1, 2)
		R := s.n * g.TH
		m := randSlice(rng, 16*s.oc*R*g.TW)
		y0 := randSlice(rng, s.n*s.oc*g.OH*g.OW)
		got, want := append([]float32(nil), y0...), append([]float32(nil), y0...)
		winoOutputRows(want, m, 0, R, make([]float32, 4*g.TW), g)
		winoOutput(got, m, 0, R, nil, g) // overwrites m, so after the reference
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: y[%d] = %v, want %v", s, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkWinogradOutput times F(2×2, 3×3)'s output transform against
// winoOutputRows, interleaved, on ResNet-18's 3×3 layers at batch 2, and
// reports the fastest call of each in ms and their ratio.
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2 go test -run '^$' -bench WinogradOutput \
//	    -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./engine/kernels
func BenchmarkWinogradOutput(b *testing.B) {
	for _, s := range []struct{ c, hw int }{{64, 56}, {128, 28}, {256, 14}, {512, 7}} {
		b.Run(fmt.Sprintf("%dx%d²/n2", s.c, s.hw), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			g := NewWinogradGeomTile(s.c, s.c, s.hw, s.hw, 1, 2)
			R := 2 * g.TH
			m0 := randSlice(rng, 16*s.c*R*g.TW)
			m := make([]float32, len(m0))
			y := make([]float32, 2*s.c*g.OH*g.OW)
			buf := make([]float32, 4*g.TW)
			var tn, to []time.Duration
			for b.Loop() {
				copy(m, m0)
				t0 := time.Now()
				winoOutputRows(y, m, 0, R, buf, g)
				t1 := time.Now()
				winoOutput(y, m, 0, R, buf, g)
				to = append(to, t1.Sub(t0))
				tn = append(tn, time.Since(t1))
			}
			reportMinRatio(b, "chunk", tn, "rows", to, "chunk/rows")
		})
	}
}

// wino4B applies (for the references: wino4InputRows) Bᵀ to the six rows d, element by element, into b:
//
//	b0 = (d0 + d4) − 2d2 − 1.5(d1 − d3)   b3 = (d4 − d2) − 2(d1 − d3)
//	b1 = (d4 − d1) + 0.5d2 + 2.5d3        b4 = (d4 − d2) + 0.5(d1 − d3)
//	b2 = (d4 + d1) − 2.5d2 + 0.5d3        b5 = (d1 + d5) − 2d3 − 1.5(d2 − d4)
func wino4B(b, d *[6][]float32) {
	n := len(b[0])
	b0, b1, b2, b3, b4, b5 := b[0][:n], b[1][:n], b[2][:n], b[3][:n], b[4][:n], b[5][:n]
	d0, d1, d2, d3, d4, d5 := d[0][:n], d[1][:n], d[2][:n], d[3][:n], d[4][:n], d[5][:n]
	for j := wino4BRefVec(b, d); j < n; j++ {
		b0[j], b1[j], b2[j], b3[j], b4[j], b5[j] = wino4BAt(d0[j], d1[j], d2[j], d3[j], d4[j], d5[j])
	}
}
