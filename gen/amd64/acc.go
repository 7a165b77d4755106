package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// acc is a vector accumulator: a register on AVX-512 (32 of them), a slot of
// the stack frame on AVX2 (16 registers are too few to hold every partial
// sum next to an exp's temporaries).
type acc struct {
	t   *Tier
	r   VecVirtual
	m   Mem
	reg bool
}

func (t *Tier) newAccs(n int) []*acc { return t.newAccsReg(n, 0) }

// newAccsReg is newAccs with the first nreg accumulators in registers on
// AVX2 too (a sum kept in the frame is a store-to-load chain per vector,
// the bound of a short loop body).
func (t *Tier) newAccsReg(n, nreg int) []*acc {
	as := make([]*acc, n)
	var frame Mem
	if !t.avx512 && n > nreg {
		frame = AllocLocal((n - nreg) * t.W())
	}
	for i := range as {
		if t.avx512 || i < nreg {
			as[i] = &acc{t: t, r: t.V(), reg: true}
		} else {
			as[i] = &acc{t: t, m: frame.Offset((i - nreg) * t.W())}
		}
	}
	return as
}

func (a *acc) zero() {
	if a.reg {
		VXORPS(a.r, a.r, a.r)
		return
	}
	z := a.t.V()
	VXORPS(z, z, z)
	VMOVUPS(z, a.m)
}

// set sets every lane to op (a register or memory).
func (a *acc) set(op Op) {
	if a.reg {
		VMOVUPS(op, a.r)
		return
	}
	v := a.t.V()
	VMOVUPS(op, v)
	VMOVUPS(v, a.m)
}

// add adds v (its lanes in tail only, when tail is set; v may be clobbered).
func (a *acc) add(v Register, tail *Mask) {
	if tail != nil {
		a.t.keepWhere(tail, v)
	}
	if a.reg {
		VADDPS(v, a.r, a.r)
		return
	}
	VADDPS(a.m, v, v)
	VMOVUPS(v, a.m)
}

// addKeep adds v, which it leaves as it is.
func (a *acc) addKeep(v Register) {
	if a.reg {
		VADDPS(v, a.r, a.r)
		return
	}
	s := a.t.V()
	VADDPS(a.m, v, s)
	VMOVUPS(s, a.m)
}

// fmaKeep adds x*y with one rounding.
func (a *acc) fmaKeep(x, y Register) {
	if a.reg {
		VFMADD231PS(x, y, a.r)
		return
	}
	s := a.t.V()
	VMOVUPS(a.m, s)
	VFMADD231PS(x, y, s)
	VMOVUPS(s, a.m)
}

// fma adds x*y (lanes in tail only, when set).
func (a *acc) fma(x, y Register, tail *Mask) {
	v := a.t.V()
	VMULPS(x, y, v)
	a.add(v, tail)
}

// sum reduces the accumulator to a scalar in lane 0 of an XMM register.
func (a *acc) sum() VecVirtual {
	v := a.t.V()
	if a.reg {
		VMOVAPS(a.r, v)
	} else {
		VMOVUPS(a.m, v)
	}
	return a.t.hsum(v)
}

// maxu raises every lane of the accumulator to the unsigned int32 lane of
// v where v's is larger (VPMAXUD); v is left as it is. It keeps the
// largest bit pattern of the float32 it sees: the kernels' check of their
// targets (kernels.SigmoidSums.Bits).
func (a *acc) maxu(v Register) {
	if a.reg {
		VPMAXUD(v, a.r, a.r)
		return
	}
	s := a.t.V()
	VPMAXUD(a.m, v, s)
	VMOVUPS(s, a.m)
}

// hmaxu reduces the accumulator to the unsigned max of its int32 lanes in
// a 32-bit general-purpose register.
func (a *acc) hmaxu() GPVirtual {
	v := a.t.V()
	switch {
	case !a.reg:
		VMOVDQU(a.m, v)
	case a.t.avx512:
		VMOVDQA32(a.r, v)
	default:
		VMOVDQA(a.r, v)
	}
	y := YMM()
	if a.t.avx512 {
		VEXTRACTI64X4(U8(1), v, y)
		VPMAXUD(y, v.AsY(), y)
	} else {
		VMOVDQA(v, y)
	}
	x, x2 := XMM(), XMM()
	VEXTRACTI128(U8(1), y, x)
	VPMAXUD(x, y.AsX(), x)
	VPSHUFD(U8(0x4e), x, x2) // lanes 2 3 0 1
	VPMAXUD(x2, x, x)
	VPSHUFD(U8(0xb1), x, x2) // lanes 1 0 3 2
	VPMAXUD(x2, x, x)
	r := GP32()
	VMOVD(x, r)
	return r
}

// retBits stores the target check's accumulator (maxu) as the kernel's
// uint32 result.
func retBits(mx *acc) {
	Store(mx.hmaxu(), ReturnIndex(0))
}

// op returns the accumulator's operand for a read: its register, or its
// slot of the frame.
func (a *acc) op() Op {
	if a.reg {
		return a.r
	}
	return a.m
}

// reduceClassAccs stores the horizontal sums of the n vector accumulators
// of each of the C classes (class c's at accs + c*n*W bytes) into out as n
// arrays of C float32 (sum i of class c at out[i*C + c]), and advances out
// past them.
func (t *Tier) reduceClassAccs(C Op, accs, out GPVirtual, n int) {
	pa, po := GP64(), GP64()
	MOVQ(accs, pa)
	MOVQ(out, po)
	C4 := GP64()
	MOVQ(C, C4)
	SHLQ(U8(2), C4)
	t.classLoop(C, []classPtr{{pa, U32(n * t.W())}, {po, U32(4)}}, false, func(VecVirtual) {
		q := GP64()
		XORQ(q, q)
		for i := 0; i < n; i++ {
			v := t.V()
			VMOVUPS(Mem{Base: pa, Disp: i * t.W()}, v)
			s := t.hsum(v)
			VMOVSS(s, Mem{Base: po, Index: q, Scale: 1})
			ADDQ(C4, q)
		}
	})
	IMUL3Q(U8(n), C4, C4)
	ADDQ(C4, out)
}
