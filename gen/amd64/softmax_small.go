package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// smallClasses are the class counts with a fused kernel of their own:
// the class loops unrolled, each e_c = exp(x_c - max) kept in a register
// (past regMaxC on AVX2, in the scratch as the kernel for any C), the
// label bounds broadcast once per call, and one test of the smoothing flag
// per vector instead of one per class; no per-pixel weights (flags without
// 4096: the kernels for any C take those). Every lane computes the same
// operations in the same order as the kernel for any C (softmaxGradKernel
// with fused), so the two give the same bits.
var smallClasses = []int{2, 3, 4, 5, 6, 7, 8}

// regMaxC is the largest C whose e_c stay in registers on AVX2 (16 of
// them, next to the exp's temporaries and the pixel state).
const regMaxC = 4

// hoistMaxC is the largest C whose AVX-512 kernels keep the exp's
// constants in registers (hoistExp), next to the C e_c.
const hoistMaxC = 4

// softmaxSmallFamily emits the small-C statistics, gradient and fused
// kernels.
func softmaxSmallFamily(t *Tier) {
	for _, u8 := range []bool{true, false} {
		for _, nc := range smallClasses {
			softmaxStatsSmall(t, u8, nc)
			softmaxGradSmall(t, u8, nc)
			softmaxFusedSmall(t, u8, nc)
		}
	}
}

// hoistBounds broadcasts the ignore label and C once per call into two
// frame slots, loadPixelsWith's ig and cb.
func (t *Tier) hoistBounds(a softmaxArgs) (IG, CB Mem) {
	bounds := AllocLocal(2 * t.W())
	IG, CB = bounds.Offset(0), bounds.Offset(t.W())
	ig, cb := t.labelBounds(arg("ign"), a.C)
	VMOVUPS(ig, IG)
	VMOVUPS(cb, CB)
	return IG, CB
}

// softmaxStatsSmall emits the statistics kernel without the focal term
// (flags without 2) for nc classes: the signature, flags and results of
// softmaxStats, whose C argument must be nc. The per-class sums are lane
// accumulators in the scratch (after the e_c where those are there too),
// as softmaxStats keeps them.
func softmaxStatsSmall(t *Tier, u8 bool, nc int) {
	ln, lt, elem := labelName(u8)
	name := fmt.Sprintf("SoftmaxStatsC%d%s%s", nc, ln, t.Name)
	t.text(name, fmt.Sprintf("func(x []float32, S, lo, hi int, lab []%s, pw []float32, C int, ign int32, flags uint64, tab, scr []float32, eps1, epsC, wsum, gamma float32, gmode int, out, dst []float32)", lt))
	t.doc(fmt.Sprintf("%s is softmaxStats%s%s for C = %d without the focal term and per-pixel weights", name, ln, t.Name, nc),
		"(flags without 2 and 4096; the focal sum is 0): the same results, bit for bit, from unrolled class loops.")
	a := t.softmaxSetup(elem)
	pd := t.dstSetup()
	pl := newPlanes(a.stride, nc)
	inRegs := t.avx512 || nc <= regMaxC
	// class c's four lane accumulators (P, PY, Count, PP) at accs + c*4*W
	accOff := 0
	if !inRegs {
		accOff = nc * t.W()
	}
	accs := func(c, i int) Mem { return Mem{Base: a.scr, Disp: accOff + (4*c+i)*t.W()} }
	{
		z := t.V()
		VXORPS(z, z, z)
		for c := 0; c < nc; c++ {
			for i := 0; i < 4; i++ {
				VMOVUPS(z, accs(c, i))
			}
		}
	}
	sc := t.newAccs(4) // CE, W, Focal, Valid
	for _, s := range sc {
		s.zero()
	}
	pr := t.newProdAccs()
	sCE, sW, sValid := sc[0], sc[1], sc[3]
	IG, CB := t.hoistBounds(a)
	if nc <= hoistMaxC {
		t.hoistExp()
	}
	t.stream(a.n, []ptr{{a.x, 4}, {a.lab, elem}, {pd, 4}}, func(tail *Mask, rem GPVirtual) {
		st := t.loadPixelsWith(a.lab, u8, IG, CB, tail, rem)
		one := t.V()
		VMOVUPS(t.F(1), one)
		t.keepWhere(st.valid, one)
		sValid.add(one, nil)
		es, MX, zy, SUM := t.smallExp(a, pl, st, nc, inRegs)
		ifFlag(a.flags, flagRegion, func() {
			// 1/sum only here: the CE sums take the log of the sums'
			// product and need no 512-bit VDIVPS per vector
			INV := t.keep(t.invSum(SUM))
			for c := 0; c < nc; c++ {
				p := t.V()
				VMULPS(es[c], t.ld(INV), p)
				t.keepWhere(st.valid, p)
				ifFlag(a.flags, flagProbs, func() { t.storeGrad(p, pl.at(pd, c), a.flags, tail) })
				wp := p
				s := t.V()
				VADDPS(accs(c, 0), wp, s)
				VMOVUPS(s, accs(c, 0))
				ifFlag(a.flags, flagSquared, func() {
					pp := t.V()
					VMULPS(p, wp, pp)
					VADDPS(accs(c, 3), pp, pp)
					VMOVUPS(pp, accs(c, 3))
				})
				eq := t.eqD(st.y, t.I(uint32(c)))
				py, cnt := t.V(), t.V()
				VMOVUPS(accs(c, 1), py)
				t.addWhere(eq, wp, py)
				VMOVUPS(py, accs(c, 1))
				VMOVUPS(accs(c, 2), cnt)
				switch {
				case t.avx512:
					VADDPS(t.F(1), cnt, eq.k, cnt)
				default:
					o := t.V()
					VANDPS(t.F(1), eq.v, o)
					VADDPS(o, cnt, cnt)
				}
				VMOVUPS(cnt, accs(c, 2))
			}
		})
		t.pixelwiseSums(a, a.flags, st, SUM, nil, MX, zy, nil, sCE, sW, nil, pr)
	})
	// Reduce: per class (with region terms; else they are 0), then the
	// per-image sums (softmaxStats's layout).
	out := Load(Param("out").Base(), GP64()).(GPVirtual)
	flagBranches(a.flags, flagRegion, "cred", "credd", func(region bool) {
		for c := 0; c < nc; c++ {
			for i := 0; i < 4; i++ {
				if !region {
					MOVL(U32(0), Mem{Base: out, Disp: 4 * (i*nc + c)})
					continue
				}
				v := t.V()
				VMOVUPS(accs(c, i), v)
				VMOVSS(t.hsum(v), Mem{Base: out, Disp: 4 * (i*nc + c)})
			}
		}
	})
	t.ceProductEnd(a.flags, sCE, pr)
	t.storeSums(a.flags, sc, out, 4*4*nc, true)
	end()
}

// planes addresses the C planes of a pointer that advances along the
// pixels: plane c is base + c*stride, with the multiples of stride that one
// scaled index cannot make (3, 5, 7) in registers of their own.
type planes struct {
	s1, s3, s5, s7 GPVirtual
}

func newPlanes(stride GPVirtual, nc int) planes {
	p := planes{s1: stride}
	mul := func(k int) GPVirtual {
		r := GP64()
		IMUL3Q(U8(uint8(k)), stride, r)
		return r
	}
	if nc > 3 {
		p.s3 = mul(3)
	}
	if nc > 5 {
		p.s5 = mul(5)
	}
	if nc > 7 {
		p.s7 = mul(7)
	}
	return p
}

// at returns the address of plane c at base.
func (p planes) at(base GPVirtual, c int) Mem {
	switch c {
	case 0:
		return Mem{Base: base}
	case 1, 2, 4, 8:
		return Mem{Base: base, Index: p.s1, Scale: uint8(c)}
	case 3:
		return Mem{Base: base, Index: p.s3, Scale: 1}
	case 6:
		return Mem{Base: base, Index: p.s3, Scale: 2}
	case 5:
		return Mem{Base: base, Index: p.s5, Scale: 1}
	case 7:
		return Mem{Base: base, Index: p.s7, Scale: 1}
	}
	panic(fmt.Sprintf("planes.at: class %d", c))
}

// softmaxFusedSmall emits the fused (statistics and gradient) kernel of
// pixelwise terms without focal and region terms (neither in the gradient
// nor in the statistics' sflags) for nc classes: the
// signature, flags and results of softmaxGradKernel's fused kernel, whose
// C argument must be nc (the checked entry point dispatches on it).
func softmaxFusedSmall(t *Tier, u8 bool, nc int) {
	ln, lt, elem := labelName(u8)
	name := fmt.Sprintf("SoftmaxFusedC%d%s%s", nc, ln, t.Name)
	sig := fmt.Sprintf("func(x []float32, S, lo, hi int, lab []%s, pw []float32, C int, ign int32, flags uint64, tab, scr []float32, k1, k2, fs, gamma float32, gmode, g1mode int, dst []float32", lt)
	sig += ", sflags uint64, eps1, epsC, wsum float32, out []float32)"
	t.text(name, sig)
	t.doc(fmt.Sprintf("%s is softmaxFused%s%s for C = %d without the focal and region terms", name, ln, t.Name, nc),
		"and per-pixel weights (fs = 0, flags without 4 and 4096, sflags without 2; out[2], the focal sum, is 0):",
		"the same results, bit for bit,",
		"from unrolled class loops.")
	a := t.softmaxSetup(elem)
	pd := Load(Param("dst").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64())
	LEAQ(Mem{Base: pd, Index: lo, Scale: 4}, pd)
	pl := newPlanes(a.stride, nc)
	sc := t.newAccs(4) // CE, W, Focal, Valid
	for _, s := range sc {
		s.zero()
	}
	pr := t.newProdAccs()
	IG, CB := t.hoistBounds(a)
	inRegs := t.avx512 || nc <= regMaxC
	if nc <= hoistMaxC {
		t.hoistExp()
	}
	t.tauBranches(a, func(tauSV func(st pixelState) (tau, sv Register)) {
		t.stream(a.n, []ptr{{a.x, 4}, {a.lab, elem}, {pd, 4}}, func(tail *Mask, rem GPVirtual) {
			st := t.loadPixelsWith(a.lab, u8, IG, CB, tail, rem)
			es, MX, zy, SUM := t.smallExp(a, pl, st, nc, inRegs)
			INV := t.keep(t.invSum(SUM))
			one := t.V()
			VMOVUPS(t.F(1), one)
			t.keepWhere(st.valid, one)
			sc[3].add(one, nil)
			mark := t.nslot
			t.pixelwiseSums(a, arg("sflags"), st, SUM, INV, MX, zy, nil, sc[0], sc[1], nil, pr)
			t.nslot = mark
			tau, sv := tauSV(st)
			TAU := t.keep(tau)
			is := t.V()
			VMULPS(INV, sv, is)
			invS := t.keep(is)
			// dx_k = e_k*(s/sum) [- kappa_k] - tau*[k == y], 0 where ignored.
			out := func(smooth bool) {
				for c := 0; c < nc; c++ {
					eq := t.eqD(st.y, t.I(uint32(c)))
					v := t.V()
					var kappa *Mem
					if smooth {
						kappa = &Mem{Base: a.tab, Disp: c*tabStride + 4*tabKappa}
					}
					t.gradOut(v, es[c], t.ld(invS), kappa, eq, TAU)
					t.keepWhere(st.valid, v)
					t.storeGrad(v, pl.at(pd, c), a.flags, tail)
				}
			}
			sm, done := newLabel("smooth"), newLabel("outd")
			TESTQ(U32(flagSmooth), a.flags)
			JNZ(LabelRef(sm))
			out(false)
			JMP(LabelRef(done))
			Label(sm)
			out(true)
			Label(done)
		})
	})
	t.ceProductEnd(arg("sflags"), sc[0], pr)
	outp := Load(Param("out").Base(), GP64()).(GPVirtual)
	t.storeSums(arg("sflags"), sc, outp, 0, true)
	end()
}

// tauBranches emits body with the tauSV it passes: on AVX-512, twice,
// selected once per call by the CE weights' flag, whose branch without
// them takes tau = k1*1 and sv = tau + k2 from two registers set before
// the loop (the same operations, the same bits, none per vector); on AVX2
// once, with t.tauSV per vector.
func (t *Tier) tauBranches(a softmaxArgs, body func(tauSV func(st pixelState) (tau, sv Register))) {
	perPixel := func(st pixelState) (Register, Register) { return t.tauSV(a, st) }
	if !t.avx512 {
		body(perPixel)
		return
	}
	flagBranches(a.flags, flagWeights, "cw", "cwd", func(weighted bool) {
		if weighted {
			body(perPixel)
			return
		}
		tau := t.bcast(arg("k1"))
		VMULPS(t.F(1), tau, tau) // k1*w_y, w_y = 1
		sv := t.bcast(arg("k2"))
		VADDPS(tau, sv, sv)
		body(func(pixelState) (Register, Register) { return tau, sv })
	})
}

// storeGrad stores one vector of a gradient plane: a tail with its mask,
// a full vector normally on AVX2 and, on AVX-512, non-temporally when
// flags has flagNT.
func (t *Tier) storeGrad(v Register, m Mem, flags Mem, tail *Mask) {
	switch {
	case tail != nil:
		t.store(v, m, tail)
	case !t.avx512:
		VMOVUPS(v, m)
	default:
		nt, done := newLabel("nt"), newLabel("st")
		TESTQ(U32(flagNT), flags)
		JNZ(LabelRef(nt))
		VMOVUPS(v, m)
		JMP(LabelRef(done))
		Label(nt)
		VMOVNTPS(v, m)
		Label(done)
	}
}

// smallExp is maxAndExp for nc classes, unrolled: it returns e_c = exp(x_c
// - mx) (registers when inRegs, else the scratch at e[c*W]), mx, zy = x_y -
// mx and the sum of the e_c, each computed as maxAndExp and the kernels for
// any C do.
func (t *Tier) smallExp(a softmaxArgs, pl planes, st pixelState, nc int, inRegs bool) (es []Op, MX, zy, SUM Op) {
	// max_c x_c, in class order as maxAndExp.
	mx := t.V()
	t.loadX(pl.at(a.x, 0), mx, st)
	PREFETCHT0(pl.at(a.x, 0).Offset(prefetchDist))
	for c := 1; c < nc; c++ {
		v := t.V()
		t.loadX(pl.at(a.x, c), v, st)
		PREFETCHT0(pl.at(a.x, c).Offset(prefetchDist))
		VMAXPS(v, mx, mx)
	}
	MX = t.keep(mx)
	sum, zyr := t.V(), t.V()
	VXORPS(sum, sum, sum)
	VXORPS(zyr, zyr, zyr)
	es = make([]Op, nc)
	for c := 0; c < nc; c++ {
		z := t.V()
		t.loadX(pl.at(a.x, c), z, st)
		VSUBPS(MX, z, z)
		e := t.exp(z, expOpts{nonPositive: true})
		VADDPS(e, sum, sum)
		eq := t.eqD(st.y, t.I(uint32(c)))
		t.setWhere(eq, z, zyr)
		es[c] = t.keepE(a, c, e, inRegs)
	}
	zy = t.keep(zyr)
	SUM = t.keep(sum)
	return es, MX, zy, SUM
}

// invSum returns a new register holding 1/sum (sum a register or a slot),
// by VDIVPS: VRCP14PS with two Newton steps (and a fix for Markstein's one
// inexact case, an all-ones significand) gives the same bits with 8 more
// uops, and made the C = 4 gradient and fused kernels 6% slower on Intel
// (family 6 model 207), whose divider runs beside the FMA port.
func (t *Tier) invSum(sum Op) VecVirtual {
	inv := t.V()
	VMOVUPS(t.F(1), inv)
	VDIVPS(sum, inv, inv)
	return inv
}

// smallProbs is loadProbs for nc classes, unrolled: the p_c of one vector
// of pixels from the planes at a.x (registers when inRegs, else the
// scratch at e[c*W]), and 1 as their sum's reciprocal.
func (t *Tier) smallProbs(a softmaxArgs, pl planes, st pixelState, nc int, inRegs bool) (es []Op, INV Op) {
	es = make([]Op, nc)
	for c := 0; c < nc; c++ {
		v := t.V()
		t.loadX(pl.at(a.x, c), v, st)
		es[c] = t.keepE(a, c, v, inRegs)
	}
	return es, t.F(1)
}

// keepE returns class c's e_c (or p_c) v: v itself when inRegs, else its
// copy in the scratch at e[c*W].
func (t *Tier) keepE(a softmaxArgs, c int, v Register, inRegs bool) Op {
	if inRegs {
		return v
	}
	m := Mem{Base: a.scr, Disp: c * t.W()}
	VMOVUPS(v, m)
	return m
}

// softmaxGradSmall emits the gradient kernel without the focal term and
// per-pixel weights (flags without 4096) for nc classes: the signature,
// flags and results of softmaxGradKernel's gradient kernel, whose C
// argument must be nc. With region terms AVX2 keeps p_k and g_k in the
// scratch for the output (as that kernel), AVX-512 recomputes them.
func softmaxGradSmall(t *Tier, u8 bool, nc int) {
	ln, lt, elem := labelName(u8)
	name := fmt.Sprintf("SoftmaxGradC%d%s%s", nc, ln, t.Name)
	t.text(name, fmt.Sprintf("func(x []float32, S, lo, hi int, lab []%s, pw []float32, C int, ign int32, flags uint64, tab, scr []float32, k1, k2, fs, gamma float32, gmode, g1mode int, dst []float32)", lt))
	t.doc(fmt.Sprintf("%s is softmaxGrad%s%s for C = %d without per-pixel weights (flags without 4096):", name, ln, t.Name, nc),
		"the same results, bit for bit, from unrolled class loops; flags&16384 (x holds probabilities) too.")
	a := t.softmaxSetup(elem)
	pd := t.dstSetup()
	pl := newPlanes(a.stride, nc)
	IG, CB := t.hoistBounds(a)
	inRegs := t.avx512 || nc <= regMaxC
	reuse := !t.avx512
	pSlot := func(c int) Mem { return Mem{Base: a.scr, Disp: c * t.W()} }
	gSlot := func(c int) Mem { return Mem{Base: a.scr, Disp: (nc + c) * t.W()} }
	ent := func(c int) Mem { return Mem{Base: a.tab, Disp: c * tabStride} }
	if nc <= hoistMaxC {
		t.hoistExp()
	}
	streamProbs(a.flags, func(probs bool) {
		t.tauBranches(a, func(tauSV func(st pixelState) (tau, sv Register)) {
			t.stream(a.n, []ptr{{a.x, 4}, {a.lab, elem}, {pd, 4}}, func(tail *Mask, rem GPVirtual) {
				st := t.loadPixelsWith(a.lab, u8, IG, CB, tail, rem)
				var es []Op
				var INV Op
				if probs {
					es, INV = t.smallProbs(a, pl, st, nc, inRegs)
				} else {
					var SUM Op
					es, _, _, SUM = t.smallExp(a, pl, st, nc, inRegs)
					INV = t.keep(t.invSum(SUM))
				}
				tau, sv := tauSV(st)
				TAU, SV := t.keep(tau), t.keep(sv)
				// dx_k = p_k*(g_k - dot + s) [- kappa_k] - tau*[k == y], 0 where
				// ignored, dot = sum_k p_k*g_k (region terms); without them p_k*s is
				// e_k*(s/sum).
				out := func(region, smooth bool, DOT, invS Op) {
					for c := 0; c < nc; c++ {
						eq := t.eqD(st.y, t.I(uint32(c)))
						v := t.V()
						// the factors of p_k*(g_k - dot + s) (or e_k*(s/sum))
						var fa Op
						var fb Register
						switch {
						case region && !reuse:
							p := t.V()
							VMULPS(es[c], t.ld(INV), p)
							g := t.regionG(p, ent(c), eq)
							VSUBPS(DOT, g, g)
							VADDPS(SV, g, g)
							fa, fb = g, p
						case region:
							g := t.V()
							VMOVUPS(gSlot(c), g)
							VSUBPS(DOT, g, g)
							VADDPS(SV, g, g)
							fa, fb = pSlot(c), g
						default:
							fa, fb = es[c], t.ld(invS)
						}
						var kappa *Mem
						if smooth {
							k := ent(c).Offset(4 * tabKappa)
							kappa = &k
						}
						t.gradOut(v, fa, fb, kappa, eq, TAU)
						t.keepWhere(st.valid, v)
						t.storeGrad(v, pl.at(pd, c), a.flags, tail)
					}
				}
				// one flag test per vector for each of the region and smoothing bits
				both := func(region bool, DOT, invS Op) {
					sm, done := newLabel("smooth"), newLabel("outd")
					TESTQ(U32(flagSmooth), a.flags)
					JNZ(LabelRef(sm))
					out(region, false, DOT, invS)
					JMP(LabelRef(done))
					Label(sm)
					out(region, true, DOT, invS)
					Label(done)
				}
				noRegion, done := newLabel("outnr"), newLabel("outrd")
				TESTQ(U32(flagRegion), a.flags)
				JZ(LabelRef(noRegion))
				{
					dot := t.V()
					VXORPS(dot, dot, dot)
					for c := 0; c < nc; c++ {
						p := t.V()
						VMULPS(es[c], t.ld(INV), p)
						if reuse {
							VMOVUPS(p, pSlot(c))
						}
						eq := t.eqD(st.y, t.I(uint32(c)))
						g := t.regionG(p, ent(c), eq)
						if reuse {
							VMOVUPS(g, gSlot(c))
						}
						VFMADD231PS(g, p, dot)
					}
					both(true, t.keep(dot), nil)
				}
				JMP(LabelRef(done))
				Label(noRegion)
				is := t.cp(SV)
				VMULPS(INV, is, is)
				both(false, nil, t.keep(is))
				Label(done)
			})
		})
	})
	end()
}
