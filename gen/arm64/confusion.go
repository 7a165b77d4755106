package main

import "fmt"

// Argmax confusion counts over pixels [lo, hi) of one image, and the
// thresholded binary counts: internal/kernels/generic.go confusionGeneric and
// confusionBinaryGeneric.

func confusionFamily() {
	for _, u8 := range []bool{true, false} {
		confusion(u8)
	}
	confusionBinary()
}

// incr adds 1 to the int64 at base + idx*8.
func incr(base, idx R) {
	t := rget()
	LDRx(t, base, idx, 3)
	ADDi(t, t, 1)
	STRx(t, base, idx, 3)
	rput(t)
}

func confusion(u8 bool) {
	suf, lt := labType(u8)
	begin(&Func{
		Name: "Confusion" + suf + "NEON",
		Doc: []string{
			fmt.Sprintf("Confusion%sNEON adds kernels.confusionGeneric's counts of pixels [lo, hi) (hi-lo <= kernels.BlockSize)", suf),
			"of x (nc planes of S pixels) to tp, fp and fn: per pixel not labelled ign (-1: none) nor outside [0, nc), with k the first",
			"class of largest logit (NaN never wins), tp[y]++ when k == y, else fp[k]++ and fn[y]++.",
		},
		Params: []Param{{"x", "[]float32"}, {"S", "int"}, {"nc", "int"}, {"lo", "int"}, {"hi", "int"},
			{"lab", lt}, {"ign", "int32"}, {"tp", "[]int64"}, {"fp", "[]int64"}, {"fn", "[]int64"}},
	})
	px := newPixels(u8)
	C, ign := argInt("nc"), argInt("ign")
	ptp, pfp, pfn := argBase("tp"), argBase("fp"), argBase("fn")
	px.loop(func(tail bool) {
		valid, labz := px.valid(tail, ign, C)
		best, arg, cvec := vget(), vget(), vget()
		load(best, px.px, tail, px.n)
		ZERO(arg)
		ZERO(cvec)
		v, gt := vget(), vget()
		px.planes(C, 1, nil, func(pc R) {
			k := K(1)
			ADD4S(cvec, cvec, k)
			vput(k)
			load(v, pc, tail, px.n)
			FCMGT(gt, v, best) // x_c > best (false for NaN)
			BIT(best, v, gt)
			BIT(arg, cvec, gt)
		})
		vput(v, gt, best, cvec)
		ry, ra := rget(), rget()
		lanes(tail, px.n, func(j int) {
			skip, miss := newLabel("inval"), newLabel("miss")
			UMOV(ry, valid, j)
			CBZ(ry, skip)
			UMOV(ry, labz, j)
			UMOV(ra, arg, j)
			CMP(ra, ry)
			Bcond("NE", miss)
			incr(ptp, ry)
			B(skip)
			label(miss)
			incr(pfp, ra)
			incr(pfn, ry)
			label(skip)
		})
		rput(ry, ra)
		vput(valid, labz, arg)
	})
	end()
}

func confusionBinary() {
	begin(&Func{
		Name: "ConfusionBinaryNEON",
		Doc: []string{
			"ConfusionBinaryNEON adds kernels.confusionBinaryGeneric's counts of len(x) <= kernels.BlockSize elements",
			"to out[0:3] = TP, FP, FN: predicted positive when x > thr, a positive target when y >= 0.5 (NaN: neither).",
		},
		Params: []Param{{"x", "[]float32"}, {"y", "[]float32"}, {"thr", "float32"}, {"out", "[]int64"}},
	})
	px, py := argBase("x"), argBase("y")
	n := argLen("x")
	thr := argF32("thr")
	tp, fp, fn := vget(), vget(), vget()
	ZERO(tp)
	ZERO(fp)
	ZERO(fn)
	stream(n, []R{px, py}, func(tail bool) {
		x, y := vget(), vget()
		load(x, px, tail, n)
		load(y, py, tail, n)
		FCMGT(x, x, thr) // predicted positive
		k := Kf(0.5)
		FCMGE(y, y, k) // positive target
		vput(k)
		if tail {
			m := tailMask(n)
			AND(x, x, m)
			AND(y, y, m)
			vput(m)
		}
		t := vget()
		AND(t, x, y)
		SUB4S(tp, tp, t) // all-ones lanes are -1
		BIC(t, x, y)
		SUB4S(fp, fp, t)
		BIC(t, y, x)
		SUB4S(fn, fn, t)
		vput(t, x, y)
	})
	po := argBase("out")
	r, s := rget(), rget()
	for i, a := range []V{tp, fp, fn} {
		ADDV4S(a, a)
		UMOV(r, a, 0)
		LDR(s, po, 8*i)
		ADD(s, s, r)
		STR(s, po, 8*i)
		vput(a)
	}
	rput(r, s)
	vput(thr)
	end()
}
