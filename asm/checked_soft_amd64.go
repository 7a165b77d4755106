// Checked entry points of the generated probability-target kernels
// (soft_amd64.s): hand-written, not generated (asm/doc.go), like
// checked_amd64.go.

//go:build !purego

package asm

// SoftTargetStatsAVX2 runs softTargetStatsAVX2 after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of C planes of S pixels are not within x and y (1 <= C <=
// 2^31-1, S >= 0, C*S <= len(x), len(y), 0 <= lo <= hi <= S), or tab, scr,
// out are shorter than 8*C, 128*C, 6*C+1. Otherwise it returns ErrCPU on a
// CPU without AVX2. Its result is the kernel's: the largest bits of the
// targets as uint32, 0 with an error.
func SoftTargetStatsAVX2(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) (uint32, error) {
	if !(softOK(x, y, S, lo, hi, C, tab, scr, 128) && len(out) >= 6*C+1) {
		return 0, argErr("SoftTargetStatsAVX2")
	}
	if !hasAVX2 {
		return 0, cpuErr("SoftTargetStatsAVX2")
	}
	return softTargetStatsAVX2(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, out), nil
}

// SoftTargetGradAVX2 runs softTargetGradAVX2 after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi)
// of C planes of S pixels are not within x, y and dst (as
// SoftTargetStatsAVX2), or tab and scr are shorter than 8*C and 128*C.
// Otherwise it returns ErrCPU on a CPU without AVX2.
func SoftTargetGradAVX2(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) error {
	if !(softOK(x, y, S, lo, hi, C, tab, scr, 128) && S <= len(dst)/C) {
		return argErr("SoftTargetGradAVX2")
	}
	if !hasAVX2 {
		return cpuErr("SoftTargetGradAVX2")
	}
	softTargetGradAVX2(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, scale, dst)
	return nil
}

// SoftTargetStatsAVX512 is SoftTargetStatsAVX2 for the AVX-512 kernel
// (ErrCPU on a CPU without AVX-512).
func SoftTargetStatsAVX512(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) (uint32, error) {
	if !(softOK(x, y, S, lo, hi, C, tab, scr, 128) && len(out) >= 6*C+1) {
		return 0, argErr("SoftTargetStatsAVX512")
	}
	if !hasAVX512 {
		return 0, cpuErr("SoftTargetStatsAVX512")
	}
	return softTargetStatsAVX512(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, out), nil
}

// SoftTargetGradAVX512 is SoftTargetGradAVX2 for the AVX-512 kernel
// (ErrCPU on a CPU without AVX-512).
func SoftTargetGradAVX512(x, y []float32, S, lo, hi, C int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) error {
	if !(softOK(x, y, S, lo, hi, C, tab, scr, 128) && S <= len(dst)/C) {
		return argErr("SoftTargetGradAVX512")
	}
	if !hasAVX512 {
		return cpuErr("SoftTargetGradAVX512")
	}
	softTargetGradAVX512(x, y, S, lo, hi, C, flags, tab, scr, eps1, epsC, scale, dst)
	return nil
}
