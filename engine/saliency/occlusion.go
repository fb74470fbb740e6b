package saliency

// occlusion returns, for every pixel, the mean over the windows covering it
// of the drop f_c(x) − f_c(x with the window filled), the window filled with
// Fill in every channel (Zeiler and Fergus, 2014, "Visualizing and
// understanding convolutional networks", arXiv:1311.2901). A positive value
// means hiding the pixel's neighbourhood lowers the target (f_c standing for
// the logit, log p_c or p_c as Options.Target says). The
// unoccluded image is example 0 of the first batch, so Progress counts
// windows + 1 examples.
//
// With Parts, a part runs the unoccluded image and its share of the
// windows, and divides each window's drop by the number of windows of the
// whole call covering the pixel, so that the parts add up to the whole.
func (r *run) occlusion() ([]float32, error) {
	H, W, C := r.in.H, r.in.W, r.in.C
	win, stride := r.opt.Window, r.opt.Stride
	ys, xs := windowStarts(H, win, stride), windowStarts(W, win, stride)
	count := make([]int32, H*W) // windows of the whole call covering each pixel
	for _, y0 := range ys {
		for _, x0 := range xs {
			for y := y0; y < y0+win; y++ {
				for x := x0; x < x0+win; x++ {
					count[y*W+x]++
				}
			}
		}
	}
	first, last := r.part(len(ys) * len(xs))
	if progress := r.opt.Progress; progress != nil && r.opt.Part > 0 {
		// Only part 0 counts the unoccluded image.
		r.opt.Progress = func(done, total int) { progress(max(done-1, 0), total-1) }
	}
	fill := func(i int, xi []float32) {
		copy(xi, r.x)
		if i == 0 {
			return
		}
		i += first
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
	var base float64
	use := func(i int, logits, _ []float32) {
		fc := r.opt.Target.Value(logits, r.opt.Class)
		if i == 0 {
			base = fc
			return
		}
		i += first
		drop := base - fc
		y0, x0 := ys[(i-1)/len(xs)], xs[(i-1)%len(xs)]
		for y := y0; y < y0+win; y++ {
			for x := x0; x < x0+win; x++ {
				sum[y*W+x] += drop
			}
		}
	}
	if err := r.sweep(1+last-first, false, fill, use); err != nil {
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
