package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// roofline: the plainest streaming kernels over the bytes a loss touches,
// to measure how close the losses come to the memory bandwidth.
func roofline(t *Tier) {
	if t.avx512 {
		t.text("Fence"+t.Name, "func()")
		t.doc(fmt.Sprintf("Fence%s orders the non-temporal stores before it (SFENCE): the softmax kernels' flag 2048 stores", t.Name),
			"leave it to the caller, once after the last block of a range rather than once per block.")
		SFENCE()
		RET()
	}
	const unroll = 4
	t.text("Copy"+t.Name, "func(dst, src []float32)")
	t.doc(fmt.Sprintf("Copy%s copies src into dst[:len(dst)] (src at least as long) with %d-lane vector moves.", t.Name, t.L))
	p := sliceArgs("dst", "src")
	n := Load(Param("dst").Len(), GP64()).(GPVirtual)
	big, done := newLabel("big"), newLabel("small")
	Label(big)
	CMPQ(n, U32(unroll*t.L))
	JB(LabelRef(done))
	vs := make([]VecVirtual, unroll)
	for i := range vs {
		vs[i] = t.V()
		VMOVUPS(Mem{Base: p[1], Disp: i * t.W()}, vs[i])
	}
	for i := range vs {
		VMOVUPS(vs[i], Mem{Base: p[0], Disp: i * t.W()})
	}
	ADDQ(U32(unroll*t.W()), p[0])
	ADDQ(U32(unroll*t.W()), p[1])
	SUBQ(U32(unroll*t.L), n)
	JMP(LabelRef(big))
	Label(done)
	t.stream(n, []ptr{{p[0], 4}, {p[1], 4}}, func(tail *Mask, _ GPVirtual) {
		v := t.V()
		t.load(Mem{Base: p[1]}, v, tail)
		t.store(v, Mem{Base: p[0]}, tail)
	})
	end()

	t.text("Sum"+t.Name, "func(x []float32) float32")
	t.doc(fmt.Sprintf("Sum%s returns the float32 sum of x (%d vector accumulators, summed at the end).", t.Name, unroll))
	px := Load(Param("x").Base(), GP64()).(GPVirtual)
	n = Load(Param("x").Len(), GP64()).(GPVirtual)
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = t.V()
		VXORPS(acc[i], acc[i], acc[i])
	}
	big, done = newLabel("big"), newLabel("small")
	Label(big)
	CMPQ(n, U32(unroll*t.L))
	JB(LabelRef(done))
	for i := range acc {
		VADDPS(Mem{Base: px, Disp: i * t.W()}, acc[i], acc[i])
	}
	ADDQ(U32(unroll*t.W()), px)
	SUBQ(U32(unroll*t.L), n)
	JMP(LabelRef(big))
	Label(done)
	t.stream(n, []ptr{{px, 4}}, func(tail *Mask, _ GPVirtual) {
		v := t.V()
		t.load(Mem{Base: px}, v, tail)
		VADDPS(v, acc[0], acc[0])
	})
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	Store(t.hsum(acc[0]), ReturnIndex(0))
	end()
}
