// Checked entry points of the generated NEON probability-target kernels
// (soft_arm64.s): hand-written, not generated (asm/doc.go), like
// checked_arm64.go.

//go:build !purego

package asm

// SoftTargetStatsNEON runs softTargetStatsNEON after its checks: it
// returns an error wrapping ErrArg, having done nothing, when the pixels
// [lo, hi) of nc planes of S pixels are not within x and y (1 <= nc <=
// 2^31-1, S >= 0, nc*S <= len(x), len(y), 0 <= lo <= hi <= S), or tab,
// scr, out are shorter than 8*nc, 28*nc, 6*nc+1. Its result is the
// kernel's: the largest bits of the targets as uint32, 0 with an error.
func SoftTargetStatsNEON(x, y []float32, S, lo, hi, nc int, flags uint64, tab, scr []float32, eps1, epsC float32, out []float32) (uint32, error) {
	if !(softOK(x, y, S, lo, hi, nc, tab, scr, 28) && len(out) >= 6*nc+1) {
		return 0, argErr("SoftTargetStatsNEON")
	}
	return softTargetStatsNEON(x, y, S, lo, hi, nc, flags, tab, scr, eps1, epsC, out), nil
}

// SoftTargetGradNEON runs softTargetGradNEON after its checks: it returns
// an error wrapping ErrArg, having done nothing, when the pixels [lo, hi)
// of nc planes of S pixels are not within x, y and dst (as
// SoftTargetStatsNEON), or tab and scr are shorter than 8*nc and 4*nc.
func SoftTargetGradNEON(x, y []float32, S, lo, hi, nc int, flags uint64, tab, scr []float32, eps1, epsC, scale float32, dst []float32) error {
	if !(softOK(x, y, S, lo, hi, nc, tab, scr, 4) && S <= len(dst)/nc) {
		return argErr("SoftTargetGradNEON")
	}
	softTargetGradNEON(x, y, S, lo, hi, nc, flags, tab, scr, eps1, epsC, scale, dst)
	return nil
}
