// Checked entry points of the generated arm64 kernels: hand-written, not
// generated (asm/doc.go). Each exported function checks its slices
// against its counts (check.go), and returns
// an error, having done nothing, instead of calling the unexported kernel.

//go:build !purego

package asm

// ExpNEON runs expNEON after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst.
func ExpNEON(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("ExpNEON")
	}
	expNEON(dst, x)
	return nil
}

// LogNEON runs logNEON after its checks: it returns an error wrapping
// ErrArg, having done nothing, when x is shorter than dst.
func LogNEON(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("LogNEON")
	}
	logNEON(dst, x)
	return nil
}

// SigmoidNEON runs sigmoidNEON after its checks: it returns an error
// wrapping ErrArg, having done nothing, when x is shorter than dst.
func SigmoidNEON(dst []float32, x []float32) error {
	if !(len(x) >= len(dst)) {
		return argErr("SigmoidNEON")
	}
	sigmoidNEON(dst, x)
	return nil
}

// SigmoidStatsNEON runs sigmoidStatsNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 8.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsNEON(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsNEON")
	}
	return sigmoidStatsNEON(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradNEON runs sigmoidGradNEON after its checks: it returns an error
// wrapping ErrArg, having done nothing, when y or dst is shorter than x.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradNEON(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradNEON")
	}
	return sigmoidGradNEON(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidStatsWNEON runs sigmoidStatsWNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or w is shorter than x
// or out than 8.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsWNEON(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsWNEON")
	}
	return sigmoidStatsWNEON(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradWNEON runs sigmoidGradWNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradWNEON(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradWNEON")
	}
	return sigmoidGradWNEON(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidStatsPNEON runs sigmoidStatsPNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 8.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPNEON(x []float32, y []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPNEON")
	}
	return sigmoidStatsPNEON(x, y, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPNEON runs sigmoidGradPNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y or dst is shorter than
// x.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPNEON(x []float32, y []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPNEON")
	}
	return sigmoidGradPNEON(x, y, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SigmoidStatsPWNEON runs sigmoidStatsPWNEON after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y or w is shorter
// than x or out than 8.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidStatsPWNEON(x []float32, y []float32, w []float32, flags uint64, pw float32, alpha float32, gamma float32, gmode int, out []float32) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(out) >= 8) {
		return 0, argErr("SigmoidStatsPWNEON")
	}
	return sigmoidStatsPWNEON(x, y, w, flags, pw, alpha, gamma, gmode, out), nil
}

// SigmoidGradPWNEON runs sigmoidGradPWNEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when y, w or dst is shorter
// than x.
// Its result is the kernel's: the largest bits of the targets (and of
// probability inputs) as uint32, 0 with an error.
func SigmoidGradPWNEON(x []float32, y []float32, w []float32, dst []float32, flags uint64, a float32, b float32, e float32, d float32, bceScale float32, pw float32, focalScale float32, alpha float32, gamma float32, gmode int, g1mode int) (uint32, error) {
	if !(len(y) >= len(x) && len(w) >= len(x) && len(dst) >= len(x)) {
		return 0, argErr("SigmoidGradPWNEON")
	}
	return sigmoidGradPWNEON(x, y, w, dst, flags, a, b, e, d, bceScale, pw, focalScale, alpha, gamma, gmode, g1mode), nil
}

// SoftmaxStatsU8NEON runs softmaxStatsU8NEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of nc
// planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or a slice the flags
// use is short: w, alpha (flags 512, 256) nc floats, ew (512 and 1024) nc,
// scr (2048) 4*nc, P, PY, Count, PP (region, 4) nc each, out 4.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
func SoftmaxStatsU8NEON(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, nc int, ign int32, flags uint64, w []float32, alpha []float32, ew []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, scr []float32, P []float32, PY []float32, Count []float32, PP []float32, out []float32) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && pixWOK(flags, pw, hi) && neonStatsOK(nc, flags, w, alpha, ew, scr, P, PY, Count, PP, out)) {
		return argErr("SoftmaxStatsU8NEON")
	}
	softmaxStatsU8NEON(x, S, lo, hi, lab, pw, nc, ign, flags, w, alpha, ew, eps1, epsC, wsum, gamma, gmode, scr, P, PY, Count, PP, out)
	return nil
}

// SoftmaxGradU8NEON runs softmaxGradU8NEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of nc
// planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or a slice the flags
// use is short: w, alpha (flags 512, 256) nc floats, A, B, E (region, 4) nc
// each; or dst is shorter than nc*S.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
func SoftmaxGradU8NEON(x []float32, S int, lo int, hi int, lab []uint8, pw []float32, nc int, ign int32, flags uint64, w []float32, alpha []float32, A []float32, B []float32, E []float32, tauK float32, sK float32, kappa float32, focalScale float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && pixWOK(flags, pw, hi) && neonGradOK(nc, S, flags, w, alpha, A, B, E, dst)) {
		return argErr("SoftmaxGradU8NEON")
	}
	softmaxGradU8NEON(x, S, lo, hi, lab, pw, nc, ign, flags, w, alpha, A, B, E, tauK, sK, kappa, focalScale, gamma, gmode, g1mode, dst)
	return nil
}

// SoftmaxStatsI32NEON runs softmaxStatsI32NEON after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of
// nc planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or a slice the flags
// use is short: w, alpha (flags 512, 256) nc floats, ew (512 and 1024) nc,
// scr (2048) 4*nc, P, PY, Count, PP (region, 4) nc each, out 4.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
func SoftmaxStatsI32NEON(x []float32, S int, lo int, hi int, lab []int32, pw []float32, nc int, ign int32, flags uint64, w []float32, alpha []float32, ew []float32, eps1 float32, epsC float32, wsum float32, gamma float32, gmode int, scr []float32, P []float32, PY []float32, Count []float32, PP []float32, out []float32) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && pixWOK(flags, pw, hi) && neonStatsOK(nc, flags, w, alpha, ew, scr, P, PY, Count, PP, out)) {
		return argErr("SoftmaxStatsI32NEON")
	}
	softmaxStatsI32NEON(x, S, lo, hi, lab, pw, nc, ign, flags, w, alpha, ew, eps1, epsC, wsum, gamma, gmode, scr, P, PY, Count, PP, out)
	return nil
}

// SoftmaxGradI32NEON runs softmaxGradI32NEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of nc
// planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or a slice the flags
// use is short: w, alpha (flags 512, 256) nc floats, A, B, E (region, 4) nc
// each; or dst is shorter than nc*S.
// With flags&4096 (per-pixel weights) a pw shorter than hi is ErrArg too.
func SoftmaxGradI32NEON(x []float32, S int, lo int, hi int, lab []int32, pw []float32, nc int, ign int32, flags uint64, w []float32, alpha []float32, A []float32, B []float32, E []float32, tauK float32, sK float32, kappa float32, focalScale float32, gamma float32, gmode int, g1mode int, dst []float32) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && pixWOK(flags, pw, hi) && neonGradOK(nc, S, flags, w, alpha, A, B, E, dst)) {
		return argErr("SoftmaxGradI32NEON")
	}
	softmaxGradI32NEON(x, S, lo, hi, lab, pw, nc, ign, flags, w, alpha, A, B, E, tauK, sK, kappa, focalScale, gamma, gmode, g1mode, dst)
	return nil
}

// ConfusionU8NEON runs confusionU8NEON after its checks: it returns an error
// wrapping ErrArg, having done nothing, when the pixels [lo, hi) of nc
// planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is
// shorter than nc.
func ConfusionU8NEON(x []float32, S int, nc int, lo int, hi int, lab []uint8, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && countsOK(nc, tp, fp, fn)) {
		return argErr("ConfusionU8NEON")
	}
	confusionU8NEON(x, S, nc, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionI32NEON runs confusionI32NEON after its checks: it returns an
// error wrapping ErrArg, having done nothing, when the pixels [lo, hi) of nc
// planes of S pixels are not within x and lab (1 <= nc <= 2^31-1, S >= 0,
// nc*S <= len(x), 0 <= lo <= hi <= S, hi <= len(lab)), or tp, fp or fn is
// shorter than nc.
func ConfusionI32NEON(x []float32, S int, nc int, lo int, hi int, lab []int32, ign int32, tp []int64, fp []int64, fn []int64) error {
	if !(imageOK(len(x), S, nc, lo, hi, len(lab)) && countsOK(nc, tp, fp, fn)) {
		return argErr("ConfusionI32NEON")
	}
	confusionI32NEON(x, S, nc, lo, hi, lab, ign, tp, fp, fn)
	return nil
}

// ConfusionBinaryNEON runs confusionBinaryNEON after its checks: it returns
// an error wrapping ErrArg, having done nothing, when y is shorter than x or
// out than 3.
func ConfusionBinaryNEON(x []float32, y []float32, thr float32, out []int64) error {
	if !(len(y) >= len(x) && len(out) >= 3) {
		return argErr("ConfusionBinaryNEON")
	}
	confusionBinaryNEON(x, y, thr, out)
	return nil
}

// SumNEON returns sumNEON(x), the float32 sum of x in its kernel's
// order of additions (it takes no count: every x is valid).
func SumNEON(x []float32) float32 {
	return sumNEON(x)
}

// CopyNEON runs copyNEON after its checks: it returns an error wrapping
// ErrArg, having done nothing, when src is shorter than dst.
func CopyNEON(dst []float32, src []float32) error {
	if !(len(src) >= len(dst)) {
		return argErr("CopyNEON")
	}
	copyNEON(dst, src)
	return nil
}

// EDTScanNEON runs edtScanNEON after its checks (internal/kernels.EDTScan
// says what it computes; lanes a multiple of 8, at most 64): it returns an
// error wrapping ErrArg, having done nothing, when the tile does not fit
// its slices.
func EDTScanNEON(dst, src, sq []float32, pitch, lanes, rows int, sqrt bool) (uint64, error) {
	if !edtScanOK(dst, src, sq, pitch, lanes, rows, 8) {
		return 0, argErr("EDTScanNEON")
	}
	return edtScanNEON(dst, src, sq, pitch, lanes, rows, sqrt), nil
}

// NearScan1NEON runs nearScan1NEON after its checks
// (internal/kernels.NearScan1 says what it computes): it returns an error
// wrapping ErrArg, having done nothing, when a slice is too short for the
// row, its padding and its steps.
func NearScan1NEON(o1 []float32, h1 []int32, f1 []float32, g1 []int32, dsq []float32, pad, n int, lim1 float32) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f1), len(o1), len(h1)) {
		return argErr("NearScan1NEON")
	}
	nearScan1NEON(o1, h1, f1, g1, dsq, pad, n, lim1)
	return nil
}

// NearScan2NEON runs nearScan2NEON after its checks
// (internal/kernels.NearScan2), as NearScan1NEON.
func NearScan2NEON(o2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, lim2, dsq []float32, pad, n int) error {
	if !nearOK(n, pad, len(dsq), len(f1), len(g1), len(f2), len(o2), len(h1), len(lim2)) {
		return argErr("NearScan2NEON")
	}
	nearScan2NEON(o2, f1, g1, f2, h1, lim2, dsq, pad, n)
	return nil
}
