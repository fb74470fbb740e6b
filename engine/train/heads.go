package train

import "math"

// The functions here act on logits f, N×K, row-major: the objectives'
// "heads" and their first and second derivatives with respect to f.

// softmaxRows writes p = softmax(f) row by row.
func softmaxRows(p, f []float32, n, k int) {
	for b := 0; b < n; b++ {
		row, out := f[b*k:(b+1)*k], p[b*k:(b+1)*k]
		mx := row[0]
		for _, v := range row[1:] {
			if v > mx {
				mx = v
			}
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - mx))
			out[j] = float32(e)
			sum += e
		}
		inv := float32(1 / sum)
		for j := range out {
			out[j] *= inv
		}
	}
}

// crossEntropy returns the cross-entropy of the n rows of logits f against
// labels, summed and divided by total (n for a whole batch, the whole batch's
// size for a shard), and writes its gradient with respect to f,
// (p − onehot(y))/total, into df. p must hold softmax(f).
func crossEntropy(df, p, f []float32, labels []int, n, k, total int) float64 {
	var loss float64
	for b := 0; b < n; b++ {
		row := f[b*k : (b+1)*k]
		mx := row[0]
		for _, v := range row[1:] {
			if v > mx {
				mx = v
			}
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - mx))
		}
		y := labels[b]
		loss += float64(mx) + math.Log(sum) - float64(row[y])
		for j := 0; j < k; j++ {
			g := p[b*k+j]
			if j == y {
				g--
			}
			df[b*k+j] = g / float32(total)
		}
	}
	return loss / float64(total)
}

// logProbSumGrad writes ∂S/∂f for RRR's S = Σ_b Σ_k log p_bk, which is
// 1 − K·p_bj.
func logProbSumGrad(ds, p []float32, n, k int) {
	for i := 0; i < n*k; i++ {
		ds[i] = 1 - float32(k)*p[i]
	}
}

// logProbSumDual writes the reverse of Ṡ = Σ (1 − K·p)·ḟ, scaled by lam:
// the gradient with respect to f, −λK·p_bj·(ḟ_bj − Σ_i p_bi·ḟ_bi) (a
// Hessian-vector product of log-softmax), into df, and the gradient with
// respect to ḟ, λ(1 − K·p), into dft.
func logProbSumDual(df, dft, p, ft []float32, n, k int, lam float32) {
	kf := float32(k)
	for b := 0; b < n; b++ {
		pr, tr := p[b*k:(b+1)*k], ft[b*k:(b+1)*k]
		var mean float32
		for j := range pr {
			mean += pr[j] * tr[j]
		}
		for j := range pr {
			df[b*k+j] = -lam * kf * pr[j] * (tr[j] - mean)
			dft[b*k+j] = lam * (1 - kf*pr[j])
		}
	}
}

// contrastGrad writes ∂S/∂f for GradMask's S = Σ_b |f_bt − f_bo|, where t is
// the true class and o the strongest other class (for K = 2 this is
// |f_0 − f_1|): sign(f_bt − f_bo)·(e_t − e_o). The selection of o is held
// fixed, as the subgradient of the max.
func contrastGrad(ds, f []float32, labels []int, n, k int) {
	clear(ds[:n*k])
	for b := 0; b < n; b++ {
		row := f[b*k : (b+1)*k]
		t := labels[b]
		o := -1
		for j, v := range row {
			if j != t && (o < 0 || v > row[o]) {
				o = j
			}
		}
		var s float32 = 1
		if row[t] < row[o] {
			s = -1
		}
		ds[b*k+t] = s
		ds[b*k+o] = -s
	}
}
