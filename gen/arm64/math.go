package main

import (
	"math"

	"github.com/segloss/segloss/internal/vmath"
)

// The vector math of internal/kernels/math.go, operation for operation, on 4 lanes.

const (
	signBit  = 0x80000000
	infBits  = 0x7f800000
	ninfBits = 0xff800000
	nanBits  = 0x7fc00000
)

// expMagic is 1.5*2^23: x*log2e + expMagic rounded once is expMagic + n,
// n the integer nearest the exact x*log2e, for |x*log2e| < 2^22.
const expMagic = 0x1.8p23

// expConsts are the constants of one exp; pinning them keeps an exp free of
// table loads.
func expConsts(nonPositive bool) []uint32 {
	var bs []uint32
	for _, f := range []float32{vmath.Log2e, expMagic, vmath.Ln2Hi, vmath.Ln2Lo, vmath.ExpC2, vmath.ExpC3, vmath.ExpC4, vmath.ExpC5, vmath.ExpC6, 1, vmath.ExpLo} {
		bs = append(bs, math.Float32bits(f))
	}
	bs = append(bs, 127<<23)
	if !nonPositive {
		bs = append(bs, math.Float32bits(127), math.Float32bits(vmath.ExpHi), infBits)
	}
	return bs
}

// expLoopConsts are the constants worth pinning for an exp inside a loop
// with many live registers: the multiplicands of the reduction's FMAs,
// and C6, C4, C2 and 1 of the Horner steps (a register move starts those
// steps; the others load straight into the registers they initialise).
func expLoopConsts() []uint32 {
	var bs []uint32
	for _, f := range []float32{vmath.Log2e, vmath.Ln2Hi, vmath.Ln2Lo, vmath.ExpC6, vmath.ExpC4, vmath.ExpC2, 1} {
		bs = append(bs, math.Float32bits(f))
	}
	return bs
}

// exp returns a new register holding internal/kernels/math.go expf of every lane of
// x (x is preserved). nonPositive promises x <= 0 or NaN (no overflow).
func exp(x V, nonPositive bool) V {
	// n = the integer nearest the exact x*vmath.Log2e, ties to even: x*log2e
	// + expMagic rounded once (FMLA), minus expMagic (exact), as
	// internal/kernels/math.go expf rounds it.
	n := vget()
	KfInto(n, expMagic)
	k := Kf(vmath.Log2e)
	FMLA(n, x, k)
	vput(k)
	k = Kf(expMagic)
	FSUB(n, n, k)
	vput(k)
	r := vget()
	MOVv(r, x)
	k = Kf(vmath.Ln2Hi)
	FMLS(r, n, k) // r = x - n*vmath.Ln2Hi
	vput(k)
	k = Kf(vmath.Ln2Lo)
	FMLS(r, n, k) // r -= n*vmath.Ln2Lo
	vput(k)
	// exp(r) = 1 + r + C2 r^2 + ... + C6 r^6 by Horner, as expf: each step
	// y = k + y*r (k into a fresh register, then FMLA)
	y := vget()
	KfInto(y, vmath.ExpC6)
	for _, f := range []float32{vmath.ExpC5, vmath.ExpC4, vmath.ExpC3, vmath.ExpC2, 1, 1} {
		t := vget()
		KfInto(t, f)
		FMLA(t, y, r) // t = k + y*r
		vput(y)
		y = t
	}
	vput(r)
	a, b, c := vget(), vget(), vget()
	if !nonPositive {
		// n = 128 (x in (88.03, 88.72]): 2^128 is not a float32, so y*2
		// (exact) times 2^127, as expf does.
		k = Kf(127)
		FMIN(c, n, k)
		vput(k)
		FSUB(b, n, c) // 1 where n = 128, else 0
		FMLA(y, y, b) // y*2 or y
		MOVv(n, c)
	}
	// 2^n from its exponent bits: exact for the n of every x >= vmath.ExpLo
	// (n >= -126), so y*2^n rounds once, as in expf (denormal results
	// included).
	FCVTZS(n, n)
	SHL4S(n, n, 23)
	k = K(127 << 23)
	ADD4S(n, n, k)
	vput(k)
	FMUL(y, y, n)
	// x < vmath.ExpLo: 0 (also -Inf); x > vmath.ExpHi: +Inf (also +Inf); NaN stays NaN.
	k = Kf(vmath.ExpLo)
	FCMGT(a, k, x)
	vput(k)
	BIC(y, y, a)
	if !nonPositive {
		k = Kf(vmath.ExpHi)
		FCMGT(a, x, k)
		vput(k)
		k = K(infBits)
		BIT(y, k, a)
		vput(k)
	}
	vput(n, a, b, c)
	return y
}

// logConsts are the constants of one log.
func logConsts() []uint32 {
	var bs []uint32
	for _, f := range []float32{vmath.LogQ0, vmath.LogQ1, vmath.LogQ2, vmath.LogQ3, vmath.LogQ4, vmath.LogQ5, vmath.LogQ6, vmath.LogQ7, vmath.LogQ8, vmath.SqrtHalf, vmath.Ln2Hi, vmath.Ln2Lo, 0.5, 1} {
		bs = append(bs, math.Float32bits(f))
	}
	return append(bs, 126, 0x807fffff, 126<<23)
}

// log returns a new register holding internal/kernels/math.go logf of every lane of
// x (x preserved). normal promises that x is a positive normal float or NaN
// (the log of a softmax denominator or of 1+e).
func log(x V, normal bool) V {
	xb := x
	e := vget()
	var adj V = noMask
	if !normal {
		// denormals (and zeros and negatives, replaced below): scale by 2^23
		adj = vget()
		k := Kf(0x1p-126)
		FCMGT(adj, k, x) // x < 2^-126
		vput(k)
		xb = vget()
		k = Kf(0x1p23)
		FMUL(xb, x, k)
		vput(k)
		BIF(xb, x, adj) // adj ? x*2^23 : x
		k = K(23)
		AND(adj, adj, k)
		vput(k)
	}
	USHR4S(e, xb, 23)
	k := K(126)
	SUB4S(e, e, k)
	vput(k)
	if !normal {
		SUB4S(e, e, adj)
		vput(adj)
	}
	m := vget()
	k = K(0x807fffff)
	AND(m, xb, k)
	vput(k)
	k = K(126 << 23)
	ORR(m, m, k) // m in [0.5, 1)
	vput(k)
	if !normal {
		vput(xb)
	}
	small := vget()
	k = Kf(vmath.SqrtHalf)
	FCMGT(small, k, m) // m < sqrt(1/2)
	vput(k)
	ADD4S(e, e, small) // e-- where small
	t := vget()
	AND(t, m, small)
	FADD(m, m, t) // m+m where small
	vput(small)
	k = Kf(1)
	FSUB(m, m, k) // m+m-1 or m-1
	vput(k)
	SCVTF(e, e) // fe
	z := vget()
	FMUL(z, m, m)
	y := vget()
	KfInto(y, vmath.LogQ1)
	k = Kf(vmath.LogQ0)
	FMLA(y, m, k) // y = Q0*m + Q1
	vput(k)
	for _, q := range []float32{vmath.LogQ2, vmath.LogQ3, vmath.LogQ4, vmath.LogQ5, vmath.LogQ6, vmath.LogQ7, vmath.LogQ8} {
		KfInto(t, q)
		FMLA(t, y, m) // t = y*m + q
		MOVv(y, t)
	}
	FMUL(y, y, m)
	FMUL(y, y, z) // y*m*z
	k = Kf(vmath.Ln2Lo)
	FMLA(y, e, k) // y += fe*vmath.Ln2Lo
	vput(k)
	k = Kf(0.5)
	FMLS(y, z, k) // y -= z*0.5
	vput(k)
	FADD(t, m, y) // m + y
	k = Kf(vmath.Ln2Hi)
	FMLA(t, e, k) // fe*vmath.Ln2Hi + (m+y)
	vput(k)
	vput(e, m, z, y)
	if normal {
		ok := vget()
		FCMEQ(ok, x, x)
		BIF(t, x, ok) // NaN: x
		vput(ok)
		return t
	}
	mk := vget()
	k = K(infBits)
	FCMGT(mk, k, x) // x < +Inf (false for NaN)
	vput(k)
	BIF(t, x, mk) // NaN, +Inf: x
	FCMLTz(mk, x)
	k = K(nanBits)
	BIT(t, k, mk) // x < 0: NaN
	vput(k)
	FCMEQz(mk, x)
	k = K(ninfBits)
	BIT(t, k, mk) // +-0: -Inf
	vput(k, mk)
	return t
}

// sigmoid returns a new register holding internal/kernels/math.go sigmoidf of x.
func sigmoid(x V) V {
	na := vget()
	k := K(signBit)
	ORR(na, x, k) // -|x|
	vput(k)
	e := exp(na, true)
	vput(na)
	one := Kf(1)
	d := vget()
	FADD(d, e, one) // d = 1 + e
	dlo := vget()
	FSUB(dlo, d, one)
	FSUB(dlo, e, dlo) // dlo = e - (d-1)
	neg := vget()
	FCMLTz(neg, x)
	q := vget()
	MOVv(q, one)
	vput(one)
	BIT(q, e, neg) // n = x < 0 ? e : 1
	FDIV(q, q, d)
	FMLS(q, q, dlo) // q - q*dlo
	vput(e, d, dlo, neg)
	return q
}

// sigmoidPair returns p = sigmoid(x), q = 1-p and e = exp(-|x|) as
// internal/kernels/generic.go sigmoidPair computes them.
func sigmoidPair(x V) (p, q, e V) {
	na := vget()
	k := K(signBit)
	ORR(na, x, k)
	vput(k)
	e = exp(na, true)
	vput(na)
	one := Kf(1)
	big := vget()
	FADD(big, e, one)
	FDIV(big, one, big) // 1/(1+e)
	vput(one)
	small := vget()
	FMUL(small, e, big)
	neg := vget()
	FCMLTz(neg, x)
	p, q = vget(), vget()
	MOVv(p, neg)
	BSL(p, small, big)
	MOVv(q, neg)
	BSL(q, big, small)
	vput(big, small, neg)
	return p, q, e
}

// log1p returns log(1+e) for e >= 0 or NaN, as internal/kernels/math.go log1pf.
func log1p(e V) V {
	u := vget()
	one := Kf(1)
	FADD(u, e, one)
	l := log(u, true)
	c := vget()
	FSUB(c, u, one)
	vput(one)
	FSUB(c, e, c) // e - (u-1)
	FDIV(c, c, u)
	FADD(l, l, c)
	vput(u, c)
	return l
}

// pow returns internal/kernels/math.go powf(q, g) for q >= 0 or NaN: mode (a
// register) is 0, 1 or 2 when g is that integer, else 3; g holds g in
// every lane.
func pow(q, g V, mode R) V {
	r := vget()
	one, sq, gen, zero, done := newLabel("pow1"), newLabel("pow2"), newLabel("powg"), newLabel("powz"), newLabel("powd")
	CMPi(mode, 1)
	Bcond("EQ", one)
	CMPi(mode, 2)
	Bcond("EQ", sq)
	CMPi(mode, 3)
	Bcond("EQ", gen)
	KfInto(r, 1) // g == 0: 1
	B(done)
	label(one)
	MOVv(r, q)
	B(zero)
	label(sq)
	FMUL(r, q, q)
	B(zero)
	label(gen)
	l := log(q, false)
	FMUL(l, l, g)
	e := exp(l, false)
	MOVv(r, e)
	vput(l, e)
	label(zero)
	m := vget()
	FCMLEz(m, q)
	BIC(r, r, m) // q <= 0: 0
	vput(m)
	label(done)
	return r
}
