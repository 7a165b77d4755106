package kernels

import (
	"math"
	"unsafe"
)

// The softmax losses against probability targets (soft labels): one image
// of C planes of S logits x and C planes of S targets y in [0, 1] (a
// distribution over the classes at each pixel, or any soft one-hot).
// SoftTargetRange and SoftTargetGradRange split a range of pixels into
// blocks of BlockPixels(C) and run the tier's kernels on each (tierFor(C):
// generic above MaxAsmClasses), as the softmax drivers do:
// softTargetStatsGeneric and softTargetGradGeneric below are their
// specification, and the assembly tiers (asm/soft_amd64.s) compute the
// same operations on a vector of pixels at a time.

// SoftScratchLen returns the float32 scratch the probability-target
// primitives need for C classes (Scratch32 of SoftTargetParams and
// SoftTargetCoef): the kernels' table (8*C), their 64-byte aligned
// scratch (128*C, after up to 15 floats of alignment) and a block's sums
// (6*C+1).
func SoftScratchLen(C int) int { return 142*C + 16 }

// Flag bits of the probability-target kernels (asm/soft_amd64.s): Flags'
// NeedCE, NeedRegion, NeedSquared and NeedAbsDiff, and softWeights when
// the table holds CE class weights.
const softWeights = 512

// Fields of one class's 8 floats in the kernels' table.
const (
	softTabW  = 0 // CE weight (1 without softWeights)
	softTabA  = 1 // region coefficients
	softTabB  = 2
	softTabE  = 3
	softTabD  = 4
	softTabSW = 5 // CEScale * CE weight
)

// SoftTargetParams configures SoftTargetRange.
type SoftTargetParams struct {
	C int
	// CE adds the cross entropy of torch's cross_entropy with probability
	// targets: sum_c w_c y'_c (lse - x_c), y' = (1-Smoothing)*y +
	// Smoothing/C, w_c = CEWeight[c] (1 when nil).
	CE        bool
	CEWeight  []float32
	Smoothing float32
	// Region adds the per-class sums of p = softmax(x) against y: P, PY
	// and Y, with Squared also PP and YY, with AbsDiff also AD (the sums
	// not asked for are 0).
	Region, Squared, AbsDiff bool
	// Scratch32 holds at least SoftScratchLen(C) float32 values.
	Scratch32 []float32
}

// SoftTargetSums are the sums of SoftTargetRange: per class (C each) P = sum
// p, PY = sum p*y, Y = sum y, PP = sum p^2, YY = sum y^2, AD = sum |p - y|,
// and CE, the sum of the pixels' cross entropies. Bits is the largest bit
// pattern (as uint32) of the targets the call read: BitsOK(Bits) when
// every one of them is in [+0, 1]; SoftTargetRange raises it, never lowers
// it.
type SoftTargetSums struct {
	P, PY, Y, PP, YY, AD []float64
	CE                   float64
	Bits                 uint32
}

// SoftTargetCoef configures SoftTargetGradRange. The gradient of pixel i
// with respect to x_k is
//
//	CEScale * (p_k * sum_c w_c y'_c - w_k y'_k)      cross entropy
//	+ p_k * (g_k - sum_j p_j g_j)                    region terms
//
// with g_j = A_j y_j + B_j + E_j p_j + D_j sgn(p_j - y_j) (A, B, E, D: C
// values each, nil for no region terms). Without CE (CEScale 0 and no
// weights) the first line is 0.
type SoftTargetCoef struct {
	C          int
	CE         bool
	CEScale    float32
	CEWeight   []float32
	Smoothing  float32
	A, B, E, D []float32
	// Scratch32 holds at least SoftScratchLen(C) float32 values.
	Scratch32 []float32
}

func checkSoftTarget(fn string, x, y []float32, C, S, lo, hi int, cw []float32, scr32 []float32) error {
	if C < 1 || S < 0 || lo < 0 || lo > hi || hi > S {
		return argErr(fn, "C = %d, S = %d, pixels [%d, %d)", C, S, lo, hi)
	}
	if S > 0 && C > math.MaxInt/S {
		return argErr(fn, "C*S overflows")
	}
	if C > math.MaxInt32 {
		return argErr(fn, "C = %d, more than 2^31-1", C)
	}
	if err := checkLen(fn, "x", len(x), C*S); err != nil {
		return err
	}
	if err := checkLen(fn, "y", len(y), C*S); err != nil {
		return err
	}
	if cw != nil {
		if err := checkLen(fn, "CEWeight", len(cw), C); err != nil {
			return err
		}
	}
	return checkLen(fn, "Scratch32", len(scr32), SoftScratchLen(C))
}

// splitSoftScratch carves the kernels' table, their 64-byte aligned
// scratch and a block's sums out of s (SoftScratchLen(C) floats).
func splitSoftScratch(s []float32, C int) (tab, scr, out []float32) {
	tab = s[:8*C]
	rest := s[8*C:]
	if a := addrOf(rest) % 64; a != 0 {
		rest = rest[(64-a)/4:]
	}
	scr = rest[:128*C]
	out = rest[128*C : 128*C+6*C+1]
	return tab, scr, out
}

// softEps returns the kernels' eps1 and epsC: y' = y*eps1 + epsC.
func softEps(ce bool, eps float32, C int) (eps1, epsC float32) {
	if !ce {
		return 1, 0
	}
	return 1 - eps, eps / float32(C)
}

// SoftTargetRange adds the sums of pixels [lo, hi) of one image (x, y: C
// planes of S) to out, whose six per-class slices have at least C
// elements. Bad lengths or ranges are an ErrArg error, nothing added.
func SoftTargetRange(x, y []float32, S, lo, hi int, p *SoftTargetParams, out *SoftTargetSums) error {
	const fn = "SoftTargetRange"
	if p == nil || out == nil {
		return argErr(fn, "nil SoftTargetParams or SoftTargetSums")
	}
	C := p.C
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, p.CEWeight, p.Scratch32); err != nil {
		return err
	}
	for _, s := range [][]float64{out.P, out.PY, out.Y, out.PP, out.YY, out.AD} {
		if err := checkLen(fn, "a SoftTargetSums slice", len(s), C); err != nil {
			return err
		}
	}
	tab, scr, o := splitSoftScratch(p.Scratch32, C)
	var flags uint64
	if p.CE {
		flags |= uint64(NeedCE)
		if p.CEWeight != nil {
			flags |= softWeights
			for c, w := range p.CEWeight[:C] {
				tab[c*8+softTabW] = w
			}
		}
	}
	if p.Region {
		flags |= uint64(NeedRegion)
		if p.Squared {
			flags |= uint64(NeedSquared)
		}
		if p.AbsDiff {
			flags |= uint64(NeedAbsDiff)
		}
	}
	eps1, epsC := softEps(p.CE, p.Smoothing, C)
	t, bp := tierFor(C), BlockPixels(C) // a call bounded by logits, as the softmax drivers'
	for b := lo; b < hi; b += bp {
		bh := min(b+bp, hi)
		bits := t.softStats(x, y, S, b, bh, C, flags, tab, scr, eps1, epsC, o)
		out.Bits = max(out.Bits, bits)
		for k, s := range [][]float64{out.P, out.PY, out.Y, out.PP, out.YY, out.AD} {
			for c, v := range o[k*C : (k+1)*C] {
				s[c] += float64(v)
			}
		}
		out.CE += float64(o[6*C])
	}
	return nil
}

// SoftTargetGradRange writes the gradient of pixels [lo, hi) of one image
// into dst (C planes of S, like x); other pixels are not touched. Bad
// lengths or ranges are an ErrArg error, nothing written.
func SoftTargetGradRange(x, y []float32, S, lo, hi int, c *SoftTargetCoef, dst []float32) error {
	const fn = "SoftTargetGradRange"
	if c == nil {
		return argErr(fn, "nil SoftTargetCoef")
	}
	C := c.C
	if err := checkSoftTarget(fn, x, y, C, S, lo, hi, c.CEWeight, c.Scratch32); err != nil {
		return err
	}
	if err := checkLen(fn, "dst", len(dst), C*S); err != nil {
		return err
	}
	region := c.A != nil
	if region {
		for _, s := range [][]float32{c.A, c.B, c.E, c.D} {
			if err := checkLen(fn, "a region coefficient slice", len(s), C); err != nil {
				return err
			}
		}
	}
	tab, scr, _ := splitSoftScratch(c.Scratch32, C)
	var flags uint64
	if c.CE {
		flags |= uint64(NeedCE)
		if c.CEWeight != nil {
			flags |= softWeights
		}
	}
	for k := 0; k < C; k++ {
		w := float32(1)
		if c.CE && c.CEWeight != nil {
			w = c.CEWeight[k]
		}
		e := tab[k*8 : k*8+8]
		e[softTabW], e[softTabSW] = w, c.CEScale*w
		e[softTabA], e[softTabB], e[softTabE], e[softTabD] = 0, 0, 0, 0
		if region {
			e[softTabA], e[softTabB], e[softTabE], e[softTabD] = c.A[k], c.B[k], c.E[k], c.D[k]
			if c.D[k] != 0 {
				flags |= uint64(NeedAbsDiff)
			}
		}
	}
	if region {
		flags |= uint64(NeedRegion)
	}
	eps1, epsC := softEps(c.CE, c.Smoothing, C)
	t, bp := tierFor(C), BlockPixels(C) // a call bounded by logits, as the softmax drivers'
	for b := lo; b < hi; b += bp {
		bh := min(b+bp, hi)
		t.softGrad(x, y, S, b, bh, C, flags, tab, scr, eps1, epsC, c.CEScale, dst)
	}
	return nil
}

// softTargetStatsGeneric is the specification of the probability-target
// statistics kernels: over pixels [lo, hi) (at most BlockSize) of one
// image it writes out = P[C], PY[C], Y[C], PP[C], YY[C], AD[C], CE (the
// sums flags do not ask for are 0) and returns the largest bits of the
// targets. Per pixel: mx = max_c x_c, e_c = exp(x_c - mx), sum = sum_c e_c
// (in class order), p_c = e_c * (1/sum); with NeedCE, y'_c = y_c*eps1 +
// epsC (one FMA) times w_c = tab[8c] under softWeights, t1 = sum_c y'_c,
// t2 = sum_c y'_c*(x_c - mx) (FMAs) and the pixel's CE t1*log(sum) - t2
// (one FMA). The per-class sums are float32 over runs of subBlock pixels
// added to the block's float32 sums; the CE sum is float64.
func softTargetStatsGeneric(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32 {
	out = out[:6*C+1]
	clear(out)
	e := scr[:C]
	run := scr[C : 7*C] // the run's sums, as out
	clear(run)
	var bits uint32
	var ce float64
	n := 0
	flush := func() {
		for k, v := range run {
			out[k] += v
		}
		clear(run)
		n = 0
	}
	for i := lo; i < hi; i++ {
		sum, mx := softmaxPixel(x, S, i, e)
		inv := 1 / sum
		var t1, t2 float32
		for c := 0; c < C; c++ {
			yc := y[c*S+i]
			bits = max(bits, math.Float32bits(yc))
			if flags&uint64(NeedCE) != 0 {
				wy := fma32(yc, eps1, epsC)
				if flags&softWeights != 0 {
					wy = float32(wy * tab[c*8+softTabW])
				}
				t1 += wy
				t2 = fma32(wy, x[c*S+i]-mx, t2)
			}
			if flags&uint64(NeedRegion) != 0 {
				p := float32(e[c] * inv)
				run[c] += p
				run[C+c] = fma32(p, yc, run[C+c])
				run[2*C+c] += yc
				if flags&uint64(NeedSquared) != 0 {
					run[3*C+c] = fma32(p, p, run[3*C+c])
					run[4*C+c] = fma32(yc, yc, run[4*C+c])
				}
				if flags&uint64(NeedAbsDiff) != 0 {
					run[5*C+c] += abs32(p - yc)
				}
			}
		}
		if flags&uint64(NeedCE) != 0 {
			ce += float64(fma32(t1, logf(sum), -t2))
		}
		if n++; n == subBlock {
			flush()
		}
	}
	flush()
	out[6*C] = float32(ce)
	return bits
}

// softTargetGradGeneric is the specification of the probability-target
// gradient kernels: for pixels [lo, hi) of one image, dst_k = p_k*(g_k +
// base) - tab[8k+5]*y'_k, base = (scale*sum_j y'_j w_j - dot) - dlo, dot +
// dlo = sum_j p_j g_j in class order as a double-float (each product's
// exact error by an FMA, each sum's by TwoSum), y'_k = y_k*eps1 + epsC (times w_k = tab[8k] under
// softWeights in the sum), g_k = A_k*y_k + B_k + E_k*p_k (FMAs) + D_k
// sgn(p_k - y_k) (NeedAbsDiff) under NeedRegion, 0 otherwise; the CE
// parts only under NeedCE.
func softTargetGradGeneric(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) {
	p, g := scr[:C], scr[C:2*C]
	ceOn, region, ad := flags&uint64(NeedCE) != 0, flags&uint64(NeedRegion) != 0, flags&uint64(NeedAbsDiff) != 0
	for i := lo; i < hi; i++ {
		sum, _ := softmaxPixel(x, S, i, p)
		inv := 1 / sum
		// dot = sum_j p_j g_j as the double-float dot + dlo: g_k - dot
		// cancels where p is nearly one-hot, and a float32 dot's rounding
		// errors would dominate the difference.
		var wy, dot, dlo float32
		for k := 0; k < C; k++ {
			p[k] = float32(p[k] * inv)
			yk := y[k*S+i]
			if ceOn {
				yp := fma32(yk, eps1, epsC)
				if flags&softWeights != 0 {
					yp = float32(yp * tab[k*8+softTabW])
				}
				wy += yp
			}
			if region {
				e := tab[k*8 : k*8+8]
				gk := fma32(e[softTabE], p[k], fma32(e[softTabA], yk, e[softTabB]))
				if ad {
					switch {
					case p[k] > yk:
						gk += e[softTabD]
					case p[k] < yk:
						gk -= e[softTabD]
					}
				}
				g[k] = gk
				q := float32(p[k] * gk)
				qe := fma32(p[k], gk, -q) // exact: p*g - q
				s := dot + q
				bb := s - dot
				se := (dot - (s - bb)) + (q - bb) // exact: dot + q - s (TwoSum)
				dot = s
				dlo += se + qe
			}
		}
		base := (float32(scale*wy) - dot) - dlo
		for k := 0; k < C; k++ {
			v := base
			if region {
				v = g[k] + base
			}
			d := float32(p[k] * v)
			if ceOn {
				yp := fma32(y[k*S+i], eps1, epsC)
				d = fma32(-tab[k*8+softTabSW], yp, d)
			}
			dst[k*S+i] = d
		}
	}
}

// addrOf returns the address of s's first element (of its array when s
// is empty).
func addrOf(s []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }
