package kernels

//go:generate go run gen_micro.go

// The products are computed the way BLIS and gonum's blocked GEMM do it, cut
// down to what this engine needs:
//
//	for each block of kc steps of the shared dimension:
//	  pack all of A's rows into panels of MR rows, step-major (M×kc values)
//	  for each block of nc columns of C:
//	    pack B's columns into panels of NR columns          (kc×nc values, in L2)
//	    for each row panel (MR×kc values, in L1):
//	      for each column panel: the MR×NR micro-kernel
//
// Packing turns every operand access of the inner loop into one sequential
// stream whatever the transposition, so the same micro-kernel serves A·B, Aᵀ·B
// and A·Bᵀ; a packed B block is reused by every row panel while it is in L2,
// and each A panel stays in L1 while one kernel call sweeps the block. Each
// operand is packed exactly once per product. The micro-kernel holds its
// MR×NR tile of C in accumulators: scalar ones (micro_gen.go) in every build,
// Float32x4 vectors (micro_simd_gen.go) in a GOEXPERIMENT=simd wasm build. The
// win comes from loading each packed value once per MR or NR multiply-adds and
// from keeping every accumulator in a register. Edge tiles are computed into a
// scratch tile and only their valid part is added to C, so C is never written
// outside M×N.

// tile is a micro-kernel and its register-tile shape.
type tile struct {
	name   string
	mr, nr int
	kernel func(c []float32, ldc int, ap, bp []float32, kc int)
}

var (
	tile4x3 = tile{"4x3", 4, 3, micro4x3}
	tile4x2 = tile{"4x2", 4, 2, micro4x2}
)

// scalarTiles are the tiles every build has; simdTiles (tile_*.go) adds the
// SIMD ones of a GOEXPERIMENT=simd wasm build. The tests run every tile of a
// build against the naive products, and BenchmarkMatMulTiles compares them.
var scalarTiles = []tile{tile4x3, tile4x2}

// Block sizes: a B block of kc×nc float32 is at most 96 KiB (it stays in
// L2), one B panel of kc×NR at most 8 KiB, one A panel of MR×kc at most
// 8 KiB. The packed A block, M×kc, grows with M (up to 1 MiB for M = 1024).
const (
	kcBlock = 256
	ncBlock = 96 // a multiple of every NR
)

// workspace holds the packed operands of one product call.
type workspace struct {
	a, b, t []float32
}

// workspaces are the products' workspaces not in use.
var workspaces = freeList[workspace]{make: func() *workspace {
	return &workspace{
		a: make([]float32, 128*kcBlock),
		b: make([]float32, kcBlock*(ncBlock+16)),
		t: make([]float32, 16*16),
	}
}}

// gemm adds op(A)·op(B) to C[M×N], where op(A) is M×K (A stored K×M when
// transA) and op(B) is K×N (B stored N×K when transB). The caller has
// checked the dimensions.
func gemm(c, a, b []float32, m, k, n int, transA, transB bool, t tile) {
	gemmPacked(c, a, nil, b, m, k, n, transA, transB, t)
}

// gemmPacked is gemm, with op(A)'s blocks taken from pa instead of packed
// from a when pa is not nil (pa was packed with tile t; see PackedA).
func gemmPacked(c, a []float32, pa *PackedA, b []float32, m, k, n int, transA, transB bool, t tile) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	ws := workspaces.get()
	defer workspaces.put(ws)
	mr, nr := t.mr, t.nr
	aPanels := (m + mr - 1) / mr
	if need := aPanels * mr * min(k, kcBlock); pa == nil && cap(ws.a) < need {
		ws.a = make([]float32, need) // once per workspace and larger shape
	}
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		var ap []float32
		if pa != nil {
			ap = pa.block(k0, kc)
		} else {
			ap = ws.a[:aPanels*mr*kc]
			packA(ap, a, transA, m, k, 0, m, k0, kc, mr)
		}
		for j0 := 0; j0 < n; j0 += ncBlock {
			nc := min(ncBlock, n-j0)
			bPanels := (nc + nr - 1) / nr
			bp := ws.b[:bPanels*nr*kc]
			packB(bp, b, transB, k, n, k0, kc, j0, nc, nr)
			// Full tiles: one kernel call per row panel covers every full
			// column panel of the block.
			if full := nc / nr; full > 0 {
				for p := 0; (p+1)*mr <= m; p++ {
					t.kernel(c[p*mr*n+j0:], n, ap[p*mr*kc:(p+1)*mr*kc], bp[:full*nr*kc], kc)
				}
			}
			// Edge tiles (a last partial row or column panel): computed
			// whole in scratch, and only their valid part added to C.
			for p := 0; p < aPanels; p++ {
				i := p * mr
				rows := min(mr, m-i)
				for q := 0; q < bPanels; q++ {
					j := j0 + q*nr
					cols := min(nr, n-j)
					if rows == mr && cols == nr {
						continue
					}
					tt := ws.t[:mr*nr]
					apan, bpan := ap[p*mr*kc:(p+1)*mr*kc], bp[q*nr*kc:(q+1)*nr*kc]
					if mr != 4 || !edgeColsVec(tt, apan, bpan, kc, nr, cols) {
						clear(tt)
						t.kernel(tt, nr, apan, bpan, kc)
					}
					for r := 0; r < rows; r++ {
						crow := c[(i+r)*n+j : (i+r)*n+j+cols]
						for jj := range crow {
							crow[jj] += tt[r*nr+jj]
						}
					}
				}
			}
		}
	}
}

// packA writes rows i0..i0+mc of op(A), steps k0..k0+kc, into dst as panels
// of mr rows: panel p holds, step by step, the mr values of its rows, with
// zeros for rows past the end of the block. Reading goes along A's rows, so
// a large power-of-two stride cannot thrash the cache.
func packA(dst, a []float32, trans bool, m, k, i0, mc, k0, kc, mr int) {
	first := 0
	if trans && mr == 4 {
		first = packATrans4(dst, a, m, i0, mc, k0, kc)
	}
	for p := first; p*mr < mc; p++ {
		panel := dst[p*mr*kc : (p+1)*mr*kc]
		rows := min(mr, mc-p*mr)
		if trans {
			// A is stored K×M: at each step the panel's rows are contiguous.
			if mr == 4 && rows == 4 {
				// A full panel of the 4-row tiles: one 4-value move a step.
				for s := 0; s < kc; s++ {
					d := (*[4]float32)(panel[4*s : 4*s+4])
					v := (*[4]float32)(a[(k0+s)*m+i0+p*4:])
					d[0], d[1], d[2], d[3] = v[0], v[1], v[2], v[3]
				}
				continue
			}
			for s := 0; s < kc; s++ {
				src := a[(k0+s)*m+i0+p*mr:]
				d := panel[s*mr : (s+1)*mr]
				for r := range d {
					if r < rows {
						d[r] = src[r]
					} else {
						d[r] = 0
					}
				}
			}
			continue
		}
		if mr == 4 && rows == 4 {
			i := i0 + p*mr
			interleave4(panel, a[i*k+k0:], a[(i+1)*k+k0:], a[(i+2)*k+k0:], a[(i+3)*k+k0:], kc)
			continue
		}
		for r := 0; r < mr; r++ {
			if r >= rows {
				for s := 0; s < kc; s++ {
					panel[s*mr+r] = 0
				}
				continue
			}
			i := i0 + p*mr + r
			for s, v := range a[i*k+k0 : i*k+k0+kc] {
				panel[s*mr+r] = v
			}
		}
	}
}

// packB writes columns j0..j0+nc of op(B), steps k0..k0+kc, into dst as
// panels of nr columns: panel q holds, step by step, the nr values of its
// columns, with zeros past the end of the block.
func packB(dst, b []float32, trans bool, k, n, k0, kc, j0, nc, nr int) {
	full := nc / nr
	if !trans && nr >= 4 {
		// The SIMD tiles' panels: see packWide.
		packWide(dst, b, n, k0, kc, j0, full, nr)
		if full*nr < nc {
			packBPanels(dst, b, trans, k, n, k0, kc, j0, nc, nr, full)
		}
		return
	}
	if !trans {
		// B stored K×N, the common case: each step reads one contiguous
		// run of B and deals it out to the full panels, nr values each
		// (written out for the scalar tiles).
		for s := 0; s < kc; s++ {
			src := b[(k0+s)*n+j0 : (k0+s)*n+j0+nr*full]
			o := s * nr
			switch nr {
			case 3:
				for q := 0; q+3 <= len(src); q += 3 {
					v := src[q : q+3 : q+3]
					d := dst[o : o+3 : o+3]
					d[0], d[1], d[2] = v[0], v[1], v[2]
					o += 3 * kc
				}
			case 2:
				for q := 0; q+2 <= len(src); q += 2 {
					v := src[q : q+2 : q+2]
					d := dst[o : o+2 : o+2]
					d[0], d[1] = v[0], v[1]
					o += 2 * kc
				}
			default:
				for q := 0; q+nr <= len(src); q += nr {
					copy(dst[o:o+nr], src[q:q+nr])
					o += nr * kc
				}
			}
		}
		if full*nr < nc {
			packBPanels(dst, b, trans, k, n, k0, kc, j0, nc, nr, full)
		}
		return
	}
	packBPanels(dst, b, trans, k, n, k0, kc, j0, nc, nr, 0)
}

// packBPanels packs panels first.. of packB's block one at a time.
func packBPanels(dst, b []float32, trans bool, k, n, k0, kc, j0, nc, nr, first int) {
	for q := first; q*nr < nc; q++ {
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		cols := min(nr, nc-q*nr)
		j := j0 + q*nr
		if trans {
			// B is stored N×K: each column of op(B) is a contiguous row of B.
			if nr == 8 && cols == 8 {
				r := b[j*k+k0:]
				interleave8(panel, r, r[k:], r[2*k:], r[3*k:], r[4*k:], r[5*k:], r[6*k:], r[7*k:], kc)
				continue
			}
			for jj := 0; jj < nr; jj++ {
				if jj >= cols {
					for s := 0; s < kc; s++ {
						panel[s*nr+jj] = 0
					}
					continue
				}
				for s, v := range b[(j+jj)*k+k0 : (j+jj)*k+k0+kc] {
					panel[s*nr+jj] = v
				}
			}
			continue
		}
		// B is stored K×N: at each step the panel's columns are contiguous.
		for s := 0; s < kc; s++ {
			src := b[(k0+s)*n+j:]
			d := panel[s*nr : (s+1)*nr]
			for jj := range d {
				if jj < cols {
					d[jj] = src[jj]
				} else {
					d[jj] = 0
				}
			}
		}
	}
}

// interleave4 writes dst[4s+r] = r-th source[s] for s < n: four rows of A
// into one packed panel, step by step.
func interleave4(dst, r0, r1, r2, r3 []float32, n int) {
	r0, r1, r2, r3 = r0[:n], r1[:n], r2[:n], r3[:n]
	dst = dst[:4*n]
	for s := interleave4Vec(dst, r0, r1, r2, r3); s < n; s++ {
		d := (*[4]float32)(dst[4*s : 4*s+4])
		d[0], d[1], d[2], d[3] = r0[s], r1[s], r2[s], r3[s]
	}
}

// interleave8 writes dst[8s+r] = r-th source[s] for s < n: eight rows of a
// transposed B into one packed panel of the 8-wide SIMD tile.
func interleave8(dst, r0, r1, r2, r3, r4, r5, r6, r7 []float32, n int) {
	r0, r1, r2, r3 = r0[:n], r1[:n], r2[:n], r3[:n]
	r4, r5, r6, r7 = r4[:n], r5[:n], r6[:n], r7[:n]
	dst = dst[:8*n]
	for s := range r0 {
		d := (*[8]float32)(dst[8*s : 8*s+8])
		d[0], d[1], d[2], d[3] = r0[s], r1[s], r2[s], r3[s]
		d[4], d[5], d[6], d[7] = r4[s], r5[s], r6[s], r7[s]
	}
}
