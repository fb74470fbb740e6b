package saliency

// occlusion returns, for every pixel, the mean over the windows covering it
// of the drop f_c(x) − f_c(x with the window filled), the window filled with
// Fill in every channel (Zeiler and Fergus, 2014, "Visualizing and
// understanding convolutional networks", arXiv:1311.2901). A positive value
// means hiding the pixel's neighbourhood lowers the target (f_c standing for
// the logit, log p_c or p_c as Options.Target says). The
// unoccluded image is example 0 of the first batch, so Progress counts
// windows + 1 examples.
func (r *run) occlusion() ([]float32, error) {
	H, W, C := r.in.H, r.in.W, r.in.C
	win, stride := r.opt.Window, r.opt.Stride
	ys, xs := windowStarts(H, win, stride), windowStarts(W, win, stride)
	fill := func(i int, xi []float32) {
		copy(xi, r.x)
		if i == 0 {
			return
		}
		y0, x0 := ys[(i-1)/len(xs)], xs[(i-1)%len(xs)]
		for c := 0; c < C; c++ {
			for y := y0; y < y0+win; y++ {
				row := xi[(c*H+y)*W+x0 : (c*H+y)*W+x0+win]
				for j := range row {
					row[j] = r.opt.Fill
				}
			}
		}
	}
	sum := make([]float64, H*W)
	count := make([]int32, H*W)
	var base float64
	use := func(i int, logits, _ []float32) {
		fc := r.opt.Target.Value(logits, r.opt.Class)
		if i == 0 {
			base = fc
			return
		}
		drop := base - fc
		y0, x0 := ys[(i-1)/len(xs)], xs[(i-1)%len(xs)]
		for y := y0; y < y0+win; y++ {
			for x := x0; x < x0+win; x++ {
				sum[y*W+x] += drop
				count[y*W+x]++
			}
		}
	}
	if err := r.sweep(1+len(ys)*len(xs), false, fill, use); err != nil {
		return nil, err
	}
	out := make([]float32, H*W)
	for p, s := range sum {
		// Every pixel is covered at least once (see windowStarts).
		out[p] = float32(s / float64(count[p]))
	}
	return out, nil
}

// windowStarts returns the first index of each window of side win moved by
// stride along a line of n pixels (win ≤ n, 1 ≤ stride ≤ win): 0, stride,
// 2·stride, ... while the window fits, plus n − win if the last of those
// stops short of the end, so that every pixel is covered.
func windowStarts(n, win, stride int) []int {
	starts := make([]int, 0, windowCount(n, win, stride))
	p := 0
	for ; p+win <= n; p += stride {
		starts = append(starts, p)
	}
	if last := starts[len(starts)-1]; last+win < n {
		starts = append(starts, n-win)
	}
	return starts
}

// windowCount returns len(windowStarts(n, win, stride)).
func windowCount(n, win, stride int) int {
	c := (n-win)/stride + 1
	if (n-win)%stride != 0 {
		c++
	}
	return c
}
