package main

import (
	"math"

	"github.com/segloss/segloss/internal/vmath"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func f32(v float64) float32 { return float32(v) }

// expFinite is the largest float32 whose exp is finite (float32(vmath.ExpHi) itself
// overflows: exp(88.72283935546875) > MaxFloat32).
const expFinite = 88.72283172607421875

var (
	inf32    = float32(math.Inf(1))
	negInf32 = float32(math.Inf(-1))
	nan32    = math.Float32frombits(0x7fc00000)
)

// expOpts narrows the domain an exp is evaluated on.
type expOpts struct {
	nonPositive bool // x <= 0 or NaN: no overflow to handle
}

// expMagic is 1.5*2^23: x*log2e + expMagic, rounded once to float32 (one
// FMA), is expMagic + n with n the integer nearest the exact x*log2e (ties
// to even) for |x*log2e| < 2^22; subtracting expMagic gives n exactly
// (internal/kernels/math.go expf rounds the same exact product).
const expMagic = 0x1.8p23

// expConsts are the constants of exp that its instructions read as
// operands (nonPositive, AVX-512): hoistExp's registers. The ones that
// start a destination register (expMagic, -Ln2Hi, C6) are loaded
// from memory into it instead (a load port, where a register copy takes a
// vector ALU slot on Intel, which does not eliminate 512-bit moves).
var expConsts = []float64{vmath.Log2e, expMagic, vmath.Ln2Lo, vmath.ExpC5, vmath.ExpC4, vmath.ExpC3, vmath.ExpC2, 1, vmath.ExpLo}

// hoistExp loads expConsts into registers for the rest of the kernel
// (until end): an exp then reads memory only for the 3 values that start
// its destination registers (four exps per vector of pixels took 44 loads,
// which bounded the small-C kernels on AMD Zen 4, one 512-bit load per
// cycle). It takes 9 of the 32 vector registers.
func (t *Tier) hoistExp() {
	if !t.avx512 {
		return
	}
	t.kreg = map[uint32]Register{}
	for _, v := range expConsts {
		r := t.V()
		VMOVUPS(t.F(f32(v)), r)
		t.kreg[math.Float32bits(f32(v))] = r
	}
}

// Fk is F, or the register hoistExp loaded it into.
func (t *Tier) Fk(v float32) Op {
	if r, ok := t.kreg[math.Float32bits(v)]; ok {
		return r
	}
	return t.F(v)
}

// exp returns a new register holding exp(x) for every lane of x (x is
// preserved): internal/kernels/math.go expf, operation for operation. No
// instruction copies a register (each destination starts from a memory
// load or is a three-operand result), and n is rounded by expMagic (an FMA
// and a subtraction, where VRNDSCALEPS is two uops with a throughput of one
// per two cycles on Intel).
func (t *Tier) exp(x Register, o expOpts) VecVirtual {
	nb, n := t.V(), t.V()
	VMOVUPS(t.F(expMagic), nb)
	VFMADD231PS(t.Fk(f32(vmath.Log2e)), x, nb) // nb = x*log2e + magic, rounded once
	VSUBPS(t.Fk(expMagic), nb, n)              // n = nb - magic, exact
	r := t.V()
	VMOVUPS(t.F(-f32(vmath.Ln2Hi)), r)
	VFMADD213PS(x, n, r)                       // r = x - n*vmath.Ln2Hi
	VFNMADD231PS(t.Fk(f32(vmath.Ln2Lo)), n, r) // r -= n*vmath.Ln2Lo
	// exp(r) = 1 + r + C2 r^2 + ... + C6 r^6 by Horner: six FMAs, the
	// addends operands (hoisted registers or memory)
	y := t.V()
	VMOVUPS(t.F(f32(vmath.ExpC6)), y)
	for _, k := range []float64{vmath.ExpC5, vmath.ExpC4, vmath.ExpC3, vmath.ExpC2, 1, 1} {
		VFMADD213PS(t.Fk(f32(k)), r, y) // y = y*r + k
	}
	if t.avx512 {
		// y * 2^n, one rounding (denormals, n = 128), 0 where x < vmath.ExpLo
		keep := t.cmp(cmpNLT, x, t.Fk(f32(vmath.ExpLo)))
		VSCALEFPS_Z(n, y, keep.k, y)
		if !o.nonPositive {
			hi := t.cmp(cmpGT, x, t.F(f32(vmath.ExpHi)))
			t.setWhere(hi, t.F(inf32), y)
		}
		return y
	}
	// AVX2: y * 2^n as (y * 2^n1) * 2^n2 with n1 = n>>1, n2 = n - n1, both
	// powers built in the exponent field: the first product is exact and
	// normal for every n in [-126, 128], so the result rounds once, like
	// internal/kernels/math.go (denormal results and n = 128 included), and only a
	// result that is itself denormal is ever computed as one (a denormal
	// operand or result costs a microcode assist). NaN propagates.
	if o.nonPositive {
		// x <= 0: n in [-126, 0] wherever x >= vmath.ExpLo, so 2^n is a normal
		// float and y * 2^n rounds once, as internal/kernels/math.go computes it (the
		// lanes below vmath.ExpLo are zeroed, NaN propagates through y).
		ni := t.V()
		VCVTPS2DQ(n, ni)
		VPADDD(t.I(127), ni, ni)
		VPSLLD(U8(23), ni, ni)
		res := t.V()
		VMULPS(ni, y, res)
		lo := t.cmp(cmpLT, x, t.F(f32(vmath.ExpLo)))
		t.zeroWhere(lo, res)
		return res
	}
	ni, n1 := t.V(), t.V()
	VCVTPS2DQ(n, ni)
	VPSRAD(U8(1), ni, n1)
	VPSUBD(n1, ni, ni)
	VPADDD(t.I(127), n1, n1)
	VPSLLD(U8(23), n1, n1)
	VPADDD(t.I(127), ni, ni)
	VPSLLD(U8(23), ni, ni)
	res := t.V()
	VMULPS(n1, y, res)
	VMULPS(ni, res, res)
	lo := t.cmp(cmpLT, x, t.F(f32(vmath.ExpLo)))
	t.zeroWhere(lo, res)
	if !o.nonPositive {
		// From vmath.ExpHi down to the largest x whose exp is finite, n = 128 with
		// y >= 1: the sum would carry into the exponent's top. Those x give
		// +Inf in internal/kernels/math.go too (y*2*2^127 overflows).
		hi := t.cmp(cmpGT, x, t.F(expFinite))
		t.setWhere(hi, t.F(inf32), res)
	}
	return res
}

// logOpts narrows the domain a log is evaluated on.
type logOpts struct {
	// normal: x is a positive normal float, +Inf or NaN is impossible except
	// NaN, which must propagate (log of a softmax denominator, of 1+e).
	normal bool
}

// log returns a new register holding log(x) (x preserved): internal/kernels/math.go
// logf, operation for operation.
func (t *Tier) log(x Register, o logOpts) VecVirtual {
	m, fe := t.V(), t.V()
	if t.avx512 {
		// Exponent and mantissa in [0.5, 1), denormals included.
		VGETEXPPS(x, fe)
		VADDPS(t.F(1), fe, fe)
		VGETMANTPS(U8(0b0010), x, m)
	} else {
		xb := x
		var eadj VecVirtual
		if !o.normal {
			// denormal: scale by 2^23 first
			dm := t.cmp(cmpLT, x, t.F(0x1p-126))
			xs := t.V()
			VMULPS(t.F(0x1p23), x, xs)
			xb2 := t.V()
			t.sel(dm, xs, x, xb2)
			xb = xb2
			eadj = t.V()
			VANDPS(t.I(23), dm.v, eadj)
		}
		e := t.V()
		VPSRLD(U8(23), xb, e)
		VPSUBD(t.I(126), e, e)
		if eadj != nil {
			VPSUBD(eadj, e, e)
		}
		VCVTDQ2PS(e, fe)
		VANDPS(t.I(0x807fffff), xb, m)
		VORPS(t.I(126<<23), m, m)
	}
	small := t.cmp(cmpLT, m, t.F(f32(vmath.SqrtHalf)))
	m1, m2 := t.V(), t.V()
	VSUBPS(t.F(1), m, m1) // m - 1
	VADDPS(m, m, m2)
	VSUBPS(t.F(1), m2, m2) // m + m - 1
	t.sel(small, m2, m1, m)
	if t.avx512 {
		VSUBPS(t.F(1), fe, small.k, fe)
	} else {
		one := t.V()
		VANDPS(t.F(1), small.v, one)
		VSUBPS(one, fe, fe)
	}
	z := t.V()
	VMULPS(m, m, z)
	y := t.V()
	VMOVUPS(t.F(f32(vmath.LogQ0)), y)
	for _, q := range []float64{vmath.LogQ1, vmath.LogQ2, vmath.LogQ3, vmath.LogQ4, vmath.LogQ5, vmath.LogQ6, vmath.LogQ7, vmath.LogQ8} {
		VFMADD213PS(t.F(f32(q)), m, y) // y = y*m + q
	}
	VMULPS(m, y, y)
	VMULPS(z, y, y)
	VFMADD231PS(t.F(f32(vmath.Ln2Lo)), fe, y) // y += fe*vmath.Ln2Lo
	VFNMADD231PS(t.F(0.5), z, y)              // y -= z*0.5
	VADDPS(y, m, y)                           // m + y
	VFMADD231PS(t.F(f32(vmath.Ln2Hi)), fe, y) // y += fe*vmath.Ln2Hi
	if o.normal {
		nan := t.cmp(cmpUNORD, x, x)
		t.setWhere(nan, x, y)
		return y
	}
	pass := t.cmp(cmpNLT, x, t.F(inf32)) // +Inf or NaN: x
	t.setWhere(pass, x, y)
	neg := t.cmp(cmpLT, x, t.F(0))
	t.setWhere(neg, t.F(nan32), y)
	zero := t.cmp(cmpEQ, x, t.F(0))
	t.setWhere(zero, t.F(negInf32), y)
	return y
}

// sigmoid returns 1/(1+exp(-x)) as internal/kernels/math.go sigmoidf computes it.
func (t *Tier) sigmoid(x Register) VecVirtual {
	na := t.V()
	VORPS(t.I(0x80000000), x, na) // -|x|
	e := t.exp(na, expOpts{nonPositive: true})
	d := t.V()
	VADDPS(t.F(1), e, d) // d = 1 + e
	dlo := t.V()
	VSUBPS(t.F(1), d, dlo)
	VSUBPS(dlo, e, dlo) // dlo = e - (d - 1)
	neg := t.cmp(cmpLT, x, t.F(0))
	n := t.V()
	VMOVUPS(t.F(1), n)
	t.setWhere(neg, e, n) // x < 0: e, else 1
	q := t.V()
	VDIVPS(d, n, q)
	VFNMADD231PS(dlo, q, q) // q - q*dlo
	return q
}

// sigmoidPair returns p = sigmoid(x), q = 1-p and e = exp(-|x|) as
// internal/kernels/generic.go sigmoidPair.
func (t *Tier) sigmoidPair(x Register) (p, q, e VecVirtual) {
	na := t.V()
	VORPS(t.I(0x80000000), x, na)
	e = t.exp(na, expOpts{nonPositive: true})
	p, q = t.sigmoidPQ(x, e)
	return p, q, e
}

// sigmoidPQ returns p = sigmoid(x) and q = 1-p from e = exp(-|x|) as
// internal/kernels/generic.go sigmoidPair computes them.
func (t *Tier) sigmoidPQ(x, e Register) (p, q VecVirtual) {
	d := t.V()
	VADDPS(t.F(1), e, d)
	big := t.V()
	VMOVUPS(t.F(1), big)
	VDIVPS(d, big, big) // 1/(1+e)
	small := t.V()
	VMULPS(big, e, small)
	neg := t.cmp(cmpLT, x, t.F(0))
	p, q = t.V(), t.V()
	t.sel(neg, small, big, p)
	t.sel(neg, big, small, q)
	return p, q
}

// pow returns q**g (internal/kernels/math.go powf) for q >= 0 and a scalar g whose
// kind is in mode (0: g == 0, 1: g == 1, 2: g == 2, 3: any other g). g is
// a vector of g.
func (t *Tier) pow(q Register, g Op, mode GPVirtual) VecVirtual {
	r := t.V()
	one, gen, sq, done := newLabel("pow1"), newLabel("powg"), newLabel("pow2"), newLabel("powd")
	CMPQ(mode, U8(1))
	JEQ(LabelRef(one))
	CMPQ(mode, U8(2))
	JEQ(LabelRef(sq))
	CMPQ(mode, U8(3))
	JEQ(LabelRef(gen))
	VMOVUPS(t.F(1), r) // g == 0
	JMP(LabelRef(done))
	Label(one)
	VMOVAPS(q, r)
	t.zeroWhere(t.cmp(cmpLE, q, t.F(0)), r)
	JMP(LabelRef(done))
	Label(sq)
	VMULPS(q, q, r)
	t.zeroWhere(t.cmp(cmpLE, q, t.F(0)), r)
	JMP(LabelRef(done))
	Label(gen)
	l := t.log(q, logOpts{})
	VMULPS(g, l, l)
	e := t.exp(l, expOpts{})
	VMOVAPS(e, r)
	t.zeroWhere(t.cmp(cmpLE, q, t.F(0)), r)
	Label(done)
	return r
}
