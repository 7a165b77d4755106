package main

// The statistics and gradient passes of the sigmoid losses over one block
// of one plane: kernels/generic.go sigmoidStatsGeneric and
// sigmoidGradGeneric on 4 lanes, with the arguments of the amd64 kernels.

// Flag bits of the sigmoid and softmax kernels: kernels.Flags, plus
// flagAlpha (the focal alpha weighting is on).
const (
	bitCE      = 0  // kernels.NeedCE
	bitFocal   = 1  // kernels.NeedFocal
	bitRegion  = 2  // kernels.NeedRegion
	bitSquared = 3  // kernels.NeedSquared
	bitAbsDiff = 4  // kernels.NeedAbsDiff: sum |p - y|; gradient: d*sgn(p - y)
	bitAlpha   = 8  // 256: alpha weighting on
	bitNoX     = 13 // 8192: probability gradient a*y + b alone, x not read (kernels.probsNoX)
)

// ifBit emits body only when bit b of flags is set at run time.
func ifBit(flags R, b int, body func()) { bitGuard(flags, b, "nobit", TBZ, body) }

// ifNoBit emits body only when bit b of flags is clear at run time.
func ifNoBit(flags R, b int, body func()) { bitGuard(flags, b, "bit", TBNZ, body) }

// bitGuard emits body behind a test of bit b of flags (TBZ or TBNZ) that
// jumps past it to a new label named after skip.
func bitGuard(flags R, b int, skip string, test func(R, int, string), body func()) {
	l := newLabel(skip)
	test(flags, b, l)
	body()
	label(l)
}

// retBits stores the largest unsigned int32 lane of mx as the kernel's
// uint32 result: kernels.SigmoidSums.Bits, the largest bit pattern of the
// float32 the kernel's UMAX saw (mx is released).
func retBits(mx V) {
	s := vget()
	UMAXV(s, mx)
	r := rget()
	UMOV(r, s, 0)
	off, _ := cur.offset("ret")
	ins("MOVW", r.String(), "ret+"+itoa(off)+"(FP)")
	rput(r)
	vput(s, mx)
}

// accAdd adds v (the lanes of mask m only, unless m is noMask) to a.
func accAdd(a, v, m V) {
	if m == noMask {
		FADD(a, a, v)
		return
	}
	t := vget()
	AND(t, v, m)
	FADD(a, a, t)
	vput(t)
}

// accMul adds x*y (lanes of m) to a.
func accMul(a, x, y, m V) {
	t := vget()
	FMUL(t, x, y)
	if m != noMask {
		AND(t, t, m)
	}
	FADD(a, a, t)
	vput(t)
}

// oneMinus returns 1 - v in a new register.
func oneMinus(v V) V {
	r := vget()
	k := Kf(1)
	FSUB(r, k, v)
	vput(k)
	return r
}

// focalCE returns max(x,0) - x*y + l1p: (1-y)*x for x > 0 or -x*y for x <
// 0, rounded once, plus l1p, so nothing cancels.
func focalCE(x, y, l1p V) V {
	c := vget()
	ZERO(c)
	FMAX(c, x, c)
	FMLS(c, x, y)
	FADD(c, c, l1p)
	return c
}

// alphaWeight multiplies d by alpha*y + (1-alpha)*(1-y) (oma = 1-alpha).
func alphaWeight(d, y, omy, alpha V) {
	w := oneMinus(alpha)
	FMUL(w, w, omy)
	FMLA(w, alpha, y)
	FMUL(d, d, w)
	vput(w)
}

// Each kernel comes in two variants: unweighted, and weighted (SigmoidStatsW,
// SigmoidGradW), which takes per-element weights w (as long as x) into every
// sum and the gradient (kernels/generic.go sigmoidStatsGeneric and
// sigmoidGradGeneric say how).
//
// And each comes for logits and for probabilities ("P": SigmoidStatsP,
// SigmoidStatsPW, SigmoidGradP, SigmoidGradPW), whose inputs x are p itself
// (kernels.SigmoidParams.Probs: torch's binary_cross_entropy, no focal
// term). There is no fused kernel: the tier runs statistics, then gradient.
func sigmoidFamily() {
	for _, probs := range []bool{false, true} {
		for _, weighted := range []bool{false, true} {
			sigmoidStats(weighted, probs)
			if probs {
				sigmoidGradProbs(weighted)
				continue
			}
			sigmoidGrad(weighted)
		}
	}
}

// sliceParams returns the []float32 parameters x, y (w when weighted) and
// the names in extra.
func sliceParams(weighted bool, extra ...string) []Param {
	ps := []Param{{"x", "[]float32"}, {"y", "[]float32"}}
	if weighted {
		ps = append(ps, Param{"w", "[]float32"})
	}
	for _, e := range extra {
		ps = append(ps, Param{e, "[]float32"})
	}
	return ps
}

// wName is the infix of a weighted kernel's name.
func wName(weighted bool) string {
	if weighted {
		return "W"
	}
	return ""
}

// pName is the infix of a probabilities kernel's name.
func pName(probs bool) string {
	if probs {
		return "P"
	}
	return ""
}

func sigmoidStats(weighted, probs bool) {
	name := "SigmoidStats" + pName(probs) + wName(weighted) + "NEON"
	doc := []string{
		name + " computes kernels.sigmoidStatsGeneric over len(x) <= kernels.BlockSize elements",
		"into out[0:8] = P, PY, Y, PP, YY, BCE, Focal, AD (sums not asked for are 0). flags: kernels.Flags | 256 when",
		"alpha >= 0; gmode: 0, 1, 2 when gamma is that integer, else 3. It returns kernels.SigmoidSums.Bits: the",
		"largest bits, as uint32, of y (and of x for probabilities), whatever the flags.",
	}
	if weighted {
		doc = append(doc, "Element i weighs w[i].")
	}
	if probs {
		doc = append(doc, "x holds probabilities (kernels.SigmoidParams.Probs): no focal sum.")
	}
	begin(&Func{
		Name: name,
		Doc:  doc,
		Params: append(sliceParams(weighted), Param{"flags", "uint64"}, Param{"pw", "float32"},
			Param{"alpha", "float32"}, Param{"gamma", "float32"}, Param{"gmode", "int"}, Param{"out", "[]float32"}),
		Results: []Param{{"ret", "uint32"}},
	})
	px, py := argBase("x"), argBase("y")
	ptrs := []R{px, py}
	var pwt R
	if weighted {
		pwt = argBase("w")
		ptrs = append(ptrs, pwt)
	}
	n := argLen("x")
	flags := argInt("flags")
	var gmode R // the focal exponent's mode: logits only
	if !probs {
		gmode = argInt("gmode")
	}
	var as [8]V
	for i := range as {
		as[i] = vget()
		ZERO(as[i])
	}
	sP, sPY, sY, sPP, sYY, sBCE, sFoc, sAD := as[0], as[1], as[2], as[3], as[4], as[5], as[6], as[7]
	mx := vget() // the bits of the targets (and probabilities)
	ZERO(mx)
	stream(n, ptrs, func(tail bool) {
		m := noMask
		if tail {
			m = tailMask(n)
		}
		x, y := vget(), vget()
		load(x, px, tail, n)
		load(y, py, tail, n)
		// the check of the targets: a tail's other lanes load as 0
		UMAX(mx, mx, y)
		if probs {
			UMAX(mx, mx, x)
		}
		w := noMask
		if weighted {
			w = vget()
			load(w, pwt, tail, n)
		}
		// for probabilities p = x (no exp)
		p, q, e := x, noMask, noMask
		if !probs {
			p, q, e = sigmoidPair(x)
		}
		// weighted: w*p and w*y in place of p and y as the first factor of
		// every sum
		wp, wy := p, y
		if weighted {
			wp, wy = vget(), vget()
			FMUL(wp, w, p)
			FMUL(wy, w, y)
		}
		ifBit(flags, bitRegion, func() {
			accAdd(sP, wp, m)
			accMul(sPY, wp, y, m)
			accAdd(sY, wy, m)
		})
		ifBit(flags, bitSquared, func() {
			accMul(sPP, wp, p, m)
			accMul(sYY, wy, y, m)
		})
		ifBit(flags, bitAbsDiff, func() {
			// w*|p - y|: the difference rounded once, then its weight
			ad := vget()
			FSUB(ad, p, y)
			FABS(ad, ad)
			if weighted {
				FMUL(ad, w, ad)
			}
			accAdd(sAD, ad, m)
			vput(ad)
		})
		if weighted {
			vput(wp, wy)
		}
		if probs {
			probsBCE(flags, x, y, w, m, sBCE)
		} else {
			sigmoidPixelwiseSums(flags, gmode, x, y, w, m, p, q, e, sBCE, sFoc)
			vput(p, q, e)
		}
		vput(x, y)
		if weighted {
			vput(w)
		}
		if m != noMask {
			vput(m)
		}
	})
	po := argBase("out")
	for i, a := range as {
		s := hsum(a)
		STRS(s, po, 4*i)
		vput(s, a)
	}
	retBits(mx)
	end()
}

// sigmoidPixelwiseSums adds the BCE (sBCE) and focal (sFoc) sums of one
// vector of logits x and targets y (lanes of m) under flags, with p, q and
// e = exp(-|x|) from sigmoidPair; w, unless noMask, weighs each value.
func sigmoidPixelwiseSums(flags, gmode R, x, y, w, m, p, q, e, sBCE, sFoc V) {
	weighted := w != noMask
	skip := newLabel("noloss")
	TSTi(flags, 1<<bitCE|1<<bitFocal)
	Bcond("EQ", skip)
	l1p := log1p(e)
	omy := oneMinus(y)
	ifBit(flags, bitCE, func() {
		// (1-y)*softplus(x) + pw*y*softplus(-x), softplus(+-x) =
		// max(+-x, 0) + log1p(e): two non-negative terms, nothing
		// cancels (kernels/generic.go sigmoidStatsGeneric).
		b := argF32("pw")
		FMUL(b, b, y) // pw*y
		z := vget()
		ZERO(z)
		nx := vget()
		FNEG(nx, x)
		FMAX(nx, nx, z)   // max(-x, 0)
		FADD(nx, nx, l1p) // softplus(-x)
		FMUL(b, b, nx)    // pw*y*softplus(-x)
		FMAX(nx, x, z)    // max(x, 0)
		FADD(nx, nx, l1p) // softplus(x)
		FMLA(b, omy, nx)  // + (1-y)*softplus(x)
		if weighted {
			FMUL(b, b, w)
		}
		accAdd(sBCE, b, m)
		vput(b, z, nx)
	})
	ifBit(flags, bitFocal, func() {
		ce := focalCE(x, y, l1p)
		pt1 := vget()
		FMUL(pt1, q, y)
		FMLA(pt1, p, omy) // p*(1-y) + q*y
		g := argF32("gamma")
		pw := pow(pt1, g, gmode)
		vput(g, pt1)
		FMUL(ce, ce, pw)
		vput(pw)
		ifBit(flags, bitAlpha, func() {
			a := argF32("alpha")
			alphaWeight(ce, y, omy, a)
			vput(a)
		})
		if weighted {
			FMUL(ce, ce, w)
		}
		accAdd(sFoc, ce, m)
		vput(ce)
	})
	vput(l1p, omy)
	label(skip)
}

// probsBCE adds torch's binary_cross_entropy of probabilities p against
// targets y (lanes of m) to sBCE under bitCE: -(pw*y*max(log p, -100) +
// (1-y)*max(log(1-p), -100)), times w when weighted (w not noMask), as
// kernels/generic.go sigmoidStatsGeneric computes it. log is the general
// one of the Log kernel (0 gives -Inf, clamped to -100; denormals; 1 gives
// 0), and FMAX returns NaN when either lane is NaN, as Go's max does, so a
// NaN p stays NaN.
func probsBCE(flags R, p, y, w, m, sBCE V) {
	ifBit(flags, bitCE, func() {
		c := Kf(-100)
		lp := log(p, false)
		FMAX(lp, lp, c) // max(log p, -100)
		q := oneMinus(p)
		lq := log(q, false)
		vput(q)
		FMAX(lq, lq, c) // max(log(1-p), -100)
		vput(c)
		omy := oneMinus(y)
		FMUL(lq, omy, lq) // (1-y)*lq
		vput(omy)
		b := argF32("pw")
		FMUL(b, b, y)   // pw*y
		FMLA(lq, b, lp) // pw*y*lp + (1-y)*lq, rounded once
		vput(b, lp)
		FNEG(lq, lq)
		if w != noMask {
			FMUL(lq, lq, w)
		}
		accAdd(sBCE, lq, m)
		vput(lq)
	})
}

// beginSigmoidGrad begins a sigmoid gradient kernel (the logits and the
// probability ones share their parameters) and returns the pointers of x,
// y, dst and (weighted) w, and the stream's list of them.
func beginSigmoidGrad(name string, doc []string, weighted bool) (px, py, pd, pwt R, ptrs []R) {
	doc = append(doc, "It returns the largest bits, as uint32, of y (and x for probabilities): kernels.SigmoidSums.Bits.")
	if weighted {
		doc = append(doc, "Element i weighs w[i]: its gradient times w[i].")
	}
	begin(&Func{
		Name: name,
		Doc:  doc,
		Params: append(sliceParams(weighted, "dst"), Param{"flags", "uint64"},
			Param{"a", "float32"}, Param{"b", "float32"}, Param{"e", "float32"}, Param{"d", "float32"}, Param{"bceScale", "float32"}, Param{"pw", "float32"},
			Param{"focalScale", "float32"}, Param{"alpha", "float32"}, Param{"gamma", "float32"}, Param{"gmode", "int"}, Param{"g1mode", "int"}),
		Results: []Param{{"ret", "uint32"}},
	})
	px, py, pd = argBase("x"), argBase("y"), argBase("dst")
	ptrs = []R{px, py, pd}
	if weighted {
		pwt = argBase("w")
		ptrs = append(ptrs, pwt)
	}
	return px, py, pd, pwt, ptrs
}

func sigmoidGrad(weighted bool) {
	name := "SigmoidGrad" + wName(weighted) + "NEON"
	doc := []string{
		name + " writes kernels.sigmoidGradGeneric's gradient of len(x) <= kernels.BlockSize elements",
		"into dst. flags: 4 when a, b, e or d is not 0, 16 when d is not 0, 1 when bceScale is not 0, 2 when focalScale",
		"is not 0, 256 when alpha >= 0; gmode and g1mode classify gamma and gamma-1 as for SigmoidStats.",
	}
	px, py, pd, pwt, ptrs := beginSigmoidGrad(name, doc, weighted)
	n := argLen("x")
	flags, gmode, g1mode := argInt("flags"), argInt("gmode"), argInt("g1mode")
	mx := vget() // the bits of the targets
	ZERO(mx)
	stream(n, ptrs, func(tail bool) {
		x, y := vget(), vget()
		load(x, px, tail, n)
		load(y, py, tail, n)
		UMAX(mx, mx, y)
		p, q, e := sigmoidPair(x)
		omy := oneMinus(y)
		g := vget()
		ZERO(g)
		ifBit(flags, bitRegion, func() {
			// p*q*(a*y + b + e*p + d*sgn(p - y))
			v := argF32("b")
			a := argF32("a")
			FMLA(v, a, y)
			vput(a)
			ee := argF32("e")
			FMLA(v, ee, p)
			vput(ee)
			sgnTerm(flags, v, p, y)
			pq := vget()
			FMUL(pq, p, q)
			FMUL(g, pq, v)
			vput(v, pq)
		})
		ifBit(flags, bitCE, func() {
			// bceScale*((1-y)*p - pw*y*q)
			a1 := vget()
			FMUL(a1, omy, p)
			w := argF32("pw")
			FMUL(w, w, y)
			FMLS(a1, w, q)
			vput(w)
			s := argF32("bceScale")
			FMLA(g, s, a1)
			vput(s, a1)
		})
		ifBit(flags, bitFocal, func() {
			l1p := log1p(e)
			ce := focalCE(x, y, l1p)
			vput(l1p)
			pt1 := vget()
			FMUL(pt1, q, y)
			FMLA(pt1, p, omy) // p*(1-y) + q*y
			gam := argF32("gamma")
			pw := pow(pt1, gam, gmode)
			// p - y as p*(1-y) - q*y (kernels/generic.go sigmoidGradGeneric)
			d := vget()
			FMUL(d, p, omy)
			FMLS(d, q, y)
			FMUL(d, d, pw) // (p-y)*pt1^gamma
			vput(pw)
			noSecond := newLabel("gamma0")
			CBZ(gmode, noSecond)
			{
				// + ce*pt1^(gamma-1)*(1-2y)*p*q*gamma where pt1 > 0 (gamma last:
				// ce*gamma overflows at |x| near math.MaxFloat32, where p*q = 0)
				gm1 := vget()
				k := Kf(1)
				FSUB(gm1, gam, k)
				vput(k)
				pw1 := pow(pt1, gm1, g1mode)
				vput(gm1)
				c := vget()
				FMUL(c, ce, pw1)
				vput(pw1)
				o2 := vget()
				KfInto(o2, 1)
				k = Kf(2)
				FMLS(o2, k, y) // 1 - 2y
				vput(k)
				FMUL(c, c, o2)
				FMUL(c, c, p)
				FMUL(c, c, q)
				FMUL(c, c, gam)
				FCMGTz(o2, pt1)
				AND(c, c, o2)
				FADD(d, d, c)
				vput(c, o2)
			}
			label(noSecond)
			vput(gam, pt1, ce)
			ifBit(flags, bitAlpha, func() {
				a := argF32("alpha")
				alphaWeight(d, y, omy, a)
				vput(a)
			})
			s := argF32("focalScale")
			FMLA(g, s, d)
			vput(s, d)
		})
		if weighted {
			w := vget()
			load(w, pwt, tail, n)
			FMUL(g, g, w)
			vput(w)
		}
		store(g, pd, tail, n)
		vput(x, y, p, q, e, omy, g)
	})
	retBits(mx)
	end()
}

// sgnTerm adds d*sgn(p - y) to v under bitAbsDiff: sgn is 1 where p - y >
// 0, -1 where it is < 0, else 0 (NaN included), as kernels/generic.go sgn32,
// made as the int32 difference of the two compare masks (0 or -1) converted
// to float32. d*sgn is exact, so the FMLA rounds as the generic sum does.
func sgnTerm(flags R, v, p, y V) {
	ifBit(flags, bitAbsDiff, func() {
		df, lt := vget(), vget()
		FSUB(df, p, y)
		FCMLTz(lt, df)
		FCMGTz(df, df)
		SUB4S(lt, lt, df) // lt - gt: 1, -1 or 0
		SCVTF(lt, lt)
		d := argF32("d")
		FMLA(v, d, lt)
		vput(d, df, lt)
	})
}

// sigmoidGradProbs emits the gradient kernel for probabilities: d/dp of the
// region terms (a*y + b + e*p + d*sgn(p - y)) and of torch's binary_cross_entropy,
// bceScale*((1-y)*p - pw*y*q) / max(p*q, 1e-12), q = 1-p
// (kernels/generic.go sigmoidGradGeneric).
func sigmoidGradProbs(weighted bool) {
	name := "SigmoidGradP" + wName(weighted) + "NEON"
	doc := []string{
		name + " writes kernels.sigmoidGradGeneric's gradient of len(x) <= kernels.BlockSize probabilities",
		"(kernels.SigmoidCoef.Probs) into dst. flags: 4 when a, b, e or d is not 0, 16 when d is not 0, 1 when bceScale",
		"is not 0; focalScale, alpha, gamma, gmode and g1mode are unused (no focal term for probabilities).",
		"With flags&8192 (e, d and bceScale 0: the gradient is a*y + b) it reads no x and returns the bits of y",
		"alone.",
	}
	px, py, pd, pwt, ptrs := beginSigmoidGrad(name, doc, weighted)
	n := argLen("x")
	flags := argInt("flags")
	mx := vget() // the bits of the targets and probabilities
	ZERO(mx)
	stream(n, ptrs, func(tail bool) {
		p, y := vget(), vget()
		ZERO(p)
		ifNoBit(flags, bitNoX, func() {
			load(p, px, tail, n)
			UMAX(mx, mx, p)
		})
		load(y, py, tail, n)
		UMAX(mx, mx, y)
		g := vget()
		ZERO(g)
		ifBit(flags, bitRegion, func() {
			// a*y + b + e*p + d*sgn(p - y)
			v := argF32("b")
			a := argF32("a")
			FMLA(v, a, y)
			vput(a)
			ifNoBit(flags, bitNoX, func() {
				ee := argF32("e")
				FMLA(v, ee, p)
				vput(ee)
				sgnTerm(flags, v, p, y)
			})
			MOVv(g, v)
			vput(v)
		})
		ifBit(flags, bitCE, func() {
			// bceScale*((1-y)*p - pw*y*q) / max(p*q, 1e-12)
			q := oneMinus(p)
			omy := oneMinus(y)
			a1 := vget()
			FMUL(a1, omy, p)
			vput(omy)
			w := argF32("pw")
			FMUL(w, w, y)
			FMLS(a1, w, q)
			vput(w)
			d := vget()
			FMUL(d, p, q)
			vput(q)
			k := Kf(1e-12)
			FMAX(d, d, k) // NaN when p*q is NaN, as Go's max
			vput(k)
			FDIV(a1, a1, d)
			vput(d)
			s := argF32("bceScale")
			FMLA(g, s, a1)
			vput(s, a1)
		})
		if weighted {
			w := vget()
			load(w, pwt, tail, n)
			FMUL(g, g, w)
			vput(w)
		}
		store(g, pd, tail, n)
		vput(p, y, g)
	})
	retBits(mx)
	end()
}
