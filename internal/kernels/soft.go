package kernels

import "math"

// The softmax losses against probability targets (soft labels): one image
// of C planes of S logits x and C planes of S targets y in [0, 1] (a
// distribution over the classes at each pixel, or any soft one-hot). These
// are plain Go: per block of SoftBlock pixels the exponentials
// exp(x_c - max) and the cross entropy's log(sum_c exp) come from the
// tier's elementwise exp and log (float32, expf and logf of math.go on the
// generic tier), everything else (the sums and the gradient) is float64. No assembly kernel reads float targets
// per class yet.

// SoftBlock is the number of pixels whose exponentials the probability
// target primitives take in one call of the tier's exp.
const SoftBlock = 256

// SoftScratchLen returns the float32 scratch the probability-target
// primitives need for C classes (Scratch32 of SoftTargetParams and
// SoftTargetCoef): C*SoftBlock exponentials, SoftBlock maxima and
// SoftBlock logarithms.
func SoftScratchLen(C int) int { return (C + 2) * SoftBlock }

// softExp writes, for pixels [lo, hi) (at most SoftBlock), mx[j] = max_c
// x_c and e[c*SoftBlock + j] = exp(x_c - mx[j]) of pixel lo+j.
func softExp(t *tier, x []float32, C, S, lo, hi int, e, mx []float32) {
	n := hi - lo
	for j := 0; j < n; j++ {
		m := float32(math.Inf(-1))
		for c := 0; c < C; c++ {
			m = max(m, x[c*S+lo+j])
		}
		mx[j] = m
	}
	for c := 0; c < C; c++ {
		z := e[c*SoftBlock : c*SoftBlock+n]
		xc := x[c*S+lo : c*S+hi]
		for j := range z {
			z[j] = xc[j] - mx[j]
		}
		t.exp(z, z)
	}
}

// SoftTargetParams configures SoftTargetRange.
type SoftTargetParams struct {
	C int
	// CE adds the cross entropy of torch's cross_entropy with probability
	// targets: sum_c w_c y'_c (lse - x_c), y' = (1-Smoothing)*y +
	// Smoothing/C, w_c = CEWeight[c] (1 when nil).
	CE        bool
	CEWeight  []float32
	Smoothing float32
	// Region adds the per-class sums of p = softmax(x) against y.
	Region bool
	// Scratch32 holds at least SoftScratchLen(C) float32 values.
	Scratch32 []float32
}

// SoftTargetSums are the sums of SoftTargetRange: per class (C each) P = sum
// p, PY = sum p*y, Y = sum y, PP = sum p^2, YY = sum y^2, AD = sum |p - y|,
// and CE, the sum of the pixels' cross entropies.
type SoftTargetSums struct {
	P, PY, Y, PP, YY, AD []float64
	CE                   float64
}

// SoftTargetCoef configures SoftTargetGradRange. The gradient of pixel i
// with respect to x_k is
//
//	CEScale * (p_k * sum_c w_c y'_c - w_k y'_k)      cross entropy
//	+ p_k * (g_k - sum_j p_j g_j)                    region terms
//
// with g_j = A_j y_j + B_j + E_j p_j + D_j sgn(p_j - y_j) (A, B, E, D: C
// values each, nil for no region terms).
type SoftTargetCoef struct {
	C          int
	CEScale    float32
	CEWeight   []float32
	Smoothing  float32
	A, B, E, D []float32
	// Scratch holds at least 2*C float64 values, Scratch32 at least
	// SoftScratchLen(C) float32 values.
	Scratch   []float64
	Scratch32 []float32
}

func checkSoftTarget(fn string, x, y []float32, C, S, lo, hi int, cw []float32, scr32 []float32) error {
	if C < 1 || S < 0 || lo < 0 || lo > hi || hi > S {
		return argErr(fn, "C = %d, S = %d, pixels [%d, %d)", C, S, lo, hi)
	}
	if S > 0 && C > math.MaxInt/S {
		return argErr(fn, "C*S overflows")
	}
	if err := checkLen(fn, "x", len(x), C*S); err != nil {
		return err
	}
	if err := checkLen(fn, "y", len(y), C*S); err != nil {
		return err
	}
	if cw != nil {
		if err := checkLen(fn, "CEWeight", len(cw), C); err != nil {
			return err
		}
	}
	if C > math.MaxInt/SoftBlock-2 {
		return argErr(fn, "C = %d: the scratch overflows", C)
	}
	return checkLen(fn, "Scratch32", len(scr32), SoftScratchLen(C))
}

// SoftTargetRange adds the sums of pixels [lo, hi) of one image (x, y: C
// planes of S) to out, whose six per-class slices have at least C
// elements. Bad lengths or ranges are an ErrArg error, nothing added.
func SoftTargetRange(x, y []float32, S, lo, hi int, p *SoftTargetParams, out *SoftTargetSums) error {
	const fn = "SoftTargetRange"
	if p == nil || out == nil {
		return argErr(fn, "nil SoftTargetParams or SoftTargetSums")
	}
	C := p.C
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, p.CEWeight, p.Scratch32); err != nil {
		return err
	}
	for _, s := range [][]float64{out.P, out.PY, out.Y, out.PP, out.YY, out.AD} {
		if err := checkLen(fn, "a SoftTargetSums slice", len(s), C); err != nil {
			return err
		}
	}
	t := active.Load() // elementwise: any C
	e, mxs := p.Scratch32[:C*SoftBlock], p.Scratch32[C*SoftBlock:(C+1)*SoftBlock]
	eps := float64(p.Smoothing)
	for b := lo; b < hi; b += SoftBlock {
		bh := min(b+SoftBlock, hi)
		n := bh - b
		softExp(t, x, C, S, b, bh, e, mxs)
		lsum := p.Scratch32[(C+1)*SoftBlock : (C+1)*SoftBlock+n]
		if p.CE {
			// log(sum) of every pixel by the tier's log (the sum in
			// float64, rounded once: it is in [1, C])
			for j := range lsum {
				var sum float64
				for c := 0; c < C; c++ {
					sum += float64(e[c*SoftBlock+j])
				}
				lsum[j] = float32(sum)
			}
			t.log(lsum, lsum)
		}
		for j := range n {
			i := b + j
			var sum float64
			for c := 0; c < C; c++ {
				sum += float64(e[c*SoftBlock+j])
			}
			if p.CE {
				// -log p_c = (mx - x_c) + log(sum): with mx first, logits
				// of 1e30 would swallow log(sum) (float64 spacing 1e14).
				ls, mx := float64(lsum[j]), float64(mxs[j])
				var l float64
				for c := 0; c < C; c++ {
					w := 1.0
					if p.CEWeight != nil {
						w = float64(p.CEWeight[c])
					}
					yc := (1-eps)*float64(y[c*S+i]) + eps/float64(C)
					l += w * yc * ((mx - float64(x[c*S+i])) + ls)
				}
				out.CE += l
			}
			if p.Region {
				r := 1 / sum
				for c := 0; c < C; c++ {
					pc, yc := float64(e[c*SoftBlock+j])*r, float64(y[c*S+i])
					out.P[c] += pc
					out.PY[c] += pc * yc
					out.Y[c] += yc
					out.PP[c] += pc * pc
					out.YY[c] += yc * yc
					out.AD[c] += math.Abs(pc - yc)
				}
			}
		}
	}
	return nil
}

// SoftTargetGradRange writes the gradient of pixels [lo, hi) of one image
// into dst (C planes of S, like x); other pixels are not touched. Bad
// lengths or ranges are an ErrArg error, nothing written.
func SoftTargetGradRange(x, y []float32, S, lo, hi int, c *SoftTargetCoef, dst []float32) error {
	const fn = "SoftTargetGradRange"
	if c == nil {
		return argErr(fn, "nil SoftTargetCoef")
	}
	C := c.C
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, c.CEWeight, c.Scratch32); err != nil {
		return err
	}
	if err := checkLen(fn, "Scratch", len(c.Scratch), 2*C); err != nil {
		return err
	}
	if err := checkLen(fn, "dst", len(dst), C*S); err != nil {
		return err
	}
	region := c.A != nil
	if region {
		for _, s := range [][]float32{c.A, c.B, c.E, c.D} {
			if err := checkLen(fn, "a region coefficient slice", len(s), C); err != nil {
				return err
			}
		}
	}
	t := active.Load() // elementwise: any C
	e, mxs := c.Scratch32[:C*SoftBlock], c.Scratch32[C*SoftBlock:(C+1)*SoftBlock]
	p, g := c.Scratch[:C], c.Scratch[C:2*C]
	eps, scale := float64(c.Smoothing), float64(c.CEScale)
	for b := lo; b < hi; b += SoftBlock {
		bh := min(b+SoftBlock, hi)
		softExp(t, x, C, S, b, bh, e, mxs)
		for j := range bh - b {
			i := b + j
			var sum float64
			for k := 0; k < C; k++ {
				sum += float64(e[k*SoftBlock+j])
			}
			r := 1 / sum
			var wy, dot float64 // sum_c w_c y'_c; sum_j p_j g_j
			for k := 0; k < C; k++ {
				p[k] = float64(e[k*SoftBlock+j]) * r
				yk := float64(y[k*S+i])
				w := 1.0
				if c.CEWeight != nil {
					w = float64(c.CEWeight[k])
				}
				wy += w * ((1-eps)*yk + eps/float64(C))
				if region {
					gk := float64(c.A[k])*yk + float64(c.B[k]) + float64(c.E[k])*p[k]
					switch {
					case p[k] > yk:
						gk += float64(c.D[k])
					case p[k] < yk:
						gk -= float64(c.D[k])
					}
					g[k] = gk
					dot += p[k] * gk
				}
			}
			for k := 0; k < C; k++ {
				yk := float64(y[k*S+i])
				w := 1.0
				if c.CEWeight != nil {
					w = float64(c.CEWeight[k])
				}
				d := scale * (p[k]*wy - w*((1-eps)*yk+eps/float64(C)))
				if region {
					d += p[k] * (g[k] - dot)
				}
				dst[k*S+i] = float32(d)
			}
		}
	}
	return nil
}
