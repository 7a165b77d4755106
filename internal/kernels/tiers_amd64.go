//go:build !purego

package kernels

import (
	"github.com/klauspost/cpuid/v2"
	"github.com/segloss/segloss/asm"
)

// supportedTiers returns the tiers this CPU runs, best first: AVX-512 (F,
// BW, VL, DQ), AVX2 with FMA, generic. cpuid also checks that the OS saves
// the YMM/ZMM state.
func supportedTiers() []*tier {
	var ts []*tier
	c := cpuid.CPU
	if c.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512DQ, cpuid.AVX2, cpuid.FMA3, cpuid.BMI2) {
		ts = append(ts, avx512Tier)
	}
	if c.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.BMI2) {
		ts = append(ts, avx2Tier)
	}
	return append(ts, genericTier)
}

// asmFuncs are the generated kernels of one tier.
type asmFuncs struct {
	exp, log, sigmoid func(dst, x []float32) error
	sigmoidGrad       func(x, y, dst []float32, flags uint64, a, b, e, d, bceScale, pw, focalScale, alpha, gamma float32, gmode, g1mode int) (uint32, error)
	sigmoidGradW      func(x, y, w, dst []float32, flags uint64, a, b, e, d, bceScale, pw, focalScale, alpha, gamma float32, gmode, g1mode int) (uint32, error)
	// the kernels for probabilities (SigmoidCoef.Probs)
	sigmoidGradP  func(x, y, dst []float32, flags uint64, a, b, e, d, bceScale, pw, focalScale, alpha, gamma float32, gmode, g1mode int) (uint32, error)
	sigmoidGradPW func(x, y, w, dst []float32, flags uint64, a, b, e, d, bceScale, pw, focalScale, alpha, gamma float32, gmode, g1mode int) (uint32, error)
}

var (
	avx2Tier = asmTier("avx2", asmFuncs{
		exp: asm.ExpAVX2, log: asm.LogAVX2, sigmoid: asm.SigmoidAVX2,
		sigmoidGrad: asm.SigmoidGradAVX2, sigmoidGradW: asm.SigmoidGradWAVX2,
		sigmoidGradP: asm.SigmoidGradPAVX2, sigmoidGradPW: asm.SigmoidGradPWAVX2,
	})
	avx512Tier = asmTier("avx512", asmFuncs{
		exp: asm.ExpAVX512, log: asm.LogAVX512, sigmoid: asm.SigmoidAVX512,
		sigmoidGrad: asm.SigmoidGradAVX512, sigmoidGradW: asm.SigmoidGradWAVX512,
		sigmoidGradP: asm.SigmoidGradPAVX512, sigmoidGradPW: asm.SigmoidGradPWAVX512,
	})
)

// asmTier builds a tier from generated kernels; the Go side only splits the
// work into blocks of at most BlockSize elements (assembly is not
// preemptible) and prepares the kernels' arguments.
func asmTier(name string, f asmFuncs) *tier {
	t := *genericTier
	t.name = name
	t.exp = blocked(f.exp)
	t.log = blocked(f.log)
	t.sigmoid = blocked(f.sigmoid)
	t.sigmoidStats = sigmoidStatsAsm(name == "avx512")
	t.sigmoidGrad = sigmoidGradAsm(f)
	t.sigmoidFused = sigmoidFusedAsm(name == "avx512")
	avx512 := name == "avx512"
	t.sum, t.copy = rooflineSum(avx512), rooflineCopy(avx512)
	t.edtScan = edtScanVector(asm.EDTScanAVX2) // on the AVX-512 tier too: gen/amd64/edt.go says why
	t.nearScan1 = func(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) {
		asm.NearScan1AVX2(o1, h1, f1, g1, dsq, pad, n, lim1)
	}
	t.nearScan2 = func(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) {
		asm.NearScan2AVX2(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
	}
	t.confusionU8 = confusionAsm[uint8](avx512)
	t.confusionI32 = confusionAsm[int32](avx512)
	t.confusionBin = confusionBinAsm(avx512)
	t.softmaxStatsU8 = softmaxStatsAsm[uint8](avx512)
	t.softmaxStatsI32 = softmaxStatsAsm[int32](avx512)
	t.softmaxGradU8 = softmaxGradAsm[uint8](avx512)
	t.softmaxGradI32 = softmaxGradAsm[int32](avx512)
	t.softmaxFusedU8 = softmaxFusedAsm[uint8](avx512)
	t.softmaxFusedI32 = softmaxFusedAsm[int32](avx512)
	t.softStats, t.softGrad = softStatsAVX2, softGradAVX2
	if avx512 {
		t.softStats, t.softGrad = softStatsAVX512, softGradAVX512
		t.fence = asm.FenceAVX512
	}
	return &t
}

// Kernels that write into the wrapper's own arrays are called directly (not
// through a func value), so that the arrays stay on the stack.

func sigmoidStatsAsm(avx512 bool) func(x, y, w []float32, p *SigmoidParams, s *SigmoidSums[float32]) {
	return func(x, y, w []float32, p *SigmoidParams, s *SigmoidSums[float32]) {
		flags := sigmoidStatsFlags(p)
		y = y[:len(x)]
		gm := powMode(p.FocalGamma)
		var out, blk [8]float32
		var bits, b uint32
		for lo := 0; lo < len(x); lo += BlockSize {
			hi := min(lo+BlockSize, len(x))
			xb, yb := x[lo:hi], y[lo:hi]
			pw, fa, fg := p.PosWeight, p.FocalAlpha, p.FocalGamma
			switch sigmoidKind(avx512, p.Probs, w != nil) {
			case 0:
				b, _ = asm.SigmoidStatsAVX2(xb, yb, flags, pw, fa, fg, gm, blk[:])
			case 1:
				b, _ = asm.SigmoidStatsWAVX2(xb, yb, w[lo:hi], flags, pw, fa, fg, gm, blk[:])
			case 2:
				b, _ = asm.SigmoidStatsPAVX2(xb, yb, flags, pw, fa, fg, gm, blk[:])
			case 3:
				b, _ = asm.SigmoidStatsPWAVX2(xb, yb, w[lo:hi], flags, pw, fa, fg, gm, blk[:])
			case 4:
				b, _ = asm.SigmoidStatsAVX512(xb, yb, flags, pw, fa, fg, gm, blk[:])
			case 5:
				b, _ = asm.SigmoidStatsWAVX512(xb, yb, w[lo:hi], flags, pw, fa, fg, gm, blk[:])
			case 6:
				b, _ = asm.SigmoidStatsPAVX512(xb, yb, flags, pw, fa, fg, gm, blk[:])
			default:
				b, _ = asm.SigmoidStatsPWAVX512(xb, yb, w[lo:hi], flags, pw, fa, fg, gm, blk[:])
			}
			for i := range out {
				out[i] += blk[i]
			}
			bits = max(bits, b)
		}
		*s = SigmoidSums[float32]{P: out[0], PY: out[1], Y: out[2], PP: out[3], YY: out[4], BCE: out[5], Focal: out[6], AD: out[7], Bits: bits}
	}
}

// sigmoidKind numbers the eight variants of a sigmoid kernel: +4 for
// AVX-512, +2 for probabilities, +1 for weights.
func sigmoidKind(avx512, probs, weighted bool) int {
	k := 0
	if avx512 {
		k += 4
	}
	if probs {
		k += 2
	}
	if weighted {
		k++
	}
	return k
}

func sigmoidGradAsm(fs asmFuncs) func(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
	return func(x, y, w []float32, c *SigmoidCoef, dst []float32) uint32 {
		flags := sigmoidGradFlags(c)
		y, dst = y[:len(x)], dst[:len(x)]
		gm, gm1 := powMode(c.FocalGamma), powMode(c.FocalGamma-1)
		f, fw := fs.sigmoidGrad, fs.sigmoidGradW
		if c.Probs {
			f, fw = fs.sigmoidGradP, fs.sigmoidGradPW
		}
		var bits, b uint32
		for lo := 0; lo < len(x); lo += BlockSize {
			hi := min(lo+BlockSize, len(x))
			if w != nil {
				b, _ = fw(x[lo:hi], y[lo:hi], w[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
			} else {
				b, _ = f(x[lo:hi], y[lo:hi], dst[lo:hi], flags, c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma, gm, gm1)
			}
			bits = max(bits, b)
		}
		return bits
	}
}

func sigmoidFusedAsm(avx512 bool) func(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, s *SigmoidSums[float32], dst []float32) {
	return func(x, y, w []float32, p *SigmoidParams, c *SigmoidCoef, s *SigmoidSums[float32], dst []float32) {
		sflags := sigmoidStatsFlags(p) &^ uint64(NeedRegion|NeedSquared)
		flags := sigmoidGradFlags(c)
		y, dst = y[:len(x)], dst[:len(x)]
		gm, gm1 := powMode(c.FocalGamma), powMode(c.FocalGamma-1)
		var out, blk [2]float32
		var bits, b uint32
		for lo := 0; lo < len(x); lo += BlockSize {
			hi := min(lo+BlockSize, len(x))
			xb, yb, db := x[lo:hi], y[lo:hi], dst[lo:hi]
			ca, cb, ce, cd, bs, pw, fs, fa, fg := c.A, c.B, c.E, c.D, c.BCEScale, c.PosWeight, c.FocalScale, c.FocalAlpha, c.FocalGamma
			switch sigmoidKind(avx512, c.Probs, w != nil) {
			case 0:
				b, _ = asm.SigmoidFusedAVX2(xb, yb, db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 1:
				b, _ = asm.SigmoidFusedWAVX2(xb, yb, w[lo:hi], db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 2:
				b, _ = asm.SigmoidFusedPAVX2(xb, yb, db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 3:
				b, _ = asm.SigmoidFusedPWAVX2(xb, yb, w[lo:hi], db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 4:
				b, _ = asm.SigmoidFusedAVX512(xb, yb, db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 5:
				b, _ = asm.SigmoidFusedWAVX512(xb, yb, w[lo:hi], db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			case 6:
				b, _ = asm.SigmoidFusedPAVX512(xb, yb, db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			default:
				b, _ = asm.SigmoidFusedPWAVX512(xb, yb, w[lo:hi], db, flags, ca, cb, ce, cd, bs, pw, fs, fa, fg, gm, gm1, sflags, blk[:])
			}
			out[0] += blk[0]
			out[1] += blk[1]
			bits = max(bits, b)
		}
		*s = SigmoidSums[float32]{BCE: out[0], Focal: out[1], Bits: bits}
	}
}

// blocked calls an elementwise kernel on blocks of at most BlockSize
// elements.
func blocked(f func(dst, x []float32) error) func(dst, x []float32) {
	return func(dst, x []float32) {
		x = x[:len(dst)]
		for len(dst) > 0 {
			n := min(len(dst), BlockSize)
			f(dst[:n], x[:n])
			dst, x = dst[n:], x[n:]
		}
	}
}

// rooflineChunk bounds the work of one roofline kernel call.
const rooflineChunk = 16 * BlockSize

func rooflineSum(avx512 bool) func(x []float32) float32 {
	return func(x []float32) float32 {
		var s float32
		for len(x) > 0 {
			n := min(len(x), rooflineChunk)
			if avx512 {
				s += asm.SumAVX512(x[:n])
			} else {
				s += asm.SumAVX2(x[:n])
			}
			x = x[n:]
		}
		return s
	}
}

func rooflineCopy(avx512 bool) func(dst, src []float32) {
	return func(dst, src []float32) {
		src = src[:len(dst)]
		for len(dst) > 0 {
			n := min(len(dst), rooflineChunk)
			if avx512 {
				asm.CopyAVX512(dst[:n], src[:n])
			} else {
				asm.CopyAVX2(dst[:n], src[:n])
			}
			dst, src = dst[n:], src[n:]
		}
	}
}

func confusionAsm[L Label](avx512 bool) func(x []float32, S, C, lo, hi int, lab []L, ign int32, useIgn bool, tp, fp, fn []int64) {
	return func(x []float32, S, C, lo, hi int, lab []L, ign int32, useIgn bool, tp, fp, fn []int64) {
		if !useIgn {
			ign = -1
		}
		for ; lo < hi; lo += BlockSize {
			h := min(lo+BlockSize, hi)
			switch l := any(lab).(type) {
			case []uint8:
				if avx512 {
					asm.ConfusionU8AVX512(x, S, C, lo, h, l, ign, tp, fp, fn)
				} else {
					asm.ConfusionU8AVX2(x, S, C, lo, h, l, ign, tp, fp, fn)
				}
			case []int32:
				if avx512 {
					asm.ConfusionI32AVX512(x, S, C, lo, h, l, ign, tp, fp, fn)
				} else {
					asm.ConfusionI32AVX2(x, S, C, lo, h, l, ign, tp, fp, fn)
				}
			}
		}
	}
}

func confusionBinAsm(avx512 bool) func(x, y []float32, thr float32, n *BinaryCounts) {
	return func(x, y []float32, thr float32, n *BinaryCounts) {
		y = y[:len(x)]
		var out [3]int64
		for lo := 0; lo < len(x); lo += BlockSize {
			hi := min(lo+BlockSize, len(x))
			if avx512 {
				asm.ConfusionBinaryAVX512(x[lo:hi], y[lo:hi], thr, out[:])
			} else {
				asm.ConfusionBinaryAVX2(x[lo:hi], y[lo:hi], thr, out[:])
			}
		}
		n.TP += out[0]
		n.FP += out[1]
		n.FN += out[2]
	}
}

// The probability-target kernels: SoftTargetRange and SoftTargetGradRange
// have checked the slices and counts, so the entry points' errors cannot
// occur here.

func softStatsAVX2(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32 {
	b, _ := asm.SoftTargetStatsAVX2(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, out)
	return b
}

func softGradAVX2(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) {
	_ = asm.SoftTargetGradAVX2(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, scale, dst)
}

func softStatsAVX512(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) uint32 {
	b, _ := asm.SoftTargetStatsAVX512(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, out)
	return b
}

func softGradAVX512(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) {
	_ = asm.SoftTargetGradAVX512(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, scale, dst)
}
