package main

import (
	"fmt"

	"github.com/segloss/segloss/internal/vmath"
)

// The softmax statistics and gradient passes over pixels [lo, hi) of one
// image (C planes of S pixels): internal/kernels/generic.go softmaxStatsGeneric and
// softmaxGradGeneric with 4 neighbouring pixels in the lanes of a vector
// and a loop over the C planes, no scratch memory.
//
// Per vector of pixels the statistics pass reads the planes two or three
// times: the max, then exp(x_c - max) and its sum (and e_y, x_y - max by
// comparing the class with the label lane by lane), then, for the region
// sums only, e_c/sum, since the per-class sums need the denominator: e_c
// from scratch (4*C floats) when the caller gives enough, else recomputed.
// The gradient pass keeps e_c in dst between its second and third pass. Per-class sums add the horizontal
// sum of each vector to the output array; the label-indexed sums (p_y,
// class counts) and the confusion counts are added lane by lane in pixel
// order, as the generic tier adds them.
//
// With per-pixel weights (flag 4096) both kernels run a second copy of the
// pixel loop (loopWeighted), so an unweighted call runs the loop it always
// ran: w_i is loaded once per vector (0 outside the valid lanes) and scales
// the statistics' sums (never the product mode) or the gradient's stores.

// Flag bits beyond sigmoid.go's.
const (
	bitWeights = 9  // 512: CE class weights
	bitSmooth  = 10 // 1024: label smoothing
	bitScratch = 11 // 2048: scr holds 4*nc floats for the e_c of a vector
	bitPixW    = 12 // 4096: pw holds per-pixel weights (internal/kernels/kernels.go PixelWeight)
)

// pixels is the loop over the pixels [lo, hi) of an image: px points at
// plane 0, plab at the labels, n counts the pixels left; in the weighted
// loop (loopWeighted) ppw points at the per-pixel weights.
type pixels struct {
	px, plab, n, stride R
	ppw                 R
	weighted            bool
	u8                  bool
}

func newPixels(u8 bool) *pixels {
	p := &pixels{u8: u8}
	p.px = argBase("x")
	p.plab = argBase("lab")
	lo := argInt("lo")
	p.n = argInt("hi")
	SUB(p.n, p.n, lo)
	ADDlsl(p.px, p.px, lo, 2)
	if u8 {
		ADD(p.plab, p.plab, lo)
	} else {
		ADDlsl(p.plab, p.plab, lo, 2)
	}
	rput(lo)
	p.stride = argInt("S")
	LSLi(p.stride, p.stride, 2) // bytes between planes
	return p
}

// loop emits body for every vector of pixels (tail: the last 1-3 pixels,
// their count in p.n).
func (p *pixels) loop(body func(tail bool)) {
	lb := 16
	if p.u8 {
		lb = 4
	}
	loop, tail, done := newLabel("px"), newLabel("pxtail"), newLabel("pxdone")
	label(loop)
	CMPi(p.n, 4)
	Bcond("LT", tail)
	body(false)
	ADDi(p.px, p.px, 16)
	ADDi(p.plab, p.plab, int64(lb))
	SUBi(p.n, p.n, 4)
	if p.weighted {
		ADDi(p.ppw, p.ppw, 16)
	}
	B(loop)
	label(tail)
	CBZ(p.n, done)
	body(true)
	label(done)
}

// loopWeighted emits the pixel loop twice, chosen once per call by flag
// bit 4096: body(tail, false) without per-pixel weights, so that an
// unweighted call runs the loop it ran before weights existed, and
// body(tail, true) with them (p.weights loads them).
func (p *pixels) loopWeighted(flags R, body func(tail, weighted bool)) {
	wloop, done := newLabel("pxw"), newLabel("pxwdone")
	TBNZ(flags, bitPixW, wloop)
	p.loop(func(tail bool) { body(tail, false) })
	B(done)
	label(wloop)
	p.ppw = argBase("pw")
	lo := argInt("lo")
	ADDlsl(p.ppw, p.ppw, lo, 2)
	rput(lo)
	p.weighted = true
	p.loop(func(tail bool) { body(tail, true) })
	p.weighted = false
	rput(p.ppw)
	label(done)
}

// weights loads the per-pixel weights of the vector (weighted loop only),
// with the lanes outside valid set to 0 when valid is not noMask (an
// ignored pixel's weight is never used, whatever it holds: NaN in the
// tests).
func (p *pixels) weights(tail bool, valid V) V {
	w := vget()
	load(w, p.ppw, tail, p.n)
	if valid != noMask {
		AND(w, w, valid)
	}
	return w
}

// labels loads the labels of the vector as int32 lanes (lanes past the
// tail are 0).
func (p *pixels) labels(tail bool) V {
	v := vget()
	if !p.u8 {
		load(v, p.plab, tail, p.n)
		return v
	}
	t := rget()
	if !tail {
		LDRWU(t, p.plab, 0)
		INSr(v, 0, t)
		UXTL8(v, v)
		UXTL16(v, v)
	} else {
		ZERO(v)
		lanes(true, p.n, func(j int) {
			LDRB(t, p.plab, j)
			INSr(v, j, t)
		})
	}
	rput(t)
	return v
}

// valid returns the mask of the lanes that are pixels of the block, not
// ignored and labelled in [0, C) (internal/kernels/generic.go skipLabel), and the
// labels with every other lane set to 0 (safe to index the per-class
// arrays with). C is at most 2^31-1.
func (p *pixels) valid(tail bool, ign, C R) (valid, labz V) {
	lab := p.labels(tail)
	if tail {
		valid = tailMask(p.n)
	} else {
		valid = K(0xffffffff)
		if isPinned(valid) {
			v := vget()
			MOVv(v, valid)
			valid = v
		}
	}
	t := vget()
	DUPr(t, ign)
	CMEQ4S(t, lab, t)
	BIC(valid, valid, t)
	DUPr(t, C)
	CMHS(t, lab, t) // label >= C, unsigned: a negative int32 label too
	BIC(valid, valid, t)
	vput(t)
	AND(lab, lab, valid)
	return valid, lab
}

// perClass is a pointer into a per-class array: step bytes per class (4
// for float32 arrays, 16 for the vectors of scratch).
type perClass struct {
	r    R
	step int
}

func f32s(r R) perClass { return perClass{r, 4} }
func vecs(r R) perClass { return perClass{r, 16} }

// planes emits body once per class c = 0..C-1 (first: from c = 1) with pc
// pointing at the vector of plane c and curExtra[i] at element c of
// extra[i].
func (p *pixels) planes(C R, first int, extra []perClass, body func(pc R)) {
	pc, c := rget(), rget()
	saved := make([]R, len(extra))
	for i, e := range extra {
		saved[i] = rget()
		MOV(saved[i], e.r)
	}
	MOV(pc, p.px)
	MOV(c, C)
	if first == 1 {
		ADD(pc, pc, p.stride)
		SUBi(c, c, 1)
		for i, s := range saved {
			ADDi(s, s, int64(extra[i].step))
		}
	}
	loop, done := newLabel("cls"), newLabel("clsdone")
	CBZ(c, done)
	label(loop)
	curExtra = saved
	body(pc)
	curExtra = nil
	ADD(pc, pc, p.stride)
	for i, s := range saved {
		ADDi(s, s, int64(extra[i].step))
	}
	SUBSi(c, c, 1)
	Bcond("NE", loop)
	label(done)
	rput(pc, c)
	rput(saved...)
}

// curExtra holds, inside a planes body, the per-class pointers (same order
// as the extra argument).
var curExtra []R

// gather loads base[labz[j]] (float32) into lane j of a new register.
func gather(base R, labz V) V {
	d := vget()
	t := rget()
	for j := 0; j < 4; j++ {
		UMOV(t, labz, j)
		ADDlsl(t, base, t, 2)
		LD1lane(d, j, t)
	}
	rput(t)
	return d
}

// maxPass returns the lane-wise max over the C planes (Go's max: NaN wins,
// +0 above -0, as FMAX).
func (p *pixels) maxPass(C R, tail bool) V {
	mx := vget()
	load(mx, p.px, tail, p.n)
	v := vget()
	p.planes(C, 1, nil, func(pc R) {
		load(v, pc, tail, p.n)
		FMAX(mx, mx, v)
	})
	vput(v)
	return mx
}

func softmaxFamily() {
	for _, u8 := range []bool{true, false} {
		softmaxStats(u8)
		softmaxGrad(u8)
	}
}

func labType(u8 bool) (string, string) {
	if u8 {
		return "U8", "[]uint8"
	}
	return "I32", "[]int32"
}

func softmaxStats(u8 bool) {
	suf, lt := labType(u8)
	begin(&Func{
		Name: "SoftmaxStats" + suf + "NEON",
		Doc: []string{
			fmt.Sprintf("SoftmaxStats%sNEON adds kernels.softmaxStatsGeneric's per-class sums of pixels [lo, hi) (hi-lo <=", suf),
			"kernels.BlockSize) of x (nc planes of S pixels) to P, PY, Count and PP, and writes out[0:4] = CE, W,",
			"Focal, Valid. Pixels labelled ign (-1: none) or outside [0, nc) are skipped. flags: kernels.Flags | 256 (alpha) | 512",
			"(CE weights w) | 1024 (smoothing) | 2048 (scr has 4*nc floats of scratch); ew holds eps/C*w_k (flags 512",
			"and 1024); eps1 = 1-eps, epsC = eps/C, wsum = sum of the CE weights (nc without); gmode classifies gamma",
			"as for SigmoidStats. flags&4096: pw[lo:hi] holds the pixels' weights (indexed like lab; a skipped pixel's",
			"is loaded, never used), which weigh every sum but Valid (kernels.SoftmaxParams.PixelWeight); the cross",
			"entropy then takes one log per pixel.",
		},
		Params: []Param{{"x", "[]float32"}, {"S", "int"}, {"lo", "int"}, {"hi", "int"}, {"lab", lt}, {"pw", "[]float32"},
			{"nc", "int"}, {"ign", "int32"}, {"flags", "uint64"}, {"w", "[]float32"}, {"alpha", "[]float32"}, {"ew", "[]float32"},
			{"eps1", "float32"}, {"epsC", "float32"}, {"wsum", "float32"}, {"gamma", "float32"}, {"gmode", "int"},
			{"scr", "[]float32"}, {"P", "[]float32"}, {"PY", "[]float32"}, {"Count", "[]float32"}, {"PP", "[]float32"},
			{"out", "[]float32"}},
	})
	px := newPixels(u8)
	C, ign, flags, gmode := argInt("nc"), argInt("ign"), argInt("flags"), argInt("gmode")
	pw, pa, pew := argBase("w"), argBase("alpha"), argBase("ew")
	pP, pPY, pCount, pPP := argBase("P"), argBase("PY"), argBase("Count"), argBase("PP")
	pscr := argBase("scr")
	accCE, accW, accFoc, accValid := vget(), vget(), vget(), vget()
	for _, a := range []V{accCE, accW, accFoc, accValid} {
		ZERO(a)
	}
	// The product mode's running product of the pixels' sums, as the
	// double-float prod + plo, prod in [1, 2), times 2^pexp
	// (internal/kernels/generic.go).
	prod, plo, pexp := vget(), vget(), vget()
	KfInto(prod, 1)
	ZERO(plo)
	ZERO(pexp)
	px.loopWeighted(flags, func(tail, weighted bool) {
		valid, labz := px.valid(tail, ign, C)
		one := Kf(1)
		t := vget()
		AND(t, valid, one)
		FADD(accValid, accValid, t) // valid++
		vput(t, one)
		// w_i, 0 outside valid
		wi := noMask
		if weighted {
			wi = px.weights(tail, valid)
		}
		mx := px.maxPass(C, tail)

		// exp(x_c - max), their sum, e_y, x_y - max, sum_c eps/C*w_c*(x_c - max):
		// each term of the smoothing sum scaled before it is added, so that
		// the sum stays within float32 whenever its value does.
		sum, ey, zy, T, cvec := vget(), vget(), vget(), vget(), vget()
		for _, v := range []V{sum, ey, zy, T, cvec} {
			ZERO(v)
		}
		ec := argF32("epsC")
		release := pinScope(expLoopConsts()...)
		px.planes(C, 0, []perClass{f32s(pew), vecs(pscr)}, func(pc R) {
			v := vget()
			load(v, pc, tail, px.n)
			FSUB(v, v, mx)
			e := exp(v, true)
			FADD(sum, sum, e)
			ifBit(flags, bitScratch, func() { VST1(e, curExtra[1]) })
			sel := vget()
			CMEQ4S(sel, cvec, labz)
			BIT(ey, e, sel)
			BIT(zy, v, sel)
			vput(e)
			ifBit(flags, bitSmooth, func() {
				MOVv(sel, ec)
				ifBit(flags, bitWeights, func() { LD1R(sel, curExtra[0]) })
				FMLA(T, sel, v)
			})
			k := K(1)
			ADD4S(cvec, cvec, k)
			vput(k, sel, v)
		})
		release()
		vput(cvec, ec)
		inv := vget()
		one = Kf(1)
		FDIV(inv, one, sum)
		vput(one)

		ifBit(flags, bitRegion, func() {
			release := pinScope(expLoopConsts()...)
			px.planes(C, 0, []perClass{f32s(pP), f32s(pPP), vecs(pscr)}, func(pc R) {
				e := vget()
				recompute, join := newLabel("recompute"), newLabel("havee")
				TBZ(flags, bitScratch, recompute)
				VLD1(e, curExtra[2])
				B(join)
				label(recompute)
				v := vget()
				load(v, pc, tail, px.n)
				FSUB(v, v, mx)
				e2 := exp(v, true)
				MOVv(e, e2)
				vput(v, e2)
				label(join)
				FMUL(e, e, inv)
				AND(e, e, valid)
				if weighted {
					// w_i*p_c, then (w_i*p_c)*p_c
					q := vget()
					FMUL(q, wi, e)
					addLanes(curExtra[0], q)
					ifBit(flags, bitSquared, func() {
						FMUL(q, q, e)
						addLanes(curExtra[1], q)
					})
					vput(q)
				} else {
					addLanes(curExtra[0], e)
					ifBit(flags, bitSquared, func() {
						FMUL(e, e, e)
						addLanes(curExtra[1], e)
					})
				}
				vput(e)
			})
			release()
			// PY[y] += p_y, Count[y]++ (w_i*p_y, w_i), pixel by pixel
			py := vget()
			FMUL(py, ey, inv)
			if weighted {
				FMUL(py, wi, py)
			}
			ry, ra := rget(), rget()
			f1, f2 := vget(), vget()
			lanes(tail, px.n, func(j int) {
				skip := newLabel("inval")
				UMOV(ry, valid, j)
				CBZ(ry, skip)
				UMOV(ry, labz, j)
				ADDlsl(ra, pPY, ry, 2)
				LDRS(f1, ra, 0)
				DUPe(f2, py, j)
				FADDs(f1, f1, f2)
				STRS(f1, ra, 0)
				ADDlsl(ra, pCount, ry, 2)
				LDRS(f1, ra, 0)
				if weighted {
					DUPe(f2, wi, j)
				} else {
					KfInto(f2, 1)
				}
				FADDs(f1, f1, f2)
				STRS(f1, ra, 0)
				label(skip)
			})
			rput(ry, ra)
			vput(py, f1, f2)
		})

		// The product mode, never with weights (a weighted sum of logs is
		// no product's log).
		lossDone := ""
		if !weighted {
			noProd := newLabel("noprod")
			lossDone = newLabel("lossdone")
			jumpUnlessProdMode(flags, noProd)
			prodMode(accCE, accW, prod, plo, pexp, zy, T, sum, valid, flags)
			B(lossDone)
			label(noProd)
		}
		skip := newLabel("noloss")
		TSTi(flags, 1<<bitCE|1<<bitFocal)
		Bcond("EQ", skip)
		lse := log(sum, true)
		nll := vget()
		FSUB(nll, lse, zy) // -log p_y
		ifBit(flags, bitCE, func() {
			wy := vget()
			KfInto(wy, 1)
			ifBit(flags, bitWeights, func() {
				g := gather(pw, labz)
				MOVv(wy, g)
				vput(g)
			})
			l := argF32("eps1")
			FMUL(l, l, wy)
			FMUL(l, l, nll) // (1-eps)*w_y*nll
			ifBit(flags, bitSmooth, func() {
				// eps/C * sum_k w_k*(lse - z_k) = lse*(eps/C*wsum) - sum_k eps/C*w_k*z_k
				ews, ec := argF32("wsum"), argF32("epsC")
				FMUL(ews, ews, ec)
				FMLA(l, lse, ews)
				FSUB(l, l, T)
				vput(ews, ec)
			})
			if weighted {
				FMUL(l, wi, l)   // w_i*l
				FMUL(wy, wi, wy) // w_i*w_y
			}
			accAdd(accCE, l, valid)
			accAdd(accW, wy, valid)
			vput(l, wy)
		})
		ifBit(flags, bitFocal, func() {
			pt1 := vget()
			KfInto(pt1, 1)
			FMLS(pt1, ey, inv) // 1 - p_y
			g := argF32("gamma")
			f := pow(pt1, g, gmode)
			vput(g, pt1)
			FMUL(f, f, nll)
			ifBit(flags, bitAlpha, func() {
				a := gather(pa, labz)
				FMUL(f, f, a)
				vput(a)
			})
			if weighted {
				FMUL(f, wi, f)
			}
			accAdd(accFoc, f, valid)
			vput(f)
		})
		vput(lse, nll)
		label(skip)
		if !weighted {
			label(lossDone)
		}
		vput(valid, labz, mx, sum, ey, zy, T, inv)
		if weighted {
			vput(wi)
		}
	})
	{
		skip := newLabel("noprodend")
		jumpUnlessProdMode(flags, skip)
		y := log(prod, true)
		q := vget()
		FDIV(q, plo, prod) // plo/prod < 2^-13: log1p of it is itself in float32
		FADD(y, y, q)
		vput(q)
		k := Kf(vmath.Ln2Lo)
		FMLA(y, pexp, k)
		vput(k)
		k = Kf(vmath.Ln2Hi)
		FMLA(y, pexp, k)
		vput(k)
		FADD(accCE, accCE, y)
		vput(y)
		label(skip)
	}
	vput(prod, plo, pexp)
	po := argBase("out")
	for i, a := range []V{accCE, accW, accFoc, accValid} {
		s := hsum(a)
		STRS(s, po, 4*i)
		vput(s, a)
	}
	end()
}

// prodMode emits the product mode's work for one vector of pixels:
// -(1-eps)*z_y - sum_k eps/C*z_k and 1 added to the CE and W accumulators
// at the valid lanes, the running product prod + plo (times 2^pexp)
// multiplied by the sums (internal/kernels/generic.go softmaxStatsCore).
func prodMode(accCE, accW, prod, plo, pexp, zy, T, sum, valid V, flags R) {
	// -(1-eps)*z_y - sum_k eps/C*z_k per valid pixel; prod *= sum.
	l, e1 := vget(), argF32("eps1")
	FNEG(e1, e1)
	FMUL(l, zy, e1)
	vput(e1)
	ifBit(flags, bitSmooth, func() { FSUB(l, l, T) })
	accAdd(accCE, l, valid)
	one := Kf(1)
	accAdd(accW, one, valid)
	MOVv(l, one)
	vput(one)
	BIT(l, sum, valid) // s = valid ? sum : 1
	hi, er := vget(), vget()
	FMUL(hi, prod, l)
	FNEG(er, hi)
	FMLA(er, prod, l) // prod*s - hi, exact
	FMLA(er, plo, l)  // + plo*s
	kk, f := vget(), vget()
	k := K(127)
	USHR4S(kk, hi, 23)
	SUB4S(kk, kk, k)
	SCVTF(f, kk)
	FADD(pexp, pexp, f)
	SUB4S(f, k, kk) // 127 - k
	vput(k)
	SHL4S(f, f, 23)  // 2^-k
	FMUL(plo, er, f) // exact
	k = K(0x807fffff)
	AND(f, hi, k)
	vput(k)
	k = K(127 << 23)
	ORR(f, f, k)
	vput(k)
	nn := vget()
	FCMEQ(nn, hi, hi) // not NaN: a NaN stays
	MOVv(prod, hi)
	BIT(prod, f, nn)
	vput(l, nn, hi, er, kk, f)
}

// jumpUnlessProdMode jumps to l unless flags ask for the cross entropy
// without class weights, without the focal term and without per-pixel
// weights (the product mode of internal/kernels/generic.go
// softmaxStatsCore).
func jumpUnlessProdMode(flags R, l string) {
	TBZ(flags, bitCE, l)
	TSTi(flags, 1<<bitFocal|1<<bitWeights|1<<bitPixW)
	Bcond("NE", l)
}

// addLanes adds the sum of v's lanes to the float32 at p.
func addLanes(p R, v V) {
	s := hsum(v)
	t := vget()
	LDRS(t, p, 0)
	FADDs(t, t, s)
	STRS(t, p, 0)
	vput(s, t)
}

func softmaxGrad(u8 bool) {
	suf, lt := labType(u8)
	begin(&Func{
		Name: "SoftmaxGrad" + suf + "NEON",
		Doc: []string{
			fmt.Sprintf("SoftmaxGrad%sNEON writes kernels.softmaxGradGeneric's gradient of pixels [lo, hi) (hi-lo <=", suf),
			"kernels.BlockSize) into dst (nc planes of S pixels, like x). Pixels labelled ign (-1: none) or outside [0, nc) get 0.",
			"flags: 1 (CE: tau = tauK*w_y, s = tau + sK), 2 (focal), 4 (region terms A, B, E), 256 (alpha), 512",
			"(CE weights w), 1024 (smoothing: kappa*w_k), 4096 (pw[lo:hi] holds the pixels' weights, indexed like lab,",
			"a skipped pixel's loaded, never used: pixel i's gradient times w_i); gmode and g1mode classify gamma",
			"and gamma-1 as for SigmoidGrad.",
		},
		Params: []Param{{"x", "[]float32"}, {"S", "int"}, {"lo", "int"}, {"hi", "int"}, {"lab", lt}, {"pw", "[]float32"},
			{"nc", "int"}, {"ign", "int32"}, {"flags", "uint64"}, {"w", "[]float32"}, {"alpha", "[]float32"},
			{"A", "[]float32"}, {"B", "[]float32"}, {"E", "[]float32"},
			{"tauK", "float32"}, {"sK", "float32"}, {"kappa", "float32"}, {"focalScale", "float32"}, {"gamma", "float32"},
			{"gmode", "int"}, {"g1mode", "int"}, {"dst", "[]float32"}},
	})
	px := newPixels(u8)
	C, ign, flags := argInt("nc"), argInt("ign"), argInt("flags")
	pw, pa := argBase("w"), argBase("alpha")
	pA, pB, pE := argBase("A"), argBase("B"), argBase("E")
	// dst at the same pixel as x: the offset between the two is constant.
	pd := argBase("dst")
	x0 := argBase("x")
	SUB(pd, pd, x0)
	rput(x0)
	px.loopWeighted(flags, func(tail, weighted bool) {
		valid, labz := px.valid(tail, ign, C)
		mx := px.maxPass(C, tail)
		dp := rget()

		// e_c = exp(x_c - max) into dst, their sum, e_y, x_y - max and
		// the region dot products sum e_c*B_c, sum e_c^2*E_c.
		sum, ey, zy, cvec, dotB, dotE := vget(), vget(), vget(), vget(), vget(), vget()
		for _, v := range []V{sum, ey, zy, cvec, dotB, dotE} {
			ZERO(v)
		}
		release := pinScope(expLoopConsts()...)
		px.planes(C, 0, []perClass{f32s(pB), f32s(pE)}, func(pc R) {
			v := vget()
			load(v, pc, tail, px.n)
			FSUB(v, v, mx)
			e := exp(v, true)
			FADD(sum, sum, e)
			ADD(dp, pc, pd)
			store(e, dp, tail, px.n)
			sel := vget()
			CMEQ4S(sel, cvec, labz)
			BIT(ey, e, sel)
			BIT(zy, v, sel)
			ifBit(flags, bitRegion, func() {
				LD1R(sel, curExtra[0])
				FMLA(dotB, e, sel)
				LD1R(sel, curExtra[1])
				FMUL(v, e, e)
				FMLA(dotE, v, sel)
			})
			k := K(1)
			ADD4S(cvec, cvec, k)
			vput(k, sel, v, e)
		})
		release()
		inv := vget()
		one := Kf(1)
		FDIV(inv, one, sum)
		vput(one)
		py := vget()
		FMUL(py, ey, inv) // p_y
		vput(ey)

		// dot = sum_k p_k*g_k = dotB/sum + dotE/sum^2 + p_y*A_y
		dot := vget()
		ZERO(dot)
		ifBit(flags, bitRegion, func() {
			FMUL(dot, dotB, inv)
			FMUL(dotE, dotE, inv)
			FMLA(dot, dotE, inv)
			a := gather(pA, labz)
			FMLA(dot, py, a)
			vput(a)
		})
		vput(dotB, dotE)

		// per-pixel coefficients: dx_c = p_c*(g_c - dot + s) - tau*[c=y] - kappa*w_c
		s, tau := vget(), vget()
		ZERO(s)
		ZERO(tau)
		ifBit(flags, bitCE, func() {
			wy := vget()
			KfInto(wy, 1)
			ifBit(flags, bitWeights, func() {
				g := gather(pw, labz)
				MOVv(wy, g)
				vput(g)
			})
			// tau = tauK*w_y; s = tau + sK with tauK*w_y not rounded, as Go
			// compiles softmaxGradGeneric on arm64 (the difference shows
			// where s - kappa*w_c - tau cancels, C = 1)
			k := argF32("tauK")
			FMUL(tau, k, wy)
			t := argF32("sK")
			FMLA(t, k, wy)
			MOVv(s, t)
			vput(k, wy, t)
		})
		ifBit(flags, bitFocal, func() {
			pt1 := vget()
			one := Kf(1)
			FSUB(pt1, one, py)
			vput(one)
			g := argF32("gamma")
			gm, g1m := argInt("gmode"), argInt("g1mode")
			f := pow(pt1, g, gm)
			FNEG(f, f) // -(1-p_t)^gamma
			noSecond := newLabel("gamma0")
			CBZ(gm, noSecond)
			{
				// + gamma*(1-p_t)^(gamma-1)*p_t*log(p_t) where 1-p_t > 0
				lse := log(sum, true)
				FSUB(lse, zy, lse) // log p_t
				gm1 := vget()
				one := Kf(1)
				FSUB(gm1, g, one)
				vput(one)
				pw1 := pow(pt1, gm1, g1m)
				vput(gm1)
				FMUL(pw1, g, pw1)
				FMUL(pw1, pw1, py)
				FMUL(pw1, pw1, lse)
				FCMGTz(lse, pt1)
				AND(pw1, pw1, lse)
				FADD(f, f, pw1)
				vput(pw1, lse)
			}
			label(noSecond)
			rput(gm, g1m)
			vput(g, pt1)
			ifBit(flags, bitAlpha, func() {
				a := gather(pa, labz)
				FMUL(f, f, a)
				vput(a)
			})
			k := argF32("focalScale")
			FMLS(s, f, k) // s -= f*focalScale, rounded once (as Go on arm64)
			FMLS(tau, f, k)
			vput(k, f)
		})
		vput(sum, zy)

		// the gradient, class by class, from e_c in dst
		ay := vget()
		ZERO(ay)
		ifBit(flags, bitRegion, func() {
			g := gather(pA, labz)
			MOVv(ay, g)
			vput(g)
		})
		// w_i (skipped lanes: whatever pw holds there, masked below)
		wi := noMask
		if weighted {
			wi = px.weights(tail, noMask)
		}
		ZERO(cvec)
		px.planes(C, 0, []perClass{f32s(pB), f32s(pE), f32s(pw)}, func(pc R) {
			ADD(dp, pc, pd)
			p := vget()
			load(p, dp, tail, px.n)
			FMUL(p, p, inv) // p_c
			gk := vget()
			ZERO(gk)
			sel := vget()
			CMEQ4S(sel, cvec, labz)
			ifBit(flags, bitRegion, func() {
				t := vget()
				LD1R(gk, curExtra[0]) // B_c
				LD1R(t, curExtra[1])  // E_c
				FMLA(gk, t, p)
				AND(t, ay, sel)
				FADD(gk, gk, t) // + A_y where c = y
				vput(t)
			})
			FSUB(gk, gk, dot)
			FADD(gk, gk, s)
			FMUL(p, p, gk)
			ifBit(flags, bitSmooth, func() {
				t := argF32("kappa")
				KfInto(gk, 1)
				ifBit(flags, bitWeights, func() { LD1R(gk, curExtra[2]) })
				FMLS(p, t, gk) // - kappa*w_c, rounded once (as Go compiles v -= kappa*wk on arm64)
				vput(t)
			})
			AND(gk, tau, sel)
			FSUB(p, p, gk) // - tau where c = y
			if weighted {
				FMUL(p, p, wi) // times w_i
			}
			AND(p, p, valid)
			store(p, dp, tail, px.n)
			k := K(1)
			ADD4S(cvec, cvec, k)
			vput(k, p, gk, sel)
		})
		rput(dp)
		vput(valid, labz, mx, inv, py, dot, s, tau, ay, cvec)
		if weighted {
			vput(wi)
		}
	})
	end()
}
