package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// edtReach is internal/kernels.EDTScanReach: the farthest step the scan
// takes.
const edtReach = 128

// edtFamily: the outward scan of the distance transform's strided passes
// (internal/kernels.EDTScan, whose plain-Go edtScanGeneric is the
// specification), a vector of neighbouring lines at once.
//
// AVX2 only: the AVX-512 tier runs these AVX2 kernels. No machine they
// were written on ran AVX-512, and untested code is not generated (the
// scan's masks already go through Tier; the near scans' blends do not).
func edtFamily(t *Tier) {
	if t.avx512 {
		return
	}
	defer nearScans(t)
	t.text("EdtScan"+t.Name, "func(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) uint64")
	t.doc(fmt.Sprintf("EdtScan%s is internal/kernels.EDTScan on checked arguments, lanes a multiple of %d and at most 64: it returns the lanes with a voxel whose minimum lies beyond the reach (%d).", t.Name, t.L, edtReach),
		"Four rows of a vector of lines share a scan, which stops at the first step that no lane of the four can use; a vector whose lanes are all beyond the reach is skipped (left unwritten).")
	sg := Load(Param("src").Base(), GP64()).(GPVirtual)
	delta := Load(Param("dst").Base(), GP64()).(GPVirtual)
	sqb := Load(Param("sq").Base(), GP64()).(GPVirtual)
	pb := Load(Param("pitch"), GP64()).(GPVirtual)
	SHLQ(U8(2), pb)
	// The row count and the row's bytes live on the stack: the scan's loop
	// needs the registers.
	rows, lanesB := AllocLocal(8), AllocLocal(8)
	{
		r := Load(Param("rows"), GP64()).(GPVirtual)
		MOVQ(r, rows)
		l := Load(Param("lanes"), GP64()).(GPVirtual)
		SHLQ(U8(2), l)
		MOVQ(l, lanesB)
	}
	// far: the lanes beyond the reach; gsh: the current vector's first lane.
	far, gsh := GP64(), GP64()
	XORQ(far, far)
	// sg: the current vector of row r in src, at (r+reach)·pitch; its row
	// in dst is at sg + delta, delta = dst - src - reach·pitch bytes.
	off := GP64()
	IMUL3Q(U32(edtReach), pb, off)
	ADDQ(off, sg)
	SUBQ(sg, delta)
	p3 := GP64()
	LEAQ(Mem{Base: pb, Index: pb, Scale: 2}, p3)
	gend, lo, hi, k := GP64(), GP64(), GP64(), GP64()

	block := func(P int, next string) {
		// One block of P rows over every vector of the row: gend ends it.
		MOVQ(sg, gend)
		ADDQ(lanesB, gend)
		XORQ(gsh, gsh)
		vec, skip := newLabel("vec"), newLabel("skip")
		Label(vec)
		// Skip a vector whose lanes are all beyond the reach.
		{
			lm, x := GP64(), GP64()
			MOVQ(U32(uint32(1)<<t.L-1), lm)
			SHLXQ(gsh, lm, lm)
			MOVQ(far, x)
			ANDQ(lm, x)
			CMPQ(x, lm)
			JEQ(LabelRef(skip))
		}
		rowOp := func(base GPVirtual, j int) Mem {
			switch j {
			case 0:
				return Mem{Base: base}
			case 1:
				return Mem{Base: base, Index: pb, Scale: 1}
			case 2:
				return Mem{Base: base, Index: pb, Scale: 2}
			default:
				return Mem{Base: base, Index: p3, Scale: 1}
			}
		}
		b := make([]VecVirtual, P)
		for j := range b {
			b[j] = t.V()
			VMOVUPS(rowOp(sg, j), b[j])
		}
		store, kloop := newLabel("store"), newLabel("kloop")
		// All zeros (background): they are their own minima.
		any := t.V()
		if P == 1 {
			any = b[0]
		} else {
			if t.avx512 {
				VPORD(b[1], b[0], any)
			} else {
				VPOR(b[1], b[0], any)
			}
			for j := 2; j < P; j++ {
				if t.avx512 {
					VPORD(b[j], any, any)
				} else {
					VPOR(b[j], any, any)
				}
			}
		}
		if t.avx512 {
			kz := K()
			VPTESTMD(any, any, kz)
			KORTESTW(kz, kz)
		} else {
			VPTEST(any, any)
		}
		JZ(LabelRef(store))
		MOVQ(U32(1), k)
		MOVQ(sg, lo)
		SUBQ(pb, lo)
		LEAQ(Mem{Base: sg, Index: pb, Scale: 1}, hi)
		Label(kloop)
		tv := t.V()
		VBROADCASTSS(Mem{Base: sqb, Index: k, Scale: 4}, tv)
		// Stop where no lane's best exceeds the step's square.
		m := b[0]
		if P > 1 {
			m = t.V()
			VMAXPS(b[1], b[0], m)
			for j := 2; j < P; j++ {
				VMAXPS(b[j], m, m)
			}
		}
		r := GP64()
		if t.avx512 {
			km := K()
			VCMPPS(U8(1), m, tv, km) // tv < m
			KMOVW(km, r.As32())
		} else {
			c := t.V()
			VCMPPS(U8(1), m, tv, c)
			VMOVMSKPS(c, r.As32())
		}
		TESTQ(r, r)
		JZ(LabelRef(store))
		capped := newLabel("capped")
		CMPQ(k, U32(edtReach+1))
		JEQ(LabelRef(capped))
		for j := range b {
			c, d := t.V(), t.V()
			VADDPS(rowOp(lo, j), tv, c)
			VADDPS(rowOp(hi, j), tv, d)
			VMINPS(d, c, c)
			VMINPS(c, b[j], b[j])
		}
		SUBQ(pb, lo)
		ADDQ(pb, hi)
		INCQ(k)
		JMP(LabelRef(kloop))
		// The lanes still above the step's square past the reach.
		Label(capped)
		SHLXQ(gsh, r, r)
		ORQ(r, far)
		Label(store)
		nosq := newLabel("nosqrt")
		CMPB(arg("sqrt"), U8(0))
		JEQ(LabelRef(nosq))
		for j := range b {
			VSQRTPS(b[j], b[j])
		}
		Label(nosq)
		LEAQ(Mem{Base: sg, Index: delta, Scale: 1}, lo)
		for j := range b {
			VMOVUPS(b[j], rowOp(lo, j))
		}
		Label(skip)
		ADDQ(U32(t.W()), sg)
		ADDQ(U32(t.L), gsh)
		CMPQ(sg, gend)
		JB(LabelRef(vec))
		// The next block's rows.
		if P == 4 {
			LEAQ(Mem{Base: sg, Index: pb, Scale: 4}, sg)
		} else {
			ADDQ(pb, sg)
		}
		SUBQ(lanesB, sg)
		SUBQ(U32(P), rows)
		JMP(LabelRef(next))
	}
	four, one, done := newLabel("four"), newLabel("one"), newLabel("done")
	CMPQ(lanesB, U32(0))
	JEQ(LabelRef(done))
	Label(four)
	CMPQ(rows, U32(4))
	JB(LabelRef(one))
	block(4, four)
	Label(one)
	CMPQ(rows, U32(0))
	JEQ(LabelRef(done))
	block(1, one)
	Label(done)
	Store(far, ReturnIndex(0))
	end()
}

// nearScans: the two scans of the weight map's last pass
// (internal/kernels.NearScan1 and NearScan2, whose plain-Go
// nearScan1Generic and nearScan2Generic are the specification), eight
// neighbouring voxels of a row at once.
func nearScans(t *Tier) {
	// Each scan's loop over the steps d: stop before a step whose square
	// (ds, broadcast) no active lane can use. f is the row at the group's
	// first voxel; step(ds, pl, pr) adds the candidates at y-d and y+d.
	scan := func(f, dsq, steps GPVirtual, stop func(ds VecVirtual, done string), step func(ds VecVirtual, pl, pr GPVirtual)) {
		d, pl, pr := GP64(), GP64(), GP64()
		XORQ(d, d)
		MOVQ(f, pl)
		MOVQ(f, pr)
		loop, done := newLabel("dloop"), newLabel("ddone")
		Label(loop)
		CMPQ(d, steps)
		JAE(LabelRef(done))
		ds := t.V()
		VBROADCASTSS(Mem{Base: dsq, Index: d, Scale: 4}, ds)
		stop(ds, done)
		step(ds, pl, pr)
		SUBQ(U32(4), pl)
		ADDQ(U32(4), pr)
		INCQ(d)
		JMP(LabelRef(loop))
		Label(done)
	}
	// anyLane jumps to done when no lane of m is set.
	anyLane := func(m VecVirtual, done string) {
		r := GP32()
		VMOVMSKPS(m, r)
		TESTL(r, r)
		JZ(LabelRef(done))
	}
	// rowAt returns the row base (a slice argument) plus pad elements.
	rowAt := func(name string, pad GPVirtual) GPVirtual {
		p := Load(Param(name).Base(), GP64()).(GPVirtual)
		LEAQ(Mem{Base: p, Index: pad, Scale: 4}, p)
		return p
	}

	t.text("NearScan1"+t.Name, "func(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32)")
	t.doc(fmt.Sprintf("NearScan1%s is internal/kernels.NearScan1 on checked arguments, %d voxels at a time.", t.Name, t.L))
	{
		pad := Load(Param("pad"), GP64()).(GPVirtual)
		po, ph := Load(Param("o1").Base(), GP64()).(GPVirtual), Load(Param("h1").Base(), GP64()).(GPVirtual)
		pf, pg := rowAt("f1", pad), rowAt("g1", pad)
		SUBQ(pf, pg) // g1's offset from f1
		dsq := Load(Param("dsq").Base(), GP64()).(GPVirtual)
		steps := Load(Param("dsq").Len(), GP64()).(GPVirtual)
		lim := XMM()
		MOVSS(arg("lim1"), lim)
		n := Load(Param("n"), GP64()).(GPVirtual)
		t.stream(n, []ptr{{po, 4}, {ph, 4}, {pf, 4}}, func(tail *Mask, _ GPVirtual) {
			best, id := t.V(), t.V()
			VMOVUPS(t.F(float32(math.Inf(1))), best)
			VPXOR(id, id, id)
			scan(pf, dsq, steps, func(ds VecVirtual, done string) {
				// ds > lim1 (unordered: go on, as the specification's
				// comparison is false)
				VUCOMISS(lim, ds.AsX())
				JA(LabelRef(done))
				m := t.V()
				VCMPPS(U8(1), best, ds, m) // ds < best
				anyLane(m, done)
			}, func(ds VecVirtual, pl, pr GPVirtual) {
				for _, p := range []GPVirtual{pl, pr} {
					c, m := t.V(), t.V()
					VADDPS(Mem{Base: p}, ds, c)
					VCMPPS(U8(1), best, c, m) // c < best
					VMINPS(best, c, best)     // c < best ? c : best
					VBLENDVPS(m, Mem{Base: p, Index: pg, Scale: 1}, id, id)
				}
			})
			t.store(best, Mem{Base: po}, tail)
			t.store(id, Mem{Base: ph}, tail)
		})
	}
	end()

	t.text("NearScan2"+t.Name, "func(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int)")
	t.doc(fmt.Sprintf("NearScan2%s is internal/kernels.NearScan2 on checked arguments, %d voxels at a time.", t.Name, t.L))
	{
		pad := Load(Param("pad"), GP64()).(GPVirtual)
		po, ph, pl2 := Load(Param("o2").Base(), GP64()).(GPVirtual), Load(Param("h1").Base(), GP64()).(GPVirtual), Load(Param("lim2").Base(), GP64()).(GPVirtual)
		pf, pg, pf2 := rowAt("f1", pad), rowAt("g1", pad), rowAt("f2", pad)
		SUBQ(pf, pg)  // g1's offset from f1
		SUBQ(pf, pf2) // f2's
		dsq := Load(Param("dsq").Base(), GP64()).(GPVirtual)
		steps := Load(Param("dsq").Len(), GP64()).(GPVirtual)
		n := Load(Param("n"), GP64()).(GPVirtual)
		t.stream(n, []ptr{{po, 4}, {ph, 4}, {pl2, 4}, {pf, 4}}, func(tail *Mask, _ GPVirtual) {
			k, lim, best := t.V(), t.V(), t.V()
			t.load(Mem{Base: ph}, k, tail)
			t.load(Mem{Base: pl2}, lim, tail)
			VMOVUPS(t.F(float32(math.Inf(1))), best)
			scan(pf, dsq, steps, func(ds VecVirtual, done string) {
				m, m2 := t.V(), t.V()
				VCMPPS(U8(1), best, ds, m) // ds < best
				VCMPPS(U8(2), lim, ds, m2) // ds <= lim
				VANDPS(m2, m, m)
				anyLane(m, done)
			}, func(ds VecVirtual, pl, pr GPVirtual) {
				for _, p := range []GPVirtual{pl, pr} {
					c, eq := t.V(), t.V()
					VPCMPEQD(Mem{Base: p, Index: pg, Scale: 1}, k, eq)
					VMOVUPS(Mem{Base: p}, c)
					VBLENDVPS(eq, Mem{Base: p, Index: pf2, Scale: 1}, c, c)
					VADDPS(ds, c, c)
					VMINPS(best, c, best)
				}
			})
			// +Inf where the best exceeds the voxel's limit.
			m, out := t.V(), t.V()
			VCMPPS(U8(2), lim, best, m) // best <= lim
			VMOVUPS(t.F(float32(math.Inf(1))), out)
			VBLENDVPS(m, best, out, out)
			t.store(out, Mem{Base: po}, tail)
		})
	}
	end()
}
