package main

import "fmt"

// The distance transform's scans: internal/kernels.EDTScan (the strided
// passes) and NearScan1 / NearScan2 (the weight map's last pass), whose
// plain-Go edtScanGeneric, nearScan1Generic and nearScan2Generic are the
// specification.

// edtReach is internal/kernels.EDTScanReach.
const edtReach = 128

func edtFamily() {
	edtScan()
	nearScan1()
	nearScan2()
}

// edtScan: blocks of two rows of eight lanes (two registers per row) share
// a scan outward, which stops at the first step whose square no lane of
// the block can use; a group of eight lanes all beyond the reach is
// skipped.
func edtScan() {
	begin(&Func{
		Name: "EdtScanNEON",
		Doc: []string{fmt.Sprintf("EdtScanNEON is internal/kernels.EDTScan on checked arguments, lanes a multiple of 8 and at most 64: it returns the lanes with a voxel whose minimum lies beyond the reach (%d).", edtReach),
			"Two rows of eight lines share a scan, which stops at the first step that no lane of the block can use; a group of eight lanes all beyond the reach is skipped (left unwritten)."},
		Params:  []Param{{"dst", "[]float32"}, {"src", "[]float32"}, {"sq", "[]float32"}, {"pitch", "int"}, {"lanes", "int"}, {"rows", "int"}, {"sqrt", "bool"}},
		Results: []Param{{"ret", "uint64"}},
	})
	// Fixed vector registers: the best of row 0 (lanes 0-3, 4-7) in V0, V1,
	// of row 1 in V2, V3; candidates in V4, V5; the step's square V6.
	for v := V(0); v < 7; v++ {
		fn.vfree[v] = false
	}
	b := [2][2]V{{0, 1}, {2, 3}}
	const c0, tv = V(4), V(6)
	sg, dst, sqb := argBase("src"), argBase("dst"), argBase("sq")
	pb, lanesB, rows := argInt("pitch"), argInt("lanes"), argInt("rows")
	sqrt := argInt("sqrt")
	LSLi(pb, pb, 2)
	LSLi(lanesB, lanesB, 2)
	off := rget()
	MOVi(off, edtReach)
	MUL(off, off, pb)
	ADD(sg, sg, off)
	SUB(dst, dst, sg) // dst - src - reach·pitch bytes: row r's dst at sg + dst
	rput(off)
	far, gsh, gend, k, sqp := rget(), rget(), rget(), rget(), rget()
	lo, hi := [2]R{rget(), rget()}, [2]R{rget(), rget()}
	t, t2 := rget(), rget()
	MOVi(far, 0)
	two, one, done := newLabel("two"), newLabel("one"), newLabel("done")
	CBZ(lanesB, done)

	block := func(P int, next string) {
		ADD(gend, sg, lanesB)
		MOVi(gsh, 0)
		vec, skip, store, kloop, capped := newLabel("vec"), newLabel("skip"), newLabel("store"), newLabel("kloop"), newLabel("capped")
		label(vec)
		// Skip a group whose eight lanes are all beyond the reach.
		LSRr(t, far, gsh)
		ANDi(t, t, 0xff)
		CMPi(t, 0xff)
		Bcond("EQ", skip)
		VLD1x2(b[0][0], sg)
		if P == 2 {
			ADD(t, sg, pb)
			VLD1x2(b[1][0], t)
		}
		// All zeros (background): their own minima.
		ORR(c0, b[0][0], b[0][1])
		if P == 2 {
			ORR(c0, c0, b[1][0])
			ORR(c0, c0, b[1][1])
		}
		UMAXV(c0, c0)
		UMOV(t, c0, 0)
		CBZ(t, store)
		MOVi(k, 1)
		ADDi(sqp, sqb, 4)
		SUB(lo[0], sg, pb)
		ADD(hi[0], sg, pb)
		if P == 2 {
			MOV(lo[1], sg)
			ADD(hi[1], hi[0], pb)
		}
		label(kloop)
		LD1R(tv, sqp)
		// Stop where no lane's best exceeds the step's square.
		FMAX(c0, b[0][0], b[0][1])
		if P == 2 {
			FMAX(c0+1, b[1][0], b[1][1])
			FMAX(c0, c0, c0+1)
		}
		FCMGT(c0, c0, tv)
		UMAXV(c0, c0)
		UMOV(t, c0, 0)
		CBZ(t, store)
		CMPi(k, edtReach+1)
		Bcond("EQ", capped)
		for j := 0; j < P; j++ {
			for _, p := range []R{lo[j], hi[j]} {
				VLD1x2(c0, p)
				FADD(c0, c0, tv)
				FADD(c0+1, c0+1, tv)
				FMIN(b[j][0], b[j][0], c0)
				FMIN(b[j][1], b[j][1], c0+1)
			}
		}
		for j := 0; j < P; j++ {
			SUB(lo[j], lo[j], pb)
			ADD(hi[j], hi[j], pb)
		}
		ADDi(sqp, sqp, 4)
		ADDi(k, k, 1)
		B(kloop)
		// The lanes still above the step's square past the reach: bit l
		// of lane l, from the lanes' masks and the weights 1, 2, 4, 8.
		label(capped)
		for h := 0; h < 2; h++ {
			m := c0 + V(h)
			if P == 2 {
				FMAX(m, b[0][h], b[1][h])
				FCMGT(m, m, tv)
			} else {
				FCMGT(m, b[0][h], tv)
			}
			w := Kvec([4]uint32{1, 2, 4, 8})
			AND(m, m, w)
			vput(w)
			ADDV4S(m, m)
		}
		UMOV(t, c0, 0)
		UMOV(t2, c0+1, 0)
		ins("ORR", t2.String()+"<<4", t.String(), t.String())
		LSLr(t, t, gsh)
		ORRr(far, far, t)
		label(store)
		nosq := newLabel("nosqrt")
		CBZ(sqrt, nosq)
		for j := 0; j < P; j++ {
			FSQRT(b[j][0], b[j][0])
			FSQRT(b[j][1], b[j][1])
		}
		label(nosq)
		ADD(t, sg, dst)
		VST1x2(b[0][0], t)
		if P == 2 {
			ADD(t, t, pb)
			VST1x2(b[1][0], t)
		}
		label(skip)
		ADDi(sg, sg, 32)
		ADDi(gsh, gsh, 8)
		CMP(sg, gend)
		Bcond("LO", vec)
		// The next block's rows.
		for j := 1; j < P; j++ {
			ADD(sg, sg, pb)
		}
		ADD(sg, sg, pb)
		SUB(sg, sg, lanesB)
		SUBi(rows, rows, int64(P))
		B(next)
	}
	label(two)
	CMPi(rows, 2)
	Bcond("LT", one)
	block(2, two)
	label(one)
	CBZ(rows, done)
	block(1, one)
	label(done)
	o, _ := cur.offset("ret")
	ins("MOVD", far.String(), fmt.Sprintf("ret+%d(FP)", o))
	rput(far, gsh, gend, k, sqp, lo[0], lo[1], hi[0], hi[1], t, t2, sg, dst, sqb, pb, lanesB, rows, sqrt)
	for v := V(0); v < 7; v++ {
		fn.vfree[v] = true
	}
	end()
}

// nearSteps emits the loop over the steps d of a near scan of one vector of
// voxels: tv holds dsq[d] in every lane, lo and hi point at the row at y-d
// and y+d; stop jumps to done when no lane can use the step, step adds
// the candidates at lo and hi.
func nearSteps(pf, dsq, steps R, tv V, stop func(done string), step func(lo, hi R)) {
	d, dp, lo, hi := rget(), rget(), rget(), rget()
	MOVi(d, 0)
	MOV(dp, dsq)
	MOV(lo, pf)
	MOV(hi, pf)
	loop, done := newLabel("dloop"), newLabel("ddone")
	label(loop)
	CMP(d, steps)
	Bcond("GE", done)
	LD1R(tv, dp)
	stop(done)
	step(lo, hi)
	SUBi(lo, lo, 4)
	ADDi(hi, hi, 4)
	ADDi(dp, dp, 4)
	ADDi(d, d, 1)
	B(loop)
	label(done)
	rput(d, dp, lo, hi)
}

// anyLane jumps to done when no lane of the mask m is set (m is clobbered).
func anyLane(m V, done string) {
	t := rget()
	UMAXV(m, m)
	UMOV(t, m, 0)
	CBZ(t, done)
	rput(t)
}

// rowArg returns the base of a row argument plus pad elements.
func rowArg(name string, pad R) R {
	p := argBase(name)
	ADDlsl(p, p, pad, 2)
	return p
}

func nearScan1() {
	begin(&Func{
		Name:   "NearScan1NEON",
		Doc:    []string{"NearScan1NEON is internal/kernels.NearScan1 on checked arguments, 4 voxels at a time."},
		Params: []Param{{"o1", "[]float32"}, {"h1", "[]int32"}, {"f1", "[]float32"}, {"g1", "[]int32"}, {"dsq", "[]float32"}, {"pad", "int"}, {"n", "int"}, {"lim1", "float32"}},
	})
	pad := argInt("pad")
	po, ph := argBase("o1"), argBase("h1")
	pf, pg := rowArg("f1", pad), rowArg("g1", pad)
	rput(pad)
	SUB(pg, pg, pf) // g1's offset from f1
	dsq, steps := argBase("dsq"), argLen("dsq")
	lim := argF32("lim1")
	n := argInt("n")
	inf := K(0x7f800000)
	tv, best, id, c, g, m := vget(), vget(), vget(), vget(), vget(), vget()
	stream(n, []R{po, ph, pf}, func(tail bool) {
		MOVv(best, inf)
		ZERO(id)
		nearSteps(pf, dsq, steps, tv, func(done string) {
			// dsq[d] > lim1 (false for a NaN: go on, as the specification)
			t := rget()
			FCMGT(m, tv, lim)
			UMOV(t, m, 0)
			CBNZ(t, done)
			rput(t)
			FCMGT(m, best, tv) // ds < best
			anyLane(m, done)
		}, func(lo, hi R) {
			a := rget()
			for _, p := range []R{lo, hi} {
				VLD1(c, p)
				FADD(c, c, tv)
				FCMGT(m, best, c) // c < best
				BIT(best, c, m)
				ADD(a, p, pg)
				VLD1(g, a)
				BIT(id, g, m)
			}
			rput(a)
		})
		store(best, po, tail, n)
		store(id, ph, tail, n)
	})
	vput(tv, best, id, c, g, m, lim, inf)
	rput(po, ph, pf, pg, dsq, steps, n)
	end()
}

func nearScan2() {
	begin(&Func{
		Name:   "NearScan2NEON",
		Doc:    []string{"NearScan2NEON is internal/kernels.NearScan2 on checked arguments, 4 voxels at a time."},
		Params: []Param{{"o2", "[]float32"}, {"f1", "[]float32"}, {"g1", "[]int32"}, {"f2", "[]float32"}, {"h1", "[]int32"}, {"lim2", "[]float32"}, {"dsq", "[]float32"}, {"pad", "int"}, {"n", "int"}},
	})
	pad := argInt("pad")
	po, ph, pl := argBase("o2"), argBase("h1"), argBase("lim2")
	pf, pg, pf2 := rowArg("f1", pad), rowArg("g1", pad), rowArg("f2", pad)
	rput(pad)
	SUB(pg, pg, pf)   // g1's offset from f1
	SUB(pf2, pf2, pf) // f2's
	dsq, steps := argBase("dsq"), argLen("dsq")
	n := argInt("n")
	inf := K(0x7f800000)
	tv, best, k, lim, c, c2, g, m, m2 := vget(), vget(), vget(), vget(), vget(), vget(), vget(), vget(), vget()
	stream(n, []R{po, ph, pl, pf}, func(tail bool) {
		load(k, ph, tail, n)
		load(lim, pl, tail, n)
		MOVv(best, inf)
		nearSteps(pf, dsq, steps, tv, func(done string) {
			FCMGT(m, best, tv) // ds < best
			FCMGE(m2, lim, tv) // ds <= lim
			AND(m, m, m2)
			anyLane(m, done)
		}, func(lo, hi R) {
			a := rget()
			for _, p := range []R{lo, hi} {
				VLD1(c, p)
				ADD(a, p, pg)
				VLD1(g, a)
				ADD(a, p, pf2)
				VLD1(c2, a)
				CMEQ4S(m, g, k)
				BIT(c, c2, m) // f2 where the id is h1's
				FADD(c, c, tv)
				FMIN(best, best, c)
			}
			rput(a)
		})
		// +Inf where the best exceeds the voxel's limit.
		FCMGE(m, lim, best)
		MOVv(c, inf)
		BIT(c, best, m)
		store(c, po, tail, n)
	})
	vput(tv, best, k, lim, c, c2, g, m, m2, inf)
	rput(po, ph, pl, pf, pg, pf2, dsq, steps, n)
	end()
}
