package kernels

// The generic tier: plain Go, one element at a time. Each function is the
// specification of the assembly versions of the same primitive.
//
// Every product that feeds an addition is rounded explicitly, float32(x*y),
// or fused explicitly, fma32: Go may otherwise fuse x*y+z into one FMA on
// some architectures (arm64) and not on others (amd64), and the
// specification would round differently from one machine to the next.

import (
	"math"

	"github.com/segloss/segloss/internal/vmath"
)

var genericTier = &tier{
	name:            "generic",
	exp:             expGeneric,
	log:             logGeneric,
	sigmoid:         sigmoidGeneric,
	sigmoidStats:    sigmoidStatsGeneric,
	sigmoidGrad:     sigmoidGradGeneric,
	sigmoidFused:    sigmoidFusedGeneric,
	softmaxStatsU8:  softmaxStatsGeneric[uint8],
	softmaxStatsI32: softmaxStatsGeneric[int32],
	softmaxGradU8:   softmaxGradGeneric[uint8],
	softmaxGradI32:  softmaxGradGeneric[int32],
	softmaxFusedU8:  softmaxFusedGeneric[uint8],
	softmaxFusedI32: softmaxFusedGeneric[int32],
	softStats:       softTargetStatsGeneric,
	softGrad:        softTargetGradGeneric,
	confusionU8:     confusionGeneric[uint8],
	confusionI32:    confusionGeneric[int32],
	confusionBin:    confusionBinaryGeneric,
}

func expGeneric(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = expf(v)
	}
}

func logGeneric(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = logf(v)
	}
}

func sigmoidGeneric(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = sigmoidf(v)
	}
}

// sigmoidPair returns p = sigmoid(x), q = 1-p, each with its own relative
// accuracy, and e = exp(-|x|).
// sgn32 returns -1, 0 or 1 by the sign of v (0 for NaN).
func sgn32(v float32) float32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func sigmoidPair(x float32) (p, q, e float32) {
	e = expf(-abs32(x))
	big := 1 / (1 + e)
	small := e * big
	if x < 0 {
		return small, big, e
	}
	return big, small, e
}

// sigmoidStatsGeneric sums the statistics of x against targets y; w, nil
// or at least len(x) long, weights each element: with w_i the weight (1
// for nil w), pw = w_i*p and wy = w_i*y (each rounded), P sums pw, PY
// pw*y, Y wy, PP pw*p, YY wy*y, and BCE and Focal the element's value
// times w_i (rounded). A weight of exactly 1 changes no bit. Bits is the
// largest of the bits of every y (and, with Probs, every x) as uint32,
// whatever the flags.
func sigmoidStatsGeneric(x, y, w []float32, prm *SigmoidParams, s *SigmoidSums[float32]) {
	// Sums in float64 (converted once at the end): even a block of equal
	// values keeps them within one float32 rounding.
	var sp, spy, sy, spp, syy, sad, bce, foc float64
	need := prm.Need
	pw := prm.PosWeight
	alpha, gamma := prm.FocalAlpha, prm.FocalGamma
	y = y[:len(x)]
	if w != nil {
		w = w[:len(x)]
	}
	var bits uint32
	for i, xv := range x {
		yv := y[i]
		bits = max(bits, math.Float32bits(yv))
		if prm.Probs {
			bits = max(bits, math.Float32bits(xv))
		}
		wv := float32(1)
		if w != nil {
			wv = w[i]
		}
		var p, q, e float32
		if prm.Probs {
			p, q = xv, 1-xv
		} else {
			p, q, e = sigmoidPair(xv)
		}
		pwv, wy := float32(wv*p), float32(wv*yv)
		if need&NeedRegion != 0 {
			sp += float64(pwv)
			spy += float64(float32(pwv * yv))
			sy += float64(wy)
		}
		if need&NeedSquared != 0 {
			spp += float64(float32(pwv * p))
			syy += float64(float32(wy * yv))
		}
		if need&NeedAbsDiff != 0 {
			sad += float64(float32(wv * abs32(p-yv)))
		}
		if prm.Probs {
			if need&NeedCE != 0 {
				// torch's binary_cross_entropy: each log clamped at -100
				lp, lq := max(logf(p), -100), max(logf(q), -100)
				l := -fma32(float32(pw*yv), lp, float32((1-yv)*lq))
				bce += float64(float32(wv * l))
			}
			continue
		}
		if need&(NeedCE|NeedFocal) != 0 {
			l1p := log1pf(e)
			if need&NeedCE != 0 {
				// torch's (1-y)*x + (1+(pw-1)*y)*softplus(-x), written as
				// (1-y)*softplus(x) + pw*y*softplus(-x) with softplus(+-x)
				// = max(+-x, 0) + log1p(e): two non-negative terms for any
				// target in [0, 1] and any pw >= 0, so nothing cancels (torch's
				// form subtracts |x| from |x| + log1p(e) for y = 0 and x < 0,
				// 0 instead of 3e-7 at x = -15). It costs what torch's form
				// does: two max, two adds, two products, one FMA. For pw = 1
				// it is max(x,0) - x*y + log1p(e), the focal term's ce below;
				// that form plus (pw-1)*y*softplus(-x) would cost as little
				// but subtracts for pw < 1 (badly as pw nears 0).
				spx := max(xv, 0) + l1p
				spn := max(-xv, 0) + l1p
				bce += float64(float32(wv * fma32(1-yv, spx, float32(float32(pw*yv)*spn))))
			}
			if need&NeedFocal != 0 {
				// max(x,0) - x*y is (1-y)*x for x > 0, -x*y for x < 0, rounded
				// once: with log1p(e) two non-negative terms, nothing cancels.
				ce := fma32(-xv, yv, max(xv, 0)) + l1p
				pt1 := fma32(p, 1-yv, float32(q*yv)) // 1 - p_t
				f := ce * powf(pt1, gamma)
				if alpha >= 0 {
					f *= fma32(alpha, yv, float32((1-alpha)*(1-yv)))
				}
				foc += float64(float32(wv * f))
			}
		}
	}
	*s = SigmoidSums[float32]{P: float32(sp), PY: float32(spy), Y: float32(sy), PP: float32(spp), YY: float32(syy), BCE: float32(bce), Focal: float32(foc), AD: float32(sad), Bits: bits}
}

// sigmoidGradGeneric writes the gradient of c into dst; w, nil or at least
// len(x) long, weights each element: the element's gradient times w_i
// (rounded once). It returns the largest bits of every y (and, with
// c.Probs, every x) as uint32, as the statistics pass's Bits, except that
// for probabilities whose gradient is a*y + b alone (probsNoX: e, d and
// bceScale 0) it reads no x: the gradient is (a*y + b) + 0, what the full
// formula gives for every x in [0, 1], and the bits are those of y.
func sigmoidGradGeneric(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
	if probsNoX(c) {
		return sigmoidGradNoX(len(x), y, w, c, dst)
	}
	return sigmoidGradCore(x, y, w, c, dst)
}

// sigmoidGradNoX is sigmoidGradGeneric for probsNoX: n elements of y.
func sigmoidGradNoX(n int, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
	var bits uint32
	y, dst = y[:n], dst[:n]
	if w != nil {
		w = w[:n]
	}
	region := c.A != 0 || c.B != 0
	for i, yv := range y {
		bits = max(bits, math.Float32bits(yv))
		var g float32
		if region {
			g = float32(c.A*yv) + c.B + 0
		}
		if w != nil {
			g *= w[i]
		}
		dst[i] = g
	}
	return bits
}

// sigmoidGradCore is sigmoidGradGeneric's full formula.
func sigmoidGradCore(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
	var bits uint32
	region := c.A != 0 || c.B != 0 || c.E != 0 || c.D != 0
	y = y[:len(x)]
	dst = dst[:len(x)]
	if w != nil {
		w = w[:len(x)]
	}
	for i, xv := range x {
		yv := y[i]
		bits = max(bits, math.Float32bits(yv))
		if c.Probs {
			bits = max(bits, math.Float32bits(xv))
			p, q := xv, 1-xv
			var g float32
			if region {
				g = float32(c.A*yv) + c.B + float32(c.E*p) + float32(c.D*sgn32(p-yv))
			}
			if c.BCEScale != 0 {
				d := (float32((1-yv)*p) - float32(c.PosWeight*yv*q)) / max(float32(p*q), 1e-12)
				g += float32(c.BCEScale * d)
			}
			if w != nil {
				g *= w[i]
			}
			dst[i] = g
			continue
		}
		p, q, e := sigmoidPair(xv)
		var g float32
		if region {
			g = p * q * (float32(c.A*yv) + c.B + float32(c.E*p) + float32(c.D*sgn32(p-yv)))
		}
		if c.BCEScale != 0 {
			g += float32(c.BCEScale * (float32((1-yv)*p) - float32(c.PosWeight*yv*q)))
		}
		if c.FocalScale != 0 {
			ce := fma32(-xv, yv, max(xv, 0)) + log1pf(e)
			pt1 := fma32(p, 1-yv, float32(q*yv))
			// p - y as p*(1-y) - q*y: exact for a target 0 or 1, where p - y
			// cancels on a confident right prediction (p near 1, y = 1)
			d := fma32(-q, yv, float32(p*(1-yv))) * powf(pt1, c.FocalGamma)
			if pt1 > 0 && c.FocalGamma != 0 {
				// gamma last: ce*gamma overflows at |x| near math.MaxFloat32,
				// where p*q = 0 (Inf*0 was NaN)
				d += float32(ce * powf(pt1, c.FocalGamma-1) * (1 - float32(2*yv)) * p * q * c.FocalGamma)
			}
			if c.FocalAlpha >= 0 {
				d *= fma32(c.FocalAlpha, yv, float32((1-c.FocalAlpha)*(1-yv)))
			}
			g += float32(c.FocalScale * d)
		}
		if w != nil {
			g *= w[i]
		}
		dst[i] = g
	}
	return bits
}

// softmaxPixel loads the C logits of pixel i (planes S apart), writes
// e_c = exp(x_c - max) into e and returns sum_c e_c and the max.
func softmaxPixel(x []float32, S, i int, e []float32) (sum, mx float32) {
	mx = x[i]
	for c := 1; c < len(e); c++ {
		mx = max(mx, x[c*S+i])
	}
	for c := range e {
		v := expf(x[c*S+i] - mx)
		e[c] = v
		sum += v
	}
	return sum, mx
}

// subBlock is the run of pixels whose per-class sums the generic softmax
// statistics add up in float32 before adding them to the block's sums.
const subBlock = 32

// skipLabel reports whether a pixel of label y is skipped: the ignored
// label (when useIgn), or a label outside [0, C).
func skipLabel(y int32, C int, ign int32, useIgn bool) bool {
	return y < 0 || int(y) >= C || (useIgn && y == ign)
}

func softmaxStatsGeneric[L Label](x []float32, S, lo, hi int, lab []L, prm *SoftmaxParams, s *SoftmaxSums[float32]) {
	softmaxStatsCore(x, S, lo, hi, lab, prm, s, true)
}

// softmaxStatsCore is softmaxStatsGeneric; without perClass (the fused
// kernels) s's per-class slices are neither used nor written.
func softmaxStatsCore[L Label](x []float32, S, lo, hi int, lab []L, prm *SoftmaxParams, s *SoftmaxSums[float32], perClass bool) {
	C := prm.C
	e := prm.Scratch[:C]
	need := prm.Need
	var sP, sPY, sCount, sPP []float32
	if perClass {
		sP, sPY, sCount, sPP = s.P[:C], s.PY[:C], s.Count[:C], s.PP[:C]
		clear(sP)
		clear(sPY)
		clear(sCount)
		clear(sPP)
	} else {
		need &^= NeedRegion | NeedSquared
	}
	// The block's sums: the scalars in float64, the per-class sums in
	// float32 over runs of subBlock pixels (in the scratch, when it holds
	// 4*C floats) added to the block's float32 sums, so that even a block
	// of equal values keeps its sums within a few float32 roundings.
	var ce, w, foc, valid float64
	tP, tPY, tPP := sP, sPY, sPP
	sub := perClass && len(prm.Scratch) >= 4*C
	if sub {
		tP, tPY, tPP = prm.Scratch[C:2*C], prm.Scratch[2*C:3*C], prm.Scratch[3*C:4*C]
		clear(tP)
		clear(tPY)
		clear(tPP)
	}
	run := 0
	flush := func() {
		if sub {
			for c := range sP {
				sP[c] += tP[c]
				sPY[c] += tPY[c]
				sPP[c] += tPP[c]
			}
			clear(tP)
			clear(tPY)
			clear(tPP)
		}
		run = 0
	}
	// Product mode (CE without class weights or focal term): every pixel's
	// CE is log(sum) - (1-eps)*z_y - sum_k eps/C*z_k (z = x - max), and
	// the block's log(sum) are summed as the log of their product, kept as
	// a mantissa in [1, 2) and an exponent: one log per block (per vector
	// lane in the SIMD tiers) instead of one per pixel.
	prodMode := need&(NeedCE|NeedFocal) == NeedCE && prm.CEWeight == nil
	// The product is prod + plo (a double-float: plo carries the rounding
	// errors of the multiplies, so that a product near 1, the log of a
	// nearly perfect prediction, keeps its relative accuracy), times
	// 2^pexp.
	prod, plo, pexp := float32(1), float32(0), float32(0)
	// Label smoothing: eps/C * sum_k w_k*(lse - z_k) = lse*ews - sum_k
	// (eps/C*w_k)*z_k with ews = eps/C * sum_k w_k, each term of the sum
	// scaled by its eps/C*w_k (one FMA) before it is added: the sum stays
	// within float32 whenever its value does (one logit at 3e38 among C = 4:
	// the unscaled sum of the z_k was 3 * -3e38 = -Inf).
	ec := prm.Smoothing / float32(C)
	var ews float32
	if need&NeedCE != 0 && prm.Smoothing != 0 {
		wsum := float32(C)
		if prm.CEWeight != nil {
			wsum = 0
			for _, v := range prm.CEWeight[:C] {
				wsum += v
			}
		}
		ews = ec * wsum
	}
	pixW := prm.PixelWeight
	if pixW != nil {
		prodMode = false // a weighted sum of logs is not the log of a product
	}
	probs := prm.Probs
	if need&NeedRegion == 0 {
		probs = nil
	}
	for i := lo; i < hi; i++ {
		y := int32(lab[i])
		if skipLabel(y, C, prm.Ignore, prm.UseIgnore) {
			if probs != nil {
				for c := 0; c < C; c++ {
					probs[c*S+i] = 0
				}
			}
			continue
		}
		valid++
		wi := float32(1)
		if pixW != nil {
			wi = pixW[i]
		}
		sum, mx := softmaxPixel(x, S, i, e)
		inv := 1 / sum
		if need&NeedRegion != 0 {
			for c, v := range e {
				p := v * inv
				if probs != nil {
					probs[c*S+i] = p
				}
				pw := float32(wi * p)
				tP[c] += pw
				if need&NeedSquared != 0 {
					tPP[c] += float32(pw * p)
				}
			}
			tPY[y] += float32(wi * (e[y] * inv))
			sCount[y] += wi
			if run++; run == subBlock {
				flush()
			}
		}
		if prodMode {
			l := float32((x[int(y)*S+i] - mx) * -(1 - prm.Smoothing))
			if prm.Smoothing != 0 {
				var sm float32 // sum_k eps/C*z_k
				for c := 0; c < C; c++ {
					sm = fma32(ec, x[c*S+i]-mx, sm)
				}
				l -= sm
			}
			ce += float64(l)
			w++
			hi := prod * sum
			plo = fma32(plo, sum, fma32(prod, sum, -hi)) // the exact error of prod*sum, plus plo*sum
			prod = hi
			if prod == prod { // NaN stays NaN
				b := math.Float32bits(prod)
				k := int32(b>>23) - 127
				pexp += float32(k)
				prod = math.Float32frombits(b&0x807fffff | 127<<23)
				plo *= math.Float32frombits(uint32(127-k) << 23) // 2^-k, exact
			}
		} else if need&(NeedCE|NeedFocal) != 0 {
			lse := logf(sum)
			nll := lse - (x[int(y)*S+i] - mx) // -log p_y
			if need&NeedCE != 0 {
				wy := float32(1)
				if prm.CEWeight != nil {
					wy = prm.CEWeight[y]
				}
				l := (1 - prm.Smoothing) * wy * nll
				if prm.Smoothing != 0 {
					var sm float32 // sum_k eps/C*w_k*z_k
					for c := 0; c < C; c++ {
						kc := ec
						if prm.CEWeight != nil {
							kc = float32(ec * prm.CEWeight[c])
						}
						sm = fma32(kc, x[c*S+i]-mx, sm)
					}
					l = fma32(lse, ews, l) - sm
				}
				ce += float64(float32(wi * l))
				w += float64(float32(wi * wy))
			}
			if need&NeedFocal != 0 {
				pt1 := 1 - e[y]*inv
				f := powf(pt1, prm.Gamma) * nll
				if prm.Alpha != nil {
					f *= prm.Alpha[y]
				}
				foc += float64(float32(wi * f))
			}
		}
	}
	if prodMode {
		// log(prod + plo) = log(prod) + log1p(plo/prod), plo/prod < 2^-13
		ce += float64(fma32(pexp, vmath.Ln2Hi, fma32(pexp, vmath.Ln2Lo, logf(prod)+plo/prod)))
	}
	flush()
	s.CE, s.W, s.Focal, s.Valid = float32(ce), float32(w), float32(foc), float32(valid)
}

func softmaxGradGeneric[L Label](x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32) {
	C := c.C
	e := c.Scratch[:C]
	region := c.A != nil
	var wsum float32 // sum of CE class weights
	if c.CEScale != 0 {
		if c.CEWeight == nil {
			wsum = float32(C)
		} else {
			for _, v := range c.CEWeight[:C] {
				wsum += v
			}
		}
	}
	for i := lo; i < hi; i++ {
		y := int32(lab[i])
		if skipLabel(y, C, c.Ignore, c.UseIgnore) {
			for k := 0; k < C; k++ {
				dst[k*S+i] = 0
			}
			continue
		}
		var sum, mx float32
		if c.FromProbs {
			for k := range e {
				e[k] = x[k*S+i]
			}
			sum = 1
		} else {
			sum, mx = softmaxPixel(x, S, i, e)
		}
		inv := 1 / sum
		for k := range e {
			e[k] *= inv // now p_k
		}
		// Per-pixel CE/focal coefficients: dx_c gets s*p_c - tau*[c=y] - kappa_c.
		var s, tau float32
		if c.CEScale != 0 {
			wy := float32(1)
			if c.CEWeight != nil {
				wy = c.CEWeight[y]
			}
			tau = c.CEScale * (1 - c.Smoothing) * wy
			s = tau + float32(c.CEScale*c.Smoothing*wsum/float32(C))
		}
		if c.FocalScale != 0 {
			pt := e[y]
			pt1 := 1 - pt
			f := -powf(pt1, c.Gamma)
			if pt1 > 0 && c.Gamma != 0 {
				// log p_t from the logits, finite even where p_t underflows to 0
				logpt := (x[int(y)*S+i] - mx) - logf(sum)
				if c.FromProbs {
					logpt = logf(pt)
				}
				f += float32(c.Gamma * powf(pt1, c.Gamma-1) * pt * logpt)
			}
			if c.Alpha != nil {
				f *= c.Alpha[y]
			}
			f *= c.FocalScale
			s -= f
			tau -= f
		}
		var dot float32
		g := c.Scratch[C : 2*C]
		if region {
			for k, p := range e {
				g[k] = c.B[k] + float32(c.E[k]*p)
			}
			g[y] += c.A[y]
			for k, p := range e {
				dot += float32(p * g[k])
			}
		} else {
			clear(g)
		}
		var kappa float32 // CE smoothing term eps/C * w_k, per class
		if c.CEScale != 0 && c.Smoothing != 0 {
			kappa = c.CEScale * c.Smoothing / float32(C)
		}
		for k, p := range e {
			v := p * (g[k] - dot + s)
			if kappa != 0 {
				wk := float32(1)
				if c.CEWeight != nil {
					wk = c.CEWeight[k]
				}
				v -= float32(kappa * wk)
			}
			if int32(k) == y {
				v -= tau
			}
			if c.PixelWeight != nil {
				v *= c.PixelWeight[i]
			}
			dst[k*S+i] = v
		}
	}
}

// sigmoidFusedGeneric is the specification of the fused sigmoid kernels:
// the statistics pass's BCE and Focal sums and its Bits (p without its
// region flags), then the gradient pass of the same elements.
func sigmoidFusedGeneric(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, s *SigmoidSums[float32], dst []float32) {
	q := *p
	q.Need &^= NeedRegion | NeedSquared
	sigmoidStatsGeneric(x, y, w, &q, s)
	sigmoidGradGeneric(x, y, w, c, dst)
}

// softmaxFusedGeneric is the specification of the fused kernels: the
// statistics pass's CE, W, Focal and Valid sums of the block (p without
// its region flags; s's per-class slices untouched), then the gradient
// pass of the same pixels.
func softmaxFusedGeneric[L Label](x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32) {
	softmaxStatsCore(x, S, lo, hi, lab, p, s, false)
	softmaxGradGeneric(x, S, lo, hi, lab, c, dst)
}

func confusionGeneric[L Label](x []float32, S, C, lo, hi int, lab []L, ign int32, useIgn bool, tp, fp, fn []int64) {
	for i := lo; i < hi; i++ {
		y := int32(lab[i])
		if skipLabel(y, C, ign, useIgn) {
			continue
		}
		best, arg := x[i], int32(0)
		for c := 1; c < C; c++ {
			if v := x[c*S+i]; v > best {
				best, arg = v, int32(c)
			}
		}
		if arg == y {
			tp[y]++
		} else {
			fp[arg]++
			fn[y]++
		}
	}
}

func confusionBinaryGeneric(x, y []float32, thr float32, n *BinaryCounts) {
	var tp, fp, fn int64
	for i, v := range x {
		pred, pos := v > thr, y[i] >= 0.5
		switch {
		case pred && pos:
			tp++
		case pred:
			fp++
		case pos:
			fn++
		}
	}
	n.TP += tp
	n.FP += fp
	n.FN += fn
}
