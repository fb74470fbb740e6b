package kernels

import "sync"

//go:generate go run gen_micro.go

// The products are computed the way BLIS and gonum's blocked GEMM do it, cut
// down to what this engine needs:
//
//	for each block of kc steps of the shared dimension:
//	  for each block of mc rows of C:
//	    pack A's rows into panels of MR rows, step-major     (mc×kc values, in L2)
//	    for each block of nc columns of C:
//	      pack B's columns into panels of NR columns        (kc×nc values, in L2)
//	      for each row panel (MR×kc values, in L1):
//	        for each column panel: the MR×NR micro-kernel
//
// Packing turns every operand access of the inner loop into one sequential
// stream whatever the transposition, so the same micro-kernel serves A·B, Aᵀ·B
// and A·Bᵀ; a packed B block is reused by every row panel while it is in L2,
// and each A panel stays in L1 while one kernel call sweeps the block. The
// micro-kernel (micro_gen.go) holds its MR×NR tile of C in scalar
// accumulators: Go's wasm target has no SIMD, so the win comes from loading
// each packed value once per MR or NR multiply-adds and from keeping every
// accumulator in a register. Edge tiles are computed into a scratch tile and
// only their valid part is added to C, so C is never written outside M×N.

// tile is a micro-kernel and its register-tile shape.
type tile struct {
	mr, nr int
	kernel func(c []float32, ldc int, ap, bp []float32, kc int)
}

var (
	tile4x3 = tile{4, 3, micro4x3}
	tile4x2 = tile{4, 2, micro4x2}
)

// Block sizes: an A block of mc×kc float32 is at most 128 KiB, a B block of
// kc×nc at most 96 KiB (both stay in L2), one B panel of kc×NR at most 3 KiB.
const (
	kcBlock = 256
	mcBlock = 128
	ncBlock = 96 // a multiple of every NR
)

// workspace holds the packed operands of one product call.
type workspace struct {
	a, b, t []float32
}

// workspaces is a free list rather than a sync.Pool so that a warm engine
// never allocates (a Pool is emptied by every garbage collection); it holds
// at most one workspace per goroutine that has run a product concurrently.
var (
	wsMu   sync.Mutex
	wsFree []*workspace
)

func getWorkspace() *workspace {
	wsMu.Lock()
	defer wsMu.Unlock()
	if n := len(wsFree); n > 0 {
		ws := wsFree[n-1]
		wsFree = wsFree[:n-1]
		return ws
	}
	return &workspace{
		a: make([]float32, (mcBlock+8)*kcBlock),
		b: make([]float32, kcBlock*(ncBlock+8)),
		t: make([]float32, 8*8),
	}
}

func putWorkspace(ws *workspace) {
	wsMu.Lock()
	wsFree = append(wsFree, ws)
	wsMu.Unlock()
}

// gemm adds op(A)·op(B) to C[M×N], where op(A) is M×K (A stored K×M when
// transA) and op(B) is K×N (B stored N×K when transB). The caller has
// checked the dimensions.
func gemm(c, a, b []float32, m, k, n int, transA, transB bool, t tile) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	ws := getWorkspace()
	defer putWorkspace(ws)
	mr, nr := t.mr, t.nr
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for i0 := 0; i0 < m; i0 += mcBlock {
			mc := min(mcBlock, m-i0)
			aPanels := (mc + mr - 1) / mr
			ap := ws.a[:aPanels*mr*kc]
			packA(ap, a, transA, m, k, i0, mc, k0, kc, mr)
			for j0 := 0; j0 < n; j0 += ncBlock {
				nc := min(ncBlock, n-j0)
				bPanels := (nc + nr - 1) / nr
				bp := ws.b[:bPanels*nr*kc]
				packB(bp, b, transB, k, n, k0, kc, j0, nc, nr)
				// Full tiles: one kernel call per row panel covers every full
				// column panel of the block.
				full := nc / nr
				for p := 0; p < aPanels; p++ {
					i := i0 + p*mr
					if i+mr > m || full == 0 {
						break
					}
					t.kernel(c[i*n+j0:], n, ap[p*mr*kc:(p+1)*mr*kc], bp[:full*nr*kc], kc)
				}
				// Edge tiles (a last partial row or column panel): computed
				// whole in scratch, and only their valid part added to C.
				for p := 0; p < aPanels; p++ {
					i := i0 + p*mr
					rows := min(mr, m-i)
					for q := 0; q < bPanels; q++ {
						j := j0 + q*nr
						cols := min(nr, n-j)
						if rows == mr && cols == nr {
							continue
						}
						tt := ws.t[:mr*nr]
						clear(tt)
						t.kernel(tt, nr, ap[p*mr*kc:(p+1)*mr*kc], bp[q*nr*kc:(q+1)*nr*kc], kc)
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
}

// packA writes rows i0..i0+mc of op(A), steps k0..k0+kc, into dst as panels
// of mr rows: panel p holds, step by step, the mr values of its rows, with
// zeros for rows past the end of the block. Reading goes along A's rows, so
// a large power-of-two stride cannot thrash the cache.
func packA(dst, a []float32, trans bool, m, k, i0, mc, k0, kc, mr int) {
	for p := 0; p*mr < mc; p++ {
		panel := dst[p*mr*kc : (p+1)*mr*kc]
		rows := min(mr, mc-p*mr)
		if trans {
			// A is stored K×M: at each step the panel's rows are contiguous.
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
	if !trans {
		// B stored K×N, the common case: each step reads one contiguous
		// run of B and deals it out to the full panels, nr values each
		// (written out for the two tiles in use).
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
