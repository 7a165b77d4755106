package kernels

import (
	"math"

	"github.com/segloss/segloss/internal/vmath"
)

// This file holds the scalar float32 math every tier implements: the generic
// tier calls these functions per element, and the assembly tiers evaluate the
// same formulas, in the same order, on vector lanes. They are the
// specification of exp, log and sigmoid described in docs/design.md
// (Numerics).

// fma32 returns a*b+c rounded once to float32 in the common case. The product
// of two float32 values is exact in float64, so only the final sum rounds (a
// double rounding through float64 can differ from a hardware float32 FMA in
// the last bit in very rare cases).
func fma32(a, b, c float32) float32 {
	return float32(float64(a)*float64(b) + float64(c))
}

// expf returns e**x for float32 x: Cody-Waite reduction x = n*ln2 + r with a
// two-constant ln2, exp(r) by a degree-6 minimax polynomial (vmath.ExpC2..
// ExpC6) evaluated by Horner's rule with FMAs, and the result scaled by
// 2**n. Inputs below vmath.ExpLo (ln 2**-126)
// give 0; NaN propagates; x above 88.7228 gives +Inf.
func expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > vmath.ExpHi:
		return float32(math.Inf(1))
	case x < vmath.ExpLo:
		return 0
	}
	// n: the integer nearest the exact product x*float32(Log2e) (exact in
	// float64), ties to even, as the assembly's magic-number FMA rounds it.
	n := float32(math.RoundToEven(float64(x) * float64(float32(vmath.Log2e))))
	r := fma32(n, -vmath.Ln2Hi, x)
	r = fma32(n, -vmath.Ln2Lo, r)
	// exp(r) = 1 + r + C2 r^2 + ... + C6 r^6, Horner (six FMAs)
	p := fma32(vmath.ExpC6, r, vmath.ExpC5)
	p = fma32(p, r, vmath.ExpC4)
	p = fma32(p, r, vmath.ExpC3)
	p = fma32(p, r, vmath.ExpC2)
	p = fma32(p, r, 1)
	y := fma32(p, r, 1)
	e := int32(n)
	if e > 127 { // 2**128 is not a float32: scale in two steps
		return y * 2 * math.Float32frombits(uint32(e-1+127)<<23)
	}
	return y * math.Float32frombits(uint32(e+127)<<23)
}

// logf returns the natural logarithm of x (Cephes logf): x = m * 2**e with m
// in [sqrt(1/2), sqrt(2)), log(m) by a degree-9 polynomial in m-1 evaluated
// with FMAs (Horner), plus e*ln2 in two parts. log(0) = -Inf, log(x<0) = NaN,
// log(+Inf) = +Inf, NaN propagates; denormals are handled.
func logf(x float32) float32 {
	switch {
	case x != x || x > math.MaxFloat32:
		return x
	case x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	}
	bits := math.Float32bits(x)
	e := int32(bits>>23) - 126
	if bits < 1<<23 { // denormal: scale into the normal range first
		bits = math.Float32bits(x * (1 << 23))
		e = int32(bits>>23) - 126 - 23
	}
	m := math.Float32frombits(bits&0x807fffff | 126<<23) // in [0.5, 1)
	if m < vmath.SqrtHalf {
		e--
		m = m + m - 1
	} else {
		m = m - 1
	}
	fe := float32(e)
	z := m * m
	y := fma32(vmath.LogQ0, m, vmath.LogQ1)
	y = fma32(y, m, vmath.LogQ2)
	y = fma32(y, m, vmath.LogQ3)
	y = fma32(y, m, vmath.LogQ4)
	y = fma32(y, m, vmath.LogQ5)
	y = fma32(y, m, vmath.LogQ6)
	y = fma32(y, m, vmath.LogQ7)
	y = fma32(y, m, vmath.LogQ8)
	y = y * m * z
	y = fma32(fe, vmath.Ln2Lo, y)
	y = fma32(z, -0.5, y)
	return fma32(fe, vmath.Ln2Hi, m+y)
}

// log1pf returns log(1+t) for t >= 0, accurate for small t: with u = 1+t
// rounded, log1p(t) = log(u) + (t - (u-1))/u.
func log1pf(t float32) float32 {
	u := 1 + t
	if u == 1 {
		return t
	}
	return logf(u) + (t-(u-1))/u
}

// sigmoidf returns 1/(1+exp(-x)) as n/d with e = exp(-|x|), d = 1+e and n
// = 1 for x >= 0, n = e for x < 0, so that both tails keep their relative
// accuracy; the rounding error of d (dlo = e - (d-1), exact) is corrected
// to first order: n/(d+dlo) ~ q - q*dlo with q = n/d (d is in [1, 2]).
func sigmoidf(x float32) float32 {
	e := expf(-abs32(x))
	d := 1 + e
	dlo := e - (d - 1)
	n := float32(1)
	if x < 0 {
		n = e
	}
	q := n / d
	return fma32(-q, dlo, q)
}

// softplusf returns log(1+exp(x)) = max(x, 0) + log1p(exp(-|x|)).
func softplusf(x float32) float32 {
	return max(x, 0) + log1pf(expf(-abs32(x)))
}

// powf returns q**g for q >= 0 as exp(g*log(q)), with 0**g = 0 for g > 0 and
// q**0 = 1.
func powf(q, g float32) float32 {
	switch {
	case g == 0:
		return 1
	case q <= 0:
		return 0
	case g == 1:
		return q
	case g == 2:
		return q * q
	}
	return expf(g * logf(q))
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}
