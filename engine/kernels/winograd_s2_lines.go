package kernels

// The stride-2 phases' transforms (winograd_s2.go) as element-wise
// operations on lines of tiles: in V and M the values of one position and
// channel for all the chunk's tiles lie one after another, so each step of
// a transform (F(4, 2)'s Bᵀ, B, Aᵀ or A down the rows or along the columns
// of a part) is the same operation on nt consecutive values, for every
// channel, four tiles at a time with wasm SIMD (winograd_s2_simd.go). The
// scalar loops here do what the vector ones leave, with the same operations
// in the same order.

// s2Lines addresses a set of lines in a slice: line k of row r (a channel)
// starts at off + k·step + r·stride and holds the chunk's nt tiles.
type s2Lines struct{ off, step, stride int }

// line returns line k of row r, nt values.
func (l s2Lines) line(s []float32, k, r, nt int) []float32 {
	o := l.off + k*l.step + r*l.stride
	return s[o : o+nt]
}

// s2BtLines applies Bᵀ across the five lines l of each of rows rows of x,
// in place.
func s2BtLines(x []float32, l s2Lines, rows, nt int) {
	done := s2BtLinesVec(x, l, rows, nt)
	if done == nt {
		return
	}
	for r := 0; r < rows; r++ {
		d0, d1, d2, d3, d4 := l.line(x, 0, r, nt), l.line(x, 1, r, nt), l.line(x, 2, r, nt), l.line(x, 3, r, nt), l.line(x, 4, r, nt)
		for t := done; t < nt; t++ {
			d0[t], d1[t], d2[t], d3[t], d4[t] = s2Bt(d0[t], d1[t], d2[t], d3[t], d4[t])
		}
	}
}

// s2BLines applies B (Bᵀ's transpose) across the five lines l of each of
// rows rows of x, in place.
func s2BLines(x []float32, l s2Lines, rows, nt int) {
	done := s2BLinesVec(x, l, rows, nt)
	if done == nt {
		return
	}
	for r := 0; r < rows; r++ {
		m0, m1, m2, m3, m4 := l.line(x, 0, r, nt), l.line(x, 1, r, nt), l.line(x, 2, r, nt), l.line(x, 3, r, nt), l.line(x, 4, r, nt)
		for t := done; t < nt; t++ {
			m0[t], m1[t], m2[t], m3[t], m4[t] = s2B(m0[t], m1[t], m2[t], m3[t], m4[t])
		}
	}
}

// s2ALines writes A of the four lines sl of src into the five lines dl of
// dst, for each of rows rows; the two may not overlap.
func s2ALines(dst []float32, dl s2Lines, src []float32, sl s2Lines, rows, nt int) {
	done := s2ALinesVec(dst, dl, src, sl, rows, nt)
	if done == nt {
		return
	}
	for r := 0; r < rows; r++ {
		y0, y1, y2, y3 := sl.line(src, 0, r, nt), sl.line(src, 1, r, nt), sl.line(src, 2, r, nt), sl.line(src, 3, r, nt)
		a0, a1, a2, a3, a4 := dl.line(dst, 0, r, nt), dl.line(dst, 1, r, nt), dl.line(dst, 2, r, nt), dl.line(dst, 3, r, nt), dl.line(dst, 4, r, nt)
		for t := done; t < nt; t++ {
			a0[t], a1[t], a2[t], a3[t], a4[t] = s2A(y0[t], y1[t], y2[t], y3[t])
		}
	}
}

// s2AtAddLines adds Aᵀ of the five lines ml of m into the four lines dl of
// dst, for each of rows rows; the two may not overlap.
func s2AtAddLines(dst []float32, dl s2Lines, m []float32, ml s2Lines, rows, nt int) {
	done := s2AtAddLinesVec(dst, dl, m, ml, rows, nt)
	if done == nt {
		return
	}
	for r := 0; r < rows; r++ {
		m0, m1, m2, m3, m4 := ml.line(m, 0, r, nt), ml.line(m, 1, r, nt), ml.line(m, 2, r, nt), ml.line(m, 3, r, nt), ml.line(m, 4, r, nt)
		y0, y1, y2, y3 := dl.line(dst, 0, r, nt), dl.line(dst, 1, r, nt), dl.line(dst, 2, r, nt), dl.line(dst, 3, r, nt)
		for t := done; t < nt; t++ {
			a0, a1, a2, a3 := s2At(m0[t], m1[t], m2[t], m3[t], m4[t])
			y0[t] += a0
			y1[t] += a1
			y2[t] += a2
			y3[t] += a3
		}
	}
}
