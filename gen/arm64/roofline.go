package main

import "strconv"

// The roofline kernels: the plainest streaming sum and copy.

func roofline() {
	sum()
	copyKernel()
}

func sum() {
	begin(&Func{
		Name: "SumNEON",
		Doc: []string{"SumNEON returns the float32 sum of x (len(x) <= kernels.BlockSize): 16 lanes in 4 vectors, then",
			"4 at a time, the tail, and the lanes added at the end."},
		Params:  []Param{{"x", "[]float32"}},
		Results: []Param{{"ret", "float32"}},
	})
	p := argBase("x")
	n := argLen("x")
	a := V(0)
	for v := V(0); v < 8; v++ {
		if !fn.vfree[v] {
			panic("sum: registers taken")
		}
		fn.vfree[v] = false
	}
	for i := V(0); i < 4; i++ {
		ZERO(a + i)
	}
	l16, l4, tail, done := newLabel("sum16"), newLabel("sum4"), newLabel("sumtail"), newLabel("sumdone")
	label(l16)
	CMPi(n, 16)
	Bcond("LT", l4)
	VLD1x4post(4, p)
	for i := V(0); i < 4; i++ {
		FADD(a+i, a+i, 4+i)
	}
	SUBi(n, n, 16)
	B(l16)
	label(l4)
	CMPi(n, 4)
	Bcond("LT", tail)
	VLD1post(4, p)
	FADD(a, a, 4)
	SUBi(n, n, 4)
	B(l4)
	label(tail)
	CBZ(n, done)
	load(4, p, true, n)
	FADD(a, a, 4)
	label(done)
	FADD(0, 0, 1)
	FADD(2, 2, 3)
	FADD(0, 0, 2)
	s := hsum(0)
	off, _ := cur.offset("ret")
	ins("FMOVS", s.f(), "ret+"+itoa(off)+"(FP)")
	vput(s)
	for v := V(0); v < 8; v++ {
		fn.vfree[v] = true
	}
	end()
}

func copyKernel() {
	begin(&Func{
		Name:   "CopyNEON",
		Doc:    []string{"CopyNEON copies src into dst (len(dst) <= len(src)): 64 bytes at a time, then 16, then the tail."},
		Params: []Param{{"dst", "[]float32"}, {"src", "[]float32"}},
	})
	pd, ps := argBase("dst"), argBase("src")
	n := argLen("dst")
	for v := V(0); v < 4; v++ {
		fn.vfree[v] = false
	}
	l16, l4, tail, done := newLabel("cp16"), newLabel("cp4"), newLabel("cptail"), newLabel("cpdone")
	label(l16)
	CMPi(n, 16)
	Bcond("LT", l4)
	VLD1x4post(0, ps)
	VST1x4post(0, pd)
	SUBi(n, n, 16)
	B(l16)
	label(l4)
	CMPi(n, 4)
	Bcond("LT", tail)
	VLD1post(0, ps)
	VST1post(0, pd)
	SUBi(n, n, 4)
	B(l4)
	label(tail)
	CBZ(n, done)
	load(0, ps, true, n)
	store(0, pd, true, n)
	label(done)
	for v := V(0); v < 4; v++ {
		fn.vfree[v] = true
	}
	end()
}

func itoa(i int) string { return strconv.Itoa(i) }
