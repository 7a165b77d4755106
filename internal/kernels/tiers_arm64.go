//go:build !purego

package kernels

import "github.com/segloss/segloss/asm"

// supportedTiers returns the tiers this CPU runs, best first: NEON (every
// arm64 CPU Go runs on has Advanced SIMD), generic.
func supportedTiers() []*tier { return []*tier{neonTier, genericTier} }

// neonTier binds the generated NEON kernels of package asm; the Go side
// only splits the work into blocks of at most BlockSize elements (assembly
// is not preemptible) and prepares the kernels' arguments.
var neonTier = func() *tier {
	t := *genericTier
	t.name = "neon"
	t.exp = neonBlocked(asm.ExpNEON)
	t.log = neonBlocked(asm.LogNEON)
	t.sigmoid = neonBlocked(asm.SigmoidNEON)
	t.sigmoidStats = neonSigmoidStats
	t.sigmoidGrad = neonSigmoidGrad
	t.sigmoidFused = neonSigmoidFused
	t.softmaxStatsU8 = neonSoftmaxStats[uint8]
	t.softmaxStatsI32 = neonSoftmaxStats[int32]
	t.softmaxGradU8 = neonSoftmaxGrad[uint8]
	t.softmaxGradI32 = neonSoftmaxGrad[int32]
	t.softmaxFusedU8 = neonSoftmaxFused[uint8]
	t.softmaxFusedI32 = neonSoftmaxFused[int32]
	t.confusionU8 = neonConfusion[uint8]
	t.confusionI32 = neonConfusion[int32]
	t.confusionBin = neonConfusionBinary
	t.sum = neonSum
	t.copy = neonCopy
	t.softStats = neonSoftStats
	t.softGrad = neonSoftGrad
	t.edtScan = edtScanVector(asm.EDTScanNEON)
	t.slowProbs = true
	t.nearScan1 = func(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) {
		asm.NearScan1NEON(o1, h1, f1, g1, dsq, pad, n, lim1)
	}
	t.nearScan2 = func(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) {
		asm.NearScan2NEON(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
	}
	return &t
}()

// The probability-target kernels: SoftTargetRange and SoftTargetGradRange
// have checked the slices and counts, so the entry points' errors cannot
// occur here.

func neonSoftStats(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32 {
	b, _ := asm.SoftTargetStatsNEON(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, out)
	return b
}

func neonSoftGrad(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) {
	_ = asm.SoftTargetGradNEON(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, scale, dst)
}

// neonBlocked calls an elementwise kernel on blocks of at most BlockSize
// elements.
func neonBlocked(f func(dst, x []float32) error) func(dst, x []float32) {
	return func(dst, x []float32) {
		x = x[:len(dst)]
		for len(dst) > 0 {
			n := min(len(dst), BlockSize)
			f(dst[:n], x[:n])
			dst, x = dst[n:], x[n:]
		}
	}
}

func neonSigmoidStats(x, y, w []float32, p *SigmoidParams, s *SigmoidSums[float32]) {
	flags := sigmoidStatsFlags(p)
	y = y[:len(x)]
	gm := powMode(p.FocalGamma)
	var out, blk [8]float32
	var bits, b uint32
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		switch {
		case p.Probs && w != nil:
			b, _ = asm.SigmoidStatsPWNEON(x[lo:hi], y[lo:hi], w[lo:hi], flags, p.PosWeight, p.FocalAlpha, p.FocalGamma, gm, blk[:])
		case p.Probs:
			b, _ = asm.SigmoidStatsPNEON(x[lo:hi], y[lo:hi], flags, p.PosWeight, p.FocalAlpha, p.FocalGamma, gm, blk[:])
		case w != nil:
			b, _ = asm.SigmoidStatsWNEON(x[lo:hi], y[lo:hi], w[lo:hi], flags, p.PosWeight, p.FocalAlpha, p.FocalGamma, gm, blk[:])
		default:
			b, _ = asm.SigmoidStatsNEON(x[lo:hi], y[lo:hi], flags, p.PosWeight, p.FocalAlpha, p.FocalGamma, gm, blk[:])
		}
		for i := range out {
			out[i] += blk[i]
		}
		bits = max(bits, b)
	}
	*s = SigmoidSums[float32]{P: out[0], PY: out[1], Y: out[2], PP: out[3], YY: out[4], BCE: out[5], Focal: out[6], AD: out[7], Bits: bits}
}

func neonSigmoidGrad(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
	flags := sigmoidGradFlags(c)
	y, dst = y[:len(x)], dst[:len(x)]
	gm, gm1 := powMode(c.FocalGamma), powMode(c.FocalGamma-1)
	var bits, b uint32
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		switch {
		case c.Probs && w != nil:
			b, _ = asm.SigmoidGradPWNEON(x[lo:hi], y[lo:hi], w[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
		case c.Probs:
			b, _ = asm.SigmoidGradPNEON(x[lo:hi], y[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
		case w != nil:
			b, _ = asm.SigmoidGradWNEON(x[lo:hi], y[lo:hi], w[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
		default:
			b, _ = asm.SigmoidGradNEON(x[lo:hi], y[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
		}
		bits = max(bits, b)
	}
	return bits
}

// neonSigmoidFused runs the statistics kernel and then the gradient kernel
// on each block (the probability kernels when p.Probs and c.Probs, which
// the caller keeps equal: q and c pass them through); the Bits are the
// statistics kernel's.
func neonSigmoidFused(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, s *SigmoidSums[float32], dst []float32) {
	q := *p
	q.Need &^= NeedRegion | NeedSquared | NeedAbsDiff // only BCE and Focal are summed
	y, dst = y[:len(x)], dst[:len(x)]
	var out SigmoidSums[float32]
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		var wb []float32
		if w != nil {
			wb = w[lo:hi]
		}
		neonSigmoidStats(x[lo:hi], y[lo:hi], wb, &q, s)
		neonSigmoidGrad(x[lo:hi], y[lo:hi], wb, c, dst[lo:hi])
		out.BCE += s.BCE
		out.Focal += s.Focal
		out.Bits = max(out.Bits, s.Bits)
	}
	*s = out
}

// neonSoftmaxFused runs the statistics kernel and then the gradient kernel
// on the block (the second read of the block comes from the cache); with
// per-pixel weights both take them (p's and c's are the same slice).
func neonSoftmaxFused[L Label](x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, c *SoftmaxCoef, s *SoftmaxSums[float32], dst []float32) {
	neonSoftmaxStatsCore(x, S, lo, hi, lab, p, s, false)
	neonSoftmaxGrad(x, S, lo, hi, lab, c, dst)
}

// The NEON softmax kernels need no scratch: the gradient pass keeps its e_c
// in dst, and the statistics' region sums take them from Scratch when it
// holds 4*C floats (kernels.ScratchLen is more) or recompute them.
const neonScratch = 2048

func neonSoftmaxStats[L Label](x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32]) {
	neonSoftmaxStatsCore(x, S, lo, hi, lab, p, s, true)
}

// neonSoftmaxStatsCore is neonSoftmaxStats; without perClass (the fused
// pass) p's region flags are off and s's per-class slices untouched.
func neonSoftmaxStatsCore[L Label](x []float32, S, lo, hi int, lab []L, p *SoftmaxParams, s *SoftmaxSums[float32], perClass bool) {
	C := p.C
	// C < 1: the kernels loop over C >= 1 planes; the NEON kernels store no
	// probabilities (SoftmaxProbsPay)
	if C < 1 || (perClass && p.Probs != nil && p.Need&NeedRegion != 0) {
		softmaxStatsCore(x, S, lo, hi, lab, p, s, perClass)
		return
	}
	flags := uint64(p.Need)
	var sP, sPY, sCount, sPP []float32
	if perClass {
		sP, sPY, sCount, sPP = s.P[:C], s.PY[:C], s.Count[:C], s.PP[:C]
		clear(sP)
		clear(sPY)
		clear(sCount)
		clear(sPP)
	} else {
		flags &^= uint64(NeedRegion | NeedSquared)
	}
	wsum := float32(C)
	if p.CEWeight != nil {
		flags |= flagWeights
		wsum = 0
		for _, w := range p.CEWeight[:C] {
			wsum += w
		}
	}
	if p.Alpha != nil {
		flags |= flagAlpha
		_ = p.Alpha[:C]
	}
	if p.Smoothing != 0 {
		flags |= flagSmooth
	}
	// Per-pixel weights: the kernels never take the product mode with
	// flagPixW (no class-weight table of ones needed, unlike amd64).
	var pw []float32
	if p.PixelWeight != nil {
		flags |= flagPixW
		pw = p.PixelWeight[:S]
	}
	ign := int32(-1)
	if p.UseIgnore {
		ign = p.Ignore
	}
	x, lab = x[:C*S], lab[:S]
	_ = lab[lo:hi]
	eps1, epsC := 1-p.Smoothing, p.Smoothing/float32(C)
	gm := powMode(p.Gamma)
	var scr, ew []float32
	if len(p.Scratch) >= 4*C {
		flags |= neonScratch
		scr = p.Scratch[:4*C]
	}
	if p.CEWeight != nil && p.Smoothing != 0 {
		// eps/C*w_k, the coefficients of the smoothing sum, after scr
		if len(p.Scratch) < 5*C {
			softmaxStatsCore(x, S, lo, hi, lab, p, s, perClass)
			return
		}
		ew = p.Scratch[4*C : 5*C]
		for c, w := range p.CEWeight[:C] {
			ew[c] = epsC * w
		}
	}
	var out, sum [4]float32
	for ; lo < hi; lo += BlockSize {
		h := min(lo+BlockSize, hi)
		switch l := any(lab).(type) {
		case []uint8:
			asm.SoftmaxStatsU8NEON(x, S, lo, h, l, pw, C, ign, flags, p.CEWeight, p.Alpha, ew, eps1, epsC, wsum, p.Gamma, gm, scr, sP, sPY, sCount, sPP, out[:])
		case []int32:
			asm.SoftmaxStatsI32NEON(x, S, lo, h, l, pw, C, ign, flags, p.CEWeight, p.Alpha, ew, eps1, epsC, wsum, p.Gamma, gm, scr, sP, sPY, sCount, sPP, out[:])
		}
		for i := range sum {
			sum[i] += out[i]
		}
	}
	s.CE, s.W, s.Focal, s.Valid = sum[0], sum[1], sum[2], sum[3]
}

func neonSoftmaxGrad[L Label](x []float32, S, lo, hi int, lab []L, c *SoftmaxCoef, dst []float32) {
	C := c.C
	if C < 1 || c.FromProbs {
		softmaxGradGeneric(x, S, lo, hi, lab, c, dst)
		return
	}
	var flags uint64
	var tauK, sK, kappa float32
	if c.CEScale != 0 {
		flags |= uint64(NeedCE)
		wsum := float32(C)
		if c.CEWeight != nil {
			flags |= flagWeights
			wsum = 0
			for _, v := range c.CEWeight[:C] {
				wsum += v
			}
		}
		tauK = c.CEScale * (1 - c.Smoothing)
		sK = c.CEScale * c.Smoothing * wsum / float32(C)
		if c.Smoothing != 0 {
			flags |= flagSmooth
			kappa = c.CEScale * c.Smoothing / float32(C)
		}
	}
	if c.FocalScale != 0 {
		flags |= uint64(NeedFocal)
		if c.Alpha != nil {
			flags |= flagAlpha
			_ = c.Alpha[:C]
		}
	}
	if c.A != nil {
		flags |= uint64(NeedRegion)
		_, _, _ = c.A[:C], c.B[:C], c.E[:C]
	}
	var pw []float32
	if c.PixelWeight != nil {
		flags |= flagPixW
		pw = c.PixelWeight[:S]
	}
	ign := int32(-1)
	if c.UseIgnore {
		ign = c.Ignore
	}
	x, dst, lab = x[:C*S], dst[:C*S], lab[:S]
	_ = lab[lo:hi]
	gm, gm1 := powMode(c.Gamma), powMode(c.Gamma-1)
	for ; lo < hi; lo += BlockSize {
		h := min(lo+BlockSize, hi)
		switch l := any(lab).(type) {
		case []uint8:
			asm.SoftmaxGradU8NEON(x, S, lo, h, l, pw, C, ign, flags, c.CEWeight, c.Alpha, c.A, c.B, c.E, tauK, sK, kappa, c.FocalScale, c.Gamma, gm, gm1, dst)
		case []int32:
			asm.SoftmaxGradI32NEON(x, S, lo, h, l, pw, C, ign, flags, c.CEWeight, c.Alpha, c.A, c.B, c.E, tauK, sK, kappa, c.FocalScale, c.Gamma, gm, gm1, dst)
		}
	}
}

func neonConfusion[L Label](x []float32, S, C, lo, hi int, lab []L, ign int32, useIgn bool, tp, fp, fn []int64) {
	if C < 1 {
		confusionGeneric(x, S, C, lo, hi, lab, ign, useIgn, tp, fp, fn)
		return
	}
	if !useIgn {
		ign = -1
	}
	x, lab = x[:C*S], lab[:S]
	_ = lab[lo:hi]
	tp, fp, fn = tp[:C], fp[:C], fn[:C]
	for ; lo < hi; lo += BlockSize {
		h := min(lo+BlockSize, hi)
		switch l := any(lab).(type) {
		case []uint8:
			asm.ConfusionU8NEON(x, S, C, lo, h, l, ign, tp, fp, fn)
		case []int32:
			asm.ConfusionI32NEON(x, S, C, lo, h, l, ign, tp, fp, fn)
		}
	}
}

func neonConfusionBinary(x, y []float32, thr float32, n *BinaryCounts) {
	y = y[:len(x)]
	var out [3]int64
	for lo := 0; lo < len(x); lo += BlockSize {
		hi := min(lo+BlockSize, len(x))
		asm.ConfusionBinaryNEON(x[lo:hi], y[lo:hi], thr, out[:])
	}
	n.TP += out[0]
	n.FP += out[1]
	n.FN += out[2]
}

// neonSum adds the float32 sums of the blocks of x in order.
func neonSum(x []float32) float32 {
	var s float32
	for len(x) > 0 {
		n := min(len(x), BlockSize)
		s += asm.SumNEON(x[:n])
		x = x[n:]
	}
	return s
}

func neonCopy(dst, src []float32) {
	src = src[:len(dst)]
	for len(dst) > 0 {
		n := min(len(dst), BlockSize)
		asm.CopyNEON(dst[:n], src[:n])
		dst, src = dst[n:], src[n:]
	}
}
