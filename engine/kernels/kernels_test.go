package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// withGuard returns a slice of n values followed by guard NaNs, so a kernel
// that writes past its dimensions shows up.
func withGuard(vals []float32, guard int) []float32 {
	s := make([]float32, len(vals)+guard)
	copy(s, vals)
	for i := len(vals); i < len(s); i++ {
		s[i] = float32(math.NaN())
	}
	return s
}

type product struct {
	name        string
	fast, naive func(c, a, b []float32, m, k, n int)
}

var products = []product{
	{"NN", MatMul, MatMulNaive},
	{"TN", MatMulTN, MatMulTNNaive},
	{"NT", MatMulNT, MatMulNTNaive},
}

// withTile returns the packed product with register tile t, so both tiles
// are tested on every GOARCH (each build uses only one by default).
func withTile(t tile, transA, transB bool) func(c, a, b []float32, m, k, n int) {
	return func(c, a, b []float32, m, k, n int) {
		checkDims(c, a, b, m, k, n)
		gemm(c, a, b, m, k, n, transA, transB, t)
	}
}

// tiledProducts are the three products with each register tile of this
// build (the SIMD tiles too in a GOEXPERIMENT=simd wasm build).
var tiledProducts = func() []product {
	var ps []product
	for _, t := range append(append([]tile(nil), scalarTiles...), simdTiles...) {
		ps = append(ps,
			product{"NN/" + t.name, withTile(t, false, false), MatMulNaive},
			product{"TN/" + t.name, withTile(t, true, false), MatMulTNNaive},
			product{"NT/" + t.name, withTile(t, false, true), MatMulNTNaive})
	}
	return ps
}()

// checkProduct runs p.fast and p.naive on random operands of the given shape
// and fails on the first differing element. The operands are followed by NaN
// guards, so a kernel that reads past A or B, or writes past C, shows up; it
// also checks that A and B come back unchanged.
func checkProduct(t *testing.T, rng *rand.Rand, p product, m, k, n int) {
	t.Helper()
	const guard = 7
	a := withGuard(randSlice(rng, m*k), guard)
	b := withGuard(randSlice(rng, k*n), guard)
	c0 := randSlice(rng, m*n)
	want := append([]float32(nil), c0...)
	p.naive(want, a[:m*k], b[:k*n], m, k, n)
	got := withGuard(c0, guard)
	aCopy := append([]float32(nil), a...)
	bCopy := append([]float32(nil), b...)
	p.fast(got, a, b, m, k, n)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-4*(1+math.Abs(float64(want[i])))*math.Sqrt(float64(k+1))) {
			t.Fatalf("%s m=%d k=%d n=%d: C[%d] = %v, want %v (first bad index)", p.name, m, k, n, i, got[i], want[i])
		}
	}
	for i := m * n; i < len(got); i++ {
		if !math.IsNaN(float64(got[i])) {
			t.Fatalf("%s m=%d k=%d n=%d: wrote past C at %d", p.name, m, k, n, i)
		}
	}
	for i := range a {
		if a[i] != aCopy[i] && !(math.IsNaN(float64(a[i])) && math.IsNaN(float64(aCopy[i]))) {
			t.Fatalf("%s: A modified at %d", p.name, i)
		}
	}
	for i := range b {
		if b[i] != bCopy[i] && !(math.IsNaN(float64(b[i])) && math.IsNaN(float64(bCopy[i]))) {
			t.Fatalf("%s: B modified at %d", p.name, i)
		}
	}
}

// TestMatMulConformance compares each blocked product, with the default tile
// and with every tile, against its naive reference on shapes that hit full
// tiles and every edge case.
func TestMatMulConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 13, 16}
	for _, p := range append(append([]product(nil), products...), tiledProducts...) {
		for _, m := range sizes {
			for _, k := range sizes {
				for _, n := range sizes {
					checkProduct(t, rng, p, m, k, n)
				}
			}
		}
	}
}

// TestMatMulBlocks covers shapes larger than one cache block in K (kcBlock),
// with more rows than a new workspace holds packed (128, so the workspace
// grows), with ragged edges, and the convolution shapes the networks use.
func TestMatMulBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := []struct{ m, k, n int }{
		{133, kcBlock + 3, 11}, {257, 7, 5}, {3, 2*kcBlock + 1, 4},
		{16, 9, 4096 / 8}, {32, 144, 67}, {9, 16, 300}, {64, 288, 49}, {2, 64, 2},
		{1, 1280, 37}, {1, 37, 1000},
	}
	if testing.Short() {
		shapes = shapes[:4]
	}
	for _, p := range append(append([]product(nil), products...), tiledProducts...) {
		for _, s := range shapes {
			checkProduct(t, rng, p, s.m, s.k, s.n)
		}
	}
}

// TestMatMulTransposes checks that the three products agree with one another
// when the operands are transposed explicitly, so the naive references cannot
// share one wrong index convention.
func TestMatMulTransposes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, k, n := 5, 6, 7
	a := randSlice(rng, m*k)
	b := randSlice(rng, k*n)
	at := make([]float32, k*m)
	bt := make([]float32, n*k)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			at[p*m+i] = a[i*k+p]
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			bt[j*k+p] = b[p*n+j]
		}
	}
	want := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			want[i*n+j] = float32(s)
		}
	}
	for _, tc := range []struct {
		name string
		run  func(c []float32)
	}{
		{"NN", func(c []float32) { MatMul(c, a, b, m, k, n) }},
		{"TN", func(c []float32) { MatMulTN(c, at, b, m, k, n) }},
		{"NT", func(c []float32) { MatMulNT(c, a, bt, m, k, n) }},
	} {
		c := make([]float32, m*n)
		tc.run(c)
		for i := range c {
			if math.Abs(float64(c[i]-want[i])) > 1e-4 {
				t.Fatalf("%s: C[%d] = %v, want %v", tc.name, i, c[i], want[i])
			}
		}
	}
}

func TestMatMulPanicsOnShortBuffers(t *testing.T) {
	defer func() {
		if r := recover(); r != errShortB {
			t.Fatalf("recover() = %v, want %q", r, errShortB)
		}
	}()
	MatMul(make([]float32, 4), make([]float32, 4), make([]float32, 3), 2, 2, 2)
}

// directConv is a plain reference convolution of one image by one filter
// bank, used to check that im2col + MatMul computes a convolution.
func directConv(img, w []float32, oc int, g ConvGeom) []float32 {
	out := make([]float32, oc*g.OH*g.OW)
	for o := 0; o < oc; o++ {
		for oi := 0; oi < g.OH; oi++ {
			for oj := 0; oj < g.OW; oj++ {
				var s float32
				for c := 0; c < g.C; c++ {
					for ki := 0; ki < g.KH; ki++ {
						for kj := 0; kj < g.KW; kj++ {
							ii, jj := oi*g.Stride-g.Pad+ki, oj*g.Stride-g.Pad+kj
							if ii >= 0 && ii < g.H && jj >= 0 && jj < g.W {
								s += w[((o*g.C+c)*g.KH+ki)*g.KW+kj] * img[(c*g.H+ii)*g.W+jj]
							}
						}
					}
				}
				out[(o*g.OH+oi)*g.OW+oj] = s
			}
		}
	}
	return out
}

func TestIm2ColConvolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ c, h, w, k, s, p int }{
		{1, 5, 5, 3, 1, 1}, {3, 7, 6, 3, 2, 1}, {2, 8, 8, 1, 1, 0}, {2, 9, 7, 5, 2, 2}, {4, 6, 6, 2, 2, 0},
	} {
		g := NewConvGeom(tc.c, tc.h, tc.w, tc.k, tc.k, tc.s, tc.p)
		oc := 3
		img := randSlice(rng, tc.c*tc.h*tc.w)
		w := randSlice(rng, oc*g.Rows())
		col := make([]float32, g.Rows()*g.Cols())
		Im2Col(col, img, g)
		got := make([]float32, oc*g.Cols())
		MatMul(got, w, col, oc, g.Rows(), g.Cols())
		want := directConv(img, w, oc, g)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4 {
				t.Fatalf("%+v: out[%d] = %v, want %v", tc, i, got[i], want[i])
			}
		}
	}
}

// TestCol2ImAdjoint checks ⟨Im2Col(x), y⟩ = ⟨x, Col2Im(y)⟩, which is what makes
// Col2Im the correct backward of Im2Col.
func TestCol2ImAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	g := NewConvGeom(3, 7, 9, 3, 3, 2, 1)
	x := randSlice(rng, g.C*g.H*g.W)
	y := randSlice(rng, g.Rows()*g.Cols())
	col := make([]float32, len(y))
	Im2Col(col, x, g)
	img := make([]float32, len(x))
	Col2Im(img, y, g)
	var lhs, rhs float64
	for i := range y {
		lhs += float64(col[i]) * float64(y[i])
	}
	for i := range x {
		rhs += float64(x[i]) * float64(img[i])
	}
	if math.Abs(lhs-rhs) > 1e-3*(1+math.Abs(lhs)) {
		t.Fatalf("⟨Im2Col x, y⟩ = %v, ⟨x, Col2Im y⟩ = %v", lhs, rhs)
	}
}

func benchmarkProduct(b *testing.B, f func(c, a, bb []float32, m, k, n int), m, k, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := randSlice(rng, m*k)
	bb := randSlice(rng, k*n)
	c := make([]float32, m*n)
	b.ReportAllocs()
	b.SetBytes(int64(4 * (m*k + k*n + m*n)))
	b.ResetTimer()
	for b.Loop() {
		f(c, a, bb, m, k, n)
	}
	b.ReportMetric(2*float64(m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMatMul compares the blocked kernels with the naive references on a
// square product and on the shapes a 3×3 convolution at 64×64 produces.
func BenchmarkMatMul(b *testing.B) {
	shapes := []struct{ m, k, n int }{{256, 256, 256}, {32, 144, 4096}, {64, 288, 1024}}
	for _, s := range shapes {
		for _, p := range products {
			b.Run(fmt.Sprintf("%s/%dx%dx%d/blocked", p.name, s.m, s.k, s.n), func(b *testing.B) { benchmarkProduct(b, p.fast, s.m, s.k, s.n) })
			b.Run(fmt.Sprintf("%s/%dx%dx%d/naive", p.name, s.m, s.k, s.n), func(b *testing.B) { benchmarkProduct(b, p.naive, s.m, s.k, s.n) })
		}
	}
}

// BenchmarkMatMulTiles compares the register tiles on the layer shapes of
// the 64×64 networks (forward A·B, backward Aᵀ·B and A·Bᵀ): the numbers
// behind defaultTile's choice per GOARCH.
func BenchmarkMatMulTiles(b *testing.B) {
	shapes := []struct{ m, k, n int }{{16, 9, 4096}, {32, 144, 1024}, {64, 288, 256}, {256, 256, 256}}
	for _, s := range shapes {
		for _, p := range tiledProducts {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", p.name, s.m, s.k, s.n), func(b *testing.B) { benchmarkProduct(b, p.fast, s.m, s.k, s.n) })
		}
	}
}

// convGeoms are window geometries that hit every edge of the padded spans:
// windows larger than the image, strides larger than the window, padding on
// one-pixel images, and the networks' own shapes.
func convGeoms() []ConvGeom {
	var gs []ConvGeom
	for _, t := range []struct{ c, h, w, kh, kw, s, p int }{
		{1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 3, 3, 1, 1}, {2, 1, 2, 3, 3, 1, 2}, {1, 2, 3, 3, 3, 2, 1},
		{3, 5, 4, 2, 3, 3, 1}, {1, 7, 7, 5, 5, 1, 2}, {2, 6, 9, 3, 1, 2, 0}, {1, 4, 4, 1, 1, 4, 0},
		{1, 28, 28, 3, 3, 1, 1}, {8, 14, 14, 3, 3, 1, 1}, {8, 64, 64, 3, 3, 2, 1}, {8, 64, 64, 1, 1, 2, 0},
		{3, 9, 7, 4, 4, 3, 3}, {2, 6, 6, 3, 3, 1, 1}, {1, 4, 9, 3, 3, 1, 1},
	} {
		gs = append(gs, NewConvGeom(t.c, t.h, t.w, t.kh, t.kw, t.s, t.p))
	}
	return gs
}

// TestIm2ColConformance compares Im2Col and Col2Im with their naive
// references, with NaN guards past every buffer and a check that the input
// comes back unchanged.
func TestIm2ColConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const guard = 5
	for _, g := range convGeoms() {
		img := withGuard(randSlice(rng, g.C*g.H*g.W), guard)
		imgCopy := append([]float32(nil), img...)
		want := make([]float32, g.Rows()*g.Cols())
		Im2ColNaive(want, img, g)
		got := withGuard(randSlice(rng, len(want)), guard) // stale values must be overwritten
		Im2Col(got, img, g)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("Im2Col %+v: col[%d] = %v, want %v (first bad index)", g, i, got[i], want[i])
			}
		}
		for i := len(want); i < len(got); i++ {
			if !math.IsNaN(float64(got[i])) {
				t.Fatalf("Im2Col %+v: wrote past col at %d", g, i)
			}
		}
		for i := range img {
			if img[i] != imgCopy[i] && !math.IsNaN(float64(img[i])) {
				t.Fatalf("Im2Col %+v: image modified at %d", g, i)
			}
		}

		// The strided forms, with NaN in the gaps between rows: they must
		// write only the first OH·OW columns and read nothing else.
		ld := g.Cols() + 3
		strided := make([]float32, g.Rows()*ld)
		for i := range strided {
			strided[i] = float32(math.NaN())
		}
		Im2ColStrided(strided, ld, img, g)
		for r := 0; r < g.Rows(); r++ {
			for j := 0; j < ld; j++ {
				v := strided[r*ld+j]
				if j < g.Cols() && v != want[r*g.Cols()+j] || j >= g.Cols() && !math.IsNaN(float64(v)) {
					t.Fatalf("Im2ColStrided %+v: row %d column %d = %v", g, r, j, v)
				}
			}
		}

		col := withGuard(randSlice(rng, g.Rows()*g.Cols()), guard)
		base := randSlice(rng, g.C*g.H*g.W)
		wantImg := append([]float32(nil), base...)
		Col2ImNaive(wantImg, col, g)
		gotImg := withGuard(base, guard)
		Col2Im(gotImg, col, g)
		for i := range wantImg {
			if math.Abs(float64(gotImg[i]-wantImg[i])) > 1e-5*(1+math.Abs(float64(wantImg[i]))) {
				t.Fatalf("Col2Im %+v: img[%d] = %v, want %v (first bad index)", g, i, gotImg[i], wantImg[i])
			}
		}
		for i := len(wantImg); i < len(gotImg); i++ {
			if !math.IsNaN(float64(gotImg[i])) {
				t.Fatalf("Col2Im %+v: wrote past img at %d", g, i)
			}
		}
		for r := 0; r < g.Rows(); r++ {
			copy(strided[r*ld:r*ld+g.Cols()], col[r*g.Cols():(r+1)*g.Cols()])
		}
		gotImg2 := append([]float32(nil), base...)
		Col2ImStrided(gotImg2, strided, ld, g)
		for i := range wantImg {
			if math.Abs(float64(gotImg2[i]-wantImg[i])) > 1e-5*(1+math.Abs(float64(wantImg[i]))) {
				t.Fatalf("Col2ImStrided %+v: img[%d] = %v, want %v (first bad index)", g, i, gotImg2[i], wantImg[i])
			}
		}
	}
}

// specialValues mixes ties, signed zeros, NaN and infinities into random
// values, the inputs where a branch-free select could differ from a branch.
func specialValues(rng *rand.Rand, n int) []float32 {
	s := randSlice(rng, n)
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for i := range s {
		if rng.IntN(3) == 0 {
			s[i] = special[rng.IntN(len(special))]
		}
	}
	return s
}

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (math.IsNaN(float64(a)) && math.IsNaN(float64(b)))
}

// checkUnchanged fails t if got differs from its copy want in any value's
// bits (any NaN matches any NaN), naming what and the first index.
func checkUnchanged(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("%s modified at %d", what, i)
		}
	}
}

// TestFill checks every value Fill writes, at lengths around the powers of
// two its copies double through, and that it writes nothing past dst.
func TestFill(t *testing.T) {
	for n := 0; n <= 70; n++ {
		got := withGuard(nil, n+2)
		Fill(got[:n], -1.5)
		for i := range got {
			if i < n && got[i] != -1.5 || i >= n && !math.IsNaN(float64(got[i])) {
				t.Fatalf("Fill n=%d: [%d] = %v", n, i, got[i])
			}
		}
	}
}

// TestFillRows: each row gets its channel's bias, channels repeating
// over the rows, or zero without a bias; nothing past the rows is written.
func TestFillRows(t *testing.T) {
	bias := []float32{1, 2, 3}
	for _, b := range [][]float32{bias, nil} {
		got := withGuard(nil, 6*5+2)
		FillRows(got, b, 6, 5)
		for i, v := range got {
			want := float32(math.NaN())
			if i < 30 {
				want = 0
				if b != nil {
					want = b[(i/5)%3]
				}
			}
			if !sameBits(v, want) {
				t.Fatalf("bias %v: [%d] = %v, want %v", b, i, v, want)
			}
		}
	}
}

func TestElementwiseConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 64, 1000} {
		src := specialValues(rng, n)
		sel := specialValues(rng, n)
		srcCopy := append([]float32(nil), src...)
		want := make([]float32, n)
		ReLUToNaive(want, src)
		got := withGuard(randSlice(rng, n), 3)
		ReLUTo(got, src)
		for i := range want {
			if !sameBits(got[i], want[i]) {
				t.Fatalf("ReLUTo n=%d: [%d] = %v for %v, want %v", n, i, got[i], src[i], want[i])
			}
		}
		for i := n; i < len(got); i++ {
			if !math.IsNaN(float64(got[i])) {
				t.Fatalf("ReLUTo n=%d: wrote past dst at %d", n, i)
			}
		}
		GateToNaive(want, src, sel)
		got = withGuard(randSlice(rng, n), 3)
		GateTo(got, src, sel)
		for i := range want {
			if !sameBits(got[i], want[i]) {
				t.Fatalf("GateTo n=%d: [%d] = %v, want %v", n, i, got[i], want[i])
			}
		}
		for i := n; i < len(got); i++ {
			if !math.IsNaN(float64(got[i])) {
				t.Fatalf("GateTo n=%d: wrote past dst at %d", n, i)
			}
		}
		for i := range src {
			if !sameBits(src[i], srcCopy[i]) {
				t.Fatalf("input modified at %d", i)
			}
		}
	}
	for _, s := range []struct{ c, h, w int }{{1, 2, 2}, {1, 1, 5}, {2, 5, 7}, {3, 8, 8}, {16, 28, 28}, {4, 9, 6},
		// Even rows and whole groups of four windows: every plane in one
		// call (maxPoolRowsVec); odd rows: row by row.
		{2, 16, 16}, {3, 6, 32}, {2, 7, 16},
		// Odd widths whose W/2 is a multiple of four: rows are 2·(W/2)+1
		// wide, so they must not take the all-planes call.
		{2, 8, 9}, {3, 4, 17}} {
		x := withGuard(specialValues(rng, s.c*s.h*s.w), 4)
		outN := s.c * (s.h / 2) * (s.w / 2)
		wantY, wantA := make([]float32, outN), make([]int32, outN)
		MaxPool2x2Naive(wantY, wantA, x, s.c, s.h, s.w, 100)
		gotY := withGuard(nil, outN+3)
		gotA := make([]int32, outN+3)
		MaxPool2x2(gotY, gotA, x, s.c, s.h, s.w, 100)
		for i := 0; i < outN; i++ {
			if !sameBits(gotY[i], wantY[i]) || gotA[i] != wantA[i] {
				t.Fatalf("MaxPool2x2 %+v: [%d] = %v at %d, want %v at %d", s, i, gotY[i], gotA[i], wantY[i], wantA[i])
			}
		}
		for i := outN; i < len(gotY); i++ {
			if !math.IsNaN(float64(gotY[i])) || gotA[i] != 0 {
				t.Fatalf("MaxPool2x2 %+v: wrote past y or arg at %d", s, i)
			}
		}
	}
}

// packBNaive is the reference for packB: panel q holds, step by step, the nr
// values of op(B)'s columns j0+q·nr.., zero past the block's nc columns.
func packBNaive(dst, b []float32, trans bool, k, n, k0, kc, j0, nc, nr int) {
	for q := 0; q*nr < nc; q++ {
		for s := 0; s < kc; s++ {
			for jj := 0; jj < nr; jj++ {
				var v float32
				if j := q*nr + jj; j < nc {
					if trans {
						v = b[(j0+j)*k+k0+s]
					} else {
						v = b[(k0+s)*n+j0+j]
					}
				}
				dst[(q*kc+s)*nr+jj] = v
			}
		}
	}
}

// TestPackB checks the packing of B for every panel width, the SIMD tiles'
// too, in every build (the wide paths, packWide and interleave8, have a
// SIMD and a plain version), on a block with a partial last panel.
func TestPackB(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	k, n := 37, 61
	b := randSlice(rng, k*n)
	for _, nr := range []int{2, 3, 4, 8, 12} {
		for _, trans := range []bool{false, true} {
			k0, kc, j0, nc := 5, 29, 7, 53
			size := (nc + nr - 1) / nr * nr * kc
			want := make([]float32, size)
			packBNaive(want, b, trans, k, n, k0, kc, j0, nc, nr)
			got := withGuard(randSlice(rng, size), 3)
			packB(got, b, trans, k, n, k0, kc, j0, nc, nr)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("nr=%d trans=%v: packed[%d] = %v, want %v", nr, trans, i, got[i], want[i])
				}
			}
			for i := size; i < len(got); i++ {
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("nr=%d trans=%v: wrote past the panels at %d", nr, trans, i)
				}
			}
		}
	}
}

// TestBatchNormKernels compares NormalizeTo, ScaleTo and ProjectTo bit for
// bit with the plain loops they replace in nn.BatchNorm2D (in a SIMD build
// the vector prefix and the scalar tail both run), on lengths around
// multiples of four, with special values and guards past every output.
func TestBatchNormKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	mu, r, g, beta := float32(0.3), float32(1.7), float32(-0.8), float32(0.25)
	for _, n := range []int{0, 1, 3, 4, 5, 8, 63, 1000} {
		x, a := specialValues(rng, n), specialValues(rng, n)
		wantH, wantY, wantS, wantP := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i, v := range x {
			h := (v - mu) * r
			wantH[i], wantY[i] = h, g*h+beta
		}
		for i, v := range a {
			wantS[i] = r * v
			wantP[i] = g * (v - mu - wantH[i]*beta)
		}
		h, y := withGuard(nil, n+3), withGuard(nil, n+3)
		NormalizeTo(h, y, x, mu, r, g, beta)
		s := withGuard(nil, n+3)
		ScaleTo(s, a, r)
		p := withGuard(nil, n+3)
		ProjectTo(p, a, wantH, g, mu, beta)
		for _, c := range []struct {
			name      string
			got, want []float32
		}{{"NormalizeTo h", h, wantH}, {"NormalizeTo y", y, wantY}, {"ScaleTo", s, wantS}, {"ProjectTo", p, wantP}} {
			for i := range c.want {
				if !sameBits(c.got[i], c.want[i]) {
					t.Fatalf("%s n=%d: [%d] = %v, want %v", c.name, n, i, c.got[i], c.want[i])
				}
			}
			for i := n; i < len(c.got); i++ {
				if !math.IsNaN(float64(c.got[i])) {
					t.Fatalf("%s n=%d: wrote past the output at %d", c.name, n, i)
				}
			}
		}
	}
}

// sameValue is == except that NaN matches NaN: the accumulating kernels add
// +0 where the naive ones skip, which only turns −0 into +0.
func sameValue(a, b float32) bool {
	return a == b || (math.IsNaN(float64(a)) && math.IsNaN(float64(b)))
}

// TestActivationConformance checks GateAdd, ClampTo, ClampGateTo,
// ClampGateAdd and Axpy (SIMD in a wasm SIMD build) against their naive references
// on values with ties at the bounds, signed zeros, NaN and infinities, and
// that they stay within len(x).
func TestActivationConformance(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 3, 4, 7, 64, 1001} {
		for _, b := range []struct{ lo, hi float32 }{{0, 6}, {-1, 1}, {0, float32(math.Inf(1))}, {2, 2}} {
			x := specialValues(rng, n)
			for i := range x {
				switch rng.IntN(8) {
				case 0:
					x[i] = b.lo
				case 1:
					x[i] = b.hi
				}
			}
			src := specialValues(rng, n)
			dst0 := randSlice(rng, n)
			check := func(name string, got, want []float32, same func(a, b float32) bool) {
				t.Helper()
				for i := range want {
					if !same(got[i], want[i]) {
						t.Fatalf("%s n=%d [%v,%v]: [%d] = %v for x %v, want %v", name, n, b.lo, b.hi, i, got[i], x[i], want[i])
					}
				}
				for i := n; i < len(got); i++ {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("%s n=%d: wrote past dst at %d", name, n, i)
					}
				}
			}
			want := make([]float32, n)
			ClampToNaive(want, x, b.lo, b.hi)
			got := withGuard(randSlice(rng, n), 3)
			ClampTo(got, x, b.lo, b.hi)
			check("ClampTo", got, want, sameBits)

			want = make([]float32, n)
			ClampGateAddNaive(want, src, x, b.lo, b.hi)
			got = withGuard(randSlice(rng, n), 3)
			ClampGateTo(got, src, x, b.lo, b.hi)
			check("ClampGateTo", got, want, sameValue)

			want = append([]float32(nil), dst0...)
			ClampGateAddNaive(want, src, x, b.lo, b.hi)
			got = withGuard(append([]float32(nil), dst0...), 3)
			ClampGateAdd(got, src, x, b.lo, b.hi)
			check("ClampGateAdd", got, want, sameValue)

			want = append([]float32(nil), dst0...)
			AxpyNaive(want, src, b.hi)
			got = withGuard(append([]float32(nil), dst0...), 3)
			Axpy(got, src, b.hi)
			check("Axpy", got, want, sameValue)

			want = append([]float32(nil), dst0...)
			GateAddNaive(want, src, x)
			got = withGuard(append([]float32(nil), dst0...), 3)
			GateAdd(got, src, x)
			check("GateAdd", got, want, sameValue)
		}
	}
}

// TestAddScaledTo compares AddScaledTo bit for bit with AddScaledToNaive
// (in a SIMD build the vector prefix and the scalar tail both run), on
// lengths around multiples of four, with special values and guards past
// the output; and AddToFloat64 with the plain float64 loop, on the same
// lengths, with a guard past the sums.
func TestAddScaledTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 63, 1000} {
		a, b := specialValues(rng, n), specialValues(rng, n)
		for _, k := range []float32{0.515625, -3, 0} {
			want := make([]float32, n)
			AddScaledToNaive(want, a, b, k)
			got := withGuard(nil, n+3)
			AddScaledTo(got, a, b, k)
			for i := range want {
				if !sameBits(got[i], want[i]) {
					t.Fatalf("AddScaledTo n=%d k=%v: [%d] = %v, want %v", n, k, i, got[i], want[i])
				}
			}
			for i := n; i < len(got); i++ {
				if !math.IsNaN(float64(got[i])) {
					t.Fatalf("AddScaledTo n=%d: wrote past the output at %d", n, i)
				}
			}
		}

		src := randSlice(rng, n)
		sum := make([]float64, n+2)
		for i := range sum {
			sum[i] = float64(i) * 1e-3
		}
		want := slices.Clone(sum)
		for i, v := range src {
			want[i] += float64(v)
		}
		AddToFloat64(sum, src)
		AddToFloat64(sum[:0], src[:0])
		for i := range want {
			if sum[i] != want[i] {
				t.Fatalf("AddToFloat64 n=%d: [%d] = %v, want %v", n, i, sum[i], want[i])
			}
		}
	}
}
