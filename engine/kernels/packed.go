package kernels

// A convolution multiplies the same filters by the column matrix of every
// image of a batch, and Integrated Gradients runs 32 images through the same
// filters: packing A again for each product (pack.go) re-reads and rewrites
// every weight once per image and pass, a cost the size of the weights
// (11.7 M values for ResNet-18) for each image forward and again backward.
// PackedA does that packing once, into the layout gemm's micro-kernel
// reads, for as many products as use it.

const errPackedDims = "kernels: packed A differs from the product's dimensions"

// PackedA is the left operand op(A), M×K, of products C += op(A)·B, packed
// once into the row panels of the blocked product (pack.go), so that many
// products with the same A skip packing it. It holds M·K values, rounded up
// to whole panels of the build's register tile. The zero value is empty;
// Pack fills it, and a filled PackedA is read only by the products, so
// several goroutines may use it at once.
type PackedA struct {
	m, k int
	t    tile
	data []float32
}

// Pack packs op(A) = A, stored M×K, or with trans op(A) = Aᵀ, A stored
// K×M, replacing what p held. It reuses p's storage, allocating only when
// p has held nothing as large, and panics if a is shorter than M·K or a
// dimension is negative.
func (p *PackedA) Pack(a []float32, m, k int, trans bool) {
	p.pack(a, m, k, trans, defaultTile)
}

// pack is Pack with register tile t.
func (p *PackedA) pack(a []float32, m, k int, trans bool, t tile) {
	if m < 0 || k < 0 {
		panic(errDims)
	}
	if len(a) < m*k {
		panic(errShortA)
	}
	mr := t.mr
	rows := (m + mr - 1) / mr * mr
	if cap(p.data) < rows*k {
		p.data = make([]float32, rows*k)
	}
	p.m, p.k, p.t, p.data = m, k, t, p.data[:rows*k]
	// Block by block of the shared dimension, as gemm packs them: block
	// k0 starts at rows·k0, since every block before it is kcBlock steps.
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		packA(p.data[rows*k0:rows*(k0+kc)], a, trans, m, k, 0, m, k0, kc, mr)
	}
}

// block returns the packed steps k0..k0+kc, as packA writes them for gemm.
func (p *PackedA) block(k0, kc int) []float32 {
	rows := len(p.data) / max(p.k, 1)
	return p.data[rows*k0 : rows*(k0+kc)]
}

// PackedValues returns the float32 values Pack keeps for an M×K op(A):
// M rounded up to whole row panels of the build's register tile, times K.
func PackedValues(m, k int) int {
	mr := defaultTile.mr
	return (m + mr - 1) / mr * mr * k
}

// Values returns the float32 values p holds.
func (p *PackedA) Values() int { return len(p.data) }

// Dims returns the M×K shape of the packed op(A) (0×0 for an empty one).
func (p *PackedA) Dims() (m, k int) { return p.m, p.k }

// MatMulPacked computes C[M×N] += op(A)·B, where a holds op(A) (M×K) packed
// by Pack and B is K×N: the same as MatMul (or MatMulTN, for an A packed
// with trans), without packing A. It panics if B or C is shorter than its
// dimensions.
func MatMulPacked(c []float32, a *PackedA, b []float32, m, k, n int) {
	if m != a.m || k != a.k {
		panic(errPackedDims)
	}
	if n < 0 {
		panic(errDims)
	}
	if len(b) < k*n {
		panic(errShortB)
	}
	if len(c) < m*n {
		panic(errShortC)
	}
	gemmPacked(c, nil, a, b, m, k, n, false, false, a.t)
}

// MatMulPackedBias overwrites C[M×N] with act(bias[i] + (op(A)·B)[i][j])
// (bias nil: 0), whatever C held: a convolution's output from its packed
// filters and column matrix, with its bias and a fused activation, as
// FillRows, MatMulPacked and act.Apply compute it. It panics if bias has
// fewer than M values.
func MatMulPackedBias(c []float32, a *PackedA, b []float32, m, k, n int, bias []float32, act Activation) {
	if bias != nil && len(bias) < m {
		panic("kernels: bias is shorter than C's rows")
	}
	if m < 0 || n < 0 || len(c) < m*n {
		panic(errShortC)
	}
	FillRows(c, bias, m, n)
	MatMulPacked(c, a, b, m, k, n)
	act.Apply(c[:m*n])
}
