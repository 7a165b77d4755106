package main

import (
	"fmt"

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
// AVX2 only: the AVX-512 tier runs this AVX2 kernel. The same code at 16
// lanes is one flag away (Tier), but no machine this was written on ran
// AVX-512, and untested code is not generated.
func edtFamily(t *Tier) {
	if t.avx512 {
		return
	}
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
