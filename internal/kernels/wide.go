package kernels

import "math"

// The float64 rescue of a block's pixelwise sums. The block primitives sum
// in float32, which overflows for finite logits near math.MaxFloat32: a
// block of BCE values of 3e38 (x = 3e38 against target 0), CE values of
// 2e38 (a label's logit 1e38 below the max), or one pixel whose logits
// spread wider than math.MaxFloat32 (x_y - max is -Inf in float32, and
// 0 * Inf is NaN under a zero class weight). Such a block's sum is +Inf or
// NaN; the plane and range drivers then compute the CE and focal (or BCE
// and sigmoid focal) sums of that block again here, in float64 from their
// definitions, where no float32 input overflows. This costs nothing in the
// common case (a test per block) and a float64 pass over the block in
// this one: a block of NaN inputs stops at its first NaN. The result is
// the float64 sum; a block that has an infinite or NaN input stays
// infinite or NaN.

// finite32 reports whether v is neither infinite nor NaN.
func finite32(v float32) bool { return v-v == 0 }

// pow64 is powf in float64: q**0 = 1, 0**g = 0 for g > 0.
func pow64(q, g float64) float64 {
	switch {
	case g == 0:
		return 1
	case q <= 0:
		return 0
	}
	return math.Pow(q, g)
}

// softmaxWide returns the CE and focal sums of pixels [lo, hi) of one image
// (SoftmaxSums' definitions, the terms p.Need asks for) in float64.
func softmaxWide[L Label](x []float32, S, lo, hi int, lab []L, p *SoftmaxParams) (ce, foc float64) {
	C := p.C
	eps := float64(p.Smoothing)
	wt := func(c int) float64 {
		if p.CEWeight == nil {
			return 1
		}
		return float64(p.CEWeight[c])
	}
	for i := lo; i < hi; i++ {
		y := int32(lab[i])
		if skipLabel(y, C, p.Ignore, p.UseIgnore) {
			continue
		}
		mx := float64(x[i])
		for c := 1; c < C; c++ {
			mx = max(mx, float64(x[c*S+i]))
		}
		var sum float64
		for c := 0; c < C; c++ {
			sum += math.Exp(float64(x[c*S+i]) - mx)
		}
		lse := math.Log(sum)
		zy := float64(x[int(y)*S+i]) - mx
		nll := lse - zy
		wi := 1.0
		if p.PixelWeight != nil {
			wi = float64(p.PixelWeight[i])
		}
		if p.Need&NeedCE != 0 {
			l := (1 - eps) * wt(int(y)) * nll
			if eps != 0 {
				var sm float64
				for c := 0; c < C; c++ {
					sm += wt(c) * (lse - (float64(x[c*S+i]) - mx))
				}
				l += eps / float64(C) * sm
			}
			ce += wi * l
		}
		if p.Need&NeedFocal != 0 {
			f := pow64(1-math.Exp(zy)/sum, float64(p.Gamma)) * nll
			if p.Alpha != nil {
				f *= float64(p.Alpha[y])
			}
			foc += wi * f
		}
		if (p.Need&NeedCE == 0 || ce != ce) && (p.Need&NeedFocal == 0 || foc != foc) {
			break // a NaN input: the sums stay NaN
		}
	}
	return ce, foc
}

// sigmoidWide returns the BCE and sigmoid focal sums of x against targets
// y (SigmoidSums' definitions, the terms p.Need asks for, each element's
// terms times w[i] when w is not nil) in float64.
func sigmoidWide(x, y, w []float32, p *SigmoidParams) (bce, foc float64) {
	pw, alpha, gamma := float64(p.PosWeight), float64(p.FocalAlpha), float64(p.FocalGamma)
	y = y[:len(x)]
	for i, xv := range x {
		v, t := float64(xv), float64(y[i])
		wv := 1.0
		if w != nil {
			wv = float64(w[i])
		}
		if p.Probs {
			if p.Need&NeedCE != 0 {
				lp, lq := max(math.Log(v), -100), max(math.Log(1-v), -100)
				bce += wv * -(pw*t*lp + (1-t)*lq)
			}
			if bce != bce {
				break
			}
			continue
		}
		e := math.Exp(-math.Abs(v))
		l1p := math.Log1p(e)
		if p.Need&NeedCE != 0 {
			bce += wv * ((1-t)*(max(v, 0)+l1p) + pw*t*(max(-v, 0)+l1p))
		}
		if p.Need&NeedFocal != 0 {
			big, small := 1/(1+e), e/(1+e)
			q, r := big, small // sigmoid(x), 1 - sigmoid(x)
			if v < 0 {
				q, r = small, big
			}
			f := (max(v, 0) - v*t + l1p) * pow64(q*(1-t)+r*t, gamma)
			if alpha >= 0 {
				f *= alpha*t + (1-alpha)*(1-t)
			}
			foc += wv * f
		}
		if (p.Need&NeedCE == 0 || bce != bce) && (p.Need&NeedFocal == 0 || foc != foc) {
			break // a NaN input: the sums stay NaN
		}
	}
	return bce, foc
}
