package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The probability-target kernels (soft labels): the softmax losses of one
// block of pixels of one image against C planes of float targets y in
// [0, 1] (internal/kernels/soft.go softTargetStatsGeneric and
// softTargetGradGeneric are their specification, operation for
// operation). No labels, no ignore index: every pixel of [lo, hi) counts.

// The per-class table of the probability-target kernels: 8 floats per
// class.
const (
	stW  = 0 // CE weight (flagWeights)
	stA  = 1 // region coefficients: g = A*y + B + E*p + D*sgn(p - y)
	stB  = 2
	stE  = 3
	stD  = 4
	stSW = 5 // scale * CE weight (gradient)
)

// softFamily: the statistics and gradient kernels for probability targets.
func softFamily(t *Tier) {
	softTargetStats(t)
	softTargetGrad(t)
}

// softArgs loads the arguments every probability-target kernel shares: x
// and y advanced to pixel lo, n = hi - lo, the plane stride S*4 in bytes.
func (t *Tier) softArgs() (a softmaxArgs, y GPVirtual) {
	a.x = Load(Param("x").Base(), GP64()).(GPVirtual)
	y = Load(Param("y").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64()).(GPVirtual)
	a.n = Load(Param("hi"), GP64()).(GPVirtual)
	SUBQ(lo, a.n)
	LEAQ(Mem{Base: a.x, Index: lo, Scale: 4}, a.x)
	LEAQ(Mem{Base: y, Index: lo, Scale: 4}, y)
	a.stride = Load(Param("S"), GP64()).(GPVirtual)
	SHLQ(U8(2), a.stride)
	a.C = arg("C")
	a.flags = arg("flags")
	a.scr = Load(Param("scr").Base(), GP64()).(GPVirtual)
	a.tab = Load(Param("tab").Base(), GP64()).(GPVirtual)
	return a, y
}

// smoothY returns y' = y*eps1 + epsC (one FMA; eps1 = 1, epsC = 0 without
// label smoothing gives y), times the class's CE weight with flagWeights.
func (t *Tier) smoothY(yv Register, flags Mem, ent Mem) VecVirtual {
	yp := t.bcast(arg("eps1"))
	VFMADD213PS(t.ld(t.bcastOp("epsC")), yv, yp) // yp = yv*eps1 + epsC
	ifFlag(flags, flagWeights, func() {
		w := t.V()
		VBROADCASTSS(ent.Offset(4*stW), w)
		VMULPS(w, yp, yp)
	})
	return yp
}

// bcastOp broadcasts a float32 argument into a new register.
func (t *Tier) bcastOp(name string) Op { return t.bcast(arg(name)) }

func softTargetStats(t *Tier) {
	name := "SoftTargetStats" + t.Name
	t.text(name, "func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32")
	t.doc(fmt.Sprintf("%s computes kernels.softTargetStatsGeneric over pixels [lo, hi) (at most kernels.BlockSize)", name),
		"of one image (x, y: C planes S apart) into out = P[C], PY[C], Y[C], PP[C], YY[C], AD[C], CE (sums not",
		"asked for are 0). flags: kernels.Flags' CE (1), Region (4), Squared (8), AbsDiff (16), and 512 when tab",
		"holds CE weights (8 floats per class, the weight first); y' = y*eps1 + epsC. scr holds at least",
		"8*16*C floats. It returns the largest bits, as uint32, of the targets (kernels.BitsOK).")
	a, py := t.softArgs()
	// per-class accumulators after the e and g vectors: class c at scr + 2*C*W + c*6*W
	accs := t.classAccs(a, 2, 6)
	sc := t.newAccs(2) // CE, bits
	for _, s := range sc {
		s.zero()
	}
	sCE, bits := sc[0], sc[1]
	t.stream(a.n, []ptr{{a.x, 4}, {py, 4}}, func(tail *Mask, rem GPVirtual) {
		st := pixelState{valid: tail, tail: tail}
		sum, mx, _ := t.maxAndExp(a, st, true, 0, false)
		inv := t.V()
		VMOVUPS(t.F(1), inv)
		VDIVPS(sum, inv, inv)
		INV := t.keep(inv)
		SUM := t.keep(sum)
		// the CE's t1 = sum_c w_c y'_c and t2 = sum_c w_c y'_c z_c, in the frame
		ce := t.newAccs(2)
		t1, t2 := ce[0], ce[1]
		t1.zero()
		t2.zero()
		pxr, pyr, pe, pa, pt := GP64(), GP64(), GP64(), GP64(), GP64()
		MOVQ(a.x, pxr)
		MOVQ(py, pyr)
		MOVQ(a.scr, pe)
		MOVQ(accs, pa)
		MOVQ(a.tab, pt)
		ps := []classPtr{{pxr, a.stride}, {pyr, a.stride}, {pe, U32(t.W())}, {pa, U32(6 * t.W())}, {pt, U32(tabStride)}}
		t.classLoop(a.C, ps, false, func(VecVirtual) {
			yv := t.V()
			t.load(Mem{Base: pyr}, yv, tail)
			PREFETCHT0(Mem{Base: pyr, Disp: prefetchDist})
			bits.maxu(yv)
			ifFlag(a.flags, flagCE, func() {
				wy := t.smoothY(yv, a.flags, Mem{Base: pt})
				t1.addKeep(wy)
				z := t.V()
				t.loadX(Mem{Base: pxr}, z, st)
				VSUBPS(mx, z, z)
				t2.fmaKeep(wy, z)
			})
			ifFlag(a.flags, flagRegion, func() {
				p := t.V()
				VMULPS(Mem{Base: pe}, t.ld(INV), p)
				if tail != nil {
					t.keepWhere(tail, p)
				}
				s := t.V()
				VADDPS(Mem{Base: pa}, p, s)
				VMOVUPS(s, Mem{Base: pa}) // P
				s2 := t.V()
				VMOVUPS(Mem{Base: pa, Disp: t.W()}, s2)
				VFMADD231PS(yv, p, s2)
				VMOVUPS(s2, Mem{Base: pa, Disp: t.W()}) // PY
				s3 := t.V()
				VADDPS(Mem{Base: pa, Disp: 2 * t.W()}, yv, s3)
				VMOVUPS(s3, Mem{Base: pa, Disp: 2 * t.W()}) // Y
				ifFlag(a.flags, flagSquared, func() {
					s4 := t.V()
					VMOVUPS(Mem{Base: pa, Disp: 3 * t.W()}, s4)
					VFMADD231PS(p, p, s4)
					VMOVUPS(s4, Mem{Base: pa, Disp: 3 * t.W()}) // PP
					s5 := t.V()
					VMOVUPS(Mem{Base: pa, Disp: 4 * t.W()}, s5)
					VFMADD231PS(yv, yv, s5)
					VMOVUPS(s5, Mem{Base: pa, Disp: 4 * t.W()}) // YY
				})
				ifFlag(a.flags, flagAbsDiff, func() {
					d := t.V()
					VSUBPS(yv, p, d)
					VANDPS(t.I(0x7fffffff), d, d)
					VADDPS(Mem{Base: pa, Disp: 5 * t.W()}, d, d)
					VMOVUPS(d, Mem{Base: pa, Disp: 5 * t.W()}) // AD
				})
			})
		})
		ifFlag(a.flags, flagCE, func() {
			lse := t.log(t.ld(SUM), logOpts{normal: true})
			l := t.ld(t2.op())
			if t2.reg {
				l = t.cp(t2.r)
			}
			VFMSUB231PS(lse, t.ld(t1.op()), l) // t1*lse - t2
			sCE.add(l, tail)
		})
	})
	// Reduce: per class, then the CE sum.
	out := Load(Param("out").Base(), GP64()).(GPVirtual)
	t.reduceClassAccs(a.C, accs, out, 6)
	VMOVSS(sCE.sum(), Mem{Base: out})
	retBits(bits)
	end()
}

func softTargetGrad(t *Tier) {
	name := "SoftTargetGrad" + t.Name
	t.text(name, "func(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32)")
	t.doc(fmt.Sprintf("%s writes kernels.softTargetGradGeneric's gradient of pixels [lo, hi) (at most", name),
		"kernels.BlockSize) of one image into dst (C planes S apart, like x and y):",
		"dx_k = p_k*(g_k - sum_j p_j g_j + scale*sum_j w_j y'_j) - scale*w_k*y'_k, y' = y*eps1 + epsC,",
		"g_k = A_k*y_k + B_k + E_k*p_k + D_k*sgn(p_k - y_k). flags: CE (1; else no CE part), Region (4; else g = 0),",
		"AbsDiff (16; else D = 0), 512 (tab holds CE weights, else w = 1). tab holds 8 floats per class: w, A, B, E,",
		"D, scale*w (1*scale without weights); scr holds at least 8*16*C floats. The sum of p_j g_j is a",
		"double-float (TwoSum, and the products' errors by FMA): g_k minus it cancels where p is nearly one-hot.")
	a, py := t.softArgs()
	pd := Load(Param("dst").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64())
	LEAQ(Mem{Base: pd, Index: lo, Scale: 4}, pd)
	// g_k after the C vectors of p_k in the scratch
	gOff := GP64()
	MOVQ(a.C, gOff)
	SHLQ(U8(uint8(log2(t.W()))), gOff)
	t.stream(a.n, []ptr{{a.x, 4}, {py, 4}, {pd, 4}}, func(tail *Mask, rem GPVirtual) {
		st := pixelState{valid: tail, tail: tail}
		sum, _, _ := t.maxAndExp(a, st, true, 0, false)
		inv := t.V()
		VMOVUPS(t.F(1), inv)
		VDIVPS(sum, inv, inv)
		INV := t.keep(inv)
		// wy = sum_j w_j y'_j, dot + dlo = sum_j p_j g_j (a double-float:
		// TwoSum and the products' exact errors)
		wy, dot, dlo := t.V(), t.V(), t.V()
		VXORPS(wy, wy, wy)
		VXORPS(dot, dot, dot)
		VXORPS(dlo, dlo, dlo)
		pyr, pe, pt := GP64(), GP64(), GP64()
		MOVQ(py, pyr)
		MOVQ(a.scr, pe)
		MOVQ(a.tab, pt)
		t.classLoop(a.C, []classPtr{{pyr, a.stride}, {pe, U32(t.W())}, {pt, U32(tabStride)}}, false, func(VecVirtual) {
			p := t.V()
			VMULPS(Mem{Base: pe}, t.ld(INV), p)
			VMOVUPS(p, Mem{Base: pe})
			yv := t.V()
			t.load(Mem{Base: pyr}, yv, tail)
			PREFETCHT0(Mem{Base: pyr, Disp: prefetchDist})
			ifFlag(a.flags, flagCE, func() {
				yp := t.smoothY(yv, a.flags, Mem{Base: pt})
				VADDPS(yp, wy, wy)
			})
			ifFlag(a.flags, flagRegion, func() {
				g := t.regionGSoft(p, yv, Mem{Base: pt}, a.flags)
				VMOVUPS(g, Mem{Base: pe, Index: gOff, Scale: 1})
				q := t.V()
				VMULPS(g, p, q)
				qe := t.cp(q)
				VFMSUB231PS(g, p, qe) // p*g - q, exact
				s := t.V()
				VADDPS(q, dot, s)
				bb := t.V()
				VSUBPS(dot, s, bb) // s - dot
				r := t.V()
				VSUBPS(bb, s, r)  // s - bb
				VSUBPS(r, dot, r) // dot - (s - bb)
				VSUBPS(bb, q, bb) // q - bb
				VADDPS(bb, r, r)  // dot + q - s, exact
				VADDPS(qe, r, r)
				VADDPS(r, dlo, dlo)
				VMOVAPS(s, dot)
			})
		})
		// base = (scale*wy - dot) - dlo
		base := t.bcast(arg("scale"))
		VMULPS(wy, base, base)
		VSUBPS(dot, base, base)
		VSUBPS(dlo, base, base)
		BASE := t.keep(base)
		pyr2, pe2, pt2, po := GP64(), GP64(), GP64(), GP64()
		MOVQ(py, pyr2)
		MOVQ(a.scr, pe2)
		MOVQ(a.tab, pt2)
		MOVQ(pd, po)
		ps := []classPtr{{pyr2, a.stride}, {pe2, U32(t.W())}, {pt2, U32(tabStride)}, {po, a.stride}}
		t.classLoop(a.C, ps, false, func(VecVirtual) {
			v := t.cp(BASE)
			ifFlag(a.flags, flagRegion, func() {
				VADDPS(Mem{Base: pe2, Index: gOff, Scale: 1}, v, v) // g_k + base
			})
			d := t.V()
			VMULPS(Mem{Base: pe2}, v, d) // p_k*(g_k + base)
			ifFlag(a.flags, flagCE, func() {
				yv := t.V()
				t.load(Mem{Base: pyr2}, yv, tail)
				yp := t.bcast(arg("eps1"))
				VFMADD213PS(t.ld(t.bcastOp("epsC")), yv, yp) // y*eps1 + epsC
				sw := t.V()
				VBROADCASTSS(Mem{Base: pt2, Disp: 4 * stSW}, sw)
				VFNMADD231PS(sw, yp, d) // d - scale*w_k*y'_k
			})
			t.store(d, Mem{Base: po}, tail)
		})
	})
	end()
}

// regionGSoft returns g = A*y + B + E*p [+ D where p > y, - D where p < y,
// with flagAbsDiff] for one class of the probability-target gradient.
func (t *Tier) regionGSoft(p, yv Register, ent Mem, flags Mem) VecVirtual {
	g := t.V()
	VBROADCASTSS(ent.Offset(4*stA), g)
	b := t.V()
	VBROADCASTSS(ent.Offset(4*stB), b)
	VFMADD213PS(b, yv, g) // A*y + B
	e := t.V()
	VBROADCASTSS(ent.Offset(4*stE), e)
	VFMADD231PS(e, p, g) // + E*p
	ifFlag(flags, flagAbsDiff, func() {
		d := t.V()
		VBROADCASTSS(ent.Offset(4*stD), d)
		gt := t.cmp(cmpGT, p, yv)
		lt := t.cmp(cmpLT, p, yv)
		t.addWhere(gt, d, g)
		t.subWhere(lt, d, g)
	})
	return g
}
