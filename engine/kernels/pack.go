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
//	      for each column panel (kc×NR values, in L1):
//	        for each row panel: the MR×NR micro-kernel
//
// Packing turns every operand access of the inner loop into one sequential
// stream whatever the transposition, so the same micro-kernel serves A·B, Aᵀ·B
// and A·Bᵀ, and one B panel is reused by every row panel while it is hot in
// L1. The micro-kernel (micro_gen.go) holds its MR×NR tile of C in scalar
// accumulators: Go's wasm target has no SIMD, so the win comes from loading
// each packed value once per MR or NR multiply-adds and from keeping every
// accumulator in a register. Edge tiles are computed into a scratch tile and
// only their valid part is added to C, so C is never written outside M×N.

// tile is a micro-kernel and its register-tile shape.
type tile struct {
	mr, nr int
	kernel func(c []float32, ldc int, ap, bp []float32)
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
				for q := 0; q < bPanels; q++ {
					j := j0 + q*nr
					cols := min(nr, n-j)
					bpanel := bp[q*nr*kc : (q+1)*nr*kc]
					for p := 0; p < aPanels; p++ {
						i := i0 + p*mr
						apanel := ap[p*mr*kc : (p+1)*mr*kc]
						if cols == nr && i+mr <= m {
							t.kernel(c[i*n+j:], n, apanel, bpanel)
							continue
						}
						// Edge tile: compute it whole in scratch, add the valid part.
						tt := ws.t[:mr*nr]
						clear(tt)
						t.kernel(tt, nr, apanel, bpanel)
						for r := 0; r < min(mr, m-i); r++ {
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
	if rem := mc % mr; rem != 0 {
		last := dst[(mc/mr)*mr*kc : (mc/mr+1)*mr*kc]
		for s := 0; s < kc; s++ {
			clear(last[s*mr+rem : (s+1)*mr])
		}
	}
	if trans {
		// A is stored K×M: step s of the block is a contiguous run of row k0+s.
		for s := 0; s < kc; s++ {
			src := a[(k0+s)*m+i0 : (k0+s)*m+i0+mc]
			for r, v := range src {
				dst[(r/mr)*mr*kc+s*mr+r%mr] = v
			}
		}
		return
	}
	for r := 0; r < mc; r++ {
		src := a[(i0+r)*k+k0 : (i0+r)*k+k0+kc]
		panel := dst[(r/mr)*mr*kc : (r/mr+1)*mr*kc]
		for s, v := range src {
			panel[s*mr+r%mr] = v
		}
	}
}

// packB writes columns j0..j0+nc of op(B), steps k0..k0+kc, into dst as
// panels of nr columns: panel q holds, step by step, the nr values of its
// columns, with zeros past the end of the block.
func packB(dst, b []float32, trans bool, k, n, k0, kc, j0, nc, nr int) {
	if rem := nc % nr; rem != 0 {
		last := dst[(nc/nr)*nr*kc : (nc/nr+1)*nr*kc]
		for s := 0; s < kc; s++ {
			clear(last[s*nr+rem : (s+1)*nr])
		}
	}
	if trans {
		// B is stored N×K: each column of op(B) is a contiguous row of B.
		for j := 0; j < nc; j++ {
			src := b[(j0+j)*k+k0 : (j0+j)*k+k0+kc]
			panel := dst[(j/nr)*nr*kc : (j/nr+1)*nr*kc]
			for s, v := range src {
				panel[s*nr+j%nr] = v
			}
		}
		return
	}
	for s := 0; s < kc; s++ {
		src := b[(k0+s)*n+j0 : (k0+s)*n+j0+nc]
		for j, v := range src {
			dst[(j/nr)*nr*kc+s*nr+j%nr] = v
		}
	}
}
