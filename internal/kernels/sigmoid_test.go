package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Tolerances of the block comparisons between a tier and the generic one.
//
// Block sums: both sides add the same float32 terms (each within a few ULP
// of the other side's, from fused multiply-adds) in a different order
// (vector lanes, then a tree at the end). Every sum here has non-negative
// terms, for which recursive float32 summation of n terms is within n*u of
// the exact sum (u = 2^-24), so two orders differ by at most 2*n*u relative;
// sumTol allows that plus a few ULP per term.
func sumTol(n int) float64 { return float64(2*n+8) * 0x1p-24 * 1.5 }

// gradTol is the tolerance of one gradient element relative to the largest
// magnitude of the block: the terms of a gradient are products of bounded
// factors, each within a few ULP of the generic one, so an absolute error of
// a few ULP of the largest magnitude covers cancellations between terms.
const gradTol = 2e-5

// coefFloor scales the gradient coefficients' magnitude into the floor of
// the gradient comparison. Where the terms of a gradient element cancel
// (C = 1, or a pixel predicted almost exactly), the element is far smaller
// than its terms, which are as large as the coefficients (p*(g - dot + s) -
// tau - kappa): each side then carries a few float32 roundings of those
// terms, a few eps32 = 6e-8 of the coefficients' magnitude, whatever the
// element's own size. gradTol*coefFloor = 2e-7, about 3 eps32.
const coefFloor = 1e-2

func sumClose(got, want float32, n int) bool {
	if got != got || want != want {
		return got != got && want != want
	}
	if math.IsInf(float64(want), 0) || math.IsInf(float64(got), 0) {
		return got == want
	}
	return math.Abs(float64(got)-float64(want)) <= sumTol(n)*math.Abs(float64(want))+1e-30
}

func maxAbs(v []float32) float64 {
	m := 0.0
	for _, f := range v {
		if a := math.Abs(float64(f)); a > m && !math.IsInf(a, 0) && a == a {
			m = a
		}
	}
	return m
}

var sigmoidParamCases = []SigmoidParams{
	{Need: NeedRegion, PosWeight: 1, FocalAlpha: -1},
	{Need: NeedRegion | NeedSquared, PosWeight: 1, FocalAlpha: -1},
	{Need: NeedCE, PosWeight: 1, FocalAlpha: -1},
	{Need: NeedCE, PosWeight: 2.5, FocalAlpha: -1},
	{Need: NeedFocal, FocalAlpha: 0.25, FocalGamma: 2},
	{Need: NeedFocal, FocalAlpha: -1, FocalGamma: 0},
	{Need: NeedFocal, FocalAlpha: 0.5, FocalGamma: 1},
	{Need: NeedFocal, FocalAlpha: -1, FocalGamma: 1.5},
	{Need: NeedFocal, FocalAlpha: 0.75, FocalGamma: 0.5},
	{Need: NeedFocal, FocalAlpha: 0.75, FocalGamma: 3},
	{Need: NeedCE | NeedFocal | NeedRegion | NeedSquared, PosWeight: 0.3, FocalAlpha: 0.25, FocalGamma: 2},
	{Need: NeedRegion | NeedAbsDiff, PosWeight: 1, FocalAlpha: -1},
	{Need: NeedCE | NeedRegion | NeedAbsDiff, PosWeight: 1, FocalAlpha: -1},
}

var sigmoidCoefCases = []SigmoidCoef{
	{A: -0.01, B: 0.003, FocalAlpha: -1},
	{A: -0.01, B: 0.003, E: 0.002, FocalAlpha: -1},
	{BCEScale: 1e-3, PosWeight: 1, FocalAlpha: -1},
	{BCEScale: 1e-3, PosWeight: 3, FocalAlpha: -1},
	{FocalScale: 1e-3, FocalAlpha: 0.25, FocalGamma: 2},
	{FocalScale: 1e-3, FocalAlpha: -1, FocalGamma: 0},
	{FocalScale: 1e-3, FocalAlpha: -1, FocalGamma: 1},
	{FocalScale: 1e-3, FocalAlpha: 0.5, FocalGamma: 1.5},
	{FocalScale: 1e-3, FocalAlpha: 0.5, FocalGamma: 0.5},
	{FocalScale: 1e-3, FocalAlpha: 0.5, FocalGamma: 3},
	{A: -0.01, B: 0.003, E: 0.001, BCEScale: 1e-3, PosWeight: 2, FocalScale: 5e-4, FocalAlpha: 0.25, FocalGamma: 2},
	{B: 0.003, D: -0.004, FocalAlpha: -1},
	{A: -0.002, B: 0.003, D: 0.004, BCEScale: 1e-3, PosWeight: 1, FocalAlpha: -1},
}

// randTargets returns n targets: binary, soft or a mix.
func randTargets(r *rand.Rand, n int) []float32 {
	y := make([]float32, n)
	kind := r.IntN(3)
	for i := range y {
		switch {
		case kind == 0 || (kind == 2 && r.IntN(2) == 0):
			y[i] = float32(r.IntN(2))
		default:
			y[i] = r.Float32()
		}
	}
	return y
}

// adClose compares two sums of |p - y| (SigmoidSums.AD). Each tier's p is
// within a few ULP of the generic one's, but p - y cancels where p is near
// y, so a term's error is bounded absolutely, by a few ULP of p (at most
// 4 ULP of 1 times its weight), not relatively: the sum's error is within
// 8*2^-24 of the weighted sum of p (P) plus the sum's own summation error
// (sumTol). py is P + Y, which bounds the weighted sum of p.
func adClose(got, want, py float32, n int) bool {
	if got != got || want != want {
		return got != got && want != want
	}
	d := math.Abs(float64(got) - float64(want))
	return d <= sumTol(n)*math.Abs(float64(want))+8*0x1p-24*math.Abs(float64(py))+1e-30
}

// randWeights returns n per-element weights: nil (unweighted), or a mix of
// 0, 1, small and large weights.
func randWeights(r *rand.Rand, n int) []float32 {
	if r.IntN(2) == 0 {
		return nil
	}
	w := make([]float32, n)
	for i := range w {
		switch r.IntN(4) {
		case 0:
			w[i] = 0
		case 1:
			w[i] = 1
		case 2:
			w[i] = r.Float32()
		default:
			w[i] = 1 + 20*r.Float32()
		}
	}
	return w
}

// guardedOpt copies w (nil stays nil) into guarded memory at offset off.
func guardedOpt(w []float32, off int) *guarded[float32] {
	if w == nil {
		return nil
	}
	g := newF32(len(w), off)
	copy(g.s, w)
	return g
}

func (g *guarded[T]) slice() []T {
	if g == nil {
		return nil
	}
	return g.s
}

func (g *guarded[T]) checkOpt(t *testing.T, name string) {
	t.Helper()
	if g != nil {
		g.check(t, name)
	}
}

// refBits is the reference of SigmoidSums.Bits: the largest bits, as
// uint32, of y and, with probs, of x.
func refBits(x, y []float32, probs bool) uint32 {
	var m uint32
	for i := range x {
		m = max(m, math.Float32bits(y[i]))
		if probs {
			m = max(m, math.Float32bits(x[i]))
		}
	}
	return m
}

// gradRefBits is refBits for a gradient pass of c: probabilities whose
// gradient is a*y + b alone (probsNoX) are not read, and not in the bits.
func gradRefBits(x, y []float32, c *SigmoidCoef) uint32 {
	return refBits(x, y, c.Probs && !probsNoX(c))
}

func checkSigmoidStats(t *testing.T, tr *tier, p *SigmoidParams, x, y, w []float32, off int) {
	t.Helper()
	n := len(x)
	gx, gy, gw := newF32(n, off), newF32(n, (off+5)%16), guardedOpt(w, (off+3)%16)
	copy(gx.s, x)
	copy(gy.s, y)
	var got, want SigmoidSums[float32]
	tr.sigmoidStats(gx.s, gy.s, gw.slice(), p, &got)
	genericTier.sigmoidStats(x, y, w, p, &want)
	gx.check(t, "x")
	gy.check(t, "y")
	gw.checkOpt(t, "w")
	if rb := refBits(x, y, p.Probs); got.Bits != rb || want.Bits != rb {
		t.Fatalf("%s sigmoid stats %+v n=%d off=%d weighted=%v: Bits %#x, generic %#x, want %#x\nx=%v\ny=%v", tr.name, *p, n, off, w != nil, got.Bits, want.Bits, rb, x, y)
	}
	g := []float32{got.P, got.PY, got.Y, got.PP, got.YY, got.BCE, got.Focal, got.AD}
	wt := []float32{want.P, want.PY, want.Y, want.PP, want.YY, want.BCE, want.Focal, want.AD}
	for i := range g {
		if i == 7 && adClose(got.AD, want.AD, want.P+want.Y, n) {
			continue
		}
		if !sumClose(g[i], wt[i], n) {
			t.Fatalf("%s sigmoid stats %+v n=%d off=%d weighted=%v: sum %d = %v, generic %v\nx=%v\ny=%v", tr.name, *p, n, off, w != nil, i, g[i], wt[i], x, y)
		}
	}
}

func checkSigmoidGrad(t *testing.T, tr *tier, c *SigmoidCoef, x, y, w []float32, off int) {
	t.Helper()
	n := len(x)
	gx, gy, gd, gw := newF32(n, off), newF32(n, (off+5)%16), newF32(n, (off+9)%16), guardedOpt(w, (off+3)%16)
	copy(gx.s, x)
	copy(gy.s, y)
	want := make([]float32, n)
	bits := tr.sigmoidGrad(gx.s, gy.s, gw.slice(), c, gd.s)
	wbits := genericTier.sigmoidGrad(x, y, w, c, want)
	gx.check(t, "x")
	gy.check(t, "y")
	gd.check(t, "dst")
	gw.checkOpt(t, "w")
	if rb := gradRefBits(x, y, c); bits != rb || wbits != rb {
		t.Fatalf("%s sigmoid grad %+v n=%d off=%d weighted=%v: bits %#x, generic %#x, want %#x\nx=%v\ny=%v", tr.name, *c, n, off, w != nil, bits, wbits, rb, x, y)
	}
	// The largest magnitude of the block, or of the coefficients where the
	// terms of every element cancel (a*y + b + e*p == 0 and the like).
	coef := math.Abs(float64(c.A)) + math.Abs(float64(c.B)) + math.Abs(float64(c.E)) + math.Abs(float64(c.D)) +
		math.Abs(float64(c.BCEScale))*(1+math.Abs(float64(c.PosWeight))) + math.Abs(float64(c.FocalScale))
	if w != nil {
		coef *= float64(max(1, maxAbs(w)))
	}
	scale := max(maxAbs(want), coefFloor*coef)
	for i := range want {
		if !close32(gd.s[i], want[i], gradTol, scale) && !sgnFlip(c, x[i], y[i], w, i, gd.s[i], want[i], scale) {
			t.Fatalf("%s sigmoid grad %+v n=%d off=%d weighted=%v i=%d: x=%v y=%v: %v, generic %v", tr.name, *c, n, off, w != nil, i, x[i], y[i], gd.s[i], want[i])
		}
	}
}

// sgnFlip reports whether a gradient element that differs from the
// generic one is the d*sgn(p - y) term's subgradient corner: where p is
// within a few ULP of y, each tier's p (within a few ULP of the other's)
// may lie on its own side of y, and the element may then differ by up to
// 2|d|*p(1-p) (2|d| for probabilities), times its weight.
func sgnFlip(c *SigmoidCoef, x, y float32, w []float32, i int, got, want float32, scale float64) bool {
	if c.D == 0 {
		return false
	}
	p, q := x, 1-x
	if !c.Probs {
		p, q, _ = sigmoidPair(x)
	}
	if !(math.Abs(float64(p)-float64(y)) <= 8*0x1p-24*math.Max(1, math.Abs(float64(y)))) {
		return false
	}
	jump := 2 * math.Abs(float64(c.D))
	if !c.Probs {
		jump *= float64(p) * float64(q)
	}
	if w != nil {
		jump *= math.Abs(float64(w[i]))
	}
	return math.Abs(float64(got)-float64(want)) <= jump*(1+1e-6)+gradTol*scale
}

// checkSigmoidFused checks a tier's fused kernel against its own statistics
// and gradient kernels, bit for bit, on the loss of c (p takes c's
// parameters, with both pixelwise sums asked for).
func checkSigmoidFused(t *testing.T, tr *tier, c *SigmoidCoef, x, y, w []float32, off int) {
	t.Helper()
	n := len(x)
	p := SigmoidParams{Need: NeedCE | NeedFocal | NeedRegion, PosWeight: c.PosWeight, FocalAlpha: c.FocalAlpha, FocalGamma: c.FocalGamma, Probs: c.Probs}
	if c.Probs {
		p.Need = NeedCE | NeedRegion
	}
	gx, gy, gd, gw := newF32(n, off), newF32(n, (off+5)%16), newF32(n, (off+11)%16), guardedOpt(w, (off+3)%16)
	copy(gx.s, x)
	copy(gy.s, y)
	var got, want SigmoidSums[float32]
	tr.sigmoidFused(gx.s, gy.s, gw.slice(), &p, c, &got, gd.s)
	gx.check(t, "x")
	gy.check(t, "y")
	gd.check(t, "dst")
	gw.checkOpt(t, "w")
	tr.sigmoidStats(x, y, w, &p, &want)
	wd := make([]float32, n)
	tr.sigmoidGrad(x, y, w, c, wd)
	if rb := refBits(x, y, c.Probs); got.Bits != rb || want.Bits != rb {
		t.Fatalf("%s sigmoid fused %+v n=%d off=%d: Bits %#x, statistics kernel %#x, want %#x", tr.name, *c, n, off, got.Bits, want.Bits, rb)
	}
	if !sameBits(got.BCE, want.BCE) || !sameBits(got.Focal, want.Focal) {
		t.Fatalf("%s sigmoid fused %+v n=%d off=%d: BCE, Focal = %v, %v; statistics kernel %v, %v", tr.name, *c, n, off, got.BCE, got.Focal, want.BCE, want.Focal)
	}
	for i := range wd {
		if !sameBits(gd.s[i], wd[i]) {
			t.Fatalf("%s sigmoid fused %+v n=%d off=%d i=%d: grad %v, gradient kernel %v", tr.name, *c, n, off, i, gd.s[i], wd[i])
		}
	}
}

// sigmoidCaseSet is one family of sigmoid kernel cases: logits or
// probabilities, with the inputs each is drawn from.
type sigmoidCaseSet struct {
	name   string
	params []SigmoidParams
	coefs  []SigmoidCoef
	inputs func(r *rand.Rand, n int) []float32
}

var sigmoidCaseSets = []sigmoidCaseSet{
	{"logits", sigmoidParamCases, sigmoidCoefCases, func(r *rand.Rand, n int) []float32 { return randLogits(r, n, 4, false) }},
	{"probabilities", sigmoidProbsParamCases, sigmoidProbsCoefCases, randProbs},
}

// checkSigmoidAll runs the statistics, gradient and fused checks of case
// ci of set cs.
func checkSigmoidAll(t *testing.T, tr *tier, cs *sigmoidCaseSet, ci int, x, y, w []float32, off int) {
	t.Helper()
	checkSigmoidStats(t, tr, &cs.params[ci], x, y, w, off)
	checkSigmoidGrad(t, tr, &cs.coefs[ci], x, y, w, off)
	checkSigmoidFused(t, tr, &cs.coefs[ci], x, y, w, off)
}

// TestSigmoidTiers: every case of both sets (logits and probabilities) at
// every length and offset, weighted and not.
func TestSigmoidTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(5, 6))
		for si := range sigmoidCaseSets {
			cs := &sigmoidCaseSets[si]
			for ci := range cs.params {
				for _, n := range lengths() {
					for off := 0; off < 16; off += 1 + n%3 {
						checkSigmoidAll(t, tr, cs, ci, cs.inputs(r, n), randTargets(r, n), randWeights(r, n), off)
					}
				}
			}
		}
	})
}

// TestSigmoidSpecial feeds the special values (NaN, infinities, zeros,
// denormals, +-88, +-1e4) at every lane position.
func TestSigmoidSpecial(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		for ci := range sigmoidParamCases {
			for _, v := range specials {
				for _, yv := range []float32{0, 1, 0.5} {
					x, y := make([]float32, 37), make([]float32, 37)
					for i := range x {
						x[i], y[i] = v, yv
					}
					for _, w := range [][]float32{nil, constWeights(37, 2.5)} {
						checkSigmoidAll(t, tr, &sigmoidCaseSets[0], ci, x, y, w, 1)
					}
				}
			}
			// specials mixed into ordinary values
			r := rand.New(rand.NewPCG(7, uint64(ci)))
			x, y := randLogits(r, 100, 4, true), randTargets(r, 100)
			for _, w := range [][]float32{nil, constWeights(100, 0.5)} {
				checkSigmoidAll(t, tr, &sigmoidCaseSets[0], ci, x, y, w, 3)
			}
		}
	})
}

func TestGuardPagesSigmoid(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(8, 9))
		for si := range sigmoidCaseSets {
			cs := &sigmoidCaseSets[si]
			for ci := range cs.params {
				for _, n := range lengths() {
					x, y := guardF32(t, cs.inputs(r, n)), guardF32(t, randTargets(r, n))
					rb := refBits(x, y, cs.coefs[ci].Probs)
					for _, w := range [][]float32{nil, guardF32(t, constWeights(n, 3))} {
						var s SigmoidSums[float32]
						tr.sigmoidStats(x, y, w, &cs.params[ci], &s)
						b := tr.sigmoidGrad(x, y, w, &cs.coefs[ci], guardF32(t, make([]float32, n)))
						if s.Bits != rb || b != gradRefBits(x, y, &cs.coefs[ci]) {
							t.Fatalf("%s %s case %d n=%d: statistics Bits %#x, gradient %#x, want %#x", tr.name, cs.name, ci, n, s.Bits, b, rb)
						}
						c := &cs.coefs[ci]
						p := SigmoidParams{Need: NeedCE | NeedFocal, PosWeight: c.PosWeight, FocalAlpha: c.FocalAlpha, FocalGamma: c.FocalGamma, Probs: c.Probs}
						if c.Probs {
							p.Need = NeedCE
						}
						tr.sigmoidFused(x, y, w, &p, c, &s, guardF32(t, make([]float32, n)))
						if s.Bits != rb {
							t.Fatalf("%s %s case %d n=%d: fused Bits %#x, want %#x", tr.name, cs.name, ci, n, s.Bits, rb)
						}
					}
				}
			}
		}
	})
}

func fuzzSigmoid(f *testing.F, grad bool) {
	addFloatCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		x := floatsOf(b)
		y := make([]float32, len(x))
		for i := range y {
			y[i] = float32(b[4*i]%3) / 2
		}
		// weights from the bytes too (0, 0.5, 1, 7.25), or none
		var w []float32
		if len(b)%2 == 1 {
			w = make([]float32, len(x))
			for i := range w {
				w[i] = []float32{0, 0.5, 1, 7.25}[b[4*i+1]%4]
			}
		}
		for _, tr := range asmTiers() {
			for ci := range sigmoidParamCases {
				if grad {
					checkSigmoidGrad(t, tr, &sigmoidCoefCases[ci], x, y, w, len(b)%16)
					checkSigmoidFused(t, tr, &sigmoidCoefCases[ci], x, y, w, len(b)%16)
				} else {
					checkSigmoidStats(t, tr, &sigmoidParamCases[ci], x, y, w, len(b)%16)
				}
			}
		}
	})
}

func FuzzSigmoidStats(f *testing.F) { fuzzSigmoid(f, false) }
func FuzzSigmoidGrad(f *testing.F)  { fuzzSigmoid(f, true) }

// constWeights returns n weights of value v.
func constWeights(n int, v float32) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = v
	}
	return w
}

// TestSigmoidWeightOne: weights of exactly 1 change no bit of any sum or
// gradient element, on every tier (the weighted kernels multiply by w
// where the unweighted ones use the value as it is).
func TestSigmoidWeightOne(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(11, 12))
		for ci := range sigmoidParamCases {
			for _, n := range []int{1, 7, 16, 33, 100, 1024} {
				x, y, one := randLogits(r, n, 4, true), randTargets(r, n), constWeights(n, 1)
				var a, b SigmoidSums[float32]
				tr.sigmoidStats(x, y, nil, &sigmoidParamCases[ci], &a)
				tr.sigmoidStats(x, y, one, &sigmoidParamCases[ci], &b)
				if !sameSums(a, b) {
					t.Fatalf("%s stats %+v n=%d: weights 1 give %+v, none %+v", tr.name, sigmoidParamCases[ci], n, b, a)
				}
				ga, gb := make([]float32, n), make([]float32, n)
				tr.sigmoidGrad(x, y, nil, &sigmoidCoefCases[ci], ga)
				tr.sigmoidGrad(x, y, one, &sigmoidCoefCases[ci], gb)
				for i := range ga {
					if !sameBits(ga[i], gb[i]) {
						t.Fatalf("%s grad %+v n=%d i=%d: weight 1 gives %v, none %v", tr.name, sigmoidCoefCases[ci], n, i, gb[i], ga[i])
					}
				}
			}
		}
	})
}

func sameSums(a, b SigmoidSums[float32]) bool {
	return sameBits(a.P, b.P) && sameBits(a.PY, b.PY) && sameBits(a.Y, b.Y) && sameBits(a.PP, b.PP) &&
		sameBits(a.YY, b.YY) && sameBits(a.BCE, b.BCE) && sameBits(a.Focal, b.Focal) && sameBits(a.AD, b.AD) &&
		a.Bits == b.Bits
}

var _ = fmt.Sprint

// The probability kernels (SigmoidParams.Probs, SigmoidCoef.Probs): region
// sums, torch's binary_cross_entropy and their gradients d/dp.
var sigmoidProbsParamCases = []SigmoidParams{
	{Need: NeedRegion, PosWeight: 1, FocalAlpha: -1, Probs: true},
	{Need: NeedRegion | NeedSquared, PosWeight: 1, FocalAlpha: -1, Probs: true},
	{Need: NeedCE, PosWeight: 1, FocalAlpha: -1, Probs: true},
	{Need: NeedCE, PosWeight: 2.5, FocalAlpha: -1, Probs: true},
	{Need: NeedCE | NeedRegion | NeedSquared, PosWeight: 0.3, FocalAlpha: -1, Probs: true},
	{Need: NeedRegion | NeedAbsDiff, PosWeight: 1, FocalAlpha: -1, Probs: true},
}

var sigmoidProbsCoefCases = []SigmoidCoef{
	{A: -0.01, B: 0.003, FocalAlpha: -1, Probs: true},
	{A: -0.01, B: 0.003, E: 0.002, FocalAlpha: -1, Probs: true},
	{BCEScale: 1e-3, PosWeight: 1, FocalAlpha: -1, Probs: true},
	{BCEScale: 1e-3, PosWeight: 3, FocalAlpha: -1, Probs: true},
	{A: -0.01, B: 0.003, E: 0.001, BCEScale: 1e-3, PosWeight: 2, FocalAlpha: -1, Probs: true},
	{B: 0.003, D: -0.004, FocalAlpha: -1, Probs: true},
}

// randProbs returns n probabilities: uniform, with exact 0 and 1, values
// within a few ULP of 0 and 1, and denormals mixed in.
func randProbs(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = 0
		case 1:
			x[i] = 1
		case 2:
			x[i] = math.Nextafter32(1, 0)
		case 3:
			x[i] = float32(r.IntN(4)) * 0x1p-140 // denormal or 0
		default:
			x[i] = r.Float32()
		}
	}
	return x
}

// TestSigmoidProbsSpecial: the probability kernels at exact 0 and 1, 0.5,
// NaN (which propagates), the smallest denormal and the float below 1,
// against targets 0, 1 and 0.5, at every lane position.
func TestSigmoidProbsSpecial(t *testing.T) {
	cs := &sigmoidCaseSets[1]
	forTiers(t, func(t *testing.T, tr *tier) {
		for ci := range cs.params {
			for _, v := range []float32{0, 1, 0.5, float32(math.NaN()), 0x1p-149, math.Nextafter32(1, 0)} {
				for _, yv := range []float32{0, 1, 0.5} {
					x, y := make([]float32, 37), make([]float32, 37)
					for i := range x {
						x[i], y[i] = v, yv
					}
					for _, w := range [][]float32{nil, constWeights(37, 2.5)} {
						checkSigmoidAll(t, tr, cs, ci, x, y, w, 1)
					}
				}
			}
		}
	})
}

// FuzzSigmoidProbs: the probability kernels of every assembly tier against
// the generic one on fuzzed probabilities (the bytes' floats folded into
// [0, 1], NaN kept), targets and weights.
func FuzzSigmoidProbs(f *testing.F) {
	addFloatCorpus(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		x := floatsOf(b)
		y := make([]float32, len(x))
		for i := range x {
			if v := x[i]; v == v {
				x[i] = float32(math.Min(1, math.Abs(float64(v))))
			}
			y[i] = float32(b[4*i]%3) / 2
		}
		var w []float32
		if len(b)%2 == 1 {
			w = make([]float32, len(x))
			for i := range w {
				w[i] = []float32{0, 0.5, 1, 7.25}[b[4*i+1]%4]
			}
		}
		for _, tr := range asmTiers() {
			for ci := range sigmoidProbsParamCases {
				checkSigmoidAll(t, tr, &sigmoidCaseSets[1], ci, x, y, w, len(b)%16)
			}
		}
	})
}

// badBits are the values the target check must see: outside [0, 1] (NaN of
// either sign and payload, -0, infinities, the float above 1, a negative
// denormal) and, last, the largest bits of all.
var badBits = []float32{
	float32(math.NaN()), math.Float32frombits(0xffc00000), math.Float32frombits(0x7f800001),
	math.Float32frombits(0x80000000), float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Nextafter32(1, 2), -1, 2, -0x1p-149, math.Float32frombits(0xffffffff),
}

// TestSigmoidBits: every tier's statistics, gradient and fused kernels
// report the largest bits of the targets (and of the probabilities) with
// one bad value at the first, the last and every tail lane of every length,
// in an unaligned slice whose neighbours (past the end, in the vector's
// other lanes) hold larger bits that must not count, weighted (a weight 0
// at the bad element) and not.
func TestSigmoidBits(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(13, 14))
		for si := range sigmoidCaseSets {
			cs := &sigmoidCaseSets[si]
			probs := cs.coefs[0].Probs
			for _, n := range lengths() {
				if n == 0 {
					continue
				}
				at := map[int]bool{0: true, n - 1: true}
				for k := n - n%16; k < n; k++ {
					at[k] = true // the lanes of the last, partial vector
				}
				for i := range at {
					bad := badBits[(n+i)%len(badBits)]
					for _, inX := range []bool{false, true} {
						if inX && !probs {
							continue
						}
						x, y := cs.inputs(r, n), randTargets(r, n)
						if inX {
							x[i] = bad
						} else {
							y[i] = bad
						}
						w := randWeights(r, n)
						if w != nil {
							w[i] = 0 // a zero weight does not hide a bad target
						}
						off := (n + i) % 16
						ci := (n + i) % len(cs.params)
						checkSigmoidAll(t, tr, cs, ci, x, y, w, off)
						if got, want := sigmoidBitsOf(tr, cs, ci, x, y, w), refBits(x, y, probs); got != want || BitsOK(want) {
							t.Fatalf("%s %s n=%d i=%d bad=%#x inX=%v: Bits %#x, want %#x (not OK)", tr.name, cs.name, n, i, math.Float32bits(bad), inX, got, want)
						}
					}
				}
			}
		}
	})
}

// sigmoidBitsOf runs case ci's statistics pass of tr on x[:n], y[:n] (and
// w) placed in buffers whose next element holds the largest bits, and
// returns its Bits.
func sigmoidBitsOf(tr *tier, cs *sigmoidCaseSet, ci int, x, y, w []float32) uint32 {
	n := len(x)
	bx, by := make([]float32, n+16), make([]float32, n+16)
	for i := n; i < n+16; i++ {
		bx[i], by[i] = math.Float32frombits(0xffffffff), math.Float32frombits(0xffffffff)
	}
	copy(bx, x)
	copy(by, y)
	var s SigmoidSums[float32]
	tr.sigmoidStats(bx[:n], by[:n], w, &cs.params[ci], &s)
	return s.Bits
}

// TestSigmoidBitsOK: BitsOK accepts exactly the bits of [+0, 1].
func TestSigmoidBitsOK(t *testing.T) {
	for _, v := range []float32{0, 0x1p-149, 0.5, math.Nextafter32(1, 0), 1} {
		if !BitsOK(math.Float32bits(v)) {
			t.Errorf("BitsOK(bits of %v) = false", v)
		}
	}
	for _, v := range badBits {
		if BitsOK(math.Float32bits(v)) {
			t.Errorf("BitsOK(%#x) = true", math.Float32bits(v))
		}
	}
}
