package kernels

import "math"

// The softmax losses against probability targets (soft labels): one image
// of C planes of S logits x and C planes of S targets y in [0, 1] (a
// distribution over the classes at each pixel, or any soft one-hot). These
// are plain Go in float64 (the softmax, its log-sum-exp and every sum), the
// specification and, for now, the only tier: no assembly kernel reads
// float targets per class yet.

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
	// Scratch holds at least C float64 values (the pixel's exponentials).
	Scratch []float64
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
	// Scratch holds at least 2*C float64 values.
	Scratch []float64
}

func checkSoftTarget(fn string, x, y []float32, C, S, lo, hi int, cw []float32, scratch []float64, scratchLen int) error {
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
	return checkLen(fn, "Scratch", len(scratch), scratchLen)
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
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, p.CEWeight, p.Scratch, C); err != nil {
		return err
	}
	for _, s := range [][]float64{out.P, out.PY, out.Y, out.PP, out.YY, out.AD} {
		if err := checkLen(fn, "a SoftTargetSums slice", len(s), C); err != nil {
			return err
		}
	}
	e := p.Scratch[:C]
	eps := float64(p.Smoothing)
	for i := lo; i < hi; i++ {
		mx := math.Inf(-1)
		for c := 0; c < C; c++ {
			mx = max(mx, float64(x[c*S+i]))
		}
		var sum float64
		for c := 0; c < C; c++ {
			e[c] = math.Exp(float64(x[c*S+i]) - mx)
			sum += e[c]
		}
		if p.CE {
			// -log p_c = (mx - x_c) + log(sum): with mx first, logits of
			// 1e30 would swallow log(sum) (their float64 spacing is 1e14).
			ls := math.Log(sum)
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
			for c := 0; c < C; c++ {
				pc, yc := e[c]/sum, float64(y[c*S+i])
				out.P[c] += pc
				out.PY[c] += pc * yc
				out.Y[c] += yc
				out.PP[c] += pc * pc
				out.YY[c] += yc * yc
				out.AD[c] += math.Abs(pc - yc)
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
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, c.CEWeight, c.Scratch, 2*C); err != nil {
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
	p, g := c.Scratch[:C], c.Scratch[C:2*C]
	eps, scale := float64(c.Smoothing), float64(c.CEScale)
	for i := lo; i < hi; i++ {
		mx := math.Inf(-1)
		for k := 0; k < C; k++ {
			mx = max(mx, float64(x[k*S+i]))
		}
		var sum float64
		for k := 0; k < C; k++ {
			p[k] = math.Exp(float64(x[k*S+i]) - mx)
			sum += p[k]
		}
		var wy, dot float64 // sum_c w_c y'_c; sum_j p_j g_j
		for k := 0; k < C; k++ {
			p[k] /= sum
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
	return nil
}
