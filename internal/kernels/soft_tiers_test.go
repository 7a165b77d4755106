package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The probability-target kernels of every assembly tier against their
// specification (softTargetStatsGeneric, softTargetGradGeneric) and the
// specification against float64 arithmetic: every length up to two
// vectors and around BlockSize, unaligned starts, NaN guards around every
// slice, guard pages after them, special logits and targets outside [0, 1].

// softFlagSets are the flag combinations the tests run: CE alone (with and
// without class weights), the region sums, and both.
var softFlagSets = []uint64{
	uint64(NeedCE),
	uint64(NeedCE) | softWeights,
	uint64(NeedRegion | NeedSquared | NeedAbsDiff),
	uint64(NeedRegion),
	uint64(NeedCE|NeedRegion|NeedSquared|NeedAbsDiff) | softWeights,
	uint64(NeedCE | NeedRegion | NeedAbsDiff),
}

// softCase is one kernel call's inputs.
type softCase struct {
	C, S, lo, hi int
	flags        uint64
	x, y, tab    []float32
	eps1, epsC   float32
	scale        float32
}

// newSoftCase returns random inputs for C classes and pixels [lo, lo+n) of
// S = lo+n+pad: targets in [0, 1] (exact 0 and 1 among them), or with bad
// a few outside it; special logits when special.
func newSoftCase(r *rand.Rand, C, n, lo int, flags uint64, special, bad bool) *softCase {
	S := lo + n + r.IntN(3)
	c := &softCase{C: C, S: S, lo: lo, hi: lo + n, flags: flags, scale: 0.37}
	c.x = randLogits(r, C*S, 3, special)
	c.y = make([]float32, C*S)
	for i := range c.y {
		switch r.IntN(6) {
		case 0:
			c.y[i] = 0
		case 1:
			c.y[i] = 1
		default:
			c.y[i] = r.Float32()
		}
		if bad && r.IntN(40) == 0 {
			c.y[i] = []float32{-0.5, 1.5, float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(1))}[r.IntN(5)]
		}
	}
	c.tab = make([]float32, 8*C)
	for k := 0; k < C; k++ {
		c.tab[8*k+softTabW] = 0.25 + r.Float32()
		c.tab[8*k+softTabA] = float32(r.NormFloat64())
		c.tab[8*k+softTabB] = float32(r.NormFloat64())
		c.tab[8*k+softTabE] = float32(r.NormFloat64())
		c.tab[8*k+softTabD] = float32(r.NormFloat64())
		c.tab[8*k+softTabSW] = c.scale * c.tab[8*k+softTabW]
	}
	if flags&softWeights == 0 {
		for k := 0; k < C; k++ {
			c.tab[8*k+softTabSW] = c.scale
		}
	}
	c.eps1, c.epsC = 1, 0
	if r.IntN(2) == 0 {
		c.eps1, c.epsC = 0.9, 0.1/float32(C)
	}
	return c
}

// softScr returns the kernels' scratch for C classes at a 64-byte offset
// plus off floats (the kernels must not need it aligned).
func softScr(C, off int) []float32 {
	return newF32(128*C, off).s
}

// TestSoftTargetTiers: every assembly tier's statistics (sums within
// float32 summation error of the specification's, bits equal) and
// gradient (within 1e-6 of its largest element) against the generic
// kernels.
func TestSoftTargetTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(7, 11))
		Cs, los := []int{1, 2, 3, 4, 5, 8, 13, 21}, []int{0, 1, 3}
		if testing.Short() { // race, arm64 under emulation
			Cs, los = []int{1, 3, 4, 13}, []int{0, 3}
		}
		for _, C := range Cs {
			for _, n := range lengths() {
				if n > BlockSize {
					continue
				}
				if C > 5 && n > 65 && n != BlockSize {
					continue
				}
				for _, lo := range los {
					for fi, flags := range softFlagSets {
						special, bad := r.IntN(3) == 0, r.IntN(4) == 0
						c := newSoftCase(r, C, n, lo, flags, special, bad)
						checkSoftTier(t, tr, c, fi)
					}
				}
			}
		}
	})
}

func checkSoftTier(t *testing.T, tr *tier, c *softCase, fi int) {
	t.Helper()
	C, S := c.C, c.S
	off := (c.lo*7 + fi) % 5
	gx, gy, gt := newF32(C*S, off), newF32(C*S, off+1), newF32(8*C, off+2)
	copy(gx.s, c.x)
	copy(gy.s, c.y)
	copy(gt.s, c.tab)
	want, got := make([]float32, 6*C+1), newF32(6*C+1, off+3)
	wbits := softTargetStatsGeneric(c.x, c.y, S, c.lo, c.hi, C, c.flags, c.tab, make([]float32, 7*C), c.eps1, c.epsC, want)
	gbits := tr.softStats(gx.s, gy.s, S, c.lo, c.hi, C, c.flags, gt.s, softScr(C, off), c.eps1, c.epsC, got.s)
	gx.check(t, "x")
	gy.check(t, "y")
	got.check(t, "out")
	if gbits != wbits {
		t.Fatalf("C=%d n=%d lo=%d flags=%#x: bits %#x, want %#x", C, c.hi-c.lo, c.lo, c.flags, gbits, wbits)
	}
	n := float64(c.hi - c.lo)
	for k, w := range want {
		// a sum of n terms of at most 1 (P, PY, Y, ...) or of the CE's
		// (its scale: the float64 sum of the pixels' |CE|, at least 1)
		sc := n + 1
		if k == 6*C {
			sc = math.Max(1, math.Abs(float64(w)))
		}
		if !close32(got.s[k], w, 4e-6, sc) {
			t.Fatalf("C=%d n=%d lo=%d flags=%#x eps1=%v: out[%d] = %v, want %v", C, c.hi-c.lo, c.lo, c.flags, c.eps1, k, got.s[k], w)
		}
	}
	// the gradient: the same operations as the specification's, but the
	// tiers' exp is not bit for bit math.go's (as the softmax kernels'
	// tests, within a tolerance of the largest element)
	wd := make([]float32, C*S)
	gd := newF32(C*S, off+4)
	for i := range wd {
		wd[i] = -7
		gd.s[i] = -7
	}
	softTargetGradGeneric(c.x, c.y, S, c.lo, c.hi, C, c.flags, c.tab, make([]float32, 2*C), c.eps1, c.epsC, c.scale, wd)
	tr.softGrad(gx.s, gy.s, S, c.lo, c.hi, C, c.flags, gt.s, softScr(C, off+5), c.eps1, c.epsC, c.scale, gd.s)
	gd.check(t, "dst")
	scale := max(maxAbs(wd), 1e-3)
	for i, w := range wd {
		if !close32(gd.s[i], w, 1e-6, scale) {
			t.Fatalf("C=%d n=%d lo=%d flags=%#x: dst[%d] (class %d, pixel %d) = %v, want %v", C, c.hi-c.lo, c.lo, c.flags, i, i/S, i%S, gd.s[i], w)
		}
	}
}

// TestSoftTargetGuardPages: every tier's kernels on x, y and dst that end
// where an unreadable page begins, at every tail length.
func TestSoftTargetGuardPages(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(3, 5))
		for _, C := range []int{1, 3, 4} {
			for n := 0; n <= 33; n++ {
				c := newSoftCase(r, C, n, 0, softFlagSets[4], false, false)
				c.S = n // the last plane ends at the page
				c.x, c.y = c.x[:C*n], c.y[:C*n]
				x, y, d := guardF32(t, c.x), guardF32(t, c.y), guardF32(t, make([]float32, C*n))
				out := make([]float32, 6*C+1)
				tr.softStats(x, y, n, 0, n, C, c.flags, c.tab, softScr(C, 0), c.eps1, c.epsC, out)
				tr.softGrad(x, y, n, 0, n, C, c.flags, c.tab, softScr(C, 0), c.eps1, c.epsC, c.scale, d)
				want := make([]float32, C*n)
				softTargetGradGeneric(c.x, c.y, n, 0, n, C, c.flags, c.tab, make([]float32, 2*C), c.eps1, c.epsC, c.scale, want)
				scale := max(maxAbs(want), 1e-3)
				for i := range want {
					if !close32(d[i], want[i], 1e-6, scale) {
						t.Fatalf("C=%d n=%d: dst[%d] = %v, want %v", C, n, i, d[i], want[i])
					}
				}
			}
		}
	})
}

// TestSoftTargetSpec64: the specification against float64 arithmetic
// (math.Exp, math.Log): the sums within float32 rounding of the float64
// ones, the gradient within 1e-6 of each element's scale.
func TestSoftTargetSpec64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, C := range []int{1, 2, 4, 9} {
		for _, n := range []int{1, 7, 100, BlockSize} {
			for _, flags := range softFlagSets {
				c := newSoftCase(r, C, n, 2, flags, false, false)
				S := c.S
				out := make([]float32, 6*C+1)
				softTargetStatsGeneric(c.x, c.y, S, c.lo, c.hi, C, c.flags, c.tab, make([]float32, 7*C), c.eps1, c.epsC, out)
				d := make([]float32, C*S)
				softTargetGradGeneric(c.x, c.y, S, c.lo, c.hi, C, c.flags, c.tab, make([]float32, 2*C), c.eps1, c.epsC, c.scale, d)
				ref := make([]float64, 6*C+1)
				p, g, gm := make([]float64, C), make([]float64, C), make([]float64, C)
				for i := c.lo; i < c.hi; i++ {
					mx := math.Inf(-1)
					for k := 0; k < C; k++ {
						mx = math.Max(mx, float64(c.x[k*S+i]))
					}
					var sum float64
					for k := 0; k < C; k++ {
						p[k] = math.Exp(float64(c.x[k*S+i]) - mx)
						sum += p[k]
					}
					var wy, dot, dotm, ce float64
					near := false // p_k within float32 rounding of y_k: sgn(p_k - y_k) is either
					for k := 0; k < C; k++ {
						p[k] /= sum
						yk := float64(c.y[k*S+i])
						yp := yk*float64(c.eps1) + float64(c.epsC)
						w := 1.0
						if flags&softWeights != 0 {
							w = float64(c.tab[8*k+softTabW])
						}
						if flags&uint64(NeedCE) != 0 {
							ce += w * yp * (mx + math.Log(sum) - float64(c.x[k*S+i]))
							wy += w * yp
						}
						if flags&uint64(NeedRegion) != 0 {
							e := c.tab[8*k : 8*k+8]
							gk := float64(e[softTabA])*yk + float64(e[softTabB]) + float64(e[softTabE])*p[k]
							near = near || math.Abs(p[k]-yk) < 1e-6
							if flags&uint64(NeedAbsDiff) != 0 {
								switch {
								case p[k] > yk:
									gk += float64(e[softTabD])
								case p[k] < yk:
									gk -= float64(e[softTabD])
								}
							}
							g[k] = gk
							gm[k] = math.Abs(float64(e[softTabA])*yk) + math.Abs(float64(e[softTabB])) + math.Abs(float64(e[softTabE])*p[k]) + math.Abs(float64(e[softTabD]))
							dot += p[k] * gk
							dotm += p[k] * gm[k]
							ref[k] += p[k]
							ref[C+k] += p[k] * yk
							ref[2*C+k] += yk
							if flags&uint64(NeedSquared) != 0 {
								ref[3*C+k] += p[k] * p[k]
								ref[4*C+k] += yk * yk
							}
							if flags&uint64(NeedAbsDiff) != 0 {
								ref[5*C+k] += math.Abs(p[k] - yk)
							}
						}
					}
					ref[6*C] += ce
					for k := 0; k < C; k++ {
						yp := float64(c.y[k*S+i])*float64(c.eps1) + float64(c.epsC)
						v := p[k] * (float64(c.scale) * wy)
						sc := math.Abs(v) + 1e-3
						if flags&uint64(NeedRegion) != 0 {
							v += p[k] * (g[k] - dot)
							sc += p[k] * (gm[k] + dotm) // the magnitude of the terms of g_k and of dot
						}
						if flags&uint64(NeedCE) != 0 {
							sw := float64(c.tab[8*k+softTabSW])
							v -= sw * yp
							sc += math.Abs(sw * yp)
						}
						if !(near && flags&uint64(NeedAbsDiff) != 0) && math.Abs(float64(d[k*S+i])-v) > 1e-6*sc {
							t.Fatalf("C=%d n=%d flags=%#x: grad class %d pixel %d = %v, want %v", C, n, flags, k, i, d[k*S+i], v)
						}
					}
				}
				for k, w := range ref {
					sc := float64(n)
					if k == 6*C {
						sc = math.Max(1, w)
					}
					if math.Abs(float64(out[k])-w) > 2e-6*sc {
						t.Fatalf("C=%d n=%d flags=%#x: out[%d] = %v, want %v", C, n, flags, k, out[k], w)
					}
				}
			}
		}
	}
}

// FuzzSoftTarget: the probability-target kernels of every assembly tier
// against the specification on fuzzed logits (any float32 bits), targets
// in [0, 1] from the fuzzer's bytes (a few outside it: the bits), every
// flag set, at fuzzed starts.
func FuzzSoftTarget(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, []byte{0, 255, 128}, uint8(3), uint8(0))
	f.Add(make([]byte, 200), []byte{7}, uint8(5), uint8(7))
	f.Fuzz(func(t *testing.T, b, yb []byte, cb, opt uint8) {
		C := 1 + int(cb)%9
		x := floatsOf(b)
		S := len(x) / C
		if S == 0 || len(yb) == 0 {
			return
		}
		lo := int(opt) % (S + 1)
		r := rand.New(rand.NewPCG(uint64(len(b)), uint64(opt)))
		c := newSoftCase(r, C, S-lo, lo, softFlagSets[int(opt)%len(softFlagSets)], false, opt&64 != 0)
		c.S = S
		c.x = x[:C*S]
		c.y = c.y[:0]
		for i := 0; i < C*S; i++ {
			v := float32(yb[i%len(yb)]) / 255
			if opt&64 != 0 && yb[i%len(yb)] == 254 {
				v = 1.5 // outside [0, 1]: only the bits say so
			}
			c.y = append(c.y, v)
		}
		for _, tr := range asmTiers() {
			checkSoftTier(t, tr, c, int(opt))
		}
	})
}
