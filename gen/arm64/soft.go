package main

// The probability-target kernels (soft labels): the softmax losses of
// pixels [lo, hi) of one image against C planes of float targets y in
// [0, 1], internal/kernels/soft.go softTargetStatsGeneric and
// softTargetGradGeneric with 4 neighbouring pixels in the lanes of a
// vector, as gen/amd64/soft.go emits them for AVX2 and AVX-512. The
// statistics keep e_c and six vector accumulators per class in scr; the
// gradient keeps e_c, then p_c, in dst and g_c in scr.

// Flag bits of the probability-target kernels: CE (bit 0), Region (2),
// Squared (3), AbsDiff (4), bitWeights (9: tab holds CE class weights).

// Fields of one class's 8 floats in the table (bytes).
const (
	softW  = 0
	softA  = 4
	softB  = 8
	softE  = 12
	softD  = 16
	softSW = 20
)

func softFamily() {
	softStatsNEON()
	softGradNEON()
}

// softPixels sets up the pixel loop of a probability-target kernel: x at
// pixel lo as the loop's planes, y at pixel lo as its second stream (the
// labels' pointer, advanced like int32 labels), and dy, the bytes from an
// x plane's pixel to the same pixel of y.
func softPixels() (p *pixels, dy R) {
	p = &pixels{}
	p.px = argBase("x")
	p.plab = argBase("y")
	lo := argInt("lo")
	p.n = argInt("hi")
	SUB(p.n, p.n, lo)
	ADDlsl(p.px, p.px, lo, 2)
	ADDlsl(p.plab, p.plab, lo, 2)
	rput(lo)
	p.stride = argInt("S")
	LSLi(p.stride, p.stride, 2)
	dy = rget()
	SUB(dy, p.plab, p.px)
	return p, dy
}

// smoothYInto sets yp = epsC + y*eps1 (one FMA), times the class's CE
// weight (at ent) under bitWeights.
func smoothYInto(yp, yv, eps1, epsC V, flags, ent R) {
	MOVv(yp, epsC)
	FMLA(yp, yv, eps1)
	ifBit(flags, bitWeights, func() {
		w := vget()
		LD1R(w, ent)
		FMUL(yp, yp, w)
		vput(w)
	})
}

func softStatsNEON() {
	begin(&Func{
		Name: "SoftTargetStatsNEON",
		Doc: []string{
			"SoftTargetStatsNEON computes kernels.softTargetStatsGeneric over pixels [lo, hi) (at most kernels.BlockSize)",
			"of one image (x, y: nc planes S apart) into out = P[nc], PY[nc], Y[nc], PP[nc], YY[nc], AD[nc], CE (sums",
			"not asked for are 0). flags: kernels.Flags' CE (1), Region (4), Squared (8), AbsDiff (16), and 512 when",
			"tab holds CE weights (8 floats per class, the weight first); y' = y*eps1 + epsC. scr holds at least 28*nc",
			"floats. It returns the largest bits, as uint32, of the targets (kernels.BitsOK).",
		},
		Params: []Param{{"x", "[]float32"}, {"y", "[]float32"}, {"S", "int"}, {"lo", "int"}, {"hi", "int"}, {"nc", "int"},
			{"flags", "uint64"}, {"tab", "[]float32"}, {"scr", "[]float32"}, {"eps1", "float32"}, {"epsC", "float32"},
			{"out", "[]float32"}},
		Results: []Param{{"ret", "uint32"}},
	})
	px, dy := softPixels()
	C, flags := argInt("nc"), argInt("flags")
	ptab, pscr := argBase("tab"), argBase("scr")
	// the accumulators after the e_c: class c at scr + 16*C + 96*c
	pacc := rget()
	ADDlsl(pacc, pscr, C, 4)
	{
		z := vget()
		ZERO(z)
		q := rget()
		MOV(q, pacc)
		px.planes(C, 0, nil, func(R) {
			for i := 0; i < 6; i++ {
				STRQ(z, q, 16*i)
			}
			ADDi(q, q, 96)
		})
		rput(q)
		vput(z)
	}
	eps1, epsC := argF32("eps1"), argF32("epsC")
	ce, bits := vget(), vget()
	ZERO(ce)
	ZERO(bits)
	ya := rget()
	px.loop(func(tail bool) {
		mx := px.maxPass(C, tail)
		sum := vget()
		ZERO(sum)
		release := pinScope(expLoopConsts()...)
		px.planes(C, 0, []perClass{vecs(pscr)}, func(pc R) {
			v := vget()
			load(v, pc, tail, px.n)
			FSUB(v, v, mx)
			e := exp(v, true)
			FADD(sum, sum, e)
			VST1(e, curExtra[0])
			vput(v, e)
		})
		release()
		inv := vget()
		one := Kf(1)
		FDIV(inv, one, sum)
		vput(one)
		tm := noMask
		if tail {
			tm = tailMask(px.n)
		}
		t1, t2 := vget(), vget()
		ZERO(t1)
		ZERO(t2)
		px.planes(C, 0, []perClass{vecs(pscr), {pacc, 96}, {ptab, 32}}, func(pc R) {
			yv := vget()
			ADD(ya, pc, dy)
			load(yv, ya, tail, px.n)
			UMAX(bits, bits, yv)
			ifBit(flags, bitCE, func() {
				wy, z := vget(), vget()
				smoothYInto(wy, yv, eps1, epsC, flags, curExtra[2])
				FADD(t1, t1, wy)
				load(z, pc, tail, px.n)
				FSUB(z, z, mx)
				FMLA(t2, wy, z)
				vput(wy, z)
			})
			ifBit(flags, bitRegion, func() {
				p, a := vget(), vget()
				VLD1(p, curExtra[0])
				FMUL(p, p, inv)
				if tail {
					AND(p, p, tm)
				}
				pa := curExtra[1]
				LDRQ(a, pa, 0)
				FADD(a, a, p)
				STRQ(a, pa, 0) // P
				LDRQ(a, pa, 16)
				FMLA(a, p, yv)
				STRQ(a, pa, 16) // PY
				LDRQ(a, pa, 32)
				FADD(a, a, yv)
				STRQ(a, pa, 32) // Y
				ifBit(flags, bitSquared, func() {
					LDRQ(a, pa, 48)
					FMLA(a, p, p)
					STRQ(a, pa, 48) // PP
					LDRQ(a, pa, 64)
					FMLA(a, yv, yv)
					STRQ(a, pa, 64) // YY
				})
				ifBit(flags, bitAbsDiff, func() {
					d := vget()
					FSUB(d, p, yv)
					FABS(d, d)
					LDRQ(a, pa, 80)
					FADD(a, a, d)
					STRQ(a, pa, 80) // AD
					vput(d)
				})
				vput(p, a)
			})
			vput(yv)
		})
		ifBit(flags, bitCE, func() {
			lse := log(sum, true)
			l := vget()
			FNEG(l, t2)
			FMLA(l, t1, lse) // t1*lse - t2, rounded once
			acc(ce, l, tm)
			vput(lse, l)
		})
		if tail {
			vput(tm)
		}
		vput(mx, sum, inv, t1, t2)
	})
	rput(ya)
	// Reduce: per class, then the CE sum.
	pout := argBase("out")
	{
		C4 := rget()
		LSLi(C4, C, 2)
		po, q := rget(), rget()
		MOV(po, pout)
		px.planes(C, 0, []perClass{{pacc, 96}}, func(R) {
			MOV(q, po)
			for i := 0; i < 6; i++ {
				a := vget()
				LDRQ(a, curExtra[0], 16*i)
				s := hsum(a)
				STRS(s, q, 0)
				ADD(q, q, C4)
				vput(a, s)
			}
			ADDi(po, po, 4)
		})
		s := hsum(ce)
		MOVi(q, 6) // out[6*C]
		MUL(q, q, C4)
		ADD(q, q, pout)
		STRS(s, q, 0)
		vput(s)
		rput(C4, po, q)
	}
	retBits(bits)
	vput(ce, eps1, epsC)
	end()
}

func softGradNEON() {
	begin(&Func{
		Name: "SoftTargetGradNEON",
		Doc: []string{
			"SoftTargetGradNEON writes kernels.softTargetGradGeneric's gradient of pixels [lo, hi) (at most",
			"kernels.BlockSize) of one image into dst (nc planes S apart, like x and y):",
			"dx_k = p_k*(g_k - sum_j p_j g_j + scale*sum_j w_j y'_j) - scale*w_k*y'_k, y' = y*eps1 + epsC,",
			"g_k = A_k*y_k + B_k + E_k*p_k + D_k*sgn(p_k - y_k). flags: CE (1; else no CE part), Region (4; else g = 0),",
			"AbsDiff (16; else D = 0), 512 (tab holds CE weights, else w = 1). tab holds 8 floats per class: w, A, B, E,",
			"D, scale*w (1*scale without weights); scr holds at least 4*nc floats. The sum of p_j g_j is a",
			"double-float (TwoSum, and the products' errors by FMA): g_k minus it cancels where p is nearly one-hot.",
		},
		Params: []Param{{"x", "[]float32"}, {"y", "[]float32"}, {"S", "int"}, {"lo", "int"}, {"hi", "int"}, {"nc", "int"},
			{"flags", "uint64"}, {"tab", "[]float32"}, {"scr", "[]float32"}, {"eps1", "float32"}, {"epsC", "float32"},
			{"scale", "float32"}, {"dst", "[]float32"}},
	})
	px, dy := softPixels()
	C, flags := argInt("nc"), argInt("flags")
	ptab, pscr := argBase("tab"), argBase("scr")
	// dst at the same pixel as x: the offset between the two is constant.
	pd := argBase("dst")
	x0 := argBase("x")
	SUB(pd, pd, x0)
	rput(x0)
	eps1, epsC, scale := argF32("eps1"), argF32("epsC"), argF32("scale")
	dp, ya, t := rget(), rget(), rget()
	px.loop(func(tail bool) {
		mx := px.maxPass(C, tail)
		sum := vget()
		ZERO(sum)
		release := pinScope(expLoopConsts()...)
		px.planes(C, 0, nil, func(pc R) {
			v := vget()
			load(v, pc, tail, px.n)
			FSUB(v, v, mx)
			e := exp(v, true)
			FADD(sum, sum, e)
			ADD(dp, pc, pd)
			store(e, dp, tail, px.n)
			vput(v, e)
		})
		release()
		inv := vget()
		one := Kf(1)
		FDIV(inv, one, sum)
		vput(one, sum, mx)
		wy, dot, dlo := vget(), vget(), vget()
		ZERO(wy)
		ZERO(dot)
		ZERO(dlo)
		px.planes(C, 0, []perClass{vecs(pscr), {ptab, 32}}, func(pc R) {
			p, yv := vget(), vget()
			ADD(dp, pc, pd)
			load(p, dp, tail, px.n)
			FMUL(p, p, inv)
			store(p, dp, tail, px.n)
			ADD(ya, pc, dy)
			load(yv, ya, tail, px.n)
			ifBit(flags, bitCE, func() {
				yp := vget()
				smoothYInto(yp, yv, eps1, epsC, flags, curExtra[1])
				FADD(wy, wy, yp)
				vput(yp)
			})
			ifBit(flags, bitRegion, func() {
				g, k := vget(), vget()
				ent := curExtra[1]
				ADDi(t, ent, softB)
				LD1R(g, t)
				ADDi(t, ent, softA)
				LD1R(k, t)
				FMLA(g, k, yv) // B + A*y
				ADDi(t, ent, softE)
				LD1R(k, t)
				FMLA(g, k, p) // + E*p
				ifBit(flags, bitAbsDiff, func() {
					m := vget()
					ADDi(t, ent, softD)
					LD1R(k, t)
					FCMGT(m, p, yv) // p > y
					AND(m, m, k)
					FADD(g, g, m)
					FCMGT(m, yv, p) // p < y
					AND(m, m, k)
					FSUB(g, g, m)
					vput(m)
				})
				VST1(g, curExtra[0])
				// dot + dlo += p*g
				q, qe, s, bb := vget(), vget(), vget(), vget()
				FMUL(q, p, g)
				FNEG(qe, q)
				FMLA(qe, p, g) // p*g - q, exact
				FADD(s, dot, q)
				FSUB(bb, s, dot)
				FSUB(k, s, bb)
				FSUB(k, dot, k) // dot - (s - bb)
				FSUB(bb, q, bb) // q - bb
				FADD(k, k, bb)  // dot + q - s, exact
				FADD(k, k, qe)
				FADD(dlo, dlo, k)
				MOVv(dot, s)
				vput(g, k, q, qe, s, bb)
			})
			vput(p, yv)
		})
		// base = (scale*wy - dot) - dlo
		base := vget()
		FMUL(base, scale, wy)
		FSUB(base, base, dot)
		FSUB(base, base, dlo)
		vput(wy, dot, dlo, inv)
		px.planes(C, 0, []perClass{vecs(pscr), {ptab, 32}}, func(pc R) {
			v, p := vget(), vget()
			MOVv(v, base)
			ifBit(flags, bitRegion, func() {
				g := vget()
				VLD1(g, curExtra[0])
				FADD(v, g, base)
				vput(g)
			})
			ADD(dp, pc, pd)
			load(p, dp, tail, px.n)
			FMUL(p, p, v)
			ifBit(flags, bitCE, func() {
				yv, yp, sw := vget(), vget(), vget()
				ADD(ya, pc, dy)
				load(yv, ya, tail, px.n)
				MOVv(yp, epsC)
				FMLA(yp, yv, eps1)
				ADDi(t, curExtra[1], softSW)
				LD1R(sw, t)
				FMLS(p, sw, yp) // - scale*w_k*y'_k, rounded once
				vput(yv, yp, sw)
			})
			store(p, dp, tail, px.n)
			vput(v, p)
		})
		vput(base)
	})
	rput(dp, ya, t)
	vput(eps1, epsC, scale)
	end()
}
