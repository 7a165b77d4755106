package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// confusionFamily: argmax confusion counts over the C planes of one image
// (uint8 and int32 labels) and the thresholded binary counts.
func confusionFamily(t *Tier) {
	for _, u8 := range []bool{true, false} {
		confusion(t, u8)
	}
	confusionBinary(t)
}

// popcnt adds the number of lanes set in m to the int64 at dst.
func (t *Tier) popcnt(m *Mask, dst Mem) {
	r := GP32()
	if t.avx512 {
		KMOVW(m.k, r)
	} else {
		VMOVMSKPS(m.v, r)
	}
	POPCNTL(r, r)
	ADDQ(r.As64(), dst)
}

func confusion(t *Tier, u8 bool) {
	ln, lt, elem := labelName(u8)
	name := "Confusion" + ln + t.Name
	t.text(name, fmt.Sprintf("func(x []float32, S, C, lo, hi int, lab []%s, ign int32, tp, fp, fn []int64)", lt))
	t.doc(fmt.Sprintf("%s adds kernels.confusionGeneric's counts of pixels [lo, hi) (at most kernels.BlockSize)", name),
		"of one image to tp, fp and fn (C each): the argmax is the first class of largest logit, a NaN",
		"never wins. ign is the ignore label (-1: none); pixels labelled ign or outside [0, C) are skipped.")
	var a softmaxArgs
	a.x = Load(Param("x").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64()).(GPVirtual)
	a.n = Load(Param("hi"), GP64()).(GPVirtual)
	SUBQ(lo, a.n)
	LEAQ(Mem{Base: a.x, Index: lo, Scale: 4}, a.x)
	a.lab = Load(Param("lab").Base(), GP64()).(GPVirtual)
	LEAQ(Mem{Base: a.lab, Index: lo, Scale: uint8(elem)}, a.lab)
	a.stride = Load(Param("S"), GP64()).(GPVirtual)
	SHLQ(U8(2), a.stride)
	a.C = arg("C")
	t.stream(a.n, []ptr{{a.x, 4}, {a.lab, elem}}, func(tail *Mask, rem GPVirtual) {
		st := t.loadPixels(a.lab, u8, arg("ign"), a.C, tail, rem)
		best, am := t.V(), t.V()
		t.load(Mem{Base: a.x}, best, st.valid)
		VXORPS(am, am, am)
		{
			px := GP64()
			MOVQ(a.x, px)
			cv := t.V()
			VXORPS(cv, cv, cv)
			c1 := GP64()
			MOVQ(a.C, c1)
			DECQ(c1)
			skip, loop := newLabel("c1"), newLabel("amax")
			JZ(LabelRef(skip))
			Label(loop)
			ADDQ(a.stride, px)
			VPADDD(t.I(1), cv, cv)
			v := t.V()
			t.load(Mem{Base: px}, v, st.valid)
			gt := t.cmp(0x1e, v, best) // GT_OQ: a NaN never wins
			t.setWhere(gt, v, best)
			t.setWhere(gt, cv, am)
			DECQ(c1)
			JNZ(LabelRef(loop))
			Label(skip)
		}
		ptp := Load(Param("tp").Base(), GP64()).(GPVirtual)
		pfp := Load(Param("fp").Base(), GP64()).(GPVirtual)
		pfn := Load(Param("fn").Base(), GP64()).(GPVirtual)
		t.classLoop(a.C, []classPtr{{ptp, U32(8)}, {pfp, U32(8)}, {pfn, U32(8)}}, true, func(cv VecVirtual) {
			ey := t.eqD(st.y, cv) // label c (never an ignored or tail lane)
			ea := t.eqD(am, cv)
			t.andMask(ea, st.valid, ea) // predicted c
			both := t.newMask()
			t.andMask(ey, ea, both)
			t.popcnt(both, Mem{Base: ptp})
			onlyA := t.newMask()
			t.andNotMask(ey, ea, onlyA)
			t.popcnt(onlyA, Mem{Base: pfp})
			onlyY := t.newMask()
			t.andNotMask(ea, ey, onlyY)
			t.popcnt(onlyY, Mem{Base: pfn})
		})
	})
	end()
}

func confusionBinary(t *Tier) {
	name := "ConfusionBinary" + t.Name
	t.text(name, "func(x, y []float32, thr float32, out []int64)")
	t.doc(fmt.Sprintf("%s adds kernels.confusionBinaryGeneric's counts of len(x) (at most kernels.BlockSize)", name),
		"elements to out[0:3] = TP, FP, FN: predicted positive when x > thr, a positive target when y >= 0.5.")
	p := sliceArgs("x", "y")
	n := Load(Param("x").Len(), GP64()).(GPVirtual)
	po := Load(Param("out").Base(), GP64()).(GPVirtual)
	t.stream(n, []ptr{{p[0], 4}, {p[1], 4}}, func(tail *Mask, _ GPVirtual) {
		x, y := t.V(), t.V()
		t.load(Mem{Base: p[0]}, x, tail)
		t.load(Mem{Base: p[1]}, y, tail)
		thr := t.bcast(arg("thr"))
		pred := t.cmp(0x1e, x, thr)     // x > thr, ordered
		pos := t.cmp(0x1d, y, t.F(0.5)) // y >= 0.5, ordered
		if tail != nil {
			t.andMask(pred, tail, pred)
			t.andMask(pos, tail, pos)
		}
		both := t.newMask()
		t.andMask(pred, pos, both)
		t.popcnt(both, Mem{Base: po})
		onlyP := t.newMask()
		t.andNotMask(pos, pred, onlyP)
		t.popcnt(onlyP, Mem{Base: po, Disp: 8})
		onlyY := t.newMask()
		t.andNotMask(pred, pos, onlyY)
		t.popcnt(onlyY, Mem{Base: po, Disp: 16})
	})
	end()
}
