package loss

import "math"

// The float64 reference of FuzzLoss: value, Pixelwise values and analytic
// gradient of any Multiclass or Binary loss, from the formulas of the
// godoc (including the documented guards of Region: 0/0 is a perfect score,
// R <= 1 and f >= 0 when SmoothNum <= SmoothDen, Gamma applies to max(f,
// 0)), with what the comparison needs to know of its conditioning: how much
// the value moves when the statistics move by a float32 rounding or two, the
// magnitudes that float32 kernels cannot hold, and whether central
// differences are meaningful.

// fzSumRel is the relative error assumed of the float32 statistics sums
// (two roundings); fzTiny the absolute error of one underflowing
// probability or product (float32's smallest normal).
const (
	fzSumRel = 0x1p-23
	fzTiny   = 0x1p-126
)

type fzTermSet struct {
	ce          *CrossEntropy
	foc         *Focal
	bce         *BCE
	sf          *SigmoidFocal
	wCE, wF     float64
	wBCE, wSF   float64
	regions     []*Region
	wRegions    []float64
	hasCE, hasF bool
}

func fzSplit(ts []Weighted) fzTermSet {
	var s fzTermSet
	for _, t := range ts {
		switch v := t.Term.(type) {
		case CrossEntropy:
			s.ce, s.wCE = &v, t.Weight
		case *CrossEntropy:
			s.ce, s.wCE = v, t.Weight
		case Focal:
			s.foc, s.wF = &v, t.Weight
		case *Focal:
			s.foc, s.wF = v, t.Weight
		case BCE:
			s.bce, s.wBCE = &v, t.Weight
		case *BCE:
			s.bce, s.wBCE = v, t.Weight
		case SigmoidFocal:
			s.sf, s.wSF = &v, t.Weight
		case *SigmoidFocal:
			s.sf, s.wSF = v, t.Weight
		case Region:
			s.regions = append(s.regions, &v)
			s.wRegions = append(s.wRegions, t.Weight)
		case *Region:
			s.regions = append(s.regions, v)
			s.wRegions = append(s.wRegions, t.Weight)
		}
	}
	return s
}

// fzRefOut is what the reference knows of one input.
type fzRefOut struct {
	value float64
	mag   float64   // sum of the terms' absolute values
	pix   []float64 // the Pixelwise values (nil with a Region term)
	grad  []float64 // the analytic gradient (nil unless asked)
	// cond bounds how far the value moves when every statistics sum moves
	// by fzSumRel relative plus fzTiny per summed element; gcond how far
	// the region gradient coefficients move.
	cond, gcond float64
	// scale is the value the loss would have if every per-pixel loss were
	// 1 (the unit of the absolute tolerance); pscale the same per pixel;
	// gscale the size of the gradient coefficients, gparts that of the
	// float64 parts the region ones are computed from.
	scale, pscale, gscale, gparts float64
	// kmax is the largest per-pixel value inside the float32 kernels.
	kmax float64
	// coefMax is the largest region gradient coefficient (per image and
	// class, d(loss)/dI, d(loss)/dP, d(loss)/d(sum p^2)), also at the
	// perturbed sums of cond (those of the library may be any); scaleMax the
	// largest gradient scale of a pixelwise term as the library passes it
	// to the kernels (the CE one times the largest class weight, by which
	// it normalizes the weights).
	coefMax, scaleMax float64
	// tame: no guard or kink is near, central differences apply.
	tame bool
	// known names a known bug of the library the input runs into (the
	// value and gradient are then not compared; see fzKnownBugs).
	known string
	// knownCond (pixKnown per pixel) bounds the error of a known bug:
	// the softmax CE and focal of a pixel, whose sum of exponentials 1 +
	// t is rounded to float32 before its log, and whose 1 - p_y cancels,
	// are off by about fzConfidentAbs instead of being accurate relative
	// to -log p_y (confident pixels, -log p_y well below 1, lose most).
	knownCond float64
	pixKnown  []float64
	pixCond   []float64 // cond of each Pixelwise value
}

const fzConfidentAbs = 0x1p-23

// fzKnownBugs: inputs that hit a bug of the library reported but not yet
// fixed are not compared, so that `make test` stays green; set it to false
// to see them fail.
const fzKnownBugs = true

// fzEntry is a Region entry's F from its sums (P and Y being the squared
// sums when Squared; M the entry's pixel or element count, MCC's), with
// dF/dI and dF/dP, and the size of the parts those are differences of
// (dR/dI = dN/dI/den - num*dD/dI/den^2 cancels to 0 when num = den, say,
// leaving float64 roundings of the parts).
func fzEntry(r *Region, I, P, Y, M float64) (F, dI, dP float64, tame bool) {
	F, dI, dP, _, tame = fzEntryParts(r, I, P, Y, M)
	return
}

func fzEntryParts(r *Region, I, P, Y, M float64) (F, dI, dP, parts float64, tame bool) {
	if r.Kind == MCCRatio {
		return fzMCCParts(r, I, P, Y, M)
	}
	var num, den, dNdI, dDdI, dDdP float64
	switch r.Kind {
	case IoURatio:
		num, den, dNdI, dDdI, dDdP = I+r.SmoothNum, P+Y-I+r.SmoothDen, 1, -1, 1
	case TverskyRatio:
		num, den = I+r.SmoothNum, I+r.Alpha*(P-I)+r.Beta*(Y-I)+r.SmoothDen
		dNdI, dDdI, dDdP = 1, 1-r.Alpha-r.Beta, r.Alpha
	default:
		num, den, dNdI, dDdI, dDdP = 2*I+r.SmoothNum, P+Y+r.SmoothDen, 2, 0, 1
	}
	tame = den > 1e-2
	var R, dRdI, dRdP float64
	if den == 0 {
		R = 1
	} else {
		R = num / den
		dRdI = dNdI/den - num*dDdI/(den*den)
		dRdP = -num * dDdP / (den * den)
	}
	// R <= 1 in exact arithmetic with SmoothNum <= SmoothDen, except for a
	// squared Tversky (sum p^2 may be below sum p*y).
	bounded := r.SmoothNum <= r.SmoothDen && !(r.Squared && r.Kind == TverskyRatio)
	if bounded {
		tame = tame && R < 1-1e-3
		if R > 1 {
			R, dRdI, dRdP = 1, 0, 0
		}
	}
	f, dfdR := 1-R, -1.0
	if r.Log {
		tame = tame && R > 1e-2
		f, dfdR = -math.Log(R), -1/R
		if bounded && f < 0 {
			f, dfdR = 0, 0
		}
	}
	F, dFdf, gtame := fzGamma(r.Gamma, f)
	tame = tame && gtame
	if den == 0 {
		return F, 0, 0, 0, tame
	}
	parts = math.Abs(dFdf*dfdR) * (math.Abs(dNdI)/den + math.Abs(num)*(math.Abs(dDdI)+math.Abs(dDdP))/(den*den))
	return F, dFdf * dfdR * dRdI, dFdf * dfdR * dRdP, parts, tame
}

// fzGamma is F = f^g of the Region godoc (f itself for g = 0 or 1; for
// others, of max(f, 0)), dF/df, and whether f is away from the kink at 0.
func fzGamma(g, f float64) (F, dFdf float64, tame bool) {
	if g == 0 || g == 1 {
		return f, 1, true
	}
	if f <= 0 {
		return 0, 0, false
	}
	return math.Pow(f, g), g * math.Pow(f, g-1), f > 1e-2
}

// fzMCCParts is fzEntryParts for MCCRatio, from SMP's MCCLoss: eps added
// to each soft count TP = I, FP = P - I, FN = Y - I, TN = M - P - Y + I,
// MCC = (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)), f = 1 - MCC.
// A zero denominator (eps = 0 and a count pair empty) is the Region godoc's
// 0/0: a perfect score with zero derivatives.
func fzMCCParts(r *Region, I, P, Y, M float64) (F, dI, dP, parts float64, tame bool) {
	eps := r.SmoothNum
	tp, fp, fn, tn := I+eps, P-I+eps, Y-I+eps, M-P-Y+I+eps
	a, b, c, d := tp+fp, tp+fn, tn+fp, tn+fn
	q := a * b * c * d
	if q == 0 { // (NaN propagates)
		F, _, _ = fzGamma(r.Gamma, 0)
		return F, 0, 0, 0, false
	}
	num := tp*tn - fp*fn
	sq := math.Sqrt(q)
	m := num / sq
	F, dFdf, tame := fzGamma(r.Gamma, 1-m)
	tame = tame && min(a, b, c, d) > 1e-2
	// The derivative of m along a change of the counts (dtp, dfp, dfn,
	// dtn), by the product rule, with the size of its parts.
	deriv := func(dtp, dfp, dfn, dtn float64) (dm, part float64) {
		dnum := [4]float64{dtp * tn, tp * dtn, -dfp * fn, -fp * dfn}
		da, db, dc, dd := dtp+dfp, dtp+dfn, dtn+dfp, dtn+dfn
		dq := [4]float64{da * b * c * d, a * db * c * d, a * b * dc * d, a * b * c * dd}
		var sn, sq2, an, aq float64
		for i := range dnum {
			sn += dnum[i]
			sq2 += dq[i]
			an += math.Abs(dnum[i])
			aq += math.Abs(dq[i])
		}
		dm = sn/sq - num*sq2/(2*q*sq)
		part = an/sq + math.Abs(num)*aq/(2*q*sq)
		return dm, part
	}
	dmI, pI := deriv(1, -1, -1, 1) // I: TP and TN up, FP and FN down
	dmP, pP := deriv(0, 1, 0, -1)  // P: FP up, TN down
	return F, -dFdf * dmI, -dFdf * dmP, math.Abs(dFdf) * max(pI, pP), tame
}

// fzSums are the per image-and-class sums a Region term reads (PP and YY
// the squared ones, AD the sum of |p - y|, cnt the elements summed), with
// what is known of their errors: Y exact (label counts), the bounds errs
// (nil: fzSumRel alone), adErr the absolute error of each AD element
// relative to p (float32 p - y of a rounded p).
type fzSums struct {
	I, P, PP, Y, YY, AD, cnt []float64
	exactY                   bool
	soft                     bool // SoftLabel applies (probability targets)
	errs                     *fzSumErrs
	adErr                    float64
	// yUnder: the library's Y may have underflowed to 0 where this one's
	// is a few denormals (float32 w*y of a weighted call, y = 2^-149 and
	// w = 0.5): EmptySkip and EmptyZero may then leave the entry out.
	yUnder bool
}

// fzCoefs receive a Region term's gradient coefficients per image and
// class: d(loss)/dI, d(loss)/d(sum p), d(loss)/d(sum p^2) and d(loss)/d(sum
// |p - y|) (SoftLabel).
type fzCoefs struct{ I, P, E, D []float64 }

// fzRegionRef adds a Region term's value, sensitivity and gradient
// coefficients (per image and class, into k when not nil) to out, from per
// image-and-class sums.
func fzRegionRef(out *fzRefOut, r *Region, w float64, N, C int, s *fzSums, k *fzCoefs) {
	if w == 0 {
		return // a term of weight 0 is absent (Region's godoc)
	}
	if g := r.Gamma; r.GammaOnMean && g != 0 && g != 1 {
		fzGammaOnMeanRef(out, r, w, N, C, s, k)
		return
	}
	if r.Kind == GeneralizedDiceRatio {
		fzGDLRef(out, r, w, N, C, s, k)
		return
	}
	groups := 1
	if r.PerImage {
		groups = N
	}
	get := func(a []float64, g, c int) float64 {
		if r.PerImage {
			return a[g*C+c]
		}
		s := 0.0
		for n := 0; n < N; n++ {
			s += a[n*C+c]
		}
		return s
	}
	c0 := 0
	if r.ExcludeBackground {
		c0 = 1
	}
	kept := 0
	for g := 0; g < groups; g++ {
		for c := c0; c < C; c++ {
			if r.Empty != EmptySkip || get(s.Y, g, c) != 0 {
				kept++
			}
		}
	}
	if kept == 0 {
		return
	}
	// SoftLabel: I = (P + Y - AD)/2 (MONAI's soft_label), so that the sums
	// the library rounds are AD, P and Y.
	soft := r.SoftLabel && s.soft
	var v, cond float64
	for g := 0; g < groups; g++ {
		for c := c0; c < C; c++ {
			y0 := get(s.Y, g, c)
			if s.yUnder && r.Empty != EmptyComputed && y0 > 0 && y0 <= get(s.cnt, g, c)*fzTiny {
				cond = math.Inf(1) // kept here, maybe not there
			}
			if y0 == 0 && r.Empty != EmptyComputed {
				continue
			}
			sc := w / float64(kept)
			if r.Reduction != Mean { // Sum, and None (Sum for the value and gradient)
				sc = w
			}
			if r.Weight != nil {
				sc *= float64(r.Weight[c])
			}
			n := get(s.cnt, g, c)
			i, p, y, ad := get(s.I, g, c), get(s.P, g, c), y0, get(s.AD, g, c)
			if r.Squared {
				p, y = get(s.PP, g, c), get(s.YY, g, c)
			}
			entry := func(i, p, y, ad float64) (F, dI, dP, parts float64, tame bool) {
				if soft {
					i = (p + y - ad) / 2
				}
				return fzEntryParts(r, i, p, y, n)
			}
			F, dI, dP, parts, tame := entry(i, p, y, ad)
			v += sc * F
			out.tame = out.tame && tame
			out.scale += math.Abs(sc)
			out.gscale = math.Max(out.gscale, math.Abs(sc)*(math.Abs(dI)+2*math.Abs(dP)))
			out.gparts = math.Max(out.gparts, math.Abs(sc)*2*parts)
			// Sensitivity: each sum moved alone, both ways.
			sens, gsens := 0.0, 0.0
			extra := [4]float64{}
			if s.errs != nil {
				extra[0], extra[1] = get(s.errs.I, g, c), get(s.errs.P, g, c)
				if r.Squared {
					extra[1] = get(s.errs.PP, g, c)
				}
			}
			if soft {
				extra[3] = s.adErr * get(s.P, g, c)
			}
			for kk, sum := range []float64{i, p, y, ad} {
				if kk == 2 && s.exactY || kk == 0 && soft || kk == 3 && !soft {
					continue
				}
				d := fzSumRel*sum + extra[kk] + n*fzTiny
				worst := 0.0
				for _, s2 := range []float64{sum + d, math.Max(sum-d, 0)} {
					a := []float64{i, p, y, ad}
					a[kk] = s2
					F2, dI2, dP2, _, _ := entry(a[0], a[1], a[2], a[3])
					// The library's sums may be these: so may its
					// coefficients.
					out.coefMax = math.Max(out.coefMax, math.Abs(sc)*math.Max(math.Abs(dI2), 2*math.Abs(dP2)))
					gsens = math.Max(gsens, math.Abs(sc)*(math.Abs(dI2-dI)+2*math.Abs(dP2-dP)))
					if F2 != F {
						worst = math.Max(worst, math.Abs(F2-F))
						if math.IsNaN(worst) {
							worst = math.Inf(1)
						}
					}
				}
				sens += worst
			}
			if gsens != 0 {
				out.gcond += gsens
				if math.IsNaN(out.gcond) {
					out.gcond = math.Inf(1)
				}
			}
			if sens != 0 {
				cond += math.Abs(sc) * sens
				if math.IsNaN(cond) { // a weight of 0 times an infinite change
					cond = math.Inf(1)
				}
			}
			if k != nil {
				n0, n1 := g, g+1
				if !r.PerImage {
					n0, n1 = 0, N
				}
				for n := n0; n < n1; n++ {
					j := n*C + c
					switch {
					case soft: // dI/d(sum p) = 1/2, dI/dAD = -1/2
						k.P[j] += sc * (dP + dI/2)
						k.D[j] -= sc * dI / 2
					case r.Squared:
						k.I[j] += sc * dI
						k.E[j] += sc * dP
					default:
						k.I[j] += sc * dI
						k.P[j] += sc * dP
					}
				}
			}
		}
	}
	out.value += v
	out.mag += math.Abs(v)
	out.cond += cond
}

// fzGammaOnMeanRef is fzRegionRef for GammaOnMean (SMP's TverskyLoss,
// loss.mean() ** gamma): the term is w*m^Gamma, m the mean over the entries
// without Gamma (max(m, 0), as fzGamma's f), and its gradient coefficients
// those of m times w*Gamma*m^(Gamma-1); m's sensitivity moves the value
// and the coefficients through the power.
func fzGammaOnMeanRef(out *fzRefOut, r *Region, w float64, N, C int, s *fzSums, k *fzCoefs) {
	rr := *r
	rr.Gamma, rr.GammaOnMean = 0, false
	sub := fzRefOut{tame: true}
	var sk *fzCoefs
	if k != nil {
		n := len(k.I)
		sk = &fzCoefs{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	}
	fzRegionRef(&sub, &rr, 1, N, C, s, sk)
	g := r.Gamma
	m := sub.value
	F, d, tame := fzGamma(g, m)
	v := w * F
	out.value += v
	out.mag += math.Abs(v)
	out.scale += math.Abs(w)
	out.tame = out.tame && sub.tame && tame
	// m moved by its cond, both ways
	worst, dworst := 0.0, 0.0
	for _, m2 := range []float64{m + sub.cond, math.Max(m-sub.cond, 0)} {
		F2, d2, _ := fzGamma(g, m2)
		worst = math.Max(worst, math.Abs(F2-F))
		dworst = math.Max(dworst, math.Abs(d2-d))
		out.coefMax = math.Max(out.coefMax, math.Abs(w)*math.Abs(d2)*sub.coefMax)
	}
	if math.IsNaN(worst) || math.IsNaN(dworst) || m < 0 && m+sub.cond >= -0x1p-40*-m {
		// (m+cond rounding to about 0: the entries m is the mean of
		// cancel, and the library's m may be anything up to the rounding
		// of them, 1e26 for a mean of -1e42 from an entry 1/P of a P
		// that underflowed to 0 in float32, found by the fuzzer)
		worst, dworst = math.Inf(1), math.Inf(1)
	}
	out.cond += math.Abs(w) * worst
	cmax := 0.0
	if sk != nil {
		cmax = fzAbsMax(sk.I, sk.P, sk.E, sk.D)
	}
	gc := math.Abs(w) * (math.Abs(d)*sub.gcond + dworst*2*math.Max(cmax, sub.gscale))
	if math.IsNaN(gc) {
		gc = math.Inf(1)
	}
	out.gcond += gc
	out.gscale = math.Max(out.gscale, math.Abs(w*d)*sub.gscale)
	out.gparts = math.Max(out.gparts, math.Abs(w*d)*sub.gparts)
	out.coefMax = math.Max(out.coefMax, math.Abs(w*d)*sub.coefMax)
	if k != nil && d != 0 {
		for j := range k.I {
			k.I[j] += w * d * sk.I[j]
			k.P[j] += w * d * sk.P[j]
			k.E[j] += w * d * sk.E[j]
			k.D[j] += w * d * sk.D[j]
		}
	}
}

// fzGDLRef is fzRegionRef for GeneralizedDiceRatio (Sudre et al., MONAI's
// GeneralizedDiceLoss): per group (the batch, or an image with PerImage),
// w_c = 1/Y_c^2, 1/Y_c or 1 by GDLWeight, a class absent from the group
// (infinite w_c) taking the group's largest finite weight (0 if none),
// R = (2 sum_c w_c I_c + sn) / (sum_c w_c (P_c + Y_c) + sd), 0/0 a perfect
// score, R <= 1 when sn <= sd, F = (1 - R)^Gamma; the term is the mean of
// F over the groups.
func fzGDLRef(out *fzRefOut, r *Region, w float64, N, C int, s *fzSums, k *fzCoefs) {
	groups := 1
	if r.PerImage {
		groups = N
	}
	get := func(a []float64, g, c int) float64 {
		if r.PerImage {
			return a[g*C+c]
		}
		v := 0.0
		for n := 0; n < N; n++ {
			v += a[n*C+c]
		}
		return v
	}
	c0 := 0
	if r.ExcludeBackground {
		c0 = 1
	}
	sc := w / float64(groups)
	if r.Reduction != Mean { // Sum, and None (Sum for the value and gradient)
		sc = w
	}
	nc := C - c0
	// group returns F, dF/dI_c and dF/dP_c (into dI, dP) and whether it is
	// tame, for the sums I, P, Y of the group's classes.
	group := func(I, P, Y, dI, dP []float64) (F, parts float64, tame bool) {
		wc := make([]float64, nc)
		big := 0.0
		for c := range wc {
			switch r.GDLWeight {
			case GDLSimple:
				wc[c] = 1 / Y[c]
			case GDLUniform:
				wc[c] = 1
			default:
				wc[c] = 1 / (Y[c] * Y[c])
			}
			if !math.IsInf(wc[c], 1) {
				big = math.Max(big, wc[c])
			}
		}
		num, den, wmax := r.SmoothNum, r.SmoothDen, 0.0
		for c := range wc {
			if math.IsInf(wc[c], 1) {
				wc[c] = big
			}
			wmax = math.Max(wmax, wc[c])
			num += 2 * wc[c] * I[c]
			den += wc[c] * (P[c] + Y[c])
		}
		for c := range dI {
			dI[c], dP[c] = 0, 0
		}
		if den == 0 {
			F, _, _ = fzGamma(r.Gamma, 0)
			return F, 0, false
		}
		tame = den > 1e-2*wmax
		R, dRdnum, dRdden := num/den, 1/den, -num/(den*den)
		if r.SmoothNum <= r.SmoothDen {
			tame = tame && R < 1-1e-3
			if R > 1 {
				R, dRdnum, dRdden = 1, 0, 0
			}
		}
		F, dFdf, gt := fzGamma(r.Gamma, 1-R)
		for c := range wc {
			dI[c] = -dFdf * dRdnum * 2 * wc[c]
			dP[c] = -dFdf * dRdden * wc[c]
			parts = math.Max(parts, math.Abs(dI[c])+math.Abs(dP[c]))
		}
		return F, parts, tame && gt
	}
	I, P, Y := make([]float64, nc), make([]float64, nc), make([]float64, nc)
	dI, dP, dI2, dP2 := make([]float64, nc), make([]float64, nc), make([]float64, nc), make([]float64, nc)
	var v, cond float64
	for g := 0; g < groups; g++ {
		for c := range I {
			I[c], P[c], Y[c] = get(s.I, g, c0+c), get(s.P, g, c0+c), get(s.Y, g, c0+c)
		}
		F, parts, tame := group(I, P, Y, dI, dP)
		v += sc * F
		out.tame = out.tame && tame
		out.scale += math.Abs(sc)
		out.gparts = math.Max(out.gparts, math.Abs(sc)*2*parts)
		for c := range dI {
			out.gscale = math.Max(out.gscale, math.Abs(sc)*(math.Abs(dI[c])+2*math.Abs(dP[c])))
		}
		// Sensitivity: each sum of each class moved alone, both ways.
		sens, gsens := 0.0, 0.0
		for c := range I {
			n := get(s.cnt, g, c0+c)
			extra := [3]float64{}
			if s.errs != nil {
				extra[0], extra[1] = get(s.errs.I, g, c0+c), get(s.errs.P, g, c0+c)
			}
			for kk, a := range [][]float64{I, P, Y} {
				if kk == 2 && s.exactY {
					continue
				}
				s0 := a[c]
				d := fzSumRel*s0 + extra[kk] + n*fzTiny
				worst := 0.0
				for _, s2 := range []float64{s0 + d, math.Max(s0-d, 0)} {
					a[c] = s2
					F2, _, _ := group(I, P, Y, dI2, dP2)
					a[c] = s0
					for j := range dI2 {
						out.coefMax = math.Max(out.coefMax, math.Abs(sc)*math.Max(math.Abs(dI2[j]), math.Abs(dP2[j])))
						gsens = math.Max(gsens, math.Abs(sc)*(math.Abs(dI2[j]-dI[j])+2*math.Abs(dP2[j]-dP[j])))
					}
					if F2 != F {
						worst = math.Max(worst, math.Abs(F2-F))
						if math.IsNaN(worst) {
							worst = math.Inf(1)
						}
					}
				}
				sens += worst
			}
		}
		if gsens != 0 {
			out.gcond += gsens
			if math.IsNaN(out.gcond) {
				out.gcond = math.Inf(1)
			}
		}
		if sens != 0 {
			cond += math.Abs(sc) * sens
			if math.IsNaN(cond) {
				cond = math.Inf(1)
			}
		}
		if k != nil {
			n0, n1 := g, g+1
			if !r.PerImage {
				n0, n1 = 0, N
			}
			for n := n0; n < n1; n++ {
				for c := range dI {
					k.I[n*C+c0+c] += sc * dI[c]
					k.P[n*C+c0+c] += sc * dP[c]
				}
			}
		}
	}
	out.value += v
	out.mag += math.Abs(v)
	out.cond += cond
}

// fzRegionsW adds the region terms of t (fzRegionRef); with weights
// (weighted, largest pwMax) the gradient coefficients are per unit of
// weighted sums, so a pixel's gradient, and the float32 roundings of it,
// are up to pwMax times theirs.
func fzRegionsW(out *fzRefOut, t fzTermSet, N, C int, sums *fzSums, k *fzCoefs, weighted bool, pwMax float64) {
	if !weighted {
		for j, r := range t.regions {
			fzRegionRef(out, r, t.wRegions[j], N, C, sums, k)
		}
		return
	}
	gs, gp, gc := out.gscale, out.gparts, out.gcond
	out.gscale, out.gparts, out.gcond = 0, 0, 0
	for j, r := range t.regions {
		fzRegionRef(out, r, t.wRegions[j], N, C, sums, k)
	}
	out.gscale = math.Max(gs, pwMax*out.gscale)
	out.gparts = math.Max(gp, pwMax*out.gparts)
	out.gcond = gc + pwMax*out.gcond
}

// fzDivisorW is fzDivisor with WeightMean's weighted divisor.
func fzDivisorW(r Reduction, weightSum, count, weighted float64) float64 {
	if r == WeightMean {
		return weighted
	}
	return fzDivisor(r, weightSum, count)
}

func fzDivisor(r Reduction, weightSum, count float64) float64 {
	switch r {
	case Mean:
		return weightSum
	case PixelMean:
		return count
	}
	return 1
}

func fzRefMulticlass(m *Multiclass, x []float64, l Labels, sh Shape, wantGrad bool) fzRefOut {
	return fzRefMulticlassW(m, x, l, nil, sh, wantGrad)
}

// fzRefMulticlassW is fzRefMulticlass with per-pixel weights (N*S; nil:
// none), ForwardWeighted's and BackwardWeighted's (their godoc): every
// pixel's part of every sum is w times its unweighted one; a pixelwise
// term's divisor is the unweighted one for Mean (class-weight sum for
// CrossEntropy, count for Focal), the weighted one for WeightMean (sum of
// w*w_y, or of w), the count for PixelMean, 1 for Sum and None; a pixel's
// gradient is w times its gradient in the weighted sums. The Pixelwise
// values (unweighted calls) are those of the weights' absence.
func fzRefMulticlassW(m *Multiclass, x []float64, l Labels, wts []float64, sh Shape, wantGrad bool) fzRefOut {
	N, C, S := sh.N, sh.C, sh.S
	pw := func(n, i int) float64 {
		if wts == nil {
			return 1
		}
		return wts[n*S+i]
	}
	pwMax := 1.0
	if wts != nil {
		pwMax = fzAbsMax(wts)
	}
	// The gradient scales as the library's range check sees them: times
	// the largest weight, but not below the unweighted ones (it says
	// ErrRange for a CE weight of 8e37 with Sum even when every pixel
	// weight is 0 and the gradient is 0).
	pwRange := math.Max(pwMax, 1)
	t := fzSplit(m.Terms)
	out := fzRefOut{tame: true}
	ignL, ignSet := m.Ignore.Label()
	skip := func(y int) bool { return ignSet && y == ignL }
	I, P, PP, Y, cnt := make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C)
	cw := func(c int) float64 {
		if t.ce == nil || t.ce.Weight == nil {
			return 1
		}
		return float64(t.ce.Weight[c])
	}
	alpha := func(c int) float64 {
		if t.foc == nil || t.foc.Alpha == nil {
			return 1
		}
		return float64(t.foc.Alpha[c])
	}
	var wmax, wall float64 // largest CE class weight, sum of them
	for c := 0; c < C; c++ {
		wmax = math.Max(wmax, cw(c))
		wall += cw(c)
	}
	var eps float64
	if t.ce != nil {
		eps = t.ce.LabelSmoothing
	}
	if len(t.regions) == 0 {
		out.pix, out.pixKnown, out.pixCond = make([]float64, N*S), make([]float64, N*S), make([]float64, N*S)
	}
	e, lp, zc := make([]float64, C), make([]float64, C), make([]float64, C)
	errs := fzSumErrs{I: make([]float64, N*C), P: make([]float64, N*C), PP: make([]float64, N*C)}
	// With NoActivation the inputs are the probabilities (Region terms
	// only), exact: the sums' errors are their own roundings.
	probs := m.Activation == NoActivation
	// pixel computes the softmax of pixel i of image n into e (p) and lp
	// (log p), and returns 1 - p_y, accurately (with NoActivation, the
	// inputs into e).
	pixel := func(n, i, y int) (q float64) {
		if probs {
			for c := 0; c < C; c++ {
				e[c], zc[c] = x[(n*C+c)*S+i], 0
			}
			return 1 - e[y]
		}
		mx := math.Inf(-1)
		for c := 0; c < C; c++ {
			mx = math.Max(mx, x[(n*C+c)*S+i])
		}
		s, o := 0.0, 0.0
		for c := 0; c < C; c++ {
			e[c] = math.Exp(x[(n*C+c)*S+i] - mx)
			s += e[c]
			if c != y {
				o += e[c]
			}
		}
		lse := math.Log(s)
		for c := 0; c < C; c++ {
			zc[c] = x[(n*C+c)*S+i] - mx
			lp[c] = zc[c] - lse
			e[c] /= s
		}
		return o / s
	}
	var ceSum, wSum, focSum, focCond, valid, kCE, kF, kCEmax, kFmax, ceKnown, focKnown float64
	var wSumW, validW float64 // WeightMean's divisors
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			y := refLabel(l, n*S+i)
			if skip(y) {
				continue
			}
			w := pw(n, i)
			valid++
			validW += w
			q := pixel(n, i, y)
			for c := 0; c < C; c++ {
				P[n*C+c] += w * e[c]
				PP[n*C+c] += w * e[c] * e[c]
				// (a count for MCC's M, unweighted: the weighted cases
				// draw no MCC term; a weight scales the tiny errors)
				cnt[n*C+c] += math.Max(w, 1)
				ep := e[c] * fzPRel(zc[c])
				if probs {
					ep = 0
				}
				errs.P[n*C+c] += w * ep
				errs.PP[n*C+c] += w * 2 * e[c] * ep
			}
			if !probs {
				errs.I[n*C+y] += w * e[y] * fzPRel(zc[y])
			}
			I[n*C+y] += w * e[y]
			Y[n*C+y] += w
			var li, fi, pk float64
			if t.ce != nil {
				li = (1 - eps) * cw(y) * -lp[y]
				for c := 0; c < C; c++ {
					li += eps / float64(C) * cw(c) * -lp[c]
				}
				ceSum += w * li
				wSum += cw(y)
				wSumW += w * cw(y)
				kn := fzConfidentAbs * ((1-eps)*cw(y) + eps*wall/float64(C))
				ceKnown += w * kn
				pk += t.wCE * kn
				k := (1-eps)*cw(y) + eps*wall/float64(C)
				kCE += w * k
				kCEmax = math.Max(kCEmax, w*k)
				if wmax > 0 {
					out.kmax = math.Max(out.kmax, math.Max(w, 1)*li/wmax)
				}
			}
			if t.foc != nil {
				fi = alpha(y) * math.Pow(q, t.foc.Gamma) * -lp[y]
				focSum += w * fi
				focCond += w * fi * fzPowRel(q, t.foc.Gamma)
				if g := t.foc.Gamma; q > 0 {
					// -log p_y and 1 - p_y, each off by fzConfidentAbs
					kn := alpha(y) * fzConfidentAbs * (math.Pow(q, g) + g*math.Pow(q, g-1)*-lp[y])
					focKnown += w * kn
					pk += t.wF * kn
				}
				kF += w * alpha(y)
				kFmax = math.Max(kFmax, w*alpha(y))
				out.kmax = math.Max(out.kmax, math.Max(w, 1)*fi)
				if g := t.foc.Gamma; g > 0 && g < 1 && q < 1e-2 {
					out.tame = false
				}
			}
			if out.pix != nil {
				out.pix[n*S+i] = t.wCE*li + t.wF*fi
				out.pixKnown[n*S+i] = pk
				if t.foc != nil {
					out.pixCond[n*S+i] = t.wF * fi * fzPowRel(q, t.foc.Gamma)
				}
			}
		}
	}
	var sCE, sF float64 // gradient scales
	if t.ce != nil {
		if d := fzDivisorW(t.ce.Reduction, wSum, valid, wSumW); d != 0 {
			v := t.wCE * (ceSum / d)
			out.value += v
			out.mag += math.Abs(v)
			sCE = t.wCE / d
			out.scaleMax = math.Max(out.scaleMax, sCE*wmax*pwRange)
			out.knownCond += t.wCE * (ceKnown / d)
			out.scale += t.wCE * (kCE / d)
			out.gscale += sCE * kCEmax
		}
		out.pscale += t.wCE * wmax
	}
	if t.foc != nil {
		if d := fzDivisorW(t.foc.Reduction, valid, valid, validW); d != 0 {
			v := t.wF * (focSum / d)
			out.value += v
			out.mag += math.Abs(v)
			out.cond += t.wF * (focCond / d)
			out.knownCond += t.wF * (focKnown / d)
			sF = t.wF / d
			out.scaleMax = math.Max(out.scaleMax, sF*pwRange)
			out.scale += t.wF * (kF / d)
			out.gscale += sF * kFmax * (2 + t.foc.Gamma)
		}
		amax := 0.0
		for c := 0; c < C; c++ {
			amax = math.Max(amax, alpha(c))
		}
		out.pscale += t.wF * amax
	}
	var k *fzCoefs
	if wantGrad {
		k = &fzCoefs{make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C)}
	}
	// SoftLabel has no effect with class-index labels (its godoc).
	sums := &fzSums{I: I, P: P, PP: PP, Y: Y, YY: Y, AD: make([]float64, N*C), cnt: cnt, exactY: true, errs: &errs}
	fzRegionsW(&out, t, N, C, sums, k, wts != nil, pwMax)
	if !wantGrad {
		return out
	}
	cI, cP, cE := k.I, k.P, k.E
	out.coefMax = math.Max(out.coefMax, fzAbsMax(cI, cP, cE))
	out.grad = make([]float64, len(x))
	gp := make([]float64, C)
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			y := refLabel(l, n*S+i)
			if skip(y) {
				continue
			}
			q := pixel(n, i, y)
			w := pw(n, i)
			py := e[y]
			dot := 0.0
			for c := 0; c < C; c++ {
				gp[c] = cP[n*C+c] + 2*e[c]*cE[n*C+c]
				if c == y {
					gp[c] += cI[n*C+c]
				}
				dot += e[c] * gp[c]
			}
			if probs { // d(loss)/dp
				for c := 0; c < C; c++ {
					out.grad[(n*C+c)*S+i] = w * gp[c]
				}
				continue
			}
			for c := 0; c < C; c++ {
				g := e[c] * (gp[c] - dot)
				ind := 0.0
				if c == y {
					ind = 1
				}
				if sCE != 0 {
					g += sCE * (e[c]*((1-eps)*cw(y)+eps*wall/float64(C)) - (1-eps)*cw(y)*ind - eps/float64(C)*cw(c))
				}
				if sF != 0 && q > 0 {
					gm := t.foc.Gamma
					d := -math.Pow(q, gm)
					if gm != 0 {
						d -= gm * math.Pow(q, gm-1) * py * -lp[y]
					}
					g += sF * alpha(y) * (ind - e[c]) * d
				}
				out.grad[(n*C+c)*S+i] = w * g
			}
		}
	}
	return out
}

func fzRefBinary(b *Binary, x, y []float64, sh Shape, wantGrad bool) fzRefOut {
	return fzRefBinaryW(b, x, y, nil, sh, wantGrad)
}

// fzRefBinaryW is fzRefBinary with per-element weights (N*C*S; nil:
// none), as Binary.ForwardWeighted's godoc has them: every element's part
// of every sum is w times its unweighted one; a pixelwise term's divisor is
// the element count for Mean, the sum of the weights for WeightMean, 1 for
// Sum and None; an element's gradient is w times its gradient in the
// weighted sums. The Pixelwise values are those of the weights' absence.
func fzRefBinaryW(b *Binary, x, y, wts []float64, sh Shape, wantGrad bool) fzRefOut {
	N, C, S := sh.N, sh.C, sh.S
	ew := func(k int) float64 {
		if wts == nil {
			return 1
		}
		return wts[k]
	}
	pwMax, wAll := 1.0, float64(sh.Len())
	if wts != nil {
		pwMax, wAll = fzAbsMax(wts), 0
		for _, v := range wts {
			wAll += v
		}
	}
	pwRange := math.Max(pwMax, 1) // (fzRefMulticlassW's)
	t := fzSplit(b.Terms)
	out := fzRefOut{tame: true}
	n := N * C
	I, P, PP, Y, YY, AD, cnt := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	pw := func(c int) float64 {
		if t.bce == nil || t.bce.PosWeight == nil {
			return 1
		}
		return float64(t.bce.PosWeight[c])
	}
	if len(t.regions) == 0 {
		out.pix, out.pixKnown, out.pixCond = make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	}
	// NoActivation: the inputs are p (exact), the BCE is torch's
	// binary_cross_entropy (each log clamped at -100) and the gradient is
	// d(loss)/dp, the BCE's torch's (p - y)/max(p(1-p), 1e-12) (with
	// PosWeight, (-pw*y/p + (1-y)/(1-p)) over the same clamped
	// denominator).
	probs := b.Activation == NoActivation
	// elem returns p = sigmoid(x), q = 1-p, softplus(x) and softplus(-x)
	// (with NoActivation, p = x, q = 1-p and the clamped -log q, -log p).
	elem := func(xv float64) (p, q, spx, spn float64) {
		if probs {
			p, q = xv, 1-xv
			return p, q, -math.Max(math.Log(q), -100), -math.Max(math.Log(p), -100)
		}
		e := math.Exp(-math.Abs(xv))
		p, q = 1/(1+e), e/(1+e)
		if xv < 0 {
			p, q = q, p
		}
		l1p := math.Log1p(e)
		return p, q, math.Max(xv, 0) + l1p, math.Max(-xv, 0) + l1p
	}
	alphaT := func(yv float64) float64 {
		if a := t.sf.Alpha; a >= 0 {
			return a*yv + (1-a)*(1-yv)
		}
		return 1
	}
	soft := false // a SoftLabel region: the sums of |p - y| and their kinks
	for _, r := range t.regions {
		soft = soft || r.SoftLabel
	}
	const h = 1e-4 // fzCentral's step
	var bceSum, bceCond, sfSum, sfCond, kB, kBmax, gB float64
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			for i := 0; i < S; i++ {
				k := (n*C+c)*S + i
				xv, yv := x[k], y[k]
				p, q, spx, spn := elem(xv)
				j := n*C + c
				w := ew(k)
				I[j] += w * p * yv
				P[j] += w * p
				PP[j] += w * p * p
				Y[j] += w * yv
				YY[j] += w * yv * yv
				AD[j] += w * math.Abs(p-yv)
				// (MCC's M, unweighted: the weighted cases draw no MCC
				// term; a weight scales the tiny errors)
				cnt[j] += math.Max(w, 1)
				if d := math.Abs(p - yv); soft && d != 0 && (probs && d < 2*h || !probs && d < 4*p*q*h) {
					out.tame = false // central differences straddle the kink of |p - y|
				}
				var lb, lf, lbCond float64
				if t.bce != nil {
					lb = (1-yv)*spx + pw(c)*yv*spn
					bceSum += w * lb
					kb := math.Max(1, pw(c))
					kB += w * kb
					kBmax = math.Max(kBmax, w*kb)
					out.kmax = math.Max(out.kmax, math.Max(w, 1)*lb)
					if probs {
						// float32 q = 1 - p rounds for p < 1/2 (2^-25
						// absolute), moving log q by up to 2^-24.
						if p > 0 && p < 0.5 {
							lbCond = (1 - yv) * 0x1p-24
						}
						if pq := p * q; !(pq > 0.05*0.95) {
							out.tame = false // near the clamps, and p +- h leaves [0, 1]
						}
						gB = math.Max(gB, w*((1-yv)*p+pw(c)*yv*q)/math.Max(p*q, 1e-12))
					}
					bceCond += w * lbCond
				}
				if t.sf != nil {
					pt1 := p*(1-yv) + q*yv
					lf = ((1-yv)*spx + yv*spn) * math.Pow(pt1, t.sf.Gamma) * alphaT(yv)
					sfSum += w * lf
					sfCond += w * lf * fzPowRel(pt1, t.sf.Gamma)
					out.kmax = math.Max(out.kmax, math.Max(w, 1)*lf)
					if g := t.sf.Gamma; g > 0 && g < 1 && pt1 < 1e-2 {
						out.tame = false
					}
				}
				if out.pix != nil {
					out.pix[k] = t.wBCE*lb + t.wSF*lf
					out.pixCond[k] = t.wBCE * lbCond
					if t.sf != nil {
						out.pixCond[k] += t.wSF * lf * fzPowRel(p*(1-yv)+q*yv, t.sf.Gamma)
					}
				}
			}
		}
	}
	total := float64(sh.Len())
	var sB, sF float64
	if t.bce != nil {
		d := fzDivisorW(t.bce.Reduction, total, total, wAll)
		v := t.wBCE * (bceSum / d)
		if d == 0 { // WeightMean with every weight 0
			v, d = 0, math.Inf(1)
		}
		out.value += v
		out.mag += math.Abs(v)
		out.cond += t.wBCE * (bceCond / d)
		sB = t.wBCE / d
		out.scale += t.wBCE * (kB / d)
		out.gscale += sB * kBmax
		pmax := 1.0
		for c := 0; c < C; c++ {
			pmax = math.Max(pmax, pw(c))
		}
		// the library bounds a BCE gradient element by its scale times the
		// largest PosWeight (at least 1) before the float32 kernels run;
		// torch's probability form divides by p(1-p) down to 1e-12, and
		// its float32 parts are as large as that quotient
		if probs {
			pmax *= 1e12
			out.gscale += sB * gB
		}
		out.scaleMax = math.Max(out.scaleMax, sB*pmax*pwRange)
		out.pscale += t.wBCE * pmax
	}
	if t.sf != nil {
		d := fzDivisorW(t.sf.Reduction, total, total, wAll)
		v := t.wSF * (sfSum / d)
		if d == 0 {
			v, d = 0, math.Inf(1)
		}
		out.value += v
		out.mag += math.Abs(v)
		out.cond += t.wSF * (sfCond / d)
		sF = t.wSF / d
		out.scaleMax = math.Max(out.scaleMax, sF*pwRange)
		out.scale += t.wSF * (wAll / d)
		out.gscale += sF * pwMax * (2 + t.sf.Gamma)
		out.pscale += t.wSF
	}
	var k *fzCoefs
	if wantGrad {
		k = &fzCoefs{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	}
	// float32 sigmoid p (a few roundings) makes each |p - y| off by about
	// 2^-22 p absolute; probabilities are exact.
	adErr := 0x1p-22
	if probs {
		adErr = 0
	}
	sums := &fzSums{I: I, P: P, PP: PP, Y: Y, YY: YY, AD: AD, cnt: cnt, soft: true, adErr: adErr, yUnder: wts != nil}
	fzRegionsW(&out, t, N, C, sums, k, wts != nil, pwMax)
	if !wantGrad {
		return out
	}
	cI, cP, cE, cD := k.I, k.P, k.E, k.D
	out.coefMax = math.Max(out.coefMax, fzAbsMax(cI, cP, cE, cD))
	out.grad = make([]float64, len(x))
	sgnAmb := 0.0 // the largest gradient change a float32 p on the other side of y makes
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			j := n*C + c
			for i := 0; i < S; i++ {
				k := j*S + i
				xv, yv := x[k], y[k]
				p, q, spx, spn := elem(xv)
				// d(|p - y|)/dp = sgn(p - y), sgn(0) = 0 (the SoftLabel godoc)
				sg := 0.0
				switch {
				case p > yv:
					sg = 1
				case p < yv:
					sg = -1
				}
				dp := cI[j]*yv + cP[j] + 2*p*cE[j] + cD[j]*sg
				dpdx := p * q
				if probs {
					dpdx = 1
				} else if d := math.Abs(p - yv); d <= 0x1p-22*p+fzTiny {
					sgnAmb = math.Max(sgnAmb, 2*ew(k)*math.Abs(cD[j])*dpdx)
				}
				g := dp * dpdx
				pmy := p*(1-yv) - q*yv // p - y
				if sB != 0 {
					if probs {
						g += sB * ((1-yv)*p - pw(c)*yv*q) / math.Max(p*q, 1e-12)
					} else {
						g += sB * ((1-yv)*p - pw(c)*yv*q)
					}
				}
				if sF != 0 {
					gm := t.sf.Gamma
					pt1 := p*(1-yv) + q*yv
					d := pmy * math.Pow(pt1, gm)
					if gm != 0 && pt1 > 0 {
						d += ((1-yv)*spx + yv*spn) * gm * math.Pow(pt1, gm-1) * p * q * (1 - 2*yv)
					}
					g += sF * alphaT(yv) * d
				}
				out.grad[k] = ew(k) * g
			}
		}
	}
	out.gcond += sgnAmb
	return out
}
func fzAbsMax(xs ...[]float64) float64 {
	m := 0.0
	for _, x := range xs {
		for _, v := range x {
			m = math.Max(m, math.Abs(v))
		}
	}
	return m
}

// fzPowRel is the relative error of a float32 q^g from a q accurate to
// fzSumRel: g times that of q, plus that of log q when the power is not a
// product (g*log q grows with both, and exp turns its absolute error into
// a relative one); all of it when q^g is below float32's normal range
// (exp is 0 below -87.34), however large the factor it multiplies.
func fzPowRel(q, g float64) float64 {
	switch {
	case g == 0 || q == 0:
		return 0
	case math.Pow(q, g) < 0x1p-120:
		return 1
	case g == 1 || g == 2:
		return g * fzSumRel
	}
	return g * fzSumRel * (1 + math.Abs(math.Log(q)))
}

// fzSumErrs are bounds on the errors of the softmax statistics sums from
// those of their elements: p = exp(x - max)/sum is only as accurate as
// the float32 x - max, whose rounding is |x - max| * 2^-24 absolute, a
// relative error of p of that much (1.8e-6 for a class 30 below the max:
// a sum of such p alone, an absent class, is no better).
type fzSumErrs struct{ I, P, PP []float64 }

// fzPRel is the relative error of a float32 softmax probability whose
// logit is z below the max: the rounding of z, then a few roundings of exp,
// the sum and the division.
func fzPRel(z float64) float64 { return (math.Abs(z) + 4) * 0x1p-24 }

// fzRefMulticlassSoft is the reference of Multiclass.ForwardSoft and
// BackwardSoft (their godoc): probability targets y (N*C*S), p the softmax
// of the logits (the inputs with NoActivation); CrossEntropy is torch's
// cross_entropy with probability targets, per pixel sum_c w_c y'_c
// (logsumexp(x) - x_c), y' = (1 - eps) y + eps/C, divided by N*S for Mean
// and PixelMean, by 1 for Sum and None; Region terms take sum p*y, sum p,
// sum y (sum p^2, sum y^2 when Squared) and, with SoftLabel, sum |p - y|.
// No Focal term, ignore index or weights.
func fzRefMulticlassSoft(m *Multiclass, x, yt []float64, sh Shape, wantGrad bool) fzRefOut {
	N, C, S := sh.N, sh.C, sh.S
	t := fzSplit(m.Terms)
	out := fzRefOut{tame: true}
	probs := m.Activation == NoActivation
	n := N * C
	I, P, PP, Y, YY, AD, cnt := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	errs := fzSumErrs{I: make([]float64, n), P: make([]float64, n), PP: make([]float64, n)}
	cw := func(c int) float64 {
		if t.ce == nil || t.ce.Weight == nil {
			return 1
		}
		return float64(t.ce.Weight[c])
	}
	var wmax float64
	for c := 0; c < C; c++ {
		wmax = math.Max(wmax, cw(c))
	}
	var eps float64
	if t.ce != nil {
		eps = t.ce.LabelSmoothing
	}
	soft := false
	for _, r := range t.regions {
		soft = soft || r.SoftLabel
	}
	e, lp, zc := make([]float64, C), make([]float64, C), make([]float64, C)
	pixel := func(nn, i int) {
		if probs {
			for c := 0; c < C; c++ {
				e[c], zc[c] = x[(nn*C+c)*S+i], 0
			}
			return
		}
		mx := math.Inf(-1)
		for c := 0; c < C; c++ {
			mx = math.Max(mx, x[(nn*C+c)*S+i])
		}
		s := 0.0
		for c := 0; c < C; c++ {
			zc[c] = x[(nn*C+c)*S+i] - mx
			e[c] = math.Exp(zc[c])
			s += e[c]
		}
		lse := math.Log(s)
		for c := 0; c < C; c++ {
			lp[c] = zc[c] - lse
			e[c] /= s
		}
	}
	yp := func(nn, c, i int) float64 { return (1-eps)*yt[(nn*C+c)*S+i] + eps/float64(C) }
	const h = 1e-4 // fzCentral's step
	var ceSum, ceKnown, ceTiny, kCE, kCEmax, adErr float64
	for nn := 0; nn < N; nn++ {
		for i := 0; i < S; i++ {
			pixel(nn, i)
			li, k := 0.0, 0.0
			for c := 0; c < C; c++ {
				j := nn*C + c
				yv := yt[(nn*C+c)*S+i]
				I[j] += e[c] * yv
				P[j] += e[c]
				PP[j] += e[c] * e[c]
				Y[j] += yv
				YY[j] += yv * yv
				AD[j] += math.Abs(e[c] - yv)
				cnt[j]++
				if !probs {
					ep := e[c] * fzPRel(zc[c])
					errs.P[j] += ep
					errs.PP[j] += 2 * e[c] * ep
					errs.I[j] += yv * ep
					adErr = math.Max(adErr, fzPRel(zc[c]))
				}
				if d := math.Abs(e[c] - yv); soft && d != 0 && d < 4*h {
					out.tame = false // central differences straddle the kink of |p - y|
				}
				if t.ce != nil {
					li += cw(c) * yp(nn, c, i) * -lp[c]
					k += cw(c) * yp(nn, c, i)
				}
			}
			if t.ce != nil {
				ceSum += li
				kCE += k
				kCEmax = math.Max(kCEmax, k)
				ceKnown += fzConfidentAbs * k
				if k != 0 {
					// The kernels' float32 terms of a pixel (sum w y', its
					// product with the log-sum) round to a few of float32's
					// smallest denormals absolute where the target mass
					// underflows (y = 1e-45: testdata/fuzz/FuzzLoss/550de35e64633e57)
					ceTiny += 4 * 0x1p-149
				}
				if wmax > 0 {
					out.kmax = math.Max(out.kmax, li/wmax)
				}
			}
		}
	}
	var sCE float64
	if t.ce != nil {
		d := 1.0
		if r := t.ce.Reduction; r == Mean || r == PixelMean {
			d = float64(N * S)
		}
		v := t.wCE * (ceSum / d)
		out.value += v
		out.mag += math.Abs(v)
		sCE = t.wCE / d
		out.scaleMax = math.Max(out.scaleMax, sCE*wmax)
		out.knownCond += t.wCE * (ceKnown / d)
		out.cond += t.wCE * (ceTiny / d)
		out.scale += t.wCE * (kCE / d)
		out.gscale += sCE * kCEmax
	}
	var k *fzCoefs
	if wantGrad {
		k = &fzCoefs{make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
	}
	sums := &fzSums{I: I, P: P, PP: PP, Y: Y, YY: YY, AD: AD, cnt: cnt, soft: true, errs: &errs, adErr: adErr + 0x1p-22}
	for j, r := range t.regions {
		fzRegionRef(&out, r, t.wRegions[j], N, C, sums, k)
	}
	if !wantGrad {
		return out
	}
	out.coefMax = math.Max(out.coefMax, fzAbsMax(k.I, k.P, k.E, k.D))
	out.grad = make([]float64, len(x))
	gp := make([]float64, C)
	sgnAmb := 0.0
	for nn := 0; nn < N; nn++ {
		for i := 0; i < S; i++ {
			pixel(nn, i)
			dot, ysum := 0.0, 0.0
			for c := 0; c < C; c++ {
				j := nn*C + c
				yv := yt[(nn*C+c)*S+i]
				sg := 0.0
				switch {
				case e[c] > yv:
					sg = 1
				case e[c] < yv:
					sg = -1
				}
				if d := math.Abs(e[c] - yv); !probs && d <= (adErr+0x1p-22)*e[c]+fzTiny {
					sgnAmb = math.Max(sgnAmb, 2*math.Abs(k.D[j])*e[c])
				}
				gp[c] = k.I[j]*yv + k.P[j] + 2*e[c]*k.E[j] + k.D[j]*sg
				dot += e[c] * gp[c]
				if t.ce != nil {
					ysum += cw(c) * yp(nn, c, i)
				}
			}
			for c := 0; c < C; c++ {
				g := gp[c]
				if !probs {
					g = e[c] * (gp[c] - dot)
					if sCE != 0 {
						g += sCE * (ysum*e[c] - cw(c)*yp(nn, c, i))
					}
				}
				out.grad[(nn*C+c)*S+i] = g
			}
		}
	}
	out.gcond += sgnAmb
	return out
}
