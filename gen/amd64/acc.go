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

func (t *Tier) newAccs(n int) []*acc {
	as := make([]*acc, n)
	var frame Mem
	if !t.avx512 {
		frame = AllocLocal(n * t.W())
	}
	for i := range as {
		if t.avx512 {
			as[i] = &acc{t: t, r: t.V(), reg: true}
		} else {
			as[i] = &acc{t: t, m: frame.Offset(i * t.W())}
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
