package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Flag bits of the sigmoid and softmax kernels: kernels.Flags, plus
// flagAlpha (the focal alpha weighting is on) and flagRegion for the
// gradient's region term.
const (
	flagCE      = 1
	flagFocal   = 2
	flagRegion  = 4
	flagSquared = 8
	flagAbsDiff = 16   // kernels.NeedAbsDiff: sum |p - y|; gradient: d*sgn(p - y)
	flagNoX     = 8192 // probability gradient: a*y + b alone, x not read (kernels.probsNoX)
	flagAlpha   = 256
)

// ifFlag emits body only when flags has one of the bits of f set at run time.
func ifFlag(flags Op, f uint32, body func()) { flagGuard(flags, f, "noflag", JZ, body) }

// ifNoFlag emits body behind a test of flags: it runs when no bit of f is
// set.
func ifNoFlag(flags Op, f uint32, body func()) { flagGuard(flags, f, "flag", JNZ, body) }

// flagGuard emits body behind a test of the bits f of flags and a jump
// past it (JZ or JNZ) to a new label named after skip.
func flagGuard(flags Op, f uint32, skip string, jump func(Op), body func()) {
	l := newLabel(skip)
	TESTQ(U32(f), flags)
	jump(LabelRef(l))
	body()
	Label(l)
}

// log1p returns log(1+e) for e >= 0 (or NaN) as kernels/math.go log1pf: with
// u = 1+e, log(u) + (e - (u-1))/u (which is e where u == 1).
func (t *Tier) log1p(e Register) VecVirtual {
	u := t.V()
	VADDPS(t.F(1), e, u)
	l := t.log(u, logOpts{normal: true})
	c := t.V()
	VSUBPS(t.F(1), u, c)
	VSUBPS(c, e, c) // e - (u-1)
	VDIVPS(u, c, c)
	VADDPS(c, l, l)
	return l
}

// sigmoidFamily: the statistics and gradient passes of the sigmoid losses
// over one block of one plane.
// Each kernel comes in two variants: unweighted, and weighted ("W" after
// the family's name: SigmoidStatsW, ...), which takes per-element weights
// w (as long as x) into every sum and the gradient (kernels/generic.go
// sigmoidStatsGeneric and sigmoidGradGeneric say how).
//
// And each comes for logits and for probabilities ("P": SigmoidStatsP,
// SigmoidStatsPW, ...), whose inputs x are p itself (kernels.SigmoidParams
// Probs: torch's binary_cross_entropy, no focal term).
func sigmoidFamily(t *Tier) {
	for _, probs := range []bool{false, true} {
		for _, weighted := range []bool{false, true} {
			sigmoidStats(t, weighted, probs)
			if probs {
				sigmoidGradProbs(t, false, weighted)
				sigmoidGradProbs(t, true, weighted)
				continue
			}
			sigmoidGrad(t, false, weighted)
			sigmoidGrad(t, true, weighted)
		}
	}
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

func sigmoidStats(t *Tier, weighted, probs bool) {
	name := "SigmoidStats" + pName(probs) + wName(weighted) + t.Name
	args := "x, y"
	if weighted {
		args = "x, y, w"
	}
	t.text(name, "func("+args+" []float32, flags uint64, pw, alpha, gamma float32, gmode int, out []float32) uint32")
	t.doc(fmt.Sprintf("%s computes kernels.sigmoidStatsGeneric over len(x) <= kernels.BlockSize elements", name),
		"into out[0:8] = P, PY, Y, PP, YY, BCE, Focal, AD (sums not asked for are 0). flags: kernels.Flags | 256 when",
		"alpha >= 0; gmode: 0, 1, 2 when gamma is that integer, else 3. It returns kernels.SigmoidSums.Bits: the",
		"largest bits, as uint32, of y (and of x for probabilities), whatever the flags.")
	if weighted {
		t.docMore("Element i weighs w[i].")
	}
	if probs {
		t.docMore("x holds probabilities (kernels.SigmoidParams.Probs): no focal sum.")
	}
	p := sliceArgs("x", "y")
	px, py := p[0], p[1]
	ps := []ptr{{px, 4}, {py, 4}}
	var pwt GPVirtual
	if weighted {
		pwt = sliceArgs("w")[0]
		ps = append(ps, ptr{pwt, 4})
	}
	n := Load(Param("x").Len(), GP64()).(GPVirtual)
	flags := Load(Param("flags"), GP64()).(GPVirtual)
	gmode := Load(Param("gmode"), GP64()).(GPVirtual)
	// P, PY, Y and the bits in registers on AVX2 too; the weighted kernel
	// keeps the bits in the frame (its weights take the register)
	nreg := 4
	if weighted {
		nreg = 3
	}
	as := t.newAccsReg(9, nreg)
	for _, a := range as {
		a.zero()
	}
	mx := as[3]
	sP, sPY, sY, sPP, sYY, sBCE, sFoc, sAD := as[0], as[1], as[2], as[4], as[5], as[6], as[7], as[8]
	t.stream(n, ps, func(tail *Mask, _ GPVirtual) {
		x, y := t.V(), t.V()
		t.load(Mem{Base: px}, x, tail)
		t.load(Mem{Base: py}, y, tail)
		// the check of the targets (and probabilities): tail lanes load as 0
		mx.maxu(y)
		if probs {
			mx.maxu(x)
		}
		var w Register
		if weighted {
			w = t.V()
			t.load(Mem{Base: pwt}, w, tail)
		}
		// The region sums need p alone: sigmoid(x) = (x < 0 ? e : 1)/(1+e),
		// one division, rounded once (the focal term computes p and q as
		// kernels/generic.go sigmoidPair does); for probabilities p = x.
		var e VecVirtual
		if !probs {
			na := t.V()
			VORPS(t.I(0x80000000), x, na)
			e = t.exp(na, expOpts{nonPositive: true})
		}
		ifFlag(flags, flagRegion|flagSquared|flagAbsDiff, func() {
			pv := t.V()
			if probs {
				VMOVAPS(x, pv)
			} else {
				d := t.V()
				VADDPS(t.F(1), e, d)
				neg := t.cmp(cmpLT, x, t.F(0))
				VMOVUPS(t.F(1), pv)
				t.setWhere(neg, e, pv)
				VDIVPS(d, pv, pv)
			}
			if tail != nil {
				t.keepWhere(tail, pv)
			}
			// weighted: pw = w*p and wy = w*y in place of p and y as the
			// first factor of every sum
			wp, wy := Register(pv), Register(y)
			if weighted {
				wp, wy = t.V(), t.V()
				VMULPS(w, pv, wp)
				VMULPS(w, y, wy)
			}
			ifFlag(flags, flagRegion, func() {
				sP.addKeep(wp)
				sPY.fmaKeep(wp, y)
				sY.addKeep(wy)
			})
			ifFlag(flags, flagSquared, func() {
				sPP.fmaKeep(wp, pv)
				sYY.fmaKeep(wy, y)
			})
			ifFlag(flags, flagAbsDiff, func() {
				ad := t.V()
				VSUBPS(y, pv, ad)
				VANDPS(t.I(0x7fffffff), ad, ad) // |p - y|
				if weighted {
					VMULPS(w, ad, ad)
				}
				sAD.add(ad, tail)
			})
		})
		if probs {
			t.probsBCE(flags, x, y, w, tail, sBCE)
		} else {
			t.sigmoidPixelwiseSums(flags, gmode, x, y, w, e, tail, sBCE, sFoc)
		}
	})
	out := Load(Param("out").Base(), GP64())
	for i, a := range []*acc{sP, sPY, sY, sPP, sYY, sBCE, sFoc, sAD} {
		s := a.sum()
		VMOVSS(s, Mem{Base: out, Disp: 4 * i})
	}
	retBits(mx)
	end()
}

// sigmoidPixelwiseSums adds the BCE (sBCE) and focal (sFoc) sums of one
// vector of x and targets y under flags (flagCE, flagFocal, flagAlpha), e
// = exp(-|x|): the statistics and the fused kernels both call it, so their
// sums are the same bit for bit.
//
// w, when not nil, holds the elements' weights: each value is multiplied by
// its weight (rounded) before it is added.
func (t *Tier) sigmoidPixelwiseSums(flags Op, gmode GPVirtual, x, y, w, e Register, tail *Mask, sBCE, sFoc *acc) {
	ifFlag(flags, flagCE|flagFocal, func() {
		l1p := t.log1p(e)
		omy := t.V()
		VMOVUPS(t.F(1), omy)
		VSUBPS(y, omy, omy) // 1 - y
		ifFlag(flags, flagCE, func() {
			// (1-y)*softplus(x) + pw*y*softplus(-x), softplus(+-x) =
			// max(+-x, 0) + log1p(e): two non-negative terms, nothing
			// cancels (kernels/generic.go sigmoidStatsGeneric).
			b := t.bcast(arg("pw"))
			VMULPS(y, b, b) // pw*y
			nx := t.V()
			VXORPS(t.I(0x80000000), x, nx)
			VMAXPS(t.F(0), nx, nx) // max(-x, 0)
			VADDPS(l1p, nx, nx)    // softplus(-x)
			VMULPS(nx, b, b)       // pw*y*softplus(-x)
			px := t.V()
			VMAXPS(t.F(0), x, px) // max(x, 0)
			VADDPS(l1p, px, px)   // softplus(x)
			VFMADD231PS(px, omy, b)
			if w != nil {
				VMULPS(w, b, b)
			}
			sBCE.add(b, tail)
		})
		ifFlag(flags, flagFocal, func() {
			pv, qv := t.sigmoidPQ(x, e)
			ce := t.focalCE(x, y, l1p)
			pt1 := t.V()
			VMULPS(y, qv, pt1)
			VFMADD231PS(omy, pv, pt1) // p*(1-y) + q*y
			g := t.bcast(arg("gamma"))
			pw := t.pow(pt1, g, gmode)
			VMULPS(pw, ce, ce)
			ifFlag(flags, flagAlpha, func() {
				t.alphaWeight(y, omy, arg("alpha"), ce)
			})
			if w != nil {
				VMULPS(w, ce, ce)
			}
			sFoc.add(ce, tail)
		})
	})
}

// probsBCE adds torch's binary_cross_entropy of probabilities p against
// targets y to sBCE under flagCE: -(pw*y*max(log p, -100) + (1-y)*max(log(1-p),
// -100)), times w when it is not nil (kernels/generic.go sigmoidStatsGeneric).
func (t *Tier) probsBCE(flags Op, p, y, w Register, tail *Mask, sBCE *acc) {
	ifFlag(flags, flagCE, func() {
		// max(l, -100) as VMAXPS(l, c, l): where either is NaN the result
		// is the first operand, l, so a NaN stays
		c := t.V()
		VMOVUPS(t.F(-100), c)
		lp := t.log(p, logOpts{})
		VMAXPS(lp, c, lp)
		q := t.V()
		VMOVUPS(t.F(1), q)
		VSUBPS(p, q, q) // 1 - p
		lq := t.log(q, logOpts{})
		VMAXPS(lq, c, lq)
		omy := t.V()
		VMOVUPS(t.F(1), omy)
		VSUBPS(y, omy, omy)
		VMULPS(omy, lq, lq) // (1-y)*lq
		b := t.bcast(arg("pw"))
		VMULPS(y, b, b)                 // pw*y
		VFMADD231PS(lp, b, lq)          // pw*y*lp + (1-y)*lq
		VXORPS(t.I(0x80000000), lq, lq) // negated
		if w != nil {
			VMULPS(w, lq, lq)
		}
		sBCE.add(lq, tail)
	})
}

// sigmoidGradProbs emits the gradient kernel (fused: with the BCE sum of
// the statistics kernel) for probabilities: d/dp of the region terms (a*y +
// b + e*p) and of torch's binary_cross_entropy, bceScale*((1-y)*p - pw*y*q)
// / max(p*q, 1e-12), q = 1-p (kernels/generic.go sigmoidGradGeneric).
func sigmoidGradProbs(t *Tier, fused, weighted bool) {
	name := sigmoidGradText(t, "P", fused, weighted)
	t.doc(fmt.Sprintf("%s writes kernels.sigmoidGradGeneric's gradient of len(x) <= kernels.BlockSize probabilities", name),
		"(kernels.SigmoidCoef.Probs) into dst. flags: 4 when a, b, e or d is not 0, 16 when d is not 0, 1 when bceScale is",
		"not 0; focalScale,",
		"alpha, gamma, gmode and g1mode are unused (no focal term for probabilities).")
	if fused {
		t.docMore("It also stores the BCE sum of SigmoidStatsP (sflags as its flags, pw as its argument) into out[0:2]",
			"(out[1], the focal sum, is 0).")
	}
	t.docMore("It returns the largest bits, as uint32, of x and y (kernels.SigmoidSums.Bits).")
	if fused {
		t.docMore("With flags&8192 (e, d and bceScale 0) the gradient is a*y + b without x, as the gradient kernel's.")
	} else {
		t.docMore("With flags&8192 (e, d and bceScale 0: the gradient is a*y + b) it reads no x and returns the bits",
			"of y alone.")
	}
	if weighted {
		t.docMore("Element i weighs w[i]: its gradient (and its sum) times w[i].")
	}
	px, py, pd, pwt, ps := sigmoidGradPtrs(weighted)
	n := Load(Param("x").Len(), GP64()).(GPVirtual)
	flags := Load(Param("flags"), GP64()).(GPVirtual)
	var sums []*acc // BCE, Focal
	if fused {
		sums = t.newAccs(2)
		for _, a := range sums {
			a.zero()
		}
	}
	mx := t.newAccsReg(1, 1)[0] // the bits of the targets (and probabilities)
	mx.zero()
	t.stream(n, ps, func(tail *Mask, _ GPVirtual) {
		x, y := t.V(), t.V()
		if fused {
			t.load(Mem{Base: px}, x, tail)
		} else {
			VXORPS(x, x, x)
			ifNoFlag(flags, flagNoX, func() {
				t.load(Mem{Base: px}, x, tail)
				mx.maxu(x)
			})
		}
		t.load(Mem{Base: py}, y, tail)
		mx.maxu(y)
		if fused {
			mx.maxu(x)
		}
		var W Op
		if weighted {
			w := t.V()
			t.load(Mem{Base: pwt}, w, tail)
			W = t.keep(w)
		}
		X, Y := t.keep(x), t.keep(y)
		if fused {
			var w Register
			if weighted {
				w = t.ld(W)
			}
			t.probsBCE(arg("sflags"), t.ld(X), t.ld(Y), w, tail, sums[0])
		}
		g := t.V()
		VXORPS(g, g, g)
		ifFlag(flags, flagRegion, func() {
			// a*y + b + e*p
			v := t.bcast(arg("a"))
			VMULPS(Y, v, v)
			VADDPS(t.bcast(arg("b")), v, v)
			ifNoFlag(flags, flagNoX, func() {
				VFMADD231PS(X, t.bcast(arg("e")), v)
				ifFlag(flags, flagAbsDiff, func() {
					VFMADD231PS(t.sgnDiff(t.ld(X), Y), t.bcast(arg("d")), v) // + d*sgn(p - y)
				})
			})
			VADDPS(v, g, g)
		})
		G := t.keep(g)
		ifFlag(flags, flagCE, func() {
			// bceScale*((1-y)*p - pw*y*q) / max(p*q, 1e-12)
			xr := t.ld(X)
			q := t.V()
			VMOVUPS(t.F(1), q)
			VSUBPS(xr, q, q)
			omy := t.V()
			VMOVUPS(t.F(1), omy)
			VSUBPS(Y, omy, omy)
			a1 := t.V()
			VMULPS(omy, xr, a1)
			w := t.bcast(arg("pw"))
			VMULPS(Y, w, w)
			VFNMADD231PS(q, w, a1)
			d, eps := t.V(), t.V()
			VMULPS(q, xr, d)
			VMOVUPS(t.F(1e-12), eps)
			VMAXPS(d, eps, d) // a NaN d stays (the first operand wins)
			VDIVPS(d, a1, a1)
			g2 := t.ld(G)
			VFMADD231PS(t.bcast(arg("bceScale")), a1, g2)
			if !t.avx512 {
				VMOVUPS(g2, G)
			}
		})
		gOut := t.ld(G)
		if weighted {
			VMULPS(W, gOut, gOut)
		}
		t.store(gOut, Mem{Base: pd}, tail)
	})
	if fused {
		out := Load(Param("out").Base(), GP64())
		for i, a := range sums {
			VMOVSS(a.sum(), Mem{Base: out, Disp: 4 * i})
		}
	}
	retBits(mx)
	end()
}

// sigmoidGradText declares a gradient kernel, Sigmoid + Grad (or Fused)
// + infix + W when weighted + the tier, with its signature, and returns its
// name.
func sigmoidGradText(t *Tier, infix string, fused, weighted bool) string {
	kind := "Grad"
	if fused {
		kind = "Fused"
	}
	name := "Sigmoid" + kind + infix + wName(weighted) + t.Name
	args := "x, y, dst"
	if weighted {
		args = "x, y, w, dst"
	}
	sig := "func(" + args + " []float32, flags uint64, a, b, e, d, bceScale, pw, focalScale, alpha, gamma float32, gmode, g1mode int"
	if fused {
		sig += ", sflags uint64, out []float32"
	}
	t.text(name, sig+") uint32")
	return name
}

// sigmoidGradPtrs loads the slices of a gradient kernel: x, y, dst and
// (weighted) w, and the stream's pointers.
func sigmoidGradPtrs(weighted bool) (px, py, pd, pwt GPVirtual, ps []ptr) {
	p := sliceArgs("x", "y", "dst")
	px, py, pd = p[0], p[1], p[2]
	ps = []ptr{{px, 4}, {py, 4}, {pd, 4}}
	if weighted {
		pwt = sliceArgs("w")[0]
		ps = append(ps, ptr{pwt, 4})
	}
	return px, py, pd, pwt, ps
}

// sgnDiff returns sgn(p - y): 1 where p > y, -1 where p < y, else 0 (NaN
// included), as kernels/generic.go sgn32.
func (t *Tier) sgnDiff(p Register, y Op) VecVirtual {
	s := t.V()
	VXORPS(s, s, s)
	gt := t.cmp(cmpGT, p, y)
	t.setWhere(gt, t.F(1), s)
	lt := t.cmp(cmpLT, p, y)
	t.setWhere(lt, t.F(-1), s)
	return s
}

// focalCE returns max(x,0) - x*y + l1p, the BCE of the focal loss: (1-y)*x
// for x > 0 or -x*y for x < 0, rounded once, plus l1p, so nothing cancels.
func (t *Tier) focalCE(x, y, l1p Register) VecVirtual {
	ce := t.V()
	VMAXPS(t.F(0), x, ce)
	VFNMADD231PS(y, x, ce) // max(x,0) - x*y
	VADDPS(l1p, ce, ce)
	return ce
}

// alphaWeight multiplies d by alpha*y + (1-alpha)*(1-y).
func (t *Tier) alphaWeight(y, omy Op, alpha Mem, d Register) {
	a := t.bcast(alpha)
	oma := t.V()
	VMOVUPS(t.F(1), oma)
	VSUBPS(a, oma, oma)
	VMULPS(omy, oma, oma)  // (1-alpha)*(1-y)
	VFMADD231PS(y, a, oma) // + alpha*y
	VMULPS(oma, d, d)
}

// sigmoidGrad emits the gradient kernel, or with fused the fused kernel:
// the gradient plus the statistics kernel's BCE and focal sums of the same
// elements (flagged by sflags like the statistics kernel's flags), for a
// loss of pixelwise terms only, in one pass.
func sigmoidGrad(t *Tier, fused, weighted bool) {
	name := sigmoidGradText(t, "", fused, weighted)
	t.doc(fmt.Sprintf("%s writes kernels.sigmoidGradGeneric's gradient of len(x) <= kernels.BlockSize elements", name),
		"into dst. flags: 4 when a, b, e or d is not 0, 16 when d is not 0, 1 when bceScale is not 0, 2 when focalScale is not 0, 256",
		"when alpha >= 0; gmode and g1mode classify gamma and gamma-1 as for SigmoidStats.")
	if fused {
		t.docMore("It also stores the BCE and Focal sums of SigmoidStats (sflags as its flags; pw, alpha, gamma and",
			"gmode as its arguments) into out[0:2].")
	}
	t.docMore("It returns the largest bits, as uint32, of y (kernels.SigmoidSums.Bits).")
	if weighted {
		t.docMore("Element i weighs w[i]: its gradient (and its sums) times w[i].")
	}
	px, py, pd, pwt, ps := sigmoidGradPtrs(weighted)
	n := Load(Param("x").Len(), GP64()).(GPVirtual)
	flags := Load(Param("flags"), GP64()).(GPVirtual)
	gmode := Load(Param("gmode"), GP64()).(GPVirtual)
	g1mode := Load(Param("g1mode"), GP64()).(GPVirtual)
	var sums []*acc // BCE, Focal
	if fused {
		sums = t.newAccs(2)
		for _, a := range sums {
			a.zero()
		}
	}
	mx := t.newAccsReg(1, 1)[0] // the bits of the targets (and probabilities)
	mx.zero()
	t.stream(n, ps, func(tail *Mask, _ GPVirtual) {
		x, y := t.V(), t.V()
		t.load(Mem{Base: px}, x, tail)
		t.load(Mem{Base: py}, y, tail)
		mx.maxu(y)
		var W Op
		if weighted {
			w := t.V()
			t.load(Mem{Base: pwt}, w, tail)
			W = t.keep(w)
		}
		pv, qv, ev := t.sigmoidPair(x)
		P, Q, E, X, Y := t.keep(pv), t.keep(qv), t.keep(ev), t.keep(x), t.keep(y)
		if fused {
			var w Register
			if weighted {
				w = t.ld(W)
			}
			t.sigmoidPixelwiseSums(arg("sflags"), gmode, t.ld(X), t.ld(Y), w, t.ld(E), tail, sums[0], sums[1])
		}
		omy := t.V()
		VMOVUPS(t.F(1), omy)
		VSUBPS(Y, omy, omy)
		OMY := t.keep(omy)
		g := t.V()
		VXORPS(g, g, g)
		ifFlag(flags, flagRegion, func() {
			// p*q*(a*y + b + e*p)
			v := t.bcast(arg("a"))
			VMULPS(Y, v, v)
			bb := t.bcast(arg("b"))
			VADDPS(bb, v, v)
			ee := t.bcast(arg("e"))
			VFMADD231PS(P, ee, v)
			ifFlag(flags, flagAbsDiff, func() {
				VFMADD231PS(t.sgnDiff(t.ld(P), Y), t.bcast(arg("d")), v) // + d*sgn(p - y)
			})
			pq := t.cp(P)
			VMULPS(Q, pq, pq)
			VMULPS(v, pq, pq)
			VADDPS(pq, g, g)
		})
		ifFlag(flags, flagCE, func() {
			// bceScale*((1-y)*p - pw*y*q)
			a1 := t.cp(P)
			VMULPS(OMY, a1, a1)
			w := t.bcast(arg("pw"))
			VMULPS(Y, w, w)
			VFNMADD231PS(Q, w, a1)
			s := t.bcast(arg("bceScale"))
			VFMADD231PS(s, a1, g)
		})
		G := t.keep(g)
		ifFlag(flags, flagFocal, func() {
			l1p := t.log1p(t.ld(E))
			xr := t.ld(X)
			ce := t.V()
			VMAXPS(t.F(0), xr, ce)
			VFNMADD231PS(Y, xr, ce) // max(x,0) - x*y
			VADDPS(l1p, ce, ce)
			CE := t.keep(ce)
			pt1 := t.cp(Q)
			VMULPS(Y, pt1, pt1)
			VFMADD231PS(OMY, t.ld(P), pt1) // p*(1-y) + q*y
			PT1 := t.keep(pt1)
			gam := t.bcast(arg("gamma"))
			GAM := t.keep(gam)
			pw := t.pow(pt1, GAM, gmode)
			// p - y as p*(1-y) - q*y (kernels/generic.go sigmoidGradGeneric)
			d := t.cp(P)
			VMULPS(OMY, d, d)
			VFNMADD231PS(Y, t.ld(Q), d)
			VMULPS(pw, d, d) // (p-y)*pt1^gamma
			D := t.keep(d)
			noSecond := newLabel("gamma0")
			CMPQ(gmode, U8(0))
			JEQ(LabelRef(noSecond))
			{
				gm1 := t.cp(GAM)
				VSUBPS(t.F(1), gm1, gm1)
				GM1 := t.keep(gm1)
				pw1 := t.pow(t.ld(PT1), GM1, g1mode)
				// ce*pt1^(gamma-1)*(1-2y)*p*q*gamma where pt1 > 0 (gamma
				// last: ce*gamma overflows at |x| near math.MaxFloat32, where p*q = 0)
				c := t.cp(CE)
				VMULPS(pw1, c, c)
				o2, two := t.V(), t.V()
				VMOVUPS(t.F(1), o2)
				VMOVUPS(t.F(2), two)
				VFNMADD231PS(Y, two, o2) // 1 - 2y
				VMULPS(o2, c, c)
				VMULPS(P, c, c)
				VMULPS(Q, c, c)
				VMULPS(GAM, c, c)
				pos := t.cmp(cmpGT, t.ld(PT1), t.F(0))
				dd := t.ld(D)
				t.addWhere(pos, c, dd)
				if !t.avx512 {
					VMOVUPS(dd, D)
				}
			}
			Label(noSecond)
			d2 := t.ld(D)
			ifFlag(flags, flagAlpha, func() {
				t.alphaWeight(Y, OMY, arg("alpha"), d2)
			})
			s := t.bcast(arg("focalScale"))
			g2 := t.ld(G)
			VFMADD231PS(s, d2, g2)
			if !t.avx512 {
				VMOVUPS(g2, G)
			}
		})
		gOut := t.ld(G)
		if weighted {
			VMULPS(W, gOut, gOut)
		}
		t.store(gOut, Mem{Base: pd}, tail)
	})
	if fused {
		out := Load(Param("out").Base(), GP64())
		for i, a := range sums {
			VMOVSS(a.sum(), Mem{Base: out, Disp: 4 * i})
		}
	}
	retBits(mx)
	end()
}
