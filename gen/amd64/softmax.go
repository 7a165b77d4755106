package main

import (
	"fmt"

	"github.com/segloss/segloss/internal/vmath"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// prefetchDist is how far ahead (bytes) the softmax kernels prefetch each
// class plane: the planes are C separate streams, and the work per vector
// of pixels is long enough that the hardware prefetchers fall behind.
var prefetchDist = 1024

// The per-class table of the softmax kernels: 8 floats per class.
const (
	tabStride = 32
	tabW      = 0 // CE weight
	tabAlpha  = 1 // focal alpha
	tabKappa  = 2 // CEScale*eps/C*w_k
	tabA      = 3
	tabB      = 4
	tabE      = 5
	tabEpsW   = 6 // eps/C*w_k (statistics, label smoothing with CE weights)
)

// Extra flag bits of the softmax kernels.
const (
	flagWeights = 512  // tab holds CE class weights (else every weight is 1)
	flagSmooth  = 1024 // label smoothing is on
	flagNT      = 2048 // gradient: full vectors stored non-temporally (dst aligned; AVX-512 only)
	flagPixW    = 4096 // pw holds per-pixel weights (internal/kernels/generic.go: PixelWeight)
	// flagProbs: a statistics kernel with region terms also stores every
	// pixel's p_c into dst (0 where ignored); a gradient kernel reads
	// them from x in place of the logits (SoftmaxParams.Probs,
	// SoftmaxCoef.FromProbs).
	flagProbs = 16384
)

// streamWeighted emits the kernel's loop twice, selected once per call by
// flagPixW: body(false) over ps, and body(true) over ps and the per-pixel
// weights pw (advanced by 4 bytes a pixel), so that the unweighted loop
// costs nothing more than it did without weights.
func (t *Tier) streamWeighted(n GPVirtual, flags Mem, ps []ptr, pw GPVirtual, body func(weighted bool) func(tail *Mask, rem GPVirtual)) {
	flagBranches(flags, flagPixW, "pixw", "pixwd", func(weighted bool) {
		if weighted {
			t.stream(n, append(ps[:len(ps):len(ps)], ptr{pw, 4}), body(true))
		} else {
			t.stream(n, ps, body(false))
		}
	})
}

// flagBranches emits body twice, selected by the bit f of flags:
// body(false), then body(true) at a new label named after on (one named
// after done after both).
func flagBranches(flags Mem, f uint32, on, done string, body func(set bool)) {
	l, d := newLabel(on), newLabel(done)
	TESTQ(U32(f), flags)
	JNZ(LabelRef(l))
	body(false)
	JMP(LabelRef(d))
	Label(l)
	body(true)
	Label(d)
}

// streamProbs emits body twice, selected once per call by flagProbs:
// body(false), the kernel on logits, and body(true), the gradient kernel on
// the probabilities of its statistics pass.
func streamProbs(flags Mem, body func(probs bool)) {
	flagBranches(flags, flagProbs, "probs", "probsd", body)
}

// loadProbs loads the probabilities p_c of one vector of pixels from the C
// planes at a.x (a gradient kernel's x under flagProbs) into the scratch's
// e slots, where maxAndExp leaves the e_c, and returns 1 as their sum's
// reciprocal: p_c*1 is p_c, so every later operation is the one the
// kernel applies to e_c*(1/sum), bit for bit.
func (t *Tier) loadProbs(a softmaxArgs, st pixelState) Op {
	px, pe := GP64(), GP64()
	MOVQ(a.x, px)
	MOVQ(a.scr, pe)
	t.classLoop(a.C, []classPtr{{px, a.stride}, {pe, U32(t.W())}}, false, func(VecVirtual) {
		v := t.V()
		t.loadX(Mem{Base: px}, v, st)
		VMOVUPS(v, Mem{Base: pe})
	})
	return t.F(1)
}

// loadPixW loads the weights of one vector of pixels, 0 outside valid.
func (t *Tier) loadPixW(pw GPVirtual, st pixelState) Op {
	w := t.V()
	t.loadX(Mem{Base: pw}, w, st)
	t.keepWhere(st.valid, w)
	return t.keep(w)
}

// softmaxFamily: the statistics and gradient passes of the softmax losses
// over one block of pixels of one image (C planes S apart), for uint8 and
// int32 labels.
func softmaxFamily(t *Tier) {
	for _, u8 := range []bool{true, false} {
		softmaxStats(t, u8)
		softmaxGrad(t, u8)
	}
	softmaxSmallFamily(t)
}

func labelName(u8 bool) (string, string, int) {
	if u8 {
		return "U8", "uint8", 1
	}
	return "I32", "int32", 4
}

// pixelState is what a softmax kernel knows of one vector of pixels.
type pixelState struct {
	y     VecVirtual // labels; -1 in ignored and tail lanes
	valid *Mask      // lanes that are pixels and not ignored
	tail  *Mask      // the tail vector's lanes; nil on full vectors
}

// loadX loads a vector of logits of the pixels of st, masked by valid. On
// AVX2 a full vector is loaded unmasked (VMASKMOVPS is slow on AMD; every lane
// is in the slice, and ignored lanes are computed and masked out of every
// result). AVX-512 zero-masking loads cost nothing, and measured faster on
// the streaming benchmarks than unmasked ones.
func (t *Tier) loadX(m Mem, d Register, st pixelState) {
	if st.tail == nil && !t.avx512 {
		VMOVUPS(m, d)
		return
	}
	t.load(m, d, st.valid)
}

// loadPixels loads the labels of one vector of pixels and their validity:
// a pixel is valid when its label is not ign and is in [0, C), unsigned
// (internal/kernels/generic.go skipLabel; C, an int argument, is at most 2^31-1,
// so its low 32 bits are C).
func (t *Tier) loadPixels(lab GPVirtual, u8 bool, ign, C Mem, tail *Mask, rem GPVirtual) pixelState {
	ig, cb := t.labelBounds(ign, C)
	return t.loadPixelsWith(lab, u8, ig, cb, tail, rem)
}

// labelBounds broadcasts the ignore label ign and the class count C (its
// low 32 bits) into two new registers, loadPixelsWith's ig and cb.
func (t *Tier) labelBounds(ign, C Mem) (ig, cb VecVirtual) {
	ig = t.V()
	VBROADCASTSS(ign, ig) // the 32 bits of ign (go vet sizes VPBROADCASTD as 16 bytes)
	cx := XMM()
	cb = t.V()
	VMOVQ(C, cx)
	VPBROADCASTD(cx, cb) // the low 32 bits of C
	return ig, cb
}

// loadPixelsWith is loadPixels with the ignore label and C already
// broadcast into ig and cb (registers or memory, left as they are).
func (t *Tier) loadPixelsWith(lab GPVirtual, u8 bool, ig, cb Op, tail *Mask, rem GPVirtual) pixelState {
	y := t.V()
	t.loadLabels(Mem{Base: lab}, u8, y, tail, rem)
	st := pixelState{y: y, valid: t.newMask(), tail: tail}
	if t.avx512 {
		if tail != nil {
			VPCMPD(U8(4), ig, y, tail.k, st.valid.k)
		} else {
			VPCMPD(U8(4), ig, y, st.valid.k)
		}
		VPCMPUD(U8(1), cb, y, st.valid.k, st.valid.k) // y < C, unsigned
		m1 := t.V()
		VMOVDQU32(t.I(0xffffffff), m1)
		VPBLENDMD(y, m1, st.valid.k, y)
		return st
	}
	isIg := t.V()
	VPCMPEQD(ig, y, isIg) // ignored
	if tail != nil {
		VPANDN(tail.v, isIg, st.valid.v)
	} else {
		VPXOR(t.I(0xffffffff), isIg, st.valid.v)
	}
	big := t.V()
	VPMAXUD(cb, y, big)                 // max(y, C), unsigned
	VPCMPEQD(y, big, big)               // y >= C
	VPANDN(st.valid.v, big, st.valid.v) // and not out of range
	inv := t.V()
	VPXOR(t.I(0xffffffff), st.valid.v, inv)
	VPOR(inv, y, y)
	return st
}

// classLoop emits a loop over the C classes: body gets the class as an
// int32 vector (cv) and the pointers, which advance by their strides.
type classPtr struct {
	r      GPVirtual
	stride Op // register or immediate
}

func (t *Tier) classLoop(C Op, ps []classPtr, withCV bool, body func(cv VecVirtual)) {
	var cv VecVirtual
	if withCV {
		cv = t.V()
		VXORPS(cv, cv, cv)
	}
	c := GP64()
	XORQ(c, c)
	loop := newLabel("class")
	Label(loop)
	body(cv)
	for _, p := range ps {
		ADDQ(p.stride, p.r)
	}
	if withCV {
		VPADDD(t.I(1), cv, cv)
	}
	INCQ(c)
	CMPQ(c, C)
	JB(LabelRef(loop))
}

// softmaxArgs are the registers every softmax kernel sets up.
type softmaxArgs struct {
	x, lab, n, stride GPVirtual
	C, flags          Mem       // arguments, read from the frame (GP registers are few)
	scr               GPVirtual // 64-byte aligned scratch (the caller aligns it)
	tab               GPVirtual // per class: w, alpha, kappa, A, B, E, -, - (32 bytes)
}

// pixWSetup loads the per-pixel weights' pointer, advanced to pixel lo.
func (t *Tier) pixWSetup() GPVirtual {
	pw := Load(Param("pw").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64())
	LEAQ(Mem{Base: pw, Index: lo, Scale: 4}, pw)
	return pw
}

// dstSetup loads the pointer of the output planes dst, advanced to pixel
// lo.
func (t *Tier) dstSetup() GPVirtual {
	pd := Load(Param("dst").Base(), GP64()).(GPVirtual)
	lo := Load(Param("lo"), GP64())
	LEAQ(Mem{Base: pd, Index: lo, Scale: 4}, pd)
	return pd
}

func (t *Tier) softmaxSetup(elem int) softmaxArgs {
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
	a.flags = arg("flags")
	a.scr = Load(Param("scr").Base(), GP64()).(GPVirtual)
	a.tab = Load(Param("tab").Base(), GP64()).(GPVirtual)
	return a
}

// maxAndExp computes, for one vector of pixels, mx = max_c x_c, e_c =
// exp(x_c - mx) (stored to the scratch at e[c*W] when store) and sum =
// sum_c e_c; with zy, the x_y - mx of each pixel's label. Lanes outside
// valid hold garbage on AVX2 full vectors (x reads as 0 there otherwise).
//
// storeIf, when not 0, stores the e_c only when flags has one of its bits
// (without them the slots are left holding the x_c, see below).
func (t *Tier) maxAndExp(a softmaxArgs, st pixelState, store bool, storeIf uint32, wantZy bool) (sum VecVirtual, MX Op, zy Op) {
	// The max loop leaves each x_c in the scratch's e slot c, where the exp
	// loop reads it back instead of the plane: the C planes' lines of one
	// vector of pixels are S*4 bytes apart, all in one L1 set when S*4 is a
	// multiple of 4 KiB, more lines than the set's ways at C = 14 with the
	// gradient's. Measured: 3% at C = 14 (Intel, family 6 model 207), so
	// the conflict is a small part of what bounds those kernels.
	mx := t.V()
	t.loadX(Mem{Base: a.x}, mx, st)
	PREFETCHT0(Mem{Base: a.x, Disp: prefetchDist})
	VMOVUPS(mx, Mem{Base: a.scr})
	if true {
		px, ps := GP64(), GP64()
		MOVQ(a.x, px)
		MOVQ(a.scr, ps)
		C1 := GP64()
		MOVQ(a.C, C1)
		DECQ(C1)
		skip := newLabel("c1")
		JZ(LabelRef(skip))
		loop := newLabel("max")
		Label(loop)
		ADDQ(a.stride, px)
		ADDQ(U32(t.W()), ps)
		v := t.V()
		t.loadX(Mem{Base: px}, v, st)
		PREFETCHT0(Mem{Base: px, Disp: prefetchDist})
		VMOVUPS(v, Mem{Base: ps})
		VMAXPS(v, mx, mx)
		DECQ(C1)
		JNZ(LabelRef(loop))
		Label(skip)
	}
	MX = t.keep(mx)
	sum = t.V()
	VXORPS(sum, sum, sum)
	var zyr VecVirtual
	if wantZy {
		zyr = t.V()
		VXORPS(zyr, zyr, zyr)
	}
	pe := GP64()
	MOVQ(a.scr, pe)
	t.classLoop(a.C, []classPtr{{pe, U32(t.W())}}, wantZy, func(cv VecVirtual) {
		z := t.V()
		VMOVUPS(Mem{Base: pe}, z) // x_c, as the max loop loaded it
		VSUBPS(MX, z, z)
		e := t.exp(z, expOpts{nonPositive: true})
		VADDPS(e, sum, sum)
		switch {
		case store && storeIf != 0:
			ifFlag(a.flags, storeIf, func() { VMOVUPS(e, Mem{Base: pe}) })
		case store:
			VMOVUPS(e, Mem{Base: pe})
		}
		if wantZy {
			eq := t.eqD(st.y, cv)
			t.setWhere(eq, z, zyr)
		}
	})
	if wantZy {
		zy = t.keep(zyr)
	}
	return sum, MX, zy
}

// selectByLabel sets d to tab[y] (float32 table at tab) in every valid lane.
func (t *Tier) selectByLabel(a softmaxArgs, st pixelState, field int, d VecVirtual) {
	p := GP64()
	MOVQ(a.tab, p)
	t.classLoop(a.C, []classPtr{{p, U32(tabStride)}}, true, func(cv VecVirtual) {
		eq := t.eqD(st.y, cv)
		if t.avx512 {
			VBROADCASTSS(Mem{Base: p, Disp: 4 * field}, eq.k, d)
		} else {
			w := t.V()
			VBROADCASTSS(Mem{Base: p, Disp: 4 * field}, w)
			VBLENDVPS(eq.v, w, d, d)
		}
	})
}

func softmaxStats(t *Tier, u8 bool) {
	ln, lt, elem := labelName(u8)
	name := "SoftmaxStats" + ln + t.Name
	t.text(name, fmt.Sprintf("func(x []float32, S, lo, hi int, lab []%s, pw []float32, C int, ign int32, flags uint64, tab, scr []float32, eps1, epsC, wsum, gamma float32, gmode int, out, dst []float32)", lt))
	t.doc(fmt.Sprintf("%s computes kernels.softmaxStatsGeneric over pixels [lo, hi) (at most kernels.BlockSize) of one", name),
		"image into out = P[C], PY[C], Count[C], PP[C], CE, W, Focal, Valid. ign is the ignore label (-1: none);",
		"pixels labelled ign or outside [0, C) are skipped (their gradient is 0).",
		"tab holds 8 floats per class: the CE weight (used when flags&512), the focal alpha (flags&256) and, 6th,",
		"eps/C times the CE weight (flags&512 and 1024); scr is 64-byte aligned, at least 5*16*C floats;",
		"eps1 = 1-eps, epsC = eps/C, wsum = the sum of the CE weights. flags&4096: pw holds the pixels'",
		"weights (from lo; indexed like lab), which need flags&512 (the CE weights, 1 for none) with a CE term.",
		"flags&16384 with flags&4: every pixel's p_c is also stored into dst (C planes S apart, like x; 0 for",
		"skipped pixels), non-temporally with flags&2048 (dst+lo and S*4 64-byte aligned; the caller fences).")
	a := t.softmaxSetup(elem)
	ppw := t.pixWSetup()
	pd := t.dstSetup()
	// per-class accumulators after the e vectors: class c at scr + C*W + c*4*W
	accs := t.classAccs(a, 1, 4)
	sc := t.newAccs(4) // CE, W, Focal, Valid
	for _, s := range sc {
		s.zero()
	}
	pr := t.newProdAccs()
	sCE, sW, sFoc, sValid := sc[0], sc[1], sc[2], sc[3]
	t.streamWeighted(a.n, a.flags, []ptr{{a.x, 4}, {a.lab, elem}, {pd, 4}}, ppw, func(weighted bool) func(tail *Mask, rem GPVirtual) {
		return func(tail *Mask, rem GPVirtual) {
			st := t.loadPixels(a.lab, u8, arg("ign"), a.C, tail, rem)
			var W Op
			if weighted {
				W = t.loadPixW(ppw, st)
			}
			one := t.V()
			VMOVUPS(t.F(1), one)
			t.keepWhere(st.valid, one)
			sValid.add(one, nil)
			sum, mx, zy := t.maxAndExp(a, st, true, flagRegion, true)
			SUM := t.keep(sum)
			ifFlag(a.flags, flagRegion, func() {
				// 1/sum only where it is used (the CE sums take the log of
				// the sums' product and need no VDIVPS)
				INV := t.keep(t.invSum(SUM))
				pe, pa, po := GP64(), GP64(), GP64()
				MOVQ(a.scr, pe)
				MOVQ(accs, pa)
				MOVQ(pd, po)
				t.classLoop(a.C, []classPtr{{pe, U32(t.W())}, {pa, U32(4 * t.W())}, {po, a.stride}}, true, func(cv VecVirtual) {
					p := t.V()
					VMULPS(Mem{Base: pe}, t.ld(INV), p)
					t.keepWhere(st.valid, p)
					ifFlag(a.flags, flagProbs, func() { t.storeGrad(p, Mem{Base: po}, a.flags, tail) })
					// weighted: w*p in place of p as the first factor of every
					// sum, w in place of 1 in the count
					wp := Register(p)
					if weighted {
						wp = t.V()
						VMULPS(W, p, wp)
					}
					s := t.V()
					VADDPS(Mem{Base: pa}, wp, s)
					VMOVUPS(s, Mem{Base: pa})
					ifFlag(a.flags, flagSquared, func() {
						pp := t.V()
						VMULPS(p, wp, pp)
						VADDPS(Mem{Base: pa, Disp: 3 * t.W()}, pp, pp)
						VMOVUPS(pp, Mem{Base: pa, Disp: 3 * t.W()})
					})
					eq := t.eqD(st.y, cv)
					py, cnt := t.V(), t.V()
					VMOVUPS(Mem{Base: pa, Disp: t.W()}, py)
					t.addWhere(eq, wp, py)
					VMOVUPS(py, Mem{Base: pa, Disp: t.W()})
					VMOVUPS(Mem{Base: pa, Disp: 2 * t.W()}, cnt)
					switch {
					case weighted:
						t.addWhere(eq, t.ld(W), cnt)
					case t.avx512:
						VADDPS(t.F(1), cnt, eq.k, cnt)
					default:
						o := t.V()
						VANDPS(t.F(1), eq.v, o)
						VADDPS(o, cnt, cnt)
					}
					VMOVUPS(cnt, Mem{Base: pa, Disp: 2 * t.W()})
				})
			})
			t.pixelwiseSums(a, a.flags, st, SUM, nil, mx, zy, W, sCE, sW, sFoc, pr)
		}
	})
	// Reduce: per class (with region terms; else the class sums are 0),
	// then the per-image sums.
	out := Load(Param("out").Base(), GP64()).(GPVirtual)
	flagBranches(a.flags, flagRegion, "cred", "credd", func(region bool) {
		if region {
			t.reduceClassAccs(a.C, accs, out, 4)
			return
		}
		n, loop := GP64(), newLabel("czero")
		MOVQ(a.C, n)
		SHLQ(U8(2), n) // 4 arrays of C
		Label(loop)
		MOVL(U32(0), Mem{Base: out})
		ADDQ(U8(4), out)
		DECQ(n)
		JNZ(LabelRef(loop))
	})
	t.ceProductEnd(a.flags, sCE, pr)
	t.storeSums(a.flags, sc, out, 0, true)
	end()
}

// sumZ returns sum_k eps/C*w_k*z_k, z_k = x_k - mx recomputed from the
// logits (w_k = 1 unless flags has flagWeights; eps/C*w_k from the table),
// for the label smoothing term: each term is scaled (one FMA) before it is
// added, so that the sum stays within float32 whenever its value does (one
// logit at 3e38 among C = 4: the unscaled sum was 3 * -3e38 = -Inf).
func (t *Tier) sumZ(a softmaxArgs, flags Mem, st pixelState, mx Op) VecVirtual {
	swz := t.V()
	VXORPS(swz, swz, swz)
	loop := func(weighted bool) {
		px, pw := GP64(), GP64()
		MOVQ(a.x, px)
		MOVQ(a.tab, pw)
		var ec VecVirtual
		if !weighted {
			ec = t.bcast(arg("epsC"))
		}
		t.classLoop(a.C, []classPtr{{px, a.stride}, {pw, U32(tabStride)}}, false, func(VecVirtual) {
			z := t.V()
			t.loadX(Mem{Base: px}, z, st)
			VSUBPS(mx, z, z)
			k := ec
			if weighted {
				k = t.V()
				VBROADCASTSS(Mem{Base: pw, Disp: 4 * tabEpsW}, k)
			}
			VFMADD231PS(k, z, swz)
		})
	}
	flagBranches(flags, flagWeights, "swzw", "swzd", loop)
	return swz
}

// jumpProdMode jumps to l when flags ask for the cross entropy without
// class weights and without the focal term: the product mode of
// internal/kernels/generic.go softmaxStatsGeneric, where every pixel's -log p_y
// is log(sum) - z_y and the log(sum) of a block are summed as the log of
// their product.
func jumpProdMode(flags Mem, l string) {
	cmpProdMode(flags)
	JEQ(LabelRef(l))
}

// cmpProdMode sets the condition flags: equal in the product mode.
func cmpProdMode(flags Mem) {
	r := GP64()
	MOVQ(flags, r)
	ANDQ(U32(flagCE|flagFocal|flagWeights), r)
	CMPQ(r, U32(flagCE))
}

// prodAccs are the product mode's accumulators: the running product of
// the pixels' sums as the double-float m + lo (lo carries the rounding
// errors of the multiplies, so that a product near 1, the log of a nearly
// perfect prediction, keeps its relative accuracy) times 2^e, m in [1, 2).
type prodAccs struct{ m, lo, e *acc }

func (t *Tier) newProdAccs() *prodAccs {
	as := t.newAccs(3)
	as[0].set(t.F(1))
	as[1].zero()
	as[2].zero()
	return &prodAccs{as[0], as[1], as[2]}
}

// ceProduct is the product mode of pixelwiseSums (internal/kernels/generic.go
// softmaxStatsGeneric, operation for operation): sCE gets -(1-eps)*z_y -
// sum_k eps/C*z_k, sW 1, per valid pixel, and the product pr is multiplied
// by the pixel's sum; ceProductEnd adds its log to sCE.
func (t *Tier) ceProduct(a softmaxArgs, flags Mem, st pixelState, SUM, mx, zy Op, sCE, sW *acc, pr *prodAccs) {
	l := t.bcast(arg("eps1"))
	VXORPS(t.I(0x80000000), l, l)
	VMULPS(zy, l, l) // -(1-eps)*z_y
	L := t.keep(l)
	ifFlag(flags, flagSmooth, func() {
		swz := t.sumZ(a, flags, st, mx) // no class weights in the product mode
		l2 := t.ld(L)
		VSUBPS(swz, l2, l2) // - sum_k eps/C*z_k
		if !t.avx512 {
			VMOVUPS(l2, L)
		}
	})
	lf := t.ld(L)
	t.keepWhere(st.valid, lf)
	sCE.add(lf, nil)
	// sW would get 1 per valid pixel, the Valid count's own additions:
	// storeSums stores that count as W (the same bits)
	// (m + lo) *= s, s = sum on valid pixels, 1 elsewhere: hi = m*s,
	// lo = lo*s + (m*s - hi) exactly rounded, then hi split into its
	// mantissa (the new m) and exponent k, lo scaled by 2^-k.
	s := t.V()
	VMOVUPS(t.F(1), s)
	t.setWhere(st.valid, SUM, s)
	var m, lo Register
	if t.avx512 {
		m, lo = pr.m.r, pr.lo.r
	} else {
		m, lo = t.V(), t.V()
		VMOVUPS(pr.m.m, m)
		VMOVUPS(pr.lo.m, lo)
	}
	hi := t.V()
	VMULPS(s, m, hi)
	err := t.V()
	VMOVAPS(hi, err)
	VFMSUB231PS(s, m, err)  // m*s - hi
	VFMADD231PS(s, lo, err) // lo*s + (m*s - hi)
	if t.avx512 {
		k := t.V()
		VGETEXPPS(hi, k)
		VADDPS(k, pr.e.r, pr.e.r)
		VGETMANTPS(U8(0), hi, m)
		VXORPS(t.I(0x80000000), k, k)
		VSCALEFPS(k, err, lo)
		return
	}
	k := t.V()
	VPSRLD(U8(23), hi, k)
	VPSUBD(t.I(127), k, k)
	kf := t.V()
	VCVTDQ2PS(k, kf)
	pr.e.add(kf, nil)
	VANDPS(t.I(0x807fffff), hi, m)
	VORPS(t.I(127<<23), m, m)
	nan := t.cmp(cmpUNORD, hi, hi)
	t.setWhere(nan, hi, m) // a NaN stays
	VMOVUPS(m, pr.m.m)
	sc := t.V()
	VMOVUPS(t.I(127), sc)
	VPSUBD(k, sc, sc)
	VPSLLD(U8(23), sc, sc) // 2^-k
	VMULPS(sc, err, err)
	VMOVUPS(err, pr.lo.m)
}

// storeSums stores the CE, W, Focal and Valid sums of sc into out at disp
// (4 floats). With prod (the kernel has the product mode), W is Valid's
// sum in that mode, where ceProduct leaves sW alone.
func (t *Tier) storeSums(flags Mem, sc []*acc, out GPVirtual, disp int, prod bool) {
	for i, s := range sc {
		if i == 1 && prod {
			np, done := newLabel("wsum"), newLabel("wsumd")
			cmpProdMode(flags)
			JNE(LabelRef(np))
			VMOVSS(sc[3].sum(), Mem{Base: out, Disp: disp + 4*i})
			JMP(LabelRef(done))
			Label(np)
			VMOVSS(s.sum(), Mem{Base: out, Disp: disp + 4*i})
			Label(done)
			continue
		}
		VMOVSS(s.sum(), Mem{Base: out, Disp: disp + 4*i})
	}
}

// ceProductEnd adds log(m) + lo/m + e*ln2, the sum of the block's
// log(sum), to sCE in the product mode.
func (t *Tier) ceProductEnd(flags Mem, sCE *acc, pr *prodAccs) {
	skip := newLabel("noprod")
	cmpProdMode(flags)
	JNE(LabelRef(skip))
	var m, lo, e Register
	if t.avx512 {
		m, lo, e = pr.m.r, pr.lo.r, pr.e.r
	} else {
		m, lo, e = t.V(), t.V(), t.V()
		VMOVUPS(pr.m.m, m)
		VMOVUPS(pr.lo.m, lo)
		VMOVUPS(pr.e.m, e)
	}
	y := t.log(m, logOpts{normal: true})
	q := t.V()
	VDIVPS(m, lo, q) // lo/m < 2^-13: log1p(lo/m) = lo/m in float32
	VADDPS(q, y, y)
	VFMADD231PS(t.F(f32(vmath.Ln2Lo)), e, y)
	VFMADD231PS(t.F(f32(vmath.Ln2Hi)), e, y)
	sCE.add(y, nil)
	Label(skip)
}

// pixelwiseSums adds the cross-entropy (sCE, sW) and focal (sFoc) sums of
// one vector of pixels, under flags (flagCE, flagFocal, flagWeights,
// flagSmooth, flagAlpha): SUM = sum_c exp(x_c - mx), INV = 1/SUM (nil: the
// focal branch divides, the only one that needs it), zy = x_y - mx. The statistics kernels and the fused kernels both call it, so
// their sums are the same bit for bit. W, when not nil, holds the pixels'
// weights (0 outside valid): each pixel's CE, w_y and focal terms are
// multiplied by its weight before they are added (the caller sets
// flagWeights, so that the product mode is off). A nil sFoc omits the
// focal sum: the caller's flags never have flagFocal.
func (t *Tier) pixelwiseSums(a softmaxArgs, flags Mem, st pixelState, SUM, INV, mx, zy, W Op, sCE, sW, sFoc *acc, pr *prodAccs) {
	pm, done := newLabel("prodmode"), newLabel("pwdone")
	if pr != nil {
		jumpProdMode(flags, pm)
	}
	ifFlag(flags, flagCE|flagFocal, func() {
		lse := t.log(t.ld(SUM), logOpts{normal: true})
		nll := t.V()
		VSUBPS(zy, lse, nll) // lse - (x_y - mx)
		LSE, NLL := t.keep(lse), t.keep(nll)
		ifFlag(flags, flagCE, func() {
			wy := t.V()
			VMOVUPS(t.F(1), wy)
			ifFlag(flags, flagWeights, func() {
				t.selectByLabel(a, st, tabW, wy)
			})
			WY := t.keep(wy)
			l := t.bcast(arg("eps1"))
			VMULPS(WY, l, l)
			VMULPS(NLL, l, l) // (1-eps)*w_y*nll
			L := t.keep(l)
			ifFlag(flags, flagSmooth, func() {
				// eps/C * sum_k w_k*(lse - z_k) = lse*(eps/C*wsum) - sum_k eps/C*w_k*z_k,
				// z_k = x_k - mx recomputed from the logits.
				swz := t.sumZ(a, flags, st, mx)
				ews := t.bcast(arg("wsum"))
				VMULPS(t.bcast(arg("epsC")), ews, ews) // eps/C*wsum
				l2 := t.ld(L)
				VFMADD231PS(LSE, ews, l2)
				VSUBPS(swz, l2, l2)
				if !t.avx512 {
					VMOVUPS(l2, L)
				}
			})
			lf := t.ld(L)
			t.keepWhere(st.valid, lf)
			w := t.ld(WY)
			t.keepWhere(st.valid, w)
			if W != nil {
				VMULPS(W, lf, lf)
				VMULPS(W, w, w)
			}
			sCE.add(lf, nil)
			sW.add(w, nil)
		})
		if sFoc == nil {
			return
		}
		ifFlag(flags, flagFocal, func() {
			// pt = exp(x_y - mx)/sum; (1-pt)^gamma * nll * alpha_y
			ey := t.exp(t.ld(zy), expOpts{nonPositive: true})
			if INV == nil { // a statistics pass: 1/sum only where it is used
				INV = t.keep(t.invSum(SUM))
			}
			VMULPS(INV, ey, ey)
			pt1 := t.V()
			VMOVUPS(t.F(1), pt1)
			VSUBPS(ey, pt1, pt1)
			g := t.bcast(arg("gamma"))
			G := t.keep(g)
			gm := Load(Param("gmode"), GP64()).(GPVirtual)
			f := t.pow(pt1, G, gm)
			VMULPS(NLL, f, f)
			F := t.keep(f)
			ifFlag(flags, flagAlpha, func() {
				ay := t.V()
				VMOVUPS(t.F(1), ay)
				t.selectByLabel(a, st, tabAlpha, ay)
				f2 := t.ld(F)
				VMULPS(ay, f2, f2)
				if !t.avx512 {
					VMOVUPS(f2, F)
				}
			})
			f3 := t.ld(F)
			t.keepWhere(st.valid, f3)
			if W != nil {
				VMULPS(W, f3, f3)
			}
			sFoc.add(f3, nil)
		})
	})
	if pr != nil {
		JMP(LabelRef(done))
		Label(pm)
		t.ceProduct(a, flags, st, SUM, mx, zy, sCE, sW, pr)
		Label(done)
	}
}

// focalTerm subtracts the focal term's factor from the gradient's s and
// tau (SV, TAU: kept, updated in place) of one vector of pixels: f =
// FocalScale*alpha_y*-(1-pt)^gamma [+ gamma*(1-pt)^(gamma-1)*pt*log(pt)
// where pt < 1], pt = exp(zy)/sum.
func (t *Tier) focalTerm(a softmaxArgs, st pixelState, zy, INV, SUM, TAU, SV Op) {
	// f = -(1-pt)^gamma [+ gamma*(1-pt)^(gamma-1)*pt*log(pt) where pt < 1]
	pt := t.exp(t.ld(zy), expOpts{nonPositive: true})
	VMULPS(INV, pt, pt)
	PT := t.keep(pt)
	pt1 := t.V()
	VMOVUPS(t.F(1), pt1)
	VSUBPS(pt, pt1, pt1)
	PT1 := t.keep(pt1)
	g := t.bcast(arg("gamma"))
	G := t.keep(g)
	gm := Load(Param("gmode"), GP64()).(GPVirtual)
	f := t.pow(pt1, G, gm)
	VXORPS(t.I(0x80000000), f, f)
	F := t.keep(f)
	skip := newLabel("gamma0")
	CMPQ(gm, U8(0))
	JEQ(LabelRef(skip))
	{
		lsum := t.log(t.ld(SUM), logOpts{normal: true})
		logpt := t.cp(zy)
		VSUBPS(lsum, logpt, logpt)
		LOGPT := t.keep(logpt)
		gm1 := t.cp(G)
		VSUBPS(t.F(1), gm1, gm1)
		GM1 := t.keep(gm1)
		g1m := Load(Param("g1mode"), GP64()).(GPVirtual)
		q := t.pow(t.ld(PT1), GM1, g1m)
		VMULPS(G, q, q)
		VMULPS(PT, q, q)
		VMULPS(LOGPT, q, q)
		pos := t.cmp(cmpGT, t.ld(PT1), t.F(0))
		f2 := t.ld(F)
		t.addWhere(pos, q, f2)
		if !t.avx512 {
			VMOVUPS(f2, F)
		}
	}
	Label(skip)
	f3 := t.ld(F)
	ifFlag(a.flags, flagAlpha, func() {
		ay := t.V()
		VMOVUPS(t.F(1), ay)
		t.selectByLabel(a, st, tabAlpha, ay)
		VMULPS(ay, f3, f3)
	})
	fs := t.bcast(arg("fs"))
	VMULPS(fs, f3, f3)
	s2, t2 := t.ld(SV), t.ld(TAU)
	VSUBPS(f3, s2, s2)
	VSUBPS(f3, t2, t2)
	if !t.avx512 {
		VMOVUPS(s2, SV)
		VMOVUPS(t2, TAU)
	}
}

// tauSV returns, for one vector of pixels, tau = k1*w_y (CEScale*(1-eps)
// times the label's CE weight, 1 without flagWeights) and s = tau + k2
// (k2 = CEScale*eps*wsum/C), the cross entropy's parts of every gradient
// kernel's output dx_k = p_k*(... + s) - tau*[k == y].
func (t *Tier) tauSV(a softmaxArgs, st pixelState) (tau, sv VecVirtual) {
	wy := t.V()
	VMOVUPS(t.F(1), wy)
	ifFlag(a.flags, flagWeights, func() {
		t.selectByLabel(a, st, tabW, wy)
	})
	tau = t.bcast(arg("k1"))
	VMULPS(wy, tau, tau) // CEScale*(1-eps)*w_y
	sv = t.bcast(arg("k2"))
	VADDPS(tau, sv, sv) // tau + CEScale*eps*wsum/C
	return tau, sv
}

// gradOut sets v = a*b [- kappa] - tau*[eq], one class's gradient before
// the valid mask. With smoothing (kappa not nil: its table entry) a
// product and two subtractions; without, one FMA of a*b and the label's
// -tau (the label class rounds once, where a product then a subtraction
// took two p0 operations; the other classes' a*b - 0 is their product,
// the same bits).
func (t *Tier) gradOut(v VecVirtual, a Op, b Register, kappa *Mem, eq *Mask, TAU Op) {
	if kappa != nil {
		VMULPS(a, b, v)
		kk := t.V()
		VBROADCASTSS(*kappa, kk)
		VSUBPS(kk, v, v)
		t.subWhere(eq, t.ld(TAU), v)
		return
	}
	if t.avx512 {
		VMOVAPS_Z(t.ld(TAU), eq.k, v)
	} else {
		VANDPS(TAU, eq.v, v)
	}
	VFMSUB231PS(a, b, v) // a*b - tau*[eq], one rounding
}

// regionG returns g_k = B_k + E_k*p_k + A_k*[k == y] for one class: p its
// probabilities, ent its entry of the table, eq the pixels labelled k.
func (t *Tier) regionG(p Register, ent Mem, eq *Mask) VecVirtual {
	g := t.V()
	VBROADCASTSS(ent.Offset(4*tabE), g)
	VMULPS(p, g, g)
	b := t.V()
	VBROADCASTSS(ent.Offset(4*tabB), b)
	VADDPS(g, b, g) // B + E*p
	aa := t.V()
	VBROADCASTSS(ent.Offset(4*tabA), aa)
	t.addWhere(eq, aa, g)
	return g
}

func log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}

func softmaxGrad(t *Tier, u8 bool) {
	for _, fused := range []bool{false, true} {
		for _, focal := range []bool{false, true} {
			softmaxGradKernel(t, u8, focal, fused)
		}
	}
}

// softmaxGradKernel emits one gradient kernel. A fused kernel also adds
// the statistics kernel's cross-entropy, focal and valid-pixel sums of the
// same pixels (flagged by sflags like the statistics kernel's flags) and
// stores them into out: a loss with pixelwise terms only takes its value
// and its gradient from one pass over the logits.
func softmaxGradKernel(t *Tier, u8, focal, fused bool) {
	{
		ln, lt, elem := labelName(u8)
		kind := "Grad"
		if fused {
			kind = "Fused"
		}
		if focal {
			kind += "Focal"
		}
		name := "Softmax" + kind + ln + t.Name
		sig := fmt.Sprintf("func(x []float32, S, lo, hi int, lab []%s, pw []float32, C int, ign int32, flags uint64, tab, scr []float32, k1, k2, fs, gamma float32, gmode, g1mode int, dst []float32", lt)
		if fused {
			sig += ", sflags uint64, eps1, epsC, wsum float32, out []float32"
		}
		t.text(name, sig+")")
		t.doc(fmt.Sprintf("%s writes kernels.softmaxGradGeneric's gradient of pixels [lo, hi) (at most", name),
			"kernels.BlockSize) of one image into dst (C planes S apart, like x). tab holds 8 floats per class:",
			"w (CE weight, flags&512), alpha (flags&256), kappa (CEScale*eps/C*w, flags&1024), A, B, E (flags&4);",
			"k1 = CEScale*(1-eps), k2 = CEScale*eps*wsum/C, fs = FocalScale; scr is 64-byte aligned, at",
			"least 16*C floats (32*C for AVX2). flags&2048: dst+lo and S*4 are 64-byte aligned, full vectors are",
			"stored non-temporally, and the caller runs FenceAVX512 before the stores are read elsewhere. The Focal variant adds the focal term. Pixels labelled ign (-1: none) or",
			"outside [0, C) get 0. flags&4096: pw holds the pixels' weights (from lo; indexed like lab), each",
			"pixel's gradient times its weight.")
		if fused {
			t.docMore("It also stores the CE, W, Focal and Valid sums of SoftmaxStats (sflags, eps1, epsC and wsum as",
				"its flags and arguments; tab's w, alpha and eps/C*w as it reads them) into out[0:4].")
		}
		if !fused && !focal {
			t.docMore("flags&16384: x holds the probabilities p_c a statistics kernel stored (dst may be x):",
				"the gradient of the logits they are the softmax of, bit for bit.")
		}
		a := t.softmaxSetup(elem)
		ppw := t.pixWSetup()
		pd := t.dstSetup()
		// CE, W, Focal, Valid, and the product mode's mantissa and
		// exponent: not in the focal kernels, whose loss has a focal term
		// (the frame of the AVX2 one would pass the NOSPLIT limit).
		var sc []*acc
		var pr *prodAccs
		if fused {
			sc = t.newAccs(4)
			for _, s := range sc {
				s.zero()
			}
			if !focal {
				pr = t.newProdAccs()
			}
		}
		kernel := func(probs bool) {
			t.streamWeighted(a.n, a.flags, []ptr{{a.x, 4}, {a.lab, elem}, {pd, 4}}, ppw, func(weighted bool) func(tail *Mask, rem GPVirtual) {
				return func(tail *Mask, rem GPVirtual) {
					st := t.loadPixels(a.lab, u8, arg("ign"), a.C, tail, rem)
					var W Op
					if weighted {
						W = t.loadPixW(ppw, st)
					}
					var SUM, INV, mx, zy Op
					if probs {
						INV = t.loadProbs(a, st)
					} else {
						var sum VecVirtual
						sum, mx, zy = t.maxAndExp(a, st, true, 0, focal || fused)
						SUM = t.keep(sum)
						INV = t.keep(t.invSum(SUM))
					}
					if fused {
						one := t.V()
						VMOVUPS(t.F(1), one)
						t.keepWhere(st.valid, one)
						sc[3].add(one, nil)
						mark := t.nslot
						t.pixelwiseSums(a, arg("sflags"), st, SUM, INV, mx, zy, W, sc[0], sc[1], sc[2], pr)
						// The values pixelwiseSums kept are dead now: later keeps
						// reuse their stack slots (on AVX2 the frame of the focal
						// kernels is near the NOSPLIT limit).
						t.nslot = mark
					}
					tau, sv := t.tauSV(a, st)
					TAU, SV := t.keep(tau), t.keep(sv)
					if focal {
						t.focalTerm(a, st, zy, INV, SUM, TAU, SV)
					}
					// Region terms: g_k = B_k + E_k*p_k + A_k*[k == y], dot = sum_k p_k*g_k.
					dot := t.V()
					VXORPS(dot, dot, dot)
					// AVX2: the region pass keeps p_k in place of e_k and g_k after
					// the C vectors of e in the scratch, for the output loop (AVX-512
					// recomputes them: storing measured 9% slower there).
					reuse := !t.avx512
					var gOff GPVirtual
					if reuse {
						gOff = GP64()
						MOVQ(a.C, gOff)
						SHLQ(U8(uint8(log2(t.W()))), gOff)
					}
					ifFlag(a.flags, flagRegion, func() {
						pe, pt := GP64(), GP64()
						MOVQ(a.scr, pe)
						MOVQ(a.tab, pt)
						t.classLoop(a.C, []classPtr{{pe, U32(t.W())}, {pt, U32(tabStride)}}, true, func(cv VecVirtual) {
							p := t.V()
							VMULPS(Mem{Base: pe}, t.ld(INV), p)
							if reuse {
								VMOVUPS(p, Mem{Base: pe})
							}
							eq := t.eqD(st.y, cv)
							g := t.regionG(p, Mem{Base: pt}, eq)
							if reuse {
								VMOVUPS(g, Mem{Base: pe, Index: gOff, Scale: 1})
							}
							VFMADD231PS(g, p, dot)
						})
					})
					DOT := t.keep(dot)
					// Output: dx_k = p_k*(g_k - dot + s) - kappa_k - tau*[k == y], 0 where ignored.
					// Without region terms p_k*s is e_k*(s/sum), one product per class.
					var invS Op
					out := func(region bool) {
						pe, pt, po := GP64(), GP64(), GP64()
						MOVQ(a.scr, pe)
						MOVQ(a.tab, pt)
						MOVQ(pd, po)
						ps := []classPtr{{pe, U32(t.W())}, {pt, U32(tabStride)}, {po, a.stride}}
						t.classLoop(a.C, ps, true, func(cv VecVirtual) {
							eq := t.eqD(st.y, cv)
							v := t.V()
							// the factors of p_k*(g_k - dot + s) (or e_k*(s/sum))
							var fa Op
							var fb Register
							if region && !reuse {
								p := t.V()
								VMULPS(Mem{Base: pe}, t.ld(INV), p)
								g := t.regionG(p, Mem{Base: pt}, eq)
								VSUBPS(DOT, g, g)
								VADDPS(SV, g, g)
								fa, fb = g, p
							} else if region {
								g := t.V()
								VMOVUPS(Mem{Base: pe, Index: gOff, Scale: 1}, g)
								VSUBPS(DOT, g, g)
								VADDPS(SV, g, g)
								fa, fb = Mem{Base: pe}, g
							} else {
								fa, fb = Mem{Base: pe}, t.ld(invS)
							}
							kappa := Mem{Base: pt, Disp: 4 * tabKappa}
							flagBranches(a.flags, flagSmooth, "gsm", "gsmd", func(smooth bool) {
								if smooth {
									t.gradOut(v, fa, fb, &kappa, eq, TAU)
								} else {
									t.gradOut(v, fa, fb, nil, eq, TAU)
								}
							})
							t.keepWhere(st.valid, v)
							if weighted {
								VMULPS(W, v, v)
							}
							if tail == nil && !t.avx512 {
								VMOVUPS(v, Mem{Base: po})
							} else if tail == nil {
								nt, done := newLabel("nt"), newLabel("st")
								TESTQ(U32(flagNT), a.flags)
								JNZ(LabelRef(nt))
								VMOVUPS(v, Mem{Base: po})
								JMP(LabelRef(done))
								Label(nt)
								VMOVNTPS(v, Mem{Base: po})
								Label(done)
							} else {
								t.store(v, Mem{Base: po}, tail)
							}
						})
					}
					done := newLabel("outd")
					noRegion := newLabel("outnr")
					TESTQ(U32(flagRegion), a.flags)
					JZ(LabelRef(noRegion))
					out(true)
					JMP(LabelRef(done))
					Label(noRegion)
					is := t.cp(SV)
					VMULPS(INV, is, is)
					invS = t.keep(is)
					out(false)
					Label(done)
				}
			})
		}
		if fused || focal {
			kernel(false)
		} else {
			streamProbs(a.flags, kernel)
		}
		if fused {
			if !focal {
				t.ceProductEnd(arg("sflags"), sc[0], pr)
			}
			out := Load(Param("out").Base(), GP64()).(GPVirtual)
			t.storeSums(arg("sflags"), sc, out, 0, !focal)
		}
		end()
	}
}

// classAccs returns the address of the per-class lane accumulators of a
// statistics kernel, after skip vectors of C in the scratch (class c at
// scr + skip*C*W + c*n*W), and zeroes their n vectors per class.
func (t *Tier) classAccs(a softmaxArgs, skip, n int) GPVirtual {
	accs := GP64()
	MOVQ(a.C, accs)
	SHLQ(U8(uint8(log2(t.W()*skip))), accs)
	ADDQ(a.scr, accs)
	p := GP64()
	MOVQ(accs, p)
	z := t.V()
	VXORPS(z, z, z)
	t.classLoop(a.C, []classPtr{{p, U32(n * t.W())}}, false, func(VecVirtual) {
		for i := 0; i < n; i++ {
			VMOVUPS(z, Mem{Base: p, Disp: i * t.W()})
		}
	})
	return accs
}
